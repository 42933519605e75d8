"""The fetch cache: a JSON Lines file of raw ``DescribeTrainingJob`` responses.

One line per job, each a describe response with its timestamps as ISO-8601 strings (UTC) and
without ``ResponseMetadata``, so every other command reads the file as describe JSONL.

Crash safety
------------
- A response is appended to the file as soon as it arrives (one ``write`` of the line and its
  newline, flushed at once, ``fsync``'d at most ``fsync_interval`` seconds later and on close):
  a run killed at any point loses nothing that reached the file.
- Responses of jobs the file already holds (refreshed running jobs) go to a hidden journal
  next to it (``.<name>.refresh``) instead, so the file itself never holds a job twice, even
  after a hard kill. Closing merges the journal into the file by an atomic rewrite
  (temporary file, ``fsync``, ``os.replace``); a journal left by a crash is merged by the next
  open.
- A line cut short by a crash (the last lines of the file that are not complete JSON) is
  dropped with a note: its job is not in the cache, so the next run fetches it again. A bad
  line followed by good ones is not crash damage and raises :class:`~smstatus.errors.ParseError`.
- A lock file (``.<name>.lock``) keeps two runs from writing the same cache at once.
- A symlinked cache path is followed: the file it points to is written (its journal and lock
  beside it, so two paths to one file share one lock) and the link kept. A rewrite keeps the
  file's permission bits, and the journal gets them too (a ``chmod 600`` cache holding
  hyperparameters stays private).
- A write that fails (a full disk) raises :class:`CacheWriteError`; the file keeps every whole
  line written before (a line cut by the failure is cut off again), the journal stays for the
  next open to merge: the next run repairs and resumes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import json
import mmap
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from smstatus.atomicfile import atomic_open, remove_stale_temporaries, resolve_target
from smstatus.errors import CacheLockedError, ParseError, SmStatusError
from smstatus.typing import TimeLike

__all__ = [
    "TERMINAL_PRIMARY",
    "CacheLockedError",
    "CacheWriteError",
    "DescribeCache",
    "dumps_record",
    "to_record",
]


class CacheWriteError(SmStatusError):
    """The cache file could not be written (a full disk, a folder turned read-only).

    ``cause`` is the :class:`OSError`. What reached the file before is kept.
    """

    def __init__(self, path: Path, cause: OSError) -> None:
        self.cause = cause
        super().__init__(
            f"{path}: cannot write the cache: {cause.strerror or cause}; every response "
            "written before is kept: make room and run the same command again to resume"
        )


TERMINAL_PRIMARY: frozenset[str] = frozenset({"Completed", "Failed", "Stopped"})
"""Primary statuses after which a job's history never changes: never described again."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def to_record(
    response: Mapping[str, Any], *, observed_at: TimeLike | None = None
) -> dict[str, Any]:
    """A describe response as the cache stores it: JSON types, ISO UTC times, no metadata.

    The time the response was observed is kept as ``ObservedAt`` (what ``jobs.observed_at``
    is read from): the ``Date`` header of its ``ResponseMetadata`` when it has one, else
    ``observed_at`` (the fetch time), unless the response already carries one.

    Examples
    --------
    >>> import datetime as dt
    >>> to_record({"TrainingJobName": "j", "ResponseMetadata": {"RequestId": "r"},
    ...            "CreationTime": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)})
    {'TrainingJobName': 'j', 'CreationTime': '2024-01-01T00:00:00Z'}
    >>> to_record({"TrainingJobName": "j", "ResponseMetadata": {
    ...     "HTTPHeaders": {"date": "Tue, 02 Jan 2024 10:00:00 GMT"}}})
    {'TrainingJobName': 'j', 'ObservedAt': '2024-01-02T10:00:00Z'}
    """
    from smstatus.io.builder import OBSERVED_AT_FIELD, response_time

    record = {k: _jsonable(v) for k, v in response.items() if k != "ResponseMetadata"}
    if record.get(OBSERVED_AT_FIELD) is None:
        when = response_time(response)
        if when is None:
            when = observed_at
        if when is not None:
            record[OBSERVED_AT_FIELD] = _jsonable(when)
    return record


