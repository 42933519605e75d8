"""Values out of range are rejected records (file, line, field, reason) on every path: never a
time wrapped around, never a silent NaT, never an integer wrapped to another."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

import smstatus
from smstatus.io._fastjsonl import read_describe_jsonl
from smstatus.io.inputs import expand_inputs
from smstatus.timestamps import parse_timestamps

GOOD = {
    "TrainingJobName": "good",
    "SecondaryStatusTransitions": [{"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"}],
}


def _bad(field: str, value) -> dict:
    entry = {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"}
    record = {"TrainingJobName": "bad", "SecondaryStatusTransitions": [entry]}
    if field in ("StartTime", "EndTime"):
        entry[field] = value
    else:
        record[field] = value
    return record


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(9999, 12, 31, tzinfo=dt.UTC),  # boto3's datetimes: no int64 overflow
        dt.datetime(9999, 12, 31),
        dt.datetime(1000, 1, 1, tzinfo=dt.UTC),
        "9999-12-31T00:00:00Z",
        "9999-12-31 00:00:00",
        float("nan"),
        pd.NaT,
    ],
    ids=repr,
)
@pytest.mark.parametrize("field", ["StartTime", "EndTime", "CreationTime", "LastModifiedTime"])
def test_out_of_range_or_nan_times_are_rejected_records(field, value):
    h = smstatus.load([GOOD, _bad(field, value)], errors="collect")
    assert h.job_names.tolist() == ["good"]
    assert h.unparsed[["file", "line", "field"]].values.tolist() == [["<records>", 2, field]]
    assert "is not a timestamp" in h.unparsed["reason"].iloc[0]
    with pytest.raises(smstatus.ParseError, match=field):
        smstatus.load([GOOD, _bad(field, value)])


@pytest.mark.parametrize("text", ['"9999-12-31T00:00:00Z"', "NaN", '"1500-01-01T00:00:00Z"'])
def test_the_fast_path_rejects_them_too(tmp_path, text):
    lines = [json.dumps(GOOD)] * 3
    bad = json.dumps(_bad("StartTime", "X")).replace('"X"', text)
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join([*lines, bad, *lines]) + "\n")
    h = read_describe_jsonl(expand_inputs(path)[0], errors="collect")
    assert h.n_jobs == 6
    assert h.unparsed[["line", "field"]].values.tolist() == [[4, "StartTime"]]


def test_parse_timestamps_never_wraps():
    values = [dt.datetime(9999, 1, 1, tzinfo=dt.UTC), dt.datetime(2262, 4, 12, tzinfo=dt.UTC)]
    parsed, bad = parse_timestamps(values)
    assert parsed.isna().all() and bad.all()
    typed = pd.Series(np.array(["9999-01-01", "2020-01-01"], dtype="datetime64[us]"))
    parsed, bad = parse_timestamps(typed)
    assert bad.tolist() == [True, False] and parsed[1] == pd.Timestamp("2020-01-01", tz="UTC")


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_step_beyond_int32_is_a_rejected_row(tmp_path, suffix):
    frame = pd.DataFrame(
        {
            "job_name": ["j", "j", "k"],
            "step": [0, 2**32, 0],
            "status": ["Starting", "Training", "Starting"],
            "start_time": ["2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z", "9999-01-01T00:00:00Z"],
        }
    )
    path = tmp_path / f"t.{suffix}"
    if suffix == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    h = smstatus.load(path, errors="collect")
    assert h.transitions["step"].tolist() == [0]  # never wrapped to 0
    lines = [2, 3] if suffix == "parquet" else [3, 4]
    assert h.unparsed[["line", "field"]].values.tolist() == [
        [lines[0], "step"],
        [lines[1], "start_time"],
    ]
    with pytest.raises(smstatus.ParseError, match="step"):
        smstatus.load(path)


@pytest.mark.parametrize("sign", [1, -1])
def test_an_integer_too_big_for_a_float_is_a_bad_time_not_a_crash(sign):
    """JSON integers have no limit; one past float64 (1e308) is out of range, as 1e20 is."""
    parsed, bad = parse_timestamps([sign * 10**400, 1.5, None])
    assert bad.tolist() == [True, False, False]
    assert parsed.isna().tolist() == [True, False, True]
    h = smstatus.load([GOOD, _bad("CreationTime", sign * 10**400)], errors="collect")
    assert h.job_names.tolist() == ["good"]
    assert h.unparsed[["line", "field"]].values.tolist() == [[2, "CreationTime"]]


_DIGITS = "1" + "0" * 5000  # past Python's limit for int() of text (4,300 digits)


@pytest.mark.parametrize("layout", ["jsonl-first", "jsonl-second", "json-list"])
def test_an_integer_past_pythons_digit_limit_is_read(tmp_path, layout):
    """A 5,000-digit number is valid JSON: in a field smstatus ignores it costs nothing, in a
    time it is a rejected record; never a traceback."""
    ignored = f'{{"TrainingJobName": "ignored", "Blob": {_DIGITS}}}'
    in_time = f'{{"TrainingJobName": "bad", "CreationTime": {_DIGITS}}}'
    good = json.dumps(GOOD)
    path = tmp_path / ("d.json" if layout == "json-list" else "d.jsonl")
    if layout == "json-list":
        path.write_text(f"[{ignored},\n{good},\n{in_time}]")
    elif layout == "jsonl-first":
        path.write_text(f"{ignored}\n{good}\n{in_time}\n")
    else:
        path.write_text(f"{good}\n{ignored}\n{in_time}\n")
    h = smstatus.load(path, errors="collect")
    assert sorted(h.job_names) == ["good", "ignored"]
    assert h.unparsed["field"].tolist() == ["CreationTime"]
    if layout != "json-list":  # a list's records are numbered by line when they can be
        assert h.unparsed["line"].tolist() == [3]
    assert "inf is not a timestamp" in h.unparsed["reason"].iloc[0]
