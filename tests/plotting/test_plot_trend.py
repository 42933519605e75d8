"""plot_trend: one line per group over calendar time, open periods hollow, the peak labelled."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from _trend_data import T0, spiky_fleet
from smstatus import phase_trend, plot_trend
from smstatus.plotting.palette import GROUP_COLORS, OTHER_COLOR


def axes():
    return Figure(figsize=(12, 4)).add_subplot()


def lines(ax, prefix="trend-line:"):
    return {
        line.get_gid()[len(prefix) :]: line
        for line in ax.get_lines()
        if (line.get_gid() or "").startswith(prefix)
    }


def test_one_line_per_top_group_and_a_grey_dashed_other():
    h, as_of = spiky_fleet()
    ax = plot_trend(h, "Pending", by="instance_type", as_of=as_of, top=2, ax=axes())
    found = lines(ax)
    assert list(found) == ["ml.a", "ml.b", "other"]  # most entries first, other last
    assert to_hex(found["ml.a"].get_color()) == GROUP_COLORS[0].lower()
    assert to_hex(found["other"].get_color()) == OTHER_COLOR.lower()
    assert found["other"].get_linestyle() == "--"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "ml.a (53 entries)"
    assert ax.get_yscale() == "log"


def test_the_spike_is_the_labelled_peak_and_open_periods_are_hollow():
    h, as_of = spiky_fleet()
    ax = plot_trend(h, "Pending", by="instance_type", as_of=as_of, stat="median", ax=axes())
    a = lines(ax)["ml.a"]
    y = np.asarray(a.get_ydata(), dtype=float)
    assert np.nanargmax(y) == 2 and y[2] == pytest.approx(5.5 * 3600)
    peak = [t for t in ax.texts if t.get_gid() == "trend-peak"]
    assert len(peak) == 1 and "median 5.5 h, ml.a, 2025-03-05" in peak[0].get_text()
    hollow = lines(ax, "trend-open:")
    assert list(hollow) == ["ml.a"] and len(hollow["ml.a"].get_xdata()) == 1
    assert "hollow markers" in ax.get_title(loc="left")
    # the peak's label sits inside the Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(ax.figure).draw()
    box = peak[0].get_window_extent()
    frame = ax.get_window_extent()
    assert frame.y0 <= box.y0 and box.y1 <= frame.y1 + 1


def test_empty_periods_break_the_line_and_a_frame_can_be_given():
    h, as_of = spiky_fleet()
    t = phase_trend(h, "Pending", by="instance_type", freq="D", as_of=as_of)
    gap = t[~((t["instance_type"] == "ml.c") & (t["period"] == T0 + pd.Timedelta(days=1)))]
    gap.attrs = dict(t.attrs)
    ax = plot_trend(gap, "Pending", ax=axes())
    y = np.asarray(lines(ax)["ml.c"].get_ydata(), dtype=float)
    assert len(y) == 5 and np.isnan(y[1]) and np.isfinite(y[[0, 2, 3, 4]]).all()
    entries = plot_trend(h, "Pending", stat="entries", as_of=as_of, ax=axes())
    assert entries.get_yscale() == "linear"
    assert np.nanmax(lines(entries)["all jobs"].get_ydata()) == 20


def test_bad_options_and_nothing_to_draw():
    h, _ = spiky_fleet()
    with pytest.raises(ValueError, match="stat"):
        plot_trend(h, stat="mean", ax=axes())
    with pytest.raises(ValueError, match="phase_trend"):
        plot_trend(pd.DataFrame({"x": [1]}), ax=axes())
    ax = plot_trend(h, "Uploading", ax=axes())
    assert not lines(ax) and "no Uploading entry" in ax.get_title(loc="left")


def test_the_note_says_up_to_when_open_entries_were_measured():
    h, as_of = spiky_fleet()
    title = plot_trend(h, "Pending", as_of=as_of, ax=axes()).get_title(loc="left")
    assert f"open entries measured up to {pd.Timestamp(as_of):%Y-%m-%d %H:%M} UTC" in title
    title = plot_trend(h, "Pending", ax=axes()).get_title(loc="left").replace("\n", " ")
    assert "open entries measured up to when each job was observed" in title


def test_the_machine_decides_which_last_entries_are_open():
    from _plot_data import history_of

    from smstatus.machine import default_machine

    parked = default_machine().extend(
        add_statuses=[{"name": "Parked", "terminal": True}], add_edges=[("Starting", "Parked")]
    )
    h = history_of({"j": [("Starting", 0, 60), ("Parked", 60, None)]}, observed_at={"j": 600})
    assert phase_trend(h, "Parked")["censored"].tolist() == [1]
    assert phase_trend(h, "Parked", machine=parked)["censored"].tolist() == [0]
    ax = plot_trend(h, "Parked", machine=parked, ax=axes())
    assert "open" not in ax.get_title(loc="left")
