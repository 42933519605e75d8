"""The functions of smstatus run on a :class:`~smstatus.dask.history.DaskHistory`: each on every
partition, and the partitions' results merged."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["run"]


def run(
    partitions: Sequence[Any],
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
) -> Any:
    """Run ``func`` (an in-memory function of smstatus, called as ``func(*args, **kwargs)`` with
    a partitioned history as its first argument) over ``partitions`` (``Delayed`` values of
    :class:`~smstatus.history.JobHistory`) and merge the results."""
    raise TypeError(f"{func.__name__}() is not supported by the Dask engine yet")
