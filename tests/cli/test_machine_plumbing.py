"""A custom machine rules every measure: library report and the CLI's --machine options.

The job below ends in ``Parked``, a status the default machine does not know (so its last entry
is open, measured up to when the job was observed) and the custom machine makes terminal (so
the entry is closed, zero seconds long).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import smstatus
from smstatus.cli import main
from smstatus.machine import StatusMachine
from smstatus.report.page import build_report

MACHINE = {
    "version": "v1.1+parked",
    "add_statuses": [{"name": "Parked", "primary": "Stopped", "terminal": True}],
    "add_edges": [{"source": "Training", "dest": "Parked", "basis": ["seen"]}],
}


def _describe(name: str, last: str, status: str) -> dict:
    t0 = pd.Timestamp("2025-03-01T10:00:00Z")
    at = [t0 + pd.Timedelta(minutes=m) for m in (0, 5, 65)]
    return {
        "TrainingJobName": name,
        "TrainingJobStatus": status,
        "SecondaryStatus": last,
        "LastModifiedTime": (t0 + pd.Timedelta(hours=3)).isoformat(),
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
        "SecondaryStatusTransitions": [
            {"Status": "Starting", "StartTime": at[0].isoformat(), "EndTime": at[1].isoformat()},
            {"Status": "Training", "StartTime": at[1].isoformat(), "EndTime": at[2].isoformat()},
            {"Status": last, "StartTime": at[2].isoformat()},
        ],
    }


@pytest.fixture
def files(tmp_path):
    data = tmp_path / "jobs.jsonl"
    jobs = [_describe("parked", "Parked", "Stopped"), _describe("done", "Completed", "Completed")]
    data.write_text("".join(json.dumps(j) + "\n" for j in jobs))
    machine = tmp_path / "machine.json"
    machine.write_text(json.dumps(MACHINE))
    return data, machine


def test_build_report_measures_with_the_machine_and_says_up_to_when(files, tmp_path):
    data, machine_file = files
    h = smstatus.load(data)
    plain = build_report(h, tmp_path / "plain")
    page = plain.path.read_text()
    assert "measured up to when its job was observed" in page
    assert "None" not in page and "measured up to –" not in page
    phases = pd.read_csv(plain.frames["phase_table"]).set_index("job_name")
    assert bool(phases.loc["parked", "censored"])  # Parked is unknown: still open

    custom = build_report(h, tmp_path / "custom", machine=StatusMachine.from_json(machine_file))
    phases = pd.read_csv(custom.frames["phase_table"]).set_index("job_name")
    assert not phases["censored"].any()  # Parked is terminal: nothing open
    stats = pd.read_csv(custom.frames["duration_stats"]).set_index("status")
    assert stats.loc["Parked", "max_s"] == 0.0
    assert "v1.1+parked" in custom.path.read_text()

    given = build_report(h, tmp_path / "given", as_of="2025-03-02T00:00:00Z")
    assert "measured up to 2025-03-02 00:00:00 UTC (the as_of given)" in given.path.read_text()


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_stats_takes_the_machine(capsys, files):
    data, machine = files
    code, out, _ = _run(capsys, "stats", data, "--what", "phases", "--format", "csv")
    assert code == 0
    phases = pd.read_csv(pd.io.common.StringIO(out)).set_index("job_name")
    assert bool(phases.loc["parked", "censored"])
    code, out, _ = _run(
        capsys, "stats", data, "--what", "phases", "--format", "csv", "--machine", machine
    )
    assert code == 0
    phases = pd.read_csv(pd.io.common.StringIO(out)).set_index("job_name")
    assert not bool(phases.loc["parked", "censored"])
    code, out, _ = _run(capsys, "stats", data, "--what", "edges", "--machine", machine)
    assert code == 0
    edges = out.splitlines()
    (row,) = [line for line in edges if line.split()[:2] == ["Training", "Parked"]]
    assert "True" in row.split()  # in the custom machine


def test_a_bad_machine_file_exits_2_before_reading(capsys, files, tmp_path):
    data, _ = files
    for command in (["stats"], ["gantt", "-o", tmp_path / "g.png"], ["convert", "-o", "-"]):
        code, _, err = _run(capsys, *command, data, "--machine", tmp_path / "missing.json")
        assert code == 2 and "missing.json: no such machine file" in err


def test_convert_and_gantt_take_the_machine(capsys, files, tmp_path):
    data, machine = files
    # an SDK log that ends in Parked: the machine decides whether the log's job has ended
    log = tmp_path / "job.log"
    log.write_text(
        "2025-03-01 10:00:00 Starting - Starting the training job...\n"
        "2025-03-01 10:05:00 Training - Training image download completed.\n"
        "2025-03-01 11:05:00 Parked - Parked for later\n"
    )
    out = tmp_path / "t.csv"
    assert _run(capsys, "convert", log, "-o", out)[0] == 0
    jobs = pd.read_csv(tmp_path / "t.jobs.csv")
    assert jobs["training_job_status"].tolist() == ["InProgress"]
    assert _run(capsys, "convert", log, "-o", out, "--machine", machine)[0] == 0
    jobs = pd.read_csv(tmp_path / "t.jobs.csv")
    assert jobs["training_job_status"].tolist() == ["Stopped"]

    png = tmp_path / "g.png"
    code, _, err = _run(capsys, "gantt", data, "-o", png)
    assert code == 0 and "open entries hatched up to when each job was observed" in err
    code, _, err = _run(capsys, "gantt", data, "-o", png, "--machine", machine, "--violations")
    assert code == 0 and "hatched" not in err


@pytest.mark.parametrize("command", ["stats", "gantt", "report"])
def test_as_of_help_says_open_entries_run_to_each_jobs_observed_at(capsys, command):
    assert main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "each up to when its job was observed, its observed_at" in text
    assert "latest time in the data" not in text
    assert "--machine FILE" in text
