"""Turn describe-shaped records (dicts) into the frames of a :class:`JobHistory`.

The Python path for dict inputs, events and small files: records are gathered column-wise and
every timestamp column is parsed in one vectorised call at the end. A record with any bad part
is rejected whole (never half a history) and reported with its file and line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeGuard

import numpy as np
import pandas as pd
import pyarrow as pa

from smstatus.errors import ParseError
from smstatus.history import JOBS_SCHEMA, STRING, UNPARSED_SCHEMA, JobHistory, status_categorical
from smstatus.timestamps import parse_timestamps

__all__ = [
    "OBSERVED_AT_FIELD",
    "DescribeBuilder",
    "Errors",
    "empty_history",
    "frame_of_columns",
    "job_attributes",
    "response_time",
    "unparsed_frame",
]

Errors = Literal["raise", "collect"]

OBSERVED_AT_FIELD = "ObservedAt"
"""The field smstatus adds to a describe response: when the response was received (the fetch
cache writes it). Read into ``jobs.observed_at``; without it, the ``Date`` header a boto3
response carries in ``ResponseMetadata.HTTPHeaders.date`` is used."""


def response_time(record: Mapping[str, Any]) -> Any:
    """When a describe response was observed: its ``ObservedAt``, else the ``Date`` header of
    its ``ResponseMetadata`` (an HTTP date) as an aware ``datetime``, else ``None``.

    An HTTP date that does not parse is returned as is (and rejected as not a timestamp).
    """
    observed = record.get(OBSERVED_AT_FIELD)
    if observed is not None:
        return observed
    meta = record.get("ResponseMetadata")
    headers = meta.get("HTTPHeaders") if _is_mapping(meta) else None
    date = headers.get("date") if _is_mapping(headers) else None
    if not isinstance(date, str):
        return None
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return date


_JOB_TIME_FIELDS = {
    "creation_time": "CreationTime",
    "training_start_time": "TrainingStartTime",
    "training_end_time": "TrainingEndTime",
    "last_modified_time": "LastModifiedTime",
    "observed_at": OBSERVED_AT_FIELD,
}
_JOB_COLUMNS: tuple[str, ...] = tuple(JOBS_SCHEMA)
_OBSERVED_AT = _JOB_COLUMNS.index("observed_at")
_RANGE = " (from 1677-09-22 to 2262-04-11)"
_UNPARSED_COLUMNS = list(UNPARSED_SCHEMA)


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """``isinstance(value, Mapping)``, with a fast path for plain dicts (the ABC check is slow)."""
    return type(value) is dict or isinstance(value, Mapping)


_INT64_MAX = (1 << 63) - 1


class InvalidCount:
    """A count or a number of seconds that is not an integer ``int64`` can hold (kept to be
    named in the reject: past int64, not finite, fractional, or not a number at all)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(self.value)


