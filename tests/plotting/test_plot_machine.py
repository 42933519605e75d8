"""plot_machine: nodes, edges, styles, and the data's annotations."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
from _plot_data import history_of, synth_history
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from smstatus import StatusMachine, default_machine
from smstatus.plotting import STATUS_PALETTE, plot_machine
from smstatus.plotting.machine import BACK, FADED, MACHINE_LAYOUT, MISSING, NODE_H, NODE_W


def axes():
    return Figure(figsize=(14, 8.5)).add_subplot()


def nodes(ax):
    return {p.get_gid().split(":", 1)[1]: p for p in ax.patches if _gid(p, "machine-node:")}


def edges(ax):
    return {p.get_gid().split(":", 1)[1]: p for p in ax.patches if _gid(p, "machine-edge:")}


def labels(ax):
    """Edge labels as one line of text each (a label beside a short edge is stacked)."""
    return {
        t.get_gid().split(":", 1)[1]: t.get_text().replace("\n", " · ")
        for t in ax.texts
        if _gid(t, "machine-label:")
    }


def _gid(artist, prefix):
    return (artist.get_gid() or "").startswith(prefix)


def test_every_status_is_a_node_in_its_colour_at_its_place():
    ax = plot_machine(ax=axes())
    found = nodes(ax)
    assert set(found) == set(default_machine().statuses)
    for status, box in found.items():
        assert to_hex(box.get_facecolor()) == STATUS_PALETTE[status].lower()
        x, y = MACHINE_LAYOUT[status]
        assert box.get_x() == pytest.approx(x - NODE_W / 2)
        assert box.get_y() == pytest.approx(y - NODE_H / 2)
    # lifecycle: the initial status left, the terminal ones right, the deprecated ones apart
    xs = {s: MACHINE_LAYOUT[s][0] for s in found}
    assert xs["Starting"] == min(xs.values())
    assert all(xs[s] == max(xs.values()) for s in default_machine().terminal)
    assert found["LaunchingMLInstances"].get_linestyle() == "--"
    assert found["Completed"].get_linewidth() > found["Training"].get_linewidth()


def test_every_edge_is_an_arrow_styled_by_its_basis_and_direction():
    machine = default_machine()
    ax = plot_machine(machine, ax=axes())
    arrows = edges(ax)
    assert set(arrows) == {f"{e.source}->{e.dest}" for e in machine.edges}
    inferred = arrows["Starting->Failed"]
    assert inferred.get_linestyle() != "-"  # dashed
    assert arrows["Starting->Downloading"].get_linestyle() == "-"
    back = arrows["Training->Starting"]  # a retry: back to an earlier status
    assert to_hex(back.get_edgecolor()) == BACK.lower()
    assert "rad=0.0" not in back.get_connectionstyle().__repr__() or back.get_connectionstyle().rad
    assert back.get_connectionstyle().rad != 0  # bent
    assert arrows["Training->Uploading"].get_connectionstyle().rad == 0  # straight when free
    # reverse pairs bend apart
    assert arrows["Starting->Pending"].get_connectionstyle().rad != 0
    assert not labels(ax)  # no data, no counts
    assert ax.get_aspect() == 1.0 and not ax.axison


def test_history_labels_edges_with_counts_and_median_times():
    h = history_of(
        {
            "a": [("Starting", 0, 60), ("Downloading", 60, 120), ("Training", 120, 720)],
            "b": [("Starting", 0, 180), ("Downloading", 180, 200), ("Training", 200, 260)],
        }
    )
    ax = plot_machine(history=h, ax=axes())
    found = labels(ax)
    assert found == {"Starting->Downloading": "2 · 2 min", "Downloading->Training": "2 · 40 s"}
    arrows = edges(ax)
    assert arrows["Starting->Downloading"].get_alpha() in (None, 1.0)
    assert arrows["Training->Uploading"].get_alpha() == FADED  # never taken
    assert (
        arrows["Starting->Downloading"].get_linewidth()
        > arrows["Training->Uploading"].get_linewidth()
    )
    assert "2 jobs" in ax.get_title(loc="left")


def test_a_history_given_as_the_machine_is_refused_with_a_hint():
    h = history_of({"a": [("Starting", 0, 60), ("Training", 60, 120)]})
    with pytest.raises(TypeError, match="history="):
        plot_machine(h, ax=axes())


def test_edges_missing_from_the_machine_are_red():
    h = history_of({"j": [("Starting", 0, 10), ("Completed", 10, 10)]})
    ax = plot_machine(history=h, ax=axes())
    arrow = edges(ax)["Starting->Completed"]
    assert to_hex(arrow.get_edgecolor()) == MISSING.lower()
    assert labels(ax)["Starting->Completed"] == "1 · 10 s"
    assert "taken, not in the machine" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_statuses_outside_the_layout_are_placed_apart_without_overlap():
    machine = StatusMachine().extend(
        add_statuses=[{"name": "Queued", "primary": "InProgress"}, "Warming"],
        add_edges=[("Queued", "Starting", "seen"), ("Warming", "Training"), ("Queued", "Warming")],
    )
    h = history_of({"j": [("Starting", 0, 10), ("Training", 10, 20)]})
    ax = plot_machine(machine, history=h, ax=axes())
    found = nodes(ax)
    assert {"Queued", "Warming"} <= set(found)
    boxes = [(b.get_x(), b.get_y()) for b in found.values()]
    for i, (x1, y1) in enumerate(boxes):
        for x2, y2 in boxes[i + 1 :]:
            assert abs(x1 - x2) >= NODE_W or abs(y1 - y2) >= NODE_H
    assert to_hex(edges(ax)["Queued->Starting"].get_edgecolor()) != BACK.lower()
    assert "version" not in ax.get_title(loc="left")
    assert "v1.1+custom" in ax.get_title(loc="left")


def _outside(ax):
    found = [t.get_text() for t in ax.texts if _gid(t, "machine-outside")]
    return found[0] if found else None


def test_statuses_outside_the_machine_are_listed_in_one_box_not_drawn():
    h = history_of(
        {
            "a": [("Starting", 0, 10), ("Mystery", 10, 20), ("Training", 20, 30)],
            "b": [("Starting", 0, 10), ("Mystery", 10, 20), ("Enigma", 20, 30)],
        }
    )
    ax = plot_machine(history=h, ax=axes())
    assert not {"Mystery", "Enigma"} & set(nodes(ax))
    assert not [k for k in edges(ax) if "Mystery" in k or "Enigma" in k]
    text = " ".join(_outside(ax).split())
    assert "2 statuses outside the machine" in text
    assert "Mystery (2), Enigma (1)" in text  # entries, most first


def test_only_the_most_taken_illegal_edges_are_drawn_the_rest_counted():
    jobs = {}
    # Starting -> Completed taken 3 times, Starting -> Uploading twice, Downloading -> Stopped once
    for k in range(3):
        jobs[f"sc{k}"] = [("Starting", 0, 10), ("Completed", 10, 10)]
    for k in range(2):
        jobs[f"su{k}"] = [("Starting", 0, 10), ("Uploading", 10, 20), ("Completed", 20, 20)]
    jobs["ds"] = [("Starting", 0, 10), ("Downloading", 10, 20), ("Stopped", 20, 20)]
    h = history_of(jobs)
    ax = plot_machine(history=h, ax=axes(), max_illegal=1)
    red = [k for k, a in edges(ax).items() if to_hex(a.get_edgecolor()) == MISSING.lower()]
    assert red == ["Starting->Completed"]
    assert labels(ax)["Starting->Completed"] == "3 · 10 s"
    text = " ".join(_outside(ax).split())
    assert "3 edges taken that the machine lacks" in text
    assert "2 others (3 times) not drawn" in text
    assert _outside(plot_machine(history=history_of({"ok": jobs["ds"][:2]}), ax=axes())) is None


def _extents(ax):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ax.figure
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = {t.get_gid(): t.get_window_extent(renderer) for t in ax.texts if t.get_gid()}
    boxes = {
        p.get_gid(): p.get_window_extent(renderer) for p in ax.patches if _gid(p, "machine-node:")
    }
    return texts, boxes


@pytest.mark.parametrize("n_jobs", [10, 4000])
def test_labels_overlap_no_node_no_other_label_and_not_their_own_edge(n_jobs):
    import numpy as np

    from smstatus.simulation.sample import load_sample

    sample = load_sample()
    h = sample.select(list(sample.job_names[:n_jobs]))
    ax = plot_machine(history=h, ax=Figure(figsize=(14, 8)).add_subplot())
    texts, boxes = _extents(ax)
    placed = {k: v for k, v in texts.items() if k.startswith("machine-label:")}
    assert len(placed) >= min(8, len(labels(ax)))
    names = list(placed)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not placed[a].overlaps(placed[b]), (a, b)
        for node, box in boxes.items():
            assert not placed[a].overlaps(box), (a, node)
    # beside their own edge, never on it; the other drawn edges are crossed rarely
    crossing = 0
    arrows = {p.get_gid().split(":", 1)[1]: p for p in ax.patches if _gid(p, "machine-edge:")}
    for gid, extent in placed.items():
        key = gid.split(":", 1)[1]
        for name, arrow in arrows.items():
            if arrow.get_alpha() not in (None, 1.0):
                continue
            pts = ax.transData.transform(
                np.concatenate(arrow.get_path().to_polygons(closed_only=False))
            )
            inside = (
                (pts[:, 0] > extent.x0)
                & (pts[:, 0] < extent.x1)
                & (pts[:, 1] > extent.y0)
                & (pts[:, 1] < extent.y1)
            ).any()
            assert not (inside and name == key), key
            crossing += bool(inside)
    assert crossing <= len(placed) // 3


def test_only_the_most_taken_edges_are_labelled():
    h = synth_history(60)
    every = labels(plot_machine(history=h, ax=axes(), max_labels=None))
    top = labels(plot_machine(history=h, ax=axes(), max_labels=3))
    assert len(top) == 3 < len(every)
    counts = sorted((int(t.split(" ")[0].replace(",", "")) for t in every.values()), reverse=True)
    assert sorted(int(t.split(" ")[0]) for t in top.values()) == sorted(counts[:3])
    ax = plot_machine(history=h, ax=axes(), max_labels=3)
    assert f"{len(every) - 3} edges taken less often" in ax.get_title(loc="left")


def test_kwargs_reach_the_arrows():
    ax = plot_machine(ax=axes(), mutation_scale=22)
    assert all(a.get_mutation_scale() == 22 for a in edges(ax).values())


def test_annotated_machine_of_many_jobs_draws(tmp_path):
    fig = Figure(figsize=(14, 8.5), layout="constrained")
    ax = plot_machine(history=synth_history(60), ax=fig.add_subplot())
    assert len(labels(ax)) >= 8
    assert all(isinstance(a, FancyArrowPatch) for a in edges(ax).values())
    fig.savefig(tmp_path / "m.png")
    assert (tmp_path / "m.png").stat().st_size > 10_000
