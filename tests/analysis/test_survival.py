"""Kaplan-Meier estimates next to the naive ones, checked against independent computations."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _histories import at, chain, job
from smstatus import JobHistory
from smstatus.analysis.survival import km_quantiles, km_stats

QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


def _history():
    # Training: closed 100, 200, 400; open (censored) at 300 and 500 (as_of = 600)
    parts = [
        chain(f"c{i}", [("Starting", 10), ("Training", t), ("Completed", 0)], spot=bool(i % 2))
        for i, t in enumerate([100, 200, 400])
    ]
    parts += [
        job(f"o{i}", ("Starting", 0, 600 - t), ("Training", 600 - t, None))
        for i, t in enumerate([300, 500])
    ]
    return JobHistory.concat(parts)


def _row(frame: pd.DataFrame, status: str) -> pd.Series:
    return frame.set_index(frame["status"].astype(str)).loc[status]


def _reference(durations, observed, q) -> float:
    """The product-limit estimate from its definition, in exact fractions, one time at a time."""
    survival, target = Fraction(1), 1 - Fraction(str(q))
    for t in sorted(set(durations)):
        at_risk = sum(d >= t for d in durations)
        events = sum(d == t and o for d, o in zip(durations, observed, strict=True))
        survival *= 1 - Fraction(events, at_risk)
        if events and survival <= target:
            return float(t)
    return np.inf


# -- the estimator ---------------------------------------------------------------------------


def test_km_quantiles_by_hand():
    # S(100) = 4/5, S(200) = 4/5 * 3/4 = 0.6, 300 censored, S(400) = 0.6 * 1/2 = 0.3, 500 censored
    durations = np.array([100, 200, 400, 300, 500], dtype=float)
    observed = np.array([True, True, True, False, False])
    got = km_quantiles(durations, observed, (0.1, 0.25, 0.4, 0.5, 0.7, 0.75))
    np.testing.assert_array_equal(got, [[100, 200, 200, 400, 400, np.inf]])


def test_km_quantiles_take_the_first_time_survival_reaches_one_minus_q():
    # S falls to exactly 0.5 at 2 (lifelines' convention; statsmodels' strict one would give 3)
    assert km_quantiles(np.array([1.0, 2, 3, 4]), np.ones(4, bool), (0.5,))[0, 0] == 2.0
    # 1 - 1/10 - ... telescopes to exactly 1/2 on paper; in floats it must not slip to 6
    assert km_quantiles(np.arange(1.0, 11), np.ones(10, bool), (0.5,))[0, 0] == 5.0


def test_km_quantiles_by_group_inf_and_nan():
    got = km_quantiles(
        np.array([5.0, 1, 7, 7]),
        np.array([True, True, False, False]),
        (0.5, 1.0),
        groups=np.array([0, 0, 2, 2]),
        n_groups=4,
    )
    np.testing.assert_array_equal(got[0], [1, 5])
    assert np.isnan(got[1]).all() and np.isnan(got[3]).all()  # no durations
    assert np.isposinf(got[2]).all()  # everything still open


def test_km_quantiles_reject_bad_input():
    with pytest.raises(ValueError, match="non-negative"):
        km_quantiles(np.array([1.0, -1]), np.ones(2, bool), (0.5,))
    with pytest.raises(ValueError, match="same length"):
        km_quantiles(np.array([1.0]), np.ones(2, bool), (0.5,))


samples = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 12), st.booleans()), min_size=0, max_size=30
)


@given(samples)
def test_km_quantiles_match_the_definition(rows):
    groups = np.array([g for g, _, _ in rows], dtype=np.int64)
    durations = np.array([t for _, t, _ in rows], dtype=float)
    observed = np.array([o for _, _, o in rows], dtype=bool)
    got = km_quantiles(durations, observed, QUANTILES, groups=groups, n_groups=3)
    for g in range(3):
        mine = groups == g
        for k, q in enumerate(QUANTILES):
            if not mine.any():
                assert np.isnan(got[g, k])
            else:
                assert got[g, k] == _reference(list(durations[mine]), list(observed[mine]), q)


@given(st.lists(st.integers(0, 50), min_size=1, max_size=40))
def test_km_quantiles_without_censoring_are_the_inverted_cdf_quantiles(values):
    durations = np.array(values, dtype=float)
    got = km_quantiles(durations, np.ones(len(durations), bool), QUANTILES)
    want = [np.quantile(durations, q, method="inverted_cdf") for q in QUANTILES]
    np.testing.assert_array_equal(got[0], want)


def _censored_sample(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    durations = np.round(rng.exponential(300, 400))  # rounded: ties of events and censoring
    return durations, rng.random(400) < 0.7


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_km_quantiles_match_lifelines(seed):
    lifelines = pytest.importorskip("lifelines")
    from lifelines.utils import qth_survival_times

    durations, observed = _censored_sample(seed)
    fitter = lifelines.KaplanMeierFitter().fit(durations, event_observed=observed)
    got = km_quantiles(durations, observed, QUANTILES[1:])[0]
    want = [float(qth_survival_times(1 - q, fitter.survival_function_)) for q in QUANTILES[1:]]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_km_quantiles_match_statsmodels(seed):
    survfunc = pytest.importorskip("statsmodels.duration.survfunc")

    durations, observed = _censored_sample(seed)
    fitted = survfunc.SurvfuncRight(durations, observed.astype(float))
    got = km_quantiles(durations, observed, QUANTILES[1:])[0]
    # statsmodels takes the first time S < 1 - q (strictly): nudge q to compare the curves
    want = [fitted.quantile(q - 1e-7) for q in QUANTILES[1:]]
    np.testing.assert_array_equal(got, np.nan_to_num(want, nan=np.inf))


# -- km_stats ----------------------------------------------------------------------------------


def test_km_stats_by_hand():
    out = km_stats(_history(), percentiles=(0.5, 0.75), as_of=at(600))
    assert list(out.columns) == [
        "status",
        "count",
        "censored",
        "excluded",
        "naive_p50_s",
        "km_p50_s",
        "naive_p75_s",
        "km_p75_s",
    ]
    row = _row(out, "Training")
    assert row["count"] == 5 and row["censored"] == 2 and row["excluded"] == 0
    assert row["naive_p50_s"] == 300.0 and row["naive_p75_s"] == 400.0
    assert row["km_p50_s"] == 400.0  # censoring pushes the median up: the naive one is biased
    assert row["km_p75_s"] == np.inf  # survival stops at 0.3, above 0.25
    starting = _row(out, "Starting")  # 10, 10, 10 closed; 300 and 100 closed by Training
    assert starting["count"] == 5 and starting["censored"] == 0
    assert starting["km_p50_s"] == starting["naive_p50_s"] == 10.0
    assert out.attrs["as_of"] == at(600)


def test_km_is_inf_when_too_many_entries_are_open():
    h = JobHistory.concat(
        [job(f"o{i}", ("Training", 0, None)) for i in range(3)]
        + [chain("c", [("Training", 50), ("Completed", 0)])]
    )
    row = _row(km_stats(h, as_of=at(100)), "Training")
    assert row["km_p50_s"] == np.inf
    assert row["naive_p50_s"] == 100.0


def test_km_by_group():
    out = km_stats(_history(), by="spot", as_of=at(600))
    assert list(out.columns[:2]) == ["spot", "status"]
    training = out[out["status"] == "Training"].set_index("spot", drop=False)
    assert training["count"].sum() == 5 and training["censored"].sum() == 2
    # spot=False: closed 100 and 400; spot=True: closed 200; unset: open 300 and 500
    assert training.loc[False, "km_p50_s"] == 100.0 and training.loc[True, "km_p50_s"] == 200.0
    unset = training[training["spot"].isna()].iloc[0]
    assert unset["count"] == 2 and unset["censored"] == 2 and unset["km_p50_s"] == np.inf


def test_km_reports_entries_it_cannot_use():
    h = JobHistory.concat([_history(), job("bad", ("Training", 100, 40))])
    row = _row(km_stats(h, as_of=at(600)), "Training")
    assert row["excluded"] == 1 and row["count"] == 5
    assert row["km_p50_s"] == 400.0  # the bad entry changes nothing


def test_km_of_a_status_with_only_unusable_entries_is_nan():
    row = _row(km_stats(job("bad", ("Training", 100, 40)), as_of=at(600)), "Training")
    assert row["count"] == 0 and row["excluded"] == 1
    assert np.isnan(row["km_p50_s"]) and np.isnan(row["naive_p50_s"])


def test_km_of_an_empty_history():
    out = km_stats(JobHistory.empty(), as_of=at(0))
    assert out.empty and "km_p90_s" in out.columns


def test_km_needs_no_optional_package():
    code = (
        "import sys\n"
        "for name in ('lifelines', 'statsmodels', 'scipy'): sys.modules[name] = None\n"
        "import smstatus\n"
        "out = smstatus.km_stats(smstatus.load_sample())\n"
        "print(int(out['count'].sum()) > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
