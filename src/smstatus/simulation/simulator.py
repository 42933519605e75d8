"""Realistic synthetic ``DescribeTrainingJob`` responses for a fleet of training jobs.

:func:`simulate` returns JSON-ready dicts shaped like the API's responses (ISO-8601 strings with
offsets, the API's keys in the API's order); :func:`simulate_with_truth` also returns a frame
that says what was generated for each job, in particular which histories were corrupted on
purpose and which violation each corruption should cause. :func:`write_jsonl` writes the
responses as JSON Lines (gzip when the name ends in ``.gz``). The bundled sample
(:mod:`smstatus.simulation.sample`) is made with this module.

What the fleet holds
--------------------
- A mix of CPU, GPU and Trainium instance types with realistic names, counts and volumes; jobs
  launched alone, by hyperparameter tuning jobs (``TuningJobArn``, in parallel batches) or in
  sessions of one person iterating on one configuration (a job after the other); SDK-style
  names; more jobs on weekdays than at weekends, mostly in working hours, in a growing fleet.
- On-demand and managed spot jobs (``MaxWaitTimeInSeconds``, ``CheckpointConfig``; spot bills
  only the time on instances, with savings of 50-90 %), ``File``, ``Pipe`` and ``FastFile``
  input (``File`` jobs always download; most others show a short ``Downloading`` too, as
  published Pipe-mode histories do), warm pools (``KeepAlivePeriodInSeconds``,
  ``WarmPoolStatus``: a kept pool is reused by the next job of the same type, count and region
  created within the keep-alive period, whose Starting then lasts seconds), retry strategies,
  training plans.
- Capacity waits in Starting and Pending whose length depends on the instance type (long
  lognormal tails for big GPU instances, longer for spot) and moves over time: incidents (a few
  days in one region when waits on some GPU types grow several times, ``capacity_incident`` in
  the truth), a scarce ``ml.p5.48xlarge`` that gets scarcer through the window, and a spot
  market that tightens. Spot interruptions loop back to Starting, Downloading or Pending
  (``Interrupted``); retries after internal errors (back to Starting); gaps between capacity
  reservations (``Training -> Pending``); restarts and updates; failures in every phase with
  ``FailureReason`` texts of the kind AWS returns; user stops (``Stopping -> Stopped``,
  sometimes uploading a model first); ``MaxRuntimeExceeded`` and ``MaxWaitTimeExceeded``.
- What published histories show: a failure after training passes through Uploading (never
  ``Training -> Failed``); a capacity failure ends in Pending ("Training job failed for
  insufficient capacity", ``CapacityError``); a reused pool starts with "Found matching resource
  for reuse", and the job that kept its instances reports their fate on its terminal entry, in
  step with ``WarmPoolStatus``: "Resource retained for reuse" (``Available``), "Resource reused
  by training job: NAME" (``Reused``), "Resource released" or "Resource released due to keep
  alive period expiry" (``Terminated``), or "Instances not retained as a result of warmpool
  resource limits being exceeded" (``Terminated``, nothing retained).
- Jobs from before 2018 (between SageMaker's launch on 2017-11-29 and 2018), with the
  deprecated ``LaunchingMLInstances``, ``PreparingTrainingStack`` and
  ``DownloadingTrainingImage``, only when asked for (``legacy_share``) or inside the window.
- Jobs still running when the fleet is described (at the end of the window): their last
  entry has no ``EndTime`` key and a message that fits how long it has been open.
- ``corrupt_share`` of the jobs with a corrupted history (see :data:`CORRUPTIONS`).

Each job walks the lifecycle declared in :mod:`smstatus.simulation.lifecycle` (the phases,
the ways out of each and their chances and conditions, as data). Every edge of a history that is
not corrupted is legal in :func:`smstatus.machine.default_machine`; the entries are contiguous
(``EndTime`` of one entry is the ``StartTime`` of the next), the terminal entry has zero length
and the primary and secondary statuses agree with the last entry. Features appear only after
their approximate AWS launch dates (managed spot 2019-08, FastFile 2021-10, retry strategies
2022-01, warm pools 2022-09, the Pending status 2023-01, training plans 2024-12), and messages
sit where AWS printed them in each year: "Downloading the training image" under Training until
2023-10 and under Downloading after; "Preparing the instances for training" under Pending from
2024 (before, a Pending entry says "Training job waiting for capacity").

Messages: those of the API reference (Starting: "Starting the training job", "Launching
requested ML instances", "Insufficient capacity error from EC2 while launching instances,
retrying!", "Launched instance was unhealthy, replacing it!", "Preparing the instances for
training"; Training: "Downloading the training image", "Training image download completed.
Training in progress.") and those printed in published histories (the test corpus): "Training
job waiting for capacity", "Downloading input data", "Uploading generated training model",
"Training job completed", "Training job failed", the warm-pool messages above. The messages of
Interrupted, Restarting, Updating, Stopped, MaxRuntimeExceeded and MaxWaitTimeExceeded are our
phrasing of the documented meaning of those statuses (AWS says status messages are subject to
change).

Determinism
-----------
The output depends only on the arguments. Every random number is drawn as a uniform double
from one ``numpy.random.Generator(PCG64(seed))``, the stream numpy keeps stable across
versions; normal, exponential and categorical draws are derived from those uniforms here.
"""

from __future__ import annotations

import gc
import gzip
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any, NamedTuple, cast

import numpy as np
import pandas as pd

from smstatus.machine import default_machine
from smstatus.simulation.lifecycle import (
    ACTIVE,
    FIRST_PHASE,
    LIFECYCLE,
    Exit,
    Lasts,
    Phase,
    cut_phase,
    targets,
)
from smstatus.status import PRIMARY_OF, SecondaryStatus

__all__ = [
    "CORRUPTIONS",
    "MESSAGES",
    "Simulation",
    "simulate",
    "simulate_with_truth",
    "write_jsonl",
]

# -- vocabulary ------------------------------------------------------------------------------

MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "starting": "Starting the training job",
        "launching": "Launching requested ML instances",
        "capacity": "Insufficient capacity error from EC2 while launching instances, retrying!",
        "unhealthy": "Launched instance was unhealthy, replacing it!",
        "preparing": "Preparing the instances for training",
        "reuse": "Found matching resource for reuse",
        "waiting": "Training job waiting for capacity",
        "downloading": "Downloading input data",
        "image": "Downloading the training image",
        "training": "Training image download completed. Training in progress.",
        "interrupted": "Training job interrupted because of spot instance interruption",
        "restarting": "Restarting the training job on replacement instances",
        "updating": "Updating the training job",
        "uploading": "Uploading generated training model",
        "stopping": "Stopping the training job",
        "stopped": "Training job stopped",
        "max_runtime": "Training job runtime exceeded MaxRuntimeInSeconds provided",
        "max_wait": "Training job exceeded MaxWaitTimeInSeconds provided",
        "completed": "Training job completed",
        "failed": "Training job failed",
        "capacity_failed": "Training job failed for insufficient capacity",
        "retained": "Resource retained for reuse",
        "reused_by": "Resource reused by training job: {name}",
        "released": "Resource released",
        "expired": "Resource released due to keep alive period expiry",
        "not_retained": (
            "Instances not retained as a result of warmpool resource limits being exceeded"
        ),
    }
)
"""The status messages the simulator writes, by key."""

CORRUPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "swapped_entries": "out_of_order",
        "illegal_edge": "illegal_transition",
        "unknown_status": "unknown_status",
        "negative_duration": "negative_duration",
        "gap": "gap",
        "missing_terminal": "not_terminal",
        "overlap": "overlap",
        "status_mismatch": "status_mismatch",
        "open_interval": "open_interval_not_last",
        "bad_initial": "bad_initial_status",
        "after_terminal": "transition_after_terminal",
    }
)
"""Each kind of corruption and the violation code validation should report for it."""

_CORRUPTION_WEIGHTS = {
    "swapped_entries": 14,
    "illegal_edge": 16,
    "unknown_status": 12,
    "negative_duration": 12,
    "gap": 12,
    "missing_terminal": 10,
    "overlap": 6,
    "status_mismatch": 6,
    "open_interval": 4,
    "bad_initial": 4,
    "after_terminal": 4,
}
_UNKNOWN_STATUSES = ("Provisioning", "Queued", "Resuming", "WarmingUp", "Checkpointing")
_TERMINAL = frozenset(
    {"Completed", "Failed", "Stopped", "MaxRuntimeExceeded", "MaxWaitTimeExceeded"}
)
_DEPRECATED = frozenset(
    {"LaunchingMLInstances", "PreparingTrainingStack", "DownloadingTrainingImage"}
)
_LAUNCHED = frozenset({"Downloading", "DownloadingTrainingImage", "Training"})
_BILLED = ACTIVE | {"Stopping"}

ACCOUNT = "123456789012"
_ROLES = (
    f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-20240117T101530",
    f"arn:aws:iam::{ACCOUNT}:role/ml-platform-training",
)
_REGIONS = (("us-east-1", 0.6), ("us-west-2", 0.3), ("eu-west-1", 0.1))
_FIRST_PARTY = {
    "us-east-1": "683313688378",
    "us-west-2": "246618743249",
    "eu-west-1": "141502667606",
}
_DLC = "763104351884"
_OFFSETS = (
    (0, 0.55),
    (-420, 0.14),
    (-300, 0.1),
    (60, 0.08),
    (540, 0.05),
    (330, 0.04),
    (None, 0.04),
)
"""Offsets (minutes) of the clocks that described the jobs; ``None`` writes ``Z``."""

_SAGEMAKER_GA = pd.Timestamp("2017-11-29", tz="UTC")
_LATEST_END = pd.Timestamp("2262-01-01", tz="UTC")  # nanoseconds end on 2262-04-11
_LAUNCH = {
    "spot": pd.Timestamp("2019-08-26", tz="UTC"),
    "fastfile": pd.Timestamp("2021-10-27", tz="UTC"),
    "retry": pd.Timestamp("2022-01-15", tz="UTC"),
    "warm_pool": pd.Timestamp("2022-09-28", tz="UTC"),
    "pending": pd.Timestamp("2023-01-01", tz="UTC"),
    "training_plan": pd.Timestamp("2024-12-04", tz="UTC"),
    # where AWS prints a message moved: "Downloading the training image" from Training to
    # Downloading in late 2023; "Preparing the instances for training" to Pending in 2024
    "image_in_downloading": pd.Timestamp("2023-10-01", tz="UTC"),
    "preparing_in_pending": pd.Timestamp("2024-01-01", tz="UTC"),
}


@dataclass(frozen=True)
class _Profile:
    """How jobs on one instance type behave (seconds)."""

    name: str
    kind: str
    weight: float
    counts: tuple[int, ...]
    count_weights: tuple[float, ...]
    starting_s: float
    wait_p: float
    wait_s: float
    wait_sigma: float
    train_s: float
    spot_p: float
    interrupt_per_h: float
    volume_gb: int
    upload_s: float


