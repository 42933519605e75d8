"""The simulator: API-shaped, deterministic, legal by the machine except where corrupted."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import re
from collections import Counter
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import smstatus
from smstatus.cli import main
from smstatus.machine import default_machine
from smstatus.simulation.simulator import (
    CORRUPTIONS,
    MESSAGES,
    simulate,
    simulate_with_truth,
    write_jsonl,
)
from smstatus.status import PRIMARY_OF, SecondaryStatus

MACHINE = default_machine()
TERMINAL = {"Completed", "Failed", "Stopped", "MaxRuntimeExceeded", "MaxWaitTimeExceeded"}
API_ORDER = [
    "TrainingJobName",
    "TrainingJobArn",
    "TuningJobArn",
    "ModelArtifacts",
    "TrainingJobStatus",
    "SecondaryStatus",
    "FailureReason",
    "AlgorithmSpecification",
    "RoleArn",
    "ResourceConfig",
    "WarmPoolStatus",
    "StoppingCondition",
    "CreationTime",
    "TrainingStartTime",
    "TrainingEndTime",
    "LastModifiedTime",
    "SecondaryStatusTransitions",
    "EnableManagedSpotTraining",
    "CheckpointConfig",
    "TrainingTimeInSeconds",
    "BillableTimeInSeconds",
    "RetryStrategy",
]
"""Keys of a DescribeTrainingJob response that the simulator writes, in the API's order."""
REQUIRED = {
    "TrainingJobName",
    "TrainingJobArn",
    "TrainingJobStatus",
    "SecondaryStatus",
    "AlgorithmSpecification",
    "RoleArn",
    "ResourceConfig",
    "StoppingCondition",
    "CreationTime",
    "LastModifiedTime",
    "SecondaryStatusTransitions",
    "EnableManagedSpotTraining",
}
START, END = pd.Timestamp("2025-01-06", tz="UTC"), pd.Timestamp("2025-03-07", tz="UTC")


@pytest.fixture(scope="module")
def fleet():
    """3,000 jobs over 60 days, 5 % corrupted."""
    return simulate_with_truth(
        3000, seed=11, corrupt_share=0.05, start="2025-01-06", days=60, legacy_share=0.01
    )


