"""Standard output and error that a closed pipe cannot break.

``smstatus validate bad.jsonl | head -1`` closes the pipe after one line; the command must
still run to its end and exit with its verdict, without a traceback or Python's "Exception
ignored" note. :func:`guarded_streams` puts :class:`PipeGuard` wrappers in ``sys.stdout`` and
``sys.stderr`` for the duration of one command: once the reader has gone, the rest of the
output is dropped.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["PipeGuard", "guarded_streams"]


class PipeGuard:
    """A stream (text, or its binary ``buffer``) that drops its output once the pipe closed."""

    def __init__(self, stream: IO[str] | IO[bytes] | Any) -> None:
        self._stream: Any = stream
        self.broken = False

    def write(self, data: Any) -> int:
        """Write ``data``, or drop it when the reader has gone; returns its length."""
        if not self.broken:
            try:
                return int(self._stream.write(data) or 0)
            except BrokenPipeError:
                self._close()
        return len(data)

    def writelines(self, lines: Any) -> None:
        """Write each of ``lines``."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush, unless the reader has gone."""
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._close()

    @property
    def buffer(self) -> PipeGuard:
        """The binary stream under a text stream, guarded the same way."""
        guard = PipeGuard(self._stream.buffer)
        guard.broken = self.broken
        return guard

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _close(self) -> None:
        """Point the file descriptor at the null device, so that the interpreter's last flush
        of what is still buffered succeeds silently (the recipe of Python's ``signal`` docs)."""
        self.broken = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, self._stream.fileno())
            finally:
                os.close(null)


@contextlib.contextmanager
def guarded_streams() -> Iterator[PipeGuard]:
    """Guard ``sys.stdout`` and ``sys.stderr`` for one command; yields the stdout guard."""
    out, err = PipeGuard(sys.stdout), PipeGuard(sys.stderr)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            yield out
        finally:
            out.flush()
            err.flush()
