"""The fast path for big JSON Lines files of describe responses.

The file is streamed in large blocks cut at line ends. On a thread, the next block is read,
its line ends found, and parsed by Arrow's multi-threaded JSON reader with an explicit schema
of only the fields a :class:`~smstatus.history.JobHistory` holds (each time field as text or
as an epoch number, as the block's first values are written), while the current block's
entries are flattened and its timestamp columns parsed with Arrow compute (``Date`` headers of
``ResponseMetadata`` too, when there is no ``ObservedAt``). Only compact
columns (integers, Arrow strings) are kept until the frames are built at the end: memory
follows the frames, not the file.

A block that Arrow cannot read the way this path expects (a malformed line, a field of another
type, a line holding two objects, an entry without ``Status``, a timestamp that does not
parse...) is read again by the record-by-record path (:class:`DescribeBuilder`) on its own, so
the frames and the rejects are exactly those of that path.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from smstatus.errors import ParseError
from smstatus.history import STRING, UNPARSED_SCHEMA, JobHistory, fill_observed_at, warm_starts
from smstatus.io.builder import OBSERVED_AT_FIELD, DescribeBuilder, Errors
from smstatus.io.inputs import InputFile
from smstatus.io.jsonlines import jsonl_records
from smstatus.status import SecondaryStatus
from smstatus.timestamps import ARROW_CAST_WRAPS, NAT_NS, outside_ns_years, parse_timestamps

__all__ = ["DEFAULT_BLOCK_SIZE", "read_describe_jsonl"]

DEFAULT_BLOCK_SIZE = 16 << 20
"""Bytes read per block (cut at the last line end). Smaller blocks overlap the stages better
(the first block's parse and the last one's extraction run alone) and keep fewer pages of
buffers; 16 MiB is still four chunks for Arrow's threads."""

_ARROW_BLOCK_SIZE = 4 << 20  # Arrow splits a block into chunks of this size, parsed in parallel
_BUFFERS = 3  # blocks in flight: extracted, parsed by Arrow, read
_KNOWN_STATUSES = tuple(s.value for s in SecondaryStatus)

_TEXT_TIME = pa.string()  # parsed after reading: every form of smstatus.timestamps is accepted
_EPOCH_TIME = pa.float64()  # epoch seconds or milliseconds written as JSON numbers
_ENTRY_TIMES = ("StartTime", "EndTime")
_JOB_TIME_KEYS = (
    "CreationTime",
    "TrainingStartTime",
    "TrainingEndTime",
    "LastModifiedTime",
    OBSERVED_AT_FIELD,
)
_GROUP = pa.struct([("InstanceType", pa.string()), ("InstanceCount", pa.int64())])


@functools.cache
def _schema(epoch_keys: frozenset[str]) -> pa.Schema:
    """The fields read, the time fields in ``epoch_keys`` as numbers, the others as text.

    Arrow reads a field as one type only (a number where text is expected fails the block),
    so each block is read with the types its first values of each time field have
    (:func:`_epoch_keys`).
    """

    def time(key: str) -> pa.DataType:
        return _EPOCH_TIME if key in epoch_keys else _TEXT_TIME

    entry = pa.struct(
        [
            ("Status", pa.string()),
            ("StartTime", time("StartTime")),
            ("EndTime", time("EndTime")),
            ("StatusMessage", pa.string()),
        ]
    )
    return pa.schema(
        [
            ("TrainingJobName", pa.string()),
            ("TrainingJobStatus", pa.string()),
            ("SecondaryStatus", pa.string()),
            ("FailureReason", pa.string()),
            *((key, time(key)) for key in _JOB_TIME_KEYS[:4]),
            (
                "ResourceConfig",
                pa.struct(
                    [
                        ("InstanceType", pa.string()),
                        ("InstanceCount", pa.int64()),
                        ("InstanceGroups", pa.list_(_GROUP)),
                    ]
                ),
            ),
            ("EnableManagedSpotTraining", pa.bool_()),
            (
                "StoppingCondition",
                pa.struct(
                    [("MaxRuntimeInSeconds", pa.int64()), ("MaxWaitTimeInSeconds", pa.int64())]
                ),
            ),
            ("TrainingTimeInSeconds", pa.int64()),
            ("BillableTimeInSeconds", pa.int64()),
            ("WarmPoolStatus", pa.struct([("Status", pa.string())])),
            ("TuningJobArn", pa.string()),
            ("SecondaryStatusTransitions", pa.list_(entry)),
            (OBSERVED_AT_FIELD, time(OBSERVED_AT_FIELD)),
            (
                "ResponseMetadata",
                pa.struct([("HTTPHeaders", pa.struct([("date", pa.string())]))]),
            ),
        ]
    )


