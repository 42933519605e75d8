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

from smstatus.history import as_history
from smstatus.plotting.axes import get_ax, measured_until, note_title
from smstatus.plotting.palette import OPEN_HATCH, status_colors
from smstatus.plotting.units import plural, time_unit
from smstatus.timestamps import NAT_NS, utc_ns

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from smstatus.history import HistoryLike
    from smstatus.machine import StatusMachine
    from smstatus.typing import TimeLike
    from smstatus.validation.report import ValidationReport

__all__ = ["gantt_figsize", "plot_gantt"]

ALIGNS = ("absolute", "start", "training")
_I64_MAX = np.iinfo(np.int64).max
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


@dataclass
class _Entries:
    """The entries a Gantt chart may draw, measured as :func:`smstatus.durations` does."""

    categories: pd.Index  # job names (categories of the job codes)
    status_names: list[str]
    rows: np.ndarray  # row of each entry in the transitions frame
    job: np.ndarray  # job code of each entry
    status: np.ndarray  # status code of each entry
    start: np.ndarray  # ns
    end: np.ndarray  # effective end, ns
    is_open: np.ndarray  # censored: measured up to as_of or when its job was observed
    cutoff: Any  # the as_of durations() measured up to (None: each job's observed_at)
    wanted: np.ndarray | None  # job codes selected by jobs=, in their order
    n_jobs: int
    n_untimed: int

    def take(self, keep: np.ndarray) -> None:
        """Keep the entries ``keep`` selects."""
        for name in ("rows", "job", "status", "start", "end", "is_open"):
            setattr(self, name, getattr(self, name)[keep])


@dataclass
class _JobSpans:
    """Per job code: first start, last end, first Training start (ns), whether it has a lane."""

    start: np.ndarray
    end: np.ndarray
    training: np.ndarray
    has: np.ndarray
    n_empty: int
    n_without_training: int


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
    e = _measured_entries(history, jobs, as_of, machine)
    spans = _job_spans(e, align)
    base = e.wanted if e.wanted is not None else np.arange(len(e.categories))
    base = base[spans.has[base]]
    order, sort_text = _lane_order(e, spans, base, sort_by, machine)
    chosen = base[order]
    n_candidates = len(chosen)
    which = ""
    if max_jobs is not None and n_candidates > max_jobs:
        # by start, the latest jobs are the ones worth a look; otherwise the top of the order
        chosen = chosen[-max_jobs:] if sort_by == "start" else chosen[:max_jobs]
        which = "the latest " if sort_by == "start" else ""
    lane_of = np.full(len(e.categories), -1, dtype=np.int64)
    lane_of[chosen] = np.arange(len(chosen))
    lane = lane_of[e.job]
    e.take(lane >= 0)
    lane = lane[lane >= 0]

    # up to when open entries run: the as_of given, else each job's observed_at
    open_ends = pd.Series(pd.to_datetime(e.end[e.is_open], utc=True))
    open_until = measured_until(e.cutoff, open_ends, n_open=2, fmt="%Y-%m-%d %H:%M:%S")
    cutoff = e.cutoff
    if cutoff is None or pd.isna(cutoff):
        cutoff = open_ends.iloc[0] if open_ends.nunique() == 1 else None
    if align == "absolute":
        x = _absolute_x(e, spans, chosen, cutoff)
    else:
        x = _relative_x(e, spans, chosen, lane, align)
    return _Layout(
        lane=lane,
        status=e.status,
        is_open=e.is_open,
        row=e.rows,
        status_names=e.status_names,
        lane_names=np.asarray(e.categories[chosen], dtype=object),
        n_candidates=n_candidates,
        n_jobs=e.n_jobs,
        n_empty=spans.n_empty,
        n_without_training=spans.n_without_training,
        n_untimed=e.n_untimed,
        open_until=open_until,
        align=align,
        sort_text=sort_text,
        which=which,
        **x,
    )


