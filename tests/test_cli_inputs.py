"""What a command reads: options never eat the inputs, the bundled sample is announced, and the
jobs table travels with the transitions table through `convert`."""

from __future__ import annotations

import copy
import io
import json

import pandas as pd
import pytest

from smstatus.cli import main

XGB = "describe/desc-xgb-20250516.json"
SAMPLE_NOTE = "no input given: using the bundled sample"


@pytest.fixture
def two_types(tmp_path, data_dir):
    """Two real responses, on two instance types, spot and on-demand."""
    doc = json.loads((data_dir / XGB).read_text())
    doc["ResourceConfig"] = {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}
    doc["EnableManagedSpotTraining"] = False
    other = copy.deepcopy(doc)
    other["TrainingJobName"] = "other"
    other["ResourceConfig"]["InstanceType"] = "ml.g5.xlarge"
    other["EnableManagedSpotTraining"] = True
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps(doc) + "\n" + json.dumps(other) + "\n")
    return path, ["ml.g5.xlarge", "ml.m5.xlarge"]


@pytest.fixture
def truncated(tmp_path, data_dir):
    """A response whose history stops at Uploading while the job says Completed."""
    doc = json.loads((data_dir / XGB).read_text())
    doc["TrainingJobName"] = "truncated"
    doc["SecondaryStatusTransitions"] = doc["SecondaryStatusTransitions"][:4]
    path = tmp_path / "truncated.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    return path


# -- --by never takes the inputs ----------------------------------------------------------------


@pytest.mark.parametrize("what", ["durations", "bottlenecks"], ids=lambda w: f"--what {w}")
def test_by_before_the_input_groups_that_input(capsys, two_types, what):
    path, types = two_types
    code = main(["stats", "--by", "instance_type", str(path), "--what", what, "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert SAMPLE_NOTE not in err
    frame = pd.read_csv(io.StringIO(out))
    assert sorted(frame["instance_type"].unique()) == types


def test_by_takes_commas_and_repeats(capsys, two_types):
    path, _ = two_types
    argv = ["stats", "--by", "instance_type,spot", "--by", "training_job_status", str(path)]
    assert main([*argv, "--what", "durations", "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(frame.columns[:3]) == ["instance_type", "spot", "training_job_status"]
    assert frame["spot"].nunique() == 2


def test_the_summary_with_by_before_the_input(capsys, two_types):
    path, _ = two_types
    assert main(["stats", "--by", "instance_type", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("2 jobs, ") and SAMPLE_NOTE not in err


# -- the bundled sample is announced ------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["validate"],
        ["stats", "--what", "edges"],
        ["stats", "--by", "instance_type", "--what", "durations"],
        ["convert", "-o", "{tmp}/sample.parquet"],
    ],
    ids=" ".join,
)
def test_falling_back_to_the_sample_is_said_on_stderr(capsys, tmp_path, argv):
    main([a.format(tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert f"smstatus {argv[0]}: {SAMPLE_NOTE} (4,000 simulated jobs)" in err


def test_given_inputs_say_nothing_of_the_sample(capsys, two_types):
    assert main(["validate", str(two_types[0])]) == 0
    assert SAMPLE_NOTE not in capsys.readouterr().err


# -- the jobs table goes with the transitions ---------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_convert_writes_the_jobs_table_beside_and_validate_keeps_job_checks(
    capsys, tmp_path, truncated, suffix
):
    out = tmp_path / f"t{suffix}"
    assert main(["convert", str(truncated), "-o", str(out)]) == 0
    jobs = tmp_path / f"t.jobs{suffix}"
    assert jobs.is_file()
    assert f"the jobs table to {jobs}" in capsys.readouterr().err
    assert main(["validate", str(out), "--format", "json"]) == 1
    out_text, err = capsys.readouterr()
    assert json.loads(out_text)["by_code"] == {"not_terminal": 1}
    assert "job-level checks" not in err


def test_a_table_without_its_jobs_table_says_job_checks_are_skipped(capsys, tmp_path, truncated):
    out = tmp_path / "t.csv"
    assert main(["convert", str(truncated), "-o", str(out)]) == 0
    (tmp_path / "t.jobs.csv").unlink()
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0  # nothing left to find: said on stderr
    err = capsys.readouterr().err
    assert "1 job(s) come from a table without its jobs table" in err
    assert "t.csv has no t.jobs.csv beside it" in err
    assert "job-level checks (not_terminal, status_mismatch) are skipped" in err


def test_jobs_out_still_chooses_the_place(capsys, tmp_path, truncated):
    out, jobs = tmp_path / "t.csv", tmp_path / "elsewhere.parquet"
    assert main(["convert", str(truncated), "-o", str(out), "--jobs-out", str(jobs)]) == 0
    assert jobs.is_file() and not (tmp_path / "t.jobs.csv").exists()


def test_convert_to_stdout_says_the_jobs_table_is_left_out(capsysbinary, truncated):
    assert main(["convert", str(truncated), "-o", "-"]) == 0
    out, err = capsysbinary.readouterr()
    assert out.startswith(b'"job_name"')
    assert b"the jobs table is not written with '-o -'" in err


# -- time spans ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("7d", pd.Timedelta(days=7)),
        ("7D", pd.Timedelta(days=7)),
        ("2w", pd.Timedelta(weeks=2)),
        ("12H", pd.Timedelta(hours=12)),
        ("30min", pd.Timedelta(minutes=30)),
        ("1h30m", pd.Timedelta(minutes=90)),
        ("1S", pd.Timedelta(seconds=1)),
        ("500ms", pd.Timedelta(milliseconds=500)),
        ("3 days", pd.Timedelta(days=3)),
    ],
)
def test_parse_span_reads_any_case_without_deprecated_aliases(text, want):
    import warnings

    from smstatus.cli._common import parse_span

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_span(text) == want


@pytest.mark.parametrize("text", ["", "soon", "3M", "7x", "1e400d", "NaT"])
def test_parse_span_refuses(text):
    from smstatus.cli._common import parse_span

    with pytest.raises(ValueError, match="is not a time span"):
        parse_span(text)
