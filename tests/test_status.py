"""The vocabulary of design §1."""

from __future__ import annotations

import pytest

from smstatus.status import (
    DEPRECATED_STATUSES,
    INITIAL_STATUS,
    PRIMARY_OF,
    TERMINAL_STATUSES,
    PrimaryStatus,
    SecondaryStatus,
    is_known_status,
    primary_of,
)

BOTOCORE_SECONDARY = [
    "Starting",
    "LaunchingMLInstances",
    "PreparingTrainingStack",
    "Downloading",
    "DownloadingTrainingImage",
    "Training",
    "Uploading",
    "Stopping",
    "Stopped",
    "MaxRuntimeExceeded",
    "Completed",
    "Failed",
    "Interrupted",
    "MaxWaitTimeExceeded",
    "Updating",
    "Restarting",
    "Pending",
]  # the SecondaryStatus enum of the botocore service model


def test_the_seventeen_secondary_statuses_match_botocore():
    assert sorted(s.value for s in SecondaryStatus) == sorted(BOTOCORE_SECONDARY)
    assert len(SecondaryStatus) == 17


def test_botocore_model_when_installed():
    botocore = pytest.importorskip("botocore.session")
    model = botocore.get_session().get_service_model("sagemaker")
    shape = model.shape_for("SecondaryStatus")
    assert sorted(shape.enum) == sorted(s.value for s in SecondaryStatus)
    assert sorted(model.shape_for("TrainingJobStatus").enum) == sorted(
        p.value for p in PrimaryStatus
    )


@pytest.mark.parametrize(
    ("secondary", "primary"),
    [
        ("Starting", "InProgress"),
        ("Pending", "InProgress"),
        ("Training", "InProgress"),
        ("Interrupted", "InProgress"),
        ("Uploading", "InProgress"),
        ("Completed", "Completed"),
        ("Failed", "Failed"),
        ("Stopping", "Stopping"),
        ("Stopped", "Stopped"),
        ("MaxRuntimeExceeded", "Stopped"),
        ("MaxWaitTimeExceeded", "Stopped"),
    ],
)
def test_primary_of_each_secondary(secondary, primary):
    assert primary_of(secondary) == primary
    assert PRIMARY_OF[SecondaryStatus(secondary)] is PrimaryStatus(primary)


def test_every_secondary_has_a_primary():
    assert set(PRIMARY_OF) == set(SecondaryStatus)


def test_terminal_deprecated_initial_sets():
    assert {s.value for s in TERMINAL_STATUSES} == {
        "Completed",
        "Failed",
        "Stopped",
        "MaxRuntimeExceeded",
        "MaxWaitTimeExceeded",
    }
    assert {s.value for s in DEPRECATED_STATUSES} == {
        "LaunchingMLInstances",
        "PreparingTrainingStack",
        "DownloadingTrainingImage",
    }
    assert INITIAL_STATUS == "Starting"


@pytest.mark.parametrize("value", ["Warming", "", None, 3, "starting"])
def test_unknown_values_are_data_not_crashes(value):
    assert not is_known_status(value)
    if isinstance(value, str):
        assert primary_of(value) is None


def test_statuses_are_plain_strings():
    assert SecondaryStatus.TRAINING == "Training"
    assert f"{SecondaryStatus.UPLOADING}" == "Uploading"