def _profiles(table: str) -> tuple[_Profile, ...]:
    """Parse a profile table: one instance type a line, counts as ``count:weight`` pairs."""
    out = []
    for line in table.strip().splitlines()[1:]:
        name, kind, weight, counts, *rest = line.split()
        pairs = [tuple(map(int, c.split(":"))) for c in counts.split(",")]
        start, wait_p, wait_s, sigma, train, spot, rate, volume, upload = map(float, rest)
        out.append(
            _Profile(
                name, kind, float(weight), tuple(c for c, _ in pairs),
                tuple(float(w) for _, w in pairs), start, wait_p, wait_s, sigma, train, spot,
                rate, int(volume), upload,
            )
        )  # fmt: skip
    return tuple(out)


# w: weight in the fleet; counts: InstanceCount:weight; start: median Starting (s);
# wait_p, wait_s, sigma: chance, median (s) and lognormal sigma of a capacity wait (on-demand,
# first attempt); train: median training (s); spot: share of spot jobs; int: spot interruptions
# an hour; vol: VolumeSizeInGB; up: median Uploading (s).
_MODERN = _profiles(
    """
name             kind w  counts               start wait_p wait_s sigma train spot int  vol  up
ml.m5.xlarge     cpu  14 1:1                  110   0.01   120    0.8   900   0.30 0.04 30   8
ml.m5.2xlarge    cpu  8  1:9,2:1              115   0.01   120    0.8   1500  0.30 0.04 30   10
ml.m5.4xlarge    cpu  6  1:7,2:2,4:1          120   0.02   150    0.9   2400  0.30 0.05 50   12
ml.c5.2xlarge    cpu  6  1:1                  105   0.01   120    0.8   1200  0.35 0.05 30   8
ml.c5.9xlarge    cpu  4  1:6,2:3,4:1          130   0.02   200    0.9   2700  0.35 0.06 50   12
ml.r5.4xlarge    cpu  3  1:1                  130   0.02   200    0.9   3000  0.30 0.05 100  15
ml.g4dn.xlarge   gpu  8  1:1                  170   0.05   300    1.0   3600  0.40 0.08 50   25
ml.g5.2xlarge    gpu  10 1:1                  190   0.12   420    1.1   5400  0.35 0.10 100  40
ml.g5.12xlarge   gpu  6  1:8,2:2              220   0.18   900    1.2   9000  0.30 0.12 200  90
ml.g5.48xlarge   gpu  3  1:6,2:3,4:1          260   0.28   1200   1.3   14400 0.25 0.15 500  180
ml.p3.2xlarge    gpu  7  1:1                  200   0.10   600    1.1   7200  0.40 0.10 100  45
ml.p3.16xlarge   gpu  3  1:6,2:3,4:1          260   0.22   1200   1.2   14400 0.30 0.15 500  150
ml.p4d.24xlarge  gpu  5  1:4,2:3,4:2,8:1      330   0.45   2400   1.4   28800 0.15 0.20 500  300
ml.p5.48xlarge   gpu  3  1:3,2:3,4:2,8:1,16:1 380   0.60   3600   1.5   43200 0.08 0.25 1000 420
ml.trn1.32xlarge trn  2  1:3,4:3,8:2,16:1     320   0.35   2400   1.3   36000 0.10 0.20 500  300
"""
)
_LEGACY = _profiles(
    """
name          kind w counts      start wait_p wait_s sigma train spot int vol up
ml.m4.xlarge  cpu  5 1:1         240   0      0      1     900   0    0   30  10
ml.c4.2xlarge cpu  3 1:3,2:1     240   0      0      1     1200  0    0   30  10
ml.c4.8xlarge cpu  2 1:2,2:1,4:1 260   0      0      1     2400  0    0   50  12
ml.p2.xlarge  gpu  4 1:1         300   0      0      1     5400  0    0   50  30
ml.p2.8xlarge gpu  1 1:3,2:1     330   0      0      1     10800 0    0   100 60
ml.p3.2xlarge gpu  2 1:1         300   0      0      1     5400  0    0   50  30
"""
)

_PT = "pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker"
_BASES = {
    # kind -> (base job name, registry, image repository:tag, weight); a registry is "first"
    # (SageMaker's own algorithms), "dlc" (Deep Learning Containers), "own" or an account id
    "cpu": (
        ("sagemaker-xgboost", "first", "sagemaker-xgboost:1.7-1", 5),
        ("sagemaker-scikit-learn", "first", "sagemaker-scikit-learn:1.2-1-cpu-py3", 2),
        ("churn-model-xgb", "first", "sagemaker-xgboost:1.7-1", 2),
        ("fraud-lightgbm", "own", "fraud-lightgbm:latest", 1),
    ),
    "gpu": (
        ("pytorch-training", "dlc", _PT, 4),
        (
            "huggingface-pytorch-training",
            "dlc",
            "huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04",
            4,
        ),
        ("tensorflow-training", "dlc", "tensorflow-training:2.14.1-gpu-py310-cu118-ubuntu20.04", 2),
        ("llm-finetune-llama3-8b", "own", "llm-finetune:latest", 2),
        ("resnet50-imagenet", "dlc", _PT, 1),
        ("yolov8-detector", "own", "yolov8-train:latest", 1),
    ),
    "trn": (
        ("neuronx-llama2-7b", "dlc", "pytorch-training-neuronx:1.13.1-neuronx-py310-sdk2.18.2", 1),
    ),
}
_LEGACY_BASES = {
    "cpu": (
        ("xgboost", "811284229777", "xgboost:1", 3),
        ("linear-learner", "382416733822", "linear-learner:1", 2),
        ("kmeans", "382416733822", "kmeans:1", 1),
    ),
    "gpu": (
        ("image-classification", "811284229777", "image-classification:1", 2),
        ("sagemaker-mxnet", "520713654638", "sagemaker-mxnet:1.0-gpu-py2", 2),
        ("sagemaker-tensorflow", "520713654638", "sagemaker-tensorflow:1.4.1-gpu-py2", 1),
    ),
}


def _image(registry: str, repository: str, region: str) -> str:
    account = {"first": _FIRST_PARTY.get(region, ""), "dlc": _DLC, "own": ACCOUNT}.get(
        registry, registry
    )
    return f"{account}.dkr.ecr.{region}.amazonaws.com/{repository}"


_ISE = "InternalServerError: We encountered an internal error. Please try again."
_CAPACITY = (
    "CapacityError: Unable to provision requested ML compute capacity. "
    "Please retry using a different ML instance type."
)
_FAILURES = {
    "Starting": ((_CAPACITY, 5), (_ISE, 2), ("ClientError: Requested image {image} not found.", 1)),
    "Pending": ((_CAPACITY, 1),),
    "Downloading": (
        (
            'ClientError: No S3 objects found under S3 URL "s3://{bucket}/datasets/{base}/train/" '
            "given in input data source. Please ensure that the bucket exists in the selected "
            "region ({region}), that objects exist under that S3 prefix, and that the role "
            '"{role}" has "s3:ListBucket" permissions on bucket "{bucket}".',
            4,
        ),
        (
            "ClientError: Data download failed:Could not download s3://{bucket}/datasets/{base}/"
            "train/part-00017.parquet: insufficient disk space",
            2,
        ),
        ("ClientError: Data download failed:AccessDenied (403): Access Denied", 1),
    ),
    "Uploading": (
        ("ClientError: Artifact upload failed:Insufficient disk space", 1),
        ("ClientError: Artifact upload failed:AccessDenied (403): Access Denied", 1),
    ),
    "other": ((_ISE, 1),),
    "legacy": (
        ("ClientError: Unable to pull algorithm image {image}.", 1),
        (_CAPACITY, 1),
    ),
    "legacy_training": (
        (
            "AlgorithmError: Exception during training: Unable to initialize the algorithm. Failed "
            "to validate input data configuration. (caused by ValidationError)",
            2,
        ),
        ("AlgorithmError: framework error: MXNetError: out of memory", 1),
    ),
}


_TRAINING_FAILURES: tuple[tuple[str, str, float], ...] = (
    (
        'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "RuntimeError: CUDA '
        'out of memory. Tried to allocate 2.00 GiB"\nCommand "/opt/conda/bin/python3.10 '
        'train.py --epochs 3"',
        "gpu",
        4,
    ),
    (
        "AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "
        "\"ModuleNotFoundError: No module named 'transformers'\"\n"
        'Command "/opt/conda/bin/python3.10 train.py"',
        "gpu",
        2,
    ),
    (
        'AlgorithmError: ExecuteUserScriptError:\nExitCode 137\nErrorMessage ""\nCommand '
        '"/opt/conda/bin/python3.10 train.py"',
        "any",
        2,
    ),
    (
        'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "ValueError: '
        "Input contains NaN, infinity or a value too large for dtype('float64').\"\n"
        'Command "/miniconda3/bin/python3 train.py"',
        "cpu",
        3,
    ),
    (
        "ClientError: Please use an instance type with more memory, or reduce the size of "
        "training data processed on an instance.",
        "cpu",
        2,
    ),
    (
        "AlgorithmError: Exception during training: Unable to initialize the algorithm. Failed "
        "to validate input data configuration. (caused by ValidationError)",
        "any",
        1,
    ),
)
"""Failures in Training: ``(FailureReason, "cpu" | "gpu" | "any", weight)``."""


# -- random numbers ----------------------------------------------------------------------------


class _Rand:
    """The uniforms of one job, consumed in order.

    ``row`` holds the job's share of the fleet's draws; the rare job that needs more draws
    them from a generator seeded with ``key`` (deterministic too).
    """

    __slots__ = ("_i", "_key", "_u")

    def __init__(self, row: list[float], key: tuple[int, ...]) -> None:
        self._u, self._i, self._key = row, 0, key

    def u(self) -> float:
        try:
            value = self._u[self._i]
        except IndexError:
            self._u = (
                self._u + np.random.default_rng((*self._key, len(self._u))).random(64).tolist()
            )
            value = self._u[self._i]
        self._i += 1
        return value

    def chance(self, p: float) -> bool:
        return self.u() < p

    def z(self) -> float:
        """A standard normal (Box-Muller)."""
        u1, u2 = 1.0 - self.u(), self.u()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def logn(self, median: float, sigma: float, lo: float = 0.5, hi: float = math.inf) -> float:
        return min(max(median * math.exp(sigma * self.z()), lo), hi)

    def expo(self, mean: float) -> float:
        return -mean * math.log(1.0 - self.u())

    def pick(self, weighted: Sequence[tuple[Any, float]]) -> Any:
        total = sum(w for _, w in weighted)
        x, acc = self.u() * total, 0.0
        for value, w in weighted:
            acc += w
            if x < acc:
                return value
        return weighted[-1][0]


def _weighted_index(u: np.ndarray, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    cum = np.cumsum(np.asarray(weights, dtype=float))
    return np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(cum) - 1)


