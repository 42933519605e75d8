"""Content detection of every source, and an explicit source honoured."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

import smstatus
from smstatus.errors import ParseError
from smstatus.io import detect_source, expand_inputs

DESCRIBE = {"TrainingJobName": "j", "SecondaryStatusTransitions": []}
EVENT = {"detail-type": "SageMaker Training Job State Change", "detail": DESCRIBE}


def detect(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return detect_source(expand_inputs(path)[0])


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (json.dumps(DESCRIBE), "describe"),
        (json.dumps(DESCRIBE, indent=2), "describe"),
        (json.dumps([DESCRIBE, DESCRIBE]), "describe"),
        (json.dumps({"TrainingJobs": [DESCRIBE]}), "describe"),
        (json.dumps(DESCRIBE) + "\n" + json.dumps(DESCRIBE) + "\n", "describe"),
        ("\ufeff" + json.dumps(DESCRIBE), "describe"),
        (json.dumps(EVENT), "events"),
        (json.dumps(EVENT, indent=4), "events"),
        ("  \n" + json.dumps([EVENT]), "events"),
        (json.dumps(EVENT) + "\n" + json.dumps(EVENT) + "\n", "events"),
        # an event bigger than the head read for detection
        ('{"detail-type": "x", "detail": {"TrainingJobName": "' + "a" * 70000 + '"}}', "events"),
        ("job_name,step,status,start_time\n", "table"),
        ('"job_name","step","status","start_time"\n', "table"),
        ("status,job_name,start_time\r\n", "table"),
        ("2024-03-08 08:05:55 Starting - Starting the training job...\n", "sdk-log"),
        (
            "INFO:sagemaker:Creating training-job with name: x\n"
            "2024-03-08 08:05:55 Starting - Starting the training job\n",
            "sdk-log",
        ),
    ],
)
def test_detects_the_source(tmp_path, content, kind):
    assert detect(tmp_path, "input", content) == kind


def test_parquet_and_gzip(tmp_path):
    pd.DataFrame({"job_name": ["a"]}).to_parquet(tmp_path / "t.bin")
    assert detect_source(expand_inputs(tmp_path / "t.bin")[0]) == "table"
    assert detect(tmp_path, "d.gz", gzip.compress(json.dumps(DESCRIBE).encode())) == "describe"


def test_sdk_log_after_long_container_output(tmp_path):
    noise = "".join(f"[container] line {i} of output\n" for i in range(20000))  # > 64 KiB
    text = noise + "2024-03-08 09:49:56 Completed - Training job completed\n"
    assert detect(tmp_path, "tail.log", text) == "sdk-log"


@pytest.mark.parametrize(
    "content",
    [
        "just some text\nwith lines\n",
        "2024-03-08 08:05:55 INFO - a log line that is not a status\n",
        "2024-03-08 08:05:55 Warning - neither is this\n",
        "a,b\n1,2\n",
    ],
)
def test_unknown_content_names_the_file_and_suggests_source(tmp_path, content):
    with pytest.raises(ParseError, match="--source") as err:
        detect(tmp_path, "mystery.txt", content)
    assert err.value.file.endswith("mystery.txt")


def test_empty_file(tmp_path):
    with pytest.raises(ParseError, match="empty"):
        detect(tmp_path, "empty.json", "  \n")


def test_explicit_source_is_honoured(tmp_path, data_dir):
    log = data_dir / "sdk-logs" / "sdk-deepar-20190314.log"
    assert smstatus.load(log, source="sdk-log").n_jobs == 1
    with pytest.raises(ParseError):  # a log is not JSON
        smstatus.load(log, source="describe")
    describe = data_dir / "describe" / "desc-xgb-20250516.json"
    with pytest.raises(ParseError, match="no SDK status line"):
        smstatus.load(describe, source="sdk-log")
    event = data_dir / "events" / "eventbridge-doc-sample-completed.json"
    # read as describe, the event has no TrainingJobName at the top
    with pytest.raises(ParseError, match="TrainingJobName"):
        smstatus.load(event, source="describe")
    with pytest.raises(ValueError, match="source must be one of"):
        smstatus.load(describe, source="csv")


def test_io_public_names():
    import smstatus.io as io_

    assert len(set(io_.__all__)) == len(io_.__all__)
    for name in io_.__all__:
        assert getattr(io_, name) is not None, name
    with pytest.raises(AttributeError):
        io_.no_such_name  # noqa: B018
