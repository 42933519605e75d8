"""The same histories give the same frames (dtypes, categories' dtypes, values) on every path:
the fast JSON Lines reader, the record-by-record reader, Python dicts, events, Parquet, CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _io_strategies import histories, plain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smstatus
from smstatus.history import (
    JOBS_SCHEMA,
    TRANSITIONS_SCHEMA,
    WARM_START_MESSAGE,
    string_categories_dtype,
)
from smstatus.io import describe
from smstatus.io._fastjsonl import read_describe_jsonl
from smstatus.io.describe import from_describe, to_describe_records, write_describe_jsonl
from smstatus.io.events import from_events
from smstatus.io.inputs import expand_inputs
from smstatus.io.table import write_table

DATA = Path(__file__).parents[1] / "data"


def _dtypes(frame: pd.DataFrame) -> list[tuple[str, str, str | None]]:
    """Each column's dtype, and for categoricals the dtype of its categories."""
    return [
        (
            col,
            str(frame[col].dtype),
            str(frame[col].cat.categories.dtype)
            if isinstance(frame[col].dtype, pd.CategoricalDtype)
            else None,
        )
        for col in frame.columns
    ]


def _expected_dtypes(schema) -> list[tuple[str, str, str | None]]:
    target = str(string_categories_dtype())
    return [
        (
            col,
            "category" if dtype == "category" else str(pd.Series(dtype=dtype).dtype),
            target if dtype == "category" else None,
        )
        for col, dtype in schema.items()
    ]


def _paths(history: smstatus.JobHistory, tmp: Path, monkeypatch: pytest.MonkeyPatch):
    """The history loaded back by every path, by name."""
    path = tmp / "d.jsonl"
    write_describe_jsonl(history, path)
    records = to_describe_records(history)
    out = {"fast": read_describe_jsonl(expand_inputs(path)[0], block_size=1 << 12)}
    with monkeypatch.context() as m:
        m.setattr(describe, "FAST_PATH_MIN_BYTES", 1 << 62)
        out["record"] = smstatus.load(path)
    out["dicts"] = from_describe(records)
    events = [{"detail-type": "SageMaker Training Job State Change", "detail": r} for r in records]
    out["events"] = from_events(events)
    for suffix in ("parquet", "csv"):
        table = tmp / f"t.{suffix}"
        write_table(history, table, jobs_path=tmp / f"t.jobs.{suffix}")
        out[suffix] = smstatus.load(table)
    return out


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories(source="describe").filter(lambda h: h.n_jobs > 0))
def test_every_path_gives_the_same_frames(tmp_path_factory, monkeypatch, history):
    tmp = tmp_path_factory.mktemp("paths")
    loaded = _paths(history, tmp, monkeypatch)
    reference = loaded["record"]
    for name, got in loaded.items():
        assert _dtypes(got.jobs) == _expected_dtypes(JOBS_SCHEMA), name
        assert _dtypes(got.transitions) == _expected_dtypes(TRANSITIONS_SCHEMA), name
        assert _dtypes(got.unparsed) == _dtypes(reference.unparsed), name
        pd.testing.assert_frame_equal(
            plain(got.transitions), plain(reference.transitions), obj=name
        )
        pd.testing.assert_frame_equal(
            plain(got.jobs.drop(columns="source")),
            plain(reference.jobs.drop(columns="source")),
            obj=name,
        )


def test_warm_start_is_the_same_on_every_path(tmp_path, monkeypatch):
    # a warm start, a cold donor, a job with no Starting message, an empty history
    t = pd.Timestamp("2024-07-22T16:31:26Z")
    entries = {
        "warm": [
            ("Starting", WARM_START_MESSAGE),
            ("Training", None),
            ("Completed", "Resource released"),
        ],
        "cold": [
            ("Starting", "Preparing the instances for training"),
            ("Training", "x"),
            ("Completed", "Resource reused by training job: warm"),
        ],
        "tail": [("Uploading", "Uploading generated training model"), ("Completed", None)],
        "empty": [],
    }
    rows = [(name, i, st, msg) for name, es in entries.items() for i, (st, msg) in enumerate(es)]
    history = smstatus.JobHistory(
        pd.DataFrame({"job_name": list(entries), "source": "describe"}),
        pd.DataFrame(
            {
                "job_name": [r[0] for r in rows],
                "step": [r[1] for r in rows],
                "status": [r[2] for r in rows],
                "start_time": [t + pd.Timedelta(minutes=r[1]) for r in rows],
                "end_time": [t + pd.Timedelta(minutes=r[1] + 1) for r in rows],
                "status_message": pd.array([r[3] for r in rows], dtype="string"),
            }
        ),
    )
    expected = [True, False, pd.NA, pd.NA]
    assert history.jobs["warm_start"].tolist() == expected
    for name, got in _paths(history, tmp_path, monkeypatch).items():
        assert got.jobs["warm_start"].dtype == "boolean", name
        assert got.jobs["warm_start"].tolist() == expected, name


@pytest.mark.parametrize("log", sorted((DATA / "sdk-logs").glob("*.log")), ids=lambda p: p.stem)
def test_sdk_logs_give_the_frames_of_every_other_path(log, tmp_path):
    got = smstatus.load(log, source="sdk-log")
    assert _dtypes(got.jobs) == _expected_dtypes(JOBS_SCHEMA)
    assert _dtypes(got.transitions) == _expected_dtypes(TRANSITIONS_SCHEMA)
    # and a describe file of the same job, read back, has those dtypes too
    path = tmp_path / "d.json"
    path.write_text(json.dumps(to_describe_records(got)))
    again = smstatus.load(path)
    assert _dtypes(again.jobs) == _dtypes(got.jobs)
    assert _dtypes(again.transitions) == _dtypes(got.transitions)


def test_empty_history_has_the_schema_dtypes():
    empty = smstatus.JobHistory.empty()
    assert _dtypes(empty.jobs) == _expected_dtypes(JOBS_SCHEMA)
    assert _dtypes(empty.transitions) == _expected_dtypes(TRANSITIONS_SCHEMA)


@given(st.lists(st.sampled_from(["Completed", "Failed", "InProgress"]), max_size=4))
def test_categories_follow_what_pandas_gives_strings(values):
    h = smstatus.JobHistory(
        pd.DataFrame(
            {
                "job_name": [f"j{i}" for i in range(len(values))],
                "training_job_status": pd.Categorical(
                    values, categories=pd.Index(sorted(set(values)), dtype=object)
                ),
            }
        ),
        smstatus.JobHistory.empty().transitions,
    )
    expected = pd.Series(values, dtype=object).astype(str).astype("category")
    assert h.jobs["training_job_status"].cat.categories.dtype == expected.cat.categories.dtype
