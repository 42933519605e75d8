"""Per-entry and per-job frames of a partitioned history, as Dask DataFrames.

``durations`` and ``phase_table`` are computed by the in-memory functions partition by
partition (a job is never split, so each row is the one the whole history would give). The
frames have the columns and dtypes of the in-memory ones, with two differences a Dask frame
cannot avoid:

- the categorical columns (``job_name`` and ``status`` of ``durations``, the categorical job
  columns of ``phase_table``) have *unknown* categories in the Dask sense: each partition holds
  the categories of its own jobs; ``.compute()`` unites them (known statuses first, in
  lifecycle order) and ``.cat.as_known()`` finds them;
- the rows come partition by partition, and the index restarts at 0 in each: where the
  in-memory ``transitions`` interleave the rows of several jobs, ``durations`` gives each
  partition's rows in their order (a job's rows keep theirs).

The ``<Status>_s`` columns of ``phase_table`` are those of every status some partition holds,
known statuses in lifecycle order, then unknown ones in order of appearance over the
partitions: a first pass computes each partition's statuses (a few names each), so the frame's
columns are fixed before it is built; a partition without a status gets 0 in its column, as
in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from smstatus.dask.dependency import import_optional
from smstatus.history import KNOWN_STATUSES, JobHistory

__all__ = ["dask_frame", "durations", "merge_status_names", "phase_table", "present_statuses"]


def dask_frame(parts: Sequence[Any], meta: pd.DataFrame, *, known: Sequence[str] = ()) -> Any:
    """A Dask frame of ``parts`` (``Delayed`` frames shaped as ``meta``): the categorical
    columns have unknown categories but for those named in ``known``; no part, no row."""
    dd = import_optional("dask.dataframe")
    clear = import_optional("dask.dataframe.utils").clear_known_categories
    unknown = [
        c
        for c in meta.columns
        if isinstance(meta[c].dtype, pd.CategoricalDtype) and c not in set(known)
    ]
    meta = clear(meta, cols=unknown) if unknown else meta
    if not parts:
        return dd.from_pandas(meta, npartitions=1)
    return dd.from_delayed(list(parts), meta=meta, verify_meta=False)


def durations(
    partitions: Sequence[Any], func: Callable[..., Any], options: Mapping[str, Any]
) -> Any:
    """The in-memory ``durations`` of every partition, as one Dask frame."""
    delayed = import_optional("dask").delayed
    meta = func(JobHistory.empty(), **options)
    parts = [delayed(func)(part, **options) for part in partitions]
    return dask_frame(parts, meta)


def present_statuses(history: JobHistory) -> list[str]:
    """The statuses some entry of ``history`` has, in the order of its categories."""
    status = history.transitions["status"]
    codes = pd.unique(status.cat.codes[status.cat.codes >= 0])
    cats = status.cat.categories
    return [str(cats[i]) for i in sorted(int(c) for c in codes)]


def merge_status_names(per_partition: Sequence[Sequence[str]]) -> list[str]:
    """Statuses of all partitions: the known ones in lifecycle order, then the others in order
    of appearance (partition by partition)."""
    seen = dict.fromkeys(s for names in per_partition for s in names)
    known = [s for s in KNOWN_STATUSES if s in seen]
    return known + [s for s in seen if s not in set(KNOWN_STATUSES)]


def _status_columns(frame: pd.DataFrame) -> list[str]:
    """The ``<Status>_s`` columns of a phase table: those between ``job_name`` and ``wall_s``."""
    cols = list(frame.columns)
    return cols[1 : cols.index("wall_s")]


def _with_status_columns(frame: pd.DataFrame, statuses: Sequence[str]) -> pd.DataFrame:
    """``frame`` (a phase table) with a ``<Status>_s`` column for each of ``statuses``, in that
    order; 0 seconds where the partition never was in it."""
    own = _status_columns(frame)
    wanted = [f"{s}_s" for s in statuses]
    rest = list(frame.columns)[1 + len(own) :]
    cols: dict[str, Any] = {"job_name": frame["job_name"]}
    for col in wanted:
        cols[col] = frame[col] if col in frame.columns else pd.Series(0.0, index=frame.index)
    for col in rest:
        cols[col] = frame[col]
    out = pd.DataFrame(cols, index=frame.index)
    out.attrs = dict(frame.attrs)
    return out


def _phase_table_part(
    history: JobHistory, func: Callable[..., Any], options: Mapping[str, Any], statuses: list[str]
) -> pd.DataFrame:
    return _with_status_columns(func(history, **options), statuses)


def phase_table(
    partitions: Sequence[Any], func: Callable[..., Any], options: Mapping[str, Any]
) -> Any:
    """The in-memory ``phase_table`` of every partition, as one Dask frame with the status
    columns of every partition."""
    dask = import_optional("dask")
    found = dask.compute(*[dask.delayed(present_statuses)(part) for part in partitions])
    statuses = merge_status_names(found)
    meta = _with_status_columns(func(JobHistory.empty(), **options), statuses)
    parts = [dask.delayed(_phase_table_part)(part, func, options, statuses) for part in partitions]
    return dask_frame(parts, meta)
