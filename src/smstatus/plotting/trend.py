"""Phase waits over calendar time: one line per group of jobs, one point per period."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from smstatus.history import as_history, is_transitions_frame
from smstatus.plotting.axes import get_ax, group_labels, measured_until, note_title
from smstatus.plotting.palette import group_colors
from smstatus.plotting.units import duration_axis, format_duration, plural

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from smstatus.analysis.groups import By
    from smstatus.history import HistoryLike
    from smstatus.machine import StatusMachine
    from smstatus.typing import TimeLike

__all__ = ["TREND_STATS", "plot_trend"]

TREND_STATS: dict[str, str] = {
    "median": "median_s",
    "p90": "p90_s",
    "total": "total_s",
    "entries": "entries",
}
"""What ``stat=`` can draw, and the :func:`smstatus.phase_trend` column it reads."""

_STAT_TEXT = {
    "median": "median of the ended entries",
    "p90": "90th percentile of the ended entries",
    "total": "total time of the entries",
    "entries": "entries",
}
_FREQ_TEXT = {"h": "hour", "D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def _trend_frame(
    data: Any, status: str, by: Any, freq: str, as_of: Any, top: int | None, machine: Any
) -> pd.DataFrame:
    """A :func:`smstatus.phase_trend` frame of one status, from a history or such a frame."""
    from smstatus.analysis.trend import phase_trend

    if isinstance(data, pd.DataFrame) and not is_transitions_frame(data):
        missing = {"status", "period", "entries", "censored"} - set(data.columns)
        if missing:
            raise ValueError(
                f"plot_trend takes a history, its transitions or a frame from phase_trend; "
                f"this frame lacks {sorted(missing)}"
            )
        frame = data[data["status"].astype(str) == status]
        frame.attrs = dict(data.attrs)
        return frame
    return phase_trend(
        as_history(data, "data"), status, by=by, freq=freq, as_of=as_of, top=top, machine=machine
    )


def _group_keys(frame: pd.DataFrame) -> list[str]:
    return list(frame.columns[: list(frame.columns).index("status")])


def _lines(frame: pd.DataFrame, keys: list[str], freq: str) -> list[tuple[str, pd.DataFrame]]:
    """Each group's rows over every period from the first to the last (gaps as NaN rows),
    the groups with the most entries first and "other" last."""
    from smstatus.analysis.trend import OTHER_GROUP

    if keys:
        label = group_labels(frame, keys)
        is_other = (frame[keys].astype(object) == OTHER_GROUP).all(axis=1)
        label = label.where(~is_other, OTHER_GROUP)
    else:
        label = pd.Series("all jobs", index=frame.index)
    frame = frame.assign(_group=label.to_numpy())
    naive = frame["period"].dt.tz_convert("UTC").dt.tz_localize(None)
    every = pd.period_range(naive.min(), naive.max(), freq=freq).start_time.tz_localize("UTC")
    volume = frame.groupby("_group", sort=False)["entries"].sum()
    order = sorted(volume.index, key=lambda g: (g == OTHER_GROUP, -volume[g], str(g)))
    out = []
    for group in order:
        rows = frame[frame["_group"] == group].set_index("period").sort_index()
        out.append((str(group), rows.reindex(every)))
    return out


def plot_trend(
    data: HistoryLike,
    status: str = "Pending",
    *,
    by: By = None,
    freq: str = "D",
    as_of: TimeLike | None = None,
    top: int | None = 6,
    stat: str = "p90",
    ax: Axes | None = None,
    machine: StatusMachine | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw how long a status takes over calendar time, one line per group of jobs.

    Parameters
    ----------
    data
        A :class:`~smstatus.history.JobHistory`, or a frame from :func:`smstatus.phase_trend`
        (then ``by``, ``freq``, ``as_of``, ``top`` and ``machine`` are those it was made
        with).
    status
        The status drawn (``"Pending"``: capacity waits; ``"Starting"``...).
    by
        Groups of jobs (``"instance_type"``...), one line each; ``None``: one line.
    freq
        The period of each point: ``"h"``, ``"D"``, ``"W"``, ``"M"``...
    as_of
        Time open entries are measured up to; default each up to when its job was observed.
    top
        Lines for the ``top`` groups with the most entries; the others are merged into one
        grey dashed line, "other".
    stat
        What each point shows: ``"p90"`` (default: the long waits), ``"median"``, ``"total"``
        (time spent, a log axis of durations) or ``"entries"`` (how many started).
    ax
        The Axes to draw on; defaults to the current Axes.
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end a job; the
        default machine when ``None``.
    **kwargs
        Passed to each group's :meth:`~matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    A hollow marker is a period in which some entries are still open: they are left out of
    the percentiles (their duration is not known yet). Periods without entries break the line.
    The highest point is labelled with its value, group and period.
    """
    if stat not in TREND_STATS:
        raise ValueError(f"stat must be one of {list(TREND_STATS)}, got {stat!r}")
    ax = get_ax(ax)
    frame = _trend_frame(data, status, by, freq, as_of, top, machine)
    freq = frame.attrs.get("freq", freq)
    keys = _group_keys(frame)
    column = TREND_STATS[stat]
    lines = _lines(frame, keys, freq) if len(frame) else []
    colors = group_colors([g for g, _ in lines])
    peak: tuple[float, Any, str] | None = None
    for group, rows in lines:
        peak = _draw_line(ax, group, rows, column, colors[group], kwargs, peak)
    _format(ax, frame, keys, status, stat, freq, lines, peak)
    return ax


