"""The distribution of each status's duration: box, violin or ECDF, optionally per group."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from smstatus.history import as_history
from smstatus.plotting.axes import (
    get_ax,
    group_labels,
    horizontal,
    measured_until,
    note_title,
    open_ends,
)
from smstatus.plotting.palette import luminance, status_colors, text_color
from smstatus.plotting.units import duration_axis, plural, time_unit
from smstatus.timestamps import utc_ns

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.typing import LineStyleType

    from smstatus.analysis.groups import By
    from smstatus.history import HistoryLike
    from smstatus.machine import StatusMachine
    from smstatus.typing import TimeLike

__all__ = ["plot_durations"]

KINDS = ("box", "ecdf", "violin")
MAX_GROUPS = 6
"""Groups drawn side by side; the least frequent beyond these are pooled as ``other``."""
GROUP_HATCHES = ("", "////", "....", "xxxx", "\\\\\\\\", "oo")
GROUP_LINESTYLES: tuple[LineStyleType, ...] = (
    "-",
    "--",
    ":",
    "-.",
    (0, (5, 1, 1, 1, 1, 1)),
    (0, (1, 3)),
)
OTHER = "other"
MISSING = "(missing)"


def _group_labels(history: Any, by: Any, job_names: pd.Series) -> tuple[pd.Series, str]:
    """The group label of each entry (by its job), and the name of the grouping."""
    from smstatus.analysis.groups import group_frame

    def first_start() -> np.ndarray:
        t = history.transitions
        first = t.groupby("job_name", observed=True, sort=False)["start_time"].min()
        times = pd.Series(history.jobs["job_name"].astype(object)).map(first)
        return utc_ns(times)

    groups = group_frame(history, by, first_start=first_start)
    names = list(groups.columns)
    label = group_labels(groups, names)
    per_job = (
        pd.Series(label.to_numpy(), index=history.jobs["job_name"].astype(object).to_numpy())
        .groupby(level=0, sort=False)
        .first()
    )
    if isinstance(job_names.dtype, pd.CategoricalDtype):  # each name looked up once
        per_code = pd.Series(job_names.cat.categories.astype(object)).map(per_job)
        labels = per_code.fillna(MISSING).to_numpy(dtype=object)
        codes = job_names.cat.codes.to_numpy()
        text = np.where(
            codes >= 0, labels[np.maximum(codes, 0)] if len(labels) else MISSING, MISSING
        )
        return pd.Series(text, index=job_names.index, dtype=object), " / ".join(names)
    return job_names.astype(object).map(per_job).fillna(MISSING), " / ".join(names)


def plot_durations(
    history: HistoryLike,
    *,
    ax: Axes | None = None,
    by: By = None,
    kind: str = "box",
    log: bool = True,
    statuses: Sequence[str] | None = None,
    as_of: TimeLike | None = None,
    machine: StatusMachine | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw the distribution of each status's duration (one row per status).

    Parameters
    ----------
    history
        A :class:`~smstatus.history.JobHistory` (or its ``transitions`` frame).
    ax
        The Axes to draw on; defaults to the current Axes.
    by
        Split each status by a job column (``"instance_type"``, ``"spot"``), a time bucket
        (``"creation_month"``) or anything :func:`smstatus.analysis.phases.duration_stats` takes as
        ``by=``. Groups are told apart by hatches (box, violin) or line styles (ECDF); at most
        six, the rarest pooled as ``other``.
    kind
        ``"box"``, ``"violin"`` or ``"ecdf"``.
    log
        Log-scaled durations (the default: phases span seconds to days).
    statuses
        The statuses to show, in that order (a status absent from the data gets an empty
        row); default every status that has a duration in the data, terminal statuses (always
        zero-length) left out, in lifecycle order.
    as_of
        Time open entries are measured up to; default each up to when its job was observed
        (:func:`smstatus.analysis.phases.durations`).
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end a job (and
        are left out of the default rows); the default machine when ``None``.
    **kwargs
        Passed to the matplotlib call drawn for each distribution (``Axes.boxplot``,
        ``Axes.violin``, ``Axes.ecdf``).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    The distributions are those of the closed entries. Open entries (running jobs) have only
    a lower bound: they are drawn as hollow ``>`` markers (box, violin) and counted in the
    labels, never mixed in as if complete.
    """
    from smstatus.analysis.phases import durations
    from smstatus.machine import default_machine

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    history = as_history(history)
    ax = get_ax(ax)
    machine = machine if machine is not None else default_machine()
    d = durations(history, as_of=as_of, machine=machine)
    secs = d["duration_s"].to_numpy(dtype=float)
    finite = np.isfinite(secs)
    shown = _shown_statuses(d, finite, statuses, machine)
    colors = status_colors([*d["status"].cat.categories.astype(str), *shown])
    group, groups, by_name = _entry_groups(history, by, d, finite)

    positive = secs > 0 if log else np.ones(len(secs), dtype=bool)
    status = _status_text(d)
    n_hidden = int((finite & ~positive & np.isin(status, shown)).sum())
    unit, unit_s = ("s", 1.0) if log else time_unit(float(np.nanmax(secs[finite], initial=0)))
    slot = 0.8 / len(groups)
    cells = _cells(d, shown, group, groups, finite & positive, 1.0 if log else unit_s)
    if kind == "ecdf":
        _draw_ecdf(ax, cells, shown, groups, colors, kwargs)
    else:
        _draw_rows(ax, cells, shown, groups, colors, kind, slot, kwargs)
    _duration_axis(ax, kind=kind, log=log, unit=unit)

    n_open = sum(len(c[4]) for c in cells)
    parts = [f"duration of each status, by {by_name}" if by_name else "duration of each status"]
    if n_open:
        until = measured_until(d.attrs.get("as_of"), open_ends(d), n_open=n_open)
        parts.append(f"{plural(n_open, 'open entry', 'open entries')} measured up to {until}")
    if n_hidden:
        parts.append(
            f"{plural(n_hidden, 'zero-length entry', 'zero-length entries')} not shown on the "
            "log scale"
        )
    if not shown:
        parts.append("nothing to draw")
    note_title(ax, parts)
    return ax


