"""phase_trend: waits per period of entry start, per group, with open entries counted apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smstatus
from _trend_data import DAY, T0, fleet, spiky_fleet
from smstatus.analysis.trend import OTHER_GROUP, phase_trend


def test_the_spike_period_has_the_expected_count_median_and_p90():
    h, as_of = spiky_fleet()
    t = phase_trend(h, "Pending", by="instance_type", freq="D", as_of=as_of)
    a = t[t["instance_type"] == "ml.a"].set_index("period")
    spike = a.loc[T0 + pd.Timedelta(days=2)]
    waits = 3600.0 * np.arange(1, 11)
    assert spike["entries"] == 10 and spike["censored"] == 0
    assert spike["median_s"] == pytest.approx(np.median(waits))
    assert spike["p90_s"] == pytest.approx(np.quantile(waits, 0.9))
    assert spike["total_s"] == pytest.approx(waits.sum())
    calm = a.loc[T0 + pd.Timedelta(days=1)]
    assert calm["median_s"] == pytest.approx(np.median(60.0 * np.arange(1, 11)))
    assert a["p90_s"].idxmax() == T0 + pd.Timedelta(days=2)
    assert list(t.columns) == [
        "instance_type",
        "status",
        "period",
        "entries",
        "closed",
        "censored",
        "median_s",
        "p90_s",
        "total_s",
    ]
    assert t.attrs["as_of"] == as_of and t.attrs["freq"] == "D"


def test_open_entries_are_counted_apart_and_left_out_of_the_quantiles():
    h, as_of = spiky_fleet()
    t = phase_trend(h, "Pending", by="instance_type", freq="D", as_of=as_of)
    last = t[(t["instance_type"] == "ml.a") & (t["period"] == T0 + pd.Timedelta(days=4))]
    row = last.iloc[0]
    assert (row["entries"], row["closed"], row["censored"]) == (13, 10, 3)
    assert row["median_s"] == pytest.approx(np.median(60.0 * np.arange(1, 11)))
    still_open = (as_of - (T0 + pd.Timedelta(seconds=4 * DAY + 7200))).total_seconds()
    expected_total = 60.0 * np.arange(1, 11).sum() + sum(still_open - k for k in range(3))
    assert row["total_s"] == pytest.approx(expected_total)
    # every entry open: no quantile, the count says why
    only_open = fleet([("ml.a", 3600.0, None)])
    t = phase_trend(only_open, "Pending", as_of=T0 + pd.Timedelta(hours=3))
    assert (t["entries"].item(), t["censored"].item()) == (1, 1)
    assert np.isnan(t["median_s"].item()) and np.isnan(t["p90_s"].item())


def test_groups_beyond_the_top_become_other_computed_from_their_entries():
    h, as_of = spiky_fleet()
    t = phase_trend(h, "Pending", by="instance_type", freq="D", as_of=as_of, top=2)
    assert list(pd.unique(t["instance_type"])) == ["ml.a", "ml.b", OTHER_GROUP]
    other = t[t["instance_type"] == OTHER_GROUP].set_index("period")
    assert (other["entries"] == 2).all()
    assert other["median_s"].tolist() == pytest.approx([600.0] * 5)  # median of 300 and 900
    assert phase_trend(h, "Pending", by="instance_type", top=10)["instance_type"].nunique() == 4
    with pytest.raises(ValueError, match="top"):
        phase_trend(h, by="instance_type", top=0)


def test_weeks_several_statuses_and_no_groups():
    h, as_of = spiky_fleet()
    t = phase_trend(h, ["Pending", "Starting"], freq="W", as_of=as_of)
    assert t["status"].tolist() == ["Pending", "Starting"]
    assert (t["period"] == T0).all()  # the week from Monday T0
    assert t.loc[t["status"] == "Starting", "entries"].item() == 5 * 17 + 3
    assert t.loc[t["status"] == "Starting", "median_s"].item() == pytest.approx(60.0)
    assert phase_trend(h, "Uploading").empty
    with pytest.raises(ValueError, match="freq"):
        phase_trend(h, freq="fortnight")
    with pytest.raises(ValueError, match="status"):
        phase_trend(h, [])


def test_a_status_neither_known_nor_in_the_data_is_refused():
    h, _ = spiky_fleet()
    assert phase_trend(h, "Restarting").empty  # known to the machine, absent from the data
    for typo in ("pending", ["Pending", "Nope"]):
        with pytest.raises(ValueError, match="not a status"):
            phase_trend(h, typo)


def test_a_simulated_fleet_with_a_capacity_shortage_shows_it_on_its_day():
    """Two weeks of lognormal waits on three instance types; a shortage on day 9 for one."""
    rng = np.random.default_rng(7)
    jobs = []
    for day in range(14):
        for itype, n, median in (("ml.p5", 20, 1800.0), ("ml.g5", 40, 300.0), ("ml.m5", 60, 30.0)):
            scale = median * (12 if (itype == "ml.p5" and day == 9) else 1)
            starts = day * DAY + rng.uniform(0, DAY - 1, n)
            waits = scale * rng.lognormal(0.0, 0.5, n)
            jobs += [(itype, s, w) for s, w in zip(starts, waits, strict=True)]
    h = fleet(jobs)
    t = phase_trend(h, "Pending", by="instance_type", freq="D")
    p5 = t[t["instance_type"] == "ml.p5"].set_index("period")
    assert p5["median_s"].idxmax() == T0 + pd.Timedelta(days=9)
    assert (
        p5.loc[T0 + pd.Timedelta(days=9), "median_s"]
        > 5 * p5["median_s"].drop(T0 + pd.Timedelta(days=9)).max()
    )
    for other in ("ml.g5", "ml.m5"):
        med = t[t["instance_type"] == other]["median_s"]
        assert med.max() < 3 * med.min()
    assert t.groupby("instance_type")["entries"].sum().to_dict() == {
        "ml.g5": 560,
        "ml.m5": 840,
        "ml.p5": 280,
    }


@settings(max_examples=25)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["x", "y", "z"]),
            st.floats(0, 20 * DAY),
            st.one_of(st.none(), st.floats(0, 3 * DAY)),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_every_entry_lands_in_one_period_and_the_figures_hold(jobs):
    h = fleet(jobs)
    t = phase_trend(h, "Pending", by="instance_type", freq="W", top=2)
    assert t["entries"].sum() == len(jobs)
    assert (t["closed"] + t["censored"] == t["entries"]).all()
    assert t["censored"].sum() == sum(w is None for _, _, w in jobs)
    closed = t["closed"] > 0
    assert (t.loc[closed, "median_s"] <= t.loc[closed, "p90_s"] + 1e-6).all()
    assert t.loc[~closed, "median_s"].isna().all()
    assert t["instance_type"].nunique() <= 3
    assert (t["period"].dt.day_of_week == 0).all()


def test_phase_trend_is_public():
    assert smstatus.phase_trend is phase_trend
    assert "phase_trend" in smstatus.__all__ and "plot_trend" in smstatus.__all__


@pytest.mark.parametrize("by", [None, "instance_type", ["spot", "instance_type"]])
@pytest.mark.parametrize("top", [None, 2])
def test_parts_computed_apart_make_the_trend_of_the_whole(by, top):
    """What a cluster does: the entries of each part of a history, summarised together."""
    import smstatus
    from smstatus.analysis.trend import summarise_trend, trend_entries

    history = smstatus.load_sample()
    names = history.job_names
    parts = [history.select(names[lo:hi]) for lo, hi in ((0, 7), (7, 100), (100, len(names)))]
    statuses = ["Pending", "Starting"]
    got = summarise_trend(
        [trend_entries(p, statuses, by=by, freq="W") for p in parts], statuses, freq="W", top=top
    )
    want = phase_trend(history, statuses, by=by, freq="W", top=top)
    pd.testing.assert_frame_equal(got, want, check_exact=False)
    assert got.attrs == want.attrs
