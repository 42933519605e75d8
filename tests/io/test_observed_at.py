"""``jobs.observed_at``: when each job's history was observed, read from every source."""

from __future__ import annotations

import json

import pandas as pd
from _io_strategies import histories, plain
from hypothesis import given, settings
from hypothesis import strategies as st

import smstatus
from smstatus.analysis.phases import durations
from smstatus.io.describe import to_describe_records
from smstatus.io.events import from_events
from smstatus.io.table import read_table, write_table

UTC = pd.Timestamp


def _running(name="j", **extra):
    return {
        "TrainingJobName": name,
        "TrainingJobStatus": "InProgress",
        "SecondaryStatusTransitions": [{"Status": "Starting", "StartTime": "2024-03-01T10:00:00Z"}],
        **extra,
    }


def test_describe_records_read_observed_at_or_the_date_header():
    h = smstatus.load(
        [
            _running("a", ObservedAt="2024-03-01T10:05:00Z"),
            _running(
                "b", ResponseMetadata={"HTTPHeaders": {"date": "Fri, 01 Mar 2024 10:07:00 GMT"}}
            ),
            _running("c"),
        ]
    )
    assert h.jobs["observed_at"].tolist() == [
        UTC("2024-03-01T10:05:00Z"),
        UTC("2024-03-01T10:07:00Z"),
        UTC("2024-03-01T10:00:00Z"),  # nothing recorded: its latest timestamp
    ]
    assert durations(h)["duration_s"].tolist() == [300.0, 420.0, 0.0]


def test_a_bad_observed_at_is_a_rejected_record():
    h = smstatus.load([_running("a", ObservedAt="soon"), _running("b")], errors="collect")
    assert h.job_names.tolist() == ["b"]
    assert h.unparsed[["line", "field"]].values.tolist() == [[1, "ObservedAt"]]


def test_events_are_observed_at_their_time():
    event = {
        "detail-type": "SageMaker Training Job State Change",
        "time": "2024-03-01T10:09:00Z",
        "detail": _running("a"),
    }
    h = from_events([event])
    assert h.jobs["observed_at"].tolist() == [UTC("2024-03-01T10:09:00Z")]


def test_an_event_time_before_the_data_is_raised_to_the_latest_timestamp(data_dir):
    # AWS's sample event says it was sent in 2018 about a job modified in 2020
    path = data_dir / "events" / "eventbridge-doc-sample-completed.json"
    h = smstatus.load(path)
    event = json.loads(path.read_text())
    assert pd.Timestamp(event["time"]) < h.jobs["observed_at"].iloc[0]
    job_times = h.jobs[["creation_time", "training_end_time", "last_modified_time"]].iloc[0]
    assert h.jobs["observed_at"].iloc[0] == job_times.max()


def test_an_sdk_log_is_observed_at_its_last_poll(data_dir):
    path = data_dir / "sdk-logs" / "sdk-hf-codellama-pending-20240308.log"
    h = smstatus.load(path)
    assert h.jobs["observed_at"].tolist() == [h.transitions["start_time"].max()]


@settings(max_examples=20, deadline=None)
@given(histories(source="describe"), st.sampled_from(["csv", "parquet"]), st.data())
def test_tables_and_describe_files_carry_observed_at(tmp_path_factory, history, suffix, data):
    later = data.draw(
        st.lists(st.integers(0, 10**12), min_size=history.n_jobs, max_size=history.n_jobs)
    )
    jobs = history.jobs.assign(
        observed_at=history.jobs["observed_at"] + pd.to_timedelta(later, unit="ns")
    )
    history = smstatus.JobHistory(jobs, history.transitions)
    tmp = tmp_path_factory.mktemp("observed")
    write_table(history, tmp / f"t.{suffix}", jobs_path=tmp / f"t.jobs.{suffix}")
    got = read_table(tmp / f"t.{suffix}")
    pd.testing.assert_series_equal(got.jobs["observed_at"], history.jobs["observed_at"])
    back = smstatus.load(to_describe_records(history)) if history.n_jobs else history
    pd.testing.assert_frame_equal(plain(back.jobs), plain(history.jobs))
