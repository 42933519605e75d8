"""The status palette (one colour per status, colour-blind safe) and the time units of axes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_rgb

from smstatus import SecondaryStatus
from smstatus.plotting import STATUS_PALETTE, status_color, status_colors
from smstatus.plotting.palette import UNKNOWN_STATUS_COLORS
from smstatus.plotting.units import duration_ticks, format_duration, plural, time_unit

# Machado et al. (2009) colour-vision-deficiency matrices, severity 1, on linear RGB
CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}  # fmt: skip


def _lab(color: str, matrix) -> np.ndarray:
    c = np.asarray(to_rgb(color))
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    linear = np.clip(np.asarray(matrix) @ linear, 0, 1)
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ linear
        / np.array([0.95047, 1.0, 1.08883])
    )
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_one_distinct_colour_per_status():
    assert list(STATUS_PALETTE) == [s.value for s in SecondaryStatus]
    assert len(set(STATUS_PALETTE.values())) == 17
    assert not set(UNKNOWN_STATUS_COLORS) & set(STATUS_PALETTE.values())


@pytest.mark.parametrize("kind", sorted(CVD))
def test_colours_stay_apart_under_colour_vision_deficiencies(kind):
    labs = {s: _lab(c, CVD[kind]) for s, c in STATUS_PALETTE.items()}
    closest = min(
        (float(np.linalg.norm(labs[a] - labs[b])), a, b) for a, b in itertools.combinations(labs, 2)
    )
    assert closest[0] >= 10, closest


def test_unknown_statuses_get_colours_in_turn():
    colors = status_colors(["Training", "Queued", "Warming", "Queued"])
    assert colors == {
        "Training": STATUS_PALETTE["Training"],
        "Queued": UNKNOWN_STATUS_COLORS[0],
        "Warming": UNKNOWN_STATUS_COLORS[1],
    }
    assert status_color("Failed") == STATUS_PALETTE["Failed"]
    assert status_color("Nope") == UNKNOWN_STATUS_COLORS[0]


@pytest.mark.parametrize(
    ("span", "unit"),
    [(0, "s"), (179, "s"), (600, "min"), (3 * 3600, "min"), (5 * 3600, "h"), (4 * 86400, "d")],
)
def test_time_unit(span, unit):
    assert time_unit(span)[0] == unit


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.25, "0.25 s"), (42, "42 s"), (59.9, "59.9 s"), (90, "1.5 min"), (750, "12.5 min"),
     (5400, "1.5 h"), (7200, "2 h"), (3 * 86400, "3 d"), (float("nan"), "-")],
)  # fmt: skip
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@given(st.floats(0.01, 1e6), st.floats(1.5, 1e4))
def test_duration_ticks_are_nice_sorted_and_within_range(low, ratio):
    high = low * ratio
    ticks = duration_ticks(low, high)
    assert ticks == sorted(set(ticks))
    assert all(low <= t <= high for t in ticks)
    assert len(ticks) <= 9
    if ratio >= 60:
        assert len(ticks) >= 2


def test_plural():
    assert plural(1, "job") == "1 job" and plural(2000, "entry", "entries") == "2,000 entries"
