"""Describe responses: boto3 dicts, AWS CLI JSON, JSON files (one response or a list), JSONL.

Also the way back: :func:`to_describe_records` and :func:`write_describe_jsonl` write a history
as describe responses (the API's own casing), which every tool that reads
``DescribeTrainingJob`` output can read.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from smstatus.errors import ParseError
from smstatus.history import JobHistory, as_history
from smstatus.io.builder import OBSERVED_AT_FIELD, DescribeBuilder, Errors
from smstatus.io.detect import TOO_DEEP
from smstatus.io.inputs import InputFile
from smstatus.io.jsonlines import jsonl_records, loads_json
from smstatus.timestamps import format_iso

__all__ = [
    "from_describe",
    "iter_json_records",
    "read_describe",
    "read_describe_block",
    "to_describe_records",
    "write_describe_json",
    "write_describe_jsonl",
]

FAST_PATH_MIN_BYTES = 4 * 1024 * 1024
"""JSON Lines files at least this big go through the block-streaming fast path."""


def from_describe(
    responses: Mapping[str, Any] | Iterable[Any],
    *,
    errors: Errors = "raise",
    naive_tz: str = "UTC",
    name: str = "<records>",
) -> JobHistory:
    """Load describe responses given as Python objects (as boto3 returns them).

    Parameters
    ----------
    responses
        One ``DescribeTrainingJob`` response or an iterable of them; ``datetime`` objects and
        every timestamp form of ``docs/sources.md`` (ISO-8601, epoch seconds or milliseconds)
        are accepted.
    errors
        ``"raise"`` stops at the first bad record; ``"collect"`` loads the rest and reports the
        rejects in ``history.unparsed``.
    naive_tz
        Zone of timestamps without one.
    name
        Name of the input in error messages (records are numbered from 1 as its "lines").
    """
    if isinstance(responses, Mapping):
        responses = [responses]
    builder = DescribeBuilder(source="describe", naive_tz=naive_tz)
    for i, record in enumerate(responses):
        builder.add(record, file=name, line=i + 1, errors=errors)
    return builder.build(errors=errors)


def _is_jsonl(head: bytes) -> bool:
    """A JSON Lines file: its first line is a complete JSON object on its own."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return False
    first, sep, _ = text.partition(b"\n")
    if not sep:
        return False
    try:
        return isinstance(loads_json(first), dict)
    except (ValueError, RecursionError):
        return False


def _looks_like_jsonl(raw: bytes) -> bool:
    """Several lines, at least one of them past the first a JSON object on its own."""
    lines = [ln for ln in raw.splitlines() if ln.strip()]
    if len(lines) < 2 or not lines[0].lstrip(b"\xef\xbb\xbf \t").startswith(b"{"):
        return False
    for ln in lines[1:50]:
        try:
            if isinstance(loads_json(ln), dict):
                return True
        except (ValueError, RecursionError):
            continue
    return False


def iter_json_records(file: InputFile) -> Iterator[tuple[Any, int | None, str | None]]:
    """Yield ``(record, line, problem)`` for each record of a JSON or JSON Lines file.

    A JSON document holding one object gives that object; a list gives its elements (with the
    line each starts on); JSON Lines give one record per non-blank line. ``problem`` is a
    sentence (and ``record`` is ``None``) for a line or document that is not valid JSON.
    """
    head = file.head(1 << 16)
    if _is_jsonl(head):
        with file.open() as stream:
            yield from jsonl_records(stream)
        return
    with file.open() as stream:
        raw = stream.read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        yield None, None, "the file is empty"
        return
    try:
        doc = loads_json(raw)
    except json.JSONDecodeError as exc:
        if _looks_like_jsonl(raw):
            yield from jsonl_records(io.BytesIO(raw))
            return
        yield None, exc.lineno, f"not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        return
    except UnicodeDecodeError as exc:
        yield None, None, f"not UTF-8 text: {exc.reason}"
        return
    except RecursionError:
        yield None, None, TOO_DEEP
        return
    if isinstance(doc, dict) and isinstance(doc.get("TrainingJobs"), list):
        doc = doc["TrainingJobs"]
    if not isinstance(doc, list):
        yield doc, 1, None
        return
    lines = _record_lines(raw, len(doc))
    for record, line in zip(doc, lines, strict=True):
        yield record, line, None