def _ts(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


def _statuses(response) -> list[str]:
    return [e["Status"] for e in response["SecondaryStatusTransitions"]]


def _clean(fleet):
    return [r for r, bad in zip(fleet.responses, fleet.truth["corrupt"], strict=True) if not bad]


# -- determinism ---------------------------------------------------------------------------------


def test_the_same_arguments_give_the_same_responses():
    a = simulate(300, seed=5, corrupt_share=0.1)
    b = simulate(300, seed=5, corrupt_share=0.1)
    assert json.dumps(a) == json.dumps(b)
    assert json.dumps(simulate(300, seed=6, corrupt_share=0.1)) != json.dumps(a)


def test_corruption_only_touches_the_jobs_it_names():
    clean = simulate(400, seed=3)
    sim = simulate_with_truth(400, seed=3, corrupt_share=0.1)
    for before, after, bad in zip(clean, sim.responses, sim.truth["corrupt"], strict=True):
        assert (before == after) != bad, before["TrainingJobName"]


# -- the shape of the API -----------------------------------------------------------------------


def test_responses_have_the_api_keys_types_and_order(fleet):
    for r in fleet.responses:
        keys = list(r)
        assert set(keys) >= REQUIRED, r["TrainingJobName"]
        assert keys == [k for k in API_ORDER if k in r], keys
        assert isinstance(r["EnableManagedSpotTraining"], bool)
        assert r["TrainingJobArn"].endswith(":training-job/" + r["TrainingJobName"].lower())
        assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", r["TrainingJobName"])
        for key in ("CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime"):
            if key in r:
                _ts(r[key])
        res = r["ResourceConfig"]
        assert res["InstanceType"].startswith("ml.")
        assert isinstance(res["InstanceCount"], int) and res["InstanceCount"] >= 1
        assert isinstance(res["VolumeSizeInGB"], int)
        assert r["AlgorithmSpecification"]["TrainingInputMode"] in {"File", "Pipe", "FastFile"}
        assert ".dkr.ecr." in r["AlgorithmSpecification"]["TrainingImage"]
        stopping = r["StoppingCondition"]
        assert ("MaxWaitTimeInSeconds" in stopping) == r["EnableManagedSpotTraining"]
        assert ("CheckpointConfig" in r) == r["EnableManagedSpotTraining"]
        if r["EnableManagedSpotTraining"]:
            assert stopping["MaxWaitTimeInSeconds"] >= stopping["MaxRuntimeInSeconds"]
        for entry in r["SecondaryStatusTransitions"]:
            assert set(entry) <= {"Status", "StartTime", "EndTime", "StatusMessage"}
            _ts(entry["StartTime"])
            if "EndTime" in entry:
                _ts(entry["EndTime"])
    json.dumps(fleet.responses)  # JSON-ready


def test_timestamps_carry_offsets_and_millisecond_precision(fleet):
    stamps = [e["StartTime"] for r in fleet.responses for e in r["SecondaryStatusTransitions"]]
    suffixes = Counter(re.search(r"(Z|[+-]\d\d:\d\d)$", s).group(1) for s in stamps)
    assert {"+00:00", "-07:00", "Z"} <= set(suffixes)
    assert all(re.search(r"\.\d{3}000(Z|[+-])", s) for s in stamps[:500])


def test_the_loader_reads_every_response(fleet):
    history = smstatus.load(fleet.responses)
    assert history.n_jobs == len(fleet.responses)
    assert len(history.unparsed) == 0
    assert history.jobs["job_name"].is_unique


# -- valid histories ---------------------------------------------------------------------------


def test_every_status_appears_and_every_clean_edge_is_legal(fleet):
    seen = Counter(s for r in fleet.responses for s in _statuses(r))
    assert set(MACHINE.statuses) <= set(seen)
    for r in _clean(fleet):
        statuses = _statuses(r)
        for a, b in itertools.pairwise(statuses):
            assert a != b, r["TrainingJobName"]  # describe histories never repeat a status
            assert MACHINE.matrix[MACHINE.index[a], MACHINE.index[b]], (r["TrainingJobName"], a, b)


def _check_clean(r, as_of: pd.Timestamp) -> None:
    name = r["TrainingJobName"]
    entries = r["SecondaryStatusTransitions"]
    assert entries and entries[0]["Status"] == "Starting", name
    for a, b in itertools.pairwise(entries):
        assert a["EndTime"] == b["StartTime"], name  # contiguous
        assert _ts(a["StartTime"]) < _ts(a["EndTime"]), name  # a phase lasts
    last = entries[-1]
    assert r["SecondaryStatus"] == last["Status"], name
    assert r["TrainingJobStatus"] == PRIMARY_OF[SecondaryStatus(last["Status"])], name
    assert _ts(r["CreationTime"]) <= _ts(entries[0]["StartTime"]), name
    assert _ts(r["LastModifiedTime"]) >= _ts(last["StartTime"]), name
    assert _ts(r["LastModifiedTime"]) <= as_of, name
    if last["Status"] in TERMINAL:
        assert last["EndTime"] == last["StartTime"], name  # a zero-length terminal entry
        assert ("FailureReason" in r) == (last["Status"] == "Failed"), name
    else:  # still running when described: an open last entry, no end of training
        assert "EndTime" not in last, name
        assert _ts(last["StartTime"]) <= as_of, name
        for key in ("TrainingEndTime", "TrainingTimeInSeconds", "BillableTimeInSeconds"):
            assert key not in r, name
    launched = [e for e in entries if e["Status"] in ("Downloading", "Training")]
    launched += [e for e in entries if e["Status"] == "DownloadingTrainingImage"]
    if launched:
        first = min(_ts(e["StartTime"]) for e in launched)
        assert _ts(r["TrainingStartTime"]) == first, name
    if "TrainingTimeInSeconds" in r:
        spent = (_ts(r["TrainingEndTime"]) - _ts(r["TrainingStartTime"])).total_seconds()
        assert abs(r["TrainingTimeInSeconds"] - spent) <= 1, name
        assert 1 <= r["BillableTimeInSeconds"] <= max(r["TrainingTimeInSeconds"], 1), name
        if not r["EnableManagedSpotTraining"]:  # spot saves; on-demand pays the whole time
            assert r["BillableTimeInSeconds"] == max(r["TrainingTimeInSeconds"], 1), name


def test_clean_histories_are_contiguous_and_consistent(fleet):
    for r in _clean(fleet):
        _check_clean(r, END)


def test_running_jobs_have_an_open_last_entry(fleet):
    running = [r for r in fleet.responses if r["TrainingJobStatus"] in ("InProgress", "Stopping")]
    assert len(running) >= 3
    clean = {r["TrainingJobName"] for r in _clean(fleet)}
    open_last = [r for r in running if "EndTime" not in r["SecondaryStatusTransitions"][-1]]
    assert {r["TrainingJobName"] for r in running} & clean <= {
        r["TrainingJobName"] for r in open_last
    }
    truth = fleet.truth.set_index("job_name")
    assert truth.loc[[r["TrainingJobName"] for r in open_last], "running"].all()


@given(
    n=st.integers(0, 60),
    seed=st.integers(0, 2**32 - 1),
    share=st.floats(0, 1),
    start=st.sampled_from(["2017-12-01", "2021-06-01T13:30", "2024-06-01"]),
    days=st.floats(0.5, 400),
    legacy=st.floats(0, 0.5),
    growth=st.floats(0, 20),
)
def test_any_arguments_give_valid_clean_histories(n, seed, share, start, days, legacy, growth):
    sim = simulate_with_truth(
        n,
        seed=seed,
        corrupt_share=share,
        start=start,
        days=days,
        legacy_share=legacy,
        growth=growth,
    )
    assert len(sim.responses) == len(sim.truth) == n
    assert int(sim.truth["corrupt"].sum()) == round(share * n)
    assert len({r["TrainingJobName"] for r in sim.responses}) == n
    as_of = pd.Timestamp(start, tz="UTC") + pd.Timedelta(days=days)
    created = [_ts(r["CreationTime"]) for r in sim.responses]
    modern = [c for c in created if c >= pd.Timestamp("2018-01-01", tz="UTC")]
    assert all(pd.Timestamp(start, tz="UTC") <= c < as_of for c in modern)
    for r, bad in zip(sim.responses, sim.truth["corrupt"], strict=True):
        if bad:
            continue
        _check_clean(r, as_of)
        statuses = _statuses(r)
        for a, b in itertools.pairwise(statuses):
            assert MACHINE.is_legal(a, b)


# -- the fleet ---------------------------------------------------------------------------------


def test_creation_times_fill_the_window_and_legacy_jobs_predate_2018(fleet):
    truth = fleet.truth
    created = pd.to_datetime([r["CreationTime"] for r in fleet.responses], utc=True)
    legacy = truth["legacy"].to_numpy()
    assert 0 < legacy.sum() < 0.03 * len(truth)
    assert (created[legacy] < pd.Timestamp("2018-01-01", tz="UTC")).all()
    assert (created[legacy] >= pd.Timestamp("2017-11-29", tz="UTC")).all()
    modern = created[~legacy]
    assert modern.min() >= START and modern.max() < END
    assert (np.diff(created[~legacy].asi8) >= 0).all()  # in order of creation
    weekend = (modern.day_of_week >= 5).mean()
    assert 0.05 < weekend < 2 / 7  # fewer jobs at weekends
    deprecated = {"LaunchingMLInstances", "PreparingTrainingStack", "DownloadingTrainingImage"}
    for r, lg in zip(fleet.responses, legacy, strict=True):
        assert bool(deprecated & set(_statuses(r))) == lg or r["TrainingJobName"] in set(
            truth.loc[truth["corrupt"], "job_name"]
        )
        if lg:
            assert not r["EnableManagedSpotTraining"] and "WarmPoolStatus" not in r


def test_fleet_mix(fleet):
    responses, truth = fleet.responses, fleet.truth
    types = Counter(r["ResourceConfig"]["InstanceType"] for r in responses)
    assert len(types) >= 12 and {"ml.m5.xlarge", "ml.g5.2xlarge", "ml.p4d.24xlarge"} <= set(types)
    assert max(r["ResourceConfig"]["InstanceCount"] for r in responses) >= 8
    spot = truth["spot"].mean()
    assert 0.15 < spot < 0.45
    modes = Counter(r["AlgorithmSpecification"]["TrainingInputMode"] for r in responses)
    assert modes["File"] > modes["Pipe"] > 0 and modes["FastFile"] > 0
    outcomes = truth["outcome"].value_counts()
    assert outcomes["Completed"] > 0.7 * len(truth)
    for status in ("Failed", "Stopped", "MaxRuntimeExceeded", "MaxWaitTimeExceeded"):
        assert outcomes[status] > 0, status
    assert 0.03 < outcomes["Failed"] / len(truth) < 0.2
    assert truth["tuning"].sum() > 50 and truth["retries"].sum() > 0
    assert truth["interruptions"].gt(0).sum() > 20


def test_input_mode_shapes_the_downloading_phase(fleet):
    """File jobs always download; Pipe and FastFile jobs mostly do (published Pipe-mode
    histories show Downloading), briefly, and some go straight to Training."""
    history = smstatus.load(_clean(fleet))
    t = history.transitions
    seconds = (t["end_time"] - t["start_time"]).dt.total_seconds()
    mode = {
        r["TrainingJobName"]: r["AlgorithmSpecification"]["TrainingInputMode"]
        for r in _clean(fleet)
    }
    file_job = t["job_name"].map(mode).eq("File")
    downloads = t[t["status"] == "Downloading"].groupby("job_name", observed=True).size()
    launched = set(t.loc[t["status"] == "Training", "job_name"])
    streamed = {name for name in launched if mode[name] != "File"}
    share = len(streamed & set(downloads.index)) / len(streamed)
    assert 0.8 < share < 0.97
    assert {name for name in launched if mode[name] == "File"} <= set(downloads.index)
    down = t["status"] == "Downloading"
    assert seconds[down & ~file_job].median() < seconds[down & file_job].median()


def test_spot_interruptions_loop_back(fleet):
    after = Counter()
    for r in _clean(fleet):
        statuses = _statuses(r)
        if "Interrupted" in statuses:
            assert r["EnableManagedSpotTraining"]
        after.update(b for a, b in itertools.pairwise(statuses) if a == "Interrupted")
    assert after["Starting"] > after["Downloading"] > 0


def test_only_spot_jobs_exceed_the_max_wait(fleet):
    for r in fleet.responses:
        if r["SecondaryStatus"] == "MaxWaitTimeExceeded":
            assert r["EnableManagedSpotTraining"]
            assert _statuses(r)[-2] == "Stopping"


def test_failures_happen_in_every_phase_with_a_reason(fleet):
    before = Counter()
    for r in _clean(fleet):
        statuses = _statuses(r)
        if statuses[-1] == "Failed":
            before[statuses[-2]] += 1
            reason = r["FailureReason"]
            assert re.match(
                r"(AlgorithmError|ClientError|CapacityError|InternalServerError): ", reason
            )
            assert "{" not in reason  # every placeholder filled
    assert {"Starting", "Pending", "Downloading", "Uploading"} <= set(before)
    assert "Training" not in before  # a failure in training uploads first, as AWS prints it


def test_durations_are_plausible(fleet):
    history = smstatus.load(_clean(fleet))
    t = history.transitions.join(history.jobs.set_index("job_name")["instance_type"], on="job_name")
    seconds = (t["end_time"] - t["start_time"]).dt.total_seconds()
    median = seconds.groupby(t["status"], observed=True).median()
    assert 60 < median["Starting"] < 600  # minutes
    assert 10 < median["Downloading"] < 600  # seconds to minutes...
    assert seconds[t["status"] == "Downloading"].max() > 1800  # ...to hours
    assert 600 < median["Training"] < 4 * 3600
    assert seconds[t["status"] == "Training"].max() > 86_400  # days
    assert median["Uploading"] < 300 and median["Stopping"] < 150
    pending = seconds[t["status"] == "Pending"].groupby(t["instance_type"], observed=True)
    big = pending.median().get("ml.p5.48xlarge", np.nan)
    small = pending.median().get("ml.g4dn.xlarge", np.nan)
    assert big > 3 * small  # long capacity waits for big GPU instances


def test_warm_pool_reuse_is_short_and_points_back(fleet):
    by_name = {r["TrainingJobName"]: r for r in fleet.responses}
    truth = fleet.truth
    reused = truth.loc[truth["warm_pool_reused"] & ~truth["corrupt"], "job_name"]
    assert len(reused) > 10
    for name in reused:
        r = by_name[name]
        first = r["SecondaryStatusTransitions"][0]
        assert first["StatusMessage"] == MESSAGES["reuse"]
        if "EndTime" in first:
            assert (_ts(first["EndTime"]) - _ts(first["StartTime"])).total_seconds() < 120
    donors = [r for r in _clean(fleet) if r.get("WarmPoolStatus", {}).get("Status") == "Reused"]
    assert donors
    for donor in donors:
        user = by_name[donor["WarmPoolStatus"]["ReusedByJob"]]
        assert user["ResourceConfig"]["InstanceType"] == donor["ResourceConfig"]["InstanceType"]
        assert _ts(user["CreationTime"]) >= _ts(donor["TrainingEndTime"])
        assert donor["SecondaryStatus"] in ("Completed", "Failed")
        last = donor["SecondaryStatusTransitions"][-1]["StatusMessage"]
        assert last == f"Resource reused by training job: {user['TrainingJobName']}"
    statuses = Counter(
        r["WarmPoolStatus"]["Status"] for r in fleet.responses if "WarmPoolStatus" in r
    )
    assert {"Reused", "Terminated"} <= set(statuses)


def test_tuning_jobs_share_an_arn_and_name_their_jobs_like_the_sdk(fleet):
    tuned = [r for r in fleet.responses if "TuningJobArn" in r]
    for r in tuned:
        tuning_name = r["TuningJobArn"].rsplit("/", 1)[1]
        assert re.fullmatch(re.escape(tuning_name) + r"-\d{3}-[0-9a-f]{8}", r["TrainingJobName"])
        assert len(tuning_name) <= 32
    assert Counter(r["TuningJobArn"] for r in tuned).most_common(1)[0][1] >= 4


# -- corruption --------------------------------------------------------------------------------


def test_the_corrupt_share_is_as_asked(fleet):
    truth = fleet.truth
    assert int(truth["corrupt"].sum()) == 150
    assert truth.loc[truth["corrupt"], "corruption"].isin(list(CORRUPTIONS)).all()
    assert truth.loc[~truth["corrupt"], "corruption"].isna().all()
    assert truth["corruption"].nunique() >= 8
    assert (truth["expected_code"].dropna() == truth["corruption"].dropna().map(CORRUPTIONS)).all()


def test_validation_finds_every_corruption_and_nothing_else(fleet):
    validate = pytest.importorskip("smstatus.validation.checks").validate
    report = validate(smstatus.load(fleet.responses))
    v = report.violations
    truth = fleet.truth.set_index("job_name")
    clean = truth.index[~truth["corrupt"]]
    on_clean = v[v["job_name"].isin(clean)]
    assert set(on_clean["severity"].astype(str)) <= {"info"}
    assert set(on_clean["code"].astype(str)) <= {"inferred_edge", "deprecated_status"}
    codes = v.groupby(v["job_name"].astype(str))["code"].agg(lambda c: set(c.astype(str)))
    errors = v[v["severity"] == "error"]["job_name"].astype(str)
    for name, row in truth[truth["corrupt"]].iterrows():
        assert row["expected_code"] in codes.get(name, set()), (name, row["corruption"])
        if row["expected_code"] not in ("gap", "open_interval_not_last"):  # warnings by design
            assert name in set(errors), (name, row["corruption"])


# -- arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": -1},
        {"n": 2.5},
        {"seed": -3},
        {"corrupt_share": 1.5},
        {"legacy_share": -0.1},
        {"days": 0},
        {"days": 10, "end": "2025-02-01"},
        {"end": "2024-01-01"},
        {"start": "2016-01-01", "days": 30},  # before SageMaker existed
        {"growth": -1},
        {"start": "2262-04-01", "days": 5},  # past what nanoseconds hold: no loader reads it
    ],
)
def test_bad_arguments_name_the_parameter(kwargs):
    n = kwargs.pop("n", 10)
    with pytest.raises(ValueError, match=r"n|seed|share|days|end|growth|SageMaker|window"):
        simulate(n, **kwargs)


