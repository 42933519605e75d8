"""A SageMaker endpoint for tests: moto in server mode on 127.0.0.1, with realistic jobs.

moto's ``CreateTrainingJob`` makes every job ``Completed`` with one ``Starting`` entry; as the
server runs in this process, :meth:`MotoSageMaker.create_jobs` creates the jobs through boto3
and then gives the backend's job objects realistic histories and statuses. Faults (throttling,
5xx, jobs deleted after listing) are injected into the backend, so they travel over HTTP and
through botocore's retry handling exactly as AWS's would. The server counts the requests it
answers per API.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
FAKE_KEY_ID = "AKIASMSTATUSTESTKEY7"
FAKE_SECRET = "smstatusFakeSecretKey/DoNotLeak+0123456789"
FAKE_TOKEN = "smstatusFakeSessionToken"
T0 = dt.datetime(2024, 3, 1, 8, 0, 0)  # naive UTC: moto compares creation times naively

KINDS = ("Completed", "InProgress", "Failed", "Stopped", "Stopping")


def fake_credentials(monkeypatch: Any) -> None:
    """Fake credentials in the environment; nothing read from the machine's AWS config."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/smstatus-aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/smstatus-aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def history(kind: str, t0: dt.datetime) -> dict[str, Any]:
    """Backend attributes of a job of the given primary status, started at ``t0``."""
    m = dt.timedelta(minutes=1)

    def entry(status: str, start: dt.datetime, end: dt.datetime | None, msg: str):
        out: dict[str, Any] = {"Status": status, "StartTime": start, "StatusMessage": msg}
        if end is not None:
            out["EndTime"] = end
        return out

    start = [
        entry("Starting", t0, t0 + 3 * m, "Preparing the instances for training"),
        entry("Downloading", t0 + 3 * m, t0 + 5 * m, "Downloading input data"),
    ]
    attrs: dict[str, Any] = {"training_start_time": t0 + 3 * m}
    if kind == "Completed":
        trans = [
            *start,
            entry("Training", t0 + 5 * m, t0 + 25 * m, "Training image download completed."),
            entry("Uploading", t0 + 25 * m, t0 + 26 * m, "Uploading generated training model"),
            entry("Completed", t0 + 26 * m, t0 + 26 * m, "Training job completed"),
        ]
        attrs.update(training_end_time=t0 + 26 * m, secondary_status="Completed")
    elif kind == "InProgress":
        trans = [*start, entry("Training", t0 + 5 * m, None, "Training in progress")]
        attrs.update(training_end_time=None, secondary_status="Training")
    elif kind == "Failed":
        trans = [
            *start,
            entry("Training", t0 + 5 * m, t0 + 9 * m, "Training in progress"),
            entry("Failed", t0 + 9 * m, t0 + 9 * m, "Training job failed"),
        ]
        attrs.update(
            training_end_time=t0 + 9 * m,
            secondary_status="Failed",
            failure_reason="AlgorithmError: ExecuteUserScriptError: exit code 1",
        )
    elif kind == "Stopped":
        trans = [
            *start,
            entry("Training", t0 + 5 * m, t0 + 7 * m, "Training in progress"),
            entry("Stopping", t0 + 7 * m, t0 + 8 * m, "Stopping the training job"),
            entry("Stopped", t0 + 8 * m, t0 + 8 * m, "Training job stopped"),
        ]
        attrs.update(training_end_time=t0 + 8 * m, secondary_status="Stopped")
    elif kind == "Stopping":
        trans = [
            *start,
            entry("Training", t0 + 5 * m, t0 + 7 * m, "Training in progress"),
            entry("Stopping", t0 + 7 * m, None, "Stopping the training job"),
        ]
        attrs.update(training_end_time=None, secondary_status="Stopping")
    else:
        raise ValueError(kind)
    last = max(e.get("EndTime") or e["StartTime"] for e in trans)
    attrs.update(
        training_job_status=kind,
        creation_time=t0,
        last_modified_time=last,
        secondary_status_transitions=trans,
    )
    return attrs


