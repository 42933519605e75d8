"""The terminal, initial and deprecated statuses come from the machine in use, everywhere."""

from __future__ import annotations

import json

import pytest

import smstatus
from _histories import at, chain
from smstatus import JobHistory, StatusMachine
from smstatus.analysis.cost import job_costs
from smstatus.analysis.hotspots import bottlenecks, variants
from smstatus.analysis.phases import duration_stats, durations, phase_table
from smstatus.io.sdklog import parse_sdk_log


@pytest.fixture
def machine(tmp_path) -> StatusMachine:
    """The default machine plus a terminal status ``Archived`` (primary Completed)."""
    path = tmp_path / "machine.json"
    path.write_text(
        json.dumps(
            {
                "version": "v1+archive",
                "add_statuses": [{"name": "Archived", "primary": "Completed", "terminal": True}],
                "add_edges": [{"source": "Uploading", "dest": "Archived", "basis": ["seen"]}],
            }
        )
    )
    return StatusMachine.from_json(path)


def _archived() -> JobHistory:
    return chain(
        "a",
        [("Starting", 60), ("Training", 100), ("Uploading", 40), ("Archived", 0)],
        open_last=True,
        observed_at=at(200 + 4 * 86_400),  # looked at four days later
    )


def test_the_machine_knows_its_vocabulary(machine):
    assert machine.is_terminal("Archived") and "Archived" in machine.terminal
    assert machine.initial == "Starting"
    assert machine.is_deprecated("LaunchingMLInstances") and not machine.is_deprecated("Archived")
    assert machine.primary_of("Archived") == "Completed"


def test_a_terminal_status_of_the_machine_ends_the_job(machine):
    h = _archived()
    report = smstatus.validate(h, machine=machine)
    assert not (report.violations["severity"] == "error").any()  # a legal, finished history
    default = durations(h)
    assert default["censored"].tolist()[-1]  # the default machine does not know it ends
    assert default["duration_s"].tolist()[-1] == 4 * 86_400.0
    d = durations(h, machine=machine)
    assert d["duration_s"].tolist() == [60.0, 100.0, 40.0, 0.0]
    assert not d["censored"].any()
    p = phase_table(h, machine=machine)
    assert p.loc[0, "wall_s"] == 200.0 and not p.loc[0, "censored"]
    s = duration_stats(h, machine=machine)
    assert s["censored"].sum() == 0 and s["max_s"].max() == 100.0
    b = bottlenecks(h, machine=machine, exclude=())
    assert b.per_job.loc[0, "bottleneck"] == "Training"
    assert variants(h, machine=machine).loc[0, "median_wall_s"] == 200.0
    prices = {"ml.m5.xlarge": 3.6}
    typed = JobHistory(h.jobs.assign(instance_type="ml.m5.xlarge", instance_count=1), h.transitions)
    assert job_costs(typed, prices, machine=machine).loc[0, "billable_s"] == 200.0


def test_the_sdk_log_reader_uses_the_machines_terminal_statuses(machine, tmp_path):
    lines = [
        "2024-03-08 08:00:00 Starting - Starting the training job...",
        "2024-03-08 08:01:00 Training - Training in progress...",
        "2024-03-08 08:05:00 Uploading - Uploading generated training model",
        "2024-03-08 08:06:00 Archived - Archived",
    ]
    default = parse_sdk_log(lines, name="j")
    assert default.jobs["training_job_status"].tolist() == ["InProgress"]
    assert default.transitions["end_time"].isna().tolist()[-1]
    h = parse_sdk_log(lines, name="j", machine=machine)
    assert h.jobs["training_job_status"].tolist() == ["Completed"]
    assert h.transitions["end_time"].iloc[-1] == h.transitions["start_time"].iloc[-1]
    path = tmp_path / "j.log"
    path.write_text("\n".join(lines) + "\n")
    loaded = smstatus.load(path, machine=machine)
    assert loaded.jobs["training_job_status"].tolist() == ["Completed"]
    assert not durations(loaded, machine=machine)["censored"].any()