def _status_text(d: pd.DataFrame) -> np.ndarray:
    """The status of each entry as text (``None`` where missing), taken from the categories
    rather than converting every row."""
    names = np.asarray([str(c) for c in d["status"].cat.categories] + [None], dtype=object)
    return names[d["status"].cat.codes.to_numpy()]  # code -1 (missing) reads the last


def _shown_statuses(
    d: pd.DataFrame, finite: np.ndarray, statuses: Sequence[str] | None, machine: Any
) -> list[str]:
    """The rows: ``statuses`` (each a status of the machine or of the data) or, by default,
    every non-terminal status with a duration in ``d``, in the order of its categories."""
    codes = d["status"].cat.codes.to_numpy()
    used = np.unique(codes[finite & (codes >= 0)])
    present = [str(s) for s in d["status"].cat.categories.take(used)]
    if statuses is None:
        return [s for s in present if s not in machine.terminal]
    shown = [str(s) for s in statuses]
    known = set(machine.statuses) | set(d["status"].cat.categories.astype(str))
    unknown = [s for s in shown if s not in known]
    if unknown:
        raise ValueError(
            f"statuses= names status(es) that are neither statuses of the machine nor in the "
            f"data: {unknown}; the data has {present}"
        )
    return shown


def _entry_groups(
    history: Any, by: Any, d: pd.DataFrame, finite: np.ndarray
) -> tuple[np.ndarray, list[str], str]:
    """The group of each entry, the groups drawn (the ``MAX_GROUPS`` most frequent, the rest
    pooled as ``other``, in reading order) and the name of the grouping (``""``: none)."""
    if by is None:
        return np.full(len(d), "", dtype=object), [""], ""
    labels, by_name = _group_labels(history, by, d["job_name"])
    group = labels.to_numpy(dtype=object)
    counts = pd.Series(group[finite]).value_counts(sort=True)
    groups = [str(g) for g in counts.index[:MAX_GROUPS]]
    if len(counts) > MAX_GROUPS:
        groups = [*groups[: MAX_GROUPS - 1], OTHER]
        group = np.where(np.isin(group, groups[:-1]), group, OTHER)
    return group, _ordered(groups), by_name


