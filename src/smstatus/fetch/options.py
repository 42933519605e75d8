"""The options of a fetch, in three groups: which jobs, how fast, and how to reach SageMaker.

:func:`~smstatus.collect` and :class:`~smstatus.fetch.collector.Collector` take each group as
one object (``jobs=JobFilter(...)``, ``pacing=Pacing(...)``, ``client_options=ClientOptions(...)``),
or its fields as plain keywords for the common case (``collect(name_contains="llm")``); a
group and its own keywords in one call are refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict, TypeVar

import pandas as pd

from smstatus.status import PrimaryStatus
from smstatus.typing import TimeLike

__all__ = ["ClientOptions", "FetchKeywords", "JobFilter", "Pacing", "RetryMode", "group_options"]

RetryMode = Literal["adaptive", "standard", "legacy"]
"""botocore's retry modes."""

_RETRY_MODES: tuple[RetryMode, ...] = ("adaptive", "standard", "legacy")


def _as_utc(value: TimeLike | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a datetime or an ISO-8601 string, got {value!r}") from exc
    if pd.isna(ts):
        raise ValueError(f"{name} must be a datetime or an ISO-8601 string, got {value!r}")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


@dataclass(frozen=True)
class JobFilter:
    """Which jobs ``ListTrainingJobs`` lists; every field left ``None`` lists them all.

    Parameters
    ----------
    created_after, created_before
        ``CreationTimeAfter`` / ``CreationTimeBefore`` (datetimes or ISO strings; naive values
        are UTC). Kept as aware UTC ``datetime`` objects.
    name_contains
        ``NameContains``.
    status
        ``StatusEquals``: a primary status (``InProgress``, ``Completed``, ``Failed``,
        ``Stopping``, ``Stopped``).

    Examples
    --------
    >>> JobFilter(created_after="2024-06-01", status="Failed").list_params()["StatusEquals"]
    'Failed'
    """

    created_after: TimeLike | None = None
    created_before: TimeLike | None = None
    name_contains: str | None = None
    status: str | None = None

    def __post_init__(self) -> None:
        statuses = [s.value for s in PrimaryStatus]
        if self.status is not None and self.status not in statuses:
            raise ValueError(f"status must be one of {statuses}, got {self.status!r}")
        for name in ("created_after", "created_before"):
            object.__setattr__(self, name, _as_utc(getattr(self, name), name))

    def list_params(self) -> dict[str, Any]:
        """The ``ListTrainingJobs`` parameters of this filter (oldest jobs first)."""
        params: dict[str, Any] = {"SortBy": "CreationTime", "SortOrder": "Ascending"}
        if self.created_after is not None:
            params["CreationTimeAfter"] = self.created_after
        if self.created_before is not None:
            params["CreationTimeBefore"] = self.created_before
        if self.name_contains:
            params["NameContains"] = self.name_contains
        if self.status is not None:
            params["StatusEquals"] = self.status
        return params


@dataclass(frozen=True)
class Pacing:
    """How fast a fetch goes and how it retries.

    Parameters
    ----------
    max_workers
        Describe threads.
    list_rate, describe_rate
        Client-side limits in requests per second (``None``: none). ``ListTrainingJobs``'s
        account quota is 2 per second and cannot be raised.
    retry_mode, max_attempts
        botocore's retry mode and attempts per call, for throttling and 5xx errors, applied to
        the client a fetch builds (a client passed in keeps its own).
    """

    max_workers: int = 8
    list_rate: float | None = 2.0
    describe_rate: float | None = 10.0
    retry_mode: RetryMode = "adaptive"
    max_attempts: int = 10

    def __post_init__(self) -> None:
        if self.max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {self.max_workers}")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.retry_mode not in _RETRY_MODES:
            raise ValueError(
                f"retry_mode must be 'adaptive', 'standard' or 'legacy', got {self.retry_mode!r}"
            )


@dataclass(frozen=True)
class ClientOptions:
    """How to build the SageMaker client when none is given (the usual boto3 credential chain).

    Parameters
    ----------
    session
        A ``boto3.Session`` (else one is made from ``profile``).
    region, profile
        The AWS region and named profile.
    endpoint_url
        Another endpoint (a VPC endpoint, or moto in tests).
    """

    session: Any = None
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None


class FetchKeywords(TypedDict, total=False):
    """The fields of :class:`JobFilter`, :class:`Pacing` and :class:`ClientOptions` as keywords."""

    created_after: TimeLike | None
    created_before: TimeLike | None
    name_contains: str | None
    status: str | None
    max_workers: int
    list_rate: float | None
    describe_rate: float | None
    retry_mode: RetryMode
    max_attempts: int
    session: Any
    region: str | None
    profile: str | None
    endpoint_url: str | None


_Group = TypeVar("_Group", JobFilter, Pacing, ClientOptions)


def _one_group(
    kind: type[_Group], given: _Group | None, keywords: Mapping[str, Any], name: str
) -> _Group:
    fields = {f.name for f in dataclasses.fields(kind)}
    mine = {k: v for k, v in keywords.items() if k in fields}
    if given is None:
        return kind(**mine)
    if not isinstance(given, kind):
        raise TypeError(f"{name}= must be a {kind.__name__}, got {type(given).__name__}")
    if mine:
        raise ValueError(
            f"give {', '.join(f'{k}=' for k in sorted(mine))} inside {name}={kind.__name__}(...) "
            f"or as keywords, not both"
        )
    return given


def group_options(
    jobs: JobFilter | None,
    pacing: Pacing | None,
    client_options: ClientOptions | None,
    keywords: Mapping[str, Any],
) -> tuple[JobFilter, Pacing, ClientOptions]:
    """The three groups from the groups given and the plain keywords (see the module).

    Raises
    ------
    TypeError
        For a keyword that belongs to no group, or a group of the wrong type.
    ValueError
        For a group given with its own keywords too, or a field's bad value.
    """
    known = set(FetchKeywords.__annotations__)
    unknown = sorted(set(keywords) - known)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(unknown)}")
    return (
        _one_group(JobFilter, jobs, keywords, "jobs"),
        _one_group(Pacing, pacing, keywords, "pacing"),
        _one_group(ClientOptions, client_options, keywords, "client_options"),
    )