def dumps_record(record: Mapping[str, Any]) -> str:
    """One cache line (without its newline): compact JSON, UTF-8 kept as is."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False, default=str)


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}.{suffix}")


class _Scan:
    """What one file holds: per complete record its name, status, byte offset and length."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.statuses: list[str | None] = []
        self.offsets: list[int] = []
        self.lengths: list[int] = []
        self.bad: list[tuple[int, str]] = []  # (line, reason) of the damaged tail
        self.repair = False  # the file needs rewriting (damaged tail, no final newline)

    def add(self, name: str, status: Any, offset: int, length: int) -> None:
        self.names.append(name)
        self.statuses.append(status if isinstance(status, str) else None)
        self.offsets.append(offset)
        self.lengths.append(length)


_INDEX_SCHEMA_FIELDS = (("TrainingJobName", "string"), ("TrainingJobStatus", "string"))


def _scan_fast(buffer: Any, n_bytes: int, starts: np.ndarray, ends: np.ndarray) -> _Scan | None:
    """Names and statuses of every complete line by Arrow's JSON reader, or ``None`` when the
    lines are not one plain object each (the record-by-record path then says what is wrong)."""
    import pyarrow as pa
    import pyarrow.json as pj

    if not len(starts) or bool((ends <= starts).any()):
        return None
    schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in _INDEX_SCHEMA_FIELDS])
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    try:
        table = pj.read_json(
            pa.BufferReader(pa.py_buffer(buffer)[:n_bytes]),
            read_options=pj.ReadOptions(block_size=16 << 20),
            parse_options=options,
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != len(starts) or table.column("TrainingJobName").null_count:
        return None
    scan = _Scan()
    scan.names = table.column("TrainingJobName").to_pylist()
    scan.statuses = table.column("TrainingJobStatus").to_pylist()
    scan.offsets = starts.tolist()
    scan.lengths = (ends - starts).tolist()
    return scan


def _scan(path: Path) -> _Scan:
    """Index a JSON Lines file of describe responses (see the module notes on damage)."""
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            return _Scan()
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            newline = _newlines(mm, size)
            complete = int(newline[-1]) + 1 if len(newline) else 0
            starts = np.concatenate([[0], newline[:-1] + 1]).astype(np.int64)[: len(newline)]
            scan = _scan_fast(mm, complete, starts, newline.astype(np.int64))
            if scan is None:
                scan = _scan_slow(path, mm, starts, newline, complete)
            tail = mm[complete:]
    if tail:
        lineno = len(newline) + 1
        record = _loads(tail)
        if record is None:
            scan.bad.append((lineno, "not complete JSON"))
        elif not (isinstance(record, dict) and isinstance(record.get("TrainingJobName"), str)):
            _not_describe(path, lineno)
        elif scan.bad:
            _good_after_bad(path, scan)
        else:  # complete, only its newline is missing
            name, status = record["TrainingJobName"], record.get("TrainingJobStatus")
            scan.add(name, status, complete, len(tail))
        scan.repair = True
    if scan.bad:
        scan.repair = True
    return scan


def _newlines(buffer: Any, size: int, chunk: int = 64 << 20) -> np.ndarray:
    """Positions of every ``\\n`` byte, found a chunk at a time (memory stays small)."""
    view = np.frombuffer(buffer, dtype=np.uint8)
    try:
        parts = [
            np.flatnonzero(view[start : start + chunk] == 10) + start
            for start in range(0, size, chunk)
        ]
    finally:
        del view  # release the buffer before the caller closes the map
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _loads(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def _not_describe(path: Path, lineno: int) -> None:
    raise ParseError(
        "not a DescribeTrainingJob response (no TrainingJobName)",
        file=str(path),
        line=lineno,
        field="TrainingJobName",
        hint="Point -o / cache= at a file written by smstatus fetch (or a new one)",
    )


def _good_after_bad(path: Path, scan: _Scan) -> None:
    """A good line after a bad one: not the damage a crash leaves."""
    bad_line, why = scan.bad[0]
    raise ParseError(
        f"line {bad_line} is {why}, and good lines follow it",
        file=str(path),
        line=bad_line,
        hint="This is not the trace of an interrupted fetch; fix or delete the line (or the "
        "file) and fetch again",
    )


def _scan_slow(path: Path, mm: Any, starts: np.ndarray, ends: np.ndarray, complete: int) -> _Scan:
    """Record by record: the precise line of a problem, blank lines skipped."""
    scan = _Scan()
    for lineno, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True), 1):
        raw = mm[start:end]
        if not raw.strip():
            continue
        record = _loads(raw)
        if record is None:
            scan.bad.append((lineno, "not complete JSON"))
            continue
        if not (isinstance(record, dict) and isinstance(record.get("TrainingJobName"), str)):
            _not_describe(path, lineno)
        if scan.bad:
            _good_after_bad(path, scan)
        scan.add(record["TrainingJobName"], record.get("TrainingJobStatus"), start, end - start)
    return scan


