"""EventBridge "SageMaker Training Job State Change" events.

Each event's ``detail`` is a describe response; a job sends one event per change, so a set of
events holds several snapshots of each job, and duplicates when a target received an event
twice. The latest snapshot of each job is kept: the greatest ``detail.LastModifiedTime``, then
the greatest event ``time``, then the last in input order. Older snapshots are superseded (not
errors); nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smstatus.errors import ParseError
from smstatus.history import JobHistory
from smstatus.io.builder import DescribeBuilder, Errors, empty_history
from smstatus.io.inputs import InputFile
from smstatus.timestamps import parse_timestamps

__all__ = ["DETAIL_TYPE", "from_events", "read_event_records", "read_events"]

DETAIL_TYPE = "SageMaker Training Job State Change"
"""The ``detail-type`` of the events this module reads."""


@dataclass(frozen=True)
class EventRecord:
    """One event as read from a file, with where it came from."""

    event: Any
    file: str
    line: int | None


def read_event_records(
    file: InputFile, *, errors: Errors = "raise"
) -> tuple[list[EventRecord], list[dict[str, Any]]]:
    """The events of one file (one event, a JSON list of events, or JSON Lines).

    Returns the events and the rejects (malformed JSON lines) when ``errors="collect"``.
    """
    from smstatus.io.describe import iter_json_records

    records: list[EventRecord] = []
    rejects: list[dict[str, Any]] = []
    for record, line, problem in iter_json_records(file):
        if problem is not None:
            if errors == "raise":
                raise ParseError(problem, file=file.name, line=line)
            rejects.append({"file": file.name, "line": line, "field": None, "reason": problem})
            continue
        records.append(EventRecord(record, file.name, line))
    return records, rejects


def read_events(file: InputFile, *, errors: Errors = "raise", naive_tz: str = "UTC") -> JobHistory:
    """Read a file of EventBridge training-job state-change events (latest per job kept)."""
    records, rejects = read_event_records(file, errors=errors)
    return _build(records, rejects, errors=errors, naive_tz=naive_tz)


def from_events(
    records: Mapping[str, Any] | Iterable[Any],
    *,
    errors: Errors = "raise",
    naive_tz: str = "UTC",
    name: str = "<records>",
) -> JobHistory:
    """Load EventBridge events given as Python objects (dicts), keeping the latest per job.

    Parameters
    ----------
    records
        One event or an iterable of events (as EventBridge delivers them: ``detail-type``,
        ``time``, ``detail``).
    errors
        ``"raise"`` stops at the first bad event; ``"collect"`` loads the rest and reports the
        rejects in ``history.unparsed``.
    naive_tz
        Zone of timestamps without one.
    name
        Name of the input in error messages.
    """
    if isinstance(records, Mapping):
        records = [records]
    items = [EventRecord(r, name, i + 1) for i, r in enumerate(records)]
    return _build(items, [], errors=errors, naive_tz=naive_tz)


def merge_event_records(
    parts: Sequence[tuple[list[EventRecord], list[dict[str, Any]]]],
    *,
    errors: Errors,
    naive_tz: str,
) -> JobHistory:
    """One history of the events of several files (the latest per job over all of them)."""
    records = [r for part in parts for r in part[0]]
    rejects = [r for part in parts for r in part[1]]
    return _build(records, rejects, errors=errors, naive_tz=naive_tz)


def _problem(event: Any) -> tuple[str, str | None] | None:
    if not isinstance(event, Mapping):
        return (f"expected a JSON object (an EventBridge event), got {type(event).__name__}", None)
    kind = event.get("detail-type")
    if kind is not None and kind != DETAIL_TYPE:
        return (f"not a training-job state change event (detail-type {kind!r})", "detail-type")
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        return ("event has no 'detail' object (is this an EventBridge event?)", "detail")
    name = detail.get("TrainingJobName")
    if not isinstance(name, str) or not name:
        return ("the event's detail has no TrainingJobName", "TrainingJobName")
    return None


def _build(
    records: list[EventRecord],
    rejects: list[dict[str, Any]],
    *,
    errors: Errors,
    naive_tz: str,
) -> JobHistory:
    good: list[EventRecord] = []
    for rec in records:
        problem = _problem(rec.event)
        if problem is not None:
            if errors == "raise":
                raise ParseError(problem[0], file=rec.file, line=rec.line, field=problem[1])
            rejects.append(
                {"file": rec.file, "line": rec.line, "field": problem[1], "reason": problem[0]}
            )
            continue
        good.append(rec)
    if not good:
        return empty_history(rejects)
    names = [rec.event["detail"].get("TrainingJobName") for rec in good]
    modified_raw = [rec.event["detail"].get("LastModifiedTime") for rec in good]
    sent_raw = [rec.event.get("time") for rec in good]
    modified, bad_modified = parse_timestamps(modified_raw, naive_tz=naive_tz)
    sent, bad_sent = parse_timestamps(sent_raw, naive_tz=naive_tz)
    keep = np.ones(len(good), dtype=bool)
    for mask, raw, field in (
        (bad_modified, modified_raw, "LastModifiedTime"),
        (bad_sent, sent_raw, "time"),
    ):
        for i in np.flatnonzero(mask & keep):
            reason = f"{field} {raw[i]!r} is not a timestamp"
            rec = good[i]
            if errors == "raise":
                raise ParseError(reason, file=rec.file, line=rec.line, field=field)
            rejects.append({"file": rec.file, "line": rec.line, "field": field, "reason": reason})
            keep[i] = False
    # the latest event of each job: greatest (LastModifiedTime, time, position); NaT is oldest
    codes, _ = pd.factorize(pd.Series(names, dtype=object), use_na_sentinel=False)
    position = np.arange(len(good))
    # lexsort's last key is the primary one: by job, then the time keys ascending
    order = np.lexsort((position, sent.asi8, modified.asi8, codes))
    order = order[keep[order]]
    sorted_codes = codes[order]
    is_last = np.ones(len(order), dtype=bool)
    is_last[:-1] = sorted_codes[:-1] != sorted_codes[1:]
    winners = np.sort(order[is_last])  # the jobs in order of their winning event
    first_seen = _first_positions(codes, position, keep)
    winners = winners[np.argsort(first_seen[codes[winners]], kind="stable")]
    builder = DescribeBuilder(source="events", naive_tz=naive_tz)
    for reject in rejects:
        builder.reject(**reject)
    for i in winners:
        rec = good[i]
        builder.add(
            rec.event["detail"],
            file=rec.file,
            line=rec.line,
            errors=errors,
            observed_at=rec.event.get("time"),
        )
    return builder.build(errors=errors)


def _first_positions(codes: np.ndarray, positions: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Position of the first kept event of each job code."""
    first = np.full(int(codes.max()) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes[keep], positions[keep])
    return first
