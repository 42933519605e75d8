"""Every fleet figure of a partitioned history in one pass over its partitions.

Reading and parsing the inputs is most of the work of a fleet figure, so the figures a command
needs are computed together: one task per partition loads it, measures its entries once
(:func:`~smstatus.analysis.phases.reuse_entries`) and makes its part of every table asked for
(plus its job and entry counts and its rejects); the client merges the parts table by table
(:mod:`smstatus.dask.statistics`, :mod:`smstatus.dask.hotspots`, :mod:`smstatus.dask.edges`).
Each part leaves the cluster as soon as it is done (:func:`~smstatus.dask.results.gather_results`),
so a worker's memory follows its partitions, not the fleet.

``bottlenecks`` needs the statuses that took time in the *whole* history before a partition
can choose its jobs' bottlenecks; each partition guesses them from its own (right unless some
status adds up to no time over the fleet, which only corrupt data gives) and the partitions
whose guess was wrong are computed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from smstatus.analysis.groups import By
from smstatus.analysis.hotspots import Bottlenecks
from smstatus.analysis.phases import reuse_entries
from smstatus.dask.dependency import import_optional
from smstatus.dask.edges import edge_part, merge_edges
from smstatus.dask.hotspots import bottleneck_part, merge_bottlenecks, merge_variants, variant_part
from smstatus.dask.results import gather_results
from smstatus.dask.statistics import (
    merge_duration_stats,
    part_durations,
    status_categories,
)
from smstatus.history import JobHistory
from smstatus.machine import StatusMachine
from smstatus.typing import TimeLike

__all__ = ["TABLES", "FleetSummary", "compute_tables", "summarize", "summarize_partition"]

TABLES: tuple[str, ...] = ("duration_stats", "bottlenecks", "variants", "observed_edges")
"""The fleet tables :func:`summarize` computes in one pass."""


@runtime_checkable
class Partitioned(Protocol):
    """A history kept in partitions, as :class:`~smstatus.dask.history.DaskHistory` is."""

    def to_delayed(self) -> list[Any]:
        """The partitions, each a ``Delayed`` history."""


Requests = Mapping[str, tuple[Callable[..., Any], Mapping[str, Any]]]
"""The tables asked for: each name with the in-memory function and its keyword options."""


@dataclass(frozen=True)
class FleetSummary:
    """Fleet figures of a partitioned history, computed in one pass (:func:`summarize`).

    Attributes
    ----------
    n_jobs, n_entries
        Jobs and status entries loaded.
    unparsed
        The input records that could not be loaded (a pandas frame).
    tables
        Each table asked for, by the name of its function: ``duration_stats``,
        ``variants`` and ``observed_edges`` frames, a ``bottlenecks``
        :class:`~smstatus.analysis.hotspots.Bottlenecks` (its ``per_job`` a Dask frame).
    """

    n_jobs: int
    n_entries: int
    unparsed: pd.DataFrame
    tables: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_stats(self) -> pd.DataFrame:
        """What :func:`smstatus.duration_stats` gives in memory."""
        return self._table("duration_stats")

    @property
    def bottlenecks(self) -> Bottlenecks:
        """What :func:`smstatus.bottlenecks` gives in memory (``per_job`` as a Dask frame)."""
        return self._table("bottlenecks")

    @property
    def variants(self) -> pd.DataFrame:
        """What :func:`smstatus.variants` gives in memory."""
        return self._table("variants")

    @property
    def observed_edges(self) -> pd.DataFrame:
        """What :func:`smstatus.observed_edges` gives in memory."""
        return self._table("observed_edges")

    def _table(self, name: str) -> Any:
        if name not in self.tables:
            raise KeyError(f"{name} was not asked for; the summary has {sorted(self.tables)}")
        return self.tables[name]


def summarize_partition(history: JobHistory, requests: Requests) -> dict[str, Any]:
    """One partition's part of every table in ``requests``, with its counts and rejects."""
    part: dict[str, Any] = {
        "n_jobs": history.n_jobs,
        "n_entries": len(history.transitions),
        "unparsed": history.unparsed,
        "categories": status_categories(history),
    }
    with reuse_entries():
        for name, (func, options) in requests.items():
            if name == "duration_stats":
                part[name] = part_durations(history, options)
            elif name == "bottlenecks":
                part[name] = bottleneck_part(history, options)
            elif name == "variants":
                part[name] = variant_part(history, func, options)
            elif name == "observed_edges":
                part[name] = edge_part(history)
            else:
                raise ValueError(f"no fleet table {name!r}; the tables: {', '.join(TABLES)}")
    return part


