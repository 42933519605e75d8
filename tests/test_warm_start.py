"""``jobs.warm_start``: which jobs started on a kept warm pool, and what it saved them.

The evidence is the job's own history: SageMaker writes "Found matching resource for reuse" on
the Starting entry of a job that found a kept pool. ``WarmPoolStatus`` describes the fate of the
pool a job kept (``ReusedByJob`` names another job), so it never makes a job a warm start.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import smstatus
from smstatus import JobHistory
from smstatus.analysis.hotspots import bottlenecks
from smstatus.analysis.phases import duration_stats, phase_table
from smstatus.history import WARM_START_MESSAGE, warm_starts
from smstatus.io.describe import from_describe
from smstatus.io.table import write_table

CORPUS = Path(__file__).parent / "corpus" / "notebook_histories.jsonl"
RECORDS = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
SDK = {r["id"]: r for r in RECORDS if r["kind"] == "sdk_log"}

T0 = pd.Timestamp("2024-07-22T16:30:00Z")


def _entries(*spec: tuple[str, int, str | None]) -> list[dict[str, Any]]:
    """Describe entries from ``(status, start minute, message)``; each ends where the next
    starts, the last is a zero-length terminal entry."""
    out = []
    for i, (status, minute, message) in enumerate(spec):
        start = T0 + pd.Timedelta(minutes=minute)
        end = T0 + pd.Timedelta(minutes=spec[i + 1][1]) if i + 1 < len(spec) else start
        entry: dict[str, Any] = {"Status": status, "StartTime": start.isoformat(), "EndTime": end}
        entry["EndTime"] = end.isoformat()
        if message is not None:
            entry["StatusMessage"] = message
        out.append(entry)
    return out


def _job(name: str, entries: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "TrainingJobStatus": "Completed" if entries else "InProgress",
        "CreationTime": T0.isoformat(),
        "SecondaryStatusTransitions": entries,
        **extra,
    }


WARM = _entries(
    ("Starting", 0, WARM_START_MESSAGE),
    ("Downloading", 1, "Downloading input data"),
    ("Training", 2, "Training image download completed. Training in progress."),
    ("Uploading", 30, "Uploading generated training model"),
    ("Completed", 31, "Resource retained for reuse"),
)
COLD = _entries(
    ("Starting", 0, "Preparing the instances for training"),
    ("Downloading", 5, "Downloading input data"),
    ("Training", 7, "Training image download completed. Training in progress."),
    ("Uploading", 30, "Uploading generated training model"),
    ("Completed", 31, "Resource reused by training job: warm"),  # a donor, not a reuser
)

RULES = [
    ("warm", WARM, True),
    ("cold-donor", COLD, False),
    # a second Starting line after the reuse one keeps the evidence (a poll caught both)
    (
        "warm-two-polls",
        _entries(
            ("Starting", 0, "Starting the training job"),
            ("Starting", 1, WARM_START_MESSAGE),
            ("Training", 2, None),
            ("Completed", 3, "Training job completed"),
        ),
        True,
    ),
    ("empty", [], None),  # no history to tell
    (
        "tail-only",  # begins after Starting: where the evidence would be is missing
        _entries(("Uploading", 0, "Uploading generated training model"), ("Completed", 1, None)),
        None,
    ),
    (
        "starting-without-message",
        _entries(("Starting", 0, None), ("Training", 1, None), ("Completed", 2, None)),
        None,
    ),
    (
        "starting-empty-message",
        _entries(("Starting", 0, ""), ("Training", 1, None), ("Completed", 2, None)),
        None,
    ),
]


@pytest.fixture(scope="module")
def rules_history() -> JobHistory:
    return from_describe([_job(name, entries) for name, entries, _ in RULES])


def test_warm_start_follows_the_rule(rules_history):
    got = rules_history.jobs.set_index(rules_history.jobs["job_name"].astype(object))
    for name, _, expected in RULES:
        value = got.loc[name, "warm_start"]
        assert pd.isna(value) if expected is None else bool(value) == expected, name
    assert rules_history.jobs["warm_start"].dtype == "boolean"


def test_warm_pool_status_never_makes_a_warm_start():
    # a donor whose pool was reused and a running job whose own pool is in use: both cold
    donor = _job(
        "donor",
        COLD,
        WarmPoolStatus={
            "Status": "Reused",
            "ReusedByJob": "warm",
            "ResourceRetainedBillableTimeInSeconds": 60,
        },
    )
    running = _job("running", COLD[:3], WarmPoolStatus={"Status": "InUse"})
    running["TrainingJobStatus"] = "InProgress"
    h = from_describe([donor, running])
    assert h.jobs["warm_start"].tolist() == [False, False]
    assert h.jobs["warm_pool_status"].astype(str).tolist() == ["Reused", "InUse"]


def test_a_subset_gives_the_same_answer_as_the_whole(rules_history):
    names = ["warm", "empty", "cold-donor"]
    part = rules_history.select(names)
    whole = rules_history.jobs.set_index(rules_history.jobs["job_name"].astype(object))
    order = part.jobs["job_name"].astype(object).tolist()
    assert sorted(order) == sorted(names)
    assert part.jobs["warm_start"].tolist() == whole.loc[order, "warm_start"].tolist()


def test_warm_starts_of_frames_built_by_hand():
    # the helper on plain object columns (no categoricals) and a name listed twice
    transitions = pd.DataFrame(
        {
            "job_name": ["a", "b", "a"],
            "status": ["Starting", "Starting", "Training"],
            "status_message": ["x", "Starting the training job", WARM_START_MESSAGE],
        }
    )
    got = warm_starts(pd.Series(["a", "b", "c", "a"]), transitions)
    assert got.tolist() == [True, False, pd.NA, True]


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_tables_carry_the_column_and_derive_it_when_absent(tmp_path, rules_history, suffix):
    # a value the messages would not give survives the round trip: the column is carried
    jobs = rules_history.jobs.copy()
    jobs.loc[jobs["job_name"] == "starting-without-message", "warm_start"] = True
    given = JobHistory(
        jobs,
        rules_history.transitions.assign(
            job_name=rules_history.transitions["job_name"].astype(object)
        ),
    )
    path = tmp_path / f"t.{suffix}"
    write_table(given, path, jobs_path=tmp_path / f"t.jobs.{suffix}")
    back = smstatus.load(path)
    assert back.jobs["warm_start"].tolist() == given.jobs["warm_start"].tolist()
    # a jobs table without the column: derived from the messages
    bare = tmp_path / f"bare.{suffix}"
    write_table(rules_history, bare, jobs_path=tmp_path / f"bare.jobs.{suffix}")
    jobs_path = tmp_path / f"bare.jobs.{suffix}"
    if suffix == "csv":
        pd.read_csv(jobs_path).drop(columns="warm_start").to_csv(jobs_path, index=False)
    else:
        pd.read_parquet(jobs_path).drop(columns="warm_start").to_parquet(jobs_path)
    derived = smstatus.load(bare)
    assert derived.jobs["warm_start"].tolist() == rules_history.jobs["warm_start"].tolist()


def _load_log(record: dict[str, Any], tmp_path: Path) -> JobHistory:
    path = tmp_path / f"{record['id']}.log"
    path.write_text(record["raw"], encoding="utf-8")
    return smstatus.load(path)


@pytest.mark.parametrize(
    ("record_id", "expected"),
    [
        ("sdk-idea2prod-20240628192704", True),  # Starting - Found matching resource for reuse
        ("sdk-idea2prod-20240722163157", True),  # the reuse line after "Starting the training job"
        ("sdk-idea2prod-20230114195521", True),  # a reuser that was then a donor too
        ("sdk-idea2prod-20220921141445", False),  # a donor only: "Resource reused by ..."
        ("sdk-smex-20221209222356", False),  # kept its pool ("Resource retained for reuse")
        ("sdk-idea2prod-20240722163126", True),  # reused, then did not keep its own pool
    ],
)
def test_real_sdk_logs(record_id, expected, tmp_path):
    h = _load_log(SDK[record_id], tmp_path)
    assert h.jobs["warm_start"].tolist() == [expected]


def test_every_real_history_agrees_with_its_printed_lines(tmp_path):
    n_warm = 0
    for record in SDK.values():
        printed = record["transitions"]
        said = [t.get("message") for t in printed]
        if WARM_START_MESSAGE in said:
            expected: Any = True
        elif any(t["Status"] == "Starting" and t.get("message") for t in printed):
            expected = False
        else:
            expected = pd.NA
        got = _load_log(record, tmp_path).jobs["warm_start"].tolist()
        assert got == [expected], record["id"]
        n_warm += expected is True
    # not vacuous: every log that prints the reuse line is one (16 in the collection)
    assert n_warm == sum(WARM_START_MESSAGE in r["raw"] for r in SDK.values()) > 10


def test_the_simulator_s_warm_starts_are_found():
    from smstatus.simulation.simulator import simulate_with_truth

    sim = simulate_with_truth(600, seed=3, start="2025-01-06", days=20)
    h = from_describe(sim.responses)
    truth = sim.truth.set_index("job_name")["warm_pool_reused"]
    got = h.jobs.set_index(h.jobs["job_name"].astype(object))["warm_start"]
    assert truth.sum() > 5
    assert got.reindex(truth.index).astype(bool).tolist() == truth.tolist()


def test_phase_table_and_groupings_answer_what_warm_pools_save(rules_history):
    h = from_describe([_job("warm", WARM), _job("warm2", WARM), _job("cold", COLD)])
    phases = phase_table(h)
    assert phases["warm_start"].tolist() == [True, True, False]
    assert phases["to_first_training_s"].tolist() == [120.0, 120.0, 420.0]
    stats = duration_stats(h, by="warm_start")
    starting = stats[stats["status"] == "Starting"].set_index("warm_start")["p50_s"]
    assert starting[True] == 60.0 and starting[False] == 300.0
    shares = bottlenecks(h, by="warm_start").shares
    start_share = shares[shares["status"] == "Starting"].set_index("warm_start")["share"]
    assert start_share[True] < start_share[False]


def test_the_report_table_counts_waiting_and_untrained_jobs_apart():
    from smstatus.report.page import _warm_start_table

    stopped = _entries(
        ("Starting", 0, WARM_START_MESSAGE), ("Stopping", 1, None), ("Stopped", 2, None)
    )
    waiting = _entries(("Starting", 0, "Preparing the instances for training"))[:1]
    del waiting[0]["EndTime"]
    running = _job("waiting", waiting, ObservedAt=(T0 + pd.Timedelta(minutes=9)).isoformat())
    h = from_describe(
        [
            _job("warm", WARM),
            _job("stopped", stopped),
            _job("cold", COLD),
            running,
            _job("none", []),
        ]
    )
    table = _warm_start_table(phase_table(h)).set_index("start")
    assert table["jobs"].to_dict() == {"warm start": 2, "cold start": 2, "unknown": 1}
    assert table["reached_training"].to_dict() == {"warm start": 1, "cold start": 1, "unknown": 0}
    assert table["before_training"].to_dict() == {"warm start": 0, "cold start": 1, "unknown": 0}
    assert table["never_trained"].to_dict() == {"warm start": 1, "cold start": 0, "unknown": 0}
    assert table.loc["warm start", "median_to_first_training_s"] == 120.0
    assert table.loc["cold start", "median_to_first_training_s"] == 420.0
    # the job still waiting (9 min so far) keeps half the cold starts above 420 s: no p90 yet
    assert table.loc["cold start", "p90_to_first_training_s"] == float("inf")
