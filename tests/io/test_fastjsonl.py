"""The fast path for big JSON Lines files gives exactly what the record-by-record path gives."""

from __future__ import annotations

import copy
import gzip
import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smstatus.errors import ParseError
from smstatus.history import JobHistory
from smstatus.io import _fastjsonl, describe
from smstatus.io._fastjsonl import _BlockReader, read_describe_jsonl
from smstatus.io.inputs import expand_inputs

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
from _data import SHAPES, describe_lines

# -- helpers ----------------------------------------------------------------------------------


def _write(path: Path, lines: list[str | bytes], *, end: bytes = b"\n", gz: bool = False) -> Path:
    data = end.join(ln.encode() if isinstance(ln, str) else ln for ln in lines) + end
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _fast(path: Path, block_size: int = 1 << 20, **kw):
    return read_describe_jsonl(expand_inputs(path)[0], block_size=block_size, **kw)


def _slow(path: Path, monkeypatch: pytest.MonkeyPatch, **kw):
    monkeypatch.setattr(describe, "FAST_PATH_MIN_BYTES", 1 << 62)
    return describe.read_describe(expand_inputs(path)[0], **kw)


def _assert_same(fast, slow) -> None:
    pd.testing.assert_frame_equal(fast.jobs, slow.jobs)
    pd.testing.assert_frame_equal(fast.transitions, slow.transitions)
    by_line = slow.unparsed.sort_values("line", kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(fast.unparsed, by_line)


@pytest.fixture
def slow_blocks(monkeypatch):
    """Count the blocks that fall back to the record-by-record path."""
    calls = []
    original = _fastjsonl._State._slow

    def spy(self, block):
        calls.append(block.first_line)
        return original(self, block)

    monkeypatch.setattr(_fastjsonl._State, "_slow", spy)
    return calls


def _entry(status, start, end=None, message=None):
    out = {"Status": status, "StartTime": start}
    if end is not None:
        out["EndTime"] = end
    if message is not None:
        out["StatusMessage"] = message
    return out


def _job(name, *entries, **extra):
    return {"TrainingJobName": name, "SecondaryStatusTransitions": list(entries), **extra}


T0, T1, T2 = (
    "2024-05-01T10:00:00Z",
    "2024-05-01T10:01:30.5+00:00",
    "2024-05-01T12:02:03.123456+02:00",
)
GOOD = _job("good", _entry("Starting", T0, T1, "go"), _entry("Training", T1))


# -- generated data ----------------------------------------------------------------------------


@pytest.mark.parametrize("block_size", [1 << 20, 10_000])
@pytest.mark.parametrize("gz", [False, True])
def test_generated_file_same_as_record_path(tmp_path, monkeypatch, slow_blocks, block_size, gz):
    path = _write(tmp_path / "d.jsonl", list(describe_lines(120, seed=3)), end=b"", gz=gz)
    fast = _fast(path, block_size=block_size)
    assert slow_blocks == []  # every block went the fast way
    assert fast.n_jobs == 120
    assert fast.transitions["step"].max() > 3
    _assert_same(fast, _slow(path, monkeypatch))


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_benchmark_shape_read_fast_and_same(tmp_path, monkeypatch, slow_blocks, shape):
    """Each shape the benchmarks time (ISO times in three forms, epoch numbers, HTTP date
    headers, unknown fields, long texts) goes the fast way, with the record path's frames."""
    path = _write(tmp_path / "d.jsonl", list(describe_lines(40, seed=7, shape=shape)), end=b"")
    fast = _fast(path, block_size=30_000)
    assert slow_blocks == []
    assert fast.n_jobs == 40 and fast.unparsed.empty
    assert fast.transitions["start_time"].notna().all()
    _assert_same(fast, _slow(path, monkeypatch))


def test_frames_of_the_fast_path_are_writable(tmp_path, slow_blocks):
    """The frames share no read-only Arrow memory: users may set any cell."""
    path = _write(tmp_path / "d.jsonl", list(describe_lines(20, seed=5)), end=b"")
    history = _fast(path, block_size=1 << 20)
    assert slow_blocks == []
    for frame in (history.jobs, history.transitions):
        for column in frame.columns:
            value = frame[column].iloc[1]
            frame.loc[frame.index[0], column] = value
            got = frame[column].iloc[0]
            assert (pd.isna(got) and pd.isna(value)) or got == value, column


def test_real_examples_as_json_lines(tmp_path, monkeypatch, data_dir, slow_blocks):
    records = [json.loads(p.read_text()) for p in sorted((data_dir / "describe").glob("*.json"))]
    path = _write(tmp_path / "real.jsonl", [json.dumps(r) for r in records * 3])
    fast = _fast(path, block_size=4096)
    assert slow_blocks == []
    assert fast.n_jobs == 3 * len(records)
    first = fast.transitions.iloc[0]
    assert first["start_time"] == pd.Timestamp("2023-04-05T15:29:57.352Z")
    _assert_same(fast, _slow(path, monkeypatch))


# -- tricky but valid records, read the fast way ----------------------------------------------

TRICKY = [
    # instance groups: distinct types sorted and joined, counts summed
    _job(
        "groups",
        _entry("Starting", T0, T1),
        ResourceConfig={
            "InstanceGroups": [
                {"InstanceType": "ml.p4d.24xlarge", "InstanceCount": 2, "InstanceGroupName": "a"},
                {"InstanceType": "ml.c5.xlarge", "InstanceCount": 3},
                {"InstanceType": "ml.p4d.24xlarge"},
                {"InstanceType": "", "InstanceCount": 1},
            ]
        },
    ),
    _job("groups-zero", ResourceConfig={"InstanceGroups": [{"InstanceType": "ml.m5.large"}]}),
    _job(
        "type-wins",
        ResourceConfig={
            "InstanceType": "ml.g5.xlarge",
            "InstanceCount": 1,
            "InstanceGroups": [{"InstanceType": "ml.m5.large", "InstanceCount": 4}],
        },
    ),
    # nothing optional at all; empty, null and missing histories
    {"TrainingJobName": "bare"},
    _job("empty-list"),
    {"TrainingJobName": "null-list", "SecondaryStatusTransitions": None, "ResourceConfig": None},
    # open last entry, unknown statuses (kept in order of first appearance), unicode
    _job(
        "open",
        _entry("Starting", T0, T1, "Préparation des instances ✓"),
        _entry("Rebooting", T1, T2, "引导"),
        _entry("Training", T2),
    ),
    _job("unknown-2", _entry("Quiescing", T0, T0), _entry("Rebooting", T0)),
    # epoch strings (seconds, milliseconds), offsets, naive times
    _job(
        "epochs",
        _entry("Starting", "1714557600", "1714557690500"),
        _entry("Downloading", "1714557690.5", "2024-05-01 10:03:00"),
        _entry("Training", "2024-05-01T10:03:00-07:00"),
        CreationTime="1714557599",
        LastModifiedTime="2024-05-01T17:03:00.000001+00:00",
    ),
    # every job attribute, and a spot flag that is not a boolean (ignored, as the API path does)
    _job(
        "full",
        _entry("Starting", T0, T1),
        TrainingJobStatus="Completed",
        SecondaryStatus="Completed",
        FailureReason="AlgorithmError: boom",
        ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 2},
        EnableManagedSpotTraining=True,
        StoppingCondition={"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200},
        TrainingTimeInSeconds=90,
        BillableTimeInSeconds=40,
        WarmPoolStatus={"Status": "Available", "ResourceRetainedBillableTimeInSeconds": 3},
        TuningJobArn="arn:aws:sagemaker:us-east-1:1:hyper-parameter-tuning-job/t",
        CreationTime=T0,
        TrainingStartTime=T0,
        TrainingEndTime=T2,
        LastModifiedTime=T2,
        HyperParameters={"eta": "0.1", "Status": "not an entry"},
    ),
    _job("spot-false", EnableManagedSpotTraining=False, WarmPoolStatus=None),
    _job("good"),  # a duplicate job name
]


@pytest.mark.parametrize("block_size", [1, 700, 1 << 20])
@pytest.mark.parametrize("ascii_only", [True, False])
def test_tricky_records_fast_and_same(tmp_path, monkeypatch, slow_blocks, block_size, ascii_only):
    lines = [json.dumps(r, ensure_ascii=ascii_only) for r in [GOOD, *TRICKY]]
    path = _write(tmp_path / "t.jsonl", lines)
    fast = _fast(path, block_size=block_size)
    assert slow_blocks == []
    slow = _slow(path, monkeypatch)
    _assert_same(fast, slow)
    jobs = fast.jobs.set_index("job_name")
    assert jobs.loc["groups", "instance_type"] == "ml.c5.xlarge+ml.p4d.24xlarge"
    assert jobs.loc["groups", "instance_count"] == 6
    assert pd.isna(jobs.loc["groups-zero", "instance_count"])
    assert jobs.loc["type-wins", "instance_type"] == "ml.g5.xlarge"
    assert pd.isna(jobs.loc["spot-false", "warm_pool_status"])
    assert jobs.loc["full", "warm_pool_status"] == "Available"
    statuses = list(fast.transitions["status"].cat.categories)
    assert statuses[17:] == ["Rebooting", "Quiescing"]
    epochs = fast.transitions[fast.transitions["job_name"] == "epochs"]
    assert epochs["start_time"].tolist() == [
        pd.Timestamp("2024-05-01T10:00:00Z"),
        pd.Timestamp("2024-05-01T10:01:30.5Z"),
        pd.Timestamp("2024-05-01T17:03:00Z"),
    ]
    assert fast.transitions["status_message"].iloc[3] == "Préparation des instances ✓"
    assert list(fast.transitions["job_name"].cat.categories) == list(
        pd.unique(fast.jobs["job_name"])
    )


@pytest.mark.parametrize(
    "layout",
    ["crlf", "blank-lines", "padded", "no-final-newline"],
)
def test_line_layouts_read_fast(tmp_path, monkeypatch, slow_blocks, layout):
    lines = [json.dumps(r) for r in [GOOD, *TRICKY[:4]]]
    end = b"\n"
    if layout == "crlf":
        end = b"\r\n"
    elif layout == "blank-lines":
        lines = ["", *lines[:2], "", "   ", "\t\r", *lines[2:], ""]
    elif layout == "padded":
        lines = ["  " + ln + " \t" for ln in lines]
    path = _write(tmp_path / "l.jsonl", lines, end=end)
    if layout == "no-final-newline":
        path.write_bytes(path.read_bytes()[:-1])
    fast = _fast(path, block_size=300)
    assert slow_blocks == []
    assert fast.n_jobs == 5
    _assert_same(fast, _slow(path, monkeypatch))


def test_naive_times_read_in_the_given_zone(tmp_path, monkeypatch, slow_blocks):
    naive = _job("naive", _entry("Starting", "2024-03-31 01:30:00", "2024-03-31 03:30:00"))
    path = _write(tmp_path / "z.jsonl", [json.dumps(GOOD), json.dumps(naive)])
    fast = _fast(path, naive_tz="Europe/Berlin")
    assert slow_blocks == []
    assert fast.transitions["start_time"].iloc[2] == pd.Timestamp("2024-03-31T00:30:00Z")
    assert fast.transitions["end_time"].iloc[2] == pd.Timestamp("2024-03-31T01:30:00Z")
    _assert_same(fast, _slow(path, monkeypatch, naive_tz="Europe/Berlin"))


def test_empty_and_blank_files(tmp_path):
    # never sent here by read_describe (the head of the file is no JSON object), but sound
    for data in (b"", b"\n\n  \n"):
        path = tmp_path / "e.jsonl"
        path.write_bytes(data)
        fast = _fast(path)
        assert (fast.n_jobs, len(fast.transitions), len(fast.unparsed)) == (0, 0, 0)
        empty = JobHistory.empty()
        pd.testing.assert_frame_equal(fast.transitions, empty.transitions, check_dtype=True)


# -- block boundaries ----------------------------------------------------------------------


@given(
    lines=st.lists(
        st.sampled_from(["", "{}", '{"a": 1}', "x" * 50, "  ", "\r"]), min_size=0, max_size=30
    ),
    final_newline=st.booleans(),
    block_size=st.integers(1, 64),
)
def test_block_reader_keeps_every_byte_and_numbers_lines(lines, final_newline, block_size):
    import io

    data = "\n".join(lines).encode() + (b"\n" if final_newline and lines else b"")
    reader = _BlockReader(io.BytesIO(data), block_size)
    got, line = b"", 1
    while (block := reader.next()) is not None:
        assert block.first_line == line
        chunk = bytes(block.view)
        assert chunk  # never an empty block
        assert chunk.endswith(b"\n") or len(got) + len(chunk) == len(data)
        assert block.newlines.tolist() == [i for i, c in enumerate(chunk) if c == 0x0A]
        got += chunk
        line += chunk.count(b"\n")
    assert got == data


@pytest.mark.parametrize("block_size", [1, 500, 2_000, 1 << 20])
def test_line_numbers_right_across_blocks(tmp_path, monkeypatch, block_size):
    lines = [json.dumps(_job(f"j{i}", _entry("Starting", T0, T1))) for i in range(40)]
    for bad in (7, 23, 38):
        lines[bad - 1] = lines[bad - 1][:-5]  # cut short: malformed JSON on that line
    lines.insert(10, "")  # a blank line shifts the ones after it
    path = _write(tmp_path / "b.jsonl", lines)
    fast = _fast(path, block_size=block_size, errors="collect")
    assert fast.unparsed["line"].tolist() == [7, 24, 39]
    assert fast.n_jobs == 37
    _assert_same(fast, _slow(path, monkeypatch, errors="collect"))
    with pytest.raises(ParseError) as info:
        _fast(path, block_size=block_size)
    assert info.value.line == 7


def test_only_the_bad_block_falls_back(tmp_path, monkeypatch, slow_blocks):
    lines = [json.dumps(_job(f"j{i}", _entry("Starting", T0, T1))) for i in range(30)]
    lines[16] = json.dumps(_job("epoch-number", _entry("Starting", 1714557600)))
    path = _write(tmp_path / "n.jsonl", lines)
    size = len(lines[0]) * 3 + 10  # three or four lines a block
    fast = _fast(path, block_size=size)
    assert len(slow_blocks) == 1
    assert slow_blocks[0] <= 17
    assert fast.n_jobs == 30
    assert fast.transitions["start_time"].iloc[16] == pd.Timestamp("2024-05-01T10:00:00Z")
    _assert_same(fast, _slow(path, monkeypatch))


# -- bad input --------------------------------------------------------------------------------

BAD = {
    "malformed": ('{"TrainingJobName": "x", ', None),
    "two-objects": (json.dumps(GOOD) + json.dumps(GOOD), None),
    "array": ("[1, 2]", None),
    "string": ('"a describe response"', None),
    "no-name": (json.dumps({"TrainingJobStatus": "Completed"}), "TrainingJobName"),
    "empty-name": (json.dumps(_job("")), "TrainingJobName"),
    "name-number": (json.dumps({"TrainingJobName": 5}), "TrainingJobName"),
    "no-status": (json.dumps(_job("x", {"StartTime": T0})), "Status"),
    "empty-status": (json.dumps(_job("x", _entry("", T0))), "Status"),
    "no-start": (json.dumps(_job("x", {"Status": "Starting", "EndTime": T1})), "StartTime"),
    "empty-start": (json.dumps(_job("x", _entry("Starting", ""))), "StartTime"),
    "null-entry": (json.dumps(_job("x", None)), "SecondaryStatusTransitions"),
    "entries-object": (
        json.dumps({"TrainingJobName": "x", "SecondaryStatusTransitions": {"Status": "S"}}),
        "SecondaryStatusTransitions",
    ),
    "bad-start": (json.dumps(_job("x", _entry("Starting", "yesterday"))), "StartTime"),
    "bad-end": (json.dumps(_job("x", _entry("Starting", T0, "2024-13-01T00:00:00Z"))), "EndTime"),
    "bad-creation": (json.dumps(_job("x", CreationTime="soon")), "CreationTime"),
    "not-utf8": (b'{"TrainingJobName": "x", "FailureReason": "\xff"}', None),
    # hostile values: each a reject of its record on both paths, never a traceback
    "surrogate-name": (json.dumps(_job("x\ud800")), "TrainingJobName"),
    "surrogate-status": (json.dumps(_job("x", _entry("Start\udfff", T0))), "Status"),
    "surrogate-message": (
        json.dumps(_job("x", _entry("Starting", T0, None, "m\ud800"))),
        "StatusMessage",
    ),
    "surrogate-time": (json.dumps(_job("x", _entry("Starting", "2024\ud800"))), "StartTime"),
    "surrogate-failure": (json.dumps(_job("x", FailureReason="\udfff")), "FailureReason"),
    "deep": ('{"TrainingJobName": "x", "A": ' + "[" * 20000 + "]" * 20000 + "}", None),
    "count-past-int64": (
        json.dumps(_job("x", ResourceConfig={"InstanceCount": 2**70})),
        "InstanceCount",
    ),
    "seconds-1e20": (
        json.dumps(_job("x", StoppingCondition={"MaxRuntimeInSeconds": 1e20})),
        "MaxRuntimeInSeconds",
    ),
    "seconds-infinity": (
        '{"TrainingJobName": "x", "TrainingTimeInSeconds": Infinity}',
        "TrainingTimeInSeconds",
    ),
    "seconds-nan": (
        '{"TrainingJobName": "x", "BillableTimeInSeconds": NaN}',
        "BillableTimeInSeconds",
    ),
    "seconds-fraction": (json.dumps(_job("x", TrainingTimeInSeconds=1.5)), "TrainingTimeInSeconds"),
    "start-list": (json.dumps(_job("x", _entry("Starting", []))), "StartTime"),
    "creation-list": (json.dumps(_job("x", CreationTime=[])), "CreationTime"),
    "start-year-1": (
        json.dumps(_job("x", _entry("Starting", "0001-01-01T00:00:00Z"))),
        "StartTime",
    ),
    "creation-year-9999": (
        json.dumps(_job("x", CreationTime="9999-12-31T23:59:59Z")),
        "CreationTime",
    ),
    "spot-text": (
        json.dumps(_job("x", EnableManagedSpotTraining="yes")),
        "EnableManagedSpotTraining",
    ),
    "status-object": (json.dumps(_job("x", TrainingJobStatus={"a": 1})), "TrainingJobStatus"),
    "resources-text": (json.dumps(_job("x", ResourceConfig="big")), "ResourceConfig"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_record_rejected_whole(tmp_path, monkeypatch, case):
    bad, field = BAD[case]
    lines: list[str | bytes] = [
        json.dumps(_job(f"ok{i}", _entry("Starting", T0))) for i in range(6)
    ]
    lines.insert(4, bad)  # line 5
    path = _write(tmp_path / "bad.jsonl", lines)
    fast = _fast(path, block_size=150, errors="collect")
    assert fast.n_jobs == 6
    assert fast.unparsed["line"].tolist() == [5]
    assert fast.unparsed["file"].tolist() == [str(path)]
    assert fast.unparsed["field"].tolist() == [field if field else pd.NA]
    assert "x" not in set(fast.jobs["job_name"])
    _assert_same(fast, _slow(path, monkeypatch, errors="collect"))
    with pytest.raises(ParseError) as info:
        _fast(path, block_size=150)
    assert (info.value.file, info.value.line, info.value.field) == (str(path), 5, field)
    assert info.value.reason == fast.unparsed["reason"].iloc[0]
    with pytest.raises(ParseError) as slow_info:
        _slow(path, monkeypatch)
    assert str(info.value) == str(slow_info.value)


@pytest.mark.parametrize("bad", ["bad-creation", "no-name"])
def test_every_record_rejected_same_empty_frames(tmp_path, monkeypatch, bad):
    """Empty frames, down to the categories of ``source`` (the record path's has ``describe``
    once a record got past the structural checks, as one rejected for a time does)."""
    path = _write(tmp_path / "all-bad.jsonl", [BAD[bad][0]] * 3)
    fast = _fast(path, errors="collect")
    assert fast.n_jobs == 0 and len(fast.unparsed) == 3
    _assert_same(fast, _slow(path, monkeypatch, errors="collect"))


def test_lowercase_t_and_z_read_as_utc_on_both_paths(tmp_path, monkeypatch, slow_blocks):
    """ISO-8601 allows ``t`` and ``z`` in lower case: the same times as upper case."""
    lines = [
        json.dumps(_job("upper", _entry("Starting", "2024-05-01T10:00:00Z"))),
        json.dumps(_job("lower", _entry("Starting", "2024-05-01t10:00:00z"))),
    ]
    path = _write(tmp_path / "z.jsonl", lines)
    fast = _fast(path)
    assert fast.unparsed.empty
    start = fast.transitions["start_time"]
    assert start.iloc[0] == start.iloc[1] == pd.Timestamp("2024-05-01T10:00:00Z")
    _assert_same(fast, _slow(path, monkeypatch))


def test_deep_lines_never_reach_arrow(tmp_path, monkeypatch):
    """Arrow's JSON parser overflows its stack on deep nesting (a segfault): such a block is
    read record by record."""
    from smstatus.io._fastjsonl import MAX_ARROW_DEPTH

    parsed = []
    original = _fastjsonl.pj.read_json

    def spy(*args, **kwargs):
        parsed.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(_fastjsonl.pj, "read_json", spy)
    deep = '{"TrainingJobName": "x", "A": ' + "[" * (MAX_ARROW_DEPTH + 1)
    deep += "]" * (MAX_ARROW_DEPTH + 1) + "}"
    path = _write(tmp_path / "d.jsonl", [json.dumps(GOOD), deep])
    fast = _fast(path, errors="collect")
    assert parsed == []
    assert fast.n_jobs == 1 and fast.unparsed["line"].tolist() == [2]
    _assert_same(fast, _slow(path, monkeypatch, errors="collect"))
    shallow = _write(tmp_path / "s.jsonl", [json.dumps(GOOD), json.dumps(GOOD)])
    assert _fast(shallow).n_jobs == 2 and parsed == [1]
    # long lines, many brackets in all, none deep: Arrow's
    wide = json.dumps({**GOOD, "A": [[i] for i in range(MAX_ARROW_DEPTH // 2)]})
    path = _write(tmp_path / "w.jsonl", [wide] * 5)
    assert _fast(path).n_jobs == 5 and parsed == [1, 1]
    _assert_same(_fast(path), _slow(path, monkeypatch))


def test_spread_object_is_malformed(tmp_path, monkeypatch):
    pretty = json.dumps(GOOD, indent=1).splitlines()
    path = _write(tmp_path / "p.jsonl", [json.dumps(GOOD), *pretty, json.dumps(GOOD)])
    fast = _fast(path, errors="collect")
    assert fast.n_jobs == 2
    assert fast.unparsed["line"].tolist() == list(range(2, 2 + len(pretty)))
    _assert_same(fast, _slow(path, monkeypatch, errors="collect"))


def test_raise_names_the_first_bad_record_in_file_order(tmp_path):
    lines = [
        json.dumps(GOOD),
        json.dumps(_job("late", _entry("Starting", "not a time"))),  # line 2: found when parsed
        json.dumps(GOOD),
        "{broken",  # line 4: found when read
    ]
    path = _write(tmp_path / "o.jsonl", lines)
    for block_size in (1, 1 << 20):
        with pytest.raises(ParseError, match="not a time") as info:
            _fast(path, block_size=block_size)
        assert (info.value.line, info.value.field) == (2, "StartTime")
    fast = _fast(path, errors="collect")
    assert fast.unparsed["line"].tolist() == [2, 4]


def test_bad_arguments(tmp_path):
    path = _write(tmp_path / "a.jsonl", [json.dumps(GOOD)])
    with pytest.raises(ValueError, match="errors"):
        _fast(path, errors="ignore")
    with pytest.raises(ValueError, match="block_size"):
        _fast(path, block_size=0)


# -- random histories ------------------------------------------------------------------------

_moments = st.integers(1_500_000_000, 1_900_000_000)
_statuses = st.sampled_from(["Starting", "Pending", "Training", "Completed", "Odd", "Odder"])


def _time(seconds: int, form: int) -> object:
    stamp = pd.Timestamp(seconds, unit="s", tz="UTC")
    return [
        stamp.isoformat(),
        stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        stamp.tz_convert("Asia/Kolkata").isoformat(timespec="microseconds"),
        str(seconds * 1000),
        seconds,  # a JSON number: a block of them and text falls back
    ][form]


@st.composite
def _records(draw):
    n = draw(st.integers(0, 4))
    t = draw(_moments)
    form = draw(st.integers(0, 4))
    entries = []
    for k in range(n):
        entry = {"Status": draw(_statuses), "StartTime": _time(t, form)}
        t += draw(st.integers(0, 5000))
        if k < n - 1 or draw(st.booleans()):
            entry["EndTime"] = _time(t, form)
        if draw(st.booleans()):
            entry["StatusMessage"] = draw(st.text(max_size=12))
        entries.append(entry)
    record = {"TrainingJobName": draw(st.sampled_from(["a", "b", "c", "ü-job", "d e"]))}
    if entries or draw(st.booleans()):
        record["SecondaryStatusTransitions"] = entries
    if draw(st.booleans()):
        record["ResourceConfig"] = draw(
            st.sampled_from(
                [
                    {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2},
                    {"InstanceGroups": [{"InstanceType": "b", "InstanceCount": 1}]},
                    {"InstanceGroups": [{"InstanceType": "b"}, {"InstanceType": "a"}]},
                ]
            )
        )
    if draw(st.booleans()):
        record["TrainingJobStatus"] = draw(st.sampled_from(["Completed", "InProgress"]))
        record["EnableManagedSpotTraining"] = draw(st.booleans())
        record["LastModifiedTime"] = _time(t, form)
    return record


@given(
    records=st.lists(_records(), min_size=1, max_size=12),
    bad=st.lists(st.sampled_from(sorted(BAD)), max_size=2),
    block_size=st.sampled_from([1, 200, 1 << 20]),
    ascii_only=st.booleans(),
)
def test_random_files_same_as_record_path(tmp_path_factory, records, bad, block_size, ascii_only):
    lines: list[str | bytes] = [json.dumps(r, ensure_ascii=ascii_only) for r in records]
    for i, case in enumerate(bad):
        lines.insert(min(len(lines), 2 * i + 1), BAD[case][0])
    path = _write(tmp_path_factory.mktemp("r") / "r.jsonl", lines)
    fast = _fast(path, block_size=block_size, errors="collect")
    with pytest.MonkeyPatch.context() as mp:
        slow = _slow(path, mp, errors="collect")
    _assert_same(fast, slow)
    assert len(fast.unparsed) == len(bad)
    if bad:
        with pytest.raises(ParseError) as info:
            _fast(path, block_size=block_size)
        assert info.value.line == fast.unparsed["line"].iloc[0]


def test_load_uses_the_fast_path_for_big_json_lines(tmp_path, monkeypatch, slow_blocks):
    import smstatus

    seen = []
    original = _fastjsonl.read_describe_jsonl

    def spy(file, **kw):
        seen.append(file.name)
        return original(file, **kw)

    path = _write(tmp_path / "big.jsonl", [json.dumps(copy.deepcopy(GOOD))] * 3)
    monkeypatch.setattr(_fastjsonl, "read_describe_jsonl", spy)
    monkeypatch.setattr(describe, "FAST_PATH_MIN_BYTES", 10)
    history = smstatus.load(path)
    assert seen == [str(path)]
    assert history.n_jobs == 3


# -- epoch numbers -----------------------------------------------------------------------------

E0, E1 = 1714557600.123, 1714557690500  # seconds with milliseconds; milliseconds


def _epoch_lines(n: int) -> list[str]:
    return [
        json.dumps(_job(f"ok{i}", _entry("Starting", E0 + i, E1), CreationTime=E0 - 1))
        for i in range(n)
    ]


def test_epoch_numbers_read_fast_and_exact(tmp_path, monkeypatch, slow_blocks):
    lines = _epoch_lines(3)
    lines.append(
        json.dumps(
            _job(
                "edges",
                _entry("Starting", 0, -1.5),  # the epoch itself, and before it
                _entry("Training", 1714557600, 9223372035.999),  # whole seconds; nearly 2262
                _entry("Failed", 1e11, 9.2e12),  # the smallest milliseconds, and nearly 2262
                TrainingEndTime=None,
                LastModifiedTime=E1,
            )
        )
    )
    path = _write(tmp_path / "e.jsonl", lines)
    fast = _fast(path)
    assert slow_blocks == []
    assert fast.unparsed.empty
    assert fast.transitions["start_time"].iloc[0] == pd.Timestamp("2024-05-01T10:00:00.123Z")
    assert fast.transitions["end_time"].iloc[0] == pd.Timestamp("2024-05-01T10:01:30.5Z")
    edges = fast.transitions[fast.transitions["job_name"] == "edges"]
    assert edges["start_time"].iloc[0] == pd.Timestamp("1970-01-01T00:00:00Z")
    assert edges["end_time"].iloc[0] == pd.Timestamp("1969-12-31T23:59:58.5Z")
    _assert_same(fast, _slow(path, monkeypatch))


def test_mixed_time_forms_fall_back_and_stay_the_same(tmp_path, monkeypatch, slow_blocks):
    """A block whose first times are numbers but holds text times (or the other way round)
    is read record by record: the same frames, only slower."""
    lines = _epoch_lines(4)
    lines[2] = json.dumps(_job("text", _entry("Starting", T0, T1), CreationTime=T0))
    lines += [json.dumps(_job("text2", _entry("Starting", T0))), *_epoch_lines(2)]
    path = _write(tmp_path / "m.jsonl", lines)
    fast = _fast(path, block_size=1 << 20)
    assert len(slow_blocks) == 1
    assert fast.n_jobs == 7 and fast.unparsed.empty
    _assert_same(fast, _slow(path, monkeypatch))


_EPOCH_START = (
    '{"TrainingJobName": "x", "SecondaryStatusTransitions": [{"Status": "S", "StartTime": '
)
BAD_EPOCH = {
    "nan": (_EPOCH_START + "NaN}]}", "StartTime"),
    "infinity": (_EPOCH_START + "Infinity}]}", "StartTime"),
    "minus-infinity": ('{"TrainingJobName": "x", "CreationTime": -Infinity}', "CreationTime"),
    "seconds-1e20": (_EPOCH_START + "1e20}]}", "StartTime"),
    "milliseconds-past-2262": (_EPOCH_START + "9300000000000}]}", "StartTime"),
    "before-1677": ('{"TrainingJobName": "x", "LastModifiedTime": -1e10}', "LastModifiedTime"),
    "past-float64": (_EPOCH_START + "1e400}]}", "StartTime"),
    "integer-past-float64": (_EPOCH_START + "1" + "0" * 400 + "}]}", "StartTime"),
    "true": (_EPOCH_START + "true}]}", "StartTime"),
    "null-start": (_EPOCH_START + "null}]}", "StartTime"),
    "end-nan": (_EPOCH_START + '1, "EndTime": NaN}]}', "EndTime"),
    "observed-nan": ('{"TrainingJobName": "x", "ObservedAt": NaN}', "ObservedAt"),
}


@pytest.mark.parametrize("case", sorted(BAD_EPOCH))
def test_bad_epoch_number_rejected_whole(tmp_path, monkeypatch, slow_blocks, case):
    bad, field = BAD_EPOCH[case]
    lines = _epoch_lines(8)
    lines.insert(4, bad)  # line 5
    path = _write(tmp_path / "bad.jsonl", lines)
    fast = _fast(path, block_size=len(lines[0]) * 2 + 20, errors="collect")
    assert len(slow_blocks) == 1  # the good blocks around it went the fast way
    assert fast.n_jobs == 8
    assert fast.unparsed[["line", "field"]].values.tolist() == [[5, field]]
    _assert_same(fast, _slow(path, monkeypatch, errors="collect"))
    with pytest.raises(ParseError) as info:
        _fast(path, block_size=150)
    assert (info.value.line, info.value.field) == (5, field)


_epoch_values = st.one_of(
    st.floats(-5e9, 9e12, allow_nan=False).map(lambda x: round(x, 3)),
    st.integers(-5_000_000_000, 9_300_000_000_000),
    st.sampled_from([0, -0.0, 1e11, 99999999999.9995, 9223372036.854, 1e-7]),
)
_odd_epochs = st.sampled_from(["NaN", "Infinity", "1e400", "true", '"1714557600"', "null"])


@st.composite
def _epoch_record(draw):
    def when():
        if draw(st.integers(0, 30)) == 0:
            return draw(_odd_epochs)
        return json.dumps(draw(_epoch_values))

    entries = [
        f'{{"Status": "S{k}", "StartTime": {when()}'
        + (f', "EndTime": {when()}' if draw(st.booleans()) else "")
        + "}"
        for k in range(draw(st.integers(0, 3)))
    ]
    job = f'"CreationTime": {when()}, ' if draw(st.booleans()) else ""
    return f'{{"TrainingJobName": "j", {job}"SecondaryStatusTransitions": [{", ".join(entries)}]}}'


@given(records=st.lists(_epoch_record(), min_size=1, max_size=10), block=st.sampled_from([1, 300]))
def test_random_epoch_numbers_same_as_record_path(tmp_path_factory, records, block):
    path = _write(tmp_path_factory.mktemp("e") / "e.jsonl", records)
    fast = _fast(path, block_size=block, errors="collect")
    with pytest.MonkeyPatch.context() as mp:
        slow = _slow(path, mp, errors="collect")
    _assert_same(fast, slow)


# -- HTTP date headers ---------------------------------------------------------------------------


def _with_date(name: str, date: object, **extra) -> dict:
    return _job(
        name,
        _entry("Starting", "2020-01-01T00:00:00Z"),  # before the dates (which it would raise)
        ResponseMetadata={"RequestId": "r", "HTTPHeaders": {"date": date, "server": "x"}},
        **extra,
    )


def test_http_date_headers_read_fast(tmp_path, monkeypatch, slow_blocks):
    lines = [
        json.dumps(_with_date("a", "Wed, 01 Jan 2025 00:00:00 GMT")),
        json.dumps(_with_date("leap", "Thu, 29 Feb 2024 23:59:59 GMT")),
        json.dumps(_with_date("observed-wins", "Wed, 01 Jan 2025 00:00:00 GMT", ObservedAt=T2)),
        json.dumps(_job("none", ResponseMetadata={"HTTPHeaders": {}})),
        json.dumps(_job("no-headers", ResponseMetadata={"RequestId": "r"})),
    ]
    path = _write(tmp_path / "h.jsonl", lines)
    fast = _fast(path)
    assert slow_blocks == []
    observed = fast.jobs.set_index("job_name")["observed_at"]
    assert observed["a"] == pd.Timestamp("2025-01-01T00:00:00Z")
    assert observed["leap"] == pd.Timestamp("2024-02-29T23:59:59Z")
    assert observed["observed-wins"] == pd.Timestamp(T2)
    _assert_same(fast, _slow(path, monkeypatch))


@pytest.mark.parametrize(
    "date",
    [
        "Wed, 31 Feb 2025 00:00:00 GMT",  # no such day: rejected
        "Wed, 29 Feb 2023 00:00:00 GMT",
        "Wed, 01 Jan 2025 23:59:60 GMT",
        "Wed, 01 Jan 2025 00:00:00 +0000",  # other forms email.utils reads
        "Wed, 1 Jan 2025 00:00:00 GMT",
        "01 jan 2025 00:00:00 -0700",
        "Wed, 01 Jan 0050 00:00:00 GMT",  # a year it reads as 2050
        "2025-01-01T00:00:00Z",
        "yesterday",
    ],
)
def test_other_http_dates_fall_back_and_stay_the_same(tmp_path, monkeypatch, slow_blocks, date):
    lines = [json.dumps(_with_date("a", "Wed, 01 Jan 2025 00:00:00 GMT")) for _ in range(3)]
    lines.append(json.dumps(_with_date("odd", date)))
    path = _write(tmp_path / "h.jsonl", lines)
    fast = _fast(path, errors="collect")
    assert len(slow_blocks) == 1
    _assert_same(fast, _slow(path, monkeypatch, errors="collect"))


_http_dates = st.builds(
    "{}, {:02d} {} {} {:02d}:{:02d}:{:02d} {}".format,
    st.sampled_from(["Mon", "Wed", "Xyz"]),
    st.integers(0, 32),
    st.sampled_from(["Jan", "Feb", "Apr", "Dec", "feb"]),
    st.sampled_from(["1899", "1900", "1970", "2024", "2025", "2199", "2262", "2300"]),
    st.integers(0, 24),
    st.integers(0, 60),
    st.integers(0, 60),
    st.sampled_from(["GMT", "GMT", "UTC", "+0100"]),
)


@given(dates=st.lists(_http_dates, min_size=1, max_size=6), observed=st.booleans())
def test_random_http_dates_same_as_record_path(tmp_path_factory, dates, observed):
    extra = {"ObservedAt": T0} if observed else {}
    lines = [json.dumps(_with_date(f"j{i}", d, **extra)) for i, d in enumerate(dates)]
    path = _write(tmp_path_factory.mktemp("h") / "h.jsonl", lines)
    fast = _fast(path, errors="collect")
    with pytest.MonkeyPatch.context() as mp:
        slow = _slow(path, mp, errors="collect")
    _assert_same(fast, slow)


@pytest.mark.parametrize("block_size", [700, 4096, 1 << 20])
def test_a_cut_block_is_read_in_small_blocks_with_the_file_s_lines(
    tmp_path, monkeypatch, block_size
):
    """What the Dask engine's workers parse: a block of whole lines cut from a file, read in
    the fast path's blocks (smaller than it), its rejects on their lines of the whole file."""
    import smstatus

    lines = [json.dumps(r) for r in smstatus.simulate(40, seed=3, corrupt_share=0.2)]
    lines[5:5] = ['{"cut', "[1, 2", '{"TrainingJobName": 5}']
    lines[30:30] = ["not json"]
    path = _write(tmp_path / "whole.jsonl", lines)
    monkeypatch.setattr(_fastjsonl, "DEFAULT_BLOCK_SIZE", block_size)
    block = ("\n".join(lines[3:]) + "\n").encode()
    got = describe.read_describe_block(block, name=str(path), first_line=4, errors="collect")
    whole = _slow(path, monkeypatch, errors="collect")
    rest = whole.select(got.job_names)
    pd.testing.assert_frame_equal(
        got.jobs, rest.jobs.reset_index(drop=True), check_categorical=False
    )
    pd.testing.assert_frame_equal(
        got.transitions, rest.transitions.reset_index(drop=True), check_categorical=False
    )
    assert set(whole.job_names) - set(got.job_names) == set(whole.job_names[:3])
    by_line = whole.unparsed.sort_values("line", kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(got.unparsed, by_line)
