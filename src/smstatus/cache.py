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
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from smstatus.errors import ParseError, SmStatusError

__all__ = [
    "TERMINAL_PRIMARY",
    "CacheLockedError",
    "DescribeCache",
    "dumps_record",
    "to_record",
]

TERMINAL_PRIMARY: frozenset[str] = frozenset({"Completed", "Failed", "Stopped"})
"""Primary statuses after which a job's history never changes: never described again."""


class CacheLockedError(SmStatusError, BlockingIOError):
    """Another run is writing the same cache file."""


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


def to_record(response: Mapping[str, Any]) -> dict[str, Any]:
    """A describe response as the cache stores it: JSON types, ISO UTC times, no metadata.

    Examples
    --------
    >>> import datetime as dt
    >>> to_record({"TrainingJobName": "j", "ResponseMetadata": {"RequestId": "r"},
    ...            "CreationTime": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)})
    {'TrainingJobName': 'j', 'CreationTime': '2024-01-01T00:00:00Z'}
    """
    return {k: _jsonable(v) for k, v in response.items() if k != "ResponseMetadata"}


def dumps_record(record: Mapping[str, Any]) -> str:
    """One cache line (without its newline): compact JSON, UTF-8 kept as is."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False, default=str)


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}.{suffix}")


class DescribeCache:
    """A JSON Lines file of describe responses, one line per job; see the module notes.

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
        self.path = Path(path)
        self.journal_path = _sidecar(self.path, "refresh")
        self.lock_path = _sidecar(self.path, "lock")
        self.fsync_interval = fsync_interval
        self._clock = clock
        self._lines: dict[str, str] = {}
        self._status: dict[str, str | None] = {}
        self._new: list[str] = []
        self._refreshed: set[str] = set()
        self._main: IO[str] | None = None
        self._journal: IO[str] | None = None
        self._lock_fd: int | None = None
        self._mutex = threading.Lock()
        self._last_sync = 0.0
        self._dirty = False
        self.notes: list[str] = []
        self.dropped_lines = 0

    # -- reading ------------------------------------------------------------------------------

    def __contains__(self, name: object) -> bool:
        return name in self._lines

    def __len__(self) -> int:
        return len(self._lines)

    @property
    def names(self) -> list[str]:
        """Names of the jobs the cache holds, in file order."""
        return list(self._lines)

    def status(self, name: str) -> str | None:
        """The cached primary status of a job (``None`` when the job is not cached)."""
        return self._status.get(name)

    def is_terminal(self, name: str) -> bool:
        """Whether the cache holds the job in a terminal primary status."""
        return self._status.get(name) in TERMINAL_PRIMARY

    def get(self, name: str) -> dict[str, Any]:
        """The cached describe record of a job."""
        return json.loads(self._lines[name])

    def running(self) -> list[str]:
        """Names of the cached jobs not in a terminal primary status."""
        return [n for n, s in self._status.items() if s not in TERMINAL_PRIMARY]

    # -- opening ------------------------------------------------------------------------------

    def __enter__(self) -> DescribeCache:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> DescribeCache:
        """Lock the file, read it (and a journal left by a crash), repair it, open to append."""
        self._acquire_lock()
        try:
            needs_rewrite = False
            if self.path.exists():
                needs_rewrite |= self._read(self.path, journal=False)
            if self.journal_path.exists():
                self._read(self.journal_path, journal=True)
                needs_rewrite = True
            if needs_rewrite:
                self._rewrite(self.names)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._main = self.path.open("a", encoding="utf-8", newline="\n")
        except BaseException:
            self._release_lock()
            raise
        return self

    def _read(self, path: Path, *, journal: bool) -> bool:
        """Read one file into the index; return whether the main file needs a rewrite."""
        with path.open("rb") as fh:
            data = fh.read()
        repair = bool(data) and not data.endswith(b"\n")
        bad: list[tuple[int, str]] = []
        lines = data.split(b"\n")
        for lineno, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            reason = None
            try:
                record = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                reason = f"not complete JSON ({exc})"
                record = None
            if reason is None and not (
                isinstance(record, dict) and isinstance(record.get("TrainingJobName"), str)
            ):  # complete JSON of another kind: not crash damage, not our file
                raise ParseError(
                    "not a DescribeTrainingJob response (no TrainingJobName)",
                    file=str(path),
                    line=lineno,
                    field="TrainingJobName",
                    hint="Point -o / cache= at a file written by smstatus fetch (or a new one)",
                )
            if reason is not None:
                bad.append((lineno, reason))
                continue
            if bad:  # a good line after a bad one: not the damage a crash leaves
                lineno_bad, why = bad[0]
                raise ParseError(
                    f"line {lineno_bad} is {why}, and good lines follow it",
                    file=str(path),
                    line=lineno_bad,
                    hint="This is not the trace of an interrupted fetch; fix or delete the "
                    "line (or the file) and fetch again",
                )
            assert isinstance(record, dict)
            name = record["TrainingJobName"]
            if name in self._lines and not journal:
                repair = True
            text = raw.decode("utf-8").strip()
            self._lines[name] = text
            status = record.get("TrainingJobStatus")
            self._status[name] = status if isinstance(status, str) else None
        if bad:
            self.dropped_lines += len(bad)
            first = bad[0][0]
            where = f"line {first}" if len(bad) == 1 else f"lines {first}-{bad[-1][0]}"
            self.notes.append(
                f"{path}: {where} cut short by an interrupted run ({bad[0][1]}); dropped, "
                "the job is fetched again"
            )
            repair = True
        return repair and not journal

    # -- writing ------------------------------------------------------------------------------

    def add(self, response: Mapping[str, Any]) -> bool:
        """Store a describe response (thread-safe); return ``False`` once the cache is closed.

        A job new to the cache is appended to the file; a job it already holds goes to the
        journal and replaces the file's line when the cache is closed.
        """
        record = to_record(response)
        name = record["TrainingJobName"]
        line = dumps_record(record)
        with self._mutex:
            if self._main is None:
                return False
            if name in self._lines:
                if self._journal is None:
                    self._journal = self.journal_path.open("a", encoding="utf-8", newline="\n")
                stream = self._journal
                self._refreshed.add(name)
            else:
                stream = self._main
                self._new.append(name)
            stream.write(line + "\n")
            stream.flush()
            self._lines[name] = line
            status = record.get("TrainingJobStatus")
            self._status[name] = status if isinstance(status, str) else None
            self._dirty = True
            now = self._clock()
            if now - self._last_sync >= self.fsync_interval:
                self._sync()
                self._last_sync = now
        return True

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
                    self._rewrite([n for n in self._lines if n not in fresh] + new)
                elif self.journal_path.exists():
                    self.journal_path.unlink()
            finally:
                self._release_lock()

    def _rewrite(self, names: list[str]) -> None:
        """Atomically replace the file with one line per job, in the order given."""
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8", newline="\n") as out:
            for name in names:
                out.write(self._lines[name] + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        if self.journal_path.exists():
            self.journal_path.unlink()

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


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
