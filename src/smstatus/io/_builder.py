"""Turn describe-shaped records (dicts) into the frames of a :class:`JobHistory`.

The Python path for dict inputs, events and small files: records are gathered column-wise and
every timestamp is parsed in one vectorised call at the end. A record with any bad part is
rejected whole (never half a history) and reported with its file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from smstatus.errors import ParseError
from smstatus.history import JOBS_SCHEMA, JobHistory
from smstatus.timestamps import parse_timestamps

__all__ = ["DescribeBuilder", "Errors", "job_attributes"]

Errors = Literal["raise", "collect"]

_JOB_TIME_FIELDS = {
    "creation_time": "CreationTime",
    "training_start_time": "TrainingStartTime",
    "training_end_time": "TrainingEndTime",
    "last_modified_time": "LastModifiedTime",
}


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def job_attributes(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``jobs`` columns of one describe response (times left raw)."""
    resources = record.get("ResourceConfig") or {}
    instance_type = resources.get("InstanceType")
    instance_count = _int_or_none(resources.get("InstanceCount"))
    groups = resources.get("InstanceGroups") or []
    if instance_type is None and groups:
        types = sorted({g.get("InstanceType") for g in groups if g.get("InstanceType")})
        instance_type = "+".join(types) or None
        instance_count = sum(_int_or_none(g.get("InstanceCount")) or 0 for g in groups) or None
    stopping = record.get("StoppingCondition") or {}
    warm = record.get("WarmPoolStatus") or {}
    spot = record.get("EnableManagedSpotTraining")
    out = {
        "job_name": record.get("TrainingJobName"),
        "training_job_status": record.get("TrainingJobStatus"),
        "secondary_status": record.get("SecondaryStatus"),
        "failure_reason": record.get("FailureReason"),
        "instance_type": instance_type,
        "instance_count": instance_count,
        "spot": spot if isinstance(spot, bool) else None,
        "max_runtime_s": _int_or_none(stopping.get("MaxRuntimeInSeconds")),
        "max_wait_s": _int_or_none(stopping.get("MaxWaitTimeInSeconds")),
        "training_time_s": _int_or_none(record.get("TrainingTimeInSeconds")),
        "billable_time_s": _int_or_none(record.get("BillableTimeInSeconds")),
        "warm_pool_status": warm.get("Status") if isinstance(warm, Mapping) else None,
        "tuning_job_arn": record.get("TuningJobArn"),
    }
    for col, key in _JOB_TIME_FIELDS.items():
        out[col] = record.get(key)
    return out


