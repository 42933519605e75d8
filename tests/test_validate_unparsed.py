"""`unparsed_record`: an input record that could not be loaded is an error of the validation."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import smstatus
from smstatus.errors import ValidationError
from smstatus.validate import validate

XGB = "describe/desc-xgb-20250516.json"


@pytest.fixture
def mixed(tmp_path, data_dir):
    """A real describe response on line 1, a malformed line 2, a record without a name on 3."""
    doc = json.loads((data_dir / XGB).read_text())
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(doc) + "\n{not json\n" + json.dumps({"Nothing": 1}) + "\n")
    return path


def test_each_reject_is_an_error_naming_file_line_and_reason(mixed):
    history = smstatus.load(mixed, errors="collect")
    bad = history.unparsed
    assert len(bad) >= 1 and history.n_jobs == 1
    report = validate(history)
    assert not report.ok
    rejects = report.violations[report.violations["code"] == "unparsed_record"]
    assert len(rejects) == len(bad)
    assert (rejects["severity"] == "error").all()
    assert rejects["job_name"].isna().all() and rejects["step"].isna().all()
    for message, row in zip(rejects["message"], bad.itertuples(index=False), strict=True):
        assert f"{row.file}:{row.line}" in message and row.reason in message
    assert report.by_code() == {"unparsed_record": len(bad)}
    assert report.n_errors == len(bad)
    # the job that was read is still valid: the reject names no job
    assert report.n_valid == 1
    summary = report.summary()
    assert summary.loc[summary["code"] == "unparsed_record", "violations"].item() == len(bad)
    with pytest.raises(ValidationError, match="could not be loaded"):
        report.raise_if_invalid()


def test_the_json_summary_says_not_ok(mixed):
    doc = validate(smstatus.load(mixed, errors="collect")).to_dict()
    text = json.dumps(doc)  # JSON-ready: no pandas NA left
    assert json.loads(text)["ok"] is False
    assert doc["by_code"]["unparsed_record"] >= 1
    assert {v["code"] for v in doc["violations"]} == {"unparsed_record"}
    assert all(v["job_name"] is None and v["step"] is None for v in doc["violations"])


def test_rejects_come_after_the_other_violations_in_their_order(data_dir):
    doc = json.loads((data_dir / XGB).read_text())
    doc["SecondaryStatusTransitions"] = doc["SecondaryStatusTransitions"][:4]  # not_terminal
    history = smstatus.load([doc])
    history.unparsed = pd.DataFrame(
        {
            "file": pd.array(["b.jsonl", "a.jsonl"], dtype="string"),
            "line": pd.array([9, pd.NA], dtype="Int64"),
            "field": pd.array(["StartTime", pd.NA], dtype="string"),
            "reason": pd.array(["not a timestamp", "truncated gzip"], dtype="string"),
        }
    )
    v = validate(history).violations
    assert v["code"].astype(str).tolist() == ["not_terminal", "unparsed_record", "unparsed_record"]
    assert v["message"].iloc[1] == (
        "The record at b.jsonl:9 could not be loaded (field StartTime): not a timestamp"
    )
    assert v["message"].iloc[2] == "The record at a.jsonl could not be loaded: truncated gzip"


def test_a_reject_that_names_its_job_makes_that_job_invalid(data_dir):
    doc = json.loads((data_dir / XGB).read_text())
    other = {**doc, "TrainingJobName": "other"}
    history = smstatus.load([doc, other])
    history.unparsed = pd.DataFrame(
        {
            "file": ["x.jsonl"],
            "line": pd.array([3], dtype="Int64"),
            "field": ["EndTime"],
            "reason": ["not a timestamp"],
            "job_name": ["other"],
        }
    )
    report = validate(history)
    assert report.valid_jobs.tolist() == [doc["TrainingJobName"]]
    (row,) = report.violations.itertuples(index=False)
    assert row.job_name == "other" and row.code == "unparsed_record"
    assert row.message.startswith("Job other: the record at x.jsonl:3 could not be loaded")


def test_a_clean_history_has_no_reject(data_dir):
    report = validate(smstatus.load(data_dir / XGB))
    assert "unparsed_record" not in report.by_code()
