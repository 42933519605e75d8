"""Gantt charts of status histories: one lane per job, one bar per status entry.

The bars of one status are drawn as ONE collection holding a compound path (every rectangle a
sub-path), so drawing 100,000 jobs costs a handful of artists, not half a million.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from smstatus.plotting.axes import as_history, get_ax, measured_until, note_title
from smstatus.plotting.palette import OPEN_HATCH, status_colors
from smstatus.plotting.units import plural, time_unit

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from smstatus.history import HistoryLike
    from smstatus.machine import StatusMachine
    from smstatus.typing import TimeLike
    from smstatus.validation.report import ValidationReport

__all__ = ["gantt_figsize", "plot_gantt"]

ALIGNS = ("absolute", "start", "training")
_I64_MAX = np.iinfo(np.int64).max
_I64_MIN = np.iinfo(np.int64).min
_NS_PER_S = 1_000_000_000
_NS_PER_DAY = 86_400 * _NS_PER_S
_CHUNK = 200_000  # rectangles per sub-path list entry (keeps Agg's cell blocks small)
_RASTERIZE_ABOVE = 20_000  # bars: above this, vector outputs embed the bars as an image
_LABEL_MAX = 30  # characters of a lane label


@dataclass
class _Layout:
    """Where every drawn entry goes; computed with numpy, no loop per job."""

    lane: np.ndarray  # lane of each drawn entry (0 = top)
    x0: np.ndarray  # start, in axis units
    x1: np.ndarray  # end (as_of when open), in axis units
    status: np.ndarray  # status code of each entry (position among status_names)
    is_open: np.ndarray
    row: np.ndarray  # row of the entry in the transitions frame
    status_names: list[str]
    lane_names: np.ndarray  # job name of each lane (objects)
    lane_end: np.ndarray  # end of each lane, in axis units
    n_candidates: int  # jobs that could have a lane
    n_jobs: int  # jobs of the history (or of the selection)
    n_empty: int  # jobs without any entry
    n_without_training: int  # align="training": jobs that never reached Training
    n_untimed: int  # entries without a start time
    unit: str  # "date" or s/min/h/d
    unit_s: float
    open_until: str  # up to when the open entries are drawn (the note's words)
    x_as_of: float | None  # that time in axis units, when it is one time (absolute only)
    x_cap: float | None  # the axis stops here; open lanes running past it are cut
    align: str
    sort_text: str
    which: str  # which lanes a cut keeps: "" (the first ones) or "the latest "


def _ns(series: pd.Series) -> np.ndarray:
    """UTC nanoseconds of a datetime column (NaT -> int64 min)."""
    if not isinstance(series.dtype, pd.DatetimeTZDtype | np.dtypes.DateTime64DType):
        series = pd.to_datetime(series, utc=True)
    return np.asarray(series.dt.as_unit("ns").array.asi8, dtype=np.int64)


def _selected_jobs(history: Any, jobs: Any, categories: pd.Index) -> np.ndarray | None:
    """Category positions of the jobs asked for, in the order given (None: every job)."""
    if jobs is None:
        return None
    if isinstance(jobs, str):
        jobs = [jobs]
    values = np.asarray(jobs if not isinstance(jobs, pd.Series) else jobs.to_numpy())
    if values.dtype == bool:
        if len(values) != len(history.jobs):
            raise ValueError(
                f"a boolean jobs= mask needs one value per job ({len(history.jobs)}), "
                f"got {len(values)}"
            )
        names = history.jobs["job_name"].to_numpy()[values]
    else:
        names = values
    names = pd.unique(pd.Series(names, dtype=object))
    pos = categories.get_indexer(names)  # type: ignore[arg-type]
    if (pos < 0).any():
        missing = [str(n) for n in np.asarray(names)[pos < 0][:5]]
        raise ValueError(f"jobs= names job(s) not in the history: {missing}")
    return pos


def _sort_statuses(sort_by: Any, status_names: list[str], machine: Any) -> list[str]:
    """The statuses a status sort adds up: one name or a list, each a status of the
    machine (the default one when ``None``) or of the data."""
    from smstatus.machine import default_machine

    wanted = [sort_by] if isinstance(sort_by, str) else list(sort_by)
    known = set((machine if machine is not None else default_machine()).statuses)
    known |= set(status_names)
    if not wanted or not all(isinstance(w, str) and w in known for w in wanted):
        raise ValueError(
            "sort_by must be 'start', 'wall', None, a status name or a list of status names, "
            f"got {sort_by!r}"
        )
    return wanted


def _layout(
    history: Any,
    *,
    jobs: Any,
    sort_by: str | list[str] | None,
    align: str,
    max_jobs: int | None,
    as_of: Any,
    machine: Any = None,
) -> _Layout:
    if align not in ALIGNS:
        raise ValueError(f"align must be one of {list(ALIGNS)}, got {align!r}")
    if max_jobs is not None and max_jobs < 1:
        raise ValueError(f"max_jobs must be a positive number or None, got {max_jobs!r}")
    from smstatus.analysis.phases import durations

    t = history.transitions
    job_cat = t["job_name"].astype("category")
    categories = job_cat.cat.categories
    n_cat = len(categories)
    codes = job_cat.cat.codes.to_numpy().astype(np.int64)
    status_cat = t["status"].astype("category")
    status_names = [str(s) for s in status_cat.cat.categories]
    scodes = status_cat.cat.codes.to_numpy().astype(np.int64)
    start = _ns(t["start_time"])
    # effective ends and censoring as smstatus.durations measures them: an open entry followed
    # by another ends where it starts, an open terminal entry lasts zero seconds, and the open
    # last entry of a running job is measured up to as_of, else up to when its job was
    # observed (censored: drawn hatched)
    measured = durations(history, as_of=as_of, machine=machine)
    cutoff = measured.attrs.get("as_of")
    seconds = measured["duration_s"].to_numpy(dtype=float)
    censored = measured["censored"].to_numpy(dtype=bool)

    wanted = _selected_jobs(history, jobs, categories)
    in_scope = codes >= 0
    if wanted is not None:
        keep_job = np.zeros(n_cat, dtype=bool)
        keep_job[wanted] = True
        in_scope &= keep_job[np.where(in_scope, codes, 0)]
        n_jobs = len(wanted)
    else:
        n_jobs = max(len(history.jobs["job_name"].unique()), n_cat)
    timed = (start != _I64_MIN) & np.isfinite(seconds)
    valid = in_scope & timed
    n_untimed = int((in_scope & ~timed).sum())

    rows = np.flatnonzero(valid)
    c, s, sc = codes[rows], start[rows], scodes[rows]
    is_open = censored[rows]
    e_eff = s + np.round(seconds[rows] * _NS_PER_S).astype(np.int64)

    count = np.bincount(c, minlength=n_cat)
    j_start = np.full(n_cat, _I64_MAX)
    np.minimum.at(j_start, c, s)
    j_end = np.full(n_cat, _I64_MIN)
    np.maximum.at(j_end, c, np.maximum(s, e_eff))
    has = count > 0
    n_empty = n_jobs - int(has.sum() if wanted is None else has[wanted].sum())

    t_start = np.full(n_cat, _I64_MAX)
    n_without_training = 0
    if align == "training":
        trained = np.zeros(len(rows), dtype=bool)
        if "Training" in status_names:
            trained = sc == status_names.index("Training")
        np.minimum.at(t_start, c[trained], s[trained])
        reached = t_start != _I64_MAX
        n_without_training = int((has & ~reached).sum())
        has &= reached

    # -- lane order ------------------------------------------------------------------------
    base = wanted if wanted is not None else np.arange(n_cat)
    base = base[has[base]]
    given = np.arange(len(base))
    if sort_by is None:
        order = given
        sort_text = "in the order given"
    elif sort_by == "start":
        order = np.lexsort((given, j_start[base]))
        sort_text = "sorted by start (earliest on top)"
    elif sort_by == "wall":
        order = np.lexsort((given, j_start[base], -(j_end[base] - j_start[base])))
        sort_text = "sorted by wall time (longest on top)"
    else:
        summed = _sort_statuses(sort_by, status_names, machine)
        in_status = np.isin(sc, [status_names.index(w) for w in summed if w in status_names])
        total = np.bincount(
            c[in_status], weights=(e_eff - s)[in_status].astype(float), minlength=n_cat
        )
        order = np.lexsort((given, j_start[base], -total[base]))
        sort_text = f"sorted by time in {' + '.join(summed)} (longest on top)"
    chosen = base[order]
    n_candidates = len(chosen)
    which = ""
    if max_jobs is not None and n_candidates > max_jobs:
        # by start, the latest jobs are the ones worth a look; otherwise the top of the order
        chosen = chosen[-max_jobs:] if sort_by == "start" else chosen[:max_jobs]
        which = "the latest " if sort_by == "start" else ""
    lane_of = np.full(n_cat, -1, dtype=np.int64)
    lane_of[chosen] = np.arange(len(chosen))
    lane = lane_of[c]
    drawn = lane >= 0
    lane, c, s, e_eff, sc, is_open, rows = (
        lane[drawn],
        c[drawn],
        s[drawn],
        e_eff[drawn],
        sc[drawn],
        is_open[drawn],
        rows[drawn],
    )

    # -- up to when open entries run: the as_of given, else each job's observed_at --------------
    open_ends = pd.Series(pd.to_datetime(e_eff[is_open], utc=True))
    open_until = measured_until(cutoff, open_ends, n_open=2, fmt="%Y-%m-%d %H:%M:%S")
    if cutoff is None or pd.isna(cutoff):
        cutoff = open_ends.iloc[0] if open_ends.nunique() == 1 else None

    # -- x coordinates -------------------------------------------------------------------------
    x_as_of = None
    x_cap = None
    if align == "absolute":
        import matplotlib.dates as mdates

        epoch = int(pd.Timestamp(mdates.get_epoch(), tz="UTC").value)
        unit, unit_s = "date", 86_400.0
        x0 = (s - epoch) / _NS_PER_DAY
        x1 = (e_eff - epoch) / _NS_PER_DAY
        lane_end = (j_end[chosen] - epoch) / _NS_PER_DAY
        if cutoff is not None and not pd.isna(cutoff):
            x_as_of = (cutoff.value - epoch) / _NS_PER_DAY
    else:
        origin = (j_start if align == "start" else t_start)[c]
        rel0, rel1 = (s - origin) / _NS_PER_S, (e_eff - origin) / _NS_PER_S
        lane_origin = (j_start if align == "start" else t_start)[chosen]
        ends_s = (j_end[chosen] - lane_origin) / _NS_PER_S
        # a job left open long ago (a stale snapshot) would squash every other lane: when open
        # lanes run past 3x the longest closed one, the axis stops a little after the closed
        # ones and the cut lanes say how long they are
        lane_open = np.zeros(len(chosen), dtype=bool)
        lane_open[lane[is_open]] = True
        cap_s = None
        if lane_open.any() and (~lane_open).any():
            closed_max = float(ends_s[~lane_open].max())
            if closed_max > 0 and float(ends_s[lane_open].max()) > 3 * closed_max:
                cap_s = closed_max * 1.15
        top_s = float(max(rel1.max(), rel0.max())) if len(rel0) else 0.0
        if cap_s is not None:
            top_s = min(top_s, cap_s)
        span = top_s - (min(float(rel0.min()), 0.0) if len(rel0) else 0.0)
        unit, unit_s = time_unit(span)
        x0, x1 = rel0 / unit_s, rel1 / unit_s
        lane_end = ends_s / unit_s
        if cap_s is not None:
            x_cap = cap_s / unit_s

    return _Layout(
        lane=lane,
        x0=x0,
        x1=x1,
        status=sc,
        is_open=is_open,
        row=rows,
        status_names=status_names,
        lane_names=np.asarray(categories[chosen], dtype=object),
        lane_end=lane_end,
        n_candidates=n_candidates,
        n_jobs=n_jobs,
        n_empty=n_empty,
        n_without_training=n_without_training,
        n_untimed=n_untimed,
        unit=unit,
        unit_s=unit_s,
        open_until=open_until,
        x_as_of=x_as_of,
        x_cap=x_cap,
        align=align,
        sort_text=sort_text,
        which=which,
    )


def _rect_paths(x0: np.ndarray, x1: np.ndarray, y: np.ndarray, height: float) -> list[Any]:
    """Compound paths of rectangles (one sub-path each), in chunks of :data:`_CHUNK`."""
    from matplotlib.path import Path

    codes_one = np.array(
        [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY], dtype=Path.code_type
    )
    half = height / 2
    paths = []
    for lo in range(0, len(x0), _CHUNK):
        a, b, yy = x0[lo : lo + _CHUNK], x1[lo : lo + _CHUNK], y[lo : lo + _CHUNK]
        n = len(a)
        v = np.empty((n, 5, 2))
        v[:, 0, 0] = v[:, 1, 0] = v[:, 4, 0] = a
        v[:, 2, 0] = v[:, 3, 0] = b
        v[:, 0, 1] = v[:, 3, 1] = v[:, 4, 1] = yy + half
        v[:, 1, 1] = v[:, 2, 1] = yy - half
        paths.append(Path(v.reshape(-1, 2), np.tile(codes_one, n)))
    return paths


def _tick_paths(x: np.ndarray, y: np.ndarray, height: float) -> list[Any]:
    """Compound paths of vertical strokes (one sub-path each), in chunks of :data:`_CHUNK`."""
    from matplotlib.path import Path

    codes_one = np.array([Path.MOVETO, Path.LINETO], dtype=Path.code_type)
    half = height / 2
    paths = []
    for lo in range(0, len(x), _CHUNK):
        a, yy = x[lo : lo + _CHUNK], y[lo : lo + _CHUNK]
        v = np.empty((len(a), 2, 2))
        v[:, 0, 0] = v[:, 1, 0] = a
        v[:, 0, 1] = yy - half
        v[:, 1, 1] = yy + half
        paths.append(Path(v.reshape(-1, 2), np.tile(codes_one, len(a))))
    return paths


def _shorten(name: str, limit: int = _LABEL_MAX) -> str:
    """Cut the middle out of a long job name: its head and its (distinguishing) tail stay."""
    if len(name) <= limit:
        return name
    head = (limit - 1) * 2 // 5
    return f"{name[:head]}…{name[-(limit - 1 - head) :]}"


def gantt_figsize(n_lanes: int, *, width: float = 12.0) -> tuple[float, float]:
    """A figure size that keeps ``n_lanes`` lanes readable (labels shown up to ~60 lanes)."""
    height = min(max(1.6 + 0.24 * n_lanes, 2.6), 12.0)
    return (width, height)


def _violation_points(
    layout: _Layout, history: Any, violations: Any
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """x, lane of each error and warning, at the start of the entry it concerns."""
    frame = getattr(violations, "violations", violations)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            "violations= takes a ValidationReport (with a .violations frame) or a DataFrame "
            f"with job_name, step, severity; got {type(violations).__name__}"
        )
    missing = {"job_name", "step", "severity"} - set(frame.columns)
    if missing:
        raise ValueError(f"the violations frame lacks column(s) {sorted(missing)}")
    t = history.transitions
    drawn = pd.DataFrame(
        {
            "job_name": t["job_name"].to_numpy()[layout.row].astype(object),
            "step": t["step"].to_numpy()[layout.row].astype(np.int64),
            "x": layout.x0,
            "lane": layout.lane,
        }
    )
    lanes = pd.DataFrame(
        {"job_name": layout.lane_names, "lane": np.arange(len(layout.lane_names))}
    ).assign(x=layout.lane_end)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    v = frame.assign(job_name=frame["job_name"].astype(object))
    for severity in ("error", "warning"):
        part = v[v["severity"].astype(str) == severity]
        if part.empty:
            continue
        has_step = part["step"].notna()
        at_step = part[has_step].assign(step=part.loc[has_step, "step"].astype(np.int64))
        a = at_step.merge(drawn.drop_duplicates(["job_name", "step"]), on=["job_name", "step"])
        b = part[~has_step].merge(lanes.drop_duplicates("job_name"), on="job_name")
        xs = np.concatenate([a["x"].to_numpy(float), b["x"].to_numpy(float)])
        ys = np.concatenate([a["lane"].to_numpy(float), b["lane"].to_numpy(float)])
        if len(xs):
            out[severity] = (xs, ys)
    return out


def plot_gantt(
    history: HistoryLike,
    *,
    ax: Axes | None = None,
    jobs: Iterable[str] | np.ndarray | pd.Series | None = None,
    sort_by: str | list[str] | None = "start",
    align: str = "absolute",
    max_jobs: int | None = 200,
    as_of: TimeLike | None = None,
    machine: StatusMachine | None = None,
    violations: ValidationReport | pd.DataFrame | None = None,
    legend: bool = True,
    **kwargs: Any,
) -> Axes:
    """Draw the status histories of jobs as a Gantt chart: one lane per job.

    Parameters
    ----------
    history
        A :class:`~smstatus.history.JobHistory` (or its ``transitions`` frame).
    ax
        The Axes to draw on; defaults to the current Axes.
    jobs
        Names of the jobs to draw (or a boolean mask over ``history.jobs``); default every job.
    sort_by
        Lane order, top first: ``"start"`` (earliest first), ``"wall"`` (longest wall time
        first), a status name (longest total time in that status first, e.g. ``"Pending"``), a
        list of status names (longest time in them together, e.g. ``["Starting", "Pending"]``:
        the waits for capacity), or ``None`` (the order given).
    align
        ``"absolute"``: real dates; ``"start"``: each job starts at 0 (elapsed time);
        ``"training"``: each job's first Training starts at 0 (jobs that never trained are left
        out, and the note says how many).
    max_jobs
        Draw at most this many lanes and say so on the plot: the latest jobs when sorted by
        start, else the first ones in ``sort_by`` order (the longest); ``None`` draws every
        job.
    as_of
        Open entries (a running job's last status) are drawn hatched up to this time; default
        each up to when its job was observed (``jobs.observed_at``, never the clock). The
        note above the plot says which.
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end a job (see
        :func:`smstatus.analysis.phases.durations`); the default machine when ``None``.
    violations
        A ValidationReport (or its ``violations`` frame): errors and warnings are marked at the
        start of the entry they concern (at the lane's end when they concern the whole job).
    legend
        Whether to draw the legend of the statuses shown.
    **kwargs
        Passed to each status's :class:`~matplotlib.collections.PathCollection` of bars
        (``alpha``, ``edgecolors``, ``linewidths``...).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    The bars of one status are one collection (label = the status); zero-length entries
    (a terminal status, say) are drawn as ticks, so a job's outcome stays visible.
    """
    history = as_history(history)
    ax = get_ax(ax)
    layout = _layout(
        history,
        jobs=jobs,
        sort_by=sort_by,
        align=align,
        max_jobs=max_jobs,
        as_of=as_of,
        machine=machine,
    )
    _draw(ax, layout, history, violations=violations, legend=legend, kwargs=kwargs)
    return ax


def _draw(
    ax: Axes,
    layout: _Layout,
    history: Any,
    *,
    violations: Any,
    legend: bool,
    kwargs: dict[str, Any],
) -> None:
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    n_lanes = len(layout.lane_names)
    colors = status_colors(layout.status_names)
    color_list = [colors[s] for s in layout.status_names]
    ax_px = max(ax.get_window_extent().height, 1.0)
    lane_px = ax_px / max(n_lanes, 1)
    lane_pt = lane_px * 72.0 / ax.figure.dpi
    # bars fill 80% of a lane, at most 20 points thick; touching when lanes are thinner
    # than 3 pixels, so a dense view shows a solid picture instead of a haze
    height = min(0.8, 20.0 / lane_pt) if lane_px >= 3 else 1.0
    length = layout.x1 - layout.x0
    is_bar = length != 0
    n_bars = int(is_bar.sum())
    handles: list[Any] = []

    # -- bars: one collection per status -------------------------------------------------------
    present = np.flatnonzero(np.bincount(layout.status[is_bar], minlength=len(color_list)))
    style = {"linewidths": 0, "antialiaseds": True, "zorder": 2}
    style.update(kwargs)
    for k in present:
        m = is_bar & (layout.status == k)
        name = layout.status_names[k]
        coll = PathCollection(
            _rect_paths(layout.x0[m], layout.x1[m], layout.lane[m].astype(float), height),
            facecolors=color_list[k],
            label=name,
            transform=ax.transData,
            **style,
        )
        coll.set_gid(f"gantt-bars:{name}")
        if n_bars > _RASTERIZE_ABOVE:
            coll.set_rasterized(True)
        ax.add_collection(coll, autolim=False)

    # -- open entries: one hatched overlay -------------------------------------------------------
    open_bar = is_bar & layout.is_open
    if open_bar.any():
        overlay = PathCollection(
            _rect_paths(
                layout.x0[open_bar],
                layout.x1[open_bar],
                layout.lane[open_bar].astype(float),
                height,
            ),
            facecolors="none",
            edgecolors="none",
            hatch=OPEN_HATCH,
            hatchcolors="white",
            linewidths=0,
            transform=ax.transData,
            zorder=2.1,
            label="open",
        )
        overlay.set_gid("gantt-open")
        ax.add_collection(overlay, autolim=False)

    # -- zero-length entries: ticks (one collection of vertical strokes per status) ---------
    tick = ~is_bar
    tick_statuses = list(np.flatnonzero(np.bincount(layout.status[tick], minlength=1)))
    tick_width = float(np.clip(lane_pt / 5, 0.8, 2.5))
    for k in tick_statuses:
        m = tick & (layout.status == k)
        name = layout.status_names[k]
        ticks = PathCollection(
            _tick_paths(layout.x0[m], layout.lane[m].astype(float), min(1.0, height * 1.25)),
            facecolors="none",
            edgecolors=color_list[k],
            linewidths=tick_width,
            transform=ax.transData,
            zorder=3 if lane_px >= 3 else 1.9,  # dense lanes: the bars' colours win
            label=name,
        )
        ticks.set_gid(f"gantt-ticks:{name}")
        ax.add_collection(ticks, autolim=False)

    # -- violations ----------------------------------------------------------------------------
    marker_size = float(np.clip(lane_pt * 0.7, 3.0, 9.0))
    if violations is not None:
        points = _violation_points(layout, history, violations)
        looks = {
            "error": {"marker": "X", "facecolor": "black", "edgecolor": "white"},
            "warning": {"marker": "^", "facecolor": "white", "edgecolor": "black"},
        }
        for severity, (xs, ys) in points.items():
            look = looks[severity]
            ax.scatter(
                xs,
                ys,
                marker=look["marker"],
                s=marker_size**2,
                facecolors=look["facecolor"],
                edgecolors=look["edgecolor"],
                linewidths=0.8,
                zorder=4,
                gid=f"gantt-violations:{severity}",
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker=look["marker"],
                    markerfacecolor=look["facecolor"],
                    markeredgecolor=look["edgecolor"] if severity == "warning" else "black",
                    markersize=7,
                    label=f"{severity} ({len(xs):,})",
                )
            )

    # -- axes ------------------------------------------------------------------------------------
    _format_axes(ax, layout, lane_pt)

    # -- legend ----------------------------------------------------------------------------------
    if legend and (len(present) or tick_statuses):
        status_handles: list[Any] = []
        for k in sorted(set(present) | set(tick_statuses)):
            name = layout.status_names[k]
            if k in set(present):
                status_handles.append(Patch(facecolor=color_list[k], label=name))
            else:
                status_handles.append(
                    Line2D(
                        [],
                        [],
                        linestyle="none",
                        marker="|",
                        markersize=10,
                        markeredgewidth=2.5,
                        color=color_list[k],
                        label=name,
                    )
                )
        if open_bar.any():
            status_handles.append(
                Patch(
                    facecolor="#777777",
                    hatch=OPEN_HATCH,
                    edgecolor="white",
                    linewidth=0,
                    label="open (still running)",
                )
            )
        ax.legend(
            handles=status_handles + handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            borderaxespad=0.0,
            frameon=False,
            fontsize="small",
            title="status",
            title_fontsize="small",
        )


def _format_axes(ax: Axes, layout: _Layout, lane_pt: float) -> None:
    n_lanes = len(layout.lane_names)
    # y: lanes, the first on top
    ax.set_ylim(max(n_lanes, 1) - 0.5, -0.5)
    if n_lanes and lane_pt >= 7.0:
        ax.set_yticks(np.arange(n_lanes), [_shorten(str(n)) for n in layout.lane_names])
        ax.tick_params(axis="y", labelsize=float(np.clip(lane_pt * 0.65, 5.5, 9.0)), length=0)
        ax.set_ylabel("")
    else:
        ax.set_yticks([])
        ax.set_ylabel(f"{n_lanes:,} jobs (one lane each)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    # x: dates or elapsed time
    if len(layout.x0):
        lo = float(min(layout.x0.min(), layout.x1.min()))
        hi = float(max(layout.x0.max(), layout.x1.max()))
    else:
        lo, hi = 0.0, 1.0
    if layout.unit != "date":
        lo = min(lo, 0.0)
    span = hi - lo
    pad = span * 0.02 if span > 0 else (1.0 if layout.unit != "date" else 1 / 24)
    if layout.unit == "date":
        import matplotlib.dates as mdates

        ax.xaxis_date("UTC")
        locator = mdates.AutoDateLocator(tz="UTC", minticks=3, maxticks=9)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz="UTC"))
        ax.set_xlabel("time (UTC)")
        if layout.x_as_of is not None and layout.is_open.any():
            ax.axvline(layout.x_as_of, color="#444444", linestyle=":", linewidth=1, zorder=1)
    else:
        what = "job start" if layout.align == "start" else "Training start"
        ax.set_xlabel(f"time since {what} ({layout.unit})")
        if layout.align == "training":
            ax.axvline(0, color="#444444", linewidth=0.8, zorder=1)
    if layout.x_cap is not None:
        hi = layout.x_cap
        span = hi - lo
        pad = span * 0.02
        _label_cut_lanes(ax, layout, lane_pt)
    ax.set_xlim(lo - pad, hi + pad)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    note_title(ax, _note(layout))


def _cut_lanes(layout: _Layout) -> np.ndarray:
    """Lanes that run past the right edge of a capped axis."""
    if layout.x_cap is None:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(layout.lane_end > layout.x_cap)


def _label_cut_lanes(ax: Axes, layout: _Layout, lane_pt: float) -> None:
    """Write the true length at the right edge of each lane the axis cuts."""
    from smstatus.plotting.units import format_duration

    cut = _cut_lanes(layout)
    if not len(cut) or lane_pt < 7.0 or len(cut) > 60:
        return
    size = float(np.clip(lane_pt * 0.6, 5.5, 8.0))
    for k in cut:
        ax.annotate(
            f"{format_duration(layout.lane_end[k] * layout.unit_s)} →",
            (1.0, float(k)),
            xycoords=("axes fraction", "data"),
            xytext=(-2, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=size,
            zorder=5,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
            gid="gantt-cut",
        )


def _note(layout: _Layout) -> list[str]:
    """The sentence above the plot: what is shown, how it is sorted, the as_of time."""
    n_lanes = len(layout.lane_names)
    parts = []
    if n_lanes < layout.n_candidates:
        parts.append(
            f"showing {layout.which}{n_lanes:,} of {layout.n_candidates:,} jobs, {layout.sort_text}"
        )
    else:
        jobs = "job" if n_lanes == 1 else "jobs"
        parts.append(f"{n_lanes:,} {jobs}, {layout.sort_text}")
    if layout.n_without_training:
        parts.append(f"{layout.n_without_training:,} never reached Training (not drawn)")
    if layout.n_empty > 0:
        parts.append(f"{layout.n_empty:,} with an empty history (not drawn)")
    if layout.n_untimed:
        parts.append(
            f"{plural(layout.n_untimed, 'entry', 'entries')} without a start time (not drawn)"
        )
    cut = len(_cut_lanes(layout))
    if cut:
        parts.append(f"{cut:,} open {'job runs' if cut == 1 else 'jobs run'} past the right edge")
    if (layout.is_open & (layout.x1 != layout.x0)).any():
        parts.append(f"open entries hatched up to {layout.open_until}")
    if not n_lanes:
        parts.append("nothing to draw")
    return parts
