"""The functions of smstatus run on a :class:`~smstatus.dask.history.DaskHistory`: each on every
partition, and the partitions' results merged.

Partitions hold whole jobs, so every per-job figure is computed inside one partition by the
in-memory function itself, and every fleet figure is a merge of per-partition parts:

============== =================================================================================
function       on the Dask engine
============== =================================================================================
durations      a ``dask.dataframe.DataFrame`` (one partition per partition of jobs)
phase_table    a ``dask.dataframe.DataFrame``; its ``<Status>_s`` columns are those of every
               status present in any partition (found by a first, small pass over them)
validate       a :class:`~smstatus.dask.verdicts.DaskValidationReport`: counts computed and
               merged exactly, violations as a Dask frame, the valid jobs as a ``DaskHistory``
duration_stats a computed frame, quantiles exact (see :mod:`smstatus.dask.statistics`)
bottlenecks    a :class:`~smstatus.analysis.hotspots.Bottlenecks` whose ``per_job`` is a Dask
               frame, ``shares`` and ``slowest`` computed and merged exactly
variants       a computed frame, counts and medians exact
observed_edges a computed frame, counts and medians exact
============== =================================================================================

Each fleet figure reads every partition; :func:`smstatus.dask.summarize` computes several in one
pass. The partitions are computed with whatever scheduler is current (``dask.compute``): a
``distributed.Client`` made by the caller is used.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = ["SUPPORTED", "call_options", "run"]

SUPPORTED: tuple[str, ...] = (
    "validate",
    "durations",
    "phase_table",
    "duration_stats",
    "bottlenecks",
    "variants",
    "observed_edges",
)
"""The functions of smstatus that accept a :class:`~smstatus.dask.history.DaskHistory`."""


def call_options(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    """The keyword options of a call of ``func`` (its first argument, the history, left out),
    checked against its signature: an unknown or extra argument is a :class:`TypeError`, as
    in memory."""
    bound = inspect.signature(func).bind(*args, **kwargs)
    options = dict(bound.arguments)
    options.pop(next(iter(inspect.signature(func).parameters)))
    by = options.get("by")
    specs = [by] if isinstance(by, pd.Series) or not isinstance(by, list | tuple) else list(by)
    if any(isinstance(spec, pd.Series) for spec in specs):
        raise TypeError(
            f"{func.__name__}(by=<Series>) cannot group a DaskHistory: a Series is aligned with "
            "the rows of one jobs frame, and the jobs are split into partitions; pass a column "
            "name, a time bucket, a pandas.Grouper or a callable (applied to each partition's "
            "jobs frame)"
        )
    return options


def run(
    partitions: Sequence[Any],
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    wrap: Callable[[list[Any]], Any] = list,
) -> Any:
    """Run ``func`` (an in-memory function of smstatus, called as ``func(*args, **kwargs)`` with
    a partitioned history as its first argument) over ``partitions`` (``Delayed`` values of
    :class:`~smstatus.history.JobHistory`) and merge the results.

    ``wrap`` makes a partitioned history of a list of partitions (the ``DaskHistory`` class,
    passed by the history itself: this module does not import it).
    """
    name = getattr(func, "__name__", repr(func))
    if name not in SUPPORTED or not getattr(func, "__module__", "").startswith("smstatus."):
        raise TypeError(
            f"{name}() is not supported by the Dask engine; the functions that are: "
            f"{', '.join(SUPPORTED)}. Pass a computed part of the history (.head(n) or "
            ".compute()) to the others."
        )
    options = call_options(func, args, kwargs)
    if name in ("durations", "phase_table"):
        from smstatus.dask import frames

        return getattr(frames, name)(partitions, func, options)
    if name == "validate":
        from smstatus.dask.verdicts import validate

        return validate(partitions, func, options, wrap=wrap)
    from smstatus.dask.summaries import compute_tables

    return compute_tables(partitions, {name: (func, options)}).tables[name]
