"""plot_durations and plot_bottlenecks: the artists they draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from _plot_data import history_of, synth_history
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from smstatus.analysis.hotspots import bottlenecks
from smstatus.plotting import STATUS_PALETTE, plot_bottlenecks, plot_durations


def axes():
    return Figure(figsize=(8, 5)).add_subplot()


@pytest.fixture(scope="module")
def many():
    return synth_history(120)


@pytest.fixture
def known():
    """Durations known by heart: Starting 60 s and 120 s, Training 600 s and open."""
    return history_of(
        {
            "a": [("Starting", 0, 60), ("Training", 60, 660), ("Completed", 660, 660)],
            "b": [("Starting", 0, 120), ("Training", 120, None)],
        },
        spot={"a": True, "b": False},
        last_modified_time={"a": 660, "b": 1120},
    )


def row_labels(ax):
    return [t.get_text().split("\n")[0] for t in ax.get_yticklabels()]


# -- plot_durations ---------------------------------------------------------------------------


def test_box_one_box_per_status_in_its_colour(many):
    ax = plot_durations(many, ax=axes())
    shown = row_labels(ax)
    assert shown == [
        "Starting",
        "Pending",
        "Downloading",
        "Training",
        "Interrupted",
        "Uploading",
        "Stopping",
    ]  # lifecycle order, terminal statuses (always zero-length) left out
    boxes = [p for p in ax.patches if p.get_label().count("|") == 1]
    assert [p.get_label().split("|")[0] for p in boxes] == shown
    for box in boxes:
        assert to_hex(box.get_facecolor()) == STATUS_PALETTE[box.get_label().split("|")[0]].lower()
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "duration (log scale)"


def test_box_statistics_are_those_of_the_closed_entries(known):
    ax = plot_durations(known, ax=axes(), log=False)
    assert row_labels(ax) == ["Starting", "Training"]
    # Training: one closed entry (600 s = 10 min) and one open (1000 s so far)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[1] == "Training\n(1 + 1 open)"
    assert ax.get_xlabel() == "duration (min)"
    medians = [line.get_xdata()[0] for line in ax.lines if len(line.get_xdata()) == 2]
    assert 10.0 in medians  # Training's median: its closed entry, 10 minutes
    open_marks = [c for c in ax.collections if c.get_label() == "_open"]
    assert len(open_marks) == 1
    assert np.asarray(open_marks[0].get_offsets())[0, 0] == pytest.approx(1000 / 60)
    title = ax.get_title(loc="left").replace("\n", " ")
    assert "1 open entry measured up to when its job was observed (2024-03-01 00:18 UTC)" in title
    ax = plot_durations(known, ax=axes(), log=False, as_of="2024-03-01T00:30:00Z")
    assert "1 open entry measured up to 2024-03-01 00:30 UTC" in ax.get_title(loc="left")
    assert "observed" not in ax.get_title(loc="left")


def test_by_splits_each_status_into_hatched_groups(known, many):
    ax = plot_durations(many, ax=axes(), by="instance_type")
    boxes = [p for p in ax.patches if p.get_label().count("|") == 1]
    assert len(boxes) == 7 * 3
    hatches = {p.get_label().split("|")[1]: p.get_hatch() for p in boxes}
    assert len(set(hatches.values())) == 3
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["ml.g5.2xlarge", "ml.m5.xlarge", "ml.p3.2xlarge"]
    # booleans read as spot=True
    ax = plot_durations(known, ax=axes(), by="spot")
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["spot=False", "spot=True"]
    assert "by spot" in ax.get_title(loc="left")


def test_ecdf_one_line_per_status_and_group(many):
    ax = plot_durations(many, ax=axes(), kind="ecdf")
    assert len(ax.lines) == 7
    assert [to_hex(line.get_color()) for line in ax.lines][:2] == [
        STATUS_PALETTE["Starting"].lower(),
        STATUS_PALETTE["Pending"].lower(),
    ]
    assert ax.get_ylabel() == "share of entries at most this long"
    ax = plot_durations(many, ax=axes(), kind="ecdf", by="spot")
    assert len(ax.lines) == 7 * 2
    assert {line.get_linestyle() for line in ax.lines} == {"-", "--"}


def test_violin_densities_on_log_durations(many):
    ax = plot_durations(many, ax=axes(), kind="violin")
    bodies = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bodies) == 7
    assert [to_hex(b.get_facecolor()[0]) for b in bodies][:3] == [
        STATUS_PALETTE[s].lower() for s in ("Starting", "Pending", "Downloading")
    ]
    assert ax.get_xscale() == "log"


def test_statuses_chooses_and_orders_rows(many):
    ax = plot_durations(many, ax=axes(), statuses=["Training", "Pending"])
    assert row_labels(ax) == ["Training", "Pending"]
    ax = plot_durations(many, ax=axes(), statuses=["Restarting", "Training"])
    assert ax.get_yticklabels()[0].get_text() == "Restarting\n(0)"  # an empty row
    with pytest.raises(ValueError, match="neither statuses of the machine nor in the data"):
        plot_durations(many, ax=axes(), statuses=["Trainign"])


def test_kind_must_be_known(many):
    with pytest.raises(ValueError, match="kind must be one of"):
        plot_durations(many, ax=axes(), kind="histogram")


def test_kwargs_reach_the_wrapped_call(many):
    ax = plot_durations(many, ax=axes(), showfliers=False)
    assert not any(
        line.get_marker() == "." and len(line.get_xdata()) for line in ax.lines
    )  # no flier points


def test_zero_length_entries_are_counted_on_a_log_scale():
    h = history_of({"j": [("Starting", 0, 0), ("Training", 0, 60), ("Completed", 60, 60)]})
    ax = plot_durations(h, ax=axes())
    assert "1 zero-length entry not shown on the log scale" in ax.get_title(loc="left")


def test_many_groups_pool_the_rarest_as_other(many):
    ax = plot_durations(many, ax=axes(), by=lambda jobs: jobs["job_name"].str[-2:])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(legend) - 1 == 6 and legend[5] == "other"  # the last entry: open entries


# -- plot_bottlenecks -------------------------------------------------------------------------


def test_bottlenecks_one_bar_per_group_stacked_to_one(many):
    ax = plot_bottlenecks(many, ax=axes(), by="instance_type")
    statuses = [c.get_label() for c in ax.containers]
    assert statuses == [
        "Starting",
        "Pending",
        "Downloading",
        "Interrupted",
        "Uploading",
        "Stopping",
    ]
    widths = np.array([[bar.get_width() for bar in c] for c in ax.containers])
    assert widths.shape == (6, 3)
    assert np.allclose(widths.sum(axis=0), 1.0)
    # the widths are the shares bottlenecks() computes
    shares = bottlenecks(many, by="instance_type").shares
    first = shares[shares["instance_type"] == shares["instance_type"].iloc[0]]
    assert widths[0, 0] == pytest.approx(first.loc[first.status == "Starting", "share"].iloc[0])
    for c in ax.containers:
        assert to_hex(c[0].get_facecolor()) == STATUS_PALETTE[c.get_label()].lower()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("ml.g5.2xlarge\n40 jobs, ")
    assert ax.get_xlabel() == "share of time (excluding Training)"


def test_bottlenecks_percentages_on_wide_segments_only(known):
    ax = plot_bottlenecks(known, ax=axes(), exclude=())
    texts = [t.get_text() for t in ax.texts if t.get_text()]
    # Starting 180 s and Training 1600 s: 10% and 90%
    assert texts == ["10%", "90%"]
    assert ax.get_xlabel() == "share of time"


def test_bottlenecks_without_by_is_one_bar(many):
    ax = plot_bottlenecks(many, ax=axes())
    assert all(len(c) == 1 for c in ax.containers)
    assert ax.get_yticklabels()[0].get_text().startswith("all jobs\n120 jobs")


def test_bottlenecks_kwargs_reach_barh(many):
    ax = plot_bottlenecks(many, ax=axes(), height=0.3)
    assert ax.containers[0][0].get_height() == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("plot", "kwargs"),
    [
        (plot_durations, {}),
        (plot_durations, {"kind": "ecdf"}),
        (plot_durations, {"kind": "violin"}),
        (plot_bottlenecks, {}),
        (plot_bottlenecks, {"by": "spot"}),
    ],
)
def test_an_empty_history_draws_an_empty_plot_that_says_so(plot, kwargs, tmp_path):
    from smstatus import JobHistory

    fig = Figure()
    ax = plot(JobHistory.empty(), ax=fig.add_subplot(), **kwargs)
    fig.savefig(tmp_path / "empty.png")
    assert "nothing to draw" in ax.get_title(loc="left") or "no time" in ax.get_title(loc="left")


# -- open entries and the machine -------------------------------------------------------------


def test_bottleneck_note_says_up_to_when_open_entries_were_measured():
    h = history_of(
        {
            "a": [("Starting", 0, 60), ("Pending", 60, None)],
            "b": [("Starting", 0, 30), ("Training", 30, 90), ("Completed", 90, 90)],
        },
        observed_at={"a": 1860, "b": 90},
    )
    title = plot_bottlenecks(h, ax=axes()).get_title(loc="left").replace("\n", " ")
    assert "open entries measured up to when each job was observed (2024-03-01 00:31 UTC)" in title
    title = plot_bottlenecks(h, ax=axes(), as_of="2024-03-01T01:00:00Z").get_title(loc="left")
    assert "open entries measured up to 2024-03-01 01:00 UTC" in title.replace("\n", " ")


def _parked():
    """A job parked in a status the custom machine knows as terminal."""
    from smstatus.machine import default_machine

    machine = default_machine().extend(
        add_statuses=[{"name": "Parked", "primary": "Stopped", "terminal": True}],
        add_edges=[("Training", "Parked")],
    )
    h = history_of(
        {"j": [("Starting", 0, 60), ("Training", 60, 600), ("Parked", 600, None)]},
        observed_at={"j": 3600},
    )
    return h, machine


def test_plot_durations_reads_terminal_statuses_from_the_machine():
    h, machine = _parked()
    # the default machine does not know Parked: an open entry measured up to observed_at
    ax = plot_durations(h, ax=axes())
    assert row_labels(ax) == ["Starting", "Training", "Parked"]
    assert "1 open entry" in ax.get_title(loc="left")
    # the custom machine says Parked is terminal: zero-length, no row, nothing open
    ax = plot_durations(h, ax=axes(), machine=machine)
    assert row_labels(ax) == ["Starting", "Training"]
    assert "open" not in ax.get_title(loc="left")


def test_plot_bottlenecks_measures_with_the_machine():
    h, machine = _parked()
    shares = {
        c.get_label(): c.patches[0].get_width()
        for c in plot_bottlenecks(h, ax=axes(), exclude=()).containers
    }
    assert shares["Parked"] == pytest.approx(3000 / 3600)
    shares = {
        c.get_label(): c.patches[0].get_width()
        for c in plot_bottlenecks(h, ax=axes(), exclude=(), machine=machine).containers
    }
    assert "Parked" not in shares and shares["Training"] == pytest.approx(540 / 600)
