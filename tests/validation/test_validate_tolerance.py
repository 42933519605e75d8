"""validate(tolerance=) and the CLI's spans read one way: any unit case, numbers as seconds,
and never a pandas alias it warns about."""

from __future__ import annotations

import warnings
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smstatus import JobHistory, validate
from smstatus.spans import as_span, parse_span

T0 = pd.Timestamp("2024-01-01T00:00:00Z")


def _with_gap(seconds: float) -> JobHistory:
    """Starting, then Completed ``seconds`` after Starting ended: a gap of that length."""
    return JobHistory.from_transitions(
        "j",
        [
            {"Status": "Starting", "StartTime": T0, "EndTime": T0 + pd.Timedelta(minutes=1)},
            {
                "Status": "Training",
                "StartTime": T0 + pd.Timedelta(minutes=1, seconds=seconds),
                "EndTime": T0 + pd.Timedelta(hours=2),
            },
            {
                "Status": "Completed",
                "StartTime": T0 + pd.Timedelta(hours=2),
                "EndTime": T0 + pd.Timedelta(hours=2),
            },
        ],
        training_job_status="Completed",
    )


@pytest.mark.parametrize(
    ("tolerance", "want"),
    [
        ("1d", pd.Timedelta(days=1)),
        ("1D", pd.Timedelta(days=1)),
        ("2 days", pd.Timedelta(days=2)),
        ("12H", pd.Timedelta(hours=12)),
        ("1s", pd.Timedelta(seconds=1)),
        ("1S", pd.Timedelta(seconds=1)),
        ("500ms", pd.Timedelta(milliseconds=500)),
        ("1h30min", pd.Timedelta(minutes=90)),
        ("5", pd.Timedelta(seconds=5)),  # pandas alone reads "5" as five nanoseconds
        (" 2.5 ", pd.Timedelta(seconds=2.5)),
        (3, pd.Timedelta(seconds=3)),
        (0.25, pd.Timedelta(milliseconds=250)),
        (np.int64(2), pd.Timedelta(seconds=2)),
        (timedelta(minutes=2), pd.Timedelta(minutes=2)),
        (pd.Timedelta(hours=1), pd.Timedelta(hours=1)),
        (np.timedelta64(3, "s"), pd.Timedelta(seconds=3)),
    ],
)
def test_tolerance_spellings_without_a_warning(tolerance, want):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no Pandas4Warning for 'd', 'H', 'S'
        report = validate(_with_gap(0), tolerance=tolerance)
    assert report.tolerance == want


def test_the_tolerance_decides_the_gap():
    h = _with_gap(3600)  # an hour between Starting's end and Training's start
    assert "gap" in set(validate(h, tolerance="59min").violations["code"])
    assert "gap" not in set(validate(h, tolerance="1d").violations["code"])
    assert "gap" not in set(validate(h, tolerance=3600).violations["code"])


@pytest.mark.parametrize("bad", ["soon", "3M", "", "NaT", None, True, -1, "-2s", [1], "1e400d"])
def test_bad_tolerances_name_the_parameter(bad):
    with pytest.raises(ValueError, match="tolerance"):
        validate(_with_gap(0), tolerance=bad)


@given(st.integers(0, 10**4), st.sampled_from(["s", "S", "sec", "min", "h", "H", "d", "D", "w"]))
def test_any_unit_case_reads_as_its_lower_case(n, unit):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_span(f"{n}{unit}") == parse_span(f"{n}{unit.lower()}")
        assert as_span(f"{n}{unit}", name="x") == parse_span(f"{n}{unit}")
