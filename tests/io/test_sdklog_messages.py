"""Status messages of SDK logs: the capacity and warm-pool messages are known, and container
output glued after two spaces or in colour is cut off."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smstatus.io.sdklog import KNOWN_MESSAGES, clean_message, parse_sdk_log

WARM_POOL_AND_CAPACITY = [
    "Training job failed for insufficient capacity",
    "Found matching resource for reuse",
    "Resource retained for reuse",
    "Resource released",
    "Resource released due to keep alive period expiry",
    "Instances not retained as a result of warmpool resource limits being exceeded",
]


@pytest.mark.parametrize("message", WARM_POOL_AND_CAPACITY)
def test_capacity_and_warm_pool_messages_are_known(message):
    assert message in KNOWN_MESSAGES
    # glued container output is cut after a known message, even without progress dots
    assert clean_message(message + "Epoch 1/10 loss=0.3") == message
    assert clean_message(message + "....[2024-01-01 10:00:00] INFO go") == message


@pytest.mark.parametrize(
    "raw",
    [
        "Resource reused by training job: xgb-250410-1541-006-e6a1a084",
        "Resource reused by training job: xgb-250410-1541-006-e6a1a084...Epoch 1",
        "Resource reused by training job: xgb-250410-1541-006-e6a1a084  bash: x",
    ],
)
def test_the_reuse_message_keeps_its_job_name(raw):
    assert clean_message(raw) == "Resource reused by training job: xgb-250410-1541-006-e6a1a084"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        # two spaces or more after a known message: container output
        (
            "Training image download completed. Training in progress.  Building wheel for "
            "sagemakercv (setup.py): finished with status 'done'",
            "Training image download completed. Training in progress.",
        ),
        ("Downloading input data...\t\tcontainer says hi", "Downloading input data"),
        # one space: someone's longer message, kept
        (
            "Training job failed. Reason: AlgorithmError: oops",
            "Training job failed. Reason: AlgorithmError: oops",
        ),
        ("Resource released due to keep alive period expiry", None),
        # an ANSI colour code ends the message (the SDK colours the container's output)
        ("Some new message\x1b[34m  Building wheel\x1b[0m", "Some new message"),
    ],
)
def test_glued_text(raw, message):
    assert clean_message(raw) == (message if message is not None else raw)


def test_a_coloured_glue_is_cut_where_the_colour_starts():
    h = parse_sdk_log(
        [
            "2021-09-25 06:34:15 Training - Downloading the training image...."
            "\x1b[34m2021-09-24 23:37:17.767521: W tensorflow/core/profiler\x1b[0m",
            "2021-09-25 06:37:16 Training - A message of a new SDK"
            "\x1b[34m  Building wheel for sagemakercv (setup.py): finished\x1b[0m",
            "\x1b[1m2021-09-25 06:40:00 Uploading - Uploading generated training model\x1b[0m",
            "2021-09-25 06:41:00 Completed - Training job completed",
        ],
        name="smcv",
    )
    assert h.transitions["status_message"].tolist() == [
        "Downloading the training image",
        "A message of a new SDK",
        "Uploading generated training model",
        "Training job completed",
    ]


@given(
    st.sampled_from(KNOWN_MESSAGES),
    st.integers(0, 40),
    st.sampled_from(["  ", "   ", "\t", "", "\x1b[34m", "\x1b[34m "]),
    st.text(alphabet="abcdefghij XYZ[]:0123456789-", min_size=1, max_size=30).filter(
        lambda t: t.strip() and not t.startswith((" ", "."))
    ),
)
def test_a_known_message_survives_whatever_is_glued_after_it(known, dots, glue, tail):
    assert clean_message(known + "." * dots + glue + tail) == known