def _draw_line(
    ax: Axes,
    group: str,
    rows: pd.DataFrame,
    column: str,
    color: str,
    kwargs: dict[str, Any],
    peak: tuple[float, Any, str] | None,
) -> tuple[float, Any, str] | None:
    """One group's line, hollow markers where entries are open; the highest point so far."""
    from smstatus.analysis.trend import OTHER_GROUP

    x = rows.index.tz_convert("UTC").tz_localize(None).to_numpy()  # type: ignore[attr-defined]
    y = rows[column].to_numpy(dtype=float)
    open_ = rows["censored"].fillna(0).to_numpy() > 0
    entries = int(rows["entries"].fillna(0).sum())
    style: dict[str, Any] = {
        "color": color,
        "linewidth": 1.6,
        "linestyle": "--" if group == OTHER_GROUP else "-",
        "marker": "o",
        "markersize": 4,
        "label": f"{group} ({plural(entries, 'entry', 'entries')})",
        "zorder": 3,
    }
    style.update(kwargs)
    (line,) = ax.plot(x, y, **style)
    line.set_gid(f"trend-line:{group}")
    if open_.any():
        hollow = ax.plot(
            x[open_],
            y[open_],
            linestyle="none",
            marker="o",
            markersize=6,
            markerfacecolor="white",
            markeredgecolor=color,
            zorder=4,
        )[0]
        hollow.set_gid(f"trend-open:{group}")
    finite = np.isfinite(y)
    if finite.any():
        k = int(np.nanargmax(np.where(finite, y, -np.inf)))
        if peak is None or y[k] > peak[0]:
            return (float(y[k]), x[k], group)
    return peak


def _format(
    ax: Axes,
    frame: pd.DataFrame,
    keys: list[str],
    status: str,
    stat: str,
    freq: str,
    lines: list[tuple[str, pd.DataFrame]],
    peak: tuple[float, Any, str] | None,
) -> None:
    import matplotlib.dates as mdates

    is_duration = stat != "entries"
    if is_duration and peak is not None and peak[0] > 0:
        ax.set_yscale("log")
        duration_axis(ax.yaxis)
    ax.set_ylabel(f"{status}: {stat}" + ("" if is_duration else " started"))
    locator = mdates.AutoDateLocator(minticks=3, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel(f"start of the entry ({_FREQ_TEXT.get(freq.upper()[:1], freq)}, UTC)")
    ax.grid(axis="both", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if peak is not None:
        _label_peak(ax, peak, stat, freq, len(lines) > 1)
    if lines:
        ax.legend(
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            borderaxespad=0.0,
            frameon=False,
            fontsize="small",
            title=" / ".join(keys) if keys else None,
            title_fontsize="small",
        )
    parts = [
        f"{status}: {_STAT_TEXT[stat]} per {_FREQ_TEXT.get(freq.upper()[:1], freq)} of their start"
        + (f", by {' / '.join(keys)}" if keys else "")
    ]
    n_open = int(frame["censored"].sum()) if len(frame) else 0
    if n_open:
        parts.append(
            f"hollow markers: periods with entries still open "
            f"({plural(n_open, 'entry', 'entries')}, left out of the percentiles)"
        )
    if n_open:
        until = measured_until(frame.attrs.get("as_of"), n_open=n_open)
        parts.append(f"open entries measured up to {until}")
    if not len(frame):
        parts.append(f"no {status} entry")
    note_title(ax, parts)


def _label_peak(
    ax: Axes, peak: tuple[float, Any, str], stat: str, freq: str, name_group: bool
) -> None:
    """Write the highest point's value (and group, and period) beside it."""
    value, x, group = peak
    text = format_duration(value) if stat != "entries" else f"{int(value):,}"
    fmt = "%Y-%m-%d %H:%M" if freq.lower().startswith("h") else "%Y-%m-%d"
    when = pd.Timestamp(x).strftime(fmt)
    label = f"highest: {stat} {text}" + (f", {group}" if name_group else "") + f", {when}"
    xs = [np.asarray(line.get_xdata()) for line in ax.get_lines()]
    xs = [v for v in xs if v.size]
    lo, hi = min(np.min(v) for v in xs), max(np.max(v) for v in xs)
    share = (np.datetime64(x) - lo) / (hi - lo) if hi > lo else 0.5
    ha = "left" if share < 0.3 else "right" if share > 0.7 else "center"
    # room above the highest point for its label: a fifth more of the axis
    bottom, top = ax.get_ylim()
    if ax.get_yscale() == "log":
        ax.set_ylim(bottom, top * (top / bottom) ** 0.2)
    else:
        ax.set_ylim(bottom, top + 0.2 * (top - bottom))
    ann = ax.annotate(
        label,
        (x, value),
        xytext=(0, 7),
        textcoords="offset points",
        ha=ha,
        va="bottom",
        fontsize="small",
        zorder=5,
        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#cccccc", "alpha": 0.9},
    )
    ann.set_gid("trend-peak")
