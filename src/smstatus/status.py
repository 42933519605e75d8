"""The status vocabulary of SageMaker training jobs.

The secondary statuses and primary statuses are those of the botocore service model
(``SecondaryStatus`` and ``TrainingJobStatus``). AWS says the valid secondary values are
"subject to change": values outside this vocabulary are kept as data by every loader and
reported by validation as ``unknown_status``; they never raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "DEPRECATED_STATUSES",
    "INITIAL_STATUS",
    "PRIMARY_OF",
    "TERMINAL_STATUSES",
    "PrimaryStatus",
    "SecondaryStatus",
    "is_known_status",
    "primary_of",
]


class SecondaryStatus(StrEnum):
    """The 17 secondary statuses of a training job, in lifecycle order."""

    STARTING = "Starting"
    PENDING = "Pending"
    LAUNCHING_ML_INSTANCES = "LaunchingMLInstances"
    PREPARING_TRAINING_STACK = "PreparingTrainingStack"
    DOWNLOADING = "Downloading"
    DOWNLOADING_TRAINING_IMAGE = "DownloadingTrainingImage"
    TRAINING = "Training"
    UPDATING = "Updating"
    RESTARTING = "Restarting"
    INTERRUPTED = "Interrupted"
    UPLOADING = "Uploading"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    MAX_RUNTIME_EXCEEDED = "MaxRuntimeExceeded"
    MAX_WAIT_TIME_EXCEEDED = "MaxWaitTimeExceeded"
    COMPLETED = "Completed"
    FAILED = "Failed"


class PrimaryStatus(StrEnum):
    """The primary status (``TrainingJobStatus``) of a training job.

    ``Deleting`` is in the current botocore model; no secondary status maps to it (a job being
    deleted keeps the history it had; see ``docs/machine.md``).
    """

    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    DELETING = "Deleting"


S = SecondaryStatus
P = PrimaryStatus

PRIMARY_OF: Mapping[SecondaryStatus, PrimaryStatus] = MappingProxyType(
    {
        S.STARTING: P.IN_PROGRESS,
        S.PENDING: P.IN_PROGRESS,
        S.LAUNCHING_ML_INSTANCES: P.IN_PROGRESS,
        S.PREPARING_TRAINING_STACK: P.IN_PROGRESS,
        S.DOWNLOADING: P.IN_PROGRESS,
        S.DOWNLOADING_TRAINING_IMAGE: P.IN_PROGRESS,
        S.TRAINING: P.IN_PROGRESS,
        S.UPDATING: P.IN_PROGRESS,
        S.RESTARTING: P.IN_PROGRESS,
        S.INTERRUPTED: P.IN_PROGRESS,
        S.UPLOADING: P.IN_PROGRESS,
        S.COMPLETED: P.COMPLETED,
        S.FAILED: P.FAILED,
        S.STOPPING: P.STOPPING,
        S.STOPPED: P.STOPPED,
        S.MAX_RUNTIME_EXCEEDED: P.STOPPED,
        S.MAX_WAIT_TIME_EXCEEDED: P.STOPPED,
    }
)
"""The primary status that goes with each secondary status (``docs/machine.md``)."""

TERMINAL_STATUSES: frozenset[SecondaryStatus] = frozenset(
    {S.COMPLETED, S.FAILED, S.STOPPED, S.MAX_RUNTIME_EXCEEDED, S.MAX_WAIT_TIME_EXCEEDED}
)
"""Statuses no edge leaves."""

DEPRECATED_STATUSES: frozenset[SecondaryStatus] = frozenset(
    {
        S.LAUNCHING_ML_INSTANCES,
        S.PREPARING_TRAINING_STACK,
        S.DOWNLOADING_TRAINING_IMAGE,
    }
)
"""Statuses AWS deprecated; seen in pre-2018 histories only."""

INITIAL_STATUS: SecondaryStatus = S.STARTING
"""The status every history starts with."""

_KNOWN = frozenset(s.value for s in SecondaryStatus)


def is_known_status(value: object) -> bool:
    """Return whether ``value`` is one of the 17 secondary statuses."""
    return isinstance(value, str) and value in _KNOWN


def primary_of(status: str) -> PrimaryStatus | None:
    """Return the primary status of a secondary status, or ``None`` when it is unknown."""
    if not is_known_status(status):
        return None
    return PRIMARY_OF[SecondaryStatus(status)]