def _cells(
    d: pd.DataFrame,
    shown: list[str],
    group: np.ndarray,
    groups: list[str],
    drawable: np.ndarray,
    scale: float,
) -> list[tuple[int, int, float, np.ndarray, np.ndarray]]:
    """One cell per status row and group: (row, group index, position on the row axis, closed
    durations, open durations), durations divided by ``scale``."""
    secs = d["duration_s"].to_numpy(dtype=float)
    censored = d["censored"].to_numpy(dtype=bool)
    # integer keys compared per cell, not text: each entry's status and group by position
    status_of = {v: k for k, v in enumerate(pd.unique(np.asarray(shown, dtype=object)))}
    group_of = {v: k for k, v in enumerate(pd.unique(np.asarray(groups, dtype=object)))}
    names = [str(c) for c in d["status"].cat.categories]
    lookup = np.asarray([status_of.get(n, -1) for n in names] + [-1])  # code -1: the last
    status_key = lookup[d["status"].cat.codes.to_numpy()]
    group_key = pd.Index(list(group_of)).get_indexer(group)
    slot = 0.8 / len(groups)
    cells = []
    for i, s in enumerate(shown):
        is_s = (status_key == status_of[s]) & drawable
        for j, g in enumerate(groups):
            m = is_s & (group_key == group_of[g])
            pos = i - 0.4 + slot * (j + 0.5)
            cells.append((i, j, pos, secs[m & ~censored] / scale, secs[m & censored] / scale))
    return cells


def _duration_axis(ax: Axes, *, kind: str, log: bool, unit: str) -> None:
    """The duration axis (log-scaled with readable ticks, or linear in ``unit``) and the grid."""
    if log:
        ax.set_xscale("log")
        duration_axis(ax.xaxis)
        label = "duration (log scale)"
    else:
        label = f"duration ({unit})"
    ax.set_xlabel(label)
    if kind == "ecdf":
        ax.set_ylabel("share of entries at most this long")
        ax.set_ylim(0, 1.02)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6, which="major")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _ordered(groups: list[str]) -> list[str]:
    """Groups in reading order: numbers as numbers, else alphabetical; other and missing last."""
    special = [g for g in (MISSING, OTHER) if g in groups]
    rest = [g for g in groups if g not in special]
    try:
        rest = sorted(rest, key=float)
    except ValueError:
        rest = sorted(rest)
    return rest + special


def _draw_rows(
    ax: Axes,
    cells: list[tuple[int, int, float, np.ndarray, np.ndarray]],
    shown: list[str],
    groups: list[str],
    colors: dict[str, str],
    kind: str,
    slot: float,
    kwargs: dict[str, Any],
) -> None:
    """Box or violin rows: one per status, a box or violin per group, open entries as
    markers."""
    full = [c for c in cells if len(c[3])]
    width = slot * 0.8
    if kind == "box" and full:
        style: dict[str, Any] = {
            "patch_artist": True,
            "widths": width,
            "showfliers": True,
            "flierprops": {"marker": ".", "markersize": 3, "alpha": 0.5},
            "medianprops": {"color": "black", "linewidth": 1.2},
            **horizontal(),
        }
        style.update(kwargs)
        parts = ax.boxplot(
            [c[3] for c in full], positions=[c[2] for c in full], manage_ticks=False, **style
        )
        for box, median, cell in zip(parts["boxes"], parts["medians"], full, strict=True):
            face = colors[shown[cell[0]]]
            box.set_facecolor(face)
            box.set_edgecolor("#333333")
            _hatch(box, GROUP_HATCHES[cell[1] % len(GROUP_HATCHES)], face)
            box.set_label(f"{shown[cell[0]]}|{groups[cell[1]]}")
            median.set_color(text_color(face))
    elif kind == "violin":
        _draw_violins(ax, full, shown, colors, width, kwargs)

    _draw_open_entries(ax, cells, shown, colors)
    ax.set_yticks(np.arange(len(shown)), [_row_label(s, i, cells) for i, s in enumerate(shown)])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(max(len(shown), 1) - 0.5, -0.5)
    _rows_legend(ax, groups, has_open=any(len(c[4]) for c in cells))


def _draw_open_entries(
    ax: Axes, cells: list[Any], shown: list[str], colors: dict[str, str]
) -> None:
    """Open entries as hollow ``>`` markers: lower bounds of their durations."""
    for i, _j, pos, _closed, still in cells:
        if len(still):
            ax.scatter(
                still,
                np.full(len(still), pos),
                marker=">",
                s=22,
                facecolors="none",
                edgecolors=colors[shown[i]],
                linewidths=1.0,
                zorder=4,
                label="_open",
            )


