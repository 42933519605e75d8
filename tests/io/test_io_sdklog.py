"""SageMaker SDK logs: status lines, glued container output, dots, names, seconds, errors."""

from __future__ import annotations

import gzip
import io
import sys

import pandas as pd
import pytest

import smstatus
from smstatus.errors import ParseError
from smstatus.io.sdklog import clean_message, parse_sdk_log


def parse(text: str, **kw):
    kw.setdefault("name", "from-file")
    return parse_sdk_log(io.StringIO(text), **kw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        # glued container output and dots from the real examples
        ("Downloading the training image.Arguments: train", "Downloading the training image"),
        (
            "Training image download completed. Training in progress.[11/28/2020 12:46:55 "
            "WARNING 140259373856576] Loggers have already been setup.",
            "Training image download completed. Training in progress.",
        ),
        (
            "Uploading generated training modelEvaluating word embeddings....",
            "Uploading generated training model",
        ),
        (
            "Training image download completed. Training in progress.....bash: cannot set "
            "terminal process group (-1): Inappropriate ioctl for device",
            "Training image download completed. Training in progress.",
        ),
        (
            "Uploading generated training model2024-03-08 09:49:10,847 sagemaker-training-"
            "toolkit INFO     Waiting for the process to finish and give a return code.",
            "Uploading generated training model",
        ),
        (
            "Launching requested ML instancesProfilerReport-1653705962: InProgress",
            "Launching requested ML instances",
        ),
        (
            "Uploading generated training model.[2022-05-28 02:49:28.260 ip-10-0-184-19.ec2."
            "internal:1 INFO utils.py:27] RULE_JOB_STOP_SIGNAL_FILENAME: None",
            "Uploading generated training model",
        ),
        ("Preparing the instances for training.........", "Preparing the instances for training"),
        ("Training job waiting for capacity......", "Training job waiting for capacity"),
        ("Training job completed", "Training job completed"),
        # a known message that goes on after a space is someone's longer message
        (
            "Training job failed. Reason: AlgorithmError: oops",
            "Training job failed. Reason: AlgorithmError: oops",
        ),
        ("Training job completed ✅", "Training job completed ✅"),
        # unknown messages: cut at dots, glued brackets and dates; CamelCase words are kept
        ("Acquiring warm pool instances.....", "Acquiring warm pool instances"),
        ("Job stopped: MaxRuntimeExceeded...", "Job stopped: MaxRuntimeExceeded"),
        ("Some new message[INFO] container says hi", "Some new message"),
        ("Some new message2024-01-01 10:00:00 toolkit", "Some new message"),
        ("Some new message.", "Some new message"),
        ("...", ""),
        ("", ""),
    ],
)
def test_clean_message(raw, message):
    assert clean_message(raw) == message


LOG = """\
INFO:sagemaker:Creating training-job with name: xgb-2024-03-08-08-05-53-957
2024-03-08 08:05:55 Starting - Starting the training job...
2024-03-08 08:06:33 Starting - Preparing the instances for training...
.....
2024-03-08 08:07:15 Downloading - Downloading input data...
[2024-03-08 08:09:00.000 algo-1:27 INFO main.py:10] container output on a line of its own
2024-03-08 08:09:10,847 sagemaker-training-toolkit INFO     Invoking script
2024-03-08 08:09:11 INFO - a logging line that looks almost like a status line
2024-03-08 08:09:12 Warning - another one
bash: cannot set terminal process group (-1): Inappropriate ioctl for device
2024-03-08 08:10:25 Training - Training image download completed. Training in progress.
2024-03-08 09:49:15 Uploading - Uploading generated training model
2024-03-08 09:49:56 Completed - Training job completed
Training seconds: 5890
Billable seconds: 2356
Managed Spot Training savings: 60.0%
"""


def test_container_output_is_skipped_and_every_status_line_kept():
    h = parse(LOG)
    assert h.job_names.tolist() == ["xgb-2024-03-08-08-05-53-957"]
    t = h.transitions
    assert t["status"].tolist() == [
        "Starting",
        "Starting",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
    ]
    assert t["start_time"].iloc[3] == pd.Timestamp("2024-03-08T08:10:25Z")
    assert t["end_time"].iloc[3] == pd.Timestamp("2024-03-08T09:49:15Z")
    assert t["end_time"].iloc[-1] == t["start_time"].iloc[-1]  # terminal: zero length
    j = h.jobs.iloc[0]
    assert (j.training_time_s, j.billable_time_s) == (5890, 2356)
    assert (j.training_job_status, j.secondary_status, j.source) == (
        "Completed",
        "Completed",
        "sdk-log",
    )
    assert len(h.unparsed) == 0


def test_padded_columns_indentation_ansi_and_carriage_returns():
    text = (
        "    2026-04-22 03:28:07  Starting    - Starting the training job..\r\n"
        "\x1b[32m2026-04-22 03:28:45  Downloading - Downloading input data...\x1b[0m\r\n"
        "2026-04-22 03:38:06  Training    - Training image download completed. Training "
        "in progress.....\r\n"
    )
    h = parse(text)
    assert h.transitions["status"].tolist() == ["Starting", "Downloading", "Training"]
    assert h.transitions["status_message"].tolist()[1] == "Downloading input data"
    # not terminal: the last entry is open and the job still in progress
    assert pd.isna(h.transitions["end_time"].iloc[-1])
    assert h.jobs["training_job_status"].iloc[0] == "InProgress"
    assert h.jobs["secondary_status"].iloc[0] == "Training"


