"""`smstatus stats`, run through `main` without a subprocess."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from smstatus.cli import main
from smstatus.cli.stats import human


def _describe(name: str, statuses: list[tuple[str, int]], *, running: bool = False, **extra):
    t = pd.Timestamp("2025-03-01T10:00:00Z")
    entries = []
    for i, (status, secs) in enumerate(statuses):
        entry = {"Status": status, "StartTime": t.isoformat()}
        t = t + pd.Timedelta(seconds=secs)
        if not (running and i == len(statuses) - 1):
            entry["EndTime"] = t.isoformat()
        entries.append(entry)
    last = statuses[-1][0]
    return {
        "TrainingJobName": name,
        "TrainingJobStatus": "InProgress" if running else "Completed",
        "SecondaryStatus": last,
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
        "SecondaryStatusTransitions": entries,
        **extra,
    }


@pytest.fixture
def inputs(tmp_path, data_dir):
    jobs = [
        _describe(
            "done",
            [
                ("Starting", 120),
                ("Pending", 600),
                ("Downloading", 60),
                ("Training", 3000),
                ("Uploading", 30),
                ("Completed", 0),
            ],
            EnableManagedSpotTraining=True,
            TrainingTimeInSeconds=3810,
            BillableTimeInSeconds=1500,
        ),
        _describe("running", [("Starting", 100), ("Training", 0)], running=True),
    ]
    path = tmp_path / "jobs.jsonl"
    path.write_text("".join(json.dumps(j) + "\n" for j in jobs))
    return [str(path), str(data_dir / "describe" / "desc-xgb-20250516.json")]


@pytest.fixture
def prices(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("instance_type,hourly_price\nml.m5.xlarge,0.25\n")
    return str(path)


def _run(capsys, *argv):
    code = main(["stats", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_summary(capsys, inputs):
    code, out, err = _run(capsys, *inputs)
    assert code == 0, err
    assert out.startswith("3 jobs, 13 entries; as of ")
    assert "(the latest time in the data)" in out
    assert "1 open entries (running jobs)" in out
    for heading in (
        "Time per status",
        "Bottlenecks (excluding Training)",
        "Variants (3 distinct",
        "Edges: ",
    ):
        assert heading in out
    assert "Starting → Pending → Downloading → Training → Uploading → Completed" in out
    assert "10m00s" in out  # the Pending entry, readable
    assert "Cost" not in out


def test_summary_with_prices_by_and_as_of(capsys, inputs, prices):
    code, out, err = _run(
        capsys, *inputs, "--prices", prices, "--by", "spot", "--as-of", "2026-01-01T00:00:00Z"
    )
    assert code == 0
    assert "as of 2026-01-01T00:00:00+00:00 (given)" in out
    assert "Cost: " in out and "2 priced jobs; 1 jobs without a cost" in out
    assert "unknown instance type" in err  # the real example has no ResourceConfig
    assert "spot" in out.split("Time per status")[1].splitlines()[1]


@pytest.mark.parametrize(
    ("what", "column"),
    [
        ("durations", "p50_s"),
        ("phases", "wall_s"),
        ("bottlenecks", "bottleneck_jobs"),
        ("variants", "variant"),
        ("edges", "in_machine"),
        ("km", "km_p50_s"),
    ],
)
def test_what_as_csv(capsys, inputs, what, column):
    code, out, err = _run(capsys, *inputs, "--what", what, "--format", "csv")
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert column in frame.columns and len(frame)


def test_what_phases_as_json(capsys, inputs):
    code, out, _ = _run(capsys, *inputs, "--what", "phases", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    done = next(r for r in rows if r["job_name"] == "done")
    assert done["Pending_s"] == 600.0
    assert done["wall_s"] == 3810.0
    running = next(r for r in rows if r["job_name"] == "running")
    assert running["censored"] is True


def test_what_durations_by_a_time_bucket_as_text(capsys, inputs):
    code, out, _ = _run(capsys, *inputs, "--what", "durations", "--by", "start_month")
    assert code == 0
    assert "start_month" in out.splitlines()[0] and "2025-03" in out and "2025-05" in out


def test_what_cost(capsys, inputs, prices):
    code, out, err = _run(capsys, *inputs, "--what", "cost", "--prices", prices, "--format", "json")
    assert code == 0
    rows = {r["job_name"]: r for r in json.loads(out)}
    assert rows["done"]["cost"] == pytest.approx(1500 * 0.25 / 3600)
    assert rows["done"]["spot_savings"] == pytest.approx(1 - 1500 / 3810)
    assert rows["running"]["billable_basis"] == "wall_s"
    assert "warning:" in err


def test_json_summary_holds_every_table(capsys, inputs, prices):
    code, out, _ = _run(capsys, *inputs, "--format", "json", "--prices", prices)
    assert code == 0
    doc = json.loads(out)
    assert doc["jobs"] == 3 and doc["entries"] == 13
    assert set(doc) >= {"as_of", "durations", "bottlenecks", "variants", "edges", "cost"}
    assert doc["as_of"].startswith("2025-05-16T18:13:37.265")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "csv"], "--format csv prints one table"),
        (["--what", "cost"], "--what cost needs --prices"),
        (["--by", "colour"], "neither a job column nor a time bucket"),
        (["--as-of", "soon"], "--as-of: 'soon' is not a time"),
        (["--prices", "/nonexistent.csv"], "does not exist"),
        (["--top", "-1"], "--top must be 0 or more"),
    ],
)
def test_usage_errors_exit_2(capsys, inputs, argv, message):
    code, _, err = _run(capsys, *inputs, *argv)
    assert code == 2
    assert message in err
    assert err.startswith("smstatus stats: ")


def test_bad_price_file_names_the_line(capsys, inputs, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("instance_type,hourly_price\nml.m5.xlarge,free\n")
    code, _, err = _run(capsys, *inputs, "--prices", str(path))
    assert code == 2 and f"{path}:2" in err and "hourly_price" in err


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (float("nan"), "-"),
        (float("inf"), "inf"),
        (0.0, "0.0s"),
        (9.94, "9.9s"),
        (42.4, "42s"),
        (125, "2m05s"),
        (3725, "1h02m"),
        (90000, "1d01h"),
        (-125, "-2m05s"),
    ],
)
def test_human_durations(seconds, text):
    assert human(seconds) == text


def test_summary_lists_edges_missing_from_the_machine_up_to_top(capsys, tmp_path):
    jobs = [
        _describe("skip", [("Starting", 10), ("Training", 10), ("Completed", 0)]),
        _describe("odd", [("Starting", 10), ("Training", 10), ("Failed", 0)]),
        _describe("odder", [("Starting", 10), ("Completed", 10), ("Training", 0)]),
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(j) + "\n" for j in jobs))
    code, out, _ = _run(capsys, str(path), "--top", "1")
    assert code == 0
    assert "Variants (3 distinct; top 1)" in out
    section = out.split("not in the machine:")[1]
    assert section.splitlines()[2].split() == ["Starting", "Completed", "1", "10s"]
    assert "... and 2 more (--what edges lists all)" in section
    assert "inferred edges seen" in out and "Training  Failed" in out
