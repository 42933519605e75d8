"""Every real example in tests/data loads with the exact statuses, UTC times, names, attributes.

The expected values are written out by hand from the files (see tests/data/PROVENANCE.md).
"""

from __future__ import annotations

import pandas as pd
import pytest

import smstatus
from smstatus.io import detect_source, expand_inputs

UTC = "datetime64[ns, UTC]"


def ts(text: str | None) -> pd.Timestamp:
    return pd.NaT if text is None else pd.Timestamp(text)


def entries(history, name):
    rows = history.transitions[history.transitions["job_name"] == name]
    return [
        (
            r.status,
            r.start_time,
            r.end_time if not pd.isna(r.end_time) else None,
            None if pd.isna(r.status_message) else r.status_message,
        )
        for r in rows.itertuples()
    ]


def expected(rows):
    return [(s, ts(a), None if b is None else ts(b), m) for s, a, b, m in rows]


def job(history, name):
    return history.jobs.set_index("job_name").loc[name]


def test_describe_xgb_complete_with_offsets(data_dir):
    h = smstatus.load(data_dir / "describe" / "desc-xgb-20250516.json")
    assert entries(h, "desc-xgb-20250516") == expected(
        [
            (
                "Starting",
                "2025-05-16T18:10:50.603Z",
                "2025-05-16T18:11:32.239Z",
                "Preparing the instances for training",
            ),
            (
                "Downloading",
                "2025-05-16T18:11:32.239Z",
                "2025-05-16T18:13:13.943Z",
                "Downloading the training image",
            ),
            (
                "Training",
                "2025-05-16T18:13:13.943Z",
                "2025-05-16T18:13:24.505Z",
                "Training image download completed. Training in progress.",
            ),
            (
                "Uploading",
                "2025-05-16T18:13:24.505Z",
                "2025-05-16T18:13:37.265Z",
                "Uploading generated training model",
            ),
            (
                "Completed",
                "2025-05-16T18:13:37.265Z",
                "2025-05-16T18:13:37.265Z",
                "Training job completed",
            ),
        ]
    )
    j = job(h, "desc-xgb-20250516")
    assert (j.training_job_status, j.secondary_status, j.source) == (
        "Completed",
        "Completed",
        "describe",
    )
    assert h.transitions["step"].tolist() == [0, 1, 2, 3, 4]
    assert str(h.transitions["start_time"].dtype) == UTC


def test_describe_running_job_has_an_open_last_entry(data_dir):
    h = smstatus.load(data_dir / "describe" / "desc-schematical-inprogress-20230405.json")
    assert entries(h, "desc-schematical-inprogress-20230405") == expected(
        [
            (
                "Starting",
                "2023-04-05T15:29:57.352Z",
                None,
                "Preparing the instances for training",
            )
        ]
    )
    j = job(h, "desc-schematical-inprogress-20230405")
    assert (j.training_job_status, j.secondary_status) == ("InProgress", "Starting")
    assert pd.isna(h.transitions["end_time"].iloc[0])


def test_eventbridge_sample_completed_with_epoch_millisecond_strings(data_dir):
    h = smstatus.load(data_dir / "events" / "eventbridge-doc-sample-completed.json")
    name = "89c96cc8-dded-4739-afcc-6f1dc936701d"
    assert h.job_names.tolist() == [name]
    assert len(h.transitions) == 0
    j = job(h, name)
    moment = pd.Timestamp("2020-03-10T09:18:09.050Z")
    assert j.creation_time == j.training_start_time == moment
    assert j.training_end_time == j.last_modified_time == moment
    assert j.creation_time.value == 1583831889050 * 1_000_000
    assert (j.training_job_status, j.secondary_status, j.source) == (
        "Completed",
        "Completed",
        "events",
    )
    assert (j.instance_type, j.instance_count, j.max_runtime_s) == ("InstanceType", 3, 60)


