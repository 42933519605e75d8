"""Comparing a history computed by the Dask engine with the in-memory one."""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd


def assert_same_history(expected: Any, got: Any) -> None:
    """The same jobs, entries and rejects, in the same order (categories compared by value:
    their order follows the order partitions were put together in)."""
    for frame in ("jobs", "transitions", "unparsed"):
        pd.testing.assert_frame_equal(
            getattr(expected, frame).reset_index(drop=True),
            getattr(got, frame).reset_index(drop=True),
            check_categorical=False,
            obj=frame,
        )


def split(history: Any, cuts: list[int]) -> Any:
    """``history`` cut into partitions of whole jobs at the job positions ``cuts`` (its
    rejects in the first), as a ``DaskHistory``."""
    import dask
    from smstatus.dask import DaskHistory
    from smstatus.history import JobHistory

    names = history.job_names
    bounds = [0, *sorted(set(cuts)), len(names)]
    parts = []
    for lo, hi in itertools.pairwise(bounds):
        part = history.select(names[lo:hi])
        unparsed = history.unparsed if lo == 0 else None
        parts.append(JobHistory(part.jobs, part.transitions, unparsed=unparsed, check=False))
    return DaskHistory([dask.delayed(p, traverse=False) for p in parts])
