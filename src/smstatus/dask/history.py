"""``DaskHistory``: a history kept as partitions of whole jobs, computed by Dask.

Each partition is a :class:`~smstatus.history.JobHistory` (a ``dask.delayed`` value until it is
computed), so the ``transitions`` and ``jobs`` of a partition always line up and every per-job
function of smstatus runs on a partition unchanged.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from smstatus.dask.dependency import import_optional
from smstatus.history import ENGINE_PROTOCOL, JobHistory, concat_histories

__all__ = ["DaskHistory", "from_history"]


class DaskHistory:
    """The status histories of many training jobs, in partitions of whole jobs.

    Parameters
    ----------
    partitions
        ``dask.delayed`` values (or ``Delayed``-compatible futures), each computing to a
        :class:`~smstatus.history.JobHistory`; no job is in two of them.

    Notes
    -----
    Nothing is read or computed until a result is asked for. The functions of smstatus that take
    a history accept a ``DaskHistory`` (see :data:`smstatus.history.ENGINE_PROTOCOL`); plots and
    the report take a computed part of it (:meth:`head`, :meth:`compute`).
    """

    __slots__ = ("_partitions",)

    def __init__(self, partitions: Sequence[Any]) -> None:
        self._partitions = list(partitions)

    @property
    def npartitions(self) -> int:
        """How many partitions the jobs are split into."""
        return len(self._partitions)

    def to_delayed(self) -> list[Any]:
        """The partitions, each a ``Delayed`` computing to a :class:`JobHistory`."""
        return list(self._partitions)

    def map_partitions(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Any]:
        """``func(partition, *args, **kwargs)`` on every partition, as ``Delayed`` values."""
        delayed = import_optional("dask").delayed
        return [delayed(func)(part, *args, **kwargs) for part in self._partitions]

    def _frame(self, attribute: str, meta: pd.DataFrame) -> Any:
        dd = import_optional("dask.dataframe")
        delayed = import_optional("dask").delayed
        parts = [delayed(getattr)(part, attribute) for part in self._partitions]
        return dd.from_delayed(parts, meta=meta, verify_meta=False)

    @property
    def transitions(self) -> Any:
        """One row per status entry, as a ``dask.dataframe.DataFrame`` (one partition each)."""
        return self._frame("transitions", JobHistory.empty().transitions)

    @property
    def jobs(self) -> Any:
        """One row per job, as a ``dask.dataframe.DataFrame`` aligned with :attr:`transitions`."""
        return self._frame("jobs", JobHistory.empty().jobs)

    @property
    def unparsed(self) -> Any:
        """The input records that could not be loaded, as a ``dask.dataframe.DataFrame``."""
        return self._frame("unparsed", JobHistory.empty().unparsed)

    def compute(self, **compute_options: Any) -> JobHistory:
        """Every partition, gathered into one in-memory :class:`JobHistory`."""
        dask = import_optional("dask")
        parts = dask.compute(*self._partitions, **compute_options)
        return concat_histories(parts) if parts else JobHistory.empty()

    def head(self, n: int = 1000, **compute_options: Any) -> JobHistory:
        """The first ``n`` jobs (from the first partitions), in memory."""
        dask = import_optional("dask")
        taken: list[JobHistory] = []
        count = 0
        for part in self._partitions:
            if count >= n:
                break
            (history,) = dask.compute(part, **compute_options)
            if history.n_jobs > n - count:
                first = np.arange(history.n_jobs) < n - count  # by position: a name may repeat
                part = history.select(first)
                history = JobHistory(part.jobs, part.transitions, unparsed=None, check=False)
            taken.append(history)
            count += history.n_jobs
        return concat_histories(taken) if taken else JobHistory.empty()

    def __repr__(self) -> str:
        return f"DaskHistory(npartitions={self.npartitions})"


def _run_on_engine(
    history: DaskHistory, func: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> Any:
    from smstatus.dask.reductions import run

    return run(history.to_delayed(), func, args, kwargs, wrap=type(history))


setattr(DaskHistory, ENGINE_PROTOCOL, _run_on_engine)


def from_history(history: JobHistory, npartitions: int) -> DaskHistory:
    """Split an in-memory history into at most ``npartitions`` partitions of whole jobs (for
    tests and for moving a loaded history onto a cluster).

    The jobs are cut into runs of about equal length, in their order, so that the partitions
    put together give the history back. Every row of a job name goes to one partition, as the
    engine needs: a cut that would part the copies of a name given more than once (a
    ``duplicate_job``) moves past the last copy, so copies far apart make fewer partitions.
    """
    if npartitions < 1:
        raise ValueError(f"npartitions must be at least 1, got {npartitions}")
    delayed = import_optional("dask").delayed
    names = history.job_names
    parts = []
    for i, (lo, hi) in enumerate(itertools.pairwise(_cuts(names, npartitions))):
        part = history.select(names[lo:hi])  # carries every reject: keep them in the first only
        unparsed = history.unparsed if i == 0 else None
        parts.append(JobHistory(part.jobs, part.transitions, unparsed=unparsed, check=False))
    return DaskHistory([delayed(part, traverse=False) for part in parts])


def _cuts(names: pd.Index, npartitions: int) -> np.ndarray:
    """Bounds of about equal runs of ``names`` (the jobs rows), each moved forward to the next
    place that parts no two rows of one name; the first is 0, the last ``len(names)``."""
    n = len(names)
    wanted = np.linspace(0, n, min(npartitions, max(n, 1)) + 1).astype(np.int64)
    if n == 0:
        return wanted  # one empty partition
    codes = pd.factorize(names)[0]
    first = np.unique(codes, return_index=True)[1]
    last = n - 1 - np.unique(codes[::-1], return_index=True)[1]
    # a cut at p (between rows p - 1 and p) parts the rows of a name when first < p <= last
    parted = np.bincount(first + 1, minlength=n + 1) - np.bincount(last + 1, minlength=n + 1)
    allowed = np.flatnonzero(np.cumsum(parted)[: n + 1] == 0)  # 0 and n are always allowed
    return np.unique(allowed[np.searchsorted(allowed, wanted)])