SDK_LOGS = {
    "sdk-blazingtext-2hosts-20201128": [
        ("Starting", "2020-11-28 12:43:33", "Starting the training job"),
        ("Starting", "2020-11-28 12:43:35", "Launching requested ML instances"),
        ("Starting", "2020-11-28 12:44:56", "Preparing the instances for training"),
        ("Downloading", "2020-11-28 12:46:21", "Downloading input data"),
        ("Training", "2020-11-28 12:46:21", "Downloading the training image"),
        (
            "Training",
            "2020-11-28 12:46:41",
            "Training image download completed. Training in progress.",
        ),
        ("Uploading", "2020-11-28 12:47:28", "Uploading generated training model"),
        ("Completed", "2020-11-28 12:47:55", "Training job completed"),
    ],
    "sdk-deepar-20190314": [
        ("Starting", "2019-03-14 21:43:56", "Starting the training job"),
        ("Starting", "2019-03-14 21:44:00", "Launching requested ML instances"),
        ("Starting", "2019-03-14 21:45:02", "Preparing the instances for training"),
        ("Downloading", "2019-03-14 21:46:27", "Downloading input data"),
        (
            "Training",
            "2019-03-14 21:46:47",
            "Training image download completed. Training in progress.",
        ),
        ("Uploading", "2019-03-14 21:48:51", "Uploading generated training model"),
        ("Completed", "2019-03-14 21:48:51", "Training job completed"),
    ],
    "sdk-hf-codellama-pending-20240308": [
        ("Starting", "2024-03-08 08:05:55", "Starting the training job"),
        ("Pending", "2024-03-08 08:05:55", "Training job waiting for capacity"),
        ("Pending", "2024-03-08 08:06:33", "Preparing the instances for training"),
        ("Downloading", "2024-03-08 08:07:15", "Downloading input data"),
        ("Downloading", "2024-03-08 08:07:34", "Downloading the training image"),
        (
            "Training",
            "2024-03-08 08:10:25",
            "Training image download completed. Training in progress.",
        ),
        ("Uploading", "2024-03-08 09:49:15", "Uploading generated training model"),
        ("Completed", "2024-03-08 09:49:56", "Training job completed"),
    ],
    "sdk-issue658-failed-20190225": [
        ("Uploading", "2019-02-25 14:11:16", "Uploading generated training model"),
        ("Failed", "2019-02-25 14:11:16", "Training job failed"),
    ],
    "sdk-pytorch-20200623": [
        ("Starting", "2020-06-23 14:42:13", "Starting the training job"),
        ("Starting", "2020-06-23 14:42:15", "Launching requested ML instances"),
        ("Starting", "2020-06-23 14:43:45", "Preparing the instances for training"),
        ("Downloading", "2020-06-23 14:45:06", "Downloading input data"),
        (
            "Training",
            "2020-06-23 14:46:08",
            "Training image download completed. Training in progress.",
        ),
        ("Uploading", "2020-06-23 14:49:42", "Uploading generated training model"),
        ("Completed", "2020-06-23 14:49:42", "Training job completed"),
    ],
    "sdk-xgb-20200322": [
        ("Starting", "2020-03-22 20:01:04", "Starting the training job"),
        ("Starting", "2020-03-22 20:01:05", "Launching requested ML instances"),
        ("Starting", "2020-03-22 20:02:03", "Preparing the instances for training"),
        ("Downloading", "2020-03-22 20:02:55", "Downloading input data"),
        ("Training", "2020-03-22 20:03:12", "Downloading the training image"),
        ("Uploading", "2020-03-22 20:03:56", "Uploading generated training model"),
        ("Completed", "2020-03-22 20:03:56", "Training job completed"),
    ],
    "sdk-xgb-spot-20220528": [
        ("Starting", "2022-05-28 02:46:02", "Starting the training job"),
        ("Starting", "2022-05-28 02:46:04", "Launching requested ML instances"),
        ("Starting", "2022-05-28 02:47:53", "Preparing the instances for training"),
        ("Downloading", "2022-05-28 02:49:31", "Downloading input data"),
        (
            "Training",
            "2022-05-28 02:49:31",
            "Training image download completed. Training in progress.",
        ),
        ("Uploading", "2022-05-28 02:49:31", "Uploading generated training model"),
        ("Completed", "2022-05-28 02:49:54", "Training job completed"),
    ],
}
SDK_PRIMARY = {"sdk-issue658-failed-20190225": "Failed"}


@pytest.mark.parametrize("name", sorted(SDK_LOGS))
def test_sdk_log_every_status_line(data_dir, name):
    h = smstatus.load(data_dir / "sdk-logs" / f"{name}.log")
    lines = SDK_LOGS[name]
    # poll times in UTC; entry i ends when i+1 starts; the terminal last entry has zero length
    want = [
        (status, ts(t + "Z"), ts((lines[i + 1][1] if i + 1 < len(lines) else t) + "Z"), msg)
        for i, (status, t, msg) in enumerate(lines)
    ]
    assert entries(h, name) == want
    j = job(h, name)
    last = lines[-1][0]
    assert (j.training_job_status, j.secondary_status, j.source) == (
        SDK_PRIMARY.get(name, "Completed"),
        last,
        "sdk-log",
    )
    assert len(h.unparsed) == 0


def test_sdk_log_times_follow_the_printing_zone(data_dir):
    path = data_dir / "sdk-logs" / "sdk-issue658-failed-20190225.log"
    h = smstatus.load(path, naive_tz="America/New_York")
    assert h.transitions["start_time"].iloc[0] == pd.Timestamp("2019-02-25T19:11:16Z")


def test_every_file_is_detected_and_loads_together(data_dir):
    files = expand_inputs(data_dir)
    kinds = {f.stem: detect_source(f) for f in files if f.path.suffix != ".md"}
    assert kinds == {
        "desc-schematical-inprogress-20230405": "describe",
        "desc-xgb-20250516": "describe",
        "eventbridge-doc-sample-completed": "events",
        **{name: "sdk-log" for name in SDK_LOGS},
    }
    h = smstatus.load(data_dir)
    assert h.n_jobs == 10
    assert len(h.transitions) == 6 + sum(len(v) for v in SDK_LOGS.values())
    assert len(h.unparsed) == 0
    assert h.jobs["source"].value_counts().to_dict() == {"sdk-log": 7, "describe": 2, "events": 1}
