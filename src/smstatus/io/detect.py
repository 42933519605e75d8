"""Detect the source of an input file from its content."""

from __future__ import annotations

import re

from smstatus.errors import ParseError
from smstatus.io.inputs import InputFile

__all__ = ["SOURCES", "detect_source"]

SOURCES = ("describe", "events", "sdk-log", "table")

SDK_LOG_LINE = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [A-Za-z]+ - ", re.M)


def detect_source(file: InputFile) -> str:
    """Return ``describe``, ``events``, ``sdk-log`` or ``table`` for the file's content.

    Raises
    ------
    ParseError
        When the content matches no source; the message says how to name one.
    """
    head = file.head(1 << 16)
    if head[:4] == b"PAR1":
        return "table"
    text = head.lstrip()
    if text.startswith((b"{", b"[")):
        if b'"detail-type"' in head or b'"detail"' in head:
            return "events"
        if b'"job_name"' in head and b'"status"' in head and b'"TrainingJobName"' not in head:
            return "table"
        return "describe"
    first_line = text.split(b"\n", 1)[0]
    if b"job_name" in first_line and b"status" in first_line and b"," in first_line:
        return "table"
    if SDK_LOG_LINE.search(head):
        return "sdk-log"
    raise ParseError(
        "cannot tell what this file holds (describe JSON, EventBridge events, SageMaker SDK "
        "log, or a smstatus table)",
        file=file.name,
        line=1,
        hint="Name the source with --source / source=",
    )