def _rows_legend(ax: Axes, groups: list[str], *, has_open: bool) -> None:
    """The legend of the box and violin rows: the groups' hatches and the open-entry marker."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    if len(groups) > 1:
        handles += [
            Patch(facecolor="white", edgecolor="#333333", hatch=GROUP_HATCHES[j], label=g)
            for j, g in enumerate(groups)
        ]
    if has_open:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=">",
                markerfacecolor="none",
                markeredgecolor="#333333",
                label="open entry (at least this long)",
            )
        )
    if handles:
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize="small",
            borderaxespad=0.0,
        )


def _hatch(artist: Any, hatch: str, face: str) -> None:
    """Hatch ``artist`` in the colour that reads on its face (white on dark colours)."""
    artist.set_hatch(hatch or None)
    if hatch and hasattr(artist, "set_hatchcolor"):
        artist.set_hatchcolor("white" if text_color(face) == "white" else "#333333")


def _row_label(status: str, i: int, cells: list[Any]) -> str:
    closed = sum(len(c[3]) for c in cells if c[0] == i)
    still = sum(len(c[4]) for c in cells if c[0] == i)
    count = f"{closed:,}" + (f" + {still:,} open" if still else "")
    return f"{status}\n({count})"


def _draw_violins(
    ax: Axes,
    cells: list[Any],
    shown: list[str],
    colors: dict[str, str],
    width: float,
    kwargs: dict[str, Any],
) -> None:
    """Violins whose density is estimated on log10 durations (on a log axis), so long tails
    do not squash them into slivers."""
    from matplotlib import cbook

    fit = [c for c in cells if len(np.unique(c[3])) >= 2]
    single = [c for c in cells if len(np.unique(c[3])) == 1]
    if fit:
        logs = [np.log10(np.clip(c[3], 1e-9, None)) for c in fit]
        stats = cbook.violin_stats(logs, _kde)
        for st in stats:
            for key in ("coords", "mean", "median", "min", "max"):
                st[key] = np.power(10.0, st[key])
        style: dict[str, Any] = {
            "widths": width,
            "showmedians": True,
            "showextrema": False,
            **horizontal(),
        }
        style.update(kwargs)
        parts = ax.violin(stats, positions=[c[2] for c in fit], **style)
        for body, cell in zip(parts["bodies"], fit, strict=True):  # type: ignore[call-overload]
            body.set_facecolor(colors[shown[cell[0]]])
            body.set_edgecolor("#333333")
            body.set_alpha(0.9)
            _hatch(body, GROUP_HATCHES[cell[1] % len(GROUP_HATCHES)], colors[shown[cell[0]]])
        if "cmedians" in parts:
            parts["cmedians"].set_color("black")
    for i, _j, pos, closed, _still in single:
        ax.scatter(
            closed[:1], [pos], marker="|", s=120, color=colors[shown[i]], linewidths=2, zorder=3
        )


def _kde(values: np.ndarray, coords: np.ndarray) -> np.ndarray:
    from matplotlib import mlab

    return mlab.GaussianKDE(values, "scott").evaluate(coords)


def _draw_ecdf(
    ax: Axes,
    cells: list[Any],
    shown: list[str],
    groups: list[str],
    colors: dict[str, str],
    kwargs: dict[str, Any],
) -> None:
    from matplotlib.lines import Line2D

    for i, j, _pos, closed, _still in cells:
        if not len(closed):
            continue
        style: dict[str, Any] = {
            "color": colors[shown[i]],
            "linestyle": GROUP_LINESTYLES[j % len(GROUP_LINESTYLES)],
            "linewidth": 1.6,
            "label": shown[i] if len(groups) == 1 else f"{shown[i]}, {groups[j]}",
        }
        if luminance(colors[shown[i]]) > 0.45:  # a pale colour (Pending): outline it
            from matplotlib import patheffects

            style["path_effects"] = [
                patheffects.Stroke(linewidth=2.8, foreground="#555555"),
                patheffects.Normal(),
            ]
        style.update(kwargs)
        ax.ecdf(closed, **style)
    handles = [
        Line2D(
            [], [], color=colors[s], linewidth=2.5, label=_row_label(s, i, cells).replace("\n", " ")
        )
        for i, s in enumerate(shown)
    ]
    if len(groups) > 1:
        handles += [
            Line2D([], [], color="#333333", linestyle=GROUP_LINESTYLES[j], label=g)
            for j, g in enumerate(groups)
        ]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize="small",
        borderaxespad=0.0,
    )
