"""``format_duration``: one writer of durations, three styles that agree on the unit."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smstatus.spans import DURATION_STYLES, format_duration

_COMPACT_UNIT = {"d": "d", "h": "h", "min": "m", "s": "s"}


@given(st.floats(-1e8, 1e8, allow_nan=False))
def test_the_styles_write_a_duration_in_the_same_unit(seconds):
    short_unit = format_duration(seconds).split(" ")[-1]
    assert format_duration(seconds, style="table").split(" ")[-1] == short_unit
    compact = format_duration(seconds, style="compact")
    if short_unit == "s":
        assert compact.endswith("s") and compact[-2].isdigit()
    else:
        assert _COMPACT_UNIT[short_unit] in compact.lstrip("-")[:-1]


@pytest.mark.parametrize(
    ("seconds", "style", "text"),
    [(3725.0, "compact", "1h02m"), (-90, "compact", "-1m30s"), (5, "compact", "5.0s"),
     (2 * 86400 + 7200, "compact", "2d02h"), (-math.inf, "table", "-∞"), (None, "table", "–"),
     (None, "short", "-"), (math.inf, "compact", "inf"), (12.0, "table", "12 s")],
)  # fmt: skip
def test_format_duration_styles(seconds, style, text):
    assert format_duration(seconds, style=style) == text


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError, match="style must be one of"):
        format_duration(1.0, style="long")
    assert DURATION_STYLES == ("short", "table", "compact")