def _measured_entries(history: Any, jobs: Any, as_of: Any, machine: Any) -> _Entries:
    """The timed entries of the jobs selected, with their effective ends and censoring as
    :func:`smstatus.durations` measures them: an open entry followed by another ends where it
    starts, an open terminal entry lasts zero seconds, and the open last entry of a running
    job is measured up to ``as_of``, else up to when its job was observed (drawn hatched)."""
    from smstatus.analysis.phases import durations

    t = history.transitions
    job_cat = t["job_name"].astype("category")
    categories = job_cat.cat.categories
    codes = job_cat.cat.codes.to_numpy().astype(np.int64)
    status_cat = t["status"].astype("category")
    start = utc_ns(t["start_time"])
    measured = durations(history, as_of=as_of, machine=machine)
    seconds = measured["duration_s"].to_numpy(dtype=float)
    censored = measured["censored"].to_numpy(dtype=bool)

    wanted = _selected_jobs(history, jobs, categories)
    in_scope = codes >= 0
    if wanted is not None:
        keep_job = np.zeros(len(categories), dtype=bool)
        keep_job[wanted] = True
        in_scope &= keep_job[np.where(in_scope, codes, 0)]
        n_jobs = len(wanted)
    else:
        n_jobs = max(len(history.jobs["job_name"].unique()), len(categories))
    timed = (start != NAT_NS) & np.isfinite(seconds)
    rows = np.flatnonzero(in_scope & timed)
    return _Entries(
        categories=categories,
        status_names=[str(s) for s in status_cat.cat.categories],
        rows=rows,
        job=codes[rows],
        status=status_cat.cat.codes.to_numpy().astype(np.int64)[rows],
        start=start[rows],
        end=start[rows] + np.round(seconds[rows] * _NS_PER_S).astype(np.int64),
        is_open=censored[rows],
        cutoff=measured.attrs.get("as_of"),
        wanted=wanted,
        n_jobs=n_jobs,
        n_untimed=int((in_scope & ~timed).sum()),
    )


def _job_spans(e: _Entries, align: str) -> _JobSpans:
    """Each job's first start and last end; with ``align="training"``, its first Training
    start (a job that never trained gets no lane)."""
    n_cat = len(e.categories)
    j_start = np.full(n_cat, _I64_MAX)
    np.minimum.at(j_start, e.job, e.start)
    j_end = np.full(n_cat, NAT_NS)
    np.maximum.at(j_end, e.job, np.maximum(e.start, e.end))
    has = np.bincount(e.job, minlength=n_cat) > 0
    n_empty = e.n_jobs - int(has.sum() if e.wanted is None else has[e.wanted].sum())
    t_start = np.full(n_cat, _I64_MAX)
    n_without_training = 0
    if align == "training":
        trained = np.zeros(len(e.rows), dtype=bool)
        if "Training" in e.status_names:
            trained = e.status == e.status_names.index("Training")
        np.minimum.at(t_start, e.job[trained], e.start[trained])
        reached = t_start != _I64_MAX
        n_without_training = int((has & ~reached).sum())
        has &= reached
    return _JobSpans(j_start, j_end, t_start, has, n_empty, n_without_training)


def _lane_order(
    e: _Entries, spans: _JobSpans, base: np.ndarray, sort_by: Any, machine: Any
) -> tuple[np.ndarray, str]:
    """The order of the lanes ``base`` (job codes) and the words that say it."""
    given = np.arange(len(base))
    j_start, j_end = spans.start, spans.end
    if sort_by is None:
        return given, "in the order given"
    if sort_by == "start":
        return np.lexsort((given, j_start[base])), "sorted by start (earliest on top)"
    if sort_by == "wall":
        order = np.lexsort((given, j_start[base], -(j_end[base] - j_start[base])))
        return order, "sorted by wall time (longest on top)"
    names = e.status_names
    summed = _sort_statuses(sort_by, names, machine)
    in_status = np.isin(e.status, [names.index(w) for w in summed if w in names])
    total = np.bincount(
        e.job[in_status],
        weights=(e.end - e.start)[in_status].astype(float),
        minlength=len(e.categories),
    )
    order = np.lexsort((given, j_start[base], -total[base]))
    return order, f"sorted by time in {' + '.join(summed)} (longest on top)"


