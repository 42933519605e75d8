"""How long phases take over calendar time: waits per period of entry start, per group.

A capacity shortage shows as a spike: for a few days the Pending (or Starting) entries that
begin then wait far longer than usual. :func:`phase_trend` puts every entry of a status in the
period (day, week...) in which it starts and summarises each period, per group of jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smstatus.analysis.groups import By, group_frame
from smstatus.history import JobHistory, as_history
from smstatus.machine import StatusMachine
from smstatus.timestamps import NAT_NS
from smstatus.typing import TimeLike

__all__ = [
    "OTHER_GROUP",
    "TREND_COLUMNS",
    "TrendEntries",
    "phase_trend",
    "summarise_trend",
    "trend_entries",
]

OTHER_GROUP = "other"
"""The label of the groups beyond the ``top`` ones, merged into one."""

TREND_COLUMNS: tuple[str, ...] = (
    "status",
    "period",
    "entries",
    "closed",
    "censored",
    "median_s",
    "p90_s",
    "total_s",
)
"""The columns of :func:`phase_trend` after the group columns."""


def _statuses(status: str | Sequence[str]) -> list[str]:
    wanted = [status] if isinstance(status, str) else [str(s) for s in status]
    if not wanted:
        raise ValueError("status must name at least one status, got an empty list")
    return wanted


def _statuses_of(status: pd.Series) -> list[str]:
    """The statuses some row has."""
    if isinstance(status.dtype, pd.CategoricalDtype):  # the categories in use, no row as text
        codes = np.unique(status.cat.codes.to_numpy())
        return [str(c) for c in status.cat.categories.take(codes[codes >= 0])]
    return [str(s) for s in status.astype(str).unique()]


def _check_known(wanted: list[str], in_data: set[str], machine: Any) -> None:
    """Refuse a status neither of AWS's, of the machine (the default one when ``None``) nor
    of the data: a typo would otherwise give an empty table."""
    from smstatus.history import KNOWN_STATUSES
    from smstatus.machine import default_machine

    machine = machine if machine is not None else default_machine()
    known = set(KNOWN_STATUSES) | set(machine.statuses) | in_data
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a status of AWS, of the machine or of the data")


def _period_starts(times: pd.Series, freq: str) -> pd.Series:
    """The start (UTC) of the period of ``freq`` that holds each time."""
    naive = times.dt.tz_convert("UTC").dt.tz_localize(None)
    try:
        periods = naive.dt.to_period(freq)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"freq must be a pandas period frequency such as 'h', 'D', 'W' or 'M', got {freq!r}"
        ) from exc
    return periods.dt.start_time.dt.tz_localize("UTC")


def _merge_small_groups(frame: pd.DataFrame, keys: list[str], top: int | None) -> pd.DataFrame:
    """Keep the ``top`` groups with the most entries; the others become :data:`OTHER_GROUP`."""
    if top is None or not keys:
        return frame
    if top < 1:
        raise ValueError(f"top must be a positive number or None, got {top!r}")
    grouped = frame.groupby(keys, sort=False, dropna=False)
    group = grouped.ngroup().to_numpy()
    volume = np.bincount(group)
    if len(volume) <= top:
        return frame
    # the most entries first; ties broken by the order of first appearance
    kept = np.argsort(-volume, kind="stable")[:top]
    small = ~np.isin(group, kept)
    out = frame.copy()
    for k in keys:
        out[k] = out[k].astype(object).where(~small, OTHER_GROUP)
    return out


def phase_trend(
    history: JobHistory,
    status: str | Sequence[str] = "Pending",
    *,
    by: By = None,
    freq: str = "D",
    as_of: TimeLike | None = None,
    top: int | None = None,
    machine: StatusMachine | None = None,
) -> pd.DataFrame:
    """Per period of entry start (and group of jobs): how many entries and how long they took.

    Parameters
    ----------
    history
        The histories (:func:`smstatus.load`).
    status
        The status whose entries are summarised (``"Pending"``: capacity waits), or a list of
        statuses (one set of rows each).
    by
        Groups of jobs, as :func:`smstatus.duration_stats` takes them (``"instance_type"``,
        ``"spot"``, a list...); ``None``: all jobs together.
    freq
        The length of a period, a pandas period frequency: ``"h"``, ``"D"`` (days, UTC),
        ``"W"`` (weeks from Monday), ``"M"``...
    as_of
        Time open entries are measured up to; default each up to when its job was observed
        (see :func:`smstatus.durations`).
    top
        Keep the ``top`` groups with the most entries and merge the others into one group
        labelled ``"other"`` (its figures computed from its entries); ``None`` keeps every group.
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end a job; the
        default machine when ``None``.

    Returns
    -------
    DataFrame
        One row per group, status and period that has entries, in that order: the group
        columns, ``status``, ``period`` (the period's start, UTC), ``entries`` (entries that
        start in the period), ``closed`` and ``censored`` (of these, the ended ones and those
        still open when measured), ``median_s`` and ``p90_s`` (of the closed entries only: an
        open entry's duration is unknown, so it is left out and counted in ``censored``; NaN
        when every entry is open), ``total_s`` (time in the status of all the period's
        entries, open ones counted up to when they were measured: a lower bound when
        ``censored > 0``). ``frame.attrs`` holds ``freq`` and ``as_of`` (the ``as_of`` given,
        ``None`` when each job was measured up to its ``observed_at``).

    Notes
    -----
    Entries without a start time belong to no period and are left out; their number is in
    ``frame.attrs["untimed"]``.

    Examples
    --------
    >>> h = JobHistory.from_transitions("j", [
    ...     {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z",
    ...      "EndTime": "2024-01-01T00:01:00Z"},
    ...     {"Status": "Pending", "StartTime": "2024-01-01T00:01:00Z",
    ...      "EndTime": "2024-01-01T01:01:00Z"},
    ...     {"Status": "Training", "StartTime": "2024-01-01T01:01:00Z"}])
    >>> phase_trend(h, "Pending")[["period", "entries", "median_s", "total_s"]]
                         period  entries  median_s  total_s
    0 2024-01-01 00:00:00+00:00        1    3600.0   3600.0
    """
    wanted = _statuses(status)
    part = trend_entries(history, wanted, by=by, freq=freq, as_of=as_of, machine=machine)
    return summarise_trend([part], wanted, freq=freq, top=top, machine=machine)


@dataclass(frozen=True)
class TrendEntries:
    """The entries :func:`phase_trend` summarises, before it summarises them (so that parts of
    a history, computed apart, make one trend: :func:`summarise_trend`).

    Attributes
    ----------
    rows
        One row per timed entry of the statuses asked for: the group columns (as objects),
        ``status``, ``period``, ``duration_s``, ``censored``.
    keys
        The names of the group columns.
    statuses
        The statuses of the history's entries (for the check of the statuses asked for).
    untimed
        The entries of those statuses without a start or a duration.
    as_of
        The time open entries were measured up to (``None``: each job's ``observed_at``).
    """

    rows: pd.DataFrame
    keys: list[str]
    statuses: list[str]
    untimed: int
    as_of: Any


def trend_entries(
    history: JobHistory,
    status: str | Sequence[str] = "Pending",
    *,
    by: By = None,
    freq: str = "D",
    as_of: TimeLike | None = None,
    machine: StatusMachine | None = None,
) -> TrendEntries:
    """The entries of ``status`` that :func:`phase_trend` summarises, each in its period."""
    history = as_history(history)
    from smstatus.analysis.phases import durations, entries

    wanted = _statuses(status)
    measured = durations(history, as_of=as_of, machine=machine)
    e = entries(history, as_of, machine)  # rows in the order of ``measured``
    groups = group_frame(history, by, first_start=lambda: e.to_rows(e.first_start, NAT_NS))
    keys = list(groups.columns)

    rows = measured["status"].isin(wanted).to_numpy()
    part = measured.loc[rows, ["job_name", "status", "start_time", "duration_s", "censored"]]
    timed = part["start_time"].notna().to_numpy() & np.isfinite(part["duration_s"].to_numpy())
    untimed = int((~timed).sum())
    part = part[timed]
    data: dict[str, Any] = {}
    if keys:
        at = e.code_row[e.job[rows][timed]]  # each entry's job row (its first when repeated)
        for k in keys:
            values = groups[k].astype(object).to_numpy()
            data[k] = np.where(at >= 0, values[np.maximum(at, 0)], None)
    data["status"] = part["status"].astype(str).to_numpy()
    data["period"] = _period_starts(part["start_time"], freq).array  # not one object a row
    data["duration_s"] = part["duration_s"].to_numpy(dtype=float)
    data["censored"] = part["censored"].to_numpy(dtype=bool)
    return TrendEntries(
        rows=pd.DataFrame(data),
        keys=keys,
        statuses=_statuses_of(measured["status"]),
        untimed=untimed,
        as_of=measured.attrs.get("as_of"),
    )


def summarise_trend(
    parts: Sequence[TrendEntries],
    status: str | Sequence[str] = "Pending",
    *,
    freq: str = "D",
    top: int | None = None,
    machine: StatusMachine | None = None,
) -> pd.DataFrame:
    """:func:`phase_trend` of the entries of one or more parts of a history (in order)."""
    wanted = _statuses(status)
    _check_known(wanted, {s for part in parts for s in part.statuses}, machine)
    keys = parts[0].keys if parts else []
    frames = [part.rows for part in parts if len(part.rows)] or [p.rows for p in parts[:1]]
    if len(frames) > 1:
        frame = pd.concat(frames, ignore_index=True)
    else:
        frame = frames[0] if frames else pd.DataFrame()
    out = _summarise(_merge_small_groups(frame, keys, top), keys, wanted)
    out.attrs["as_of"] = parts[0].as_of if parts else None
    out.attrs["untimed"] = sum(part.untimed for part in parts)
    out.attrs["freq"] = freq
    return out


def _summarise(frame: pd.DataFrame, keys: list[str], wanted: list[str]) -> pd.DataFrame:
    """One row per group, status, period: counts and the closed entries' quantiles."""
    columns = [*keys, *TREND_COLUMNS]
    if not len(frame):
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        empty["period"] = pd.Series(dtype="datetime64[ns, UTC]")
        for c in ("entries", "closed", "censored"):
            empty[c] = pd.Series(dtype=np.int64)
        for c in ("median_s", "p90_s", "total_s"):
            empty[c] = pd.Series(dtype=float)
        return empty
    closed = frame["duration_s"].where(~frame["censored"])
    frame = frame.assign(_closed=closed)
    grouped = frame.groupby([*keys, "status", "period"], sort=False, dropna=False)
    out = grouped.agg(
        entries=("duration_s", "size"),
        censored=("censored", "sum"),
        median_s=("_closed", "median"),
        total_s=("duration_s", "sum"),
    )
    out.insert(3, "p90_s", grouped["_closed"].quantile(0.9))
    out = out.reset_index()
    out["entries"] = out["entries"].astype(np.int64)
    out["censored"] = out["censored"].astype(np.int64)
    out["closed"] = out["entries"] - out["censored"]
    order = {s: i for i, s in enumerate(wanted)}
    sort_by: dict[str, Any] = {
        f"_k{i}": out[k].astype(object).map(lambda v: (v == OTHER_GROUP, str(v)))
        for i, k in enumerate(keys)
    }
    sort_by["_s"] = out["status"].map(order)
    out = out.assign(**sort_by).sort_values([*sort_by, "period"], kind="stable")
    return out[columns].reset_index(drop=True)
