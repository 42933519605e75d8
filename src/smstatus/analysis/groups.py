"""Groups of jobs for the statistics (``by=``): job columns, time buckets, callables."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from smstatus.history import JobHistory

__all__ = [
    "TIME_BASES",
    "TIME_UNITS",
    "By",
    "decode_groups",
    "encode_groups",
    "group_frame",
    "percentile_names",
]

By: TypeAlias = str | pd.Grouper | Callable[[pd.DataFrame], Any] | pd.Series | Sequence[Any] | None
"""What ``by=`` accepts: see :func:`group_frame`."""

TIME_BASES: dict[str, str | None] = {
    "creation": "creation_time",
    "training_start": "training_start_time",
    "training_end": "training_end_time",
    "last_modified": "last_modified_time",
    "start": None,  # the job's first entry
}
"""Prefixes of the derived time buckets and the job column each reads."""

TIME_UNITS: dict[str, str] = {
    "year": "Y",
    "quarter": "Q",
    "month": "M",
    "week": "W",
    "day": "D",
    "hour": "h",
}
"""Suffixes of the derived time buckets and their period frequency."""

_BUCKET = re.compile(rf"^({'|'.join(TIME_BASES)})_({'|'.join(TIME_UNITS)})$")


def percentile_names(percentiles: Sequence[float]) -> list[str]:
    """Column names ``p<100*q>_s`` of quantiles ``q`` (checked to lie in [0, 1], distinct)."""
    names = []
    for q in percentiles:
        if not isinstance(q, int | float | np.number) or not 0 <= float(q) <= 1:
            raise ValueError(f"percentiles must be numbers between 0 and 1, got {q!r}")
        names.append(f"p{float(q) * 100:g}_s")
    if len(set(names)) != len(names):
        raise ValueError(f"percentiles must be distinct, got {list(percentiles)}")
    return names


def _period(times: pd.Series, freq: str) -> pd.Series:
    """Time buckets as an ordered categorical of their labels (``2025-05``), in time order."""
    naive = times.dt.tz_convert("UTC").dt.tz_localize(None) if times.dt.tz else times
    codes, buckets = pd.factorize(naive.dt.to_period(freq), sort=True)  # NaT: code -1
    labels = [str(b) for b in buckets]
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True))  # type: ignore[call-overload]


def _grouper_freq(grouper: pd.Grouper) -> str:
    freq = grouper.freq
    code = freq if isinstance(freq, str) else getattr(freq, "freqstr", str(freq))
    base = re.sub(r"^(M|Q|Y|A|BM|BQ|BY)(S|E)", r"\1", str(code))
    return {"A": "Y", "BM": "M", "BQ": "Q", "BY": "Y"}.get(base, base)


def _one(
    jobs: pd.DataFrame, spec: Any, first_start: Callable[[], pd.Series]
) -> tuple[str, pd.Series]:
    if isinstance(spec, str):
        if spec in jobs.columns and spec != "job_name":
            return spec, jobs[spec].reset_index(drop=True)
        match = _BUCKET.match(spec)
        if match:
            base, unit = match.groups()
            column = TIME_BASES[base]
            times = first_start() if column is None else jobs[column].reset_index(drop=True)
            return spec, _period(times, TIME_UNITS[unit])
        raise ValueError(
            f"by={spec!r} is neither a job column nor a time bucket; use one of "
            f"{[c for c in jobs.columns if c != 'job_name']} or '<time>_<unit>' with <time> in "
            f"{list(TIME_BASES)} and <unit> in {list(TIME_UNITS)} (e.g. 'creation_month')"
        )
    if isinstance(spec, pd.Grouper):
        key = spec.key
        if key is None or spec.freq is None:
            raise ValueError("a pandas.Grouper in by= needs key=<time column> and freq=")
        times = first_start() if key == "start" else jobs[key].reset_index(drop=True)  # type: ignore[assignment]
        freq = _grouper_freq(spec)
        try:
            return f"{key}_{freq}", _period(times, freq)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"by=pd.Grouper(key={key!r}, freq={spec.freq!r}): {exc}") from exc
    if isinstance(spec, pd.Series):
        if len(spec) != len(jobs):
            raise ValueError(
                f"a Series in by= must have one value per job ({len(jobs)}), got {len(spec)}"
            )
        return str(spec.name if spec.name is not None else "group"), spec.reset_index(drop=True)
    if callable(spec):
        values = spec(jobs)
        name = getattr(values, "name", None) or getattr(spec, "__name__", None) or "group"
        if name == "<lambda>":
            name = "group"
        values = pd.Series(np.asarray(values) if not isinstance(values, pd.Series) else values)
        if len(values) != len(jobs):
            raise ValueError(
                f"by={spec!r} returned {len(values)} values for {len(jobs)} jobs; it must "
                "return one per row of the jobs frame"
            )
        return str(name), values.reset_index(drop=True)
    raise TypeError(
        f"by= takes a column name, a time bucket, a pandas.Grouper, a callable, a Series or a "
        f"list of them; got {type(spec).__name__}"
    )


def group_frame(
    history: JobHistory,
    by: By,
    *,
    first_start: Callable[[], np.ndarray] | None = None,
) -> pd.DataFrame:
    """The group columns of each job (one row per row of ``history.jobs``).

    Parameters
    ----------
    history
        A :class:`~smstatus.history.JobHistory`.
    by
        ``None`` (no column), or one spec or a list of specs, each:

        - the name of a column of ``history.jobs`` (``"instance_type"``, ``"spot"``...);
        - a time bucket ``"<time>_<unit>"``: ``<time>`` in :data:`TIME_BASES`
          (``creation``, ``training_start``, ``training_end``, ``last_modified``, ``start``:
          the first entry's start), ``<unit>`` in :data:`TIME_UNITS`; values are the labels of
          UTC periods (``"creation_month"`` gives ``"2025-05"``) as an ordered categorical in
          time order;
        - ``pandas.Grouper(key=<time column or "start">, freq=...)``: the same buckets with
          any period frequency, named ``<key>_<freq>``;
        - a callable taking the jobs frame and returning one value per row, named after the
          Series it returns or the function;
        - a Series with one value per jobs row, named after the Series.
    first_start
        Returns the first entry's start time of each jobs row (ns, for ``start_*`` buckets).
    """
    if by is None:
        return pd.DataFrame(index=pd.RangeIndex(len(history.jobs)))
    specs = [by] if isinstance(by, str | pd.Grouper | pd.Series) or callable(by) else list(by)
    jobs = history.jobs

    def start_times() -> pd.Series:
        if first_start is None:
            raise ValueError("start_* buckets need the entries' start times")
        ns = np.asarray(first_start(), dtype=np.int64)
        return pd.Series(pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC"))

    out: dict[str, pd.Series] = {}
    for spec in specs:
        name, values = _one(jobs, spec, start_times)
        if name in out or name in {"status"}:
            raise ValueError(f"by= names the column {name!r} twice (or a reserved name)")
        out[name] = values
    return pd.DataFrame(out, index=pd.RangeIndex(len(jobs)))


def encode_groups(groups: pd.DataFrame) -> pd.DataFrame:
    """Each group column as integer codes in sorted order, missing values last (a code of
    their own).

    pandas gives NaN for some reductions (quantiles) over a group whose key is missing, and
    sorts keys of mixed types unevenly; grouping by these codes and :func:`decode_groups`
    afterwards gives every group, missing ones included, the same figures.
    """
    out = {}
    for key in groups.columns:
        codes, uniques = pd.factorize(groups[key], sort=True)
        out[key] = np.where(codes < 0, len(uniques), codes).astype(np.int64)
    return pd.DataFrame(out, index=groups.index)


def decode_groups(frame: pd.DataFrame, groups: pd.DataFrame, codes: pd.DataFrame) -> pd.DataFrame:
    """Replace the code columns of ``frame`` (from :func:`encode_groups`) by the group values,
    with the dtypes of ``groups``."""
    frame = frame.copy()
    rows = np.arange(len(groups), dtype=np.int64)
    for key in groups.columns:
        job_codes = codes[key].to_numpy()
        first = np.full(int(job_codes.max(initial=-1)) + 1, -1, dtype=np.int64)
        first[job_codes[::-1]] = rows[::-1]  # the first row of each code
        frame[key] = groups[key].take(first[frame[key].to_numpy(dtype=np.int64)]).to_numpy()
        frame[key] = frame[key].astype(groups[key].dtype)
    return frame