def _absolute_x(e: _Entries, spans: _JobSpans, chosen: np.ndarray, cutoff: Any) -> dict[str, Any]:
    """x in matplotlib dates (days since its epoch), for ``align="absolute"``."""
    import matplotlib.dates as mdates

    epoch = int(pd.Timestamp(mdates.get_epoch(), tz="UTC").value)
    x_as_of = None
    if cutoff is not None and not pd.isna(cutoff):
        x_as_of = (cutoff.value - epoch) / _NS_PER_DAY
    return {
        "x0": (e.start - epoch) / _NS_PER_DAY,
        "x1": (e.end - epoch) / _NS_PER_DAY,
        "lane_end": (spans.end[chosen] - epoch) / _NS_PER_DAY,
        "unit": "date",
        "unit_s": 86_400.0,
        "x_as_of": x_as_of,
        "x_cap": None,
    }


def _relative_x(
    e: _Entries, spans: _JobSpans, chosen: np.ndarray, lane: np.ndarray, align: str
) -> dict[str, Any]:
    """x in a readable unit since each lane's origin (its start, or its first Training)."""
    origins = spans.start if align == "start" else spans.training
    origin = origins[e.job]
    rel0, rel1 = (e.start - origin) / _NS_PER_S, (e.end - origin) / _NS_PER_S
    ends_s = (spans.end[chosen] - origins[chosen]) / _NS_PER_S
    # a job left open long ago (a stale snapshot) would squash every other lane: when open
    # lanes run past 3x the longest closed one, the axis stops a little after the closed
    # ones and the cut lanes say how long they are
    lane_open = np.zeros(len(chosen), dtype=bool)
    lane_open[lane[e.is_open]] = True
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
    return {
        "x0": rel0 / unit_s,
        "x1": rel1 / unit_s,
        "lane_end": ends_s / unit_s,
        "unit": unit,
        "unit_s": unit_s,
        "x_as_of": None,
        "x_cap": None if cap_s is None else cap_s / unit_s,
    }


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


@dataclass
class _Scale:
    """Sizes that follow the height of a lane."""

    lane_px: float
    lane_pt: float
    height: float  # of a bar, in lanes


def _scale(ax: Axes, n_lanes: int) -> _Scale:
    lane_px = max(ax.get_window_extent().height, 1.0) / max(n_lanes, 1)
    lane_pt = lane_px * 72.0 / ax.figure.dpi
    # bars fill 80% of a lane, at most 20 points thick; touching when lanes are thinner
    # than 3 pixels, so a dense view shows a solid picture instead of a haze
    height = min(0.8, 20.0 / lane_pt) if lane_px >= 3 else 1.0
    return _Scale(lane_px, lane_pt, height)


def _draw(
    ax: Axes,
    layout: _Layout,
    history: Any,
    *,
    violations: Any,
    legend: bool,
    kwargs: dict[str, Any],
) -> None:
    from matplotlib.patches import Patch

    scale = _scale(ax, len(layout.lane_names))
    colors = status_colors(layout.status_names)
    color_list = [colors[s] for s in layout.status_names]
    is_bar = (layout.x1 - layout.x0) != 0
    bar_statuses = _draw_bars(ax, layout, is_bar, color_list, scale, kwargs)
    has_open = _draw_open_overlay(ax, layout, is_bar & layout.is_open, scale)
    tick_statuses = _draw_ticks(ax, layout, ~is_bar, color_list, scale)
    handles: list[Any] = []
    if violations is not None:
        handles = _draw_violations(ax, layout, history, violations, scale)
    _format_axes(ax, layout, scale.lane_pt)
    if legend and (len(bar_statuses) or tick_statuses):
        status_handles = _status_handles(layout, bar_statuses, tick_statuses, color_list)
        if has_open:
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


