"""Loading every source into a :class:`~smstatus.history.JobHistory`.

One module per source: :mod:`~smstatus.io.describe`, :mod:`~smstatus.io.events`,
:mod:`~smstatus.io.sdklog`, :mod:`~smstatus.io.table`; :func:`load` detects the source of each
file from its content unless it is named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from smstatus.errors import ParseError
from smstatus.history import JobHistory
from smstatus.io._builder import Errors
from smstatus.io.detect import SOURCES, detect_source
from smstatus.io.inputs import InputFile, expand_inputs

__all__ = ["SOURCES", "Source", "detect_source", "expand_inputs", "load", "read_file"]

Source = Literal["auto", "describe", "events", "sdk-log", "table"]


def read_file(
    file: InputFile, *, source: Source = "auto", errors: Errors = "raise", naive_tz: str = "UTC"
) -> JobHistory:
    """Read one input file of the given (or detected) source."""
    kind = detect_source(file) if source == "auto" else source
    if kind == "describe":
        from smstatus.io.describe import read_describe

        return read_describe(file, errors=errors, naive_tz=naive_tz)
    if kind == "events":
        from smstatus.io.events import read_events

        return read_events(file, errors=errors, naive_tz=naive_tz)
    if kind == "sdk-log":
        from smstatus.io.sdklog import read_sdk_log

        return read_sdk_log(file, errors=errors, naive_tz=naive_tz)
    if kind == "table":
        from smstatus.io.table import read_table

        return read_table(file, errors=errors)
    raise ValueError(f"source must be one of {['auto', *SOURCES]}, got {source!r}")


def load(
    inputs: str | Path | Iterable[str | Path] | Mapping[str, Any] | Iterable[Mapping[str, Any]],
    *,
    source: Source = "auto",
    errors: Errors = "raise",
    naive_tz: str = "UTC",
) -> JobHistory:
    """Load histories from files, directories, globs, ``-`` or describe dicts.

    Parameters
    ----------
    inputs
        Paths (files, directories, globs, ``-`` for stdin), or describe responses as Python
        objects (one dict or an iterable of dicts, as boto3 returns them).
    source
        ``"auto"`` detects each file's source from its content; or one of
        ``describe, events, sdk-log, table``.
    errors
        ``"raise"`` (default) raises :class:`~smstatus.errors.ParseError` naming the file, the
        line and the field of the first bad record; ``"collect"`` loads every good record and
        returns the rejects in ``history.unparsed``.
    naive_tz
        Zone of timestamps printed without one (SDK logs); UTC unless you say otherwise.

    Returns
    -------
    JobHistory

    Examples
    --------
    >>> h = load([{"TrainingJobName": "j", "TrainingJobStatus": "InProgress",
    ...            "SecondaryStatusTransitions": [
    ...                {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"}]}])
    >>> h.n_jobs, h.transitions.status.tolist()
    (1, ['Starting'])
    """
    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', got {errors!r}")
    if isinstance(inputs, Mapping):
        inputs = [inputs]
    if not isinstance(inputs, str | Path):
        items = list(inputs)
        if items and all(isinstance(i, Mapping) for i in items):
            return _from_records(items, source=source, errors=errors, naive_tz=naive_tz)
        if any(isinstance(i, Mapping) for i in items):
            raise ParseError(
                "inputs mix paths and records; pass one kind at a time", file="<inputs>"
            )
        inputs = items
    parts = [
        read_file(f, source=source, errors=errors, naive_tz=naive_tz) for f in expand_inputs(inputs)
    ]
    if len(parts) == 1:
        return parts[0]
    return JobHistory.concat(parts)


def _from_records(
    items: list[Mapping[str, Any]], *, source: Source, errors: Errors, naive_tz: str
) -> JobHistory:
    if source == "events" or (source == "auto" and "detail" in items[0]):
        from smstatus.io.events import from_events

        return from_events(items, errors=errors, naive_tz=naive_tz)
    from smstatus.io.describe import from_describe

    return from_describe(items, errors=errors, naive_tz=naive_tz)
