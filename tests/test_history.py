"""JobHistory: frames, schemas, construction by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from smstatus.errors import SmStatusError
from smstatus.history import JOBS_SCHEMA, TRANSITIONS_SCHEMA, JobHistory, status_categorical
from smstatus.records import SecondaryStatusTransition as T
from smstatus.status import SecondaryStatus

ENTRIES = [
    {
        "Status": "Starting",
        "StartTime": "2024-01-01T00:00:00Z",
        "EndTime": "2024-01-01T00:02:00Z",
        "StatusMessage": "Preparing the instances for training",
    },
    {"Status": "Training", "StartTime": "2024-01-01T00:02:00Z", "EndTime": "2024-01-01T01:00:00Z"},
    {"Status": "Warming", "StartTime": "2024-01-01T01:00:00Z"},
]


def test_from_transitions_schema_and_records_round_trip():
    h = JobHistory.from_transitions(
        "j1",
        ENTRIES,
        training_job_status="InProgress",
        spot=True,
        instance_count=2,
        instance_type="ml.g5.2xlarge",
    )
    assert list(h.transitions.columns) == list(TRANSITIONS_SCHEMA)
    assert list(h.jobs.columns) == list(JOBS_SCHEMA)
    for col, dtype in TRANSITIONS_SCHEMA.items():
        assert str(h.transitions[col].dtype) == str(dtype), col
    assert h.transitions["step"].tolist() == [0, 1, 2]
    assert h.transitions["end_time"].isna().tolist() == [False, False, True]
    assert h.jobs.loc[0, "spot"] is True or bool(h.jobs.loc[0, "spot"])
    assert h.jobs.loc[0, "instance_count"] == 2
    assert h.records("j1") == [T.from_api(e) for e in ENTRIES]
    assert h.n_jobs == len(h) == 1


def test_unknown_status_kept_as_its_own_category():
    h = JobHistory.from_transitions("j1", ENTRIES)
    cats = list(h.transitions["status"].cat.categories)
    assert cats[:17] == [s.value for s in SecondaryStatus]
    assert cats[17:] == ["Warming"]
    assert h.transitions["status"].tolist()[-1] == "Warming"


def test_status_categorical_keeps_order_of_known():
    cat = status_categorical(["Training", "X", "Starting", None])
    assert list(cat.categories[:2]) == ["Starting", "Pending"]
    assert cat.categories[-1] == "X"
    assert pd.isna(cat[3])


def test_unknown_job_attribute_is_refused():
    with pytest.raises(ValueError, match="unknown job attribute"):
        JobHistory.from_transitions("j", ENTRIES, colour="red")


def test_jobs_named_only_in_transitions_get_a_row_and_empty_jobs_are_kept():
    trans = JobHistory.from_transitions("a", ENTRIES[:1]).transitions
    jobs = pd.DataFrame({"job_name": ["empty", "a"]})
    h = JobHistory(jobs, trans.assign(job_name=trans.job_name.astype(str)))
    assert h.job_names.tolist() == ["empty", "a"]
    assert list(h.transitions.job_name.cat.categories) == ["empty", "a"]
    h2 = JobHistory(None, trans.assign(job_name=["b"]))
    assert h2.job_names.tolist() == ["b"]


def test_missing_required_column_is_named():
    with pytest.raises(SmStatusError, match="start_time"):
        JobHistory(None, pd.DataFrame({"job_name": ["a"], "step": [0], "status": ["Starting"]}))


def test_string_times_in_frames_are_parsed_or_rejected():
    frame = pd.DataFrame(
        {
            "job_name": ["a"],
            "step": [0],
            "status": ["Starting"],
            "start_time": ["2024-01-01T00:00:00+01:00"],
        }
    )
    h = JobHistory(None, frame)
    assert h.transitions.start_time[0] == pd.Timestamp("2023-12-31T23:00:00Z")
    with pytest.raises(SmStatusError, match="not a timestamp"):
        JobHistory(None, frame.assign(start_time=["when"]))


def test_concat_select_and_empty():
    a = JobHistory.from_transitions("a", ENTRIES)
    b = JobHistory.from_transitions("b", ENTRIES[:2])
    both = JobHistory.concat([a, b])
    assert both.job_names.tolist() == ["a", "b"]
    assert len(both.transitions) == 5
    assert both.job_codes().tolist() == [0, 0, 0, 1, 1]
    only_b = both.select(["b"])
    assert only_b.job_names.tolist() == ["b"] and len(only_b.transitions) == 2
    mask = both.select(both.jobs["job_name"] == "a")
    assert mask.job_names.tolist() == ["a"]
    assert JobHistory.concat([]).n_jobs == 0
    dup = JobHistory.concat([a, a])
    assert dup.job_names.tolist() == ["a", "a"] and len(dup.transitions) == 6
    with pytest.raises(KeyError):
        a.records("zzz")


def test_reprs():
    h = JobHistory.from_transitions("a", ENTRIES)
    assert repr(h) == "<JobHistory: 1 jobs, 3 entries>"
    html = h._repr_html_()
    assert "JobHistory" in html and "Warming" in html
