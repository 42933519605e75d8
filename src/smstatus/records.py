"""``SecondaryStatusTransition``: the SageMaker API's own record of one status entry.

For single jobs and tests; the many-job paths work on frames, never on these objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from smstatus.errors import ParseError

__all__ = ["SecondaryStatusTransition"]


def _as_utc(value: Any, field: str) -> pd.Timestamp | None:
    from smstatus.timestamps import parse_timestamp

    if value is None:
        return None
    return parse_timestamp(value, field=field)


@dataclass(frozen=True, slots=True)
class SecondaryStatusTransition:
    """One entry of ``SecondaryStatusTransitions``.

    Times are UTC :class:`pandas.Timestamp` objects; any form the loaders accept (datetime,
    ISO-8601 string, epoch seconds or milliseconds) is converted on construction.

    Examples
    --------
    >>> t = SecondaryStatusTransition("Starting", "2025-05-16T11:10:50-07:00")
    >>> t.start_time
    Timestamp('2025-05-16 18:10:50+0000', tz='UTC')
    >>> t.to_api()["StartTime"]
    '2025-05-16T18:10:50+00:00'
    """

    status: str
    start_time: pd.Timestamp
    end_time: pd.Timestamp | None = None
    status_message: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.status, str) or not self.status:
            raise ParseError(
                f"Status must be a non-empty string, got {self.status!r}", field="Status"
            )
        start = _as_utc(self.start_time, "StartTime")
        if start is None:
            raise ParseError("StartTime is required", field="StartTime")
        object.__setattr__(self, "start_time", start)
        object.__setattr__(self, "end_time", _as_utc(self.end_time, "EndTime"))
        if self.status_message is not None and not isinstance(self.status_message, str):
            object.__setattr__(self, "status_message", str(self.status_message))

    def __repr__(self) -> str:
        end = "open" if self.end_time is None else self.end_time.isoformat()
        msg = f", {self.status_message!r}" if self.status_message else ""
        return f"<{self.status} {self.start_time.isoformat()} -> {end}{msg}>"

    @property
    def duration(self) -> pd.Timedelta | None:
        """``end_time - start_time``, or ``None`` while the entry is open."""
        return None if self.end_time is None else self.end_time - self.start_time

    def replace(self, **changes: Any) -> SecondaryStatusTransition:
        """Return a copy with the given fields changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_api(cls, record: Mapping[str, Any]) -> SecondaryStatusTransition:
        """Build from the API's dict (``Status``, ``StartTime``, ``EndTime``, ``StatusMessage``)."""
        if not isinstance(record, Mapping):
            raise ParseError(f"a status entry must be an object, got {type(record).__name__}")
        for key in ("Status", "StartTime"):
            if record.get(key) is None:
                raise ParseError(f"status entry has no {key}", field=key)
        return cls(
            status=record["Status"],
            start_time=record["StartTime"],
            end_time=record.get("EndTime"),
            status_message=record.get("StatusMessage"),
        )

    def to_api(self, *, as_datetime: bool = False) -> dict[str, Any]:
        """Return the API's dict; times as ISO strings, or ``datetime`` objects as boto3 gives
        (``datetime`` carries microseconds: nanoseconds are dropped)."""

        def fmt(ts: pd.Timestamp) -> str | datetime:
            return ts.to_pydatetime(warn=False) if as_datetime else ts.isoformat()

        out: dict[str, Any] = {"Status": self.status, "StartTime": fmt(self.start_time)}
        if self.end_time is not None:
            out["EndTime"] = fmt(self.end_time)
        if self.status_message is not None:
            out["StatusMessage"] = self.status_message
        return out
