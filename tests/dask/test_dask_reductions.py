"""The functions of smstatus on a DaskHistory give what they give in memory, however the jobs
are split into partitions."""

from __future__ import annotations

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
from _histories import histories
from smstatus.dask import DaskHistory, from_history
from smstatus.dask.reductions import run
from smstatus.history import JobHistory
from smstatus.io.describe import from_describe
from smstatus.simulation.sample import load_sample

BYS = [None, "instance_type", "creation_month", ["spot", "start_week"]]


pytestmark = pytest.mark.usefixtures("sync_scheduler")


@pytest.fixture(scope="module")
def fleet() -> JobHistory:
    return from_describe(smstatus.simulate(120, seed=11, corrupt_share=0.3), errors="collect")


@pytest.fixture(scope="module")
def sample() -> JobHistory:
    return load_sample()


def same_frame(in_memory: pd.DataFrame, on_dask: pd.DataFrame, *, lazy: bool = False) -> None:
    """Equal frames; ``lazy``: a computed Dask frame, whose categoricals hold the categories
    of its non-empty partitions only (values compared, not categories)."""
    if not len(in_memory):  # an empty Dask frame keeps no categories of its own
        assert list(on_dask.columns) == list(in_memory.columns) and not len(on_dask)
        return
    pd.testing.assert_frame_equal(
        in_memory.reset_index(drop=True),
        on_dask.reset_index(drop=True),
        check_exact=False,
        check_categorical=not lazy,
    )


def assert_same_results(history: JobHistory, dh: DaskHistory, *, by=None, as_of=None) -> None:
    """Every supported function gives the in-memory result on ``dh``."""
    for name in ("durations", "phase_table"):
        expected = getattr(smstatus, name)(history, as_of=as_of)
        got = getattr(smstatus, name)(dh, as_of=as_of)
        assert not isinstance(got, pd.DataFrame)  # a Dask frame, computed below
        got = got.compute()
        if name == "durations":  # interleaved jobs come partition by partition: compare by job
            expected, got = by_job(expected), by_job(got)
        same_frame(expected, got, lazy=True)
    same_frame(
        smstatus.duration_stats(history, by=by, as_of=as_of),
        smstatus.duration_stats(dh, by=by, as_of=as_of),
    )
    expected_b = smstatus.bottlenecks(history, by=by, as_of=as_of, top=3)
    got_b = smstatus.bottlenecks(dh, by=by, as_of=as_of, top=3)
    same_frame(expected_b.shares, got_b.shares)
    same_frame(expected_b.slowest, got_b.slowest)
    same_frame(expected_b.per_job, got_b.per_job.compute(), lazy=True)
    assert (got_b.by, got_b.exclude) == (expected_b.by, expected_b.exclude)
    same_frame(smstatus.variants(history, as_of=as_of), smstatus.variants(dh, as_of=as_of))
    same_frame(smstatus.observed_edges(history), smstatus.observed_edges(dh))
    assert_same_verdict(smstatus.validate(history), smstatus.validate(dh))


def by_job(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of each job together, in the order of the jobs (a job's rows keep theirs)."""
    names = frame["job_name"].astype(object)
    order = pd.Index(pd.unique(names)).sort_values()
    return frame.iloc[np.argsort(order.get_indexer(names), kind="stable")]


def by_message(v: pd.DataFrame) -> pd.DataFrame:
    return v.sort_values(["message"], kind="stable").reset_index(drop=True)


def assert_same_verdict(expected, got, *, ordered: bool = True) -> None:
    pd.testing.assert_frame_equal(expected.summary(), got.summary())
    assert (got.n_jobs, got.n_valid, got.ok, got.n_errors) == (
        expected.n_jobs,
        expected.n_valid,
        expected.ok,
        expected.n_errors,
    )
    assert got.by_code() == expected.by_code()
    assert got.by_severity() == expected.by_severity()
    assert got.headline() == expected.headline()
    if ordered:
        same_frame(expected.violations, got.violations.compute(), lazy=True)
    else:  # unparsed_record rows close the partition that holds the rejects, not the frame
        same_frame(by_message(expected.violations), by_message(got.violations.compute()))
    valid = got.valid_history().compute()
    assert list(valid.job_names) == list(expected.valid_history().job_names)


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_simulated_fleet_with_corruption(fleet, npartitions):
    assert_same_results(fleet, from_history(fleet, npartitions))


def test_more_partitions_asked_than_jobs():
    small = from_describe(smstatus.simulate(12, seed=5, corrupt_share=0.4), errors="collect")
    assert_same_results(small, from_history(small, 50), by="creation_month")


@pytest.mark.parametrize("by", BYS)
def test_groups_merge_by_value(fleet, by):
    dh = from_history(fleet, 5)
    same_frame(smstatus.duration_stats(fleet, by=by), smstatus.duration_stats(dh, by=by))
    expected, got = smstatus.bottlenecks(fleet, by=by), smstatus.bottlenecks(dh, by=by)
    same_frame(expected.shares, got.shares)
    same_frame(expected.per_job, got.per_job.compute(), lazy=True)


def test_bundled_sample(sample):
    dh = from_history(sample, 6)
    assert_same_results(sample, dh, by="instance_type")
    same_frame(
        smstatus.duration_stats(sample, percentiles=(0.01, 0.5, 0.999), by="creation_month"),
        smstatus.duration_stats(dh, percentiles=(0.01, 0.5, 0.999), by="creation_month"),
    )


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), history=histories(max_jobs=7))
def test_random_histories_on_random_partitionings(data, history):
    cuts = data.draw(st.lists(st.integers(0, history.n_jobs), max_size=4))
    dh = split(history, cuts)
    as_of = "2024-01-02T00:00:00Z"
    assert_same_results(history, dh, by="start_hour", as_of=as_of)