def _int_or_none(value: Any) -> int | InvalidCount | None:
    """An integer field of a response: ``None`` when absent, :class:`InvalidCount` when not an
    integer within int64 (never clipped, truncated or dropped silently)."""
    if type(value) is int:
        return value if -_INT64_MAX - 1 <= value <= _INT64_MAX else InvalidCount(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return InvalidCount(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        whole = math.isfinite(number) and number.is_integer() and abs(number) < 2.0**63
        return int(value) if whole else InvalidCount(value)
    if isinstance(value, int | np.integer):
        return _int_or_none(int(value))
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        return _int_or_none(int(value.strip()))
    return InvalidCount(value)


_INTEGER_TEXT = re.compile(r"[+-]?\d{1,19}")
_COUNT_FIELDS = {
    "instance_count": "InstanceCount",
    "max_runtime_s": "MaxRuntimeInSeconds",
    "max_wait_s": "MaxWaitTimeInSeconds",
    "training_time_s": "TrainingTimeInSeconds",
    "billable_time_s": "BillableTimeInSeconds",
}
_COUNT_POSITIONS = tuple((_JOB_COLUMNS.index(c), key) for c, key in _COUNT_FIELDS.items())


def _group_count(groups: list[Any]) -> int | InvalidCount | None:
    """The sum of the ``InstanceCount`` of instance groups (``None`` when zero)."""
    total = 0
    for group in groups:
        count = _int_or_none(group.get("InstanceCount"))
        if isinstance(count, InvalidCount):
            return count
        total += count or 0
    return _int_or_none(total) if total else None


_TEXT_KEYS = ("TrainingJobStatus", "SecondaryStatus", "FailureReason", "TuningJobArn")
_OBJECT_KEYS = ("ResourceConfig", "StoppingCondition", "WarmPoolStatus")


def _wrong_type(record: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(reason, field)`` of the first field of a response of a type it never has (a list
    or object for text, a non-object for a nested object, a non-boolean for a flag)."""
    get = record.get
    for key in _TEXT_KEYS:
        if isinstance(get(key), list | Mapping):
            return (f"{key} is a {type(get(key)).__name__}, not text", key)
    for key in _OBJECT_KEYS:
        value = get(key)
        if value is not None and not _is_mapping(value):
            return (f"{key} is a {type(value).__name__}, not an object", key)
    for key, inner in (("ResourceConfig", "InstanceType"), ("WarmPoolStatus", "Status")):
        value = (get(key) or {}).get(inner)
        if isinstance(value, list | Mapping):
            return (f"{key}.{inner} is a {type(value).__name__}, not text", inner)
    spot = get("EnableManagedSpotTraining")
    if spot is not None and not isinstance(spot, bool):
        return (
            f"EnableManagedSpotTraining {spot!r} is not true or false",
            "EnableManagedSpotTraining",
        )
    return None


def bad_count(row: Sequence[Any]) -> tuple[str, str] | None:
    """``(reason, field)`` of the first integer field of a jobs row that is not an integer."""
    for position, key in _COUNT_POSITIONS:
        value = row[position]
        if isinstance(value, InvalidCount):
            return (
                f"{key} {value!r} is not an integer that 64 bits can hold (|n| < 2**63)",
                key,
            )
    return None


def _job_row(record: Mapping[str, Any], source: str) -> tuple[Any, ...]:
    """The ``jobs`` columns of one describe response, in :data:`JOBS_SCHEMA` order."""
    get = record.get
    resources = get("ResourceConfig") or {}
    if not _is_mapping(resources):
        resources = {}
    instance_type = resources.get("InstanceType")
    instance_count = _int_or_none(resources.get("InstanceCount"))
    groups = resources.get("InstanceGroups") or []
    if instance_type is None and groups and isinstance(groups, list):
        groups = [g for g in groups if _is_mapping(g)]
        types = sorted({str(g.get("InstanceType")) for g in groups if g.get("InstanceType")})
        instance_type = "+".join(types) or None
        instance_count = _group_count(groups)
    stopping = get("StoppingCondition") or {}
    if not _is_mapping(stopping):
        stopping = {}
    warm = get("WarmPoolStatus") or {}
    spot = get("EnableManagedSpotTraining")
    return (
        get("TrainingJobName"),
        _str_or_none(get("TrainingJobStatus")),
        _str_or_none(get("SecondaryStatus")),
        _str_or_none(get("FailureReason")),
        get("CreationTime"),
        get("TrainingStartTime"),
        get("TrainingEndTime"),
        get("LastModifiedTime"),
        _str_or_none(instance_type),
        instance_count,
        spot if isinstance(spot, bool) else None,
        _int_or_none(stopping.get("MaxRuntimeInSeconds")),
        _int_or_none(stopping.get("MaxWaitTimeInSeconds")),
        _int_or_none(get("TrainingTimeInSeconds")),
        _int_or_none(get("BillableTimeInSeconds")),
        _str_or_none(warm.get("Status")) if _is_mapping(warm) else None,
        _str_or_none(get("TuningJobArn")),
        source,
        response_time(record),
        None,  # warm_start: derived from the entries by JobHistory
    )


def _str_or_none(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value)


def job_attributes(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``jobs`` columns of one describe response (times left raw, no ``source``)."""
    out = dict(zip(_JOB_COLUMNS, _job_row(record, ""), strict=True))
    del out["source"]
    return out


def frame_of_columns(
    columns: Mapping[str, Sequence[Any]], schema: Mapping[str, Any]
) -> pd.DataFrame:
    """A frame of the given column lists with the schema's dtypes (times must be parsed)."""
    out: dict[str, Any] = {}
    for col, dtype in schema.items():
        if col not in columns:
            continue
        values = columns[col]
        if dtype == "category":
            out[col] = pd.Categorical(_objects(values))
        elif isinstance(values, pd.Index | pd.Series | pd.api.extensions.ExtensionArray):
            out[col] = values
        elif dtype is STRING or str(dtype).startswith("string"):
            out[col] = pd.array(_objects(values), dtype=dtype)
        elif dtype in ("Int64", "boolean"):
            out[col] = pd.array(list(values), dtype=dtype)
        else:
            out[col] = np.asarray(values).astype(dtype)
    return pd.DataFrame(out)


def unparsed_frame(rejects: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The ``unparsed`` frame of reject dicts (``file, line, field, reason``)."""
    return pd.DataFrame(list(rejects), columns=_UNPARSED_COLUMNS)


def empty_history(rejects: Sequence[Mapping[str, Any]] = ()) -> JobHistory:
    """A history without jobs that carries the given rejects in ``unparsed``."""
    empty = JobHistory.empty()
    return JobHistory(empty.jobs, empty.transitions, unparsed=unparsed_frame(rejects))


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
        self._jobs: list[tuple[Any, ...]] = []
        self._job_where: list[tuple[str, int | None]] = []
        self._n_entries: list[int] = []
        self._t_status: list[Any] = []
        self._t_start: list[Any] = []
        self._t_end: list[Any] = []
        self._t_message: list[Any] = []
        self._rejects: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self._jobs)

    def reject(self, *, file: str, line: int | None, reason: str, field: str | None = None) -> None:
        """Report a record that cannot be loaded."""
        self._rejects.append({"file": file, "line": line, "field": field, "reason": reason})

    def fail(
        self, reason: str, *, file: str, line: int | None, field: str | None, errors: Errors
    ) -> None:
        """Raise (``errors="raise"``) or collect a reject."""
        if errors == "raise":
            raise ParseError(reason, file=file, line=line, field=field)
        self.reject(file=file, line=line, reason=reason, field=field)

    def add(
        self,
        record: Any,
        *,
        file: str,
        line: int | None,
        errors: Errors = "raise",
        source: str | None = None,
        observed_at: Any = None,
    ) -> bool:
        """Add one describe response; structural problems are raised or collected at once.

        ``observed_at`` (an event's time) replaces the response's own (see
        :func:`response_time`). Returns whether the record was added.
        """
        if not _is_mapping(record):
            self.fail(
                f"expected a JSON object (a describe response), got {type(record).__name__}",
                file=file,
                line=line,
                field=None,
                errors=errors,
            )
            return False
        name = record.get("TrainingJobName")
        if not isinstance(name, str) or not name:
            self.fail(
                "record has no TrainingJobName (is this a DescribeTrainingJob response?)",
                file=file,
                line=line,
                field="TrainingJobName",
                errors=errors,
            )
            return False
        entries = record.get("SecondaryStatusTransitions")
        status: list[Any] = []
        start: list[Any] = []
        end: list[Any] = []
        message: list[Any] = []
        if entries is not None:
            problem = _collect_entries(name, entries, status, start, end, message)
            if problem is not None:
                self.fail(problem[0], file=file, line=line, field=problem[1], errors=errors)
                return False
        row = _job_row(record, source or self.source)
        problem = bad_count(row) or _wrong_type(record)
        if problem is not None:
            self.fail(problem[0], file=file, line=line, field=problem[1], errors=errors)
            return False
        if observed_at is not None:
            row = (*row[:_OBSERVED_AT], observed_at, *row[_OBSERVED_AT + 1 :])
        self._jobs.append(row)
        self._job_where.append((file, line))
        self._n_entries.append(len(status))
        self._t_status += status
        self._t_start += start
        self._t_end += end
        self._t_message += message
        return True

    def add_job(
        self,
        job: Mapping[str, Any],
        entries: Sequence[Mapping[str, Any]],
        *,
        file: str,
        line: int | None,
    ) -> None:
        """Add a job given as ``jobs`` columns and entries given as ``transitions`` columns."""
        job = {"source": self.source, **job}
        self._jobs.append(tuple(job.get(c) for c in _JOB_COLUMNS))
        self._job_where.append((file, line))
        self._n_entries.append(len(entries))
        for entry in entries:
            self._t_status.append(entry["status"])
            self._t_start.append(entry["start_time"])
            self._t_end.append(entry.get("end_time"))
            self._t_message.append(entry.get("status_message"))

    def _flag_unencodable(
        self,
        cols: dict[str, Any],
        t_job: np.ndarray,
        steps: np.ndarray,
        reasons: dict[int, tuple[str, str]],
        bad_job: np.ndarray,
    ) -> tuple[list[Any], list[Any]]:
        """Reject the jobs holding text that cannot be written as UTF-8; the values are
        blanked (in ``cols`` and in the statuses and messages returned, copies of the
        builder's) so that the frames build before those jobs are dropped."""
        for col, key in _TEXT_FIELDS.items():
            values = cols[col]
            mask = unencodable(values)
            for i in np.flatnonzero(mask) if mask is not None else ():
                reasons.setdefault(int(i), (_lone_surrogate(key, values[i]), key))
                bad_job[i] = True
                values[i] = None
        out = []
        for values, key in ((self._t_status, "Status"), (self._t_message, "StatusMessage")):
            mask = unencodable(values)
            if mask is not None:
                values = list(values)
            for i in np.flatnonzero(mask) if mask is not None else ():
                job = int(t_job[i])
                reason = _lone_surrogate(key, values[i]) + f" (entry {steps[i]})"
                reasons.setdefault(job, (reason, key))
                bad_job[job] = True
                values[i] = None
            out.append(values)
        return out[0], out[1]

    def build(self, *, errors: Errors = "raise") -> JobHistory:
        """Parse every timestamp at once and return the history (rejects in ``unparsed``)."""
        n_jobs = len(self._jobs)
        cols: dict[str, Any] = (
            dict(zip(_JOB_COLUMNS, map(list, zip(*self._jobs, strict=True)), strict=True))
            if n_jobs
            else {c: [] for c in _JOB_COLUMNS}
        )
        counts = np.asarray(self._n_entries, dtype=np.int64)
        t_job = np.repeat(np.arange(n_jobs, dtype=np.int64), counts)
        firsts = np.cumsum(counts) - counts
        steps = (np.arange(len(t_job), dtype=np.int64) - np.repeat(firsts, counts)).astype("int32")
        bad_job = np.zeros(n_jobs, dtype=bool)
        reasons: dict[int, tuple[str, str]] = {}
        start, bad_start = _parse_present(self._t_start, self.naive_tz)
        end, bad_end = _parse_present(self._t_end, self.naive_tz)
        for mask, values, field in (
            (bad_start, self._t_start, "StartTime"),
            (bad_end, self._t_end, "EndTime"),
        ):
            for i in np.flatnonzero(mask):
                job = int(t_job[i])
                if job not in reasons:
                    reasons[job] = (
                        f"{field} {values[i]!r} of entry {steps[i]} ({self._t_status[i]}) "
                        f"is not a timestamp{_RANGE}",
                        field,
                    )
                bad_job[job] = True
        for col, key in _JOB_TIME_FIELDS.items():
            raw = cols[col]
            parsed, bad = _parse_present(raw, self.naive_tz)
            for i in np.flatnonzero(bad):
                reasons.setdefault(int(i), (f"{key} {raw[i]!r} is not a timestamp{_RANGE}", key))
                bad_job[i] = True
            cols[col] = parsed
        t_status, t_message = self._flag_unencodable(cols, t_job, steps, reasons, bad_job)
        rejects = list(self._rejects)
        for job in sorted(reasons):
            file, line = self._job_where[job]
            reason, field = reasons[job]
            if errors == "raise":
                raise ParseError(reason, file=file, line=line, field=field)
            rejects.append({"file": file, "line": line, "field": field, "reason": reason})
        if len(rejects) > 1:  # in input order: by file (as first met), then line
            files = {r["file"]: i for i, r in reversed(list(enumerate(rejects)))}
            rejects.sort(key=lambda r: (files[r["file"]], r["line"] or 0))
        jobs = frame_of_columns(cols, JOBS_SCHEMA)
        names = np.asarray(cols["job_name"], dtype=object)
        transitions = pd.DataFrame(
            {
                "job_name": names[t_job],
                "step": steps,
                "status": status_categorical(_objects(t_status)),
                "start_time": start,
                "end_time": end,
                "status_message": pd.array(_objects(t_message), dtype=STRING),
            }
        )
        if bad_job.any():
            jobs = jobs[~bad_job].reset_index(drop=True)
            transitions = transitions[~bad_job[t_job]].reset_index(drop=True)
        return JobHistory(jobs, transitions, unparsed=unparsed_frame(rejects))


_TEXT_FIELDS = {
    "job_name": "TrainingJobName",
    "training_job_status": "TrainingJobStatus",
    "secondary_status": "SecondaryStatus",
    "failure_reason": "FailureReason",
    "instance_type": "InstanceType",
    "warm_pool_status": "WarmPoolStatus",
    "tuning_job_arn": "TuningJobArn",
}


def unencodable(values: Sequence[Any]) -> np.ndarray | None:
    """Mask of the strings that cannot be written as UTF-8 (they hold a lone surrogate, as
    ``"\\ud800"`` in JSON gives); ``None`` when every value can (the common case, one
    vectorised conversion)."""
    try:
        pa.array(values, type=pa.string(), from_pandas=True)
        return None
    except UnicodeEncodeError:
        pass
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all strings: checked one by one
        pass
    mask = np.fromiter((isinstance(v, str) and not _is_utf8(v) for v in values), bool, len(values))
    return mask if mask.any() else None


def _objects(values: Sequence[Any]) -> np.ndarray:
    """A 1-d object array of the values (``np.asarray`` would nest lists into dimensions)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _lone_surrogate(field: str, value: str) -> str:
    return (
        f"{field} {value!r} holds a lone surrogate (an unpaired \\ud800-\\udfff escape): "
        "not text, it cannot be written as UTF-8"
    )


def _parse_present(values: list[Any], naive_tz: str) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Parse a column of raw times; a value given but not a time (``NaN``, ``NaT``, out of
    range) is bad, never a silent ``NaT``: only ``None`` (the key absent) means no time."""
    parsed, bad = parse_timestamps(values, naive_tz=naive_tz)
    missing = np.flatnonzero(np.asarray(parsed.isna()) & ~bad)
    if len(missing):
        given = np.fromiter((values[i] is not None for i in missing), bool, len(missing))
        bad = bad.copy()
        bad[missing[given]] = True
    return parsed, bad


def _collect_entries(
    name: str,
    entries: Any,
    status: list[Any],
    start: list[Any],
    end: list[Any],
    message: list[Any],
) -> tuple[str, str] | None:
    """Gather one job's entries; ``(reason, field)`` when one cannot be loaded."""
    if not isinstance(entries, list):
        return ("SecondaryStatusTransitions must be a list", "SecondaryStatusTransitions")
    for step, entry in enumerate(entries):
        if not _is_mapping(entry):
            return (
                f"entry {step} of SecondaryStatusTransitions of job {name!r} is not an object",
                "SecondaryStatusTransitions",
            )
        value = entry.get("Status")
        if not isinstance(value, str) or not value:
            return (f"entry {step} of job {name!r} has no Status", "Status")
        when = entry.get("StartTime")
        if when is None or when == "":
            return (f"entry {step} ({value}) of job {name!r} has no StartTime", "StartTime")
        text = entry.get("StatusMessage")
        if isinstance(text, list | Mapping):
            return (
                f"StatusMessage of entry {step} ({value}) of job {name!r} is not text",
                "StatusMessage",
            )
        status.append(value)
        start.append(when)
        end.append(entry.get("EndTime"))
        message.append(text if text is None or isinstance(text, str) else str(text))
    return None
