"""Describe responses: boto3 dicts, AWS CLI JSON, JSON files (one response or a list), JSONL."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from smstatus.errors import ParseError
from smstatus.history import JobHistory
from smstatus.io._builder import DescribeBuilder, Errors
from smstatus.io.inputs import InputFile

__all__ = ["from_describe", "read_describe"]

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
        every timestamp form of design §3 are accepted.
    errors
        ``"raise"`` stops at the first bad record; ``"collect"`` loads the rest and reports the
        rejects in ``history.unparsed``.
    """
    if isinstance(responses, Mapping):
        responses = [responses]
    builder = DescribeBuilder(source="describe", naive_tz=naive_tz)
    for i, record in enumerate(responses):
        builder.add(record, file=name, line=i + 1, errors=errors)
    return builder.build(errors=errors)


def _is_jsonl(head: bytes) -> bool:
    """A JSON Lines file: its first line is a complete JSON object on its own."""
    text = head.lstrip()
    if not text.startswith(b"{"):
        return False
    first, sep, _ = text.partition(b"\n")
    if not sep:
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def read_describe(
    file: InputFile, *, errors: Errors = "raise", naive_tz: str = "UTC", source: str = "describe"
) -> JobHistory:
    """Read a file of describe responses: a JSON document (object or list) or JSON Lines."""
    head = file.head(1 << 16)
    if _is_jsonl(head):
        if (
            file.path is not None
            and (file.size or 0) >= FAST_PATH_MIN_BYTES
            and source == "describe"
        ):
            from smstatus.io._fastjsonl import read_describe_jsonl

            return read_describe_jsonl(file, errors=errors, naive_tz=naive_tz)
        return _read_jsonl(file, errors=errors, naive_tz=naive_tz, source=source)
    with file.open() as stream:
        raw = stream.read()
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"not valid JSON: {exc.msg} (column {exc.colno})",
            file=file.name,
            line=exc.lineno,
            hint="Check the file is a JSON document or JSON Lines",
        ) from exc
    records = doc if isinstance(doc, list) else [doc]
    if isinstance(doc, dict) and isinstance(doc.get("TrainingJobs"), list):
        records = doc["TrainingJobs"]
    builder = DescribeBuilder(source=source, naive_tz=naive_tz)
    lines = _record_lines(raw, len(records)) if isinstance(doc, list) else [1]
    for record, line in zip(records, lines, strict=True):
        builder.add(record, file=file.name, line=line, errors=errors)
    return builder.build(errors=errors)


def _read_jsonl(file: InputFile, *, errors: Errors, naive_tz: str, source: str) -> JobHistory:
    builder = DescribeBuilder(source=source, naive_tz=naive_tz)
    with file.open() as stream:
        for lineno, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                if errors == "raise":
                    raise ParseError(
                        f"malformed JSON line: {exc.msg} (column {exc.colno})",
                        file=file.name,
                        line=lineno,
                    ) from exc
                builder.reject(
                    file=file.name,
                    line=lineno,
                    reason=f"malformed JSON line: {exc.msg} (column {exc.colno})",
                )
                continue
            builder.add(record, file=file.name, line=lineno, errors=errors)
    return builder.build(errors=errors)


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