def compute_tables(partitions: Sequence[Any], requests: Requests) -> FleetSummary:
    """The tables of ``requests`` over every partition (``Delayed`` histories), in one pass."""
    delayed = import_optional("dask").delayed
    unknown = [name for name in requests if name not in TABLES]
    if unknown:
        raise ValueError(f"no fleet table {unknown[0]!r}; the tables: {', '.join(TABLES)}")
    for func, options in requests.values():
        func(JobHistory.empty(), **options)  # bad options fail before any work
    requests = {name: (func, dict(options)) for name, (func, options) in requests.items()}
    parts = gather_results([delayed(summarize_partition)(p, requests) for p in partitions])
    categories = [part["categories"] for part in parts]
    tables: dict[str, Any] = {}
    for name, (func, options) in requests.items():
        got = [part[name] for part in parts]
        if name == "duration_stats":
            tables[name] = merge_duration_stats(got, categories, func, options)
        elif name == "bottlenecks":
            tables[name] = merge_bottlenecks(got, categories, partitions, func, options)
        elif name == "variants":
            tables[name] = merge_variants(got, func, options)
        else:
            tables[name] = merge_edges(got, categories, func, options)
    rejects = [part["unparsed"] for part in parts if len(part["unparsed"])]
    return FleetSummary(
        n_jobs=sum(int(part["n_jobs"]) for part in parts),
        n_entries=sum(int(part["n_entries"]) for part in parts),
        unparsed=pd.concat(rejects, ignore_index=True) if rejects else JobHistory.empty().unparsed,
        tables=tables,
    )


def summarize(
    history: Partitioned,
    *,
    tables: Sequence[str] = TABLES,
    by: By = None,
    as_of: TimeLike | None = None,
    machine: StatusMachine | None = None,
    percentiles: Sequence[float] = (0.5, 0.9, 0.99),
    exclude: Sequence[str] = ("Training",),
    top: int = 5,
) -> FleetSummary:
    """The fleet tables of a :class:`~smstatus.dask.history.DaskHistory` in one pass over
    its inputs: each partition is read once for all of them.

    Parameters
    ----------
    history
        The partitioned history (a :class:`~smstatus.dask.history.DaskHistory`).
    tables
        The tables to compute, among :data:`TABLES` (the names of their functions).
    by, as_of, machine, percentiles, exclude, top
        The options of those functions (each takes those it has: ``observed_edges`` only
        ``machine``; ``variants`` no ``by``), as in :func:`smstatus.duration_stats`,
        :func:`smstatus.bottlenecks`, :func:`smstatus.variants` and
        :func:`smstatus.observed_edges`.

    Returns
    -------
    FleetSummary
        The tables, the job and entry counts and the rejects; each table equals what its
        function gives on the whole history in memory.

    Examples
    --------
    >>> import smstatus, smstatus.dask
    >>> fleet = smstatus.dask.from_history(smstatus.load_sample(), 4)
    >>> summary = smstatus.dask.summarize(fleet, by="instance_type")
    >>> summary.n_jobs == smstatus.load_sample().n_jobs
    True
    """
    import inspect

    from smstatus.analysis.edges import observed_edges
    from smstatus.analysis.hotspots import bottlenecks, variants
    from smstatus.analysis.phases import duration_stats

    functions: dict[str, Callable[..., Any]] = {
        "duration_stats": duration_stats,
        "bottlenecks": bottlenecks,
        "variants": variants,
        "observed_edges": observed_edges,
    }
    unknown = [t for t in tables if t not in functions]
    if unknown:  # before the options are sorted out by the tables' functions
        raise ValueError(f"no fleet table {unknown[0]!r}; the tables: {', '.join(TABLES)}")
    given = {
        "by": by,
        "as_of": as_of,
        "machine": machine,
        "percentiles": percentiles,
        "exclude": exclude,
        "top": top,
    }
    requests: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {}
    for name in dict.fromkeys(tables):
        func = functions[name]
        accepted = inspect.signature(func).parameters
        requests[name] = (func, {k: v for k, v in given.items() if k in accepted})
    if not isinstance(history, Partitioned):
        raise TypeError(
            f"summarize() takes a DaskHistory, not {type(history).__name__}: call the functions "
            "of smstatus on an in-memory history"
        )
    return compute_tables(history.to_delayed(), requests)
