"""Logs printed by the SageMaker Python SDK while it waits for a training job.

``fit()``, ``attach()`` and ``logs_for_job`` print one line per secondary status they see::

    2024-03-08 08:05:55 Pending - Training job waiting for capacity......

The times are *poll* times (several lines can share one), printed without a zone: they are read
in ``naive_tz`` (UTC unless the caller says otherwise; the SDK itself prints UTC). Between the
status lines the SDK streams the container's own output, on lines of its own or glued onto the
end of a status line; progress dots follow the message. The parser keeps every status line as
an entry, strips the dots and the glued text from the message, reads ``Training seconds: N`` and
``Billable seconds: N`` into the job's attributes, and skips every other line as container
output. One log holds one job, named by the log (``Creating training-job with name: X``) or
else by the file.

Rules of the message clean-up, in order:

1. The message ends where an ANSI colour code starts: the SDK colours the container's output
   (``Training in progress.\x1b[34m  Building wheel...`` -> ``Training in progress.``).
2. A message that starts with one of the messages AWS documents or prints
   (:data:`KNOWN_MESSAGES`, and ``Resource reused by training job: NAME``) is cut after it when
   what follows, past progress dots, is glued on without a space
   (``...modelEvaluating word embeddings`` -> ``...model``), after a tab or after two spaces
   or more (``...in progress.  Building wheel``); after one space it is someone's longer
   message.
3. Any other message is cut where a run of two or more dots starts, or where a ``[`` or a
   ``YYYY-MM-DD`` date is glued onto a non-space character (container log prefixes); its
   trailing dots and spaces are stripped (a message's own final period cannot be told from a
   progress dot: the known messages keep theirs).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from smstatus.history import JobHistory
from smstatus.io.builder import DescribeBuilder, Errors
from smstatus.io.inputs import InputFile
from smstatus.machine import StatusMachine, default_machine
from smstatus.status import SecondaryStatus

__all__ = [
    "KNOWN_MESSAGES",
    "clean_message",
    "format_sdk_log",
    "has_status_line",
    "parse_sdk_log",
    "pasted_lines",
    "read_sdk_log",
]

KNOWN_MESSAGES: tuple[str, ...] = (
    # documented for SecondaryStatusTransition.StatusMessage
    "Starting the training job",
    "Launching requested ML instances",
    "Insufficient capacity error from EC2 while launching instances, retrying!",
    "Launched instance was unhealthy, replacing it!",
    "Preparing the instances for training",
    "Downloading the training image",
    "Training image download completed. Training in progress.",
    # printed in published SDK logs
    "Training job waiting for capacity",
    "Downloading input data",
    "Uploading generated training model",
    "Uploading generated trained model",
    "Training job completed",
    "Training job failed",
    "Stopping the training job",
    "Training job stopped",
    # capacity failures and warm pools (published histories, 2022 on)
    "Training job failed for insufficient capacity",
    "Found matching resource for reuse",
    "Resource retained for reuse",
    "Resource released",
    "Resource released due to keep alive period expiry",
    "Instances not retained as a result of warmpool resource limits being exceeded",
)
"""Status messages known from the AWS documentation and published SDK logs (the warm-pool
message that names a job, ``Resource reused by training job: NAME``, is known too)."""

_KNOWN_SORTED = tuple(sorted(KNOWN_MESSAGES, key=len, reverse=True))
_REUSED_BY = re.compile(r"Resource reused by training job: [A-Za-z0-9](?:-*[A-Za-z0-9]){0,62}")
_GLUE = "\x1b"  # where an ANSI code stood inside a status line (see _mark_colours)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STATUS_TOKEN = r"[A-Z][a-z]+(?:[A-Z][A-Za-z]*)*"
"""What a status looks like: a CamelCase word (log levels such as ``INFO`` are not)."""
STATUS_LINE = re.compile(
    r"^\s*(?P<time>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)\s+(?P<status>" + STATUS_TOKEN + r")\s+-"
    r"(?:\s(?P<message>.*?))?\s*$"
)
"""A status line printed by the SDK (leading indentation and padded columns allowed)."""
STATUS_LINE_BYTES = re.compile(
    rb"(?:^|<br[ \t]*/?>|</br>)(?:[ \t]*>)*[ \t]*(?:```[ \t]*)?"
    rb"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[ \t]+"
    rb"(?P<status>[A-Z][a-z]+(?:[A-Z][A-Za-z]*)*)[ \t]+-(?:[ \t]|\r?$)",
    re.M,
)
"""The same, on raw bytes (for source detection), pasted forms included (see
:func:`pasted_lines`)."""
_LOOSE_STATUS_LINE = re.compile(
    r"^\s*(?P<time>\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d\d(?::\d\d)?)\s+(?P<status>"
    + STATUS_TOKEN
    + r")\s+-"
)
_NOT_STATUSES = frozenset(
    {"Info", "Warning", "Warn", "Error", "Debug", "Critical", "Fatal", "Notice", "Trace"}
)
_SECONDS = re.compile(r"^\s*(?P<what>Training|Billable) seconds:\s*(?P<n>\d+)\s*$")
_NAME = r"(?P<name>[A-Za-z0-9](?:-*[A-Za-z0-9]){0,62})"
_NAME_LINES = (
    re.compile(r"Creating training-job with name:?\s+" + _NAME + r"(?![-A-Za-z0-9])"),
    re.compile(
        r"^\s*(?:Training[ _-]?)?Job[ _-]?Name\s*[:=]\s*['\"]?" + _NAME + r"['\"]?\s*$",
        re.IGNORECASE,
    ),
)
_FAILURE = re.compile(
    r"Error for Training job " + _NAME + r": (?P<status>Failed|Stopped)\. Reason: (?P<reason>.*)$"
)
_PROGRESS = re.compile(r"^[\s.!]*$")
_AFTER_KNOWN = re.compile(r"^(?:\S|\s{2,}|\t)")  # what follows a known message, not its own
_DOTS = re.compile(r"^\.*")
_FALLBACK_CUT = re.compile(r"\.{2,}|(?<=\S)(?=\[)|(?<=[^\s\d])(?=\d{4}-\d\d-\d\d[ T]\d\d:\d\d)")


def clean_message(text: str) -> str:
    """The status message of a status line, without progress dots or glued container output.

    Examples
    --------
    >>> clean_message("Uploading generated training modelEvaluating word embeddings....")
    'Uploading generated training model'
    >>> clean_message("Training image download completed. Training in progress.....bash: x")
    'Training image download completed. Training in progress.'
    >>> clean_message("Custom message from a new SDK......")
    'Custom message from a new SDK'
    >>> clean_message("Training image download completed. Training in progress.  Building x")
    'Training image download completed. Training in progress.'
    """
    text = text.split(_GLUE, 1)[0].rstrip()
    known = _known_start(text)
    if known is not None:
        rest = _DOTS.sub("", text[len(known) :], count=1)
        if not rest or _AFTER_KNOWN.match(rest):
            return known
    cut = _FALLBACK_CUT.search(text)
    if cut is not None:
        text = text[: cut.start()]
    return text.rstrip().rstrip(".").rstrip()


def _known_start(text: str) -> str | None:
    """The known message ``text`` starts with (the longest), or None."""
    for known in _KNOWN_SORTED:
        if text.startswith(known):
            return known
    reused = _REUSED_BY.match(text)
    return reused.group(0) if reused is not None else None


def _mark_colours(line: str) -> str:
    """``line`` without its ANSI codes, those after its first visible character replaced by
    :data:`_GLUE` (container output glued on in colour)."""
    if "\x1b" not in line:
        return line
    out: list[str] = []
    last = 0
    for code in _ANSI.finditer(line):
        out.append(line[last : code.start()])
        if "".join(out).strip():
            out.append(_GLUE)
        last = code.end()
    out.append(line[last:])
    return "".join(out)


_BREAK = re.compile(r"<br\s*/?>|</br>", re.IGNORECASE)
_QUOTE = re.compile(r"^(?:[ \t]*>)+[ \t]?")
_FENCE = re.compile(r"^[ \t]*(?:```|~~~)(?:[A-Za-z][\w+-]*)?[ \t]*")
_FENCE_END = re.compile(r"[ \t]*(?:```|~~~)[ \t]*$")


def pasted_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """The log's lines as printed, from a log pasted into Markdown or a GitHub issue.

    Yields ``(line number, line)``: HTML line breaks (``<br>``, ``<br/>``, ``</br>``) split a
    line into the lines they stand for (each keeps the number of the line it came from); a
    Markdown quote prefix (``> ``, nested too) and code fences (`````` ``` ``````, with or
    without a language, even glued onto the first or last log line) are removed.

    Examples
    --------
    >>> [t for _, t in pasted_lines(["> 2024-03-08 08:05:55 Pending - Waiting<br>next"])]
    ['2024-03-08 08:05:55 Pending - Waiting', 'next']
    """
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        for part in _BREAK.split(line) if "<" in line else (line,):
            if ">" in part:
                part = _QUOTE.sub("", part, count=1)
            if "```" in part or "~~~" in part:
                part = _FENCE_END.sub("", _FENCE.sub("", part, count=1), count=1)
            yield lineno, part


def has_status_line(data: bytes) -> bool:
    """Whether the bytes hold at least one SDK status line (for source detection)."""
    return any(_is_status(m["status"].decode("ascii")) for m in STATUS_LINE_BYTES.finditer(data))


def _is_status(token: str) -> bool:
    return token in _KNOWN_STATUS_VALUES or token not in _NOT_STATUSES


_KNOWN_STATUS_VALUES = frozenset(s.value for s in SecondaryStatus)


def parse_sdk_log(
    lines: Iterable[str],
    *,
    name: str,
    file: str = "<log>",
    errors: Errors = "raise",
    naive_tz: str = "UTC",
    machine: StatusMachine | None = None,
) -> JobHistory:
    """Parse the lines of one SDK log into the history of one job.

    Parameters
    ----------
    lines
        The log's lines (with or without line ends).
    name
        The job's name unless the log names it.
    file
        Name of the log in error messages and ``unparsed``.
    errors
        ``"raise"`` on a status line that cannot be read (bad date) or a log without any;
        ``"collect"`` to report it in ``history.unparsed`` and keep the rest.
    naive_tz
        Zone of the printed times.
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end the log's job
        (its last entry then lasts zero seconds) and whose primary statuses give the job's;
        the default machine when ``None``.
    """
    builder = DescribeBuilder(source="sdk-log", naive_tz=naive_tz)
    add_sdk_log(builder, lines, name=name, file=file, errors=errors, machine=machine)
    return builder.build(errors=errors)


def add_sdk_log(
    builder: DescribeBuilder,
    lines: Iterable[str],
    *,
    name: str,
    file: str,
    errors: Errors = "raise",
    machine: StatusMachine | None = None,
) -> None:
    """Scan one log and add its job (and its rejects) to ``builder``; times parse at build."""
    machine = machine if machine is not None else default_machine()
    times: list[str] = []
    statuses: list[str] = []
    messages: list[str | None] = []
    job: dict[str, Any] = {"job_name": None}
    linenos: list[int] = []

    def fail(lineno: int | None, reason: str, field: str | None) -> None:
        builder.fail(reason, file=file, line=lineno, field=field, errors=errors)

    for lineno, raw in pasted_lines(lines):
        marked = _mark_colours(raw.replace("\r", ""))
        line = marked.replace(_GLUE, "")
        match = STATUS_LINE.match(line)
        if match is not None and _is_status(match["status"]):
            coloured = STATUS_LINE.match(marked) if _GLUE in marked else None
            if coloured is not None and coloured["status"] == match["status"]:
                match = coloured  # its message ends where the colour starts
            try:
                dt.datetime.fromisoformat(match["time"])
            except ValueError:
                fail(lineno, f"status line time {match['time']!r} is not a valid time", "time")
                continue
            times.append(match["time"])
            linenos.append(lineno)
            statuses.append(match["status"])
            messages.append(clean_message(match["message"] or "") or None)
            continue
        loose = _LOOSE_STATUS_LINE.match(line)
        if loose is not None and _is_status(loose["status"]):
            fail(lineno, f"status line with an unreadable time {loose['time']!r}", "time")
            continue
        seconds = _SECONDS.match(line)
        if seconds is not None:
            col = "training_time_s" if seconds["what"] == "Training" else "billable_time_s"
            if int(seconds["n"]) > _INT64_MAX:
                fail(lineno, f"{seconds['what']} seconds {seconds['n']} is past 2**63 - 1", col)
                continue
            job[col] = int(seconds["n"])
            continue
        failure = _FAILURE.search(line)
        if failure is not None:
            _name_job(job, failure["name"], lineno, fail)
            job["failure_reason"] = failure["reason"].strip() or None
            continue
        for pattern in _NAME_LINES:
            named = pattern.search(line)
            if named is not None:
                _name_job(job, named["name"], lineno, fail)
                break
        # anything else is container output or progress: skipped on purpose
    if builder.naive_tz != "UTC" and times:
        times, kept = local_times_to_utc(times, builder.naive_tz)
        for i in np.flatnonzero(~kept):
            fail(linenos[i], _NO_SUCH_TIME.format(time=times[i], zone=builder.naive_tz), "time")
        statuses = [s for s, k in zip(statuses, kept, strict=True) if k]
        messages = [m for m, k in zip(messages, kept, strict=True) if k]
        times = [t for t, k in zip(times, kept, strict=True) if k]
    if not statuses:
        fail(None, "no SDK status line ('YYYY-MM-DD HH:MM:SS Status - Message') in the log", None)
        return
    last = statuses[-1]
    primary = machine.primary_of(last)
    job.update(
        job_name=job["job_name"] or name,
        training_job_status=primary if primary is not None else "InProgress",
        secondary_status=last,
        source="sdk-log",
        observed_at=times[-1],  # the last poll the log shows
    )
    # entry i ends when entry i+1 starts; a terminal last entry has zero length, others are open
    ends: list[str | None] = [*times[1:], times[-1] if machine.is_terminal(last) else None]
    entries = [
        {"status": s, "start_time": t, "end_time": e, "status_message": m}
        for s, t, e, m in zip(statuses, times, ends, messages, strict=True)
    ]
    builder.add_job(job, entries, file=file, line=None)


_INT64_MAX = (1 << 63) - 1
_NO_SUCH_TIME = (
    "time {time!r} does not exist in {zone} (the clocks skip it when summer time starts): "
    "is --tz right?"
)


def local_times_to_utc(times: list[str], zone: str) -> tuple[list[str], np.ndarray]:
    """The log's local times (``YYYY-MM-DD HH:MM:SS`` in ``zone``) as UTC ISO strings.

    A time the clocks show twice (the hour repeated when summer time ends) is read so that
    the log stays in order: as summer time unless that would put it before the time read
    just before it. Returns the strings (the original text where a time does not exist in the
    zone: the hour skipped when summer time starts) and a mask of the times that exist.
    """
    naive = pd.DatetimeIndex(pd.to_datetime(times, format="ISO8601")).as_unit("ns")
    n = len(naive)
    summer = naive.tz_localize(zone, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    winter = naive.tz_localize(zone, ambiguous=np.zeros(n, dtype=bool), nonexistent="NaT")
    exists = ~np.asarray(summer.isna())
    chosen = summer.asi8.copy()
    twice = np.flatnonzero(exists & (summer.asi8 != winter.asi8))
    if len(twice):
        latest = np.maximum.accumulate(np.where(exists, chosen, np.iinfo(np.int64).min))
        for i in twice:  # few: the times within one repeated hour
            before = latest[i - 1] if i else np.iinfo(np.int64).min
            if chosen[i] < before:
                chosen[i] = winter.asi8[i]
            latest[i:] = np.maximum(latest[i:], chosen[i])
    utc = pd.DatetimeIndex(chosen.view("datetime64[ns]")).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [u if ok else t for u, t, ok in zip(utc, times, exists, strict=True)], exists


def add_sdk_log_file(
    builder: DescribeBuilder,
    file: InputFile,
    *,
    errors: Errors,
    machine: StatusMachine | None = None,
) -> None:
    """Add the job of one SDK log file to ``builder``."""
    with file.open() as stream:
        text = stream.read().decode("utf-8", errors="replace")
    add_sdk_log(
        builder, text.splitlines(), name=file.stem, file=file.name, errors=errors, machine=machine
    )


def _name_job(job: dict[str, Any], name: str, lineno: int, fail: Any) -> None:
    if job["job_name"] is None:
        job["job_name"] = name
    elif job["job_name"] != name:
        fail(
            lineno,
            f"the log names a second job {name!r} after {job['job_name']!r}; one log holds "
            "one job: split the log into one file per job",
            "job_name",
        )


def read_sdk_log(
    file: InputFile,
    *,
    errors: Errors = "raise",
    naive_tz: str = "UTC",
    machine: StatusMachine | None = None,
) -> JobHistory:
    """Read one SDK log file (``-`` and ``.gz`` included) as the history of one job.

    The job is named by the log (``Creating training-job with name: X``, ``Job Name: X``, or
    the SDK's ``Error for Training job X``), else by the file's name without its suffixes.
    ``machine`` says which statuses are terminal (see :func:`parse_sdk_log`).
    """
    builder = DescribeBuilder(source="sdk-log", naive_tz=naive_tz)
    add_sdk_log_file(builder, file, errors=errors, machine=machine)
    return builder.build(errors=errors)


def format_sdk_log(history: JobHistory, job_name: str | None = None, *, dots: int = 3) -> str:
    """Print one job's history as the SDK does (times in UTC, to the second).

    The inverse of :func:`parse_sdk_log` for histories whose times are whole seconds and whose
    messages are single lines: useful for tests and for sharing a history as text.
    """
    trans = history.transitions
    names = history.jobs["job_name"]
    if job_name is None:
        if len(names) != 1:
            raise ValueError(
                f"the history holds {len(names)} jobs; name the one to print (job_name=)"
            )
        job_name = str(names.iloc[0])
    rows = trans[trans["job_name"] == job_name]
    out = [f"Creating training-job with name: {job_name}"]
    when = rows["start_time"].dt.strftime("%Y-%m-%d %H:%M:%S").tolist()
    for t, status, message in zip(
        when, rows["status"].astype(str), rows["status_message"].fillna(""), strict=True
    ):
        out.append(f"{t} {status} - {message}{'.' * dots}")
    job = history.jobs[names == job_name].iloc[0]
    for col, label in (("training_time_s", "Training"), ("billable_time_s", "Billable")):
        if not pd.isna(job[col]):
            out.append(f"{label} seconds: {int(job[col])}")
    return "\n".join(out) + "\n"
