"""The simulator follows what published histories show (see tests/corpus).

- every failure after training passes through Uploading (none goes Training -> Failed);
- a capacity failure can end a job in Pending, with AWS's message and a CapacityError;
- warm pools show as AWS prints them: "Found matching resource for reuse" on the reusing job,
  the fate of the kept instances on the terminal entry of the job that kept them, in step with
  its ``WarmPoolStatus``;
- messages sit under the statuses AWS printed them under in each year;
- capacity waits move over time (incidents, a scarce type, a tightening spot market);
- jobs from before 2018 only when asked for or inside the window.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import smstatus
from smstatus.machine import default_machine
from smstatus.simulate import MESSAGES, simulate, simulate_with_truth

MACHINE = default_machine()
DEPRECATED = set(MACHINE.deprecated)
CORPUS = Path(__file__).parent / "corpus" / "notebook_histories.jsonl"
POOL_FATES = {
    MESSAGES["retained"],
    MESSAGES["released"],
    MESSAGES["expired"],
    MESSAGES["not_retained"],
}


@pytest.fixture(scope="module")
def years():
    """2,500 clean jobs over three years, across the dates where messages moved."""
    return simulate_with_truth(2500, seed=5, start="2022-10-01", days=3 * 365)


@pytest.fixture(scope="module")
def recent():
    """3,000 clean jobs over four recent months."""
    return simulate_with_truth(3000, seed=3, start="2025-01-06", days=120)


def _statuses(response) -> list[str]:
    return [e["Status"] for e in response["SecondaryStatusTransitions"]]


def _corpus_edges() -> set[tuple[str, str]]:
    edges = set()
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        statuses = [t["Status"] for t in json.loads(line)["transitions"]]
        edges |= {(a, b) for a, b in itertools.pairwise(statuses) if a != b}
    return edges


@pytest.mark.parametrize("fleet", ["years", "recent"])
def test_clean_edges_are_legal_and_failures_upload_first(fleet, request):
    sim = request.getfixturevalue(fleet)
    before_failed = Counter()
    for r in sim.responses:
        statuses = _statuses(r)
        for a, b in itertools.pairwise(statuses):
            assert MACHINE.is_legal(a, b), (r["TrainingJobName"], a, b)
        if statuses[-1] == "Failed":
            before_failed[statuses[-2]] += 1
    assert before_failed["Training"] == 0
    assert before_failed["Uploading"] > before_failed["Downloading"] > 0
    assert before_failed["Pending"] > 0


def test_the_paths_reality_shows_are_the_simulators_and_rest_on_evidence(recent):
    used = Counter()
    for r in recent.responses:
        used.update((a, b) for a, b in itertools.pairwise(_statuses(r)))
    seen_in_corpus = _corpus_edges()
    # every edge published histories show is one the simulator takes...
    assert {e for e in seen_in_corpus if MACHINE.is_legal(*e) and e not in used} == set()
    # ...its edges rest on more than inference...
    inferred = sum(n for (a, b), n in used.items() if MACHINE.edge(a, b).inferred_only)
    assert inferred < 0.03 * sum(used.values())
    # ...and where reality shows the way, it takes it
    assert used[("Pending", "Downloading")] > 4 * (
        used[("Pending", "Starting")] + used[("Pending", "Training")]
    )
    assert used[("Training", "Failed")] == 0 and used[("Uploading", "Failed")] > 0


def test_pending_failures_carry_a_capacity_error(recent):
    n = 0
    for r in recent.responses:
        entries = r["SecondaryStatusTransitions"]
        statuses = _statuses(r)
        if statuses[-2:] == ["Pending", "Failed"]:
            n += 1
            assert entries[-2]["StatusMessage"] == MESSAGES["capacity_failed"]
            assert r["FailureReason"].startswith("CapacityError: ")
        for e, nxt in itertools.pairwise(entries):
            if e["StatusMessage"] == MESSAGES["capacity_failed"]:
                assert e["Status"] == "Pending" and nxt["Status"] == "Failed"
    assert n >= 10
    # the Starting -> Failed path of a capacity failure is gone once Pending exists
    starting_capacity = [
        r
        for r in recent.responses
        if _statuses(r)[-2:] == ["Starting", "Failed"] and "CapacityError" in r["FailureReason"]
    ]
    assert starting_capacity == []


def test_warm_pool_messages_are_where_aws_prints_them(recent):
    by_name = {r["TrainingJobName"]: r for r in recent.responses}
    truth = recent.truth.set_index("job_name")
    fates = Counter()
    for r in recent.responses:
        name, entries = r["TrainingJobName"], r["SecondaryStatusTransitions"]
        reuse = [i for i, e in enumerate(entries) if e["StatusMessage"] == MESSAGES["reuse"]]
        assert reuse == ([0] if truth.loc[name, "warm_pool_reused"] else []), name
        last = entries[-1]["StatusMessage"]
        middle = [e["StatusMessage"] for e in entries[:-1]]
        assert not POOL_FATES & set(middle) and not any(m.startswith("Resource") for m in middle)
        pool = r.get("WarmPoolStatus")
        if pool is None:
            assert last not in POOL_FATES and not last.startswith("Resource reused"), name
            continue
        assert "KeepAlivePeriodInSeconds" in r["ResourceConfig"], name
        status = pool["Status"]
        kept = pool.get("ResourceRetainedBillableTimeInSeconds")
        keep_alive = r["ResourceConfig"]["KeepAlivePeriodInSeconds"]
        if status == "InUse":
            assert "EndTime" not in entries[-1], name
        elif status == "Available":
            assert last == MESSAGES["retained"], name
        elif status == "Reused":
            assert last == f"Resource reused by training job: {pool['ReusedByJob']}", name
            assert truth.loc[pool["ReusedByJob"], "warm_pool_reused"]
            assert (
                by_name[pool["ReusedByJob"]]["SecondaryStatusTransitions"][0]["StatusMessage"]
                == MESSAGES["reuse"]
            )
        elif last == MESSAGES["expired"]:
            assert status == "Terminated" and abs(kept - keep_alive) <= 1, name
        elif last == MESSAGES["released"]:
            assert status == "Terminated" and 0 <= kept < keep_alive, name
        elif last == MESSAGES["not_retained"]:
            assert status == "Terminated" and kept == 0 and r["SecondaryStatus"] == "Completed"
        else:  # stopped or failed without keeping the pool
            assert status == "Terminated" and kept == 0, name
            assert r["SecondaryStatus"] != "Completed", name
        fates[status if status in ("InUse", "Available", "Reused") else last] += 1
    for fate in ("Reused", MESSAGES["expired"], MESSAGES["released"], MESSAGES["not_retained"]):
        assert fates[fate] > 0, fate


def _placed(responses, message: str) -> pd.DataFrame:
    rows = [
        (pd.Timestamp(r["CreationTime"]).tz_convert("UTC"), e["Status"])
        for r in responses
        for e in r["SecondaryStatusTransitions"]
        if e["StatusMessage"] == message
    ]
    return pd.DataFrame(rows, columns=["created", "status"])


def test_messages_moved_between_statuses_over_the_years(years):
    image = _placed(years.responses, MESSAGES["image"])
    moved = pd.Timestamp("2023-10-01", tz="UTC")
    # a closed Training entry says "Training image download completed..."; before the move
    # only an open one (seconds old) says "Downloading the training image"
    assert set(image.loc[image["created"] < moved, "status"]) <= {"Training"}
    assert set(image.loc[image["created"] >= moved, "status"]) == {"Downloading"}
    preparing = _placed(years.responses, MESSAGES["preparing"])
    in_pending = preparing.loc[preparing["status"] == "Pending", "created"]
    assert len(in_pending) > 20 and in_pending.min() >= pd.Timestamp("2024-01-01", tz="UTC")
    waiting = _placed(years.responses, MESSAGES["waiting"])
    closed_before = waiting[waiting["created"] < pd.Timestamp("2024-01-01", tz="UTC")]
    assert set(closed_before["status"]) == {"Pending"} and len(closed_before) > 10


@pytest.mark.parametrize(
    ("created", "status"), [("2023-06-01", "Training"), ("2024-06-01", "Downloading")]
)
def test_a_fresh_job_downloading_its_image_says_so_under_the_status_of_its_year(created, status):
    end = pd.Timestamp(created, tz="UTC") + pd.Timedelta(hours=2)
    found = Counter()
    for seed in range(6):
        for r in simulate(400, seed=seed, start=created, end=end):
            last = r["SecondaryStatusTransitions"][-1]
            if "EndTime" not in last and last["StatusMessage"] == MESSAGES["image"]:
                found[last["Status"]] += 1
    assert set(found) == {status}


def _waits(sim) -> pd.DataFrame:
    h = smstatus.load(sim.responses)
    t = h.transitions
    t = t[t["status"].isin(["Starting", "Pending"])]
    seconds = (t["end_time"] - t["start_time"]).dt.total_seconds()
    per_job = seconds.groupby(t["job_name"], observed=True).sum().rename("wait_s")
    jobs = h.jobs.set_index("job_name")[["creation_time", "instance_type", "spot"]]
    truth = sim.truth.set_index("job_name")[["capacity_incident", "warm_pool_reused"]]
    return jobs.join(truth).join(per_job).dropna(subset=["wait_s"])


def test_capacity_waits_move_over_time(recent):
    w = _waits(recent)
    gpu = w[w["instance_type"].str.match(r"ml\.(g|p|trn)")]
    hit = gpu[gpu["capacity_incident"]]
    calm = gpu[~gpu["capacity_incident"] & ~gpu["spot"]]
    assert len(hit) >= 20
    assert hit["wait_s"].median() > 2 * calm["wait_s"].median()  # incidents stand out
    half = recent.truth.shape[0] // 2
    early, late = w.iloc[:half], w.iloc[half:]
    for frame in (w[w["spot"]], w[w["instance_type"] == "ml.p5.48xlarge"]):
        first = frame.loc[frame.index.isin(early.index), "wait_s"].mean()
        second = frame.loc[frame.index.isin(late.index), "wait_s"].mean()
        assert second > 1.3 * first  # the spot market and the scarce type tighten


def test_legacy_jobs_only_when_asked_or_inside_the_window():
    truth = simulate_with_truth(300, seed=2, start="2025-03-01", days=1).truth
    assert not truth["legacy"].any()
    created = pd.to_datetime(
        [r["CreationTime"] for r in simulate(300, seed=2, start="2025-03-01", days=1)], utc=True
    )
    assert created.min() >= pd.Timestamp("2025-03-01", tz="UTC")
    asked = simulate_with_truth(300, seed=2, start="2025-03-01", days=1, legacy_share=0.1).truth
    assert 10 < asked["legacy"].sum() < 60
    inside = simulate_with_truth(100, seed=2, start="2017-12-01", days=20).truth
    assert inside["legacy"].all()


def test_the_cli_asks_for_legacy_jobs(tmp_path):
    from smstatus.cli import main

    out = tmp_path / "f.jsonl"
    args = ["simulate", "-n", "200", "--start", "2025-03-01", "--days", "1", "-o", str(out)]
    assert main([*args, "--legacy-share", "0.2"]) == 0
    statuses = {s for line in out.read_text().splitlines() for s in _statuses(json.loads(line))}
    assert statuses >= DEPRECATED
    assert main(args) == 0
    statuses = {s for line in out.read_text().splitlines() for s in _statuses(json.loads(line))}
    assert not DEPRECATED & statuses


def test_pressure_is_deterministic_and_legacy_jobs_feel_none():
    a = simulate_with_truth(400, seed=9, start="2017-12-01", days=40)
    b = simulate_with_truth(400, seed=9, start="2017-12-01", days=40)
    assert a.responses == b.responses
    assert not a.truth.loc[a.truth["legacy"], "capacity_incident"].any()
    assert np.isfinite(_waits(a)["wait_s"]).all()
