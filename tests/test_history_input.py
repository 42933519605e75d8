"""One input rule for every public function that takes a history.

A :class:`~smstatus.JobHistory` or a transitions DataFrame is accepted (the frame read as a
history without a jobs frame: the same result as ``JobHistory(None, frame)``); anything else is
refused with the same :class:`TypeError`, naming the parameter.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import smstatus
from smstatus import JobHistory

HISTORY_PARAMETERS = ("history", "data")
"""The names a public function gives its history parameter."""

PRICES = {"ml.m5.xlarge": 0.23}


def _history_parameter(function: Callable[..., Any]) -> str | None:
    for name in inspect.signature(function).parameters:
        if name in HISTORY_PARAMETERS:
            return name
    return None


TAKING_HISTORY = sorted(
    name
    for name in smstatus.__all__
    if inspect.isfunction(getattr(smstatus, name))
    and _history_parameter(getattr(smstatus, name)) is not None
)


def _call(name: str, value: Any, tmp_path: Path) -> Any:
    """Call the public function ``name`` with ``value`` as its history (and what else it needs)."""
    function = getattr(smstatus, name)
    extra: dict[str, tuple[Any, ...]] = {
        "build_report": (tmp_path / "report",),
        "job_costs": (PRICES,),
        "phase_costs": (PRICES,),
        "write_describe_jsonl": (tmp_path / "out.jsonl",),
        "write_table": (tmp_path / "out.parquet",),
    }
    if name == "plot_machine":
        return function(history=value)
    if name == "build_report":
        return function(value, *extra[name], aligned_sample=5, slowest=5)
    return function(value, *extra.get(name, ()))


@pytest.fixture(scope="module")
def transitions() -> pd.DataFrame:
    sample = smstatus.load_sample()
    names = sample.jobs["job_name"].astype(str).head(12)
    frame = sample.transitions
    return frame[frame["job_name"].astype(str).isin(set(names))].reset_index(drop=True)


def test_the_rule_covers_the_functions_that_take_a_history():
    expected = {"validate", "durations", "phase_table", "bottlenecks", "plot_gantt", "write_table"}
    assert expected <= set(TAKING_HISTORY)
    assert "load" not in TAKING_HISTORY and "simulate" not in TAKING_HISTORY


@pytest.mark.filterwarnings("ignore:.*unknown instance type:UserWarning")
@pytest.mark.parametrize("name", TAKING_HISTORY)
def test_a_transitions_frame_is_read_as_a_history_without_jobs(name, transitions, tmp_path):
    if name == "km_stats":
        pytest.importorskip("lifelines")
    (tmp_path / "frame").mkdir()
    (tmp_path / "history").mkdir()
    from_frame = _call(name, transitions, tmp_path / "frame")
    from_history = _call(name, JobHistory(None, transitions), tmp_path / "history")
    if isinstance(from_frame, pd.DataFrame):
        pd.testing.assert_frame_equal(from_frame, from_history)
    elif isinstance(from_frame, list):
        assert from_frame and from_frame == from_history
    elif name == "write_describe_jsonl":
        written = (tmp_path / "frame" / "out.jsonl").read_text(encoding="utf-8")
        assert written and written == (tmp_path / "history" / "out.jsonl").read_text("utf-8")
    elif name == "write_table":
        written = pd.read_parquet(tmp_path / "frame" / "out.parquet")
        assert len(written) == len(transitions)
        pd.testing.assert_frame_equal(
            written, pd.read_parquet(tmp_path / "history" / "out.parquet")
        )
    else:
        assert type(from_frame) is type(from_history)


@pytest.mark.parametrize("junk", [42, "jobs.jsonl", None, [{"job_name": "a"}]])
@pytest.mark.parametrize("name", TAKING_HISTORY)
def test_anything_else_is_refused_the_same_way(name, junk, tmp_path):
    parameter = _history_parameter(getattr(smstatus, name))
    if name == "plot_machine" and junk is None:
        pytest.skip("plot_machine(history=None) draws the machine alone")
    with pytest.raises(TypeError) as caught:
        _call(name, junk, tmp_path)
    assert str(caught.value) == (
        f"{parameter} must be a JobHistory or a transitions DataFrame (smstatus.load(...) "
        f"returns a JobHistory), got {type(junk).__name__}"
    )


DERIVED_FRAMES = {"missing_from_machine", "never_seen", "plot_trend"}
"""Functions that also take a frame derived from a history (their own error tells it)."""


@pytest.mark.parametrize("name", sorted(set(TAKING_HISTORY) - DERIVED_FRAMES))
def test_a_frame_without_the_transitions_columns_is_refused(name, transitions, tmp_path):
    parameter = _history_parameter(getattr(smstatus, name))
    with pytest.raises(TypeError) as caught:
        _call(name, transitions.drop(columns=["step", "start_time"]), tmp_path)
    assert str(caught.value) == (
        f"{parameter} must be a JobHistory or a transitions DataFrame (smstatus.load(...) "
        "returns a JobHistory), got a DataFrame without the column(s) ['step', 'start_time']"
    )
