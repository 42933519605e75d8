"""The machine of legal edges drawn with matplotlib (no Graphviz binary needed).

The statuses sit at fixed, hand-made places that follow the lifecycle: the initial status on
the left, the terminal ones in a column on the right, the retries and interruptions off the
main line, the deprecated statuses set apart above. Statuses a custom machine (or the data)
adds are placed automatically in a row below, near the statuses they connect to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from smstatus.plotting._common import as_history, get_ax, note_title
from smstatus.plotting._units import format_duration, plural
from smstatus.plotting.palette import _text_color, status_colors

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from smstatus.machine import StatusMachine

__all__ = ["MACHINE_LAYOUT", "plot_machine"]

MACHINE_LAYOUT: Mapping[str, tuple[float, float]] = {
    # the main line, left to right
    "Starting": (0.0, 0.0),
    "Pending": (1.9, 1.9),
    "Downloading": (3.6, 0.0),
    "Training": (6.6, 0.0),
    "Uploading": (9.4, 0.0),
    # off the main line: interruptions below, restarts and updates above
    "Interrupted": (2.6, -2.4),
    "Restarting": (5.1, 1.9),
    "Updating": (8.0, 1.9),
    "Stopping": (7.6, -2.8),
    # the terminal column
    "Completed": (12.2, 1.4),
    "Failed": (12.2, 0.0),
    "MaxRuntimeExceeded": (12.2, -1.4),
    "Stopped": (12.2, -2.8),
    "MaxWaitTimeExceeded": (12.2, -4.2),
    # deprecated (pre-2018 histories), set apart above
    "LaunchingMLInstances": (1.4, 4.2),
    "PreparingTrainingStack": (3.8, 4.2),
    "DownloadingTrainingImage": (6.2, 4.2),
}
"""Where each of the 17 statuses is drawn (data coordinates of the node centres)."""

NODE_W, NODE_H = 1.7, 0.72
EVIDENCED = "#333333"
INFERRED = "#999999"
BACK = "#AA3377"  # Tol purple-red: edges that go back in the lifecycle (retries)
MISSING = "#CC3311"  # Tol vibrant red: seen in the data, not in the machine
FADED = 0.22
_SAMPLES = np.linspace(0.08, 0.92, 40)


@dataclass
class _EdgeSpec:
    source: str
    dest: str
    in_machine: bool
    inferred: bool
    back: bool
    count: int | None = None
    median_s: float | None = None
    rad: float = 0.0


def _wrap(name: str) -> str:
    """Long CamelCase names on two lines: ``Downloading\\nTrainingImage``."""
    if len(name) <= 12:
        return name
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|\W+|_+", name)
    if len(words) < 2:
        return name
    best, cut = len(name), 1
    for i in range(1, len(words)):
        left = len("".join(words[:i]))
        if abs(2 * left - len(name)) < best:
            best, cut = abs(2 * left - len(name)), i
    return "".join(words[:cut]) + "\n" + "".join(words[cut:])


def _positions(statuses: list[str], edges: list[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Fixed places for the known statuses; a row below for the others, near their neighbours."""
    pos = {s: MACHINE_LAYOUT[s] for s in statuses if s in MACHINE_LAYOUT}
    extra = [s for s in statuses if s not in pos]
    if not extra:
        return pos
    y = min((p[1] for p in pos.values()), default=0.0) - 1.9
    wanted = []
    for s in extra:
        near = [pos[o][0] for a, b in edges for o in (a, b) if s in (a, b) and o in pos]
        wanted.append(float(np.mean(near)) if near else 0.0)
    x_prev = -np.inf
    for x, s in sorted(zip(wanted, extra, strict=True)):
        x = max(x, x_prev + NODE_W + 0.4)
        pos[s] = (x, y)
        x_prev = x
    return pos


def _hits(points: np.ndarray, centres: np.ndarray) -> int:
    """How many of ``points`` fall inside a node box (a little enlarged)."""
    if not len(centres):
        return 0
    dx = np.abs(points[:, None, 0] - centres[None, :, 0]) <= NODE_W / 2 + 0.08
    dy = np.abs(points[:, None, 1] - centres[None, :, 1]) <= NODE_H / 2 + 0.08
    return int((dx & dy).any(axis=1).sum())


def _curve(a: np.ndarray, b: np.ndarray, rad: float) -> np.ndarray:
    """Points of matplotlib's ``arc3`` curve from ``a`` to ``b`` (a quadratic Bezier)."""
    mid = (a + b) / 2
    d = b - a
    ctrl = mid + rad * np.array([d[1], -d[0]])
    t = _SAMPLES[:, None]
    return (1 - t) ** 2 * a + 2 * (1 - t) * t * ctrl + t**2 * b