def read_describe(
    file: InputFile,
    *,
    errors: Errors = "raise",
    naive_tz: str = "UTC",
    source: str = "describe",
    progress: Callable[[int], object] | None = None,
) -> JobHistory:
    """Read a file of describe responses: a JSON document (object or list) or JSON Lines.

    Big JSON Lines files (at least :data:`FAST_PATH_MIN_BYTES`) are streamed in blocks by the
    fast path, which calls ``progress`` with the bytes of each block it has loaded; everything
    else goes through the record-by-record path.
    """
    if use_fast_path(file) and source == "describe":
        from smstatus.io._fastjsonl import read_describe_jsonl

        return read_describe_jsonl(file, errors=errors, naive_tz=naive_tz, progress=progress)
    builder = DescribeBuilder(source=source, naive_tz=naive_tz)
    add_describe_file(builder, file, errors=errors)
    return builder.build(errors=errors)


def read_describe_block(
    data: bytes,
    *,
    name: str,
    first_line: int = 1,
    errors: Errors = "raise",
    naive_tz: str = "UTC",
) -> JobHistory:
    """Read a block of whole lines cut from a JSON Lines file of describe responses.

    For engines that split a file among workers: the block is parsed as the fast path parses
    a big file (16 MiB at a time, which keeps the work in the processor's caches: a third
    faster than parsing a 128 MiB block at once), and its rejects (or the error raised) name
    the file ``name`` and the line of that file, counting the block's first line as
    ``first_line``.
    """
    from smstatus.io import _fastjsonl

    shift = first_line - 1
    file = InputFile(name, None, lambda: io.BytesIO(data))
    try:
        history = _fastjsonl.read_describe_jsonl(
            file, errors=errors, naive_tz=naive_tz, block_size=_fastjsonl.DEFAULT_BLOCK_SIZE
        )
    except ParseError as exc:
        if exc.line is None or not shift:
            raise
        raise ParseError(
            exc.reason, file=exc.file, line=exc.line + shift, field=exc.field, hint=exc.hint
        ) from exc
    if shift and len(history.unparsed):
        history.unparsed = history.unparsed.assign(line=history.unparsed["line"] + shift)
    return history


def is_json_lines(head: bytes) -> bool:
    """Whether a file starting with ``head`` is JSON Lines (its first line a JSON object)."""
    return _is_jsonl(head)


def use_fast_path(file: InputFile) -> bool:
    """Whether the file is big JSON Lines on disk (or in S3), for the block-streaming fast path."""
    return (
        (file.path is not None or file.url is not None)
        and (file.size or 0) >= FAST_PATH_MIN_BYTES
        and _is_jsonl(file.head(1 << 16))
    )


def add_describe_file(builder: DescribeBuilder, file: InputFile, *, errors: Errors) -> None:
    """Add every record of a JSON or JSON Lines file of describe responses to ``builder``."""
    for record, line, problem in iter_json_records(file):
        if problem is not None:
            hint = None if line is not None else "Check the file is a JSON document or JSON Lines"
            if errors == "raise":
                raise ParseError(problem, file=file.name, line=line, hint=hint)
            builder.reject(file=file.name, line=line, reason=problem)
            continue
        builder.add(record, file=file.name, line=line, errors=errors)


def _record_lines(raw: bytes, n: int) -> list[int | None]:
    """Line on which each element of a top-level JSON list starts (best effort)."""
    decoder = json.JSONDecoder()
    text = raw.decode("utf-8", errors="replace")
    pos = text.index("[") + 1
    lines: list[int | None] = []
    line, counted = 1, 0
    for _ in range(n):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        line += text.count("\n", counted, pos)
        counted = pos
        lines.append(line)
        try:
            _, pos = decoder.raw_decode(text, pos)
        except ValueError:
            return [None] * n
    return lines


# -- writing ---------------------------------------------------------------------------------


def _iso(values: pd.Series) -> list[str | None]:
    """ISO-8601 UTC strings (``Z``, fraction trimmed, nanoseconds kept) of a UTC column."""
    return format_iso(values).to_pylist()


def _plain(values: pd.Series) -> list[Any]:
    """Python values of a column, ``None`` where missing."""
    out = values.astype(object).to_numpy()
    return [None if v is None or v is pd.NA or v is pd.NaT or v != v else v for v in out]


