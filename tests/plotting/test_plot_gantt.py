"""plot_gantt: the artists it draws (bars per status, colours, lanes, axes, notes)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from _plot_data import T0, by_gid, history_of, n_items, synth_history
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import smstatus
from smstatus.analysis.phases import resolve_as_of
from smstatus.plotting import STATUS_PALETTE, plot_gantt
from smstatus.plotting.palette import OPEN_HATCH


@pytest.fixture
def three():
    """a: a completed job; b: waits in Pending, still training; c: a short failed job."""
    return history_of(
        {
            "a": [
                ("Starting", 0, 60),
                ("Downloading", 60, 120),
                ("Training", 120, 600),
                ("Uploading", 600, 660),
                ("Completed", 660, 660),
            ],
            "b": [
                ("Starting", 30, 90),
                ("Pending", 90, 1290),
                ("Downloading", 1290, 1350),
                ("Training", 1350, None),
            ],
            "c": [("Starting", 200, 260), ("Training", 260, 400), ("Failed", 400, 400)],
        },
        last_modified_time={"a": 660, "b": 2000, "c": 400},
    )


def axes(height: float = 4.0) -> plt.Axes:
    return Figure(figsize=(8, height)).add_subplot()


def lane_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def test_one_collection_per_status_with_one_bar_per_entry(three):
    ax = plot_gantt(three, ax=axes())
    bars = by_gid(ax, "gantt-bars:")
    assert {k: n_items(c) for k, c in bars.items()} == {
        "Starting": 3,
        "Pending": 1,
        "Downloading": 2,
        "Training": 3,
        "Uploading": 1,
    }
    # statuses in lifecycle order, each collection labelled with its status
    assert list(bars) == ["Starting", "Pending", "Downloading", "Training", "Uploading"]
    assert all(c.get_label() == k for k, c in bars.items())


def test_bars_are_coloured_from_the_palette(three):
    ax = plot_gantt(three, ax=axes())
    for status, coll in by_gid(ax, "gantt-bars:").items():
        faces = {to_hex(c) for c in coll.get_facecolors()}
        assert faces == {STATUS_PALETTE[status].lower()}


def test_zero_length_terminal_entries_are_ticks(three):
    ax = plot_gantt(three, ax=axes())
    ticks = by_gid(ax, "gantt-ticks:")
    assert {k: n_items(c) for k, c in ticks.items()} == {"Completed": 1, "Failed": 1}
    assert to_hex(ticks["Failed"].get_edgecolors()[0]) == STATUS_PALETTE["Failed"].lower()
    assert ticks["Completed"].get_linewidths()[0] > 0
    # a tick sits at the end of its job: job a (top lane) ends at 660 s
    verts = ticks["Completed"].get_paths()[0].vertices
    assert np.allclose(verts[:, 0], mdates.date2num(T0 + pd.Timedelta(seconds=660)))


def test_legend_names_the_statuses_shown(three):
    ax = plot_gantt(three, ax=axes())
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert names[:7] == [
        "Starting",
        "Pending",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
        "Failed",
    ]
    assert "open (still running)" in names
    assert plot_gantt(three, ax=axes(), legend=False).get_legend() is None


@pytest.mark.parametrize(
    ("sort_by", "order"),
    [
        ("start", ["a", "b", "c"]),
        ("wall", ["b", "a", "c"]),
        ("Pending", ["b", "a", "c"]),
        ("Training", ["b", "a", "c"]),
        ("Uploading", ["a", "b", "c"]),
        (None, ["a", "b", "c"]),
    ],
)
def test_lane_order(three, sort_by, order):
    ax = plot_gantt(three, ax=axes(), sort_by=sort_by)
    assert lane_labels(ax) == order
    lo, hi = ax.get_ylim()
    assert lo > hi  # the first lane is on top


def test_sort_by_a_status_puts_the_longest_on_top():
    h = history_of(
        {
            "short": [("Starting", 0, 10), ("Pending", 10, 20)],
            "long": [("Starting", 5, 15), ("Pending", 15, 500)],
            "none": [("Starting", 1, 50)],
        }
    )
    assert lane_labels(plot_gantt(h, ax=axes(), sort_by="Pending")) == ["long", "short", "none"]
    assert lane_labels(plot_gantt(h, ax=axes(), sort_by="Starting")) == ["none", "short", "long"]


def test_absolute_axis_has_readable_dates(three):
    ax = plot_gantt(three, ax=axes())
    assert ax.get_xlabel() == "time (UTC)"
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    # bars sit at their real times
    start = by_gid(ax, "gantt-bars:")["Starting"].get_paths()[0].vertices[:, 0]
    assert start.min() == pytest.approx(mdates.date2num(T0))


@pytest.mark.parametrize(
    ("align", "label"),
    [("start", "time since job start (min)"), ("training", "time since Training start (min)")],
)
def test_relative_axes_show_elapsed_time_in_readable_units(three, align, label):
    ax = plot_gantt(three, ax=axes(), align=align)
    assert ax.get_xlabel() == label
    x = np.concatenate(
        [p.vertices[:, 0] for p in by_gid(ax, "gantt-bars:")["Starting"].get_paths()]
    )
    if align == "start":
        assert x.min() == pytest.approx(0.0)  # every job starts at 0
    else:
        training = by_gid(ax, "gantt-bars:")["Training"].get_paths()[0].vertices[:, 0]
        assert training.min() == pytest.approx(0.0)  # every first Training starts at 0
        assert x.min() < 0  # what came before is on the left
        # b waited 1320 s before training: 22 minutes to the left of 0
        assert x.min() == pytest.approx(-22.0)


def test_units_follow_the_span():
    h = history_of({"j": [("Starting", 0, 20), ("Training", 20, 100), ("Completed", 100, 100)]})
    assert plot_gantt(h, ax=axes(), align="start").get_xlabel().endswith("(s)")
    h = history_of({"j": [("Starting", 0, 20), ("Training", 20, 30_000)]})
    assert plot_gantt(
        h, ax=axes(), align="start", as_of=T0 + pd.Timedelta(hours=9)
    ).get_xlabel() == ("time since job start (h)")


def test_training_align_leaves_out_jobs_that_never_trained_and_says_so():
    h = history_of(
        {
            "trained": [("Starting", 0, 60), ("Training", 60, 100), ("Completed", 100, 100)],
            "waited": [("Starting", 0, 60), ("Stopping", 60, 70), ("MaxWaitTimeExceeded", 70, 70)],
        }
    )
    ax = plot_gantt(h, ax=axes(), align="training")
    assert lane_labels(ax) == ["trained"]
    assert "1 never reached Training" in ax.get_title(loc="left")


def test_open_entries_are_hatched_up_to_when_their_job_was_observed(three):
    ax = plot_gantt(three, ax=axes())
    (overlay,) = by_gid(ax, "gantt-open").values()
    assert overlay.get_hatch() == OPEN_HATCH
    assert n_items(overlay) == 1
    # default: b's own observed_at (its last_modified_time here), never the clock nor
    # another job's time
    right = overlay.get_paths()[0].vertices[:, 0].max()
    assert right == pytest.approx(mdates.date2num(T0 + pd.Timedelta(seconds=2000)))
    assert (
        "open entries hatched up to when each job was observed (2024-03-01 00:33:20 UTC)"
        in ax.get_title(loc="left").replace("\n", " ")
    )


def test_open_entries_of_jobs_observed_at_different_times_end_at_each_ones_time():
    h = history_of(
        {
            "early": [("Starting", 0, 60), ("Training", 60, None)],
            "late": [("Starting", 100, 160), ("Training", 160, None)],
            "done": [("Starting", 0, 60), ("Completed", 60, 60)],
        },
        observed_at={"early": 600, "late": 5000, "done": 60},
    )
    ax = plot_gantt(h, ax=axes(), sort_by=None)
    (overlay,) = by_gid(ax, "gantt-open").values()
    rights = sorted(poly[:, 0].max() for poly in overlay.get_paths()[0].to_polygons())
    assert rights == pytest.approx(
        [mdates.date2num(T0 + pd.Timedelta(seconds=t)) for t in (600, 5000)]
    )
    title = ax.get_title(loc="left").replace("\n", " ")
    assert "open entries hatched up to when each job was observed;" in title + ";"
    assert "UTC" not in title  # no one time stands for all of them
    assert not [line for line in ax.lines if line.get_linestyle() == ":"]  # no as_of line


def test_explicit_as_of_sets_the_end_of_open_bars(three):
    ax = plot_gantt(three, ax=axes(), as_of="2024-03-01T01:00:00Z", align="start")
    overlay = by_gid(ax, "gantt-open")[""]
    # b started at 30 s; as_of is 3600 s: its open Training ends 3570 s after its start
    assert overlay.get_paths()[0].vertices[:, 0].max() == pytest.approx(3570 / 60)
    assert "01:00:00 UTC" in ax.get_title(loc="left")


def test_no_open_entry_no_overlay_and_no_as_of_note():
    h = history_of({"j": [("Starting", 0, 20), ("Failed", 20, 20)]})
    ax = plot_gantt(h, ax=axes())
    assert not by_gid(ax, "gantt-open")
    assert "hatched" not in ax.get_title(loc="left")


def test_above_max_jobs_the_plot_says_so():
    h = synth_history(30)
    ax = plot_gantt(h, ax=axes(), max_jobs=10, sort_by="wall")
    assert "showing 10 of 30 jobs, sorted by wall time (longest on top)" in ax.get_title(loc="left")
    assert len(lane_labels(ax)) == 10
    drawn = sum(n_items(c) for c in ax.collections if c.get_gid().startswith("gantt-bars"))
    assert 10 <= drawn < len(h.transitions)


def test_above_max_jobs_sorted_by_start_the_latest_jobs_are_kept():
    h = synth_history(30)
    ax = plot_gantt(h, ax=axes(), max_jobs=5)
    starts = h.transitions.groupby("job_name", observed=True)["start_time"].min().sort_values()
    assert lane_labels(ax) == list(starts.index[-5:])  # the latest five, earliest on top
    assert "showing the latest 5 of 30 jobs, sorted by start" in ax.get_title(loc="left")


def test_max_jobs_none_draws_every_lane_and_hides_unreadable_labels():
    h = synth_history(400)
    ax = plot_gantt(h, ax=axes(), max_jobs=None)
    assert lane_labels(ax) == []
    assert ax.get_ylabel() == "400 jobs (one lane each)"
    assert ax.get_ylim() == (399.5, -0.5)
    drawn = sum(
        n_items(c) for c in ax.collections if c.get_gid().startswith(("gantt-bars", "gantt-ticks"))
    )
    assert drawn == len(h.transitions)
    assert "showing" not in ax.get_title(loc="left")


def test_long_job_names_are_shortened_in_the_middle():
    name = "sagemaker-xgboost-2025-05-16-18-10-50-386-experiment-final"
    h = history_of({name: [("Starting", 0, 20), ("Completed", 20, 20)]})
    (label,) = lane_labels(plot_gantt(h, ax=axes()))
    assert len(label) <= 30 and "…" in label
    assert label.startswith("sagemaker-x") and label.endswith("experiment-final")


def test_violations_are_marked_on_their_entries(three):
    report = pd.DataFrame(
        {
            "job_name": ["a", "c", "b", "a"],
            "step": [2, pd.NA, 1, 0],
            "code": ["illegal_transition", "not_terminal", "gap", "repeated_status"],
            "severity": ["error", "error", "warning", "info"],
            "message": ["", "", "", ""],
        }
    ).astype({"step": "Int64"})
    ax = plot_gantt(three, ax=axes(), violations=report, align="start")
    marks = by_gid(ax, "gantt-violations:")
    assert set(marks) == {"error", "warning"}  # info findings are not marked
    errors = marks["error"].get_offsets()
    # a's step 2 (Training) starts 120 s after a's start; c's job-level error sits at its end
    assert sorted(map(tuple, np.asarray(errors))) == [(2.0, 0.0), (200 / 60, 2.0)]
    assert np.asarray(marks["warning"].get_offsets()).tolist() == [[1.0, 1.0]]
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "error (2)" in names and "warning (1)" in names


def test_violations_from_a_validation_report():
    from smstatus.validation.checks import validate

    h = history_of({"j": [("Starting", 0, 20), ("Uploading", 20, 30), ("Completed", 30, 30)]})
    report = validate(h)
    ax = plot_gantt(h, ax=axes(), violations=report)
    assert "error" in by_gid(ax, "gantt-violations:")


def test_jobs_selects_lanes(three):
    ax = plot_gantt(three, ax=axes(), jobs=["c", "a"])
    assert lane_labels(ax) == ["a", "c"]
    assert lane_labels(plot_gantt(three, ax=axes(), jobs=["c", "a"], sort_by=None)) == ["c", "a"]
    mask = three.jobs["job_name"].eq("b").to_numpy()
    assert lane_labels(plot_gantt(three, ax=axes(), jobs=mask)) == ["b"]
    with pytest.raises(ValueError, match="not in the history"):
        plot_gantt(three, ax=axes(), jobs=["nope"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"align": "end"}, "align must be one of"),
        ({"sort_by": "Nope"}, "sort_by must be"),
        ({"max_jobs": 0}, "max_jobs must be"),
    ],
)
def test_bad_arguments_name_the_parameter(three, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_gantt(three, ax=axes(), **kwargs)


def test_kwargs_reach_the_bar_collections(three):
    ax = plot_gantt(three, ax=axes(), alpha=0.4, edgecolors="black", linewidths=0.5)
    for coll in by_gid(ax, "gantt-bars:").values():
        assert coll.get_alpha() == 0.4
        assert to_hex(coll.get_edgecolors()[0]) == "#000000"


def test_draws_on_the_current_axes_and_returns_it(three):
    fig, ax = plt.subplots()
    assert plot_gantt(three) is ax
    assert plt.get_fignums() == [fig.number]  # no figure of its own


def test_accepts_a_transitions_frame(three):
    ax = plot_gantt(three.transitions, ax=axes())
    assert lane_labels(ax) == ["a", "b", "c"]
    with pytest.raises(TypeError, match="JobHistory"):
        plot_gantt([1, 2], ax=axes())


def test_empty_history_draws_nothing_and_says_so():
    ax = plot_gantt(smstatus.JobHistory.empty(), ax=axes())
    assert not ax.collections
    assert "nothing to draw" in ax.get_title(loc="left")


def test_jobs_without_entries_are_counted_in_the_note():
    h = history_of({"j": [("Starting", 0, 20), ("Completed", 20, 20)]})
    jobs = pd.concat([h.jobs, pd.DataFrame({"job_name": ["empty"]})], ignore_index=True)
    h = smstatus.JobHistory(jobs, h.transitions)
    assert "1 with an empty history" in plot_gantt(h, ax=axes()).get_title(loc="left")


def test_entries_without_a_start_time_are_counted_not_drawn():
    h = history_of({"j": [("Starting", 0, 20), ("Training", None, 60), ("Completed", 60, 60)]})
    ax = plot_gantt(h, ax=axes())
    assert "1 entry without a start time (not drawn)" in ax.get_title(loc="left")
    assert "Training" not in by_gid(ax, "gantt-bars:")


def test_a_stale_open_job_is_measured_to_its_own_observation(data_dir):
    # the in-progress describe snapshot of 2023 was observed when its one entry started: its
    # open entry lasts 0 s, not the 772 days up to the latest time of the other files
    h = smstatus.load([data_dir / "describe", data_dir / "sdk-logs"], errors="collect")
    ax = plot_gantt(h, ax=axes(6), align="start", sort_by="wall")
    assert ax.get_xlabel() == "time since job start (min)"
    assert 100 < ax.get_xlim()[1] < 120  # the longest job (104 min) sets the axis
    assert not [t for t in ax.texts if t.get_gid() == "gantt-cut"]
    assert "past the right edge" not in ax.get_title(loc="left")
    lanes = lane_labels(ax)
    (stale,) = [k for k, name in enumerate(lanes) if name.startswith("desc-schem")]
    strokes = by_gid(ax, "gantt-ticks:")["Starting"].get_paths()[0].vertices.reshape(-1, 2, 2)
    at = {(float(v[0, 0]), float(v[:, 1].mean())) for v in strokes}
    assert (0.0, float(stale)) in at  # a zero-length tick at its start, on its lane


def test_a_stale_open_job_measured_to_a_late_as_of_does_not_squash_the_others(data_dir):
    h = smstatus.load([data_dir / "describe", data_dir / "sdk-logs"], errors="collect")
    latest = resolve_as_of(h)  # the latest time in any of the files
    ax = plot_gantt(h, ax=axes(6), align="start", sort_by="wall", as_of=latest)
    assert ax.get_xlabel() == "time since job start (min)"
    assert ax.get_xlim()[1] < 200  # minutes, not the 772 days the open job has run
    cut = [t for t in ax.texts if t.get_gid() == "gantt-cut"]
    assert len(cut) == 1 and cut[0].get_text() == "772 d →"
    assert "1 open job runs past the right edge" in ax.get_title(loc="left")


def test_real_examples_all_draw(data_dir):
    h = smstatus.load(
        [data_dir / "describe", data_dir / "sdk-logs", data_dir / "events"], errors="collect"
    )
    ax = plot_gantt(h, ax=axes(6))
    drawn = sum(
        n_items(c) for c in ax.collections if c.get_gid().startswith(("gantt-bars", "gantt-ticks"))
    )
    assert drawn == len(h.transitions)
    # the EventBridge sample has an empty history: counted, not drawn
    assert "with an empty history" in ax.get_title(loc="left")


@st.composite
def histories(draw):
    statuses = ["Starting", "Pending", "Downloading", "Training", "Uploading", "Completed"]
    n_jobs = draw(st.integers(1, 8))
    jobs = {}
    for j in range(n_jobs):
        t = draw(st.floats(0, 10_000))
        entries = []
        for k in range(draw(st.integers(1, 6))):
            length = draw(st.sampled_from([0.0, 1.0, 30.0, 600.0, 7200.0]))
            end = None if draw(st.booleans()) and k > 0 and length else t + length
            entries.append((draw(st.sampled_from(statuses)), t, end))
            t += length
        jobs[f"job-{j}"] = entries
    return history_of(jobs)


@settings(max_examples=15)
@given(histories(), st.sampled_from(["absolute", "start"]), st.sampled_from(["start", "wall"]))
def test_every_entry_is_drawn_once(history, align, sort_by):
    fig = Figure(figsize=(4, 3))
    ax = plot_gantt(history, ax=fig.add_subplot(), align=align, sort_by=sort_by, max_jobs=None)
    drawn = sum(
        n_items(c) for c in ax.collections if c.get_gid().startswith(("gantt-bars", "gantt-ticks"))
    )
    assert drawn == len(history.transitions)
    ys = np.concatenate([p.vertices[:, 1] for c in ax.collections for p in c.get_paths()])
    assert ys.min() >= -0.5 and ys.max() <= history.n_jobs - 0.5  # every bar within its lane
    if align == "start":
        x = [p.vertices[:, 0].min() for c in ax.collections for p in c.get_paths()]
        assert min(x) >= -1e-9