class DescribeBuilder:
    """Gather describe responses and build a :class:`JobHistory` from them.

    Parameters
    ----------
    source
        Value of the ``source`` column of the jobs this builder adds.
    naive_tz
        Zone of timestamps without one.
    """

    def __init__(self, *, source: str = "describe", naive_tz: str = "UTC") -> None:
        self.source = source
        self.naive_tz = naive_tz
        self._jobs: list[dict[str, Any]] = []
        self._job_where: list[tuple[str, int | None]] = []
        self._t_job: list[int] = []
        self._t_step: list[int] = []
        self._t_status: list[Any] = []
        self._t_start: list[Any] = []
        self._t_end: list[Any] = []
        self._t_message: list[Any] = []
        self._rejects: list[dict[str, Any]] = []

    def reject(self, *, file: str, line: int | None, reason: str, field: str | None = None) -> None:
        """Report a record that cannot be loaded."""
        self._rejects.append({"file": file, "line": line, "field": field, "reason": reason})

    def add(
        self,
        record: Any,
        *,
        file: str,
        line: int | None,
        errors: Errors = "raise",
        source: str | None = None,
    ) -> None:
        """Add one describe response; structural problems are raised or collected at once."""
        problem = _structure_problem(record)
        if problem is not None:
            reason, field = problem
            if errors == "raise":
                raise ParseError(reason, file=file, line=line, field=field)
            self.reject(file=file, line=line, reason=reason, field=field)
            return
        job = job_attributes(record)
        job["source"] = source or self.source
        index = len(self._jobs)
        self._jobs.append(job)
        self._job_where.append((file, line))
        for step, entry in enumerate(record.get("SecondaryStatusTransitions") or ()):
            self._t_job.append(index)
            self._t_step.append(step)
            self._t_status.append(entry["Status"])
            self._t_start.append(entry["StartTime"])
            self._t_end.append(entry.get("EndTime"))
            self._t_message.append(entry.get("StatusMessage"))

    def add_job(
        self,
        job: Mapping[str, Any],
        entries: list[Mapping[str, Any]],
        *,
        file: str,
        line: int | None,
    ) -> None:
        """Add a job given as ``jobs`` columns and entries given as ``transitions`` columns."""
        index = len(self._jobs)
        self._jobs.append(dict(job))
        self._job_where.append((file, line))
        for step, entry in enumerate(entries):
            self._t_job.append(index)
            self._t_step.append(step)
            self._t_status.append(entry["status"])
            self._t_start.append(entry["start_time"])
            self._t_end.append(entry.get("end_time"))
            self._t_message.append(entry.get("status_message"))

    def build(self, *, errors: Errors = "raise") -> JobHistory:
        """Parse every timestamp at once and return the history (rejects in ``unparsed``)."""
        n_jobs = len(self._jobs)
        jobs = (
            pd.DataFrame(self._jobs, columns=[*JOBS_SCHEMA])
            if n_jobs
            else pd.DataFrame(columns=[*JOBS_SCHEMA])
        )
        bad_job = np.zeros(n_jobs, dtype=bool)
        reasons: dict[int, tuple[str, str]] = {}
        t_job = np.asarray(self._t_job, dtype=np.int64)
        start, bad_start = parse_timestamps(self._t_start, naive_tz=self.naive_tz)
        end, bad_end = parse_timestamps(self._t_end, naive_tz=self.naive_tz)
        for mask, values, field in (
            (bad_start, self._t_start, "StartTime"),
            (bad_end, self._t_end, "EndTime"),
        ):
            for i in np.flatnonzero(mask):
                job = int(t_job[i])
                if job not in reasons:
                    reasons[job] = (
                        f"{field} {values[i]!r} of entry {self._t_step[i]} is not a timestamp",
                        field,
                    )
                bad_job[job] = True
        for col, key in _JOB_TIME_FIELDS.items():
            raw = jobs[col].tolist() if n_jobs else []
            parsed, bad = parse_timestamps(raw, naive_tz=self.naive_tz)
            for i in np.flatnonzero(bad):
                reasons.setdefault(int(i), (f"{key} {raw[i]!r} is not a timestamp", key))
                bad_job[i] = True
            jobs[col] = pd.Series(parsed)
        rejects = list(self._rejects)
        for job in sorted(reasons):
            file, line = self._job_where[job]
            reason, field = reasons[job]
            if errors == "raise":
                raise ParseError(reason, file=file, line=line, field=field)
            rejects.append({"file": file, "line": line, "field": field, "reason": reason})
        keep_rows = ~bad_job[t_job] if len(t_job) else np.zeros(0, dtype=bool)
        names = jobs["job_name"].astype(object).to_numpy() if n_jobs else np.array([], object)
        transitions = pd.DataFrame(
            {
                "job_name": names[t_job[keep_rows]] if len(t_job) else [],
                "step": np.asarray(self._t_step, dtype="int32")[keep_rows],
                "status": np.asarray(self._t_status, dtype=object)[keep_rows],
                "start_time": start[keep_rows],
                "end_time": end[keep_rows],
                "status_message": np.asarray(self._t_message, dtype=object)[keep_rows],
            }
        )
        jobs = jobs[~bad_job].reset_index(drop=True)
        unparsed = pd.DataFrame(rejects, columns=["file", "line", "field", "reason"])
        return JobHistory(jobs, transitions, unparsed=unparsed)


def _structure_problem(record: Any) -> tuple[str, str | None] | None:
    """Return ``(reason, field)`` when a describe response cannot be loaded, else ``None``."""
    if not isinstance(record, Mapping):
        return (f"expected a JSON object (a describe response), got {type(record).__name__}", None)
    name = record.get("TrainingJobName")
    if not isinstance(name, str) or not name:
        return (
            "record has no TrainingJobName (is this a DescribeTrainingJob response?)",
            "TrainingJobName",
        )
    entries = record.get("SecondaryStatusTransitions")
    if entries is None:
        return None
    if not isinstance(entries, list):
        return ("SecondaryStatusTransitions must be a list", "SecondaryStatusTransitions")
    for step, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            return (
                f"entry {step} of SecondaryStatusTransitions is not an object",
                "SecondaryStatusTransitions",
            )
        status = entry.get("Status")
        if not isinstance(status, str) or not status:
            return (f"entry {step} of job {name!r} has no Status", "Status")
        if entry.get("StartTime") is None:
            return (f"entry {step} ({status}) of job {name!r} has no StartTime", "StartTime")
    return None