def _route(edges: list[_EdgeSpec], pos: Mapping[str, tuple[float, float]]) -> None:
    """Choose each edge's curvature: straight when free, curved around nodes and reverse pairs,
    back-edges always bent (on the side that hits the fewest nodes)."""
    pairs = {(e.source, e.dest) for e in edges}
    names = list(pos)
    centres = np.array([pos[n] for n in names])
    for e in edges:
        a, b = np.array(pos[e.source]), np.array(pos[e.dest])
        others = centres[[n not in (e.source, e.dest) for n in names]]
        if e.back:
            options = [0.3, -0.3, 0.45, -0.45, 0.2, -0.2]
        elif (e.dest, e.source) in pairs:
            options = [0.15, 0.3, 0.45]
        else:
            options = [0.0, 0.15, -0.15, 0.3, -0.3, 0.45, -0.45]
        best = min(options, key=lambda r: (_hits(_curve(a, b, r), others), abs(r)))
        e.rad = best


def _edges(
    machine: StatusMachine, observed: pd.DataFrame | None
) -> tuple[list[_EdgeSpec], list[str]]:
    order = {s: i for i, s in enumerate(machine.statuses)}
    specs: dict[tuple[str, str], _EdgeSpec] = {}
    for edge in machine.edges:
        specs[(edge.source, edge.dest)] = _EdgeSpec(
            edge.source,
            edge.dest,
            in_machine=True,
            inferred=edge.inferred_only,
            back=_is_back(edge.source, edge.dest, order, machine.terminal),
        )
    statuses = list(machine.statuses)
    if observed is not None:
        for row in observed.itertuples(index=False):
            key = (str(row.source), str(row.dest))
            count = int(row.count)
            median = float(row.median_s) if pd.notna(row.median_s) else None
            if key in specs:
                specs[key].count, specs[key].median_s = count, median
            elif count > 0:
                for s in key:
                    if s not in order:
                        order[s] = len(order)
                        statuses.append(s)
                specs[key] = _EdgeSpec(
                    *key,
                    in_machine=False,
                    inferred=False,
                    back=_is_back(*key, order, machine.terminal),
                    count=count,
                    median_s=median,
                )
        for spec in specs.values():
            if spec.count is None:
                spec.count = 0
    return list(specs.values()), statuses


