"""Comparing a history computed by the Dask engine with the in-memory one."""

from __future__ import annotations

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
