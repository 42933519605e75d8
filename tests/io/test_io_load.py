"""`load` over many files: the order of the inputs, one history, sources mixed."""

from __future__ import annotations

import json
import shutil

import pandas as pd

import smstatus
from smstatus.io.describe import to_describe_records


def test_jobs_follow_the_inputs_across_sources(tmp_path, data_dir):
    logs = data_dir / "sdk-logs"
    shutil.copy(data_dir / "describe" / "desc-xgb-20250516.json", tmp_path / "a.json")
    shutil.copy(logs / "sdk-deepar-20190314.log", tmp_path / "b.log")
    shutil.copy(data_dir / "events" / "eventbridge-doc-sample-completed.json", tmp_path / "c.json")
    shutil.copy(
        data_dir / "describe" / "desc-schematical-inprogress-20230405.json", tmp_path / "d.json"
    )
    shutil.copy(logs / "sdk-xgb-20200322.log", tmp_path / "e.log")
    h = smstatus.load(tmp_path)
    assert h.job_names.tolist() == [
        "desc-xgb-20250516",
        "b",
        "89c96cc8-dded-4739-afcc-6f1dc936701d",
        "desc-schematical-inprogress-20230405",
        "e",
    ]
    assert h.jobs["source"].tolist() == ["describe", "sdk-log", "events", "describe", "sdk-log"]
    for name in h.job_names:
        one = h.select([name])
        assert one.transitions["step"].tolist() == list(range(len(one.transitions)))


def test_a_directory_of_small_files_equals_the_records(tmp_path, data_dir):
    base = to_describe_records(smstatus.load(data_dir / "describe"))
    records = [
        {**rec, "TrainingJobName": f"{rec['TrainingJobName']}-{i}"}
        for i in range(75)
        for rec in base
    ]
    for i, rec in enumerate(records):
        (tmp_path / f"{i:04d}.json").write_text(json.dumps(rec, indent=1))
    many = smstatus.load(tmp_path)
    one = smstatus.load(records)
    pd.testing.assert_frame_equal(many.transitions, one.transitions)
    pd.testing.assert_frame_equal(many.jobs, one.jobs)
