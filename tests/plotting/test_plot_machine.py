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
    return {
        t.get_gid().split(":", 1)[1]: t.get_text() for t in ax.texts if _gid(t, "machine-label:")
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
    h = history_of({"j": [("Starting", 0, 10), ("Mystery", 10, 20)]})
    ax = plot_machine(machine, history=h, ax=axes())
    found = nodes(ax)
    assert {"Queued", "Warming", "Mystery"} <= set(found)
    assert found["Mystery"].get_edgecolor()[:3] == pytest.approx(
        matplotlib.colors.to_rgb(MISSING)
    )  # not a status of the machine
    boxes = [(b.get_x(), b.get_y()) for b in found.values()]
    for i, (x1, y1) in enumerate(boxes):
        for x2, y2 in boxes[i + 1 :]:
            assert abs(x1 - x2) >= NODE_W or abs(y1 - y2) >= NODE_H
    assert to_hex(edges(ax)["Queued->Starting"].get_edgecolor()) != BACK.lower()
    assert "version" not in ax.get_title(loc="left")
    assert "v1.1+custom" in ax.get_title(loc="left")


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