def _normal(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


# -- one job ---------------------------------------------------------------------------------


@dataclass
class _Job:
    """What is decided about a job before its history is walked."""

    created_ms: int
    legacy: bool
    profile: _Profile
    count: int
    spot: bool
    mode: str
    keep_alive_s: int | None
    retries: int
    plan: bool
    pending_ok: bool
    max_runtime_s: int
    max_wait_s: int | None
    work_s: float
    data_s: float
    reuse: bool = False
    wait_scale: float = 1.0
    """Capacity pressure at the job's creation: its waits are this many times longer..."""
    wait_add_p: float = 0.0
    """...and this much more likely."""
    image_in_downloading: bool = True
    preparing_in_pending: bool = True
    downloads: bool = True
    """Whether the job has a Downloading phase (decided by the walk)."""


class _Stop(Exception):
    """A limit cut the current phase: ``reason`` is ``MaxRuntimeInSeconds`` or
    ``MaxWaitTimeInSeconds``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _Way(NamedTuple):
    """An :class:`~smstatus.simulation.lifecycle.Exit` ready for the walk: its conditions and
    its probability (a number, or a rate computed from the walk)."""

    exit: Exit
    condition: Callable[[_Walk], bool] | None
    """All of the exit's conditions (``None``: always open)."""
    p: float | None
    rate: Callable[[_Walk], float] | None


class _Walk:
    """Walk one job through :data:`~smstatus.simulation.lifecycle.LIFECYCLE`;
    ``segments`` are ``[status, seconds, message]``.

    Each step runs the phase's handler, which writes the phase's segment and chooses a way out
    by the table; the walk checks that the next phase is one the table names.
    """

    def __init__(self, job: _Job, r: _Rand) -> None:
        self.job, self.r = job, r
        self.segments: list[list[Any]] = []
        self.elapsed = 0.0
        self.run_used = 0.0
        self.failure: str | None = None  # a FailureReason key phase
        self.failure_reason: str | None = None
        self.interruptions = 0
        self.retries_used = 0
        self.unhealthy = False  # an instance was replaced while Starting
        self.attempt = 0  # Starting phases begun
        self.done = 0.0  # seconds of work done
        self.incidents: list[tuple[float, str, Exit]] = []  # planned: (work done, event, exit)
        self.download_interruption_p = 0.0

    def run(self) -> None:
        if not self.job.legacy:
            # published histories show Downloading in Pipe-mode jobs too (the image, a
            # manifest); Downloading is optional, so some Pipe and FastFile jobs skip it
            self.job.downloads = self.job.mode == "File" or self.r.chance(0.9)
            self._plan_incidents()
        phase: str | None = FIRST_PHASE
        try:
            while phase is not None:
                phase = self._step(phase)
        except _Stop as stop:
            if self.segments[-1][2] == MESSAGES["capacity_failed"]:  # the limit came first
                self.segments[-1][2] = MESSAGES["waiting"]
                self.failure_reason = None
            phase = cut_phase(stop.reason, self.segments[-1][0])
            while phase is not None:
                phase = self._step(phase)

    def _step(self, name: str) -> str | None:
        """Run one phase; return the next (``None`` after a terminal phase)."""
        exit_, after = _HANDLER_OF[name](self, name)
        if exit_ is None:
            return None
        to = exit_.to
        if after != to and (type(to) is not tuple or after not in to):  # a bug in a handler
            raise AssertionError(f"{name} -> {after}: not in the lifecycle table")
        if exit_.reason is not None and after != "Starting":  # a retry does not fail
            self.failure = exit_.reason
        return after

    # -- choosing a way out by the table ----------------------------------------------------

    def _open(self, way: _Way) -> bool:
        return way.condition is None or way.condition(self)

    def _choose(self, name: str) -> Exit:
        """A way out of phase ``name``, drawn as its ``draw`` says."""
        return _CHOOSER_OF[name](self, _WAYS[name])

    def _by_weight(self, ways: tuple[_Way, ...]) -> Exit:
        """One draw among the open ways in proportion to their weights."""
        weighted = [(way.exit, way.p) for way in ways if self._open(way)]
        return self.r.pick(cast("list[tuple[Exit, float]]", weighted))

    def _by_chances(self, ways: tuple[_Way, ...]) -> Exit:
        """The first open way whose chance comes up (one draw each; none for the rest)."""
        for way in ways:
            if way.condition is not None and not way.condition(self):
                continue
            p = way.p if way.rate is None else way.rate(self)
            if p is None or self.r.u() < p:
                return way.exit
        raise AssertionError("no way out")  # pragma: no cover - a table without a default

    def _by_bands(self, ways: tuple[_Way, ...]) -> Exit:
        """One draw; each way owns a band of its width (a closed way hands it on)."""
        x = self.r.u()
        for way in ways:
            p = way.p if way.rate is None else way.rate(self)
            if p is None:
                return way.exit
            if x < p and (way.condition is None or way.condition(self)):
                return way.exit
            x -= p
        raise AssertionError("no way out")  # pragma: no cover - a table without a default

    # -- writing segments --------------------------------------------------------------------

    def push(self, status: str, seconds: float, message: str) -> None:
        """Append a phase; raise :class:`_Stop` when MaxRuntime or MaxWaitTime cuts it short.

        MaxRuntime counts the time on instances (the active phases); MaxWaitTime, for spot
        jobs, the time since the job started, waits and interruptions included.
        """
        job, cut = self.job, None
        seconds = max(seconds, 0.2)
        if status in ACTIVE and self.run_used + seconds > job.max_runtime_s:
            cut, seconds = "MaxRuntimeInSeconds", max(job.max_runtime_s - self.run_used, 0.2)
        if job.max_wait_s is not None and self.elapsed + seconds > job.max_wait_s:
            wait_left = max(job.max_wait_s - self.elapsed, 0.2)
            if wait_left < seconds:
                cut, seconds = "MaxWaitTimeInSeconds", wait_left
        self.segments.append([status, seconds, message])
        self.elapsed += seconds
        if status in ACTIVE:
            self.run_used += seconds
        if cut is not None:
            raise _Stop(cut)

    def end(self, status: str, message: str) -> None:
        self.segments.append([status, 0.0, message])

    def fail(self, phase: str) -> None:
        self.failure = phase
        if self.failure_reason is None:
            self.failure_reason = _failure_template(self.job, phase, self.r)
        self.end("Failed", MESSAGES["failed"])

    def _length(self, lasts: Lasts) -> float:
        median = lasts.median
        if isinstance(median, str):
            source = self.job if median == "data_s" else self.job.profile
            median = getattr(source, median) * lasts.scale
        return self.r.logn(median, lasts.sigma, lo=lasts.lo, hi=lasts.hi)

    def _wait(self, lo: float) -> float:
        """A capacity wait: longer for spot, long tails for big instances, at most 2 days."""
        prof, scale = self.job.profile, self.job.wait_scale
        if self.job.spot:
            median, sigma = prof.wait_s * 2 * scale, prof.wait_sigma + 0.1
            return self.r.logn(median, sigma, lo=lo, hi=2 * 86_400)
        return self.r.logn(prof.wait_s * scale, prof.wait_sigma, lo=lo, hi=2 * 86_400)

    def capacity_wait_p(self) -> float:
        """The chance that Starting waits for capacity (higher for spot and under pressure)."""
        prof, job = self.job.profile, self.job
        wait_p = min(prof.wait_p * 1.6 + 0.08, 0.95) if job.spot else prof.wait_p
        wait_p = min(wait_p + job.wait_add_p, 0.97)
        if self.attempt:
            wait_p *= 1.2 if job.spot else 0.5
        return wait_p

    def _plan_incidents(self) -> None:
        """Draw the incidents of Training (each at most once, at a point of the work)."""
        work = self.job.work_s
        for way in _TRAINING_INCIDENTS:
            if way.condition is not None and not way.condition(self):
                continue
            if self.r.chance(way.p):  # type: ignore[arg-type]
                self.incidents.append((work * self.r.u(), way.exit.event, way.exit))
        self.incidents.sort(key=lambda incident: incident[:2])

    def _internal_error(self, exit_: Exit) -> str:
        """Retry from Starting while the retry strategy allows it, else fail."""
        if self.retries_used < self.job.retries:
            self.retries_used += 1
            return "Starting"
        return next(t for t in targets(exit_) if t != "Starting")

    # -- handlers: each writes its phase and returns (the way out, the next phase) ----------

    def _follow(self, name: str) -> tuple[Exit | None, str | None]:
        """A phase whose length does not depend on the way out (junctions and ends too)."""
        phase = _PHASES[name]
        if phase.draw == "end":
            if phase.status == "Failed":
                self.fail(self.failure or "other")
            else:
                self.end(str(phase.status), _MESSAGE_OF[name])
            return None, None
        if phase.lasts is not None:
            status, seconds = str(phase.status), self._length(phase.lasts)
            message = _MESSAGE_OF[name]
            if phase.limited:
                self.push(status, seconds, message)
            else:
                self.segments.append([status, seconds, message])
        exit_ = self._choose(name)
        return exit_, str(exit_.to)

    def _kept_pool(self, name: str) -> tuple[Exit | None, str | None]:
        """Starting on a warm pool's instances, which are there already: seconds."""
        way = self._follow(name)
        self.attempt += 1
        return way

    def _starting(self, name: str) -> tuple[Exit | None, str | None]:
        job, r = self.job, self.r
        base = r.logn(job.profile.starting_s, 0.4, lo=20)
        exit_ = self._choose(name)
        event = exit_.event
        after = "" if event == "fail" else str(exit_.to)
        if event == "fail":
            after = self._fail_to_start(base)
        elif event == "stop":
            self.push("Starting", base * r.u(), MESSAGES["launching"])
        elif event == "wait" and after == "Pending":
            self.push("Starting", r.logn(3, 0.7, lo=0.3), MESSAGES["starting"])
        elif event == "wait":  # before Pending existed, the wait is in Starting
            self.push("Starting", base + self._wait(30), MESSAGES["preparing"])
        elif event == "interrupt":
            self.push("Starting", base, MESSAGES["preparing"])
            self.interruptions += 1
        else:
            if r.chance(0.015):  # an unhealthy instance replaced
                base += r.logn(240, 0.5, lo=60)
                self.unhealthy = True
            self.push("Starting", base, MESSAGES["preparing"])
        self.attempt += 1
        return exit_, after

    def _fail_to_start(self, base: float) -> str:
        job, r = self.job, self.r
        self.failure_reason = _failure_template(job, "Starting", r)
        capacity = self.failure_reason == _CAPACITY
        if capacity and job.pending_ok:  # since Pending exists, a capacity failure ends there
            self.push("Starting", r.logn(3, 0.7, lo=0.3), MESSAGES["starting"])
            return "Pending:capacity failure"
        self.push("Starting", base * 0.8, MESSAGES["capacity" if capacity else "launching"])
        return "Failed"

    def _pending(self, name: str) -> tuple[Exit | None, str | None]:
        wait = self._wait(20)
        exit_ = self._choose(name)
        if exit_.event == "stop":
            seconds, message = wait, "waiting"
        elif exit_.event == "fail":
            seconds, message = wait * self.r.u(), "capacity_failed"
        else:
            seconds, message = wait, "preparing" if self.job.preparing_in_pending else "waiting"
        self.push("Pending", seconds, MESSAGES[message])
        return exit_, str(exit_.to)

    def _downloading(self, name: str) -> tuple[Exit | None, str | None]:
        job, r = self.job, self.r
        data_s = job.data_s if job.mode == "File" else 25.0  # Pipe, FastFile: no data copied
        seconds = r.logn(data_s, 0.5, lo=2, hi=8 * 3600)
        image = job.image_in_downloading and r.chance(0.7)
        message = MESSAGES["image"] if image else MESSAGES["downloading"]
        rate = job.profile.interrupt_per_h
        self.download_interruption_p = 1.0 - math.exp(-rate * seconds / 3600) if job.spot else 0
        exit_ = self._choose(name)
        if exit_.event:  # cut short
            seconds = seconds * r.u()
        self.push("Downloading", seconds, message)
        if exit_.event == "interrupt":
            self.interruptions += 1
        if exit_.event == "ise":
            return exit_, self._internal_error(exit_)
        return exit_, str(exit_.to)

    def _training(self, name: str) -> tuple[Exit | None, str | None]:
        """Train until the next planned incident, a spot interruption or the end of the work."""
        job, r = self.job, self.r
        until, exit_ = job.work_s, _TRAINING_COMPLETE
        if self.incidents and self.incidents[0][0] <= job.work_s:
            until, _, exit_ = self.incidents[0]
        if self._open(_TRAINING_INTERRUPT):
            rate = _TRAINING_INTERRUPT.rate(self)  # type: ignore[misc]
            t_int = self.done + r.expo(3600.0 / rate)
            if t_int < until:
                until, exit_ = t_int, _TRAINING_INTERRUPT.exit
        self.push("Training", max(until - self.done, 0.5), MESSAGES["training"])
        self.done = max(until, self.done)
        if exit_.event == "complete":
            return exit_, str(exit_.to)
        if exit_.event == "interrupt":
            self.interruptions += 1
            self.done = max(self.done - r.logn(300, 1.0, lo=10), 0.0)  # the last checkpoint
            return exit_, str(exit_.to)
        self.incidents.pop(0)
        if exit_.event == "ise":
            return exit_, self._internal_error(exit_)
        return exit_, str(exit_.to)

    def _legacy_training(self, name: str) -> tuple[Exit | None, str | None]:
        exit_ = self._choose(name)
        work = self.job.work_s
        self.push(
            "Training",
            work if exit_.event == "complete" else work * self.r.u(),
            MESSAGES["training"],
        )
        return exit_, str(exit_.to)


_HANDLERS: Mapping[str, Callable[[_Walk, str], tuple[Exit | None, str | None]]] = {
    "Starting:kept pool": _Walk._kept_pool,
    "Starting": _Walk._starting,
    "Pending": _Walk._pending,
    "Downloading": _Walk._downloading,
    "Training": _Walk._training,
    "Training:legacy": _Walk._legacy_training,
}
"""Phases whose segment depends on the way out; the others follow :meth:`_Walk._follow`."""

_CONDITIONS: Mapping[str, Callable[[_Walk], bool]] = {
    "legacy": lambda w: w.job.legacy,
    "reuses_pool": lambda w: w.job.reuse,
    "downloads": lambda w: w.job.downloads,
    "skips_download": lambda w: not w.job.downloads,
    "file_input": lambda w: w.job.mode == "File",
    "first_attempt": lambda w: w.attempt == 0,
    "another_attempt": lambda w: w.attempt > 0,
    "pending_exists": lambda w: w.job.pending_ok,
    "no_pending": lambda w: not w.job.pending_ok,
    "spot": lambda w: w.job.spot,
    "on_demand": lambda w: not w.job.spot,
    "may_interrupt": lambda w: w.interruptions < 6,
    "plan": lambda w: w.job.plan,
    "accelerated": lambda w: w.job.profile.kind != "cpu",
    "cpu": lambda w: w.job.profile.kind == "cpu",
    "several_instances": lambda w: w.job.count > 1,
    "one_instance": lambda w: w.job.count <= 1,
}
"""The conditions the lifecycle table names (``Exit.when``)."""

_RATES: Mapping[str, Callable[[_Walk], float]] = {
    "capacity_wait": _Walk.capacity_wait_p,
    "capacity_failure": lambda w: min(0.02 * w.job.wait_scale, 0.25),  # more when scarce
    "download_interruption": lambda w: w.download_interruption_p,
    "interrupt_per_h": lambda w: w.job.profile.interrupt_per_h,
}
"""The probabilities (or rates) the lifecycle table names (``Exit.p``)."""


def _all_of(conditions: Sequence[Callable[[_Walk], bool]]) -> Callable[[_Walk], bool] | None:
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    first, *rest = conditions
    second = _all_of(rest)
    assert second is not None
    return lambda w: first(w) and second(w)


def _compile(phase: Phase) -> tuple[_Way, ...]:
    """The phase's exits with their conditions and probabilities looked up once."""
    ways = []
    for exit_ in phase.exits:
        condition = _all_of([_CONDITIONS[c] for c in exit_.when.split(" and ") if c])
        if isinstance(exit_.p, str):
            ways.append(_Way(exit_, condition, None, _RATES[exit_.p]))
        else:
            ways.append(_Way(exit_, condition, exit_.p, None))
    return tuple(ways)


_PHASES: dict[str, Phase] = dict(LIFECYCLE)
_WAYS: dict[str, tuple[_Way, ...]] = {name: _compile(p) for name, p in LIFECYCLE.items()}
_HANDLER_OF: dict[str, Callable[[_Walk, str], tuple[Exit | None, str | None]]] = {
    name: _HANDLERS.get(name, _Walk._follow) for name in LIFECYCLE
}
_CHOOSER_OF: dict[str, Callable[[_Walk, tuple[_Way, ...]], Exit]] = {
    name: {"chances": _Walk._by_chances, "bands": _Walk._by_bands, "pick": _Walk._by_weight}.get(
        phase.draw, _Walk._by_chances
    )
    for name, phase in LIFECYCLE.items()
}
_MESSAGE_OF: dict[str, str] = {
    name: MESSAGES[phase.message] for name, phase in LIFECYCLE.items() if phase.message
}
_TRAINING_INCIDENTS = tuple(
    w for w in _WAYS["Training"] if w.exit.event not in ("interrupt", "complete")
)
_TRAINING_INTERRUPT = next(w for w in _WAYS["Training"] if w.exit.event == "interrupt")
_TRAINING_COMPLETE = next(w.exit for w in _WAYS["Training"] if w.exit.event == "complete")


# -- the fleet -------------------------------------------------------------------------------


class Simulation(NamedTuple):
    """What :func:`simulate_with_truth` returns.

    Attributes
    ----------
    responses
        The describe responses (JSON-ready dicts), in order of creation.
    truth
        One row per response: ``job_name``, ``outcome`` (the last status before any
        corruption), ``running``, ``legacy``, ``spot``, ``instance_type``, ``input_mode``,
        ``warm_pool_reused``, ``interruptions``, ``retries``, ``tuning``, ``corrupt``,
        ``corruption`` (a key of :data:`CORRUPTIONS`) and ``expected_code`` (the violation it
        should cause).
    """

    responses: list[dict[str, Any]]
    truth: pd.DataFrame


def _to_ms(value: str | datetime | pd.Timestamp) -> int:
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value // 1_000_000)


def _check(name: str, value: float, lo: float, hi: float) -> None:
    if not (lo <= value <= hi) or math.isnan(value):
        raise ValueError(f"{name} must be between {lo:g} and {hi:g}, got {value!r}")


def simulate(
    n: int = 1000,
    *,
    seed: int = 0,
    corrupt_share: float = 0.0,
    start: str | datetime | pd.Timestamp = "2025-01-06",
    days: float | None = None,
    end: str | datetime | pd.Timestamp | None = None,
    legacy_share: float = 0.0,
    growth: float = 1.0,
) -> list[dict[str, Any]]:
    """Simulate the describe responses of a fleet of ``n`` training jobs.

    Parameters
    ----------
    n
        Number of jobs.
    seed
        Seed of the random numbers; the same arguments give the same responses.
    corrupt_share
        Share of the jobs (0 to 1) whose history is corrupted on purpose (see
        :data:`CORRUPTIONS`); use :func:`simulate_with_truth` to know which.
    start
        Creation time of the earliest job (naive times are UTC).
    days, end
        The end of the creation window, as its length in days or as a time (not both; default
        120 days). The fleet is described at that moment, so the jobs created last are still
        running; a window that ends on a working afternoon has more of them.
    legacy_share
        Share of the jobs created before 2018 (when SageMaker printed the deprecated statuses),
        whatever the window; 0 by default. Jobs of a window that reaches back before 2018 are
        legacy jobs anyway.
    growth
        How the fleet grows: jobs are created ``1 + growth`` times as often at the end of the
        window as at its start (0: a steady rate).

    Returns
    -------
    list of dict
        ``DescribeTrainingJob`` responses as JSON-ready dicts, in order of creation.

    Examples
    --------
    >>> responses = simulate(50, seed=1)
    >>> responses[0]["SecondaryStatusTransitions"][0]["Status"]
    'Starting'
    """
    return simulate_with_truth(
        n,
        seed=seed,
        corrupt_share=corrupt_share,
        start=start,
        days=days,
        end=end,
        legacy_share=legacy_share,
        growth=growth,
    ).responses


def simulate_with_truth(
    n: int = 1000,
    *,
    seed: int = 0,
    corrupt_share: float = 0.0,
    start: str | datetime | pd.Timestamp = "2025-01-06",
    days: float | None = None,
    end: str | datetime | pd.Timestamp | None = None,
    legacy_share: float = 0.0,
    growth: float = 1.0,
) -> Simulation:
    """Simulate a fleet like :func:`simulate` and say what was generated for each job.

    Returns
    -------
    Simulation
        ``(responses, truth)``; ``truth`` has one row per response (see :class:`Simulation`).
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    _check("corrupt_share", float(corrupt_share), 0.0, 1.0)
    _check("legacy_share", float(legacy_share), 0.0, 1.0)
    if days is not None and end is not None:
        raise ValueError("give days or end, not both")
    _check("growth", float(growth), 0.0, 1000.0)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    n, seed = int(n), int(seed)
    rng = np.random.default_rng(seed)
    start_ms = max(_to_ms(start), _to_ms(_SAGEMAKER_GA))  # no job before SageMaker existed
    if end is not None:
        as_of_ms = _to_ms(end)
        if as_of_ms <= _to_ms(start):
            raise ValueError(f"end {end!r} must be after start {start!r}")
    else:
        days = 120.0 if days is None else float(days)
        _check("days", days, 1e-3, 36500.0)
        as_of_ms = _to_ms(start) + round(days * 86_400_000)
    if as_of_ms > _to_ms(_LATEST_END):
        raise ValueError(
            f"the window must end by {_LATEST_END:%Y-%m-%d}: later times do not fit the "
            "nanoseconds every loader reads them into"
        )
    if as_of_ms <= _to_ms(_SAGEMAKER_GA) + 7_200_000:
        raise ValueError(
            f"the window ends before SageMaker existed (it launched on {_SAGEMAKER_GA:%Y-%m-%d})"
        )
    fleet = _Fleet(n, rng, seed, start_ms, as_of_ms, legacy_share, growth)
    # millions of small acyclic dicts: the cyclic collector would only rescan them, over and
    # over (about 40 % of the time); it is paused while they are built, then restored
    collecting = gc.isenabled()
    gc.disable()
    try:
        responses, truth = fleet.build()
        _corrupt(responses, truth, rng, seed, corrupt_share)
    finally:
        if collecting:
            gc.enable()
    return Simulation(responses, pd.DataFrame(truth))


class _Fleet:
    """Draw the fleet's attributes (vectorised), then walk and render each job."""

    CHUNK = 2048
    DRAWS = 48

    def __init__(
        self,
        n: int,
        rng: np.random.Generator,
        seed: int,
        start_ms: int,
        as_of_ms: int,
        legacy_share: float,
        growth: float,
    ) -> None:
        self.n, self.rng, self.seed = n, rng, seed
        self.start_ms, self.as_of_ms = start_ms, as_of_ms
        self.legacy_share, self.growth = legacy_share, growth

    # -- launches: single jobs or tuning jobs of several -------------------------------------

    def _launches(self) -> dict[str, np.ndarray]:
        n, rng = self.n, self.rng
        u = rng.random((10, n))
        legacy = u[0] < self.legacy_share
        # a tuning job launches several jobs in parallel batches; a session is one person
        # iterating on one configuration, a job after the other (warm pools pay off there)
        tuning = (u[1] < 0.012) & ~legacy
        session = (u[1] > 0.975) & ~legacy
        size = np.where(tuning, np.clip(4 + np.floor(-12 * np.log1p(-u[2])), 4, 50), 1)
        size = np.where(session, np.clip(2 + np.floor(-2.5 * np.log1p(-u[2])), 2, 8), size)
        size = size.astype(np.int64)
        total = np.cumsum(size)
        k = int(np.searchsorted(total, n)) + 1 if n else 0
        size = size[:k].copy()
        if k:
            size[-1] -= total[k - 1] - n
        u = u[:, :k]
        # a day of the window (weekdays busier, the fleet growing), then a time of day (mostly
        # working hours, 15:00 UTC +- 3 h), counted from midnight UTC of the first day
        midnight = pd.Timestamp(self.start_ms, unit="ms", tz="UTC").normalize()
        base_ms = int(midnight.value // 1_000_000)
        n_days = max(math.ceil((self.as_of_ms - base_ms) / 86_400_000), 1)
        weekday = (midnight.day_of_week + np.arange(n_days)) % 7
        growth = 1.0 + self.growth * np.arange(n_days) / n_days
        day = _weighted_index(u[3], np.where(weekday >= 5, 0.35, 1.0) * growth)
        office = u[4] < 0.75
        hour = np.where(office, 15.0 + 3.0 * _normal(u[5], u[6]), 24.0 * u[5]) % 24.0
        created = base_ms + (day * 86_400_000 + hour * 3_600_000).astype(np.int64)
        # times outside a window that starts or ends within a day are drawn again, uniformly
        outside = (created < self.start_ms) | (created >= self.as_of_ms - 60_000)
        span = max(self.as_of_ms - 60_000 - self.start_ms, 0)
        created = np.where(outside, self.start_ms + (u[7] * span).astype(np.int64), created)
        ga = _to_ms(_SAGEMAKER_GA)
        legacy_end = _to_ms("2018-01-01")
        legacy_last = min(legacy_end, self.as_of_ms) - 3_600_000  # created before the end
        legacy_k = legacy[:k]
        created = np.where(
            legacy_k, ga + (u[8] * max(legacy_last - ga, 0)).astype(np.int64), created
        )
        # before SageMaker existed there is nothing to simulate; before 2018 it is legacy
        created = np.maximum(created, ga)
        legacy_k = legacy_k | (created < legacy_end)
        return {
            "size": size,
            "created": created,
            "legacy": legacy_k,
            "tuning": tuning[:k],
            "session": session[:k],
        }

    def _launch_attributes(self, launches: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """What a launch decides for its jobs: instances, purchase, input, limits, region."""
        k = len(launches["size"])
        u = self.rng.random((18, k))
        legacy, created = launches["legacy"], launches["created"]
        profiles, count = _instances(u, legacy)
        after = {key: created >= _to_ms(ts) for key, ts in _LAUNCH.items()}
        spot_p = np.array([p.spot_p for p in profiles])
        spot = (u[2] < spot_p) & after["spot"] & ~legacy
        mode_idx = _weighted_index(u[3], (0.72, 0.13, 0.15))
        mode = np.array(["File", "Pipe", "FastFile"], dtype=object)[mode_idx]
        mode = np.where((mode == "FastFile") & ~after["fastfile"], "File", mode)
        mode = np.where(legacy & (u[3] < 0.2), "Pipe", np.where(legacy, "File", mode))
        spot = spot & ~(launches["session"] & (u[4] < 0.8))
        warm = ((u[4] < 0.06) | launches["session"]) & after["warm_pool"] & ~spot & ~legacy
        keep_alive = np.array([300, 600, 1800, 3600])[_weighted_index(u[5], (2, 3, 3, 2))]
        retries = np.where((u[6] < 0.3) & after["retry"], 1 + (u[7] * 3).astype(np.int64), 0)
        big = np.array(
            [p.name in ("ml.p4d.24xlarge", "ml.p5.48xlarge", "ml.trn1.32xlarge") for p in profiles],
            dtype=bool,
        )
        plan = big & after["training_plan"] & (u[8] < 0.3) & ~spot
        runtime, max_wait = _time_limits(u, profiles, spot)
        region = np.array([r for r, _ in _REGIONS], dtype=object)[
            _weighted_index(u[13], [w for _, w in _REGIONS])
        ]
        return {
            "profile": profiles,
            "count": count,
            "spot": spot,
            "mode": mode,
            "warm": warm,
            "keep_alive": keep_alive,
            "retries": retries,
            "plan": plan,
            "max_runtime": runtime,
            "max_wait": max_wait,
            "region": np.where(legacy, "us-east-1", region),
            "offset": _weighted_index(u[14], [w for _, w in _OFFSETS]),
            "base_u": u[15],
            "pending_ok": after["pending"] & ~legacy,
        }

    # -- jobs ------------------------------------------------------------------------------------

    def build(self) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
        """Draw the fleet, then walk and render each job in order of creation."""
        launches = self._launches()
        attrs = self._launch_attributes(launches)
        schedule = self._schedule(launches, attrs)
        table = self._job_table(launches, attrs, schedule)
        return self._walk_and_render(table)

    def _schedule(
        self, launches: Mapping[str, np.ndarray], attrs: Mapping[str, np.ndarray]
    ) -> _Schedule:
        """Each job's launch, place in it, work, data and creation time, by creation time."""
        n, size = self.n, launches["size"]
        launch_of = np.repeat(np.arange(len(size)), size)
        pos = np.arange(n) - np.repeat(np.cumsum(size) - size, size)
        u = self.rng.random((8, n))
        train_s = np.array([p.train_s for p in attrs["profile"][launch_of]])
        work = np.clip(train_s * np.exp(1.0 * _normal(u[2], u[3])), 60, 20 * 86_400)
        data_s = np.exp(np.log(75.0) + 1.2 * _normal(u[4], u[5]))
        offset = _offsets_in_launch(launches, attrs, launch_of, pos, work, data_s, u)
        launch_at, created = self._fit_in_window(launches, launch_of, offset)
        order = np.argsort(created, kind="stable")
        return _Schedule(
            launch_of[order], created[order], pos[order], work[order], data_s[order], launch_at
        )

    def _fit_in_window(
        self, launches: Mapping[str, np.ndarray], launch_of: np.ndarray, offset: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Launch and creation times: a group that would outlast the window starts earlier
        (never before the window); every job is created before the fleet is described."""
        size, launched = launches["size"], launches["created"]
        span = np.maximum.reduceat(offset, np.cumsum(size) - size) if self.n else offset
        launch_at = np.maximum(
            np.minimum(launched, self.as_of_ms - 30_000 - span),
            np.minimum(launched, self.start_ms),
        )
        created = np.minimum(launch_at[launch_of] + offset, self.as_of_ms - 30_000)
        return np.minimum(launch_at, self.as_of_ms - 30_000), created

    def _job_table(
        self,
        launches: Mapping[str, np.ndarray],
        attrs: Mapping[str, np.ndarray],
        schedule: _Schedule,
    ) -> _JobTable:
        """Capacity pressure, names and plain Python values for the loop over jobs."""
        launch_of, created, legacy = schedule.launch_of, schedule.created, launches["legacy"]
        scale, add_p, incident = _capacity_pressure(
            self.rng,
            created,
            [p.name for p in attrs["profile"][launch_of].tolist()],
            attrs["region"][launch_of],
            attrs["spot"][launch_of] & ~legacy[launch_of],
            legacy[launch_of],
            self.start_ms,
            self.as_of_ms,
        )
        moved = {key: (created >= _to_ms(_LAUNCH[key])).tolist() for key in _MOVED_MESSAGES}
        bases = [
            _base_of(p, lg, bu)
            for p, lg, bu in zip(attrs["profile"], legacy, attrs["base_u"], strict=True)
        ]
        names, tuning_arns = _job_names(
            self.rng,
            created,
            launch_of,
            schedule.pos,
            schedule.launch_at,
            launches["tuning"],
            bases,
            attrs["region"],
        )
        per_launch = {key: value.tolist() for key, value in attrs.items() if key != "profile"}
        per_launch["profile"], per_launch["legacy"] = list(attrs["profile"]), legacy.tolist()
        return _JobTable(
            per_launch,
            bases,
            launch_of.tolist(),
            created.tolist(),
            schedule.work.tolist(),
            schedule.data_s.tolist(),
            scale.tolist(),
            add_p.tolist(),
            moved["image_in_downloading"],
            moved["preparing_in_pending"],
            incident,
            names,
            tuning_arns,
        )

    def _walk_and_render(
        self, table: _JobTable
    ) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
        """Walk and render the jobs, a chunk of draws at a time; settle the warm pools."""
        responses: list[dict[str, Any]] = []
        truth: dict[str, list[Any]] = {c: [] for c in _TRUTH_COLUMNS}
        pools: dict[tuple[Any, ...], list[list[Any]]] = {}
        renderer = _Renderer(self.as_of_ms)
        for lo in range(0, self.n, self.CHUNK):
            hi = min(lo + self.CHUNK, self.n)
            rows = self.rng.random((hi - lo, self.DRAWS)).tolist()
            for i in range(lo, hi):
                r = _Rand(rows[i - lo], (self.seed, 0, i))
                responses.append(_one_job(table, i, r, pools, renderer, truth))
        renderer.flush()
        _finish_warm_pools(pools, self.as_of_ms)
        return responses, truth


class _Schedule(NamedTuple):
    """Per job (in order of creation): launch, place in it, creation time, work, data; per
    launch: when it happened."""

    launch_of: np.ndarray
    created: np.ndarray
    pos: np.ndarray
    work: np.ndarray
    data_s: np.ndarray
    launch_at: np.ndarray


@dataclass
class _JobTable:
    """The fleet as plain Python lists: ``per_launch`` columns by launch, the rest by job."""

    per_launch: dict[str, list[Any]]
    bases: list[tuple[str, str, str]]
    launch_of: list[int]
    created: list[int]
    work: list[float]
    data_s: list[float]
    wait_scale: list[float]
    wait_add_p: list[float]
    image_in_downloading: list[bool]
    preparing_in_pending: list[bool]
    capacity_incident: list[bool]
    names: list[str]
    tuning_arns: list[str | None]

    def job(self, i: int) -> _Job:
        """What is decided about job ``i`` before its walk."""
        li, launch = self.launch_of[i], self.per_launch
        spot, warm = launch["spot"][li], launch["warm"][li]
        return _Job(
            created_ms=self.created[i],
            legacy=launch["legacy"][li],
            profile=launch["profile"][li],
            count=launch["count"][li],
            spot=spot,
            mode=launch["mode"][li],
            keep_alive_s=launch["keep_alive"][li] if warm else None,
            retries=launch["retries"][li],
            plan=launch["plan"][li],
            pending_ok=launch["pending_ok"][li],
            max_runtime_s=launch["max_runtime"][li],
            max_wait_s=launch["max_wait"][li] if spot else None,
            work_s=self.work[i],
            data_s=self.data_s[i],
            wait_scale=self.wait_scale[i],
            wait_add_p=self.wait_add_p[i],
            image_in_downloading=self.image_in_downloading[i],
            preparing_in_pending=self.preparing_in_pending[i],
        )


def _instances(u: np.ndarray, legacy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each launch's instance profile (from ``u[0]``) and instance count (from ``u[1]``)."""
    modern_idx = _weighted_index(u[0], [p.weight for p in _MODERN])
    legacy_idx = _weighted_index(u[0], [p.weight for p in _LEGACY])
    profiles = np.array(
        [
            (_LEGACY[j] if lg else _MODERN[i])
            for i, j, lg in zip(modern_idx, legacy_idx, legacy, strict=True)
        ],
        dtype=object,
    )
    count = np.ones(len(legacy), dtype=np.int64)
    for p in _MODERN + _LEGACY:
        mine = np.flatnonzero([q is p for q in profiles])
        count[mine] = np.asarray(p.counts)[_weighted_index(u[1][mine], p.count_weights)]
    return profiles, count


def _time_limits(
    u: np.ndarray, profiles: np.ndarray, spot: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``MaxRuntimeInSeconds`` and ``MaxWaitTimeInSeconds`` (0 for on-demand jobs).

    MaxRuntime: the default day, or ten times the typical run rounded up to an hour; spot jobs,
    which must set it, set it tighter. MaxWaitTime: often MaxRuntime plus half an hour or so,
    else up to 3 times it.
    """
    train_s = np.array([p.train_s for p in profiles])
    default_runtime = u[9] < np.where(spot, 0.1, 0.4)
    factor = np.where(spot, 6.0, 10.0) * np.exp(0.5 * _normal(u[10], u[11]))
    runtime = np.ceil(train_s * factor / 3600.0) * 3600
    runtime = np.where(default_runtime, 86_400, np.clip(runtime, 3600, 2_419_200)).astype(np.int64)
    wait_extra = np.where(
        u[12] < 0.5,
        np.ceil(1800.0 * np.exp(0.8 * _normal(u[16], u[17])) / 600.0) * 600,
        np.ceil(runtime * (0.5 + 3.0 * (u[12] - 0.5)) / 600.0) * 600,
    )
    return runtime, np.where(spot, runtime + wait_extra, 0).astype(np.int64)


def _offsets_in_launch(
    launches: Mapping[str, np.ndarray],
    attrs: Mapping[str, np.ndarray],
    launch_of: np.ndarray,
    pos: np.ndarray,
    work: np.ndarray,
    data_s: np.ndarray,
    u: np.ndarray,
) -> np.ndarray:
    """Milliseconds from a launch to the creation of each of its jobs.

    A tuning job's jobs come in parallel batches, a batch after the previous one's typical
    length; a session's next job is created a few minutes after the previous one should end.
    """
    size = launches["size"]
    parallel = np.repeat(2 + (attrs["base_u"] * 9).astype(np.int64), size)
    batch_gap = 600_000 + (-1_800_000 * np.log1p(-u[0])).astype(np.int64)
    in_batch = (u[1] * 4000 * (pos > 0)).astype(np.int64)
    offset = np.where(launches["tuning"][launch_of], (pos // parallel) * batch_gap + in_batch, 0)
    profiles = attrs["profile"][launch_of]
    starting = np.array([p.starting_s for p in profiles])
    upload = np.array([p.upload_s for p in profiles])
    downloads = attrs["mode"][launch_of] == "File"
    think = 240.0 * np.exp(0.6 * _normal(u[6], u[7]))
    length_ms = ((starting + np.where(downloads, data_s, 0) + work + upload + think) * 1000).astype(
        np.int64
    )
    before = np.cumsum(length_ms) - length_ms  # the session's jobs before this one
    before = before - before[np.repeat(np.cumsum(size) - size, size)]
    return np.where(launches["session"][launch_of], before, offset)


def _one_job(
    table: _JobTable,
    i: int,
    r: _Rand,
    pools: dict[tuple[Any, ...], list[list[Any]]],
    renderer: _Renderer,
    truth: dict[str, list[Any]],
) -> dict[str, Any]:
    """Walk and render job ``i``: take a warm pool, keep its own, record the truth."""
    job = table.job(i)
    li = table.launch_of[i]
    region = table.per_launch["region"][li]
    pool_key = (job.profile.name, job.count, region)
    reused_from = _take_pool(pools, pool_key, job) if job.keep_alive_s else None
    job.reuse = reused_from is not None
    walk = _Walk(job, r)
    walk.run()
    name, tuning_arn = table.names[i], table.tuning_arns[i]
    response, info = renderer.render(
        job,
        walk,
        r,
        name=name,
        tuning_arn=tuning_arn,
        region=region,
        offset=table.per_launch["offset"][li],
        base=table.bases[li],
    )
    if reused_from is not None:
        _mark_reused(reused_from, name, job.created_ms)
    if info["pool_from"] is not None:
        _keep_pool(pools, pool_key, job, info["pool_from"], info["pool_kept"], response)
    row = (
        name,
        info["outcome"],
        info["running"],
        job.legacy,
        job.spot,
        job.profile.name,
        job.mode,
        job.reuse,
        walk.interruptions,
        walk.retries_used,
        tuning_arn is not None,
        table.capacity_incident[i],
    )
    for column, value in zip(_TRUTH_COLUMNS, row, strict=True):
        truth[column].append(value)
    return response


_TRUTH_COLUMNS = (
    "job_name",
    "outcome",
    "running",
    "legacy",
    "spot",
    "instance_type",
    "input_mode",
    "warm_pool_reused",
    "interruptions",
    "retries",
    "tuning",
    "capacity_incident",
)

_MOVED_MESSAGES = ("image_in_downloading", "preparing_in_pending")


def _capacity_pressure(
    rng: np.random.Generator,
    created: np.ndarray,
    types: Sequence[str],
    regions: np.ndarray,
    spot: np.ndarray,
    legacy: np.ndarray,
    start_ms: int,
    as_of_ms: int,
) -> tuple[np.ndarray, np.ndarray, list[bool]]:
    """How scarce capacity is for each job: ``(wait scale, added wait chance, incident)``.

    Three things move capacity waits over time: incidents (a few days in one region when waits
    on some GPU types grow several times), one scarce type (``ml.p5.48xlarge``, scarcer as the
    window goes on) and a spot market that tightens through the window.
    """
    n = len(created)
    scale, add_p = np.ones(n), np.zeros(n)
    incident = np.zeros(n, dtype=bool)
    if not n:
        return scale, add_p, []
    span = max(as_of_ms - start_ms, 1)
    frac = np.clip((created - start_ms) / span, 0.0, 1.0)
    types_a = np.asarray(types, dtype=object)
    scale = np.where(spot, scale * (1.0 + 1.5 * frac), scale)
    add_p = np.where(spot, add_p + 0.15 * frac, add_p)
    scarce = types_a == _SCARCE_TYPE
    scale = np.where(scarce, scale * (1.5 + 2.5 * frac), scale)
    add_p = np.where(scarce, add_p + 0.2 * frac, add_p)
    accelerated = [p.name for p in _MODERN if p.kind != "cpu"]
    n_incidents = max(1, round(span / 86_400_000 / 14))
    u = rng.random((5 + len(accelerated), n_incidents))
    region_names = np.array([r for r, _ in _REGIONS], dtype=object)
    for k in range(n_incidents):
        begin = start_ms + u[0, k] * span
        days = float(
            np.clip(2.0 * math.exp(0.5 * _normal(u[1, k : k + 1], u[2, k : k + 1])[0]), 1, 5)
        )
        region = region_names[_weighted_index(u[3, k : k + 1], [w for _, w in _REGIONS])[0]]
        hit = [t for j, t in enumerate(accelerated) if u[5 + j, k] < 0.6] or [accelerated[0]]
        mask = (created >= begin) & (created < begin + days * 86_400_000)
        mask &= (regions == region) & np.isin(types_a, hit)
        factor = 4.0 + 6.0 * u[4, k]
        scale = np.where(mask, scale * factor, scale)
        add_p = np.where(mask, add_p + 0.35, add_p)
        incident |= mask
    scale = np.where(legacy, 1.0, scale)
    add_p = np.where(legacy, 0.0, add_p)
    return scale, add_p, (incident & ~legacy).tolist()


_SCARCE_TYPE = "ml.p5.48xlarge"


def _take_pool(
    pools: dict[tuple[Any, ...], list[list[Any]]], key: tuple[Any, ...], job: _Job
) -> list[Any] | None:
    """A warm pool of the same type, count and region free at the job's creation, if any.

    Jobs come in order of creation, so a pool that expired before this job never serves again.
    """
    entries = pools.get(key)
    if not entries:
        return None
    for entry in entries:
        if 0 <= entry[1] < job.created_ms:
            _close_pool(entry, entry[1])  # expired unused
    entries[:] = [e for e in entries if e[1] >= job.created_ms]
    for entry in entries:
        free_at, expires, response, _ = entry
        if free_at <= job.created_ms <= expires and "ReusedByJob" not in response["WarmPoolStatus"]:
            return entry
    return None


def _keep_pool(
    pools: dict[tuple[Any, ...], list[list[Any]]],
    key: tuple[Any, ...],
    job: _Job,
    free_at: int,
    kept: float,
    response: dict[str, Any],
) -> None:
    """Offer a job's pool, free from ``free_at`` for ``kept`` of its keep-alive period."""
    assert job.keep_alive_s is not None
    entry = [free_at, free_at + round(job.keep_alive_s * 1000 * kept), response]
    entry.append(kept < 1.0)  # released by its owner before the period ended
    pools.setdefault(key, []).append(entry)


def _pool_message(response: dict[str, Any], message: str) -> None:
    """AWS reports a kept pool's fate in the message of the job's terminal entry."""
    response["SecondaryStatusTransitions"][-1]["StatusMessage"] = message


def _mark_reused(entry: list[Any], by: str, at_ms: int) -> None:
    status = entry[2]["WarmPoolStatus"]
    status["Status"] = "Reused"
    status["ResourceRetainedBillableTimeInSeconds"] = round((at_ms - entry[0]) / 1000)
    status["ReusedByJob"] = by
    _pool_message(entry[2], MESSAGES["reused_by"].format(name=by))
    entry[1] = -1  # no longer free


def _close_pool(entry: list[Any], at_ms: int) -> None:
    """A pool nobody reused: ``Available`` until it expires (or its owner releases it), then
    ``Terminated``."""
    free_at, expires, response, released = entry
    status = response["WarmPoolStatus"]
    available = expires > at_ms
    status["Status"] = "Available" if available else "Terminated"
    status["ResourceRetainedBillableTimeInSeconds"] = int((min(expires, at_ms) - free_at) / 1000)
    fate = "retained" if available else ("released" if released else "expired")
    _pool_message(response, MESSAGES[fate])


def _finish_warm_pools(pools: Mapping[tuple[Any, ...], list[list[Any]]], as_of_ms: int) -> None:
    """Close the pools still open when the fleet is described."""
    for entries in pools.values():
        for entry in entries:
            if entry[2]["WarmPoolStatus"]["Status"] != "Reused":
                _close_pool(entry, as_of_ms)


def _base_of(profile: _Profile, legacy: bool, u: float) -> tuple[str, str, str]:
    """Base job name, registry and image of a launch (``u`` picks among the options)."""
    options = (_LEGACY_BASES if legacy else _BASES)[profile.kind]
    cum, total = 0.0, sum(o[3] for o in options)
    for base, registry, image, w in options:
        cum += w
        if u * total < cum:
            return base, registry, image
    return options[-1][:3]


def _job_names(
    rng: np.random.Generator,
    created: np.ndarray,
    launch_of: np.ndarray,
    pos: np.ndarray,
    launch_at: np.ndarray,
    tuning: np.ndarray,
    bases: Sequence[tuple[str, str, str]],
    regions: np.ndarray,
) -> tuple[list[str], list[str | None]]:
    """SDK-style unique names: ``<base>-YYYY-MM-DD-HH-MM-SS-mmm`` (the client's clock, a
    moment before creation); tuning jobs ``<base>-YYMMDD-HHMM`` and their training jobs
    ``<tuning job>-NNN-xxxxxxxx``."""
    n = len(created)
    u = rng.random((3, n))
    lag = np.clip(250.0 * np.exp(0.5 * _normal(u[0], u[1])), 20, 2000).astype(np.int64)
    stamps = np.datetime_as_string((created - lag).astype("datetime64[ms]"), unit="ms")
    table = str.maketrans("T:.", "---")
    short = np.datetime_as_string(
        launch_at.astype("datetime64[ms]").astype("datetime64[m]"), unit="m"
    ).tolist()
    tags = (u[2] * 2**32).astype(np.int64).tolist()
    used: set[str] = set()
    names: list[str] = []
    arns: list[str | None] = []
    for stamp, li, p, tag in zip(
        stamps.tolist(), launch_of.tolist(), pos.tolist(), tags, strict=True
    ):
        base = bases[li][0]
        if tuning[li]:
            s = short[li]
            tuning_name = f"{base[:19]}-{s[2:4]}{s[5:7]}{s[8:10]}-{s[11:13]}{s[14:16]}"
            name = f"{tuning_name}-{p + 1:03d}-{tag:08x}"
            while name in used:
                tag = (tag * 2654435761 + 1) % 2**32
                name = f"{tuning_name}-{p + 1:03d}-{tag:08x}"
            arns.append(
                f"arn:aws:sagemaker:{regions[li]}:{ACCOUNT}:hyper-parameter-tuning-job/{tuning_name}"
            )
        else:
            name = f"{base}-{stamp.translate(table)}"
            bump = 0
            while name in used:  # the same base in the same millisecond: the next millisecond
                bump += 1
                ms = int(stamp[-3:]) + bump
                name = f"{base}-{stamp[:-4].translate(table)}-{ms % 1000:03d}"
            arns.append(None)
        used.add(name)
        names.append(name)
    return names, arns


class _Renderer:
    """Turn a walked job into an API-shaped dict; timestamps are formatted in batches."""

    def __init__(self, as_of_ms: int) -> None:
        self.as_of_ms = as_of_ms
        self._stamps: list[tuple[dict[str, Any], str, int, int]] = []

    def stamp(self, target: dict[str, Any], key: str, ms: int, offset: int) -> None:
        target[key] = None  # keeps the key order; filled by flush()
        self._stamps.append((target, key, ms, offset))

    def flush(self) -> None:
        """Format every pending timestamp at once (local time of the job's clock + offset)."""
        if not self._stamps:
            return
        targets, keys, ms, codes = zip(*self._stamps, strict=True)
        code = np.asarray(codes, dtype=np.int64)
        minutes = np.array([m or 0 for m, _ in _OFFSETS], dtype=np.int64)[code]
        local = np.asarray(ms, dtype=np.int64) + minutes * 60_000
        text = np.datetime_as_string(local.astype("datetime64[ms]"), unit="us")
        suffix = np.array([_offset_suffix(m) for m, _ in _OFFSETS])[code]
        for target, key, value in zip(
            targets, keys, np.char.add(text, suffix).tolist(), strict=True
        ):
            target[key] = value
        self._stamps.clear()

    def render(
        self,
        job: _Job,
        walk: _Walk,
        r: _Rand,
        *,
        name: str,
        tuning_arn: str | None,
        region: str,
        offset: int,
        base: tuple[str, str, str],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The job's describe response (keys in the API's order) and what to know about it:
        ``outcome``, ``running``, and when (``pool_from``) and how long (``pool_kept``, a share
        of the keep-alive period) its warm pool is kept."""
        entries, running = self._timeline(job, walk, r)
        status = entries[-1][0]
        role = _ROLES[0 if r.u() < 0.7 else 1]
        out = _description(job, walk, entries, name, tuning_arn, region, role, base)
        launched = [e for e in entries if e[0] in _LAUNCHED]
        kept = _pool_kept(job, walk, r, status, running)
        if job.keep_alive_s and (running or launched):
            out["WarmPoolStatus"] = _warm_pool_status(running, kept)
        stopping: dict[str, Any] = {"MaxRuntimeInSeconds": job.max_runtime_s}
        if job.max_wait_s is not None:
            stopping["MaxWaitTimeInSeconds"] = job.max_wait_s
        out["StoppingCondition"] = stopping
        self._stamp_times(out, job, entries, launched, running, offset, r)
        out["SecondaryStatusTransitions"] = self._transitions(entries, offset)
        out["EnableManagedSpotTraining"] = job.spot
        if job.spot:
            out["CheckpointConfig"] = {"S3Uri": f"s3://{_bucket(region)}/checkpoints/{name}"}
        if not running and launched:
            _add_training_time(out, job, entries, launched[0][1], r)
        if job.retries:
            out["RetryStrategy"] = {"MaximumRetryAttempts": job.retries}
        last = out["SecondaryStatusTransitions"][-1]
        if kept is not None:
            last["StatusMessage"] = MESSAGES["retained"]
        elif job.keep_alive_s and not running and status == "Completed" and launched:
            last["StatusMessage"] = MESSAGES["not_retained"]
        info = {
            "outcome": status,
            "running": running,
            "pool_from": entries[-1][1] if kept is not None else None,
            "pool_kept": kept,
        }
        if len(self._stamps) > 100_000:
            self.flush()
        return out, info

    def _timeline(self, job: _Job, walk: _Walk, r: _Rand) -> tuple[list[list[Any]], bool]:
        """The walk's segments as ``[status, start ms, end ms, message]``, cut where the fleet
        is described (the last entry of a running job is open: no end, a fitting message)."""
        t = job.created_ms + int(r.logn(250, 0.6, lo=30, hi=3000))
        entries: list[list[Any]] = []
        for status, seconds, message in walk.segments:
            ms = round(seconds * 1000)
            if status not in _TERMINAL:
                ms = max(ms, 200)
            entries.append([status, t, t + ms, message])
            t += ms
        running = entries[-1][1] > self.as_of_ms or entries[-1][0] not in _TERMINAL
        if running:
            keep = [e for e in entries if e[1] <= self.as_of_ms]
            entries = keep or entries[:1]
            last = entries[-1]
            last[3] = _open_message(last[0], self.as_of_ms - last[1], walk, last[3])
            last[2] = None
        return entries, running

    def _stamp_times(
        self,
        out: dict[str, Any],
        job: _Job,
        entries: list[list[Any]],
        launched: list[list[Any]],
        running: bool,
        offset: int,
        r: _Rand,
    ) -> None:
        """Creation, training start and end, and last modification times."""
        self.stamp(out, "CreationTime", job.created_ms, offset)
        if launched:
            self.stamp(out, "TrainingStartTime", launched[0][1], offset)
        last_start: int = entries[-1][1]
        if not running and launched:
            self.stamp(out, "TrainingEndTime", last_start, offset)
        if not running:  # modified a moment after the end
            modified = min(last_start + int(r.logn(1500, 0.8, lo=50, hi=20_000)), self.as_of_ms)
        else:  # modified some time since the open entry started
            modified = last_start + int((self.as_of_ms - last_start) * r.u())
        self.stamp(out, "LastModifiedTime", max(modified, last_start), offset)

    def _transitions(self, entries: list[list[Any]], offset: int) -> list[dict[str, Any]]:
        transitions = []
        for st, t0, t1, message in entries:
            entry: dict[str, Any] = {"Status": st}
            self.stamp(entry, "StartTime", t0, offset)
            if t1 is not None:
                self.stamp(entry, "EndTime", t1, offset)
            entry["StatusMessage"] = message
            transitions.append(entry)
        return transitions


def _bucket(region: str) -> str:
    return f"sagemaker-{region}-{ACCOUNT}"


def _description(
    job: _Job,
    walk: _Walk,
    entries: list[list[Any]],
    name: str,
    tuning_arn: str | None,
    region: str,
    role: str,
    base: tuple[str, str, str],
) -> dict[str, Any]:
    """The response's keys from the name to ``ResourceConfig``, in the API's order."""
    status = entries[-1][0]
    out: dict[str, Any] = {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:training-job/{name.lower()}",
    }
    if tuning_arn is not None:
        out["TuningJobArn"] = tuning_arn
    uploaded = any(e[0] == "Uploading" for e in entries)
    if uploaded and status in ("Completed", "Stopped", "MaxRuntimeExceeded"):
        out["ModelArtifacts"] = {
            "S3ModelArtifacts": f"s3://{_bucket(region)}/{base[0]}/{name}/output/model.tar.gz"
        }
    out["TrainingJobStatus"] = PRIMARY_OF[SecondaryStatus(status)].value
    out["SecondaryStatus"] = status
    image = _image(base[1], base[2], region)
    if status == "Failed":
        template = walk.failure_reason or _ISE
        out["FailureReason"] = template.format(
            image=image, bucket=_bucket(region), base=base[0], region=region, role=role
        )
    out["AlgorithmSpecification"] = {"TrainingImage": image, "TrainingInputMode": job.mode}
    out["RoleArn"] = role
    resources: dict[str, Any] = {
        "InstanceType": job.profile.name,
        "InstanceCount": job.count,
        "VolumeSizeInGB": job.profile.volume_gb,
    }
    if job.keep_alive_s:
        resources["KeepAlivePeriodInSeconds"] = job.keep_alive_s
    out["ResourceConfig"] = resources
    return out


def _warm_pool_status(running: bool, kept: float | None) -> dict[str, Any]:
    """The pool is kept after a completed job (and may be reused), sometimes after a failure
    in training, unless the account's warm-pool limit is reached; its final state is settled
    later (reused, or released)."""
    if running:
        return {"Status": "InUse"}
    if kept is not None:
        return {"Status": "Available"}
    return {"Status": "Terminated", "ResourceRetainedBillableTimeInSeconds": 0}


def _add_training_time(
    out: dict[str, Any], job: _Job, entries: list[list[Any]], started: int, r: _Rand
) -> None:
    """Training and billable seconds of an ended job that launched instances."""
    seconds = round((entries[-1][1] - started) / 1000)
    out["TrainingTimeInSeconds"] = seconds
    billable = seconds
    if job.spot:  # spot: only the time on instances, at a 50-90 % discount
        on_instances = sum(e[2] - e[1] for e in entries if e[0] in _BILLED) / 1000
        billable = round(min(on_instances, seconds) * (0.1 + 0.4 * r.u()))
    out["BillableTimeInSeconds"] = max(billable, 1)


def _pool_kept(job: _Job, walk: _Walk, r: _Rand, status: str, running: bool) -> float | None:
    """Share of the keep-alive period the job's pool is kept (``None``: not kept)."""
    if not job.keep_alive_s or running:
        return None
    if status == "Completed":
        keep = True
    else:
        keep = status == "Failed" and walk.failure == "Training" and r.chance(0.5)
    if not keep or r.chance(0.08):  # not kept, or the warm-pool limit is reached
        return None
    return r.u() if r.chance(0.1) else 1.0  # the owner releases it early, or not


def _offset_suffix(minutes: int | None) -> str:
    if minutes is None:
        return "Z"
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h:02d}:{m:02d}"


def _open_message(status: str, open_ms: int, walk: _Walk, message: str) -> str:
    """The message of an entry still open ``open_ms`` after it started."""
    seconds = open_ms / 1000
    if status == "Starting":
        if walk.job.reuse:
            return MESSAGES["reuse"]
        if seconds < 5:
            return MESSAGES["starting"]
        if seconds < 60:
            return MESSAGES["launching"]
        if walk.unhealthy and seconds > 120:
            return MESSAGES["unhealthy"]
        if seconds > 900:
            return MESSAGES["capacity"]
        return MESSAGES["preparing"]
    if status == "Pending":
        return MESSAGES["waiting"]
    if status == "Training" and seconds < 45 and not walk.job.image_in_downloading:
        return MESSAGES["image"]
    return message


def _failure_template(job: _Job, phase: str, r: _Rand) -> str:
    """A ``FailureReason`` (with ``{placeholders}``) for a failure in ``phase``."""
    if job.legacy and phase == "Training":
        phase = "legacy_training"
    if phase == "Training":
        kind = "cpu" if job.profile.kind == "cpu" else "gpu"
        options = tuple(
            (text, w) for text, where, w in _TRAINING_FAILURES if where in ("any", kind)
        )
    else:
        options = _FAILURES.get(phase, _FAILURES["other"])
    return str(r.pick(options))


# -- corruption ------------------------------------------------------------------------------


def _corrupt(
    responses: list[dict[str, Any]],
    truth: dict[str, list[Any]],
    rng: np.random.Generator,
    seed: int,
    share: float,
) -> None:
    """Corrupt ``share`` of the histories in place, recording the kind in ``truth``."""
    n = len(responses)
    u = rng.random((2, n))
    k = round(share * n)
    chosen = set(np.argsort(u[0], kind="stable")[:k].tolist())
    kinds = list(_CORRUPTION_WEIGHTS)
    first = _weighted_index(u[1], [_CORRUPTION_WEIGHTS[c] for c in kinds])
    truth["corrupt"] = [False] * n
    truth["corruption"] = [None] * n
    truth["expected_code"] = [None] * n
    matrix, index = default_machine().matrix, default_machine().index
    for i in sorted(chosen):
        response = responses[i]
        order = kinds[first[i] :] + kinds[: first[i]]
        r = _Rand(rng.random(16).tolist(), (seed, 1, i))
        for kind in order:
            if _CORRUPTERS[kind](response, r, matrix, index):
                truth["corrupt"][i] = True
                truth["corruption"][i] = kind
                truth["expected_code"][i] = CORRUPTIONS[kind]
                break


def _entries(response: dict[str, Any]) -> list[dict[str, Any]]:
    return response["SecondaryStatusTransitions"]


def _ended(response: dict[str, Any]) -> bool:
    entries = _entries(response)
    return bool(entries) and entries[-1]["Status"] in _TERMINAL and "EndTime" in entries[-1]


def _shift(text: str, seconds: float) -> str:
    ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    out = (pd.Timestamp(ts) + pd.Timedelta(milliseconds=round(seconds * 1000))).isoformat(
        timespec="microseconds"
    )
    return out[:-6] + "Z" if text.endswith("Z") else out


def _seconds(a: str, b: str) -> float:
    return (pd.Timestamp(b) - pd.Timestamp(a)).total_seconds()


def _swap(response: dict[str, Any], r: _Rand, *_: Any) -> bool:
    entries = _entries(response)
    if len(entries) < 3:
        return False
    i = 1 + int(r.u() * (len(entries) - 2))  # swap i with i+1, never the first entry
    if _seconds(entries[i]["StartTime"], entries[i + 1]["StartTime"]) < 3:
        return False
    entries[i], entries[i + 1] = entries[i + 1], entries[i]
    return True


def _illegal_edge(
    response: dict[str, Any], r: _Rand, matrix: np.ndarray, index: Mapping[str, int]
) -> bool:
    entries = _entries(response)
    if len(entries) < 3:
        return False
    k = 1 + int(r.u() * (len(entries) - 2))
    prev = entries[k - 1]["Status"]
    options = [
        s
        for s in index
        if s not in _TERMINAL
        and s not in _DEPRECATED  # a modern job does not print them; keep the corruption one
        and s != prev
        and not matrix[index[prev], index[s]]
        and s != entries[k]["Status"]
    ]
    if not options:
        return False
    entries[k]["Status"] = options[int(r.u() * len(options))]
    return True


def _unknown(response: dict[str, Any], r: _Rand, *_: Any) -> bool:
    entries = _entries(response)
    if len(entries) < 3:
        return False
    k = 1 + int(r.u() * (len(entries) - 2))
    entries[k]["Status"] = _UNKNOWN_STATUSES[int(r.u() * len(_UNKNOWN_STATUSES))]
    return True


def _negative(response: dict[str, Any], r: _Rand, *_: Any) -> bool:
    entries = _entries(response)
    closed = [k for k in range(len(entries) - 1) if "EndTime" in entries[k]]
    if not closed:
        return False
    k = closed[int(r.u() * len(closed))]
    entries[k]["EndTime"] = _shift(entries[k]["StartTime"], -r.logn(90, 1.0, lo=5))
    return True


def _gap(response: dict[str, Any], r: _Rand, *_: Any) -> bool:
    entries = _entries(response)
    if len(entries) < 2 or "EndTime" not in entries[0]:
        return False
    k = int(r.u() * (len(entries) - 1))
    if "EndTime" not in entries[k]:
        return False
    gap = r.logn(900, 1.0, lo=30)
    for entry in entries[k + 1 :]:
        for key in ("StartTime", "EndTime"):
            if key in entry:
                entry[key] = _shift(entry[key], gap)
    return True


def _overlap(response: dict[str, Any], r: _Rand, *_: Any) -> bool:
    entries = _entries(response)
    if len(entries) < 2 or "EndTime" not in entries[0]:
        return False
    k = int(r.u() * (len(entries) - 1))
    length = _seconds(entries[k]["StartTime"], entries[k].get("EndTime", entries[k]["StartTime"]))
    if length < 15:
        return False
    entries[k + 1]["StartTime"] = _shift(entries[k + 1]["StartTime"], -length * (0.2 + 0.6 * r.u()))
    return True


def _missing_terminal(response: dict[str, Any], r: _Rand, *_: Any) -> bool:
    if not _ended(response) or len(_entries(response)) < 2:
        return False
    _entries(response).pop()
    return True


def _mismatch(response: dict[str, Any], r: _Rand, *_: Any) -> bool:
    others = [
        p
        for p in ("InProgress", "Completed", "Failed", "Stopped")
        if p != response["TrainingJobStatus"]
    ]
    if response["TrainingJobStatus"] == "InProgress":
        others.remove("Completed")  # a running job said Completed would be not_terminal first
    response["TrainingJobStatus"] = others[int(r.u() * len(others))]
    return True


def _open_interval(response: dict[str, Any], r: _Rand, *_: Any) -> bool:
    entries = _entries(response)
    if len(entries) < 3:
        return False
    k = int(r.u() * (len(entries) - 2))
    entries[k].pop("EndTime", None)
    return True


def _bad_initial(response: dict[str, Any], r: _Rand, *_: Any) -> bool:
    entries = _entries(response)
    if len(entries) < 3 or entries[1]["Status"] == "Starting":
        return False
    entries.pop(0)
    return True


def _after_terminal(response: dict[str, Any], r: _Rand, *_: Any) -> bool:
    if not _ended(response):
        return False
    last = _entries(response)[-1]
    t0 = _shift(last["EndTime"], r.logn(5, 0.8, lo=0.5))
    t1 = _shift(t0, r.logn(30, 0.8, lo=1))
    status, message = ("Uploading", MESSAGES["uploading"])
    if last["Status"] == "Uploading":
        status, message = ("Training", MESSAGES["training"])
    _entries(response).append(
        {"Status": status, "StartTime": t0, "EndTime": t1, "StatusMessage": message}
    )
    return True


_CORRUPTERS = {
    "swapped_entries": _swap,
    "illegal_edge": _illegal_edge,
    "unknown_status": _unknown,
    "negative_duration": _negative,
    "gap": _gap,
    "missing_terminal": _missing_terminal,
    "overlap": _overlap,
    "status_mismatch": _mismatch,
    "open_interval": _open_interval,
    "bad_initial": _bad_initial,
    "after_terminal": _after_terminal,
}


# -- writing ---------------------------------------------------------------------------------


def write_jsonl(
    responses: Iterable[Mapping[str, Any]], path: str | Path | IO[bytes], *, compresslevel: int = 9
) -> int:
    """Write responses as JSON Lines, one compact object a line; return the number written.

    Parameters
    ----------
    responses
        JSON-ready dicts (as :func:`simulate` returns).
    path
        A file name (gzip-compressed when it ends in ``.gz``) or a binary stream.
    compresslevel
        Gzip level. The gzip header carries no name and no time, so the same responses give
        the same bytes.
    """
    if isinstance(path, str | Path):
        target = Path(path)
        with target.open("wb") as raw:
            if target.suffix == ".gz":
                with gzip.GzipFile(
                    filename="", mode="wb", fileobj=raw, compresslevel=compresslevel, mtime=0
                ) as gz:
                    return _write_lines(responses, gz)
            return _write_lines(responses, raw)
    return _write_lines(responses, path)


def _write_lines(responses: Iterable[Mapping[str, Any]], stream: IO[bytes] | gzip.GzipFile) -> int:
    count = 0
    buffer = io.BytesIO()
    for response in responses:
        buffer.write(json.dumps(response, separators=(",", ":")).encode("utf-8"))
        buffer.write(b"\n")
        count += 1
        if buffer.tell() > 1 << 20:
            stream.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    stream.write(buffer.getvalue())
    return count