class MotoSageMaker:
    """A moto server on a free port of 127.0.0.1, its SageMaker backend, faults and counts."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self.calls: Counter[str] = Counter()
        self.described: list[str] = []
        self._faults: dict[str, list[Any]] = {}
        self._after_list: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._installed: Any = None

    def stop(self) -> None:
        self._server.stop()

    def reset(self) -> None:
        """Forget every job, fault and count."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request) as response:
            response.read()
        self.calls.clear()
        self.described.clear()
        self._faults.clear()
        self._after_list = None
        self._installed = None

    @property
    def backend(self) -> Any:
        from moto.backends import get_backend

        backend = get_backend("sagemaker")[ACCOUNT][REGION]
        if self._installed is not backend:
            self._install(backend)
        return backend

    def _install(self, backend: Any) -> None:
        real_list = backend.list_training_jobs
        real_describe = backend.describe_training_job

        def list_jobs(*args: Any, **kwargs: Any) -> Any:
            self._count("ListTrainingJobs")
            result = real_list(*args, **kwargs)
            if self._after_list is not None:
                self._after_list()
            return result

        def describe(name: str) -> Any:
            self._count("DescribeTrainingJob", name)
            return real_describe(name)

        backend.list_training_jobs = list_jobs
        backend.describe_training_job = describe
        self._installed = backend

    def _count(self, api: str, name: str | None = None) -> None:
        with self._lock:
            self.calls[api] += 1
            if name is not None:
                self.described.append(name)
            queue = self._faults.get(api)
            fault = queue.pop(0) if queue else None
        if fault is not None:
            raise fault

    # -- faults ---------------------------------------------------------------------------

    def fail(self, api: str, faults: Iterable[Any]) -> None:
        """The next calls of ``api`` raise these moto errors in turn (``None``: answer)."""
        self.backend  # noqa: B018 - install the counting wrappers
        with self._lock:
            self._faults.setdefault(api, []).extend(faults)

    @staticmethod
    def throttling() -> Exception:
        from moto.core.exceptions import JsonRESTError

        return JsonRESTError("ThrottlingException", "Rate exceeded")

    @staticmethod
    def server_error() -> Exception:
        from moto.core.exceptions import JsonRESTError

        class InternalFailure(JsonRESTError):
            code = 500

        return InternalFailure("InternalFailure", "We encountered an internal error.")

    def after_list(self, action: Callable[[], None] | None) -> None:
        """Run ``action`` on the server after each ListTrainingJobs (e.g. delete a job)."""
        self.backend  # noqa: B018
        self._after_list = action

    # -- jobs -----------------------------------------------------------------------------

    def client(self, *, max_attempts: int = 4, mode: str = "standard") -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "sagemaker",
            region_name=REGION,
            endpoint_url=self.url,
            config=Config(retries={"mode": mode, "total_max_attempts": max_attempts}),
        )

    def create_jobs(
        self,
        kinds: Iterable[str],
        *,
        prefix: str = "job",
        t0: dt.datetime = T0,
        client: Any = None,
        via: str = "boto3",
    ) -> list[str]:
        """Create jobs, one per kind, 10 minutes apart.

        ``via="boto3"`` (default) calls CreateTrainingJob over HTTP; ``via="backend"`` creates
        them in-process, faster, for tests about something else than creation.
        """
        client = client or (self.client() if via == "boto3" else None)
        names = []
        for i, kind in enumerate(kinds):
            name = f"{prefix}-{i:03d}-{kind.lower()}"
            if via == "backend":
                self.backend.create_training_job(
                    name, {}, {"TrainingImage": "img"}, f"arn:aws:iam::{ACCOUNT}:role/R", [],
                    {"S3OutputPath": "s3://bucket/output"},
                    {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
                    {}, {"MaxRuntimeInSeconds": 86400}, [], False, False, False, {}, {}, [],
                    {}, {},
                )  # fmt: skip
                self.set_job(name, kind, t0=t0 + dt.timedelta(minutes=10 * i))
                names.append(name)
                continue
            client.create_training_job(
                TrainingJobName=name,
                AlgorithmSpecification={
                    "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/xgb:1.7-1",
                    "TrainingInputMode": "File",
                },
                RoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
                OutputDataConfig={"S3OutputPath": "s3://bucket/output"},
                ResourceConfig={
                    "InstanceType": "ml.m5.xlarge",
                    "InstanceCount": 1,
                    "VolumeSizeInGB": 30,
                },
                StoppingCondition={"MaxRuntimeInSeconds": 86400},
                HyperParameters={"num_round": "100"},
            )
            self.set_job(name, kind, t0=t0 + dt.timedelta(minutes=10 * i))
            names.append(name)
        return names

    def set_job(self, name: str, kind: str, *, t0: dt.datetime | None = None) -> None:
        """Give a job the history of ``kind`` (keeping its start time unless given)."""
        job = self.backend.training_jobs[name]
        start = t0 if t0 is not None else job.creation_time
        for key, value in history(kind, start).items():
            setattr(job, key, value)

    def delete_job(self, name: str) -> None:
        del self.backend.training_jobs[name]
