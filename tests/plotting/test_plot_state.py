"""No plot function and no report changes matplotlib's global state; labels never collide."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from _plot_data import synth_history
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import smstatus
from _trend_data import spiky_fleet


@pytest.fixture
def pdf_backend():
    """A caller whose backend is not Agg (a stand-in for Jupyter's inline backend)."""
    import matplotlib.pyplot as plt

    before = matplotlib.get_backend()
    plt.switch_backend("pdf")
    yield "pdf"
    plt.switch_backend(before)


def _state():
    import matplotlib.pyplot as plt

    return matplotlib.get_backend(), dict(matplotlib.rcParams), plt.get_fignums()


def test_build_report_keeps_the_callers_backend_rcparams_and_figures(pdf_backend, tmp_path):
    h, _ = spiky_fleet()
    before = _state()
    smstatus.build_report(h, tmp_path)
    after = _state()
    assert after[0] == pdf_backend == before[0]
    assert after[1] == before[1]
    assert after[2] == before[2]  # no pyplot figure left behind (nor made)


PLOTS = {
    "gantt": lambda h, ax: smstatus.plot_gantt(h, ax=ax),
    "machine": lambda h, ax: smstatus.plot_machine(history=h, ax=ax),
    "bottlenecks": lambda h, ax: smstatus.plot_bottlenecks(h, by="instance_type", ax=ax),
    "durations": lambda h, ax: smstatus.plot_durations(h, ax=ax),
    "trend": lambda h, ax: smstatus.plot_trend(h, by="instance_type", ax=ax),
}


@pytest.mark.parametrize("name", list(PLOTS))
def test_plot_functions_change_no_global_state(name, pdf_backend):
    h, _ = spiky_fleet()
    before = _state()
    ax = Figure(figsize=(10, 5)).add_subplot()
    assert PLOTS[name](h, ax) is ax
    assert _state() == before


def _drawn(fig):
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _no_overlap(extents, what):
    for i, a in enumerate(extents):
        for b in extents[i + 1 :]:
            assert not a.overlaps(b), what


@pytest.mark.parametrize(("n_groups", "size"), [(3, (11, 4)), (20, (11, 4)), (20, (12, 9))])
def test_bottleneck_labels_do_not_overlap_at_the_size_shown(n_groups, size):
    h = synth_history(200)
    kinds = np.array([f"ml.type{k:02d}.xlarge" for k in range(n_groups)], dtype=object)
    h.jobs["instance_type"] = kinds[np.arange(len(h.jobs)) % n_groups]
    fig = Figure(figsize=size, layout="constrained")
    ax = smstatus.plot_bottlenecks(h, by="instance_type", ax=fig.add_subplot())
    renderer = _drawn(fig)
    ticks = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    assert len(ticks) == n_groups
    _no_overlap(ticks, "group labels")
    shares = [t for t in ax.texts if t.get_text()]
    _no_overlap([t.get_window_extent(renderer) for t in shares], "percentages")
    lane = ax.get_window_extent().height / n_groups
    for t in shares:
        assert t.get_window_extent(renderer).height < lane  # inside its bar


@pytest.mark.parametrize("n_jobs", [5, 30, 60])
def test_gantt_lane_labels_do_not_overlap(n_jobs):
    fig = Figure(figsize=smstatus.plotting.gantt_figsize(n_jobs), layout="constrained")
    ax = smstatus.plot_gantt(synth_history(n_jobs), ax=fig.add_subplot(), align="start")
    renderer = _drawn(fig)
    ticks = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    assert len(ticks) == n_jobs
    _no_overlap(ticks, "lane labels")
    title = ax.title if ax.title.get_text() else ax._left_title
    legend = ax.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer))
    assert not title.get_window_extent(renderer).overlaps(legend)
