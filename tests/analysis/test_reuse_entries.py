"""Entries measured once inside ``reuse_entries``: the same results, one measure, nothing kept
after the block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import smstatus.analysis.phases as phases_module
from smstatus.analysis.edges import observed_edges
from smstatus.analysis.hotspots import bottlenecks, variants
from smstatus.analysis.phases import (
    duration_stats,
    durations,
    entries,
    phase_table,
    reuse_entries,
)
from smstatus.analysis.trend import phase_trend
from smstatus.machine import default_machine


@pytest.fixture(scope="module")
def history():
    from smstatus.simulation.sample import load_sample

    sample = load_sample()
    return sample.select(list(sample.jobs["job_name"].iloc[::7]))


def _analyses(history) -> dict[str, pd.DataFrame]:
    bn = bottlenecks(history, by="instance_type")
    return {
        "durations": durations(history),
        "phase_table": phase_table(history),
        "stats": duration_stats(history, by="spot"),
        "per_job": bn.per_job,
        "shares": bn.shares,
        "variants": variants(history),
        "edges": observed_edges(history),
        "trend": phase_trend(history, ["Pending", "Starting"], by="instance_type", top=3),
        "trend_by_start": phase_trend(history, "Training", by="start_month"),
    }


def test_inside_the_block_every_analysis_gives_what_it_gives_outside(history):
    outside = _analyses(history)
    with reuse_entries():
        inside = _analyses(history)
        again = _analyses(history)  # from the entries measured above
    for name, frame in outside.items():
        pd.testing.assert_frame_equal(inside[name], frame, obj=name)
        pd.testing.assert_frame_equal(again[name], frame, obj=name)


def test_one_history_is_measured_once(history, monkeypatch):
    calls = []
    measure = phases_module._measure

    def counted(*args, **kwargs):
        calls.append(args[0])
        return measure(*args, **kwargs)

    monkeypatch.setattr(phases_module, "_measure", counted)
    with reuse_entries():
        _analyses(history)
        assert len(calls) == 1
        as_of = pd.Timestamp("2030-01-01", tz="UTC")
        phase_table(history, as_of=as_of)
        durations(history, as_of="2030-01-01T00:00:00Z")  # the same time, written otherwise
        assert len(calls) == 2  # another as_of: another measure, then shared
        other = history.select(list(history.jobs["job_name"].iloc[:5]))
        phase_table(other)
        assert len(calls) == 3
        strict_end = default_machine()
        assert entries(history, machine=strict_end) is entries(history)
    calls.clear()
    _analyses(history)  # outside the block: every analysis measures for itself
    assert len(calls) > 5


def test_nothing_is_kept_after_the_block(history):
    changed = history.select(list(history.jobs["job_name"]))
    with reuse_entries():
        before = phase_table(changed)
    # a history holds mutable frames: a change after the block is seen by the next analysis
    changed.transitions["end_time"] = changed.transitions["end_time"] + pd.Timedelta(hours=1)
    after = phase_table(changed)
    assert not np.allclose(after["wall_s"].fillna(0), before["wall_s"].fillna(0))


def test_shared_arrays_are_read_only_and_results_stay_the_callers(history):
    with reuse_entries():
        e = entries(history)
        for array in (e.job, e.start, e.end, e.duration_s, e.censored):
            assert not array.flags.writeable
        first = phase_table(history)
        first.loc[:, "Training_s"] = -1.0  # the caller's own frame: no later result changes
        second = phase_table(history)
    assert (second["Training_s"] >= 0).all()
