"""Bad input: raised with file, line and field, or collected in ``unparsed``; nothing dropped."""

from __future__ import annotations

import gzip
import io
import json
import sys

import pandas as pd
import pytest

import smstatus
from smstatus.errors import InputNotFoundError, ParseError, SmStatusError

GOOD = {
    "TrainingJobName": "good",
    "SecondaryStatusTransitions": [{"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"}],
}


def named(name, **entry):
    base = {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"}
    base.update(entry)
    return {
        "TrainingJobName": name,
        "SecondaryStatusTransitions": [{k: v for k, v in base.items() if v is not None}],
    }


# (bad record as a JSON line, field, words of the reason)
CASES = {
    "malformed": ('{"TrainingJobName": "x", ', None, "malformed JSON line"),
    "no_status": (json.dumps(named("x", Status=None)), "Status", "has no Status"),
    "no_start": (json.dumps(named("x", StartTime=None)), "StartTime", "has no StartTime"),
    "bad_time": (json.dumps(named("x", StartTime="not a time")), "StartTime", "is not a timestamp"),
    "bad_end": (
        json.dumps(named("x", EndTime="2024-02-30T00:00:00Z")),
        "EndTime",
        "is not a timestamp",
    ),
    "bad_job_time": (
        json.dumps({**named("x"), "CreationTime": "13/13/2024"}),
        "CreationTime",
        "is not a timestamp",
    ),
    "non_object": ("[1, 2, 3]", None, "expected a JSON object"),
    "no_name": (
        json.dumps({"SecondaryStatusTransitions": []}),
        "TrainingJobName",
        "no TrainingJobName",
    ),
    "entries_not_list": (
        json.dumps({"TrainingJobName": "x", "SecondaryStatusTransitions": {"a": 1}}),
        "SecondaryStatusTransitions",
        "must be a list",
    ),
}


def rows(frame):
    """Rows as tuples, missing values as None."""
    return [tuple(None if v is pd.NA else v for v in r) for r in frame.itertuples(index=False)]


def event_line(line: str) -> str:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return line
    return json.dumps({"detail-type": "SageMaker Training Job State Change", "detail": record})


@pytest.mark.parametrize("source", ["describe", "events"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_jsonl_bad_record(tmp_path, case, source):
    line, field, reason = CASES[case]
    wrap = event_line if source == "events" else (lambda x: x)
    if source == "events" and case == "non_object":  # the event's detail is not an object
        field, reason = "detail", "no 'detail' object"
    if source == "events" and case == "no_name":
        reason = "no TrainingJobName"
    path = tmp_path / "in.jsonl"
    path.write_text(wrap(json.dumps(GOOD)) + "\n\n" + wrap(line) + "\n")
    with pytest.raises(ParseError, match=reason) as err:
        smstatus.load(path)
    assert isinstance(err.value, SmStatusError) and isinstance(err.value, ValueError)
    assert (err.value.file, err.value.line, err.value.field) == (str(path), 3, field)
    assert f"{path}:3" in str(err.value)
    h = smstatus.load(path, errors="collect")
    assert h.job_names.tolist() == ["good"]
    assert rows(h.unparsed[["file", "line", "field"]]) == [(str(path), 3, field)]
    assert reason in h.unparsed["reason"].iloc[0]


@pytest.mark.parametrize("case", ["no_status", "bad_time", "non_object"])
def test_json_list_reports_the_line_of_the_element(tmp_path, case):
    line, _, reason = CASES[case]
    path = tmp_path / "in.json"
    path.write_text("[\n" + json.dumps(GOOD, indent=2) + ",\n" + line + "\n]\n")
    with pytest.raises(ParseError, match=reason) as err:
        smstatus.load(path)
    assert err.value.line == 2 + len(json.dumps(GOOD, indent=2).splitlines())


def test_broken_json_document(tmp_path):
    path = tmp_path / "in.json"
    path.write_text('{\n  "TrainingJobName": "x",\n  oops\n}\n')
    with pytest.raises(ParseError, match="not valid JSON") as err:
        smstatus.load(path)
    assert err.value.line == 3
    h = smstatus.load(path, errors="collect")
    assert h.n_jobs == 0 and h.unparsed["line"].tolist() == [3]


def test_jsonl_with_a_malformed_first_line_still_loads_the_rest(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"TrainingJobName": \n' + json.dumps(GOOD) + "\n")
    h = smstatus.load(path, errors="collect")
    assert h.job_names.tolist() == ["good"]
    assert h.unparsed["line"].tolist() == [1]


def test_python_records(tmp_path):
    bad = named("x", StartTime="nope")
    with pytest.raises(ParseError, match="StartTime") as err:
        smstatus.load([GOOD, bad])
    assert (err.value.file, err.value.line) == ("<records>", 2)
    h = smstatus.load([GOOD, bad, 42], errors="collect")
    assert h.job_names.tolist() == ["good"]
    assert h.unparsed["line"].tolist() == [2, 3]


def test_gzip_stdin_directories_and_globs(tmp_path, monkeypatch):
    line = CASES["bad_time"][0]
    payload = (json.dumps(GOOD) + "\n" + line + "\n").encode()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jsonl.gz").write_bytes(gzip.compress(payload))
    (tmp_path / "sub" / "b.jsonl").write_bytes(payload)
    (tmp_path / "sub" / "notes.md").write_text("skipped")
    h = smstatus.load(tmp_path, errors="collect")
    assert h.job_names.tolist() == ["good", "good"]
    assert h.unparsed["file"].str.endswith(("a.jsonl.gz", "b.jsonl")).all()
    assert h.unparsed["line"].tolist() == [2, 2]
    with pytest.raises(ParseError) as err:
        smstatus.load(str(tmp_path / "sub" / "*.gz"))
    assert err.value.file.endswith("a.jsonl.gz") and err.value.line == 2
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(payload))))
    with pytest.raises(ParseError) as err:
        smstatus.load("-")
    assert (err.value.file, err.value.line, err.value.field) == ("<stdin>", 2, "StartTime")


def test_an_unreadable_file_is_one_reject_among_good_ones(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(GOOD))
    (tmp_path / "b.txt").write_text("what is this?\n")
    with pytest.raises(ParseError, match="cannot tell"):
        smstatus.load(tmp_path)
    h = smstatus.load(tmp_path, errors="collect")
    assert h.job_names.tolist() == ["good"]
    assert h.unparsed["file"].tolist() == [str(tmp_path / "b.txt")]


@pytest.mark.parametrize("missing", ["nowhere.json", "nothing/*.json", "empty_dir"])
def test_missing_inputs(tmp_path, missing):
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(InputNotFoundError) as err:
        smstatus.load(tmp_path / missing, errors="collect")
    assert isinstance(err.value, FileNotFoundError)


def test_bad_options():
    with pytest.raises(ValueError, match="errors must be"):
        smstatus.load([GOOD], errors="ignore")
    with pytest.raises(ParseError, match="mix paths and records"):
        smstatus.load([GOOD, "a.json"])
