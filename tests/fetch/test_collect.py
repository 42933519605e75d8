"""collect(): listing, describing, the cache, the rate limiter, retries, interruption, resume.

Network tests run against moto in server mode on 127.0.0.1 (see ``moto_server.py``); unit
tests of the request parameters and error handling use botocore's Stubber.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smstatus
from moto_server import FAKE_KEY_ID, FAKE_SECRET, KINDS, REGION, T0, fake_credentials
from smstatus.errors import MissingDependencyError, ParseError
from smstatus.fetch.cache import CacheLockedError, DescribeCache, to_record
from smstatus.fetch.collector import Collector, FetchError, RateLimiter, collect

FAST = {"list_rate": None, "describe_rate": None}
RUNNING = ("InProgress", "Stopping")


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# -- the rate limiter --------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_limiter_paces_at_the_rate_with_a_fake_clock():
    clock = FakeClock()
    limiter = RateLimiter(2.0, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(5):
        limiter.acquire()
        times.append(clock.now)
    assert times == [0.0, 0.5, 1.0, 1.5, 2.0]
    clock.now += 10.0  # idle: the bucket refills to its capacity (1), no more
    limiter.acquire()
    limiter.acquire()
    assert clock.slept[-1] == pytest.approx(0.5)


def test_limiter_burst_lets_that_many_go_at_once():
    clock = FakeClock()
    limiter = RateLimiter(4.0, burst=3, clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire() for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 0.25, 0.25]


def test_limiter_reserves_slots_for_concurrent_callers():
    # the clock never moves: each caller reserves the next free slot, so n callers are spread
    # over (n - 1) / rate seconds whatever the threads do
    clock = FakeClock()
    waits: list[float] = []
    limiter = RateLimiter(10.0, clock=clock, sleep=waits.append)
    threads = [threading.Thread(target=limiter.acquire) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == pytest.approx([i / 10 for i in range(1, 8)])


def test_limiter_with_real_threads_and_clock():
    limiter = RateLimiter(200.0)
    start = time.monotonic()
    threads = [
        threading.Thread(target=lambda: [limiter.acquire() for _ in range(10)]) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - start >= 39 / 200 * 0.95


def test_limiter_unlimited_and_bad_rates():
    assert RateLimiter(None, sleep=pytest.fail).acquire() == 0.0
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(0)
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(1.0, burst=0.5)


# -- cache records -----------------------------------------------------------------------------


def test_to_record_drops_metadata_and_writes_utc_iso_times():
    from dateutil.tz import tzoffset

    when = dt.datetime(2024, 3, 1, 10, 0, 0, 123000, tzinfo=tzoffset(None, 7200))
    record = to_record(
        {
            "TrainingJobName": "j",
            "ResponseMetadata": {"RequestId": "r", "HTTPHeaders": {"x": "y"}},
            "CreationTime": when,
            "SecondaryStatusTransitions": [{"Status": "Starting", "StartTime": when}],
        }
    )
    assert record == {
        "TrainingJobName": "j",
        "CreationTime": "2024-03-01T08:00:00.123000Z",
        "SecondaryStatusTransitions": [
            {"Status": "Starting", "StartTime": "2024-03-01T08:00:00.123000Z"}
        ],
    }


def test_to_record_keeps_when_the_response_was_observed():
    response = {
        "TrainingJobName": "j",
        "ResponseMetadata": {"HTTPHeaders": {"date": "Fri, 01 Mar 2024 10:00:05 GMT"}},
    }
    fetched = dt.datetime(2024, 3, 1, 10, 0, 9, tzinfo=dt.UTC)
    # the server's Date header first, then the fetch time, and a recorded time stays
    assert to_record(response, observed_at=fetched)["ObservedAt"] == "2024-03-01T10:00:05Z"
    assert to_record({"TrainingJobName": "j"}, observed_at=fetched)["ObservedAt"] == (
        "2024-03-01T10:00:09Z"
    )
    kept = {"TrainingJobName": "j", "ObservedAt": "2024-01-01T00:00:00Z"}
    assert to_record(kept, observed_at=fetched)["ObservedAt"] == "2024-01-01T00:00:00Z"
    assert "ObservedAt" not in to_record({"TrainingJobName": "j"})


def rec(name: str, status: str = "Completed", **extra) -> dict:
    return {
        "TrainingJobName": name,
        "TrainingJobStatus": status,
        "SecondaryStatusTransitions": [
            {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z", **extra}
        ],
    }


# -- the cache file ----------------------------------------------------------------------------


def test_cache_appends_new_jobs_and_journals_refreshes(tmp_path):
    path = tmp_path / "jobs.jsonl"
    with DescribeCache(path) as cache:
        cache.add(rec("a", "InProgress"))
        cache.add(rec("b"))
        # written at once, before close: another reader sees it
        assert [r["TrainingJobName"] for r in lines(path)] == ["a", "b"]
    cache = DescribeCache(path).open()
    assert cache.status("a") == "InProgress" and cache.is_terminal("b")
    assert cache.running() == ["a"]
    cache.add(rec("a", "Completed"))
    # the refresh is journalled: the file never holds a job twice, even now
    assert [r["TrainingJobStatus"] for r in lines(path)] == ["InProgress", "Completed"]
    assert cache.journal_path.exists()
    cache.close()
    assert [(r["TrainingJobName"], r["TrainingJobStatus"]) for r in lines(path)] == [
        ("a", "Completed"),
        ("b", "Completed"),
    ]
    assert not cache.journal_path.exists()


def test_cache_orders_new_jobs_as_listed_and_keeps_old_ones_in_place(tmp_path):
    path = tmp_path / "jobs.jsonl"
    with DescribeCache(path) as cache:
        cache.add(rec("old"))
    cache = DescribeCache(path).open()
    for name in ("c", "a", "b"):  # completion order of the threads
        cache.add(rec(name))
    cache.close(order=["a", "old", "b", "c"])
    assert [r["TrainingJobName"] for r in lines(path)] == ["old", "a", "b", "c"]


def test_cache_merges_a_journal_left_by_a_hard_kill(tmp_path):
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps(rec("a", "InProgress")) + "\n")
    journal = tmp_path / ".jobs.jsonl.refresh"
    journal.write_text(json.dumps(rec("a", "Completed")) + "\n")
    cache = DescribeCache(path).open()
    assert cache.status("a") == "Completed"
    assert not journal.exists()
    assert [r["TrainingJobStatus"] for r in lines(path)] == ["Completed"]
    cache.close()


def test_cache_removes_a_rewrite_cut_short(tmp_path):
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps(rec("a")) + "\n")
    (tmp_path / ".jobs.jsonl.tmp-4242").write_text('{"TrainingJobName": "a", "Tra')
    with DescribeCache(path) as cache:
        assert cache.names == ["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".jobs.jsonl.lock", "jobs.jsonl"]


def test_cache_tolerates_a_line_cut_short_and_notes_it(tmp_path):
    path = tmp_path / "jobs.jsonl"
    good = json.dumps(rec("a"))
    path.write_text(good + "\n" + json.dumps(rec("b"))[:25])
    cache = DescribeCache(path).open()
    assert cache.names == ["a"] and "b" not in cache
    assert cache.dropped_lines == 1
    assert "line 2 cut short" in cache.notes[0] and str(path) in cache.notes[0]
    cache.add(rec("c"))  # not glued onto the broken line
    cache.close()
    assert [r["TrainingJobName"] for r in lines(path)] == ["a", "c"]


def test_cache_refuses_a_bad_line_in_the_middle(tmp_path):
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps(rec("a")) + "\n{oops\n" + json.dumps(rec("b")) + "\n")
    with pytest.raises(ParseError) as err:
        DescribeCache(path).open()
    assert err.value.line == 2 and err.value.file == str(path)
    assert "good lines follow" in str(err.value)
    # and the lock was released: the file can be opened once fixed
    path.write_text(json.dumps(rec("a")) + "\n")
    DescribeCache(path).open().close()


def test_cache_refuses_a_file_of_something_else(tmp_path):
    path = tmp_path / "jobs.jsonl"
    path.write_text('{"job_name": "a"}\n{"job_name": "b"}\n')
    with pytest.raises(ParseError, match="not a DescribeTrainingJob response"):
        DescribeCache(path).open()


def test_cache_duplicates_keep_the_newest_line(tmp_path):
    path = tmp_path / "jobs.jsonl"
    path.write_text(
        "\n".join(json.dumps(r) for r in (rec("a", "InProgress"), rec("b"), rec("a"))) + "\n"
    )
    with DescribeCache(path) as cache:
        assert cache.status("a") == "Completed"
    assert [(r["TrainingJobName"], r["TrainingJobStatus"]) for r in lines(path)] == [
        ("a", "Completed"),
        ("b", "Completed"),
    ]


def test_cache_index_is_the_same_by_arrow_and_line_by_line(tmp_path):
    from smstatus.fetch.cache import _scan

    records = [rec(f"j{i}", ["Completed", "InProgress"][i % 2], message="ü\\n") for i in range(6)]
    fast, slow = tmp_path / "fast.jsonl", tmp_path / "slow.jsonl"
    fast.write_text("".join(json.dumps(r) + "\n" for r in records))
    slow.write_text(
        "\n".join(json.dumps(r) for r in records[:3])
        + "\n\n"
        + "".join(json.dumps(r) + "\n" for r in records[3:])
    )  # a blank line: Arrow's rows no longer match the lines, the slow path takes over
    a, b = _scan(fast), _scan(slow)
    assert a.names == b.names == [f"j{i}" for i in range(6)]
    assert a.statuses == b.statuses == ["Completed", "InProgress"] * 3
    assert b.offsets[3] == a.offsets[3] + 1 and a.lengths == b.lengths
    cache = DescribeCache(slow).open()
    assert cache.get("j4") == records[4]
    cache.close()


def test_cache_is_locked_against_a_second_writer(tmp_path):
    path = tmp_path / "jobs.jsonl"
    with DescribeCache(path), pytest.raises(CacheLockedError, match="another fetch"):
        DescribeCache(path).open()
    DescribeCache(path).open().close()


def test_cache_add_after_close_is_refused(tmp_path):
    cache = DescribeCache(tmp_path / "jobs.jsonl").open()
    cache.close()
    assert cache.add(rec("late")) is False


@settings(max_examples=30)
@given(
    n=st.integers(min_value=1, max_value=6),
    cut=st.floats(min_value=0.0, max_value=1.0),
)
def test_cache_survives_a_crash_at_any_byte(tmp_path_factory, n, cut):
    """Whatever byte a crash stops at, the next open keeps exactly the complete records."""
    path = tmp_path_factory.mktemp("crash") / "jobs.jsonl"
    records = [json.dumps(rec(f"j{i}", message="é" * i)) for i in range(n)]
    data = "".join(r + "\n" for r in records).encode()
    cut_at = int(len(data) * cut)
    path.write_bytes(data[:cut_at])
    kept = data[:cut_at].count(b"\n")
    tail = data[:cut_at].rsplit(b"\n", 1)[-1]
    partial = bool(tail) and tail.decode(errors="replace") != records[kept]
    if tail and not partial:  # cut just before a newline: the record itself is complete
        kept += 1
    with DescribeCache(path) as cache:
        assert cache.names == [f"j{i}" for i in range(kept)]
        assert cache.dropped_lines == int(partial)
    if kept:
        assert smstatus.load(path).n_jobs == kept
    assert path.read_text() == "".join(r + "\n" for r in records[:kept])


# -- collect() against botocore's Stubber ------------------------------------------------------


def stubbed_client():
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("sagemaker", region_name=REGION)
    return client, Stubber(client)


def summary_of(name, status="Completed"):
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:123456789012:training-job/{name}",
        "CreationTime": dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        "TrainingJobStatus": status,
    }


def describe_of(name, status="Completed"):
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:123456789012:training-job/{name}",
        "TrainingJobStatus": status,
        "SecondaryStatus": "Completed" if status == "Completed" else "Training",
        "AlgorithmSpecification": {"TrainingInputMode": "File"},
        "ModelArtifacts": {"S3ModelArtifacts": f"s3://bucket/{name}/model.tar.gz"},
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "CreationTime": dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        "SecondaryStatusTransitions": [
            {"Status": "Starting", "StartTime": dt.datetime(2024, 3, 1, tzinfo=dt.UTC)}
        ],
    }


def _describe_after_listing(client, pages):
    """Hold describes until the listing is over: the Stubber serves responses in order, and
    collect() describes while it lists."""
    listed = threading.Event()
    count = []

    def after_list(**_):
        count.append(1)
        if len(count) == pages:
            listed.set()

    client.meta.events.register("after-call.sagemaker.ListTrainingJobs", after_list)

    def hold(**_):
        listed.wait(5)  # returns None: the parameters are left alone

    client.meta.events.register("provide-client-params.sagemaker.DescribeTrainingJob", hold)


def test_list_parameters_pages_and_a_job_deleted_after_listing(monkeypatch, tmp_path):
    fake_credentials(monkeypatch)
    client, stub = stubbed_client()
    after = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    before = dt.datetime(2024, 3, 8, tzinfo=dt.UTC)
    params = {
        "SortBy": "CreationTime",
        "SortOrder": "Ascending",
        "CreationTimeAfter": after,
        "CreationTimeBefore": before,
        "NameContains": "xgb",
        "StatusEquals": "Completed",
        "MaxResults": 100,
    }
    stub.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": [summary_of("xgb-1"), summary_of("xgb-2")], "NextToken": "t"},
        params,
    )
    stub.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": [summary_of("xgb-2"), summary_of("xgb-3")]},
        {**params, "NextToken": "t"},
    )
    stub.add_response("describe_training_job", describe_of("xgb-1"), {"TrainingJobName": "xgb-1"})
    _describe_after_listing(client, pages=2)
    stub.add_client_error(
        "describe_training_job",
        service_error_code="ValidationException",
        service_message="Requested resource not found.",
        expected_params={"TrainingJobName": "xgb-2"},
    )
    stub.add_response("describe_training_job", describe_of("xgb-3"), {"TrainingJobName": "xgb-3"})
    with stub:
        result = collect(
            client=client,
            created_after="2024-03-01",  # naive: UTC
            created_before=before,
            name_contains="xgb",
            status="Completed",
            cache=tmp_path / "jobs.jsonl",
            max_workers=1,
            **FAST,
        )
    stub.assert_no_pending_responses()
    s = result.summary
    assert (s.listed, s.described, s.failed, s.not_found, s.from_cache) == (3, 2, 1, 1, 0)
    assert s.calls == {"ListTrainingJobs": 2, "DescribeTrainingJob": 3}
    assert result.failures.to_dict("records") == [
        {
            "job_name": "xgb-2",
            "kind": "not_found",
            "error_code": "ValidationException",
            "message": "Requested resource not found.",
        }
    ]
    assert list(result.history.jobs["job_name"]) == ["xgb-1", "xgb-3"]
    assert [r["TrainingJobName"] for r in lines(tmp_path / "jobs.jsonl")] == ["xgb-1", "xgb-3"]


def test_access_denied_stops_the_run_and_keeps_what_was_written(monkeypatch, tmp_path):
    fake_credentials(monkeypatch)
    client, stub = stubbed_client()
    stub.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": [summary_of(n) for n in ("a", "b", "c")]},
    )
    stub.add_response("describe_training_job", describe_of("a"))
    stub.add_client_error(
        "describe_training_job",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform: sagemaker:DescribeTrainingJob",
    )
    with stub, pytest.raises(FetchError) as err:
        collect(client=client, cache=tmp_path / "jobs.jsonl", max_workers=1, **FAST)
    assert "AccessDeniedException" in str(err.value) and "run again to resume" in str(err.value)
    assert err.value.summary.described == 1
    assert [r["TrainingJobName"] for r in lines(tmp_path / "jobs.jsonl")] == ["a"]


def test_list_failure_is_fatal_with_the_api_named(monkeypatch):
    fake_credentials(monkeypatch)
    client, stub = stubbed_client()
    stub.add_client_error("list_training_jobs", service_error_code="ValidationException")
    with stub, pytest.raises(FetchError, match="ListTrainingJobs failed: ValidationException"):
        collect(client=client, **FAST)


def test_other_describe_errors_are_reported_not_fatal(monkeypatch):
    fake_credentials(monkeypatch)
    client, stub = stubbed_client()
    stub.add_response(
        "list_training_jobs", {"TrainingJobSummaries": [summary_of("a"), summary_of("b")]}
    )
    stub.add_client_error(
        "describe_training_job", service_error_code="ThrottlingException", http_status_code=400
    )
    stub.add_response("describe_training_job", describe_of("b"))
    with stub:
        result = collect(client=client, max_workers=1, **FAST)
    assert result.failures[["job_name", "kind", "error_code"]].values.tolist() == [
        ["a", "error", "ThrottlingException"]
    ]
    assert result.summary.not_found == 0 and result.history.n_jobs == 1


def test_without_boto3_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(MissingDependencyError, match=r"smstatus\[aws\]") as err:
        collect()
    assert "Fetching from SageMaker" in str(err.value)
    assert isinstance(err.value, ImportError)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"status": "Running"}, "status must be one of"),
        ({"max_workers": 0}, "max_workers"),
        ({"retry_mode": "eager"}, "retry_mode"),
        ({"created_after": "last tuesday"}, "created_after"),
        ({"list_rate": -1}, "rate"),
    ],
)
def test_bad_options_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        collect(**kwargs)


def test_no_credentials_is_a_clear_fatal_error(sm, monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var)
    with pytest.raises(FetchError, match="no AWS credentials found"):
        collect(endpoint_url=sm.url, region=REGION, max_attempts=1, **FAST)


# -- collect() against moto over HTTP ----------------------------------------------------------


def test_collect_fetches_every_job_with_its_history(sm, tmp_path):
    names = sm.create_jobs(KINDS * 3)
    path = tmp_path / "jobs.jsonl"
    result = collect(client=sm.client(), cache=path, **FAST)
    s = result.summary
    assert (s.listed, s.described, s.refreshed, s.from_cache, s.failed) == (15, 15, 0, 0, 0)
    assert s.requests == {"ListTrainingJobs": 1, "DescribeTrainingJob": 15}
    assert sm.calls == {"ListTrainingJobs": 1, "DescribeTrainingJob": 15}
    assert sorted(sm.described) == sorted(names)
    # the history: listing order, the statuses and entries the server holds
    h = result.history
    assert list(h.jobs["job_name"]) == names
    assert list(h.jobs["training_job_status"]) == list(KINDS * 3)
    completed = h.transitions[h.transitions["job_name"] == names[0]]
    assert completed["status"].tolist() == [
        "Starting",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
    ]
    assert completed["start_time"].iloc[0] == pd.Timestamp(T0, tz="UTC")
    running = h.transitions[h.transitions["job_name"] == names[1]]
    assert running["end_time"].isna().tolist() == [False, False, True]
    # the file: one line per job, in listing order, readable by load()
    assert [r["TrainingJobName"] for r in lines(path)] == names
    loaded = smstatus.load(path)
    assert list(loaded.jobs["job_name"]) == names and len(loaded.unparsed) == 0
    pd.testing.assert_frame_equal(loaded.transitions, h.transitions)
    # each response carries the time it was fetched, and the running job is measured to it
    fetched = [pd.Timestamp(r["ObservedAt"]) for r in lines(path)]
    assert all(t >= pd.Timestamp(T0, tz="UTC") for t in fetched)
    assert loaded.jobs["observed_at"].tolist() == fetched
    assert (h.jobs["observed_at"] >= h.jobs["last_modified_time"]).all()


def test_history_from_a_big_cache_is_read_by_load_and_is_the_same(sm, tmp_path, monkeypatch):
    import smstatus.fetch.collector as collect_module

    names = sm.create_jobs(KINDS * 3)  # 10 of 15 named -00x: load, then select
    path = tmp_path / "jobs.jsonl"
    collect(client=sm.client(), cache=path, **FAST)
    client = sm.client()
    by_lines = collect(client=client, cache=path, name_contains="-00", **FAST).history
    import smstatus.io

    loads = []
    real_load = smstatus.io.load
    monkeypatch.setattr(smstatus.io, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    collect(client=client, cache=path, name_contains="-00", **FAST)
    assert loads == []
    monkeypatch.setattr(collect_module, "LOAD_WHOLE_FILE_MIN", 1)
    by_load = collect(client=client, cache=path, name_contains="-00", **FAST).history
    assert loads == [(path,)]
    assert list(by_load.jobs["job_name"]) == names[:10] == list(by_lines.jobs["job_name"])
    pd.testing.assert_frame_equal(by_load.transitions, by_lines.transitions)
    # running jobs are described again by each run, so only their observation time may move on
    pd.testing.assert_frame_equal(
        by_load.jobs.drop(columns="observed_at"), by_lines.jobs.drop(columns="observed_at")
    )
    assert (by_load.jobs["observed_at"] >= by_lines.jobs["observed_at"]).all()


def test_second_run_describes_only_running_jobs_and_sees_them_end(sm, tmp_path):
    names = sm.create_jobs(KINDS * 2)
    path = tmp_path / "jobs.jsonl"
    collect(client=sm.client(), cache=path, **FAST)
    running = [n for n, k in zip(names, KINDS * 2, strict=True) if k in RUNNING]

    sm.calls.clear()
    sm.described.clear()
    sm.set_job(running[0], "Completed")
    second = collect(client=sm.client(), cache=path, **FAST)
    assert sorted(sm.described) == sorted(running)
    assert sm.calls["DescribeTrainingJob"] == len(running) == 4
    s = second.summary
    assert (s.described, s.refreshed, s.from_cache) == (4, 4, 6)
    statuses = dict(
        zip(
            second.history.jobs["job_name"], second.history.jobs["training_job_status"], strict=True
        )
    )
    assert statuses[running[0]] == "Completed"
    assert [r["TrainingJobName"] for r in lines(path)] == names  # replaced in place, once each
    assert lines(path)[names.index(running[0])]["TrainingJobStatus"] == "Completed"

    sm.described.clear()
    third = collect(client=sm.client(), cache=path, **FAST)
    assert sorted(sm.described) == sorted(running[1:])
    assert third.summary.from_cache == 7


def test_refresh_running_false_describes_nothing_cached(sm, tmp_path):
    sm.create_jobs(KINDS)
    path = tmp_path / "jobs.jsonl"
    collect(client=sm.client(), cache=path, **FAST)
    sm.described.clear()
    result = collect(client=sm.client(), cache=path, refresh_running=False, **FAST)
    assert sm.described == [] and result.summary.from_cache == 5


def test_running_jobs_outside_the_listing_are_noted(sm, tmp_path):
    names = sm.create_jobs(["InProgress", "Completed"], prefix="a")
    sm.create_jobs(["Completed"], prefix="b")
    path = tmp_path / "jobs.jsonl"
    collect(client=sm.client(), cache=path, **FAST)
    result = collect(client=sm.client(), cache=path, name_contains="b-", **FAST)
    (note,) = result.summary.notes
    assert "1 job(s) the cache holds as running were not listed" in note and names[0] in note


def test_filters_reach_the_server(sm):
    sm.create_jobs(KINDS * 2, prefix="xgb")
    sm.create_jobs(KINDS, prefix="bert", t0=T0 + dt.timedelta(days=1))
    client = sm.client()
    assert collect(client=client, name_contains="bert", **FAST).history.n_jobs == 5
    late = collect(client=client, created_after=T0 + dt.timedelta(hours=12), **FAST)
    assert set(late.history.jobs["job_name"].str[:4]) == {"bert"}
    early = collect(client=client, created_before=T0 + dt.timedelta(minutes=15), **FAST)
    assert early.history.n_jobs == 2
    running = collect(client=client, status="InProgress", **FAST)
    assert set(running.history.jobs["training_job_status"]) == {"InProgress"}
    assert running.history.n_jobs == 3


def test_throttling_and_server_errors_are_retried(sm, tmp_path):
    names = sm.create_jobs(KINDS * 2)
    sm.fail("ListTrainingJobs", [sm.throttling(), sm.server_error()])
    sm.fail("DescribeTrainingJob", [sm.throttling(), sm.server_error(), sm.throttling()])
    result = collect(
        endpoint_url=sm.url,
        region=REGION,
        cache=tmp_path / "jobs.jsonl",
        retry_mode="standard",
        max_attempts=4,
        **FAST,
    )
    s = result.summary
    assert s.failed == 0 and s.described == 10
    assert s.calls == {"ListTrainingJobs": 1, "DescribeTrainingJob": 10}
    assert s.requests == {"ListTrainingJobs": 3, "DescribeTrainingJob": 13}
    assert s.retries == 5 and "(5 retried)" in s.format()
    assert [r["TrainingJobName"] for r in lines(tmp_path / "jobs.jsonl")] == names


def test_adaptive_mode_retries_throttling(sm, monkeypatch):
    # after a throttle, adaptive mode paces the client at no less than 0.5 rps: raise that
    # floor so the test stays fast
    from botocore.retries.bucket import TokenBucket

    monkeypatch.setattr(TokenBucket.__init__, "__defaults__", (100.0,))
    sm.create_jobs(KINDS)
    sm.fail("DescribeTrainingJob", [sm.throttling()])
    result = collect(endpoint_url=sm.url, region=REGION, max_attempts=3, **FAST)
    assert result.summary.failed == 0 and result.summary.retries == 1


def test_a_job_failing_past_the_retries_is_reported_and_fetched_next_run(sm, tmp_path):
    names = sm.create_jobs(KINDS)
    sm.fail("DescribeTrainingJob", [sm.server_error()] * 2)
    path = tmp_path / "jobs.jsonl"
    first = collect(client=sm.client(max_attempts=2), cache=path, max_workers=1, **FAST)
    assert first.failures[["job_name", "kind", "error_code"]].values.tolist() == [
        [names[0], "error", "InternalFailure"]
    ]
    assert names[0] not in [r["TrainingJobName"] for r in lines(path)]
    sm.described.clear()
    second = collect(client=sm.client(), cache=path, **FAST)
    assert names[0] in sm.described and second.summary.failed == 0
    assert sorted(r["TrainingJobName"] for r in lines(path)) == sorted(names)


def test_a_job_deleted_between_list_and_describe(sm, tmp_path):
    names = sm.create_jobs(KINDS)
    sm.after_list(lambda: sm.delete_job(names[2]))
    result = collect(client=sm.client(), cache=tmp_path / "jobs.jsonl", **FAST)
    assert result.failures["job_name"].tolist() == [names[2]]
    assert result.failures["kind"].tolist() == ["not_found"]
    assert result.summary.not_found == 1 and "1 deleted since listed" in result.summary.format()
    assert names[2] not in set(result.history.jobs["job_name"])


def test_a_running_job_deleted_keeps_its_cached_history(sm, tmp_path):
    names = sm.create_jobs(["InProgress", "Completed"])
    path = tmp_path / "jobs.jsonl"
    collect(client=sm.client(), cache=path, **FAST)
    sm.after_list(lambda: sm.delete_job(names[0]))
    result = collect(client=sm.client(), cache=path, **FAST)
    assert result.summary.not_found == 1
    assert list(result.history.jobs["job_name"]) == names


def test_interrupted_run_resumes_with_nothing_lost_or_duplicated(sm, tmp_path):
    names = sm.create_jobs(KINDS * 4)
    path = tmp_path / "jobs.jsonl"
    client = sm.client()
    seen = []

    def interrupt_after_six(**_):
        seen.append(1)
        if len(seen) > 6:
            raise KeyboardInterrupt

    client.meta.events.register("before-call.sagemaker.DescribeTrainingJob", interrupt_after_six)
    collector = Collector(client=client, cache=path, max_workers=3, **FAST)
    with pytest.raises(KeyboardInterrupt):
        collector.run()
    saved = [r["TrainingJobName"] for r in lines(path)]
    assert 1 <= len(saved) <= 6 and len(set(saved)) == len(saved)
    assert collector.summary.described == len(saved)
    assert not (tmp_path / ".jobs.jsonl.refresh").exists()

    sm.described.clear()
    result = collect(client=sm.client(), cache=path, **FAST)
    cached_running = {n for n in saved if n.split("-")[-1] in ("inprogress", "stopping")}
    assert sorted(sm.described) == sorted(set(names) - set(saved) | cached_running)
    assert result.summary.from_cache == len(set(saved) - cached_running)
    assert [r["TrainingJobName"] for r in lines(path)] == saved + [
        n for n in names if n not in saved
    ]
    assert smstatus.load(path).n_jobs == 20


def test_a_truncated_last_line_is_fetched_again_with_a_note(sm, tmp_path):
    names = sm.create_jobs(KINDS)
    path = tmp_path / "jobs.jsonl"
    collect(client=sm.client(), cache=path, **FAST)
    text = path.read_text().splitlines()
    path.write_text("\n".join(text[:-1]) + "\n" + text[-1][: len(text[-1]) // 2])
    sm.described.clear()
    result = collect(client=sm.client(), cache=path, **FAST)
    assert names[-1] in sm.described
    assert any("cut short" in note for note in result.summary.notes)
    assert [r["TrainingJobName"] for r in lines(path)] == names


def test_network_lost_is_fatal_and_resumable(sm, tmp_path):
    names = sm.create_jobs(KINDS)
    path = tmp_path / "jobs.jsonl"
    client = sm.client(max_attempts=2)
    count = []

    def lose_network(request, **_):
        from botocore.exceptions import EndpointConnectionError

        count.append(1)
        if len(count) > 2:
            raise EndpointConnectionError(endpoint_url=request.url)

    client.meta.events.register("before-send.sagemaker.DescribeTrainingJob", lose_network)
    with pytest.raises(FetchError, match="EndpointConnectionError") as err:
        collect(client=client, cache=path, max_workers=1, **FAST)
    assert err.value.summary.described == 2
    assert [r["TrainingJobName"] for r in lines(path)] == names[:2]
    result = collect(client=sm.client(), cache=path, **FAST)
    assert result.history.n_jobs == 5


def test_rates_pace_the_requests(sm):
    for i in range(101):  # two list pages, created in-process for speed
        sm.backend.create_training_job(
            f"bulk-{i:03d}", {}, {"TrainingImage": "i"}, "arn:role", [],
            {"S3OutputPath": "s3://b"}, {}, {}, {}, [], False, False, False, {}, {}, [], {}, {},
        )  # fmt: skip
    for name in ("bulk-007", "bulk-100", "bulk-050"):
        sm.set_job(name, "InProgress")
    clock = FakeClock()
    waits: list[float] = []
    collector = Collector(
        client=sm.client(),
        status="InProgress",  # moto (like AWS) filters each page after cutting it
        list_rate=2.0,
        describe_rate=50.0,
        clock=clock,
        sleep=waits.append,
    )
    result = collector.run()
    assert result.summary.requests == {"ListTrainingJobs": 2, "DescribeTrainingJob": 3}
    # the clock stood still, so each request reserved the next slot of its own limiter:
    # the second list page waited 1/2 s, the describes 1/50 s and 2/50 s
    assert sorted(waits) == pytest.approx([0.02, 0.04, 0.5])


def test_a_collector_runs_once(sm):
    collector = Collector(client=sm.client(), **FAST)
    collector.run()
    with pytest.raises(RuntimeError, match="runs once"):
        collector.run()


def test_hooks_are_removed_from_a_callers_client(sm):
    sm.create_jobs(KINDS[:1])
    client = sm.client()
    collect(client=client, **FAST)
    waits = []
    Collector(client=client, sleep=waits.append, list_rate=0.001, clock=FakeClock())
    client.list_training_jobs()
    client.list_training_jobs()
    assert waits == []


def test_progress_bar_and_fallback_lines(sm, capsys, monkeypatch):
    sm.create_jobs(KINDS)
    collect(client=sm.client(), progress=True, **FAST)
    err = capsys.readouterr().err
    assert "fetch" in err and "5/5" in err
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    collect(client=sm.client(), progress=True, **FAST)
    assert "fetch: 5/5 jobs (described 5, cached 0, failed 0)" in capsys.readouterr().err
    collect(client=sm.client(), progress=False, **FAST)
    assert capsys.readouterr().err == ""


def test_no_key_material_in_the_cache_or_the_result(sm, tmp_path):
    sm.create_jobs(KINDS)
    path = tmp_path / "jobs.jsonl"
    result = collect(endpoint_url=sm.url, region=REGION, cache=path, **FAST)
    text = path.read_text()
    for secret in (FAKE_KEY_ID, FAKE_SECRET, "ResponseMetadata", "x-amzn-requestid"):
        assert secret not in text
        assert secret not in repr(result.summary.to_dict())


def test_collection_summary_serialises(sm):
    sm.create_jobs(KINDS[:2])
    result = collect(client=sm.client(), **FAST)
    data = json.loads(json.dumps(result.summary.to_dict()))
    assert data["listed"] == 2 and data["retries"] == 0 and data["cache"] is None
    assert "Collection" in result._repr_html_()
