"""Where the time goes, per group of jobs: stacked bars of the share of each phase."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from smstatus.history import as_history
from smstatus.plotting.axes import (
    get_ax,
    group_labels,
    measured_until,
    note_title,
    open_ends,
)
from smstatus.plotting.palette import status_colors, text_color
from smstatus.plotting.units import format_duration, plural

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from smstatus.analysis.groups import By
    from smstatus.history import HistoryLike
    from smstatus.machine import StatusMachine
    from smstatus.typing import TimeLike

__all__ = ["plot_bottlenecks"]

LABEL_MIN_SHARE = 0.06
"""Segments narrower than this share carry no percentage label (it would not fit)."""


def plot_bottlenecks(
    history: HistoryLike,
    *,
    ax: Axes | None = None,
    by: By = None,
    exclude: Sequence[str] = ("Training",),
    as_of: TimeLike | None = None,
    machine: StatusMachine | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw the share of time each phase takes, one stacked bar per group of jobs.

    Parameters
    ----------
    history
        A :class:`~smstatus.history.JobHistory` (or its ``transitions`` frame).
    ax
        The Axes to draw on; defaults to the current Axes.
    by
        Groups of jobs, as :func:`smstatus.analysis.hotspots.bottlenecks` takes them: a job column
        (``"instance_type"``, ``"spot"``), a time bucket (``"creation_month"``), or a list;
        ``None``: one bar for all jobs.
    exclude
        Statuses left out (``Training`` by default: the time users pay for); ``()`` keeps all.
    as_of
        Time open entries are measured up to; default each up to when its job was observed.
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end a job; the
        default machine when ``None``.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.barh` (one call per status).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Each bar is labelled with its group, its number of jobs and the time it sums up; each
    segment wide enough carries its percentage.
    """
    from smstatus.analysis.hotspots import bottlenecks

    history = as_history(history)
    ax = get_ax(ax)
    result = bottlenecks(history, by=by, exclude=exclude, as_of=as_of, machine=machine)
    keys = list(result.by)
    groups, statuses, share, totals = _shares_of_groups(result.shares, keys)
    colors = status_colors(result.shares["status"].cat.categories.astype(str))
    sizes = _text_sizes(ax, len(groups))
    _draw_bars(ax, share, statuses, colors, sizes["share"], kwargs)
    n_jobs = _jobs_per_group(result.per_job, keys, groups)
    _label_axes(ax, groups, n_jobs, totals, sizes, list(result.exclude))
    if statuses:
        _legend(ax, statuses, colors)
    parts = ["where the time goes" + (f", by {' / '.join(keys)}" if keys else "")]
    ends = _open_ends(history, as_of, machine) if len(result.per_job) else []
    if len(ends):
        parts.append(f"open entries measured up to {measured_until(result.as_of, ends)}")
    if not statuses:
        parts.append("no time in the statuses considered")
    if statuses and not sizes["share"]:
        parts.append("bars too thin for their percentages: give the figure more height")
    note_title(ax, parts)
    return ax


def _shares_of_groups(
    shares: pd.DataFrame, keys: list[str]
) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """The groups (bars, in order), the statuses with time (segments), each status's share of
    each group's time (groups x statuses) and each group's total seconds."""
    group = group_labels(shares, keys)
    tidy = shares.assign(_group=group.to_numpy(), status=shares["status"].astype(str))
    groups = list(pd.unique(tidy["_group"]))
    secs = tidy.pivot_table(
        index="_group", columns="status", values="seconds", aggfunc="sum", sort=False
    ).reindex(index=groups)
    statuses = [
        str(s)
        for s in shares["status"].cat.categories
        if s in secs.columns and secs[s].fillna(0).sum() > 0
    ]
    secs = secs.reindex(columns=statuses).fillna(0.0)
    totals = secs.sum(axis=1).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(totals[:, None] > 0, secs.to_numpy() / totals[:, None], 0.0)
    return groups, statuses, share, totals


def _draw_bars(
    ax: Axes,
    share: np.ndarray,
    statuses: list[str],
    colors: dict[str, Any],
    label_size: float,
    kwargs: dict[str, Any],
) -> None:
    """One stacked segment per status and group; its percentage inside when it is wide enough
    and ``label_size`` is not 0."""
    y = np.arange(len(share))
    left = np.zeros(len(share))
    style: dict[str, Any] = {"height": 0.7, "edgecolor": "white", "linewidth": 0.6}
    style.update(kwargs)
    for k, status in enumerate(statuses):
        width = share[:, k]
        bars = ax.barh(y, width, left=left, color=colors[status], label=status, **style)
        wide = width >= LABEL_MIN_SHARE
        if label_size:
            ax.bar_label(
                bars,
                labels=[f"{w:.0%}" if ok else "" for w, ok in zip(width, wide, strict=True)],
                label_type="center",
                fontsize=label_size,
                color=text_color(colors[status]),
            )
        left += width


def _label_axes(
    ax: Axes,
    groups: list[str],
    n_jobs: np.ndarray,
    totals: np.ndarray,
    sizes: dict[str, float],
    excluded: list[str],
) -> None:
    """Each bar labelled with its group, jobs and total time; the share axis in percent."""
    from matplotlib.ticker import PercentFormatter

    sep = "\n" if sizes["lines"] == 2 else " · "
    tick_labels = [
        f"{g}{sep}{plural(int(n), 'job')}, {format_duration(t)}" if t > 0 else f"{g}{sep}(no time)"
        for g, n, t in zip(groups, n_jobs, totals, strict=True)
    ]
    ax.set_yticks(np.arange(len(groups)), tick_labels)
    ax.tick_params(axis="y", length=0, labelsize=sizes["tick"])
    ax.set_ylim(max(len(groups), 1) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of time" + (f" (excluding {', '.join(excluded)})" if excluded else ""))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _legend(ax: Axes, statuses: list[str], colors: dict[str, Any]) -> None:
    from matplotlib.patches import Patch

    ax.legend(
        handles=[Patch(facecolor=colors[s], label=s) for s in statuses],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize="small",
        borderaxespad=0.0,
        title="status",
        title_fontsize="small",
    )


def _text_sizes(ax: Axes, n_groups: int) -> dict[str, float]:
    """Font sizes that fit the height of a bar: the group labels on two lines while they fit
    (else on one), the percentages inside the bars only when the bar is tall enough."""
    lane_pt = ax.get_window_extent().height * 72.0 / ax.figure.dpi / max(n_groups, 1)
    two_lines = lane_pt * 0.42
    if two_lines >= 6.0:
        tick, lines = min(two_lines, 9.0), 2
    else:
        tick, lines = float(np.clip(lane_pt * 0.75, 4.0, 9.0)), 1
    share = min(lane_pt * 0.55, 8.5) if lane_pt * 0.55 >= 5.5 else 0.0
    return {"tick": tick, "lines": lines, "share": share}


def _jobs_per_group(per_job: pd.DataFrame, keys: list[str], groups: list[str]) -> np.ndarray:
    if not keys:
        return np.full(len(groups), len(per_job))
    counts = group_labels(per_job, keys).value_counts()
    return np.array([int(counts.get(g, 0)) for g in groups])


def _open_ends(history: Any, as_of: Any, machine: Any) -> Any:
    """Up to when the open entries (a running job's last status) were measured."""
    from smstatus.analysis.phases import durations

    return open_ends(durations(history, as_of=as_of, machine=machine))