def _draw_bars(
    ax: Axes,
    layout: _Layout,
    is_bar: np.ndarray,
    color_list: list[str],
    scale: _Scale,
    kwargs: dict[str, Any],
) -> np.ndarray:
    """Entries with a length as bars, one collection per status; returns those statuses."""
    from matplotlib.collections import PathCollection

    present = np.flatnonzero(np.bincount(layout.status[is_bar], minlength=len(color_list)))
    rasterized = int(is_bar.sum()) > _RASTERIZE_ABOVE
    style = {"linewidths": 0, "antialiaseds": True, "zorder": 2}
    style.update(kwargs)
    for k in present:
        m = is_bar & (layout.status == k)
        name = layout.status_names[k]
        coll = PathCollection(
            _rect_paths(layout.x0[m], layout.x1[m], layout.lane[m].astype(float), scale.height),
            facecolors=color_list[k],
            label=name,
            transform=ax.transData,
            **style,
        )
        coll.set_gid(f"gantt-bars:{name}")
        if rasterized:
            coll.set_rasterized(True)
        ax.add_collection(coll, autolim=False)
    return present


def _draw_open_overlay(ax: Axes, layout: _Layout, open_bar: np.ndarray, scale: _Scale) -> bool:
    """Open entries hatched, in one overlay; whether there are any."""
    from matplotlib.collections import PathCollection

    if not open_bar.any():
        return False
    lanes = layout.lane[open_bar].astype(float)
    overlay = PathCollection(
        _rect_paths(layout.x0[open_bar], layout.x1[open_bar], lanes, scale.height),
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
    return True


def _draw_ticks(
    ax: Axes, layout: _Layout, tick: np.ndarray, color_list: list[str], scale: _Scale
) -> list[Any]:
    """Zero-length entries as ticks, one collection of vertical strokes per status; returns
    those statuses."""
    from matplotlib.collections import PathCollection

    tick_statuses = list(np.flatnonzero(np.bincount(layout.status[tick], minlength=1)))
    tick_width = float(np.clip(scale.lane_pt / 5, 0.8, 2.5))
    for k in tick_statuses:
        m = tick & (layout.status == k)
        name = layout.status_names[k]
        lanes = layout.lane[m].astype(float)
        ticks = PathCollection(
            _tick_paths(layout.x0[m], lanes, min(1.0, scale.height * 1.25)),
            facecolors="none",
            edgecolors=color_list[k],
            linewidths=tick_width,
            transform=ax.transData,
            zorder=3 if scale.lane_px >= 3 else 1.9,  # dense lanes: the bars' colours win
            label=name,
        )
        ticks.set_gid(f"gantt-ticks:{name}")
        ax.add_collection(ticks, autolim=False)
    return tick_statuses


_VIOLATION_LOOKS = {
    "error": {"marker": "X", "facecolor": "black", "edgecolor": "white"},
    "warning": {"marker": "^", "facecolor": "white", "edgecolor": "black"},
}


def _draw_violations(
    ax: Axes, layout: _Layout, history: Any, violations: Any, scale: _Scale
) -> list[Any]:
    """Violations as markers on their entries (errors ``X``, warnings ``^``); legend handles."""
    from matplotlib.lines import Line2D

    marker_size = float(np.clip(scale.lane_pt * 0.7, 3.0, 9.0))
    handles: list[Any] = []
    for severity, (xs, ys) in _violation_points(layout, history, violations).items():
        look = _VIOLATION_LOOKS[severity]
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
    return handles


def _status_handles(
    layout: _Layout, bar_statuses: np.ndarray, tick_statuses: list[Any], color_list: list[str]
) -> list[Any]:
    """Legend handles of the statuses drawn: a patch for bars, a stroke for ticks only."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    for k in sorted(set(bar_statuses) | set(tick_statuses)):
        name = layout.status_names[k]
        if k in set(bar_statuses):
            handles.append(Patch(facecolor=color_list[k], label=name))
        else:
            handles.append(
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
    return handles


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