def test_no_jobs():
    assert simulate(0) == []
    assert simulate_with_truth(0).truth.empty


# -- writing -----------------------------------------------------------------------------------


def test_write_jsonl_plain_gzip_and_stream(tmp_path):
    responses = simulate(40, seed=2)
    plain, packed = tmp_path / "a.jsonl", tmp_path / "a.jsonl.gz"
    assert write_jsonl(responses, plain) == 40
    assert write_jsonl(responses, packed) == 40
    lines = plain.read_bytes().splitlines()
    assert [json.loads(x) for x in lines] == responses
    assert gzip.decompress(packed.read_bytes()) == plain.read_bytes()
    again = tmp_path / "b.jsonl.gz"
    write_jsonl(responses, again)
    assert again.read_bytes() == packed.read_bytes()  # no time or name in the gzip header
    stream = io.BytesIO()
    write_jsonl(responses, stream)
    assert stream.getvalue() == plain.read_bytes()
    history = smstatus.load(packed)
    assert history.n_jobs == 40 and set(history.jobs["source"]) == {"describe"}


# -- the command -------------------------------------------------------------------------------


def test_cli_writes_a_file_that_load_reads(tmp_path, capsys):
    out, truth = tmp_path / "fleet.jsonl.gz", tmp_path / "truth.csv"
    argv = ["simulate", "-n", "120", "--seed", "4", "--corrupt-share", "0.1", "-o", str(out)]
    assert main([*argv, "--truth", str(truth)]) == 0
    err = capsys.readouterr().err
    assert "wrote 120 jobs" in err and "12 corrupt" in err
    history = smstatus.load(out)
    assert history.n_jobs == 120 and len(history.unparsed) == 0
    expected = simulate(120, seed=4, corrupt_share=0.1)
    assert [json.loads(x) for x in gzip.decompress(out.read_bytes()).splitlines()] == expected
    frame = pd.read_csv(truth)
    assert len(frame) == 120 and frame["corrupt"].sum() == 12


def test_cli_writes_to_standard_output(capsysbinary):
    assert main(["simulate", "-n", "5", "-o", "-"]) == 0
    captured = capsysbinary.readouterr()
    assert [json.loads(x) for x in captured.out.splitlines()] == simulate(5)
    assert b"wrote 5 jobs to standard output" in captured.err


@pytest.mark.parametrize(
    "extra",
    [
        ["--corrupt-share", "2"],
        ["-n", "-4"],
        ["--start", "not-a-date"],
        ["--days", "3", "--end", "2025-02-01"],
        ["--growth", "-2"],
    ],
)
def test_cli_rejects_bad_arguments(tmp_path, capsys, extra):
    assert main(["simulate", "-o", str(tmp_path / "x.jsonl"), *extra]) == 2
    assert capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()


def test_cli_needs_an_output(capsys):
    assert main(["simulate", "-n", "3"]) == 2
    assert "-o" in capsys.readouterr().err