@settings(max_examples=12, deadline=None)
@given(
    values=st.lists(st.integers(0, 10**9).map(lambda ms: ms / 1000), min_size=1, max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=5),
    q=st.lists(st.floats(0, 1), min_size=1, max_size=4, unique=True),
)
def test_quantiles_are_exact(values, cuts, q):
    """Quantiles are exact (no rank error): one entry a job, the jobs split anywhere."""
    rows = [
        {"job_name": f"j{i}", "step": 0, "status": "Training", "start_time": 0, "end_time": v}
        for i, v in enumerate(values)
    ]
    t = pd.DataFrame(rows)
    t["start_time"] = pd.Timestamp("2024-01-01", tz="UTC")
    t["end_time"] = t["start_time"] + pd.to_timedelta(t["end_time"], unit="s")
    history = JobHistory(None, t)
    names = [f"p{100 * float(x):g}_s" for x in q]
    if len(set(names)) < len(names):
        return
    expected = smstatus.duration_stats(history, percentiles=q)
    got = smstatus.duration_stats(split(history, cuts), percentiles=q)
    same_frame(expected, got)
    assert got[names].to_numpy()[0] == pytest.approx(np.quantile(values, q))


def test_a_reject_naming_a_job_of_another_partition_makes_it_invalid(fleet):
    named = str(fleet.job_names[-1])
    unparsed = pd.DataFrame(
        {
            "file": ["in.jsonl"],
            "line": pd.array([3], dtype="Int64"),
            "field": ["Status"],
            "reason": ["not a status"],
            "job_name": [named],
        }
    )
    history = JobHistory(fleet.jobs, fleet.transitions, unparsed=unparsed, check=False)
    expected = smstatus.validate(history)
    assert named in set(expected.invalid_jobs)
    got = smstatus.validate(from_history(history, 4))  # the reject sits in partition 0
    assert_same_verdict(expected, got, ordered=False)


def test_report_to_dict_and_raise(fleet):
    expected = smstatus.validate(fleet)
    got = smstatus.validate(from_history(fleet, 3))
    assert got.to_dict() == expected.to_dict()
    assert got.to_dict(max_violations=5) == expected.to_dict(max_violations=5)
    same_frame(expected.at_least("warning"), got.at_least("warning").compute())
    assert not got.ok
    assert "invalid" in got._repr_html_() and "INVALID" in repr(got)
    with pytest.raises(smstatus.errors.ValidationError) as caught:
        got.raise_if_invalid()
    same_frame(expected.at_least("error"), caught.value.violations)


def test_options_reach_every_partition(fleet):
    dh = from_history(fleet, 4)
    kwargs = {"strict": True, "tolerance": "1min", "sampled": True}
    assert_same_verdict(smstatus.validate(fleet, **kwargs), smstatus.validate(dh, **kwargs))
    expected = smstatus.bottlenecks(fleet, exclude=(), top=2)
    got = smstatus.bottlenecks(dh, exclude=(), top=2)
    same_frame(expected.shares, got.shares)
    same_frame(expected.slowest, got.slowest)


def test_a_history_without_partitions_gives_empty_results():
    assert_same_results(JobHistory.empty(), DaskHistory([]))


