"""The machine of legal edges drawn with matplotlib (no Graphviz binary needed).

The statuses sit at fixed, hand-made places that follow the lifecycle: the initial status on
the left, the terminal ones in a column on the right, the retries and interruptions off the
main line, the deprecated statuses set apart above. Statuses a custom machine adds are placed
automatically in a row below, near the statuses they connect to.

With data, the legal machine stays the picture: its edges are labelled with how often they are
taken. What the data does outside the machine is summarised, not drawn in full: the few most
taken illegal edges in red, labelled, and one red box that counts the other illegal edges and
lists the statuses the machine does not know.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from smstatus.history import as_history
from smstatus.plotting.axes import get_ax, note_title
from smstatus.plotting.palette import status_colors, text_color
from smstatus.plotting.units import format_duration, plural

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from smstatus.history import HistoryLike
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


LABEL_PT = 7.0  # font size of the edge labels
NODE_PT = 8.5  # font size of the status names


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


@dataclass
class _Scene:
    """What is drawn: the statuses and their places, the edges, and what is left out."""

    statuses: list[str]
    pos: dict[str, tuple[float, float]]
    edges: list[_EdgeSpec]
    n_jobs: int = 0
    with_data: bool = False
    hidden_edges: int = 0  # illegal edges taken, not drawn
    hidden_taken: int = 0  # how often they were taken
    unknown: pd.Series | None = None  # entries per status outside the machine, most first


def _legal_edges(machine: StatusMachine) -> dict[tuple[str, str], _EdgeSpec]:
    order = {s: i for i, s in enumerate(machine.statuses)}
    return {
        (edge.source, edge.dest): _EdgeSpec(
            edge.source,
            edge.dest,
            in_machine=True,
            inferred=edge.inferred_only,
            back=_is_back(edge.source, edge.dest, order, machine.terminal),
        )
        for edge in machine.edges
    }


def _scene(machine: StatusMachine, history: Any, max_illegal: int) -> _Scene:
    """The legal machine, its edges annotated with the data when there is a history; the
    ``max_illegal`` most taken illegal edges between statuses of the machine; the rest
    counted."""
    specs = _legal_edges(machine)
    statuses = list(machine.statuses)
    scene = _Scene(statuses, {}, [])
    if history is not None:
        from smstatus.analysis.edges import observed_edges

        history = as_history(history)
        observed = observed_edges(history, machine=machine)
        scene.n_jobs, scene.with_data = history.n_jobs, True
        _annotate(scene, specs, observed, machine, max_illegal)
        known = set(machine.statuses)
        status = history.transitions["status"].astype(str)
        outside = status[~status.isin(known)]
        scene.unknown = outside.value_counts(sort=True) if len(outside) else None
    scene.edges = list(specs.values())
    scene.pos = _positions(statuses, [(e.source, e.dest) for e in scene.edges])
    _route(scene.edges, scene.pos)
    return scene


def _annotate(
    scene: _Scene,
    specs: dict[tuple[str, str], _EdgeSpec],
    observed: pd.DataFrame,
    machine: StatusMachine,
    max_illegal: int,
) -> None:
    """Counts and medians onto the legal edges; the most taken illegal edges added."""
    order = {s: i for i, s in enumerate(machine.statuses)}
    taken = observed[observed["count"] > 0]
    median = taken["median_s"].astype(float)
    for row, med in zip(taken.itertuples(index=False), median, strict=True):
        key = (str(row.source), str(row.dest))
        if key in specs:
            specs[key].count = int(row.count)  # type: ignore[call-overload]
            specs[key].median_s = None if np.isnan(med) else float(med)
    illegal = taken[~taken["in_machine"].astype(bool)]
    drawable = illegal["source"].astype(str).isin(order) & illegal["dest"].astype(str).isin(order)
    shown = illegal[drawable].sort_values("count", ascending=False, kind="stable")
    shown = shown.head(max(max_illegal, 0))
    for row in shown.itertuples(index=False):
        key = (str(row.source), str(row.dest))
        med = float(row.median_s)  # type: ignore[arg-type]
        specs[key] = _EdgeSpec(
            *key,
            in_machine=False,
            inferred=False,
            back=_is_back(*key, order, machine.terminal),
            count=int(row.count),  # type: ignore[call-overload]
            median_s=None if np.isnan(med) else med,
        )
    scene.hidden_edges = len(illegal) - len(shown)
    scene.hidden_taken = int(illegal["count"].sum() - shown["count"].sum())
    for spec in specs.values():
        if spec.count is None:
            spec.count = 0


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


class _LabelPlacer:
    """Finds a spot beside each edge for its label, clear of the nodes, the other labels and,
    where it can, the other edges; label sizes in data units from the Axes' size."""

    def __init__(self, ax: Axes, scene: _Scene, curves: dict[tuple[str, str], np.ndarray]):
        bbox = ax.get_window_extent()
        dpi = ax.figure.dpi
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        # with an equal aspect, the longer side in data units per point sets the scale
        self.unit = max(
            (x1 - x0) / max(bbox.width * 72.0 / dpi, 1.0),
            (y1 - y0) / max(bbox.height * 72.0 / dpi, 1.0),
        )
        pad = 0.05
        self.nodes = [
            (x - NODE_W / 2 - pad, y - NODE_H / 2 - pad, x + NODE_W / 2 + pad, y + NODE_H / 2 + pad)
            for x, y in scene.pos.values()
        ]
        self.labels: list[tuple[float, float, float, float]] = []
        self.curves = curves

    def size(self, text: str) -> tuple[float, float]:
        """Half width and half height of a label, in data units (with its white pad)."""
        lines = text.split("\n")
        width = max(len(line) for line in lines)
        return (
            (0.29 * LABEL_PT * width + 2.0) * self.unit,
            (0.6 * LABEL_PT * len(lines) + 1.5) * self.unit,
        )

    def place(
        self, e: _EdgeSpec, pos: Mapping[str, tuple[float, float]], texts: list[str]
    ) -> tuple[tuple[float, float], str] | None:
        """The centre of the label and the form of its text that fits best (one line, or
        stacked beside a short edge); None when no spot is clear of the nodes and labels."""
        a, b = (np.array(p) for p in _ends(pos[e.source], pos[e.dest], e.rad))
        ctrl = (a + b) / 2 + e.rad * np.array([(b - a)[1], -(b - a)[0]])
        curves = list(self.curves.values())
        points = np.concatenate(curves) if curves else np.zeros((0, 2))
        best = None
        for form, text in enumerate(texts):
            half_w, half_h = self.size(text)
            for rank, (t, side, far) in enumerate(_CANDIDATES):
                point = (1 - t) ** 2 * a + 2 * (1 - t) * t * ctrl + t**2 * b
                tangent = 2 * (1 - t) * (ctrl - a) + 2 * t * (b - ctrl)
                normal = np.array([-tangent[1], tangent[0]]) / max(float(np.hypot(*tangent)), 1e-9)
                if (e.rad > 0) == (side == 1):  # first try outside the bulge
                    normal = -normal
                offset = far * (half_h + abs(normal[0]) * (half_w - half_h)) + 2.5 * self.unit
                x, y = point + offset * normal
                box = (x - half_w, y - half_h, x + half_w, y + half_h)
                blocked = _overlaps(box, self.nodes) + _overlaps(box, self.labels)
                inside = (
                    (points[:, 0] > box[0])
                    & (points[:, 0] < box[2])
                    & (points[:, 1] > box[1])
                    & (points[:, 1] < box[3])
                )
                score = (blocked, int(inside.sum()), form, rank)
                if best is None or score < best[0]:
                    best = (score, (float(x), float(y)), box, text)
                if score[:2] == (0, 0):
                    break
            if best is not None and best[0][:2] == (0, 0):
                break
        if best is None or best[0][0] > 0:
            return None
        self.labels.append(best[2])
        return best[1], best[3]


