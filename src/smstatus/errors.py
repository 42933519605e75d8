"""The exception tree of smstatus.

Every error the library raises derives from :class:`SmStatusError`; each subclass also derives
from the matching builtin, so callers can catch either.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CacheLockedError",
    "ClusterConnectionError",
    "FetchError",
    "InputNotFoundError",
    "MachineDefinitionError",
    "MissingDependencyError",
    "ParseError",
    "SmStatusError",
    "ValidationError",
]


class SmStatusError(Exception):
    """Root of every error raised by smstatus."""


class ParseError(SmStatusError, ValueError):
    """An input record could not be read.

    Parameters
    ----------
    reason
        What was wrong, in a sentence.
    file
        The file (or ``"<stdin>"``, ``"<records>"``) the record came from.
    line
        The 1-based line of the record in the file, when known.
    field
        The field that was wrong, when one was.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint
        where = file or "<input>"
        if line is not None:
            where = f"{where}:{line}"
        text = f"{where}: {reason}"
        if field is not None and field not in reason:
            text += f" (field {field!r})"
        text += ". " + (
            hint or "Fix or remove the record, or pass errors='collect' to load the rest."
        )
        super().__init__(text)


class InputNotFoundError(SmStatusError, FileNotFoundError):
    """An input path, directory or glob matched no file."""


class MachineDefinitionError(SmStatusError, ValueError):
    """A machine definition (edge table or JSON file) is inconsistent."""


class MissingDependencyError(SmStatusError, ImportError):
    """An optional dependency is not installed; the message says which extra to install."""

    def __init__(self, package: str, extra: str, feature: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{feature} needs the optional package {package!r}. "
            f"Install it with: pip install 'smstatus[{extra}]'"
        )


class ValidationError(SmStatusError, ValueError):
    """A history breaks the machine; ``violations`` holds the frame of every violation."""

    def __init__(self, message: str, violations: Any = None) -> None:
        self.violations = violations
        super().__init__(message)


class FetchError(SmStatusError, RuntimeError):
    """A fetch from SageMaker could not go on (credentials, permissions, network).

    ``summary`` says how far it got. Everything written to the cache before is kept: run again
    to resume.
    """

    def __init__(self, message: str, summary: Any = None) -> None:
        self.summary = summary
        super().__init__(message)


class CacheLockedError(SmStatusError, BlockingIOError):
    """Another run is writing the same cache file."""


class ClusterConnectionError(SmStatusError, ConnectionError):
    """A Dask scheduler could not be reached (or a local cluster could not be started)."""