@functools.cache
def _parse_options(epoch_keys: frozenset[str]) -> pj.ParseOptions:
    return pj.ParseOptions(explicit_schema=_schema(epoch_keys), unexpected_field_behavior="ignore")


_NEEDLES = tuple((key, f'"{key}"'.encode()) for key in (*_JOB_TIME_KEYS, *_ENTRY_TIMES))
_NUMBER_START = frozenset(b"-0123456789")
_WHITE = frozenset(b" \t\r\n")
_LOOKS = 16  # values of a key looked at before it is taken for text
_LOOK_BYTES = 1 << 20  # bytes of a block looked at (a key missing there is taken for text)


def _epoch_keys(data: bytearray, end: int) -> frozenset[str]:
    """The time fields whose first non-null value in ``data[:end]`` is a number (looking at
    its first :data:`_LOOK_BYTES` only, a few hundred records).

    A guess, from the bytes (a key's name written inside a string is escaped, ``\\"``, so
    never found): a block whose values are of mixed types fails Arrow's read and is read
    record by record, so a wrong guess costs time, never a wrong frame.
    """
    out = []
    end = min(end, _LOOK_BYTES)
    for key, needle in _NEEDLES:
        at = data.find(needle, 0, end)
        for _ in range(_LOOKS):
            if at < 0:
                break
            i = at + len(needle)
            while i < end and data[i] in _WHITE:
                i += 1
            if i < end and data[i] == 0x3A:  # the colon: a key, not a value
                i += 1
                while i < end and data[i] in _WHITE:
                    i += 1
                if i < end and data[i] in _NUMBER_START:
                    out.append(key)
                if i < end and data[i] != 0x6E:  # not null: this value decides
                    break
            at = data.find(needle, i, end)
    return frozenset(out)


_JOB_TIMES = (
    "creation_time",
    "training_start_time",
    "training_end_time",
    "last_modified_time",
    "observed_at",
)
_JOB_CATEGORIES = ("training_job_status", "secondary_status", "instance_type", "warm_pool_status")
_JOB_STRINGS = ("job_name", "failure_reason", "tuning_job_arn")
_JOB_INTS = ("instance_count", "max_runtime_s", "max_wait_s", "training_time_s", "billable_time_s")
_JOBS_ARROW = pa.schema(
    [
        *((c, pa.string()) for c in _JOB_STRINGS),
        *((c, pa.string()) for c in _JOB_CATEGORIES),
        *((c, pa.int64()) for c in _JOB_TIMES),
        *((c, pa.int64()) for c in _JOB_INTS),
        ("spot", pa.bool_()),
    ]
)
_TRANSITIONS_ARROW = pa.schema(
    [
        ("job", pa.int64()),
        ("step", pa.int32()),
        ("status", pa.int32()),
        ("start_time", pa.int64()),
        ("end_time", pa.int64()),
        ("status_message", pa.string()),
    ]
)
_JSON_SPACE = b" \t\r"


def read_describe_jsonl(
    file: InputFile,
    *,
    errors: Errors = "raise",
    naive_tz: str = "UTC",
    block_size: int = DEFAULT_BLOCK_SIZE,
    progress: Callable[[int], object] | None = None,
) -> JobHistory:
    """Read a JSON Lines file of describe responses, streaming it in blocks.

    Gives the same :class:`JobHistory` as the record-by-record path (same frames, same
    rejects), much faster on big files.

    Parameters
    ----------
    file
        The input (plain or gzip).
    errors
        ``"raise"`` raises :class:`ParseError` for the first bad record in file order;
        ``"collect"`` loads the rest and returns the rejects (in file order) in ``unparsed``.
    naive_tz
        Zone of timestamps without one.
    block_size
        Bytes read per block; a block is cut at its last line end (and grown to hold a line
        longer than this).
    progress
        Called with the number of bytes of each block once it is loaded (decompressed bytes
        for gzip input); for a progress bar.
    """
    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', got {errors!r}")
    if block_size < 1:
        raise ValueError(f"block_size must be a positive number of bytes, got {block_size}")
    state = _State(file.name, naive_tz)
    options = pj.ReadOptions(use_threads=True, block_size=_ARROW_BLOCK_SIZE)
    with (
        file.open() as stream,
        ThreadPoolExecutor(1, thread_name_prefix="smstatus-read") as reading,
        ThreadPoolExecutor(1, thread_name_prefix="smstatus-parse") as parsing,
    ):
        # a pipeline of three blocks (the reader keeps three buffers): block k+2 is read
        # (decompressed) while block k+1 is parsed by Arrow and block k's columns extracted
        reader = _BlockReader(stream, block_size)
        block = reader.next()
        upcoming = reading.submit(reader.next)
        scratch = _Scratch()  # the parsing thread's, reused block after block
        parsed = parsing.submit(_parse, block, options, scratch) if block is not None else None
        while parsed is not None:
            table = parsed.result()
            current = block
            block = upcoming.result()
            if block is not None:
                upcoming = reading.submit(reader.next)
                parsed = parsing.submit(_parse, block, options, scratch)
            else:
                parsed = None
            assert current is not None  # a block is parsed only when there is one
            rejects = state.add_block(current, table)
            if progress is not None:
                progress(current.end)
            if rejects and errors == "raise":
                first = min(rejects, key=lambda r: r["line"])
                raise ParseError(
                    first["reason"], file=first["file"], line=first["line"], field=first["field"]
                )
    return state.build()