class DescribeCache:
    """A JSON Lines file of describe responses, one line per job; see the module notes.

    The cache keeps an index of the file (each job's status and where its line is), not the
    responses: opening a cache of a million jobs reads their names and statuses with Arrow.

    Parameters
    ----------
    path
        The ``.jsonl`` file (created when missing).
    fsync_interval
        Seconds between ``fsync`` calls while appending (the file is flushed after every
        line regardless; ``fsync`` protects against power loss, not only process death).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "jobs.jsonl"
    >>> with DescribeCache(path) as cache:
    ...     cache.add({"TrainingJobName": "j", "TrainingJobStatus": "Completed"})
    True
    >>> DescribeCache(path).open().status("j")
    'Completed'
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fsync_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = resolve_target(path)  # a symlink is followed, the link kept
        self.journal_path = _sidecar(self.path, "refresh")
        self.lock_path = _sidecar(self.path, "lock")
        self.fsync_interval = fsync_interval
        self._clock = clock
        # the index: name -> slot; per slot the status and where the line is
        self._slot: dict[str, int] = {}
        self._status: list[str | None] = []
        self._in_journal: list[bool] = []
        self._offset: list[int] = []
        self._length: list[int] = []
        self._new: list[str] = []
        self._refreshed = False
        self._main: IO[bytes] | None = None
        self._journal: IO[bytes] | None = None
        self._main_size = 0
        self._journal_size = 0
        self._lock_fd: int | None = None
        self._mutex = threading.Lock()
        self._last_sync = 0.0
        self._dirty = False
        self.notes: list[str] = []
        self.dropped_lines = 0

    # -- reading ------------------------------------------------------------------------------

    def __contains__(self, name: object) -> bool:
        return name in self._slot

    def __len__(self) -> int:
        return len(self._slot)

    @property
    def names(self) -> list[str]:
        """Names of the jobs the cache holds, in file order (new jobs last)."""
        return list(self._slot)

    def status(self, name: str) -> str | None:
        """The cached primary status of a job (``None`` when the job is not cached)."""
        slot = self._slot.get(name)
        return None if slot is None else self._status[slot]

    def is_terminal(self, name: str) -> bool:
        """Whether the cache holds the job in a terminal primary status."""
        return self.status(name) in TERMINAL_PRIMARY

    def running(self) -> list[str]:
        """Names of the cached jobs not in a terminal primary status."""
        return [n for n, i in self._slot.items() if self._status[i] not in TERMINAL_PRIMARY]

    def get(self, name: str) -> dict[str, Any]:
        """The cached describe record of a job (read from its line)."""
        return json.loads(self.get_raw([name])[0])

    def get_raw(self, names: list[str]) -> list[bytes]:
        """The lines of these jobs, as bytes (in the order asked)."""
        slots = [self._slot[n] for n in names]
        out: list[bytes] = []
        with self.path.open("rb") as main:
            journal = (
                self.journal_path.open("rb") if any(self._in_journal[i] for i in slots) else None
            )
            try:
                for i in slots:
                    fh = journal if self._in_journal[i] else main
                    assert fh is not None
                    fh.seek(self._offset[i])
                    out.append(fh.read(self._length[i]))
            finally:
                if journal is not None:
                    journal.close()
        return out

    # -- opening ------------------------------------------------------------------------------

    def __enter__(self) -> DescribeCache:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> DescribeCache:
        """Lock the file, index it (and a journal left by a crash), repair it, open to append."""
        self._acquire_lock()
        try:
            # a rewrite cut short (the run killed while closing) leaves its temporary file;
            # the file and the journal it was made from are intact, so it can go
            for stale in self.path.parent.glob(f".{glob.escape(self.path.name)}.tmp-*"):
                stale.unlink(missing_ok=True)  # as versions before atomicfile named them
            remove_stale_temporaries(self.path)
            repair = False
            if self.path.exists():
                scan = _scan(self.path)
                repair |= scan.repair | self._index(scan, journal=False)
                self._note_damage(self.path, scan)
            if self.journal_path.exists():
                scan = _scan(self.journal_path)
                self._index(scan, journal=True)
                self._note_damage(self.journal_path, scan)
                repair = True
            if repair:
                self._rewrite(self.names)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._main = self.path.open("ab")
            self._main_size = self.path.stat().st_size
        except OSError as exc:
            self._release_lock()
            raise CacheWriteError(self.path, exc) from exc
        except BaseException:
            self._release_lock()
            raise
        return self

    def _index(self, scan: _Scan, *, journal: bool) -> bool:
        """Add a scan to the index (later lines win); return whether a name repeated."""
        if not self._slot:  # the usual first scan: built in bulk
            slot = dict(zip(scan.names, range(len(scan.names)), strict=True))
            if len(slot) == len(scan.names):
                self._slot = slot
                self._status = list(scan.statuses)
                self._in_journal = [journal] * len(slot)
                self._offset = list(scan.offsets)
                self._length = list(scan.lengths)
                return False
        repeated = False
        for name, status, offset, length in zip(
            scan.names, scan.statuses, scan.offsets, scan.lengths, strict=True
        ):
            at = self._slot.get(name)
            if at is None:
                self._slot[name] = len(self._status)
                self._status.append(status)
                self._in_journal.append(journal)
                self._offset.append(offset)
                self._length.append(length)
                continue
            repeated = True
            self._status[at] = status
            self._in_journal[at] = journal
            self._offset[at] = offset
            self._length[at] = length
        return repeated and not journal

    def _note_damage(self, path: Path, scan: _Scan) -> None:
        if not scan.bad:
            return
        self.dropped_lines += len(scan.bad)
        first, last = scan.bad[0][0], scan.bad[-1][0]
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        self.notes.append(
            f"{path}: {where} cut short by an interrupted run ({scan.bad[0][1]}); dropped, "
            "the job is fetched again"
        )

    # -- writing ------------------------------------------------------------------------------

    def add(self, response: Mapping[str, Any]) -> bool:
        """Store a describe response (thread-safe); return ``False`` once the cache is closed.

        A job new to the cache is appended to the file; a job it already holds goes to the
        journal and replaces the file's line when the cache is closed.
        """
        record = to_record(response)
        name = record["TrainingJobName"]
        line = dumps_record(record).encode("utf-8")
        status = record.get("TrainingJobStatus")
        with self._mutex:
            if self._main is None:
                return False
            slot = self._slot.get(name)
            if slot is None:
                stream, offset = self._main, self._main_size
                self._main_size += len(line) + 1
                self._slot[name] = len(self._status)
                self._status.append(None)
                self._in_journal.append(False)
                self._offset.append(0)
                self._length.append(0)
                slot = self._slot[name]
                self._new.append(name)
            else:
                if self._journal is None:
                    self._journal = self._open_journal()
                    self._journal_size = self.journal_path.stat().st_size
                stream, offset = self._journal, self._journal_size
                self._journal_size += len(line) + 1
                self._refreshed = True
            try:
                stream.write(line + b"\n")
                stream.flush()
            except OSError as exc:
                self._abandon(stream, offset)
                raise CacheWriteError(self.path, exc) from exc
            self._status[slot] = status if isinstance(status, str) else None
            self._in_journal[slot] = stream is self._journal
            self._offset[slot] = offset
            self._length[slot] = len(line)
            self._dirty = True
            now = self._clock()
            if now - self._last_sync >= self.fsync_interval:
                self._sync()
                self._last_sync = now
        return True

    def _open_journal(self) -> IO[bytes]:
        """The journal, opened to append; a new one gets the file's permission bits."""
        try:
            mode = os.stat(self.path).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
        return os.fdopen(fd, "ab")

    def _abandon(self, stream: IO[bytes], offset: int) -> None:
        """After a failed write: cut the partial line off, close without a rewrite, unlock.

        The file and the journal then hold whole lines only; the next open merges them.
        """
        failed = self.path if stream is self._main else self.journal_path
        for handle in (self._main, self._journal):
            if handle is not None:
                with contextlib.suppress(OSError):  # closing flushes what is buffered
                    handle.close()
        self._main = self._journal = None
        # a cut line followed by good ones would stop the next open; if even this fails, the
        # cut line is the last one and the next open drops it as crash damage
        with contextlib.suppress(OSError):
            os.truncate(failed, offset)
        self._release_lock()

    def _sync(self) -> None:
        for stream in (self._main, self._journal):
            if stream is not None:
                stream.flush()
                os.fsync(stream.fileno())

    def close(self, *, order: Iterable[str] | None = None) -> None:
        """Sync, merge the journal, put the new jobs in ``order`` (listing order), unlock.

        Parameters
        ----------
        order
            Names in the order the new jobs should have in the file (jobs already cached keep
            their place; new jobs not named keep their arrival order, after the named ones).
        """
        with self._mutex:
            if self._main is None:
                return
            try:
                if self._dirty:
                    self._sync()
                for stream in (self._main, self._journal):
                    if stream is not None:
                        stream.close()
                self._main = self._journal = None
                new = self._new
                if order is not None and new:
                    rank = {name: i for i, name in enumerate(order)}
                    late = len(rank)
                    new = sorted(new, key=lambda n: rank.get(n, late))
                if self._refreshed or new != self._new:
                    fresh = set(new)
                    self._rewrite([n for n in self._slot if n not in fresh] + new)
                elif self.journal_path.exists():
                    self.journal_path.unlink()
                self._new = []
                self._refreshed = False
            except OSError as exc:  # the file and the journal are as they were
                raise CacheWriteError(self.path, exc) from exc
            finally:
                self._release_lock()

    def _rewrite(self, names: list[str]) -> None:
        """Atomically replace the file with one line per job, in the order given.

        Lines that follow each other in a source file are copied as one block, so a rewrite
        that keeps the order of most jobs costs about a copy of the file.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        slots = np.fromiter(map(self._slot.__getitem__, names), dtype=np.int64, count=len(names))
        src = np.asarray(self._in_journal, dtype=bool)[slots]
        off = np.asarray(self._offset, dtype=np.int64)[slots]
        length = np.asarray(self._length, dtype=np.int64)[slots]
        follows = np.zeros(len(slots), dtype=bool)
        follows[1:] = (src[1:] == src[:-1]) & (off[1:] == off[:-1] + length[:-1] + 1)
        first = np.flatnonzero(~follows)
        last = np.append(first[1:] - 1, len(slots) - 1) if len(slots) else first
        maps: list[mmap.mmap] = []
        views: list[memoryview] = []
        handles: list[Any] = []
        try:
            for source in (self.path, self.journal_path):
                if source.exists() and source.stat().st_size:
                    fh = source.open("rb")
                    handles.append(fh)
                    maps.append(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
                    views.append(memoryview(maps[-1]))
                else:
                    views.append(memoryview(b""))
            # atomic: a temporary beside the file, synced, renamed over it (mode kept)
            with atomic_open(self.path, "wb") as out:
                for a, b in zip(first.tolist(), last.tolist(), strict=True):
                    with views[int(src[a])][off[a] : off[b] + length[b]] as lines:
                        out.write(lines)
                    out.write(b"\n")
        finally:
            for view in views:
                view.release()
            for m in maps:
                m.close()
            for fh in handles:
                fh.close()
        if self.journal_path.exists():
            self.journal_path.unlink()
        # the index now points into the new file, in its order
        new_off = np.zeros(len(slots), dtype=np.int64)
        np.cumsum(length[:-1] + 1, out=new_off[1:])
        self._slot = dict(zip(names, range(len(names)), strict=True))
        self._status = np.asarray(self._status, dtype=object)[slots].tolist()
        self._in_journal = [False] * len(names)
        self._offset = new_off.tolist()
        self._length = length.tolist()

    # -- locking ------------------------------------------------------------------------------

    def _acquire_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise CacheLockedError(
                f"{self.path}: another fetch is writing this file (lock {self.lock_path}); "
                "wait for it to finish"
            ) from None
        self._lock_fd = fd

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            import fcntl

            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None
