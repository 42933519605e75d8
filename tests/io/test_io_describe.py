"""Describe responses as boto3 returns them, as files, and written back."""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest
from dateutil.tz import tzlocal, tzutc

import smstatus
from smstatus.io.describe import (
    from_describe,
    to_describe_records,
    write_describe_json,
    write_describe_jsonl,
)

BOTO3 = {
    "TrainingJobName": "boto",
    "TrainingJobStatus": "Completed",
    "SecondaryStatus": "Completed",
    "CreationTime": dt.datetime(2024, 1, 1, 11, 59, tzinfo=tzutc()),
    "LastModifiedTime": dt.datetime(2024, 1, 1, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    "ResourceConfig": {
        "InstanceGroups": [
            {"InstanceType": "ml.p4d.24xlarge", "InstanceCount": 2, "InstanceGroupName": "a"},
            {"InstanceType": "ml.c5.xlarge", "InstanceCount": 1, "InstanceGroupName": "b"},
        ],
        "VolumeSizeInGB": 30,
    },
    "EnableManagedSpotTraining": True,
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200},
    "TrainingTimeInSeconds": 1800,
    "BillableTimeInSeconds": 600,
    "WarmPoolStatus": {"Status": "Available", "ResourceRetainedBillableTimeInSeconds": 60},
    "TuningJobArn": "arn:aws:sagemaker:us-east-1:1:hyper-parameter-tuning-job/t",
    "SecondaryStatusTransitions": [
        {
            "Status": "Starting",
            "StartTime": dt.datetime(2024, 1, 1, 12, 0, tzinfo=tzutc()),
            "EndTime": dt.datetime(2024, 1, 1, 12, 5, tzinfo=tzutc()),
            "StatusMessage": "Preparing the instances for training",
        },
        {
            "Status": "Completed",
            "StartTime": dt.datetime(2024, 1, 1, 12, 5, tzinfo=tzutc()),
            "EndTime": dt.datetime(2024, 1, 1, 12, 5, tzinfo=tzutc()),
        },
    ],
}


def test_boto3_dicts_with_datetimes():
    h = smstatus.load(BOTO3)
    t = h.transitions
    assert t["start_time"].tolist() == [
        pd.Timestamp("2024-01-01T12:00Z"),
        pd.Timestamp("2024-01-01T12:05Z"),
    ]
    j = h.jobs.iloc[0]
    assert j.creation_time == pd.Timestamp("2024-01-01T11:59Z")
    assert j.last_modified_time == pd.Timestamp("2024-01-01T12:30Z")
    assert (j.instance_type, j.instance_count) == ("ml.c5.xlarge+ml.p4d.24xlarge", 3)
    assert (j.spot, j.max_runtime_s, j.max_wait_s) == (True, 3600, 7200)
    assert (j.training_time_s, j.billable_time_s, j.warm_pool_status) == (1800, 600, "Available")
    assert j.tuning_job_arn.endswith("/t")


def test_local_zone_datetimes_and_naive_datetimes():
    local = dt.datetime(2024, 1, 1, 12, 0, tzinfo=tzlocal())
    naive = dt.datetime(2024, 1, 1, 12, 0)
    h = from_describe(
        {
            "TrainingJobName": "z",
            "SecondaryStatusTransitions": [
                {"Status": "Starting", "StartTime": local},
                {"Status": "Training", "StartTime": naive},
            ],
        },
        naive_tz="Asia/Tokyo",
    )
    assert h.transitions["start_time"].iloc[0] == pd.Timestamp(local)
    assert h.transitions["start_time"].iloc[1] == pd.Timestamp("2024-01-01T03:00Z")


def test_every_timestamp_form_in_one_history():
    h = from_describe(
        {
            "TrainingJobName": "forms",
            "SecondaryStatusTransitions": [
                {"Status": "A", "StartTime": "2020-03-10T09:18:09.050Z"},
                {"Status": "B", "StartTime": "2020-03-10T04:18:09.05-05:00"},
                {"Status": "C", "StartTime": 1583831889050},
                {"Status": "D", "StartTime": 1583831889.05},
                {"Status": "E", "StartTime": "1583831889050"},
                {"Status": "F", "StartTime": "2020-03-10 09:18:09.050"},
                {"Status": "G", "StartTime": dt.datetime(2020, 3, 10, 9, 18, 9, 50000)},
            ],
        }
    )
    assert set(h.transitions["start_time"]) == {pd.Timestamp("2020-03-10T09:18:09.050Z")}


def test_aws_cli_list_wrapper_and_a_list(tmp_path):
    (tmp_path / "wrapped.json").write_text(json.dumps({"TrainingJobs": [{"TrainingJobName": "a"}]}))
    (tmp_path / "list.json").write_text(
        json.dumps([{"TrainingJobName": "b"}, {"TrainingJobName": "c"}])
    )
    h = smstatus.load(tmp_path)
    assert h.job_names.tolist() == ["b", "c", "a"]  # files sorted by name
    assert len(h.transitions) == 0


def test_writers(tmp_path, data_dir):
    h = smstatus.load(data_dir / "describe")
    records = to_describe_records(h)
    xgb = records[1]
    assert xgb["TrainingJobName"] == "desc-xgb-20250516"
    assert xgb["SecondaryStatusTransitions"][0] == {
        "Status": "Starting",
        "StartTime": "2025-05-16T18:10:50.603Z",
        "EndTime": "2025-05-16T18:11:32.239Z",
        "StatusMessage": "Preparing the instances for training",
    }
    assert "EndTime" not in records[0]["SecondaryStatusTransitions"][0]  # still open
    assert "ResourceConfig" not in xgb  # absent values are left out
    with_dt = to_describe_records(h, as_datetime=True)
    assert with_dt[1]["SecondaryStatusTransitions"][0]["StartTime"] == dt.datetime(
        2025, 5, 16, 18, 10, 50, 603000, tzinfo=dt.UTC
    )
    stream = io.StringIO()
    write_describe_jsonl(h, stream)
    assert [json.loads(line) for line in stream.getvalue().splitlines()] == records
    write_describe_json(h, tmp_path / "out.json")
    assert json.loads((tmp_path / "out.json").read_text()) == records


def test_duplicate_names_keep_their_entries_with_the_first():
    h = smstatus.load(
        [
            {
                "TrainingJobName": "a",
                "SecondaryStatusTransitions": [
                    {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"}
                ],
            },
            {"TrainingJobName": "a", "TrainingJobStatus": "Failed"},
        ]
    )
    assert h.n_jobs == 2
    records = to_describe_records(h)
    assert [len(r["SecondaryStatusTransitions"]) for r in records] == [1, 0]
    assert records[1]["TrainingJobStatus"] == "Failed"


@pytest.mark.parametrize(
    ("bad", "field"),
    [({"InstanceCount": "many"}, "InstanceCount"), ("not an object", "ResourceConfig")],
)
def test_odd_attributes_are_rejects_not_left_empty(bad, field):
    """A value of the wrong type is a named reject, never a silently empty cell."""
    good = {"TrainingJobName": "ok", "ResourceConfig": {"InstanceCount": "2"}}
    h = from_describe([good, {"TrainingJobName": "odd", "ResourceConfig": bad}], errors="collect")
    assert h.jobs["job_name"].tolist() == ["ok"]
    assert h.jobs["instance_count"].tolist() == [2]
    assert h.unparsed[["line", "field"]].values.tolist() == [[2, field]]