def test_by_series_is_refused(fleet):
    by = pd.Series(np.arange(fleet.n_jobs) % 2, name="half")
    with pytest.raises(TypeError, match="Series"):
        smstatus.duration_stats(from_history(fleet, 2), by=by)


def test_unknown_option_is_a_type_error(fleet):
    with pytest.raises(TypeError):
        smstatus.durations(from_history(fleet, 2), as_off="2024-01-01")


def test_unsupported_function_is_a_type_error(fleet):
    with pytest.raises(TypeError, match="not supported by the Dask engine"):
        run(from_history(fleet, 2).to_delayed(), smstatus.km_stats, (), {})


def negative_history(rows: list[tuple]) -> JobHistory:
    t = pd.DataFrame(rows, columns=["job_name", "step", "status", "start_time", "end_time"])
    for col in ("start_time", "end_time"):
        t[col] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(t[col], unit="s")
    return JobHistory(None, t)


def test_a_status_with_time_in_the_fleet_counts_where_a_partition_adds_up_below_zero():
    """Which statuses count is decided over the whole history: a partition whose seconds in
    a status add up below zero (an entry that ends before it starts) still has jobs for
    which it is the bottleneck."""
    history = negative_history(
        [
            ("a", 0, "Starting", 0, 100),
            ("a", 1, "Downloading", 100, 400),
            ("b", 0, "Starting", 0, 50),
            ("b", 1, "Downloading", 50, 150),
            ("c", 0, "Starting", 0, 10),
            ("c", 1, "Downloading", 500, 300),  # -200 s: b and c add up to -100 s
        ]
    )
    expected = smstatus.bottlenecks(history)
    assert expected.per_job["bottleneck"].astype(str).tolist()[1] == "Downloading"
    got = smstatus.bottlenecks(split(history, [1]))
    same_frame(expected.shares, got.shares)
    same_frame(expected.slowest, got.slowest)
    same_frame(expected.per_job, got.per_job.compute(), lazy=True)


def test_a_status_without_time_in_the_fleet_counts_nowhere():
    """A status with time in one partition and more negative time in another adds up to
    none: it is left out of every partition's figures, as in memory."""
    history = negative_history(
        [
            ("a", 0, "Starting", 0, 100),
            ("a", 1, "Downloading", 100, 400),
            ("b", 0, "Starting", 0, 50),
            ("b", 1, "Downloading", 500, 100),  # -400 s
        ]
    )
    expected = smstatus.bottlenecks(history)
    assert "Downloading" not in set(expected.shares["status"].astype(str))
    got = smstatus.bottlenecks(split(history, [1]))
    same_frame(expected.shares, got.shares)
    same_frame(expected.per_job, got.per_job.compute(), lazy=True)


def test_on_a_cluster_of_processes(fleet, local_client):
    """The partitions travel to worker processes and back (everything pickles) and the
    client made by the caller is used."""
    dh = from_history(fleet, 4)
    with dask.config.set(scheduler=local_client):
        report = smstatus.validate(dh)
        stats = smstatus.duration_stats(dh, by="creation_month")
        table = smstatus.phase_table(dh).compute()
        edges = smstatus.observed_edges(dh)
    assert_same_verdict(smstatus.validate(fleet), report)
    same_frame(smstatus.duration_stats(fleet, by="creation_month"), stats)
    same_frame(smstatus.phase_table(fleet), table, lazy=True)
    same_frame(smstatus.observed_edges(fleet), edges)


def test_one_pass_validation_gathers_the_in_memory_report(fleet):
    """What the CLI writes on a cluster: one pass gives the violations in the in-memory order
    (the unparsed_record rows last), the rejects, and the same JSON."""
    import io

    from smstatus.dask.verdicts import validate as validate_partitions

    records = smstatus.simulate(120, seed=11, corrupt_share=0.3)
    records[7:7] = ["not a record", {"TrainingJobName": 5}]
    fleet = from_describe(records, errors="collect")
    assert len(fleet.unparsed) == 2  # kept in the first partition by from_history
    want = smstatus.validate(fleet)
    got = validate_partitions(
        from_history(fleet, 5).to_delayed(), smstatus.validate, {}, gather=True
    )
    pd.testing.assert_frame_equal(got.violations, want.violations)
    pd.testing.assert_frame_equal(got.unparsed, fleet.unparsed)
    text = io.StringIO()
    got.write_json(text, extra={"unparsed": []})
    assert text.getvalue() == want.to_json(extra={"unparsed": []})
    assert len(got.at_least("error")) == len(want.at_least("error"))