_CANDIDATES = [
    (t, side, far)
    for far in (1.0, 1.6)
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)
    for side in (0, 1)
]


def _overlaps(box: tuple[float, float, float, float], boxes: list[Any]) -> int:
    return sum(box[0] < p[2] and p[0] < box[2] and box[1] < p[3] and p[1] < box[3] for p in boxes)


def _is_back(source: str, dest: str, order: Mapping[str, int], terminal: frozenset[str]) -> bool:
    """An edge back to an earlier status of the lifecycle (a retry, a return); edges that
    touch a status outside the vocabulary are never called back-edges."""
    if source not in MACHINE_LAYOUT or dest not in MACHINE_LAYOUT or dest in terminal:
        return False
    return order[dest] < order[source]


def plot_machine(
    machine: StatusMachine | None = None,
    *,
    history: HistoryLike | None = None,
    ax: Axes | None = None,
    max_labels: int | None = 20,
    max_illegal: int = 3,
    **kwargs: Any,
) -> Axes:
    """Draw the machine of legal edges; with a history, annotate the edges with the data.

    Parameters
    ----------
    machine
        The machine (default: :func:`smstatus.default_machine`).
    history
        A :class:`~smstatus.history.JobHistory`: each legal edge is labelled with the number
        of times it was taken and the median time spent in its source before, its width grows
        with the count, and edges never taken are faded. What the data does outside the
        machine is summarised: the ``max_illegal`` most taken illegal edges are drawn in red,
        labelled, and a red box counts the others and lists the statuses outside the machine
        (see :func:`smstatus.analysis.edges.observed_edges` for all of them).
    ax
        The Axes to draw on; defaults to the current Axes. Its aspect is set to equal and its
        frame hidden.
    max_labels
        Label at most this many edges, the most taken ones (``None``: every edge taken); the
        others are still drawn, their width telling how often they are taken. A label that
        finds no place clear of the nodes and the other labels is left out, and counted.
    max_illegal
        How many of the most taken illegal edges (between statuses of the machine) to draw.
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
    from smstatus.machine import StatusMachine, default_machine

    if machine is not None and not isinstance(machine, StatusMachine):
        raise TypeError(
            f"machine must be a StatusMachine, got {type(machine).__name__}; "
            "annotate with the data by history=..."
        )
    machine = machine or default_machine()
    ax = get_ax(ax)
    scene = _scene(machine, history, max_illegal)
    _frame(ax, scene)
    _draw_nodes(ax, scene, machine)
    _draw_initial(ax, scene, machine)
    _draw_deprecated(ax, scene, machine)
    curves = _draw_edges(ax, scene, kwargs)
    n_unlabelled = _draw_labels(ax, scene, curves, max_labels)
    _draw_outside(ax, scene)
    _legend(ax, scene)
    _note(ax, scene, machine, n_unlabelled)
    return ax


def _frame(ax: Axes, scene: _Scene) -> None:
    """Limits around the nodes (room below for the box of what is outside), equal aspect."""
    xs = np.array([p[0] for p in scene.pos.values()])
    ys = np.array([p[1] for p in scene.pos.values()])
    below = 0.6
    if scene.unknown is not None or scene.hidden_edges:
        below = 1.3
    ax.set_xlim(xs.min() - NODE_W / 2 - 1.0, xs.max() + NODE_W / 2 + 0.3)
    ax.set_ylim(ys.min() - NODE_H / 2 - below, ys.max() + NODE_H / 2 + 0.6)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _draw_nodes(ax: Axes, scene: _Scene, machine: StatusMachine) -> None:
    from matplotlib.patches import FancyBboxPatch

    colors = status_colors(scene.statuses)
    for s in scene.statuses:
        x, y = scene.pos[s]
        face = colors[s]
        box = FancyBboxPatch(
            (x - NODE_W / 2, y - NODE_H / 2),
            NODE_W,
            NODE_H,
            boxstyle="round,pad=0,rounding_size=0.16",
            facecolor=face,
            edgecolor="#222222",
            linewidth=2.4 if s in machine.terminal else 0.9,
            linestyle="--" if s in machine.deprecated else "-",
            zorder=3,
            gid=f"machine-node:{s}",
        )
        ax.add_patch(box)
        ax.text(
            x,
            y,
            _wrap(s),
            ha="center",
            va="center",
            fontsize=NODE_PT,
            color=text_color(face),
            zorder=4,
            linespacing=1.0,
            gid=f"machine-name:{s}",
        )


def _draw_initial(ax: Axes, scene: _Scene, machine: StatusMachine) -> None:
    """A dot and an arrow into the initial status."""
    from matplotlib.patches import FancyArrowPatch

    if machine.initial not in scene.pos:
        return
    x, y = scene.pos[machine.initial]
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


def _draw_deprecated(ax: Axes, scene: _Scene, machine: StatusMachine) -> None:
    """A pale frame around the deprecated statuses, with its caption."""
    from matplotlib.patches import FancyBboxPatch

    deprecated = [s for s in scene.statuses if s in machine.deprecated and s in MACHINE_LAYOUT]
    if not deprecated:
        return
    xs = [scene.pos[s][0] for s in deprecated]
    ys = [scene.pos[s][1] for s in deprecated]
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


def _edge_color(e: _EdgeSpec) -> str:
    if not e.in_machine:
        return MISSING
    if e.back:
        return BACK
    return INFERRED if e.inferred else EVIDENCED


def _draw_edges(
    ax: Axes, scene: _Scene, kwargs: dict[str, Any]
) -> dict[tuple[str, str], np.ndarray]:
    """Every edge as an arrow: never-taken ones faded and beneath, the rest by their count;
    returns the sampled curve of each prominent (not faded) edge."""
    from matplotlib.patches import FancyArrowPatch

    counts = [e.count for e in scene.edges if e.count]
    top = max(counts) if counts else 1
    curves = {}
    for e in scene.edges:
        width = 1.2 if not e.inferred else 0.8
        faded = scene.with_data and not e.count
        if scene.with_data and e.count:
            width = 0.6 + 2.9 * np.log1p(e.count) / np.log1p(top)
        style: dict[str, Any] = {
            "arrowstyle": "-|>",
            "mutation_scale": 10,
            "connectionstyle": f"arc3,rad={e.rad}",
            "color": _edge_color(e),
            "linewidth": width,
            "linestyle": (0, (4, 2.5)) if e.inferred else "-",
            "alpha": FADED if faded else 1.0,
            "shrinkA": 0,
            "shrinkB": 0,
            "zorder": 1 if faded else 2,
        }
        style.update(kwargs)
        arrow = FancyArrowPatch(*_ends(scene.pos[e.source], scene.pos[e.dest], e.rad), **style)
        arrow.set_gid(f"machine-edge:{e.source}->{e.dest}")
        ax.add_artist(arrow)  # limits are set beforehand; no data-limit update per arrow
        if not faded:
            a, b = (np.array(p) for p in _ends(scene.pos[e.source], scene.pos[e.dest], e.rad))
            curves[(e.source, e.dest)] = _curve(a, b, e.rad)
    return curves


def _draw_labels(
    ax: Axes,
    scene: _Scene,
    curves: dict[tuple[str, str], np.ndarray],
    max_labels: int | None,
) -> int:
    """Label the most taken legal edges, then the illegal ones drawn; returns how many taken
    edges carry no label."""
    taken = sorted(
        (e for e in scene.edges if e.count),
        key=lambda e: (not e.in_machine, -(e.count or 0)),
    )
    n_legal = 0
    placer = _LabelPlacer(ax, scene, curves)
    labelled = 0
    for e in taken:
        if e.in_machine:
            if max_labels is not None and n_legal >= max_labels:
                continue
            n_legal += 1
        texts = [f"{e.count:,}"]
        if e.median_s is not None:
            median = format_duration(e.median_s)
            texts = [f"{e.count:,} · {median}", f"{e.count:,}\n{median}"]
        found = placer.place(e, scene.pos, texts)
        if found is None:
            continue
        labelled += 1
        (x, y), text = found
        ax.text(
            x,
            y,
            text,
            linespacing=1.0,
            fontsize=LABEL_PT,
            ha="center",
            va="center",
            color=_edge_color(e) if e.in_machine else MISSING,
            fontweight="normal" if e.in_machine else "bold",
            zorder=5,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
            gid=f"machine-label:{e.source}->{e.dest}",
        )
    return len(taken) - labelled


def _outside_text(scene: _Scene) -> list[str]:
    """The lines of the box of what the data does outside the machine."""
    lines = []
    drawn = sum(1 for e in scene.edges if not e.in_machine)
    if drawn or scene.hidden_edges:
        text = f"{plural(drawn + scene.hidden_edges, 'edge')} taken that the machine lacks"
        if drawn:
            text += f": the {drawn} most taken in red"
        if scene.hidden_edges:
            text += (
                f"{'; ' if drawn else ': '}{plural(scene.hidden_edges, 'other')} "
                f"({plural(scene.hidden_taken, 'time')}) not drawn"
            )
        lines.append(text)
    if scene.unknown is not None:
        names = [f"{s} ({n:,})" for s, n in scene.unknown.head(6).items()]
        more = len(scene.unknown) - len(names)
        lines.append(
            f"{plural(len(scene.unknown), 'status', 'statuses')} outside the machine "
            f"(entries): {', '.join(names)}" + (f" and {more} more" if more > 0 else "")
        )
    return lines


def _draw_outside(ax: Axes, scene: _Scene) -> None:
    """One red box, bottom left, that sums up what is outside the machine."""
    import textwrap

    lines = _outside_text(scene)
    if not lines:
        return
    wrapped = "\n".join(
        "\n".join(textwrap.wrap(line, 70, subsequent_indent="  ")) for line in lines
    )
    ax.text(
        0.0,
        0.0,
        "Not in the machine\n" + wrapped,
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        fontsize=7.5,
        color="#222222",
        linespacing=1.25,
        zorder=6,
        bbox={"boxstyle": "round,pad=0.4", "fc": "#fff5f2", "ec": MISSING, "lw": 1.0},
        gid="machine-outside",
    )


def _legend(ax: Axes, scene: _Scene) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=EVIDENCED, label="documented or seen"),
        Line2D([], [], color=INFERRED, linestyle=(0, (4, 2.5)), label="inferred only"),
        Line2D([], [], color=BACK, label="back to an earlier status (retry)"),
    ]
    if scene.with_data:
        handles.append(
            Line2D([], [], color=EVIDENCED, alpha=FADED, label="never taken in the data")
        )
        if any(not e.in_machine for e in scene.edges):
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


def _note(ax: Axes, scene: _Scene, machine: StatusMachine, n_unlabelled: int) -> None:
    parts = [f"machine {machine.version}: {plural(len(machine.edges), 'legal edge')}"]
    if scene.with_data:
        parts.append(
            f"{plural(scene.n_jobs, 'job')}: edges labelled with times taken · median time in "
            "the status before"
        )
        if n_unlabelled:
            parts.append(
                f"{plural(n_unlabelled, 'edge')} taken less often drawn without a label "
                "(width grows with the count)"
            )
    note_title(ax, parts)
