"""Kaplan-Meier estimates next to the naive ones."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from _histories import at, chain, job
from smstatus import JobHistory, MissingDependencyError
from smstatus.survival import km_stats


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


def test_km_matches_lifelines_directly():
    from lifelines import KaplanMeierFitter
    from lifelines.utils import qth_survival_times

    h = _history()
    out = km_stats(h, percentiles=(0.5, 0.75), as_of=at(600))
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
    row = out.set_index(out["status"].astype(str)).loc["Training"]
    durations = np.array([100, 200, 400, 300, 500], dtype=float)
    observed = np.array([True, True, True, False, False])
    kmf = KaplanMeierFitter().fit(durations, event_observed=observed)
    assert row["count"] == 5 and row["censored"] == 2 and row["excluded"] == 0
    assert row["km_p50_s"] == qth_survival_times(0.5, kmf.survival_function_)
    assert row["km_p75_s"] == qth_survival_times(0.25, kmf.survival_function_)
    assert row["naive_p50_s"] == 300.0
    assert row["km_p50_s"] == 400.0  # censoring pushes the median up: the naive one is biased
    assert out.attrs["as_of"] == at(600)


def test_km_is_inf_when_too_many_entries_are_open():
    h = JobHistory.concat(
        [job(f"o{i}", ("Training", 0, None)) for i in range(3)]
        + [chain("c", [("Training", 50), ("Completed", 0)])]
    )
    out = km_stats(h, as_of=at(100))
    row = out.set_index(out["status"].astype(str)).loc["Training"]
    assert row["km_p50_s"] == np.inf
    assert row["naive_p50_s"] == 100.0


def test_km_by_group():
    out = km_stats(_history(), by="spot", as_of=at(600))
    assert list(out.columns[:2]) == ["spot", "status"]
    training = out[out["status"] == "Training"]
    assert training["count"].sum() == 5
    assert training["censored"].sum() == 2


def test_km_reports_entries_it_cannot_use():
    h = JobHistory.concat([_history(), job("bad", ("Training", 100, 40))])
    out = km_stats(h, as_of=at(600))
    row = out.set_index(out["status"].astype(str)).loc["Training"]
    assert row["excluded"] == 1 and row["count"] == 5


def test_km_without_lifelines_raises_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "lifelines", None)
    monkeypatch.setitem(sys.modules, "lifelines.utils", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'smstatus\[survival\]'") as e:
        km_stats(_history())
    assert isinstance(e.value, ImportError)
    assert e.value.package == "lifelines" and e.value.extra == "survival"
    assert "Kaplan-Meier estimates" in str(e.value)
