"""Detect the source of an input file from its content.

- ``table``: Parquet (``PAR1`` magic), or CSV whose header names a ``job_name`` column;
- ``events``: JSON (one object, a list, or JSON Lines) whose first record has a ``detail``
  object or a ``detail-type``;
- ``describe``: any other JSON;
- ``sdk-log``: text with at least one SDK status line
  (``YYYY-MM-DD HH:MM:SS Status - Message``), even after leading container output.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from smstatus.errors import ParseError
from smstatus.io.inputs import InputFile

__all__ = ["SOURCES", "TOO_DEEP", "detect_source"]

SOURCES = ("describe", "events", "sdk-log", "table")

_HEAD = 1 << 16
_SCAN_LIMIT = 64 << 20
"""How far into a text file to look for an SDK status line."""
_BOM = b"\xef\xbb\xbf"
TOO_DEEP = "JSON nested too deeply: no describe response or event nests this far"
"""The reason given for JSON that Python's parser cannot descend into (a RecursionError)."""
_EVENT_KEYS = re.compile(rb'"detail-type"\s*:|"detail"\s*:\s*\{')
_JSON_START = re.compile(rb'\{\s*(?:"|\})|\[\s*(?:[\[{\]"]|$)')


def detect_source(file: InputFile) -> str:
    """Return ``describe``, ``events``, ``sdk-log`` or ``table`` for the file's content.

    Raises
    ------
    ParseError
        When the content matches no source; the message says how to name one.
    """
    head = file.head(_HEAD)
    if head[:4] == b"PAR1":
        return "table"
    text = head.removeprefix(_BOM).lstrip()
    if not text:
        raise ParseError(
            "the file is empty", file=file.name, hint="Remove it or give a file with records"
        )
    if text[:1] in (b"{", b"["):
        kind = _json_kind(text, file, head)
        if kind is not None:
            return kind
    elif _is_table_header(text):
        return "table"
    elif _has_status_line(file, head):
        return "sdk-log"
    raise ParseError(
        "cannot tell what this file holds (describe JSON, EventBridge events, SageMaker SDK "
        "log, or a smstatus CSV/Parquet table)",
        file=file.name,
        line=1,
        hint="Name the source with --source / source= (describe, events, sdk-log, table)",
    )


def _first_record(text: bytes, name: str) -> Any:
    """The first JSON record of a document, list or JSON Lines head (``None`` if cut off)."""
    decoded = text.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    pos = 0
    if decoded.startswith("["):
        pos = 1
        while pos < len(decoded) and decoded[pos] in " \t\r\n":
            pos += 1
    try:
        record, _ = decoder.raw_decode(decoded, pos)
    except ValueError:
        return None
    except RecursionError as exc:
        raise ParseError(TOO_DEEP, file=name, line=1) from exc
    if isinstance(record, dict) and isinstance(record.get("TrainingJobs"), list):
        return record["TrainingJobs"][0] if record["TrainingJobs"] else record
    return record


def _json_kind(text: bytes, file: InputFile, head: bytes) -> str | None:
    """``events`` or ``describe`` for JSON; ``sdk-log`` for a log whose first line starts with
    a bracket; ``None`` when it is neither."""
    record = _first_record(text, file.name)
    if isinstance(record, dict):
        is_event = isinstance(record.get("detail"), dict) or "detail-type" in record
        return "events" if is_event else "describe"
    if record is not None:
        return "describe"  # valid JSON of another shape: the reader reports its records
    if _has_status_line(file, head):
        return "sdk-log"
    if not _JSON_START.match(text):
        return None
    return "events" if _EVENT_KEYS.search(text[:4096]) else "describe"


def _is_table_header(text: bytes) -> bool:
    first = text.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    try:
        fields = next(csv.reader(io.StringIO(first)), [])
    except csv.Error:
        return False
    return len(fields) > 1 and "job_name" in {f.strip() for f in fields}


def _has_status_line(file: InputFile, head: bytes) -> bool:
    from smstatus.io.sdklog import has_status_line

    if has_status_line(head):
        return True
    if len(head) < _HEAD:
        return False
    with file.open() as stream:
        seen = 0
        tail = b""
        while seen < _SCAN_LIMIT:
            block = stream.read(1 << 20)
            if not block:
                return False
            seen += len(block)
            chunk = tail + block
            if has_status_line(chunk):
                return True
            tail = chunk[-4096:]
    return False
