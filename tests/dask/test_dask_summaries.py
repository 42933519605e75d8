"""summarize: every fleet table of a DaskHistory in one pass over its partitions."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask")
pytest.importorskip("distributed")

from _dask_compare import split
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dask
import smstatus
from smstatus.dask import DaskHistory, FleetSummary, from_history, summarize
from smstatus.dask.results import gather_results
from smstatus.history import JobHistory, concat_histories
from smstatus.io.describe import from_describe

OPTIONS = {"by": "instance_type", "as_of": None}


pytestmark = pytest.mark.usefixtures("sync_scheduler")


@pytest.fixture(scope="module")
def fleet() -> JobHistory:
    records = smstatus.simulate(150, seed=5, corrupt_share=0.3)
    records[3:3] = ["not a record"]
    return from_describe(records, errors="collect")


def _same(in_memory: pd.DataFrame, merged: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        in_memory.reset_index(drop=True), merged.reset_index(drop=True), check_exact=False
    )


def _assert_summary_is_in_memory(history: JobHistory, summary: FleetSummary, **options) -> None:
    _same(smstatus.duration_stats(history, **options), summary.duration_stats)
    bottlenecks = smstatus.bottlenecks(history, **options)
    _same(bottlenecks.shares, summary.bottlenecks.shares)
    _same(bottlenecks.slowest, summary.bottlenecks.slowest)
    kept = {k: v for k, v in options.items() if k != "by"}
    _same(smstatus.variants(history, **kept), summary.variants)
    _same(smstatus.observed_edges(history), summary.observed_edges)
    assert summary.n_jobs == history.n_jobs
    assert summary.n_entries == len(history.transitions)
    pd.testing.assert_frame_equal(summary.unparsed, history.unparsed)


def test_every_table_is_the_in_memory_one(fleet):
    summary = summarize(from_history(fleet, 4), **OPTIONS)
    _assert_summary_is_in_memory(fleet, summary, **OPTIONS)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cuts=st.lists(st.integers(1, 149), max_size=6),
    by=st.sampled_from([None, "instance_type", "creation_month", ["spot", "start_week"]]),
)
def test_any_split_gives_the_in_memory_tables(fleet, cuts, by):
    _assert_summary_is_in_memory(fleet, summarize(split(fleet, cuts), by=by), by=by)


def test_each_partition_is_read_once(fleet):
    """One pass: every table, the counts and the rejects from one reading of each partition."""
    reads: Counter[int] = Counter()
    parts = [fleet.select(fleet.job_names[i::3]) for i in range(3)]

    def read(i: int) -> JobHistory:
        reads[i] += 1
        return parts[i]

    history = DaskHistory([dask.delayed(read, pure=False)(i) for i in range(3)])
    summary = summarize(history)
    assert reads == Counter({0: 1, 1: 1, 2: 1})
    assert summary.n_jobs == fleet.n_jobs


def test_a_partition_that_guessed_the_statuses_wrong_is_computed_again():
    """A partition chooses its jobs' bottlenecks before the fleet's statuses are known; where
    a status it has adds up to no time over the fleet, or the fleet orders its statuses
    otherwise, it is computed again, and the figures are the in-memory ones."""
    t0 = pd.Timestamp("2025-01-01", tz="UTC")

    def job(name: str, statuses: list[tuple[str, int]]) -> JobHistory:
        records, start = [], t0
        for status, seconds in statuses:
            end = start + pd.Timedelta(seconds=seconds)
            records.append({"Status": status, "StartTime": start, "EndTime": end})
            start = end
        return JobHistory.from_transitions(name, records)

    first = concat_histories(
        [
            job("a", [("Starting", 10), ("Xwait", 50), ("Ywait", 50), ("Completed", 0)]),
            job("b", [("Starting", 10), ("Downloading", 30), ("Completed", 0)]),
            job("d", [("Starting", 10), ("Downloading", -90), ("Completed", 0)]),
        ]
    )
    # a tie between two statuses the second partition orders otherwise than the fleet
    second = job("c", [("Starting", 10), ("Ywait", 40), ("Xwait", 40), ("Completed", 0)])
    whole = concat_histories([first, second])
    history = DaskHistory([dask.delayed(p, traverse=False) for p in (first, second)])
    calls = Counter()
    from smstatus.dask import hotspots

    original = hotspots._bottleneck_part

    def counting(*args, **kwargs):
        calls["part"] += 1
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hotspots, "_bottleneck_part", counting)
        got = summarize(history, tables=["bottlenecks"]).bottlenecks
    want = smstatus.bottlenecks(whole)
    assert "Downloading" not in set(want.shares["status"].astype(str))  # -60 s over the fleet
    assert calls["part"] == 4  # each partition's guess, then both again (wrong set, order)
    _same(want.shares, got.shares)
    _same(want.slowest, got.slowest)
    _same(want.per_job, got.per_job.compute())


def test_only_the_tables_asked_for_are_computed(fleet):
    summary = summarize(from_history(fleet, 2), tables=["variants"])
    _same(smstatus.variants(fleet), summary.variants)
    with pytest.raises(KeyError, match="duration_stats was not asked for"):
        _ = summary.duration_stats


def test_a_bad_table_or_history_or_option_is_refused_before_any_work(fleet):
    with pytest.raises(ValueError, match="no fleet table 'phases'"):
        summarize(from_history(fleet, 2), tables=["phases"])
    with pytest.raises(TypeError, match="takes a DaskHistory"):
        summarize(fleet)
    with pytest.raises(ValueError, match="top"):
        summarize(from_history(fleet, 2), top=-1)


def test_results_leave_the_cluster_as_they_are_gathered(local_client):
    """On a distributed cluster, the results come back in order (a value given twice, twice)
    and the cluster keeps none of them."""
    values = [dask.delayed(np.arange)(n) for n in (3, 1, 2)]
    with dask.config.set(scheduler=local_client):
        got = gather_results([*values, values[0]])
    assert [list(v) for v in got] == [[0, 1, 2], [0], [0, 1], [0, 1, 2]]

    def held(dask_scheduler) -> int:
        return len(dask_scheduler.tasks)

    for _ in range(50):  # the scheduler forgets released keys asynchronously
        if local_client.run_on_scheduler(held) == 0:
            break
        import time

        time.sleep(0.1)
    assert local_client.run_on_scheduler(held) == 0
