"""Generated benchmark data: describe responses as JSON Lines, about 2.8 KB a job.

Fast and deterministic; cached under ``benchmarks/.data`` so every benchmark of a run (and of
later runs) reads the same file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).parent / ".data"

PATHS = [
    (["Starting", "Downloading", "Training", "Uploading", "Completed"], 0.55),
    (["Starting", "Training", "Uploading", "Completed"], 0.10),
    (["Starting", "Pending", "Downloading", "Training", "Uploading", "Completed"], 0.10),
    (
        [
            "Starting",
            "Downloading",
            "Training",
            "Interrupted",
            "Starting",
            "Downloading",
            "Training",
            "Uploading",
            "Completed",
        ],
        0.05,
    ),
    (["Starting", "Downloading", "Training", "Uploading", "Failed"], 0.06),
    (["Starting", "Downloading", "Training", "Stopping", "Stopped"], 0.04),
    (["Starting", "Downloading", "Training"], 0.05),
    (["Starting", "Stopping", "MaxWaitTimeExceeded"], 0.02),
    (["Starting", "Downloading", "Training", "Failed"], 0.03),
]
MESSAGES = {
    "Starting": "Preparing the instances for training",
    "Pending": "Training job waiting for capacity",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Interrupted": "Training job interrupted because of spot instance interruption",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped",
    "MaxWaitTimeExceeded": "Training job stopped: MaxWaitTime exceeded",
}
PRIMARY = {
    "Completed": "Completed",
    "Failed": "Failed",
    "Stopped": "Stopped",
    "MaxWaitTimeExceeded": "Stopped",
}
MEAN_S = {
    "Starting": 150,
    "Pending": 600,
    "Downloading": 90,
    "Training": 3600,
    "Interrupted": 30,
    "Uploading": 40,
    "Stopping": 20,
}
INSTANCES = ["ml.m5.xlarge", "ml.g5.2xlarge", "ml.p3.2xlarge", "ml.c5.4xlarge", "ml.p4d.24xlarge"]


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="microseconds")


def describe_lines(n_jobs: int, *, seed: int = 0):
    """Yield ``n_jobs`` describe responses as JSON lines (bytes)."""
    rng = np.random.default_rng(seed)
    probs = np.array([p for _, p in PATHS])
    choice = rng.choice(len(PATHS), size=n_jobs, p=probs / probs.sum())
    base = datetime(2025, 1, 1, tzinfo=UTC)
    starts = rng.integers(0, 300 * 86400, size=n_jobs)
    spot = rng.random(n_jobs) < 0.3
    inst = rng.integers(0, len(INSTANCES), size=n_jobs)
    count = rng.choice([1, 1, 1, 2, 4], size=n_jobs)
    durs = rng.exponential(1.0, size=(n_jobs, 9))
    hyper = json.dumps({f"param_{k}": str(k * 0.125) for k in range(24)})
    for i in range(n_jobs):
        statuses, _ = PATHS[choice[i]]
        t = base + timedelta(seconds=int(starts[i]))
        created = t - timedelta(seconds=2)
        entries = []
        last = len(statuses) - 1
        running = statuses[-1] not in PRIMARY
        for k, st in enumerate(statuses):
            entry = {"Status": st, "StartTime": _iso(t)}
            if k < last:
                t = t + timedelta(seconds=float(MEAN_S.get(st, 10) * durs[i, k] + 1))
                entry["EndTime"] = _iso(t)
            elif not running:
                entry["EndTime"] = _iso(t)
            entry["StatusMessage"] = MESSAGES[st]
            entries.append(entry)
        final = statuses[-1]
        name = f"bench-job-{i:08d}"
        record = {
            "TrainingJobName": name,
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
            "ModelArtifacts": {"S3ModelArtifacts": f"s3://bench-bucket/output/{name}/model.tar.gz"},
            "TrainingJobStatus": PRIMARY.get(final, "InProgress"),
            "SecondaryStatus": final,
            "HyperParameters": "__HYPER__",
            "AlgorithmSpecification": {
                "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/"
                "sagemaker-xgboost:1.7-1",
                "TrainingInputMode": "File",
                "EnableSageMakerMetricsTimeSeries": False,
            },
            "RoleArn": "arn:aws:iam::123456789012:role/service-role/SageMakerRole",
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": "s3://bench-bucket/data/train/",
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                    "ContentType": "text/csv",
                    "CompressionType": "None",
                    "RecordWrapperType": "None",
                }
            ],
            "OutputDataConfig": {"KmsKeyId": "", "S3OutputPath": "s3://bench-bucket/output/"},
            "ResourceConfig": {
                "InstanceType": INSTANCES[inst[i]],
                "InstanceCount": int(count[i]),
                "VolumeSizeInGB": 30,
            },
            "StoppingCondition": {
                "MaxRuntimeInSeconds": 86400,
                **({"MaxWaitTimeInSeconds": 172800} if spot[i] else {}),
            },
            "CreationTime": _iso(created),
            "TrainingStartTime": entries[0]["StartTime"],
            **({"TrainingEndTime": _iso(t)} if not running else {}),
            "LastModifiedTime": _iso(t),
            "SecondaryStatusTransitions": entries,
            "EnableNetworkIsolation": False,
            "EnableInterContainerTrafficEncryption": False,
            "EnableManagedSpotTraining": bool(spot[i]),
            "TrainingTimeInSeconds": int((t - created).total_seconds()),
            "BillableTimeInSeconds": int((t - created).total_seconds() * (0.4 if spot[i] else 1)),
            "ProfilingStatus": "Disabled",
        }
        yield json.dumps(record).replace('"__HYPER__"', hyper).encode() + b"\n"


def describe_jsonl(n_jobs: int, *, seed: int = 0) -> Path:
    """Path of a JSONL file of ``n_jobs`` generated describe responses (made once, cached)."""
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"describe-{n_jobs}-{seed}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            buf: list[bytes] = []
            for line in describe_lines(n_jobs, seed=seed):
                buf.append(line)
                if len(buf) >= 10000:
                    fh.write(b"".join(buf))
                    buf.clear()
            fh.write(b"".join(buf))
        tmp.rename(path)
    return path


def read_bytes_seconds(path: Path, block: int = 1 << 24) -> float:
    """Seconds to read every byte of ``path`` in blocks (the floor every loader is held to)."""
    import time

    t0 = time.perf_counter()
    with path.open("rb") as fh:
        while fh.read(block):
            pass
    return time.perf_counter() - t0
