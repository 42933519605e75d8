"""The bundled sample: present, small, loadable, interesting, and reproducible as documented."""

from __future__ import annotations

import gzip
import shlex

import pandas as pd
import pytest

import smstatus.sample as sample_module
from smstatus.cli import main
from smstatus.history import JobHistory
from smstatus.machine import default_machine
from smstatus.sample import SAMPLE_ARGS, SAMPLE_COMMAND, load_sample, sample_path, sample_truth


@pytest.fixture(scope="module")
def history() -> JobHistory:
    return load_sample()


def test_the_file_is_bundled_and_small():
    path = sample_path()
    assert path.is_file() and path.name == "sample.jsonl.gz"
    assert path.stat().st_size < 1_000_000
    with path.open("rb") as fh:
        assert fh.read(2) == b"\x1f\x8b"


def test_load_sample_gives_every_job(history):
    assert isinstance(history, JobHistory)
    assert history.n_jobs == SAMPLE_ARGS["n"] == 4000
    assert len(history.unparsed) == 0
    assert set(history.jobs["source"].astype(str)) == {"describe"}
    assert history.jobs["job_name"].is_unique


def test_load_sample_caches_nothing(history):
    again = load_sample()
    assert again is not history and again.jobs is not history.jobs
    pd.testing.assert_frame_equal(again.transitions, history.transitions)
    module_state = [
        name
        for name, value in vars(sample_module).items()
        if not name.startswith("__")
        and isinstance(value, dict | list | set | JobHistory | pd.DataFrame)
    ]
    assert module_state == []


def test_the_sample_is_interesting(history):
    t, jobs = history.transitions, history.jobs
    machine = default_machine()
    current = set(machine.statuses) - set(machine.deprecated)
    assert current <= set(t["status"].astype(str))
    created = jobs["creation_time"]
    assert (created.max() - created.min()) > pd.Timedelta(days=90)  # several months
    # one team's recent months: nothing from before the window, no deprecated statuses
    assert created.min() >= pd.Timestamp(SAMPLE_ARGS["start"], tz="UTC")
    assert not set(machine.deprecated) & set(t["status"].astype(str))
    last = t.groupby("job_name", observed=True).tail(1)
    running = last[last["end_time"].isna()]
    assert len(running) >= 10  # some still running, with an open last entry
    assert jobs["spot"].sum() > 500 and jobs["instance_type"].nunique() >= 15
    assert jobs["warm_pool_status"].notna().sum() > 50
    assert jobs["tuning_job_arn"].notna().sum() > 100


def test_a_few_percent_are_corrupt():
    truth = sample_truth()
    assert len(truth) == 4000
    assert int(truth["corrupt"].sum()) == round(SAMPLE_ARGS["corrupt_share"] * 4000) == 120
    assert 10 <= int(truth["running"].sum()) <= 40


def test_the_documented_command_regenerates_the_file(tmp_path, capsys):
    doc = " ".join(sample_module.__doc__.replace("\\\n", " ").split())
    assert " ".join(["smstatus", *SAMPLE_COMMAND]) in doc
    argv = shlex.split(" ".join(SAMPLE_COMMAND))
    out = tmp_path / "sample.jsonl.gz"
    assert main([*argv, "-o", str(out)]) == 0
    assert "wrote 4000 jobs" in capsys.readouterr().err
    assert gzip.decompress(out.read_bytes()) == gzip.decompress(sample_path().read_bytes())


def test_commands_without_input_use_the_sample(capsys):
    assert main(["validate", "--format", "json"]) in (0, 1)
    assert '"jobs": 4000' in capsys.readouterr().out