def to_describe_records(history: JobHistory, *, as_datetime: bool = False) -> list[dict[str, Any]]:
    """The history as ``DescribeTrainingJob`` responses, one per job, in the jobs' order.

    Only the fields a :class:`JobHistory` holds are written (absent values are left out, as
    the API does); times are ISO-8601 UTC strings, or ``datetime`` objects with
    ``as_datetime=True`` (as boto3 returns them). When a job name appears twice in ``jobs``,
    its entries go with the first of them.

    Examples
    --------
    >>> h = JobHistory.from_transitions("j", [
    ...     {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"}],
    ...     training_job_status="InProgress")
    >>> to_describe_records(h)[0]["SecondaryStatusTransitions"]
    [{'Status': 'Starting', 'StartTime': '2024-01-01T00:00:00Z'}]
    """
    history = as_history(history)
    jobs = history.jobs
    trans = history.transitions

    def times(col: pd.Series) -> list[Any]:
        if as_datetime:
            return [None if pd.isna(t) else t.to_pydatetime(warn=False) for t in col]
        return _iso(col)

    codes = history.job_codes() if len(trans) else np.zeros(0, dtype=np.int64)
    status = trans["status"].astype(object).tolist()
    start = times(trans["start_time"])
    end = times(trans["end_time"])
    message = _plain(trans["status_message"])
    categories = list(trans["job_name"].cat.categories)
    first_row: dict[str, int] = {}
    for i, name in enumerate(jobs["job_name"].astype(object)):
        first_row.setdefault(name, i)
    owner = np.array([first_row.get(n, -1) for n in categories], dtype=np.int64)
    rows_of: list[list[int]] = [[] for _ in range(len(jobs))]
    for i, job in enumerate(owner[codes] if len(codes) else []):
        if job >= 0:
            rows_of[job].append(i)
    cols = {c: _plain(jobs[c]) for c in jobs.columns if c not in _TIME_COLUMNS}
    for c in _TIME_COLUMNS:
        cols[c] = times(jobs[c])
    out = []
    for j in range(len(jobs)):
        rec: dict[str, Any] = {}
        for key, col in _TOP_FIELDS:
            value = cols[col][j]
            if value is not None:
                rec[key] = _native(value)
        for key, fields in _NESTED_FIELDS:
            nested = {k: _native(cols[c][j]) for k, c in fields if cols[c][j] is not None}
            if nested:
                rec[key] = nested
        entries = []
        for i in rows_of[j]:
            entry: dict[str, Any] = {"Status": status[i], "StartTime": start[i]}
            if end[i] is not None:
                entry["EndTime"] = end[i]
            if message[i] is not None:
                entry["StatusMessage"] = message[i]
            entries.append(entry)
        rec["SecondaryStatusTransitions"] = entries
        out.append(rec)
    return out


_TIME_COLUMNS = (
    "creation_time",
    "training_start_time",
    "training_end_time",
    "last_modified_time",
    "observed_at",
)
_TOP_FIELDS = (
    ("TrainingJobName", "job_name"),
    ("TrainingJobStatus", "training_job_status"),
    ("SecondaryStatus", "secondary_status"),
    ("FailureReason", "failure_reason"),
    ("CreationTime", "creation_time"),
    ("TrainingStartTime", "training_start_time"),
    ("TrainingEndTime", "training_end_time"),
    ("LastModifiedTime", "last_modified_time"),
    ("EnableManagedSpotTraining", "spot"),
    ("TrainingTimeInSeconds", "training_time_s"),
    ("BillableTimeInSeconds", "billable_time_s"),
    ("TuningJobArn", "tuning_job_arn"),
    (OBSERVED_AT_FIELD, "observed_at"),
)
_NESTED_FIELDS = (
    ("ResourceConfig", (("InstanceType", "instance_type"), ("InstanceCount", "instance_count"))),
    (
        "StoppingCondition",
        (("MaxRuntimeInSeconds", "max_runtime_s"), ("MaxWaitTimeInSeconds", "max_wait_s")),
    ),
    ("WarmPoolStatus", (("Status", "warm_pool_status"),)),
)


def _native(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _open_text(path: str | Path | IO[str], mode: str = "w") -> Any:
    if not isinstance(path, str | Path):
        return _NoClose(path)
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8", newline="\n")
    return path.open(mode, encoding="utf-8", newline="\n")


class _NoClose:
    """A stream given by the caller: written to, never closed."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def __enter__(self) -> IO[str]:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        self.stream.flush()


def write_describe_jsonl(history: JobHistory, path: str | Path | IO[str]) -> None:
    """Write the history as JSON Lines of describe responses (``.gz`` compresses)."""
    history = as_history(history)
    with _open_text(path) as out:
        for rec in to_describe_records(history):
            out.write(json.dumps(rec, ensure_ascii=False))
            out.write("\n")


def write_describe_json(history: JobHistory, path: str | Path | IO[str]) -> None:
    """Write the history as one JSON list of describe responses (``.gz`` compresses)."""
    history = as_history(history)
    with _open_text(path) as out:
        json.dump(to_describe_records(history), out, ensure_ascii=False, indent=1)
        out.write("\n")
