"""Generated benchmark data: describe responses as JSON Lines, in several shapes.

The simulator's shape is about 2.8 KB a job; the others (:data:`SHAPES`) write the same jobs
with longer texts, many more fields, other key orders, separators and timestamp forms.
Fast and deterministic; cached under ``benchmarks/.data`` so every benchmark of a run (and of
later runs) reads the same file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
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


SHAPES: dict[str, str] = {
    "sim": "the simulator's shape: json.dumps defaults, ISO times with microseconds and +00:00",
    "long": "long hyperparameters, messages, failure reasons and names; some non-ASCII text",
    "verbose": "every field of a real response smstatus ignores, boto3's ResponseMetadata and "
    "unknown fields (tags, fetch metadata); AWS CLI times with a -07:00 offset",
    "pretty": "keys in another order (sorted, entries too), spaces inside braces and after "
    "separators, boto3 json.dumps(default=str) times ('2025-01-01 10:00:00.123000+00:00')",
    "compact-epoch": "no spaces at all; times as epoch-second numbers with milliseconds, as "
    "AWS CLI v1 prints them (cli_timestamp_format = none)",
}
"""The shapes of describe responses the benchmarks run on: name -> what it holds.

Every shape holds the same jobs (statuses, times, instances) for a seed; only how the
responses are written and what else they carry differ.
"""

_PACIFIC = timezone(timedelta(hours=-7))


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="microseconds")


def _cli_time(t: datetime) -> str:
    return t.astimezone(_PACIFIC).isoformat(timespec="microseconds")


def _boto3_time(t: datetime) -> str:
    return str(t)  # what json.dumps(response, default=str) writes for boto3's datetimes


def _epoch_time(t: datetime) -> float:
    return round(t.timestamp(), 3)


_TIME_FORMATS = {
    "sim": _iso,
    "long": _iso,
    "verbose": _cli_time,
    "pretty": _boto3_time,
    "compact-epoch": _epoch_time,
}

LONG_MESSAGES = {
    "Starting": "Found matching resource for reuse; preparing the instances for training "
    "(warm pool of ml.g5.12xlarge × 4, keep-alive 3600 s)",
    "Training": "Training image download completed. Training in progress. "
    "Resource reused by training job: bench-warm-pool-donor-job-2025-01-01-00-00-00-000",
    "Completed": "Training job completed. Resource retained for reuse; it is released after "
    "the keep alive period expires unless another job with the same configuration uses it",
    "Failed": "Training job failed. Instances not retained as a result of warmpool resource "
    "limits being exceeded",
}
FAILURE_REASON = (
    'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "Traceback (most recent '
    'call last):\n  File \\"/opt/ml/code/train.py\\", line 212, in <module>\n    main()\n  File '
    '\\"/opt/ml/code/train.py\\", line 187, in main\n    trainer.train()\nRuntimeError: CUDA '
    "out of memory. Tried to allocate 2.00 GiB (GPU 0; 22.20 GiB total capacity; 19.87 GiB "
    'already allocated; 1.03 GiB free; 20.12 GiB reserved in total by PyTorch)"\nCommand '
    '"/opt/conda/bin/python3.10 train.py --epochs 30 --learning-rate 0.0003"'
)


def _hyperparameters(shape: str) -> dict[str, str]:
    if shape != "long":
        return {f"param_{k}": str(k * 0.125) for k in range(24)}
    params = {f"sagemaker_hp_{k:03d}": json.dumps([k * 0.5, k * 0.25, "auto"]) for k in range(80)}
    params["sagemaker_program"] = '"train.py"'
    params["sagemaker_submit_directory"] = (
        '"s3://bench-bucket/bench-job-source/2025-01-01-00-00-00-000/source/sourcedir.tar.gz"'
    )
    params["config"] = json.dumps({"layers": [512] * 40, "dropout": 0.1, "note": "réseau"})
    return params


def _extras(name: str, shape: str, created: datetime, fmt) -> dict:
    """The fields of a real response smstatus ignores, and unknown ones (``verbose``)."""
    if shape != "verbose":
        return {}
    rules = [
        {
            "RuleConfigurationName": rule,
            "RuleEvaluationJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:"
            f"processing-job/{name[:40]}-{rule[:10]}",
            "RuleEvaluationStatus": "NoIssuesFound",
            "LastModifiedTime": fmt(created),
        }
        for rule in ("LossNotDecreasing", "Overfit", "VanishingGradient", "ProfilerReport")
    ]
    return {
        "DebugHookConfig": {
            "S3OutputPath": "s3://bench-bucket/debug/",
            "CollectionConfigurations": [
                {"CollectionName": c, "CollectionParameters": {"save_interval": "500"}}
                for c in ("losses", "metrics", "gradients", "weights", "biases", "sm_metrics")
            ],
        },
        "DebugRuleConfigurations": [
            {
                "RuleConfigurationName": r["RuleConfigurationName"],
                "RuleEvaluatorImage": "503895931360.dkr.ecr.us-east-1.amazonaws.com/"
                "sagemaker-debugger-rules:latest",
                "VolumeSizeInGB": 0,
                "RuleParameters": {"rule_to_invoke": r["RuleConfigurationName"]},
            }
            for r in rules[:3]
        ],
        "DebugRuleEvaluationStatuses": rules[:3],
        "ProfilerConfig": {
            "S3OutputPath": "s3://bench-bucket/profiler/",
            "ProfilingIntervalInMilliseconds": 500,
            "ProfilingParameters": {
                "DataloaderProfilingConfig": '{"StartStep": 5, "NumSteps": 3}',
                "DetailedProfilingConfig": '{"StartStep": 5, "NumSteps": 3}',
                "PythonProfilingConfig": '{"StartStep": 5, "NumSteps": 3, "ProfilerName": '
                '"cprofile", "cProfileTimer": "total_time"}',
            },
            "DisableProfiler": False,
        },
        "ProfilerRuleConfigurations": [
            {
                "RuleConfigurationName": "ProfilerReport",
                "RuleEvaluatorImage": "503895931360.dkr.ecr.us-east-1.amazonaws.com/"
                "sagemaker-debugger-rules:latest",
                "VolumeSizeInGB": 0,
                "RuleParameters": {"rule_to_invoke": "ProfilerReport"},
            }
        ],
        "ProfilerRuleEvaluationStatuses": rules[3:],
        "Environment": {f"BENCH_ENV_{k}": f"value-{k}-" + "x" * 20 for k in range(12)},
        "VpcConfig": {
            "SecurityGroupIds": ["sg-0123456789abcdef0"],
            "Subnets": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
        },
        "CheckpointConfig": {"S3Uri": f"s3://bench-bucket/checkpoints/{name}/"},
        "TensorBoardOutputConfig": {"S3OutputPath": "s3://bench-bucket/tensorboard/"},
        "RetryStrategy": {"MaximumRetryAttempts": 2},
        "ExperimentConfig": {"TrialComponentDisplayName": "bench", "RunName": name},
        "FinalMetricDataList": [
            {"MetricName": f"validation:metric_{k}", "Value": k * 0.01, "Timestamp": fmt(created)}
            for k in range(8)
        ],
        "ResponseMetadata": {
            "RequestId": "3f6a9c7e-0000-4000-8000-000000000000",
            "HTTPStatusCode": 200,
            "HTTPHeaders": {
                "x-amzn-requestid": "3f6a9c7e-0000-4000-8000-000000000000",
                "content-type": "application/x-amz-json-1.1",
                "content-length": "6123",
                "date": "Wed, 01 Jan 2025 00:00:00 GMT",
            },
            "RetryAttempts": 0,
        },
        "Tags": [{"Key": "team", "Value": "vision"}, {"Key": "owner", "Value": "zoë"}],
        "x-bench-fetched": {"at": fmt(created), "by": "smstatus-bench", "attempt": 1},
    }


def _channels(shape: str) -> list[dict]:
    names = ("train", "validation", "test") if shape == "verbose" else ("train",)
    return [
        {
            "ChannelName": channel,
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": f"s3://bench-bucket/data/{channel}/",
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
            "ContentType": "text/csv",
            "CompressionType": "None",
            "RecordWrapperType": "None",
        }
        for channel in names
    ]


def _encode(record: dict, shape: str, hyper: str) -> bytes:
    if shape == "sim":
        return json.dumps(record).replace('"__HYPER__"', hyper).encode() + b"\n"
    if shape == "pretty":
        text = json.dumps(record, sort_keys=True, ensure_ascii=False)
        text = text.replace("{", "{ ").replace("}", " }").replace("[", "[ ").replace("]", " ]")
    elif shape == "compact-epoch":
        text = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    else:
        text = json.dumps(record, ensure_ascii=False)
    return text.encode() + b"\n"


def describe_lines(n_jobs: int, *, seed: int = 0, shape: str = "sim"):
    """Yield ``n_jobs`` describe responses of the given shape (:data:`SHAPES`) as JSON lines.

    Spaces are added inside brackets by the ``pretty`` shape with a plain replace, so the
    strings of that shape hold no bracket (none of the generated texts do).
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}: one of {', '.join(SHAPES)}")
    fmt = _TIME_FORMATS[shape]
    rng = np.random.default_rng(seed)
    probs = np.array([p for _, p in PATHS])
    choice = rng.choice(len(PATHS), size=n_jobs, p=probs / probs.sum())
    base = datetime(2025, 1, 1, tzinfo=UTC)
    starts = rng.integers(0, 300 * 86400, size=n_jobs)
    spot = rng.random(n_jobs) < 0.3
    inst = rng.integers(0, len(INSTANCES), size=n_jobs)
    count = rng.choice([1, 1, 1, 2, 4], size=n_jobs)
    durs = rng.exponential(1.0, size=(n_jobs, 9))
    hyper_params = _hyperparameters(shape)
    hyper = json.dumps(hyper_params)
    messages = {**MESSAGES, **LONG_MESSAGES} if shape == "long" else MESSAGES
    for i in range(n_jobs):
        statuses, _ = PATHS[choice[i]]
        t = base + timedelta(seconds=int(starts[i]))
        created = t - timedelta(seconds=2)
        entries = []
        last = len(statuses) - 1
        running = statuses[-1] not in PRIMARY
        for k, st in enumerate(statuses):
            entry = {"Status": st, "StartTime": fmt(t)}
            if k < last:
                t = t + timedelta(seconds=float(MEAN_S.get(st, 10) * durs[i, k] + 1))
                entry["EndTime"] = fmt(t)
            elif not running:
                entry["EndTime"] = fmt(t)
            entry["StatusMessage"] = messages[st]
            entries.append(entry)
        final = statuses[-1]
        name = f"bench-job-{i:08d}"
        if shape == "long":
            name = f"bench-pytorch-training-hf-llm-finetune-{i:08d}-2025-01-01-00-00-00"[:63]
        record = {
            "TrainingJobName": name,
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
            "ModelArtifacts": {"S3ModelArtifacts": f"s3://bench-bucket/output/{name}/model.tar.gz"},
            "TrainingJobStatus": PRIMARY.get(final, "InProgress"),
            "SecondaryStatus": final,
            **({"FailureReason": FAILURE_REASON} if shape == "long" and final == "Failed" else {}),
            "HyperParameters": "__HYPER__" if shape == "sim" else hyper_params,
            "AlgorithmSpecification": {
                "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/"
                "sagemaker-xgboost:1.7-1",
                "TrainingInputMode": "File",
                "EnableSageMakerMetricsTimeSeries": False,
            },
            "RoleArn": "arn:aws:iam::123456789012:role/service-role/SageMakerRole",
            "InputDataConfig": _channels(shape),
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
            "CreationTime": fmt(created),
            "TrainingStartTime": entries[0]["StartTime"],
            **({"TrainingEndTime": fmt(t)} if not running else {}),
            "LastModifiedTime": fmt(t),
            "SecondaryStatusTransitions": entries,
            "EnableNetworkIsolation": False,
            "EnableInterContainerTrafficEncryption": False,
            "EnableManagedSpotTraining": bool(spot[i]),
            "TrainingTimeInSeconds": int((t - created).total_seconds()),
            "BillableTimeInSeconds": int((t - created).total_seconds() * (0.4 if spot[i] else 1)),
            "ProfilingStatus": "Disabled",
            **_extras(name, shape, created, fmt),
        }
        yield _encode(record, shape, hyper)


def describe_jsonl(n_jobs: int, *, seed: int = 0, shape: str = "sim") -> Path:
    """Path of a JSONL file of ``n_jobs`` generated describe responses (made once, cached)."""
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"describe-{shape}-{n_jobs}-{seed}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            buf: list[bytes] = []
            for line in describe_lines(n_jobs, seed=seed, shape=shape):
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