def _ends(
    a: tuple[float, float], b: tuple[float, float], rad: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where an edge leaves its source box and enters its dest box.

    The ``arc3`` curve from ``a`` to ``b`` starts towards its control point and ends coming
    from it, so each end is where the ray from the box centre to the control point crosses
    the box (a little outside it). Computed here rather than by matplotlib's clipping to the
    patches, which costs tens of milliseconds per arrow.
    """
    pa, pb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = pb - pa
    ctrl = (pa + pb) / 2 + rad * np.array([d[1], -d[0]])

    def exit_point(centre: np.ndarray) -> tuple[float, float]:
        ray = ctrl - centre
        if not ray.any():
            ray = (pb - pa) if centre is pa else (pa - pb)
        half_w, half_h = NODE_W / 2 + 0.04, NODE_H / 2 + 0.04
        t = min(
            half_w / abs(ray[0]) if ray[0] else np.inf,
            half_h / abs(ray[1]) if ray[1] else np.inf,
        )
        x, y = centre + t * ray
        return (float(x), float(y))

    return exit_point(pa), exit_point(pb)


def _label_spot(
    e: _EdgeSpec,
    pos: Mapping[str, tuple[float, float]],
    text: str,
    placed: list[tuple[float, float, float, float]],
) -> tuple[float, float]:
    """Where an edge's label goes: beside its curve (outside the bulge, or left of a straight
    edge, so it never hides the line), near the middle, sliding along the curve until it
    overlaps no node and no label placed before; ``placed`` gets its box."""
    a, b = np.array(pos[e.source]), np.array(pos[e.dest])
    d = b - a
    ctrl = (a + b) / 2 + e.rad * np.array([d[1], -d[0]])
    half_w, half_h = 0.036 * len(text) + 0.05, 0.13
    best, best_hits = None, None
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78):
        point = (1 - t) ** 2 * a + 2 * (1 - t) * t * ctrl + t**2 * b
        tangent = 2 * (1 - t) * (ctrl - a) + 2 * t * (b - ctrl)
        normal = np.array([-tangent[1], tangent[0]]) / max(float(np.hypot(*tangent)), 1e-9)
        if e.rad > 0:  # the curve bulges to the right of its direction: label outside
            normal = -normal
        offset = half_h + 0.06 + abs(normal[0]) * (half_w - half_h)
        x, y = point + offset * normal
        box = (x - half_w, y - half_h, x + half_w, y + half_h)
        hits = sum(
            box[0] < p[2] and p[0] < box[2] and box[1] < p[3] and p[1] < box[3] for p in placed
        )
        if best_hits is None or hits < best_hits:
            best, best_hits = (float(x), float(y), box), hits
        if hits == 0:
            break
    assert best is not None
    placed.append(best[2])
    return best[0], best[1]


def _is_back(source: str, dest: str, order: Mapping[str, int], terminal: frozenset[str]) -> bool:
    """An edge back to an earlier status of the lifecycle (a retry, a return); edges that
    touch a status outside the vocabulary are never called back-edges."""
    if source not in MACHINE_LAYOUT or dest not in MACHINE_LAYOUT or dest in terminal:
        return False
    return order[dest] < order[source]


def plot_machine(
    machine: StatusMachine | None = None,
    *,
    history: Any = None,
    ax: Axes | None = None,
    max_labels: int | None = 20,
    **kwargs: Any,
) -> Axes:
    """Draw the machine of legal edges; with a history, annotate the edges with the data.

    Parameters
    ----------
    machine
        The machine (default: :func:`smstatus.default_machine`).
    history
        A :class:`~smstatus.history.JobHistory`: each edge is labelled with the number of
        times it was taken and the median time spent in its source before, its width grows
        with the count, edges never taken are faded, and edges the data takes that the
        machine lacks are drawn in red (:func:`smstatus.edges.observed_edges`).
    ax
        The Axes to draw on; defaults to the current Axes. Its aspect is set to equal and its
        frame hidden.
    max_labels
        Label at most this many edges, the most taken ones (``None``: every edge taken); the
        others are still drawn, their width telling how often they are taken.
    **kwargs
        Passed to each edge's :class:`~matplotlib.patches.FancyArrowPatch`
        (``mutation_scale``, ``arrowstyle``...).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Solid edges are documented or seen, dashed ones inferred only; edges that go back to an
    earlier status (retries, interruptions) are purple and bent.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from smstatus.machine import default_machine

    machine = machine or default_machine()
    ax = get_ax(ax)
    observed = None
    n_jobs = 0
    if history is not None:
        from smstatus.edges import observed_edges

        history = as_history(history)
        observed = observed_edges(history, machine=machine)
        n_jobs = history.n_jobs
    specs, statuses = _edges(machine, observed)
    pos = _positions(statuses, [(e.source, e.dest) for e in specs])
    _route(specs, pos)
    colors = status_colors(statuses)

    # -- nodes ---------------------------------------------------------------------------------
    boxes = {}
    for s in statuses:
        x, y = pos[s]
        unknown = s not in machine.index
        face = colors[s]
        box = FancyBboxPatch(
            (x - NODE_W / 2, y - NODE_H / 2),
            NODE_W,
            NODE_H,
            boxstyle="round,pad=0,rounding_size=0.16",
            facecolor=face,
            edgecolor=MISSING if unknown else "#222222",
            linewidth=2.4 if s in machine.terminal else 0.9,
            linestyle="--" if (s in machine.deprecated or unknown) else "-",
            zorder=3,
            gid=f"machine-node:{s}",
        )
        ax.add_patch(box)
        boxes[s] = box
        ax.text(
            x,
            y,
            _wrap(s),
            ha="center",
            va="center",
            fontsize=8.5,
            color=_text_color(face),
            zorder=4,
            linespacing=1.0,
        )
    # the initial status: a dot and an arrow into it
    if machine.initial in pos:
        x, y = pos[machine.initial]
        start = (x - NODE_W / 2 - 0.7, y)
        ax.plot(*start, marker="o", color="black", markersize=7, zorder=4)
        ax.add_patch(
            FancyArrowPatch(
                start,
                (x - NODE_W / 2 - 0.03, y),
                arrowstyle="-|>",
                mutation_scale=11,
                color="black",
                shrinkA=4,
                shrinkB=0,
                zorder=2,
            )
        )
    deprecated = [s for s in statuses if s in machine.deprecated and s in MACHINE_LAYOUT]
    if deprecated:
        xs = [pos[s][0] for s in deprecated]
        ys = [pos[s][1] for s in deprecated]
        ax.add_patch(
            FancyBboxPatch(
                (min(xs) - NODE_W / 2 - 0.25, min(ys) - NODE_H / 2 - 0.25),
                max(xs) - min(xs) + NODE_W + 0.5,
                max(ys) - min(ys) + NODE_H + 0.62,
                boxstyle="round,pad=0,rounding_size=0.2",
                facecolor="#f4f4f4",
                edgecolor="#bbbbbb",
                linestyle=":",
                zorder=0,
            )
        )
        ax.text(
            min(xs) - NODE_W / 2 - 0.1,
            max(ys) + NODE_H / 2 + 0.2,
            "deprecated by AWS (pre-2018 histories)",
            fontsize=7,
            color="#666666",
            va="center",
        )

    # -- edges -----------------------------------------------------------------------------------
    counts = [e.count for e in specs if e.count]
    top = max(counts) if counts else 1
    taken = sorted((e for e in specs if e.count), key=lambda e: -(e.count or 0))
    if max_labels is not None:
        taken = taken[:max_labels]
    labelled = {(e.source, e.dest) for e in taken}
    n_unlabelled = len(counts) - len(labelled)
    placed: list[tuple[float, float, float, float]] = [
        (x - NODE_W / 2, y - NODE_H / 2, x + NODE_W / 2, y + NODE_H / 2) for x, y in pos.values()
    ]
    for e in specs:
        color = MISSING if not e.in_machine else BACK if e.back else EVIDENCED
        if e.inferred and e.in_machine and not e.back:
            color = INFERRED
        width = 1.2 if not e.inferred else 0.8
        alpha = 1.0
        if observed is not None:
            if e.count:
                width = 0.6 + 2.9 * np.log1p(e.count) / np.log1p(top)
            else:
                alpha = FADED
        style: dict[str, Any] = {
            "arrowstyle": "-|>",
            "mutation_scale": 10,
            "connectionstyle": f"arc3,rad={e.rad}",
            "color": color,
            "linewidth": width,
            "linestyle": (0, (4, 2.5)) if e.inferred else "-",
            "alpha": alpha,
            "shrinkA": 0,
            "shrinkB": 0,
            "zorder": 2 if alpha == 1.0 else 1,
        }
        style.update(kwargs)
        arrow = FancyArrowPatch(*_ends(pos[e.source], pos[e.dest], e.rad), **style)
        arrow.set_gid(f"machine-edge:{e.source}->{e.dest}")
        ax.add_artist(arrow)  # limits are set below; no data-limit update per arrow
        if e.count and (e.source, e.dest) in labelled:
            text = f"{e.count:,}"
            if e.median_s is not None:
                text += f" · {format_duration(e.median_s)}"
            mx, my = _label_spot(e, pos, text, placed)
            ax.text(
                mx,
                my,
                text,
                fontsize=7,
                ha="center",
                va="center",
                color=color,
                zorder=5,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
                gid=f"machine-label:{e.source}->{e.dest}",
            )

    # -- frame -----------------------------------------------------------------------------------
    xs = np.array([p[0] for p in pos.values()])
    ys = np.array([p[1] for p in pos.values()])
    ax.set_xlim(xs.min() - NODE_W / 2 - 1.0, xs.max() + NODE_W / 2 + 0.3)
    ax.set_ylim(ys.min() - NODE_H / 2 - 0.6, ys.max() + NODE_H / 2 + 0.6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    handles = [
        Line2D([], [], color=EVIDENCED, label="documented or seen"),
        Line2D([], [], color=INFERRED, linestyle=(0, (4, 2.5)), label="inferred only"),
        Line2D([], [], color=BACK, label="back to an earlier status (retry)"),
    ]
    if observed is not None:
        handles.append(
            Line2D([], [], color=EVIDENCED, alpha=FADED, label="never taken in the data")
        )
        if any(not e.in_machine for e in specs):
            handles.append(
                Line2D([], [], color=MISSING, linewidth=2, label="taken, not in the machine")
            )
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(handles) if len(handles) <= 5 else 3,
        frameon=False,
        fontsize="small",
    )
    parts = [f"machine {machine.version}: {plural(len(machine.edges), 'legal edge')}"]
    if observed is not None:
        parts.append(
            f"{plural(n_jobs, 'job')}: edges labelled with times taken · median time in "
            "the status before"
        )
        if n_unlabelled:
            parts.append(
                f"{plural(n_unlabelled, 'edge')} taken less often drawn without a label "
                "(width grows with the count)"
            )
    note_title(ax, parts)
    return ax