# -- reading blocks -------------------------------------------------------------------------


@dataclass
class _Block:
    """Whole lines of the file: ``data[:end]``, starting at line ``first_line``."""

    data: bytearray
    end: int
    first_line: int
    newlines: np.ndarray  # positions of b"\n" in data[:end]

    @property
    def view(self) -> memoryview:
        return memoryview(self.data)[: self.end]


class _BlockReader:
    """Cut a byte stream into blocks of whole lines, numbering the lines.

    The blocks' buffers are reused in turn (page faults on fresh memory cost as much as the
    copy itself): a block's bytes stay valid while the next ``_BUFFERS - 1`` are read.
    """

    def __init__(self, stream: BinaryIO, block_size: int) -> None:
        self._stream = stream
        self._size = block_size
        self._buffers = [bytearray() for _ in range(_BUFFERS)]
        self._turn = 0
        self._tail = b""
        self._line = 1
        self._done = False

    def _fill(self, buf: bytearray, start: int, stop: int) -> int:
        """Fill ``buf[start:stop]`` from the stream; return the end of what was read."""
        with memoryview(buf) as view:
            while start < stop:
                with view[start:stop] as free:
                    n = self._stream.readinto(free)  # type: ignore[attr-defined]
                if not n:
                    self._done = True
                    break
                start += n
        return start

    def _buffer(self, size: int, keep: int = 0) -> bytearray:
        """The buffer of this turn, at least ``size`` bytes, its first ``keep`` bytes kept."""
        buf = self._buffers[self._turn]
        if len(buf) < size:
            bigger = bytearray(size + size // 4)  # room for the tail of the previous block
            bigger[:keep] = buf[:keep]
            buf = self._buffers[self._turn] = bigger
        return buf

    def next(self) -> _Block | None:
        """The next block, or ``None`` at the end of the stream."""
        if self._done and not self._tail:
            return None
        self._turn = (self._turn + 1) % _BUFFERS
        tail = self._tail
        buf = self._buffer(len(tail) + self._size)
        buf[: len(tail)] = tail
        filled = len(tail)
        if not self._done:
            filled = self._fill(buf, filled, filled + self._size)
        searched = 0
        while True:
            if self._done:
                end = filled  # the rest, the last line perhaps without a line end
                break
            end = buf.rfind(b"\n", searched, filled) + 1
            if end:
                break
            searched = filled  # a line longer than the block: read on
            buf = self._buffer(2 * len(buf), keep=filled)
            filled = self._fill(buf, filled, len(buf))
        if end == 0:
            return None
        self._tail = bytes(buf[end:filled])
        newlines = _line_ends(buf, end)
        block = _Block(buf, end, self._line, newlines)
        self._line += len(newlines)
        return block


def _line_ends(buf: bytearray, end: int) -> np.ndarray:
    """Positions of the line ends in ``buf[:end]``.

    A ``find`` per line (``memchr`` over about 3 KB of a describe response) is several times
    faster than a vectorised comparison of every byte.
    """
    out: list[int] = []
    find = buf.find
    i = find(b"\n", 0, end)
    while i >= 0:
        out.append(i)
        i = find(b"\n", i + 1, end)
    return np.array(out, dtype=np.int64)


class _Scratch:
    """Two boolean arrays reused from block to block: fresh ones as big as a block cost as
    much in page faults as the work done in them."""

    def __init__(self) -> None:
        self._arrays = (np.zeros(0, dtype=bool), np.zeros(0, dtype=bool))

    def pair(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self._arrays[0]) < n:
            self._arrays = (np.empty(n, dtype=bool), np.empty(n, dtype=bool))
        return self._arrays[0][:n], self._arrays[1][:n]


def _parse(block: _Block, options: pj.ReadOptions, scratch: _Scratch) -> pa.Table | None:
    """The block's Arrow table, ``None`` when Arrow cannot read it as expected."""
    records = _records_if_plain(block, scratch)
    if records is None:
        return None
    epoch_keys = _epoch_keys(block.data, block.end)
    if records == 0:
        return _schema(epoch_keys).empty_table()
    if not block.data.isascii() and not _valid_utf8(block):  # bytes past ``end`` are checked too
        return None
    try:
        table = pj.read_json(
            pa.py_buffer(block.view), read_options=options, parse_options=_parse_options(epoch_keys)
        )
    except (pa.ArrowException, ValueError):
        return None
    if table.num_rows != records:
        return None
    return table.combine_chunks()


def _records_if_plain(block: _Block, scratch: _Scratch | None = None) -> int | None:
    """Number of records of a block whose every non-blank line is one ``{...}``, else ``None``.

    Arrow reads concatenated objects regardless of line ends; a line holding one object, a
    blank line or a line of an object spread over several lines would be miscounted, so a
    block is only read by Arrow when each non-blank line starts with ``{`` and ends with ``}``
    (JSON white space aside): then no object spans two lines, and when Arrow's row count equals
    the number of such lines, each line holds exactly one object.
    """
    arr = np.frombuffer(block.data, dtype=np.uint8, count=block.end)
    nl = block.newlines
    if block.end == 0:
        return 0
    if arr[-1] == 0x0A:
        starts = np.concatenate(([0], nl[:-1] + 1))
        ends = nl
    else:
        starts = np.concatenate(([0], nl + 1))
        ends = np.concatenate((nl, [block.end]))
    nonempty = ends > starts
    first = np.where(nonempty, arr[np.minimum(starts, block.end - 1)], 0)
    last = np.where(nonempty, arr[np.maximum(ends - 1, 0)], 0)
    before_cr = np.where(ends - 2 >= starts, arr[np.maximum(ends - 2, 0)], 0)
    plain = (first == ord("{")) & (
        (last == ord("}")) | ((last == ord("\r")) & (before_cr == ord("}")))
    )
    if _too_deep_for_arrow(block.data, starts, ends, scratch or _Scratch()):
        return None
    records = int(plain.sum())
    for i in np.flatnonzero(~plain):
        line = bytes(arr[starts[i] : ends[i]])
        if not line.strip():
            continue  # blank: skipped, as the record-by-record path does
        text = line.strip(_JSON_SPACE)
        if not (text.startswith(b"{") and text.endswith(b"}")):
            return None
        records += 1
    return records


MAX_ARROW_DEPTH = 2000
"""Lines that may nest deeper than this are read record by record: Arrow's JSON parser
recurses once per level and overflows its thread's stack (a segmentation fault, not an
error) somewhere past 4,000 levels on a 2 MiB stack; it also slows down sharply. No describe
response nests past ten."""


def _too_deep_for_arrow(
    data: bytearray, starts: np.ndarray, ends: np.ndarray, scratch: _Scratch
) -> bool:
    """Whether a line may nest deeper than :data:`MAX_ARROW_DEPTH`.

    A line that deep holds that many ``{`` or ``[`` and as many closing brackets, so only the
    lines longer than twice the limit are counted, all at once: the positions of the opening
    brackets, then how many fall in each line (numpy, which releases the GIL).
    """
    long_lines = np.flatnonzero(ends - starts > 2 * MAX_ARROW_DEPTH)
    if not len(long_lines):
        return False
    first, last = int(starts[long_lines[0]]), int(ends[long_lines[-1]])
    arr = np.frombuffer(data, dtype=np.uint8, count=last)[first:]
    opening, square = scratch.pair(len(arr))
    np.equal(arr, 0x7B, out=opening)
    np.equal(arr, 0x5B, out=square)
    np.logical_or(opening, square, out=opening)
    positions = np.flatnonzero(opening)
    if len(positions) <= MAX_ARROW_DEPTH:
        return False
    inside = np.searchsorted(positions, ends[long_lines] - first) - np.searchsorted(
        positions, starts[long_lines] - first
    )
    return bool((inside > MAX_ARROW_DEPTH).any())


# -- one block ------------------------------------------------------------------------------


class _State:
    """What has been read so far: Arrow tables of compact columns, statuses, rejects."""

    def __init__(self, name: str, naive_tz: str) -> None:
        self.name = name
        self.naive_tz = naive_tz
        self.jobs: list[pa.Table] = []
        self.transitions: list[pa.Table] = []
        self.n_jobs = 0
        self.statuses: dict[str, int] = {s: i for i, s in enumerate(_KNOWN_STATUSES)}
        self.rejects: list[dict[str, Any]] = []
        self.any_added = False  # a record reached a builder (kept, or rejected for its values)

    def add_block(self, block: _Block, table: pa.Table | None) -> list[dict[str, Any]]:
        """Add a block parsed by Arrow (``table``), or record by record when ``table`` is
        ``None`` or not as expected; return its rejects."""
        parts = None if table is None else self._columns(table)
        rejects: list[dict[str, Any]] = []
        if parts is None:
            parts, rejects = self._slow(block)
        jobs, transitions = parts
        self.jobs.append(jobs)
        self.transitions.append(transitions)
        self.n_jobs += jobs.num_rows
        self.rejects += rejects
        return rejects

    def _status_codes(self, names: list[str]) -> np.ndarray:
        """Global codes of a block's statuses (unknown ones in order of first appearance)."""
        for s in names:
            self.statuses.setdefault(s, len(self.statuses))
        return np.array([self.statuses[s] for s in names], dtype=np.int32)

    # -- the fast path ----------------------------------------------------------------------

    def _columns(self, table: pa.Table) -> tuple[pa.Table, pa.Table] | None:
        """The compact columns of a block parsed by Arrow; ``None`` when a record is bad."""
        if table.num_rows == 0:
            return _JOBS_ARROW.empty_table(), _TRANSITIONS_ARROW.empty_table()

        def col(name: str) -> pa.Array:
            return table.column(name).chunk(0)

        names = col("TrainingJobName")
        if names.null_count or pc.min(pc.binary_length(names)).as_py() == 0:
            return None
        entries = col("SecondaryStatusTransitions")
        lengths = np.asarray(pc.list_value_length(entries).fill_null(0), dtype=np.int64)
        flat = pc.list_flatten(entries)
        if len(flat) != lengths.sum() or flat.null_count:
            return None
        status = pc.struct_field(flat, "Status")
        start = pc.struct_field(flat, "StartTime")
        if len(flat) and (
            status.null_count
            or start.null_count
            or pc.min(pc.binary_length(status)).as_py() == 0
            or (pa.types.is_string(start.type) and pc.min(pc.binary_length(start)).as_py() == 0)
        ):
            return None
        times = {}
        for key, raw in (
            ("start_time", start),
            ("end_time", pc.struct_field(flat, "EndTime")),
            ("creation_time", col("CreationTime")),
            ("training_start_time", col("TrainingStartTime")),
            ("training_end_time", col("TrainingEndTime")),
            ("last_modified_time", col("LastModifiedTime")),
        ):
            ns = _utc_ns(raw, self.naive_tz)
            if ns is None:
                return None
            times[key] = ns
        observed = _observed_ns(col(OBSERVED_AT_FIELD), col("ResponseMetadata"), self.naive_tz)
        if observed is None:
            return None
        times["observed_at"] = observed
        resources = col("ResourceConfig")
        instances = _instances(resources)
        if instances is None:
            return None
        stopping = col("StoppingCondition")
        jobs = pa.table(
            {
                "job_name": names,
                "failure_reason": col("FailureReason"),
                "tuning_job_arn": col("TuningJobArn"),
                "training_job_status": col("TrainingJobStatus"),
                "secondary_status": col("SecondaryStatus"),
                "instance_type": instances[0],
                "warm_pool_status": pc.struct_field(col("WarmPoolStatus"), "Status"),
                **{c: times[c] for c in _JOB_TIMES},
                "instance_count": instances[1],
                "max_runtime_s": pc.struct_field(stopping, "MaxRuntimeInSeconds"),
                "max_wait_s": pc.struct_field(stopping, "MaxWaitTimeInSeconds"),
                "training_time_s": col("TrainingTimeInSeconds"),
                "billable_time_s": col("BillableTimeInSeconds"),
                "spot": col("EnableManagedSpotTraining"),
            },
            schema=_JOBS_ARROW,
        )
        encoded = pc.dictionary_encode(status)
        codes = self._status_codes(encoded.dictionary.to_pylist())
        firsts = np.cumsum(lengths) - lengths
        steps = np.arange(len(flat), dtype=np.int64) - np.repeat(firsts, lengths)
        transitions = pa.table(
            {
                "job": np.repeat(np.arange(self.n_jobs, self.n_jobs + len(names)), lengths),
                "step": steps.astype(np.int32),
                "status": codes[np.asarray(encoded.indices, dtype=np.int64)],
                "start_time": times["start_time"],
                "end_time": times["end_time"],
                "status_message": pc.struct_field(flat, "StatusMessage"),
            },
            schema=_TRANSITIONS_ARROW,
        )
        return jobs, transitions

    # -- the record-by-record path ----------------------------------------------------------

    def _slow(self, block: _Block) -> tuple[tuple[pa.Table, pa.Table], list[dict[str, Any]]]:
        builder = DescribeBuilder(source="describe", naive_tz=self.naive_tz)
        offset = block.first_line - 1
        for record, line, problem in jsonl_records(io.BytesIO(block.view)):
            where = None if line is None else line + offset
            if problem is not None:
                builder.reject(file=self.name, line=where, reason=problem)
            else:
                builder.add(record, file=self.name, line=where, errors="collect")
        self.any_added |= len(builder) > 0
        history = builder.build(errors="collect")
        rejects = [
            {str(k): (None if pd.isna(v) else v) for k, v in row.items()}
            for row in history.unparsed.astype(object).to_dict("records")
        ]
        return self._from_frames(history), rejects

    def _from_frames(self, history: JobHistory) -> tuple[pa.Table, pa.Table]:
        """The compact columns of a history built record by record."""
        jobs, trans = history.jobs, history.transitions
        columns: dict[str, pa.Array | np.ndarray] = {}
        for c in (*_JOB_STRINGS, *_JOB_CATEGORIES):
            columns[c] = pa.array(jobs[c].astype(object), type=pa.string(), from_pandas=True)
        for c in _JOB_TIMES:
            columns[c] = pd.DatetimeIndex(jobs[c]).asi8
        for c in _JOB_INTS:
            columns[c] = pa.array(jobs[c], type=pa.int64())
        columns["spot"] = pa.array(jobs["spot"], type=pa.bool_())
        first_row: dict[str, int] = {}
        for i, name in enumerate(jobs["job_name"].astype(object)):
            first_row.setdefault(name, i)
        owner = np.array([first_row[n] for n in trans["job_name"].cat.categories], dtype=np.int64)
        job_codes = trans["job_name"].cat.codes.to_numpy().astype(np.int64)
        status_codes = self._status_codes([str(s) for s in trans["status"].cat.categories])
        transitions = pa.table(
            {
                "job": owner[job_codes] + self.n_jobs if len(owner) else job_codes,
                "step": trans["step"].to_numpy(dtype=np.int32),
                "status": status_codes[trans["status"].cat.codes.to_numpy().astype(np.int64)],
                "start_time": pd.DatetimeIndex(trans["start_time"]).asi8,
                "end_time": pd.DatetimeIndex(trans["end_time"]).asi8,
                "status_message": pa.array(
                    trans["status_message"].astype(object), type=pa.string(), from_pandas=True
                ),
            },
            schema=_TRANSITIONS_ARROW,
        )
        return pa.table(columns, schema=_JOBS_ARROW), transitions

    # -- the frames -------------------------------------------------------------------------

    def build(self) -> JobHistory:
        """The history of every block read."""
        jobs_t = pa.concat_tables([_JOBS_ARROW.empty_table(), *self.jobs])
        trans = _Columns(pa.concat_tables([_TRANSITIONS_ARROW.empty_table(), *self.transitions]))
        self.jobs, self.transitions = [], []  # the blocks' columns are held by the tables only
        n = jobs_t.num_rows
        names = jobs_t.column("job_name").combine_chunks()
        jobs: dict[str, object] = {
            "job_name": STRING.__from_arrow__(names),  # type: ignore[attr-defined]
            "training_job_status": None,
            "secondary_status": None,
            "failure_reason": STRING.__from_arrow__(jobs_t.column("failure_reason")),  # type: ignore[attr-defined]
        }
        for c in _JOB_TIMES:
            jobs[c] = _utc(_ints(jobs_t.column(c)))
        for c in _JOB_CATEGORIES:
            jobs[c] = _sorted_categorical(jobs_t.column(c).combine_chunks())
        jobs["instance_count"] = pd.Int64Dtype().__from_arrow__(jobs_t.column("instance_count"))  # type: ignore[attr-defined]
        jobs["spot"] = pd.BooleanDtype().__from_arrow__(jobs_t.column("spot"))  # type: ignore[attr-defined]
        for c in _JOB_INTS[1:]:
            jobs[c] = pd.Int64Dtype().__from_arrow__(jobs_t.column(c))  # type: ignore[attr-defined]
        jobs["tuning_job_arn"] = STRING.__from_arrow__(jobs_t.column("tuning_job_arn"))  # type: ignore[attr-defined]
        jobs["source"] = pd.Categorical.from_codes(
            np.zeros(n, dtype=np.int8),
            # as the record path: its category once a record got past the structural checks
            categories=pd.Index(["describe"] if n or self.any_added else [], dtype=object),
        )
        # every column is a fresh array or immutable Arrow-backed: no copy needed (copy=False
        # spares a copy of each column, about 0.4 s and as many bytes as the frames at 1M jobs)
        jobs_frame = pd.DataFrame({c: jobs[c] for c in _JOBS_COLUMNS}, copy=False)

        encoded = pc.dictionary_encode(names)
        name_codes = np.asarray(encoded.indices, dtype=np.int32)
        categories = pd.Index(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
        # each column of the entries is let go once converted: memory holds one column twice
        # at most, never both forms of every column
        transitions = pd.DataFrame(
            {
                "job_name": pd.Categorical.from_codes(
                    name_codes[_ints(trans.pop("job"))], dtype=pd.CategoricalDtype(categories)
                ),
                "step": _ints(trans.pop("step")).copy(),  # writable
                "status": pd.Categorical.from_codes(
                    _ints(trans.pop("status")),
                    categories=pd.Index(list(self.statuses), dtype=object),
                ),
                "start_time": _utc(_ints(trans.pop("start_time"))),
                "end_time": _utc(_ints(trans.pop("end_time"))),
                "status_message": STRING.__from_arrow__(trans.pop("status_message")),  # type: ignore[attr-defined]
            },
            copy=False,
        )
        fill_observed_at(jobs_frame, transitions)
        jobs_frame["warm_start"] = warm_starts(jobs_frame["job_name"], transitions)
        rejects = sorted(self.rejects, key=lambda r: r["line"] if r["line"] is not None else 0)
        unparsed = pd.DataFrame(
            {
                c: pd.array([r[c] for r in rejects], dtype=dtype)
                for c, dtype in UNPARSED_SCHEMA.items()
            }
        )
        return JobHistory(jobs_frame, transitions, unparsed=unparsed, check=False)


class _Columns:
    """A table whose columns are taken out one by one (and freed once nothing else holds
    them)."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def pop(self, name: str) -> pa.ChunkedArray:
        column = self._table.column(name)
        self._table = self._table.drop_columns([name])
        return column


_JOBS_COLUMNS = (
    "job_name",
    "training_job_status",
    "secondary_status",
    "failure_reason",
    "creation_time",
    "training_start_time",
    "training_end_time",
    "last_modified_time",
    "instance_type",
    "instance_count",
    "spot",
    "max_runtime_s",
    "max_wait_s",
    "training_time_s",
    "billable_time_s",
    "warm_pool_status",
    "tuning_job_arn",
    "source",
    "observed_at",
)  # then warm_start, derived from the entries once they are built


def _valid_utf8(block: _Block) -> bool:
    offsets = pa.py_buffer(np.array([0, block.end], dtype=np.int64))
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(block.view)])
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _utc_ns(raw: pa.Array, naive_tz: str) -> np.ndarray | None:
    """UTC nanoseconds of a column of times (text or epoch numbers); ``None`` when one does
    not parse.

    Numbers are read as :func:`parse_timestamps` reads them, except that a number that is
    not finite (``NaN``, which Arrow's reader takes, and which a column of floats cannot tell
    from an absent value) is left to the record-by-record path, which rejects it. For text,
    the common case, every value ISO-8601 with a zone, is one Arrow cast: the first thing
    :func:`parse_timestamps` tries (after trimming white space, which Arrow's cast rejects);
    any other column goes through :func:`parse_timestamps` itself.
    """
    if pa.types.is_floating(raw.type):
        if raw.null_count != len(raw) and not pc.all(pc.is_finite(raw)).as_py():
            return None
        parsed, bad = parse_timestamps(raw)
        return None if bad.any() else parsed.asi8
    try:
        if ARROW_CAST_WRAPS and outside_ns_years(raw).any():  # the parser refuses them
            raise pa.ArrowInvalid("a year nanoseconds cannot hold")
        stamps = pc.cast(raw, pa.timestamp("ns", "UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed, bad = parse_timestamps(raw, naive_tz=naive_tz)
        return None if bad.any() else parsed.asi8
    return np.asarray(pc.cast(stamps, pa.int64()).fill_null(NAT_NS))


def _observed_ns(observed: pa.Array, metadata: pa.Array, naive_tz: str) -> np.ndarray | None:
    """When each response was observed: its ``ObservedAt``, else the ``Date`` header of its
    ``ResponseMetadata`` (as :func:`~smstatus.io.builder.response_time`); ``None`` when one
    does not parse, or a header is not an HTTP date of the usual form."""
    ns = _utc_ns(observed, naive_tz)
    if ns is None:
        return None
    dates = pc.struct_field(pc.struct_field(metadata, "HTTPHeaders"), "date")
    need = pc.and_(dates.is_valid(), observed.is_null())
    if not pc.any(need).as_py():
        return ns
    distinct = pc.dictionary_encode(dates.filter(need))  # often few: one per second at most
    from_headers = _http_dates_ns(distinct.dictionary)
    if from_headers is None:
        return None
    from_headers = from_headers[np.asarray(distinct.indices, dtype=np.int64)]
    ns = ns.copy() if not ns.flags.writeable else ns
    ns[np.asarray(need, dtype=bool)] = from_headers
    return ns


_HTTP_DATE = (
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?:0[1-9]|[12]\d|3[01]) "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?:19|20|21)\d\d "
    r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d GMT$"
)
_MONTHS = pa.array(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
)
_MONTH_NUMBERS = pa.array([f"{m:02d}" for m in range(1, 13)])


def _http_dates_ns(dates: pa.Array) -> np.ndarray | None:
    """UTC nanoseconds of HTTP dates (``Wed, 01 Jan 2025 00:00:00 GMT``, as every HTTP
    response's ``Date`` header); ``None`` when one is in another form, or no date at all (a
    31st of February): those are read record by record, by :mod:`email.utils`."""
    if not pc.all(pc.match_substring_regex(dates, _HTTP_DATE)).as_py():
        return None

    def part(start: int, stop: int) -> pa.Array:
        return pc.utf8_slice_codeunits(dates, start, stop)

    month = _MONTH_NUMBERS.take(pc.index_in(part(8, 11), value_set=_MONTHS))
    iso = pc.binary_join_element_wise(part(12, 16), month, part(5, 7), "-")  # YYYY-MM-DD
    iso = pc.binary_join_element_wise(iso, part(17, 25), "T")
    try:
        stamps = pc.cast(pc.binary_join_element_wise(iso, "Z", ""), pa.timestamp("ns", "UTC"))
    except pa.ArrowInvalid:
        return None
    return np.asarray(pc.cast(stamps, pa.int64()))


def _instances(resources: pa.Array) -> tuple[pa.Array, pa.Array] | None:
    """Instance type and count of each job, from ``InstanceGroups`` when no ``InstanceType``.

    As the record-by-record path: the sorted distinct group types joined by ``+`` and the sum
    of the group counts (``None`` when empty or zero). ``None`` when a group is ``null``.
    """
    itype = pc.struct_field(resources, "InstanceType")
    icount = pc.struct_field(resources, "InstanceCount")
    groups = pc.struct_field(resources, "InstanceGroups")
    sizes = np.asarray(pc.list_value_length(groups).fill_null(0), dtype=np.int64)
    need = np.asarray(itype.is_null(), dtype=bool) & (sizes > 0)
    if not need.any():
        return itype, icount
    chosen = groups.filter(pa.array(need))
    sizes = sizes[need]
    flat = pc.list_flatten(chosen)
    if flat.null_count or len(flat) != sizes.sum():
        return None
    parent = np.repeat(np.arange(len(chosen)), sizes)
    counts = np.asarray(pc.struct_field(flat, "InstanceCount").fill_null(0), dtype=np.int64)
    total = np.zeros(len(chosen), dtype=np.int64)
    np.add.at(total, parent, counts)
    types = pc.struct_field(flat, "InstanceType")
    keep = np.asarray(pc.greater(pc.binary_length(types), 0).fill_null(False), dtype=bool)
    pairs = (
        pa.table({"job": parent[keep], "type": types.filter(pa.array(keep))})
        .group_by(["job", "type"])
        .aggregate([])
        .sort_by([("job", "ascending"), ("type", "ascending")])
    )
    per_job = np.bincount(np.asarray(pairs.column("job"), dtype=np.int64), minlength=len(chosen))
    offsets = np.concatenate(([0], np.cumsum(per_job))).astype(np.int32)
    joined = pc.binary_join(
        pa.ListArray.from_arrays(pa.array(offsets), pairs.column("type").combine_chunks()), "+"
    )
    joined = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
    count = pa.array(total, mask=total == 0, type=pa.int64())
    mask = pa.array(need)
    return pc.replace_with_mask(itype, mask, joined), pc.replace_with_mask(icount, mask, count)


def _ints(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.combine_chunks() if column.num_chunks != 1 else column.chunk(0))


def _utc(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.astype(np.int64, copy=False).view("datetime64[ns]")).tz_localize(
        "UTC"
    )


def _sorted_categorical(values: pa.Array) -> pd.Categorical:
    """A categorical with sorted categories, as ``astype("category")`` gives."""
    encoded = pc.dictionary_encode(values)
    dictionary = encoded.dictionary
    order = np.asarray(pc.sort_indices(dictionary), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    indices = np.asarray(encoded.indices.fill_null(-1), dtype=np.int64)
    codes = np.where(indices >= 0, rank[np.maximum(indices, 0)] if len(rank) else -1, -1)
    categories = pd.Index(dictionary.take(pa.array(order)).to_pylist(), dtype=object)
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))  # type: ignore[return-value]