@pytest.mark.parametrize(
    ("last", "primary"),
    [
        ("Stopping", "Stopping"),
        ("Stopped", "Stopped"),
        ("MaxWaitTimeExceeded", "Stopped"),
        ("Failed", "Failed"),
        ("Interrupted", "InProgress"),
        ("WarmingUp", "InProgress"),
    ],
)
def test_primary_status_follows_the_last_status(last, primary):
    h = parse(f"2024-01-01 00:00:00 Starting - x\n2024-01-01 00:01:00 {last} - y\n")
    assert h.jobs["training_job_status"].iloc[0] == primary
    closed = last in {"Stopped", "MaxWaitTimeExceeded", "Failed"}
    assert pd.isna(h.transitions["end_time"].iloc[-1]) != closed


def test_unknown_statuses_are_kept_as_data():
    h = parse("2024-01-01 00:00:00 Starting - a\n2024-01-01 00:01:00 WarmingUp - b\n")
    assert h.transitions["status"].tolist() == ["Starting", "WarmingUp"]
    assert "WarmingUp" in h.transitions["status"].cat.categories


def test_repeats_are_kept_and_shared_poll_times_give_zero_lengths():
    h = parse(
        "2024-01-01 00:00:00 Starting - a\n"
        "2024-01-01 00:00:00 Starting - b\n"
        "2024-01-01 00:00:05 Training - c\n"
    )
    t = h.transitions
    assert t["status"].tolist() == ["Starting", "Starting", "Training"]
    assert (t["end_time"].iloc[0] - t["start_time"].iloc[0]) == pd.Timedelta(0)


@pytest.mark.parametrize(
    "line",
    [
        "Creating training-job with name: my-job-1",
        "INFO:sagemaker:Creating training-job with name: my-job-1",
        "[03/08/24 08:05:53] INFO     Creating training-job with name: my-job-1   session.py:1042",
        "Job Name: my-job-1",
        "  job name = 'my-job-1'",
        "TrainingJobName: my-job-1",
        "Training job name: my-job-1",
    ],
)
def test_the_log_names_its_job(line):
    h = parse(f"{line}\n2024-01-01 00:00:00 Starting - a\n")
    assert h.job_names.tolist() == ["my-job-1"]


def test_failure_line_names_the_job_and_gives_the_reason():
    h = parse(
        "2019-02-25 14:11:16 Failed - Training job failed\n"
        "Traceback (most recent call last):\n"
        "UnexpectedStatusException: Error for Training job xgb-1: Failed. Reason: "
        "AlgorithmError: out of memory\n"
    )
    j = h.jobs.iloc[0]
    assert (j.job_name, j.failure_reason) == ("xgb-1", "AlgorithmError: out of memory")


def test_a_second_job_name_is_reported():
    text = (
        "Creating training-job with name: a-1\n2024-01-01 00:00:00 Starting - x\n"
        "Creating training-job with name: b-2\n"
    )
    with pytest.raises(ParseError, match="second job 'b-2'") as err:
        parse(text, file="two.log")
    assert (err.value.file, err.value.line, err.value.field) == ("two.log", 3, "job_name")
    h = parse(text, errors="collect")
    assert h.job_names.tolist() == ["a-1"]
    assert h.unparsed["line"].tolist() == [3]


@pytest.mark.parametrize(
    "bad", ["2024-13-45 99:00:00 Training - x", "2024-3-8 08:05:55 Training - x"]
)
def test_a_status_line_with_a_bad_time_is_reported(bad):
    text = f"2024-01-01 00:00:00 Starting - a\n{bad}\n2024-01-01 00:05:00 Completed - c\n"
    with pytest.raises(ParseError) as err:
        parse(text, file="bad.log")
    assert (err.value.file, err.value.line, err.value.field) == ("bad.log", 2, "time")
    h = parse(text, file="bad.log", errors="collect")
    assert h.transitions["status"].tolist() == ["Starting", "Completed"]
    assert h.unparsed[["file", "line"]].values.tolist() == [["bad.log", 2]]


def test_a_log_without_status_lines_is_an_error():
    with pytest.raises(ParseError, match="no SDK status line"):
        parse("just container output\n", file="empty.log")
    h = parse("just container output\n", file="empty.log", errors="collect")
    assert h.n_jobs == 0
    assert h.unparsed["file"].tolist() == ["empty.log"]


def test_named_from_the_file_gz_and_stdin(tmp_path, data_dir, monkeypatch):
    raw = (data_dir / "sdk-logs" / "sdk-deepar-20190314.log").read_bytes()
    path = tmp_path / "my-run.log.gz"
    path.write_bytes(gzip.compress(raw))
    assert smstatus.load(path).job_names.tolist() == ["my-run"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    h = smstatus.load("-")
    assert h.job_names.tolist() == ["stdin"]
    assert len(h.transitions) == 7


def test_naive_zone(tmp_path):
    h = parse("2024-07-01 12:00:00 Starting - a\n", naive_tz="Europe/Berlin")
    assert h.transitions["start_time"].iloc[0] == pd.Timestamp("2024-07-01T10:00:00Z")
