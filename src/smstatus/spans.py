"""Time spans as people write them: ``500ms``, ``1s``, ``2min``, ``12h``, ``7d``, ``2w``; and
durations written back for people (:func:`format_duration`).

One reader for the library (``validate(tolerance=)``) and the CLI (``--tolerance``,
``--max-age``): units are read in any case and mapped to the spellings pandas keeps, so none
of the aliases it deprecates (``d``, ``H``, ``S``...) reaches it, and a bare number is seconds
(pandas would read ``"5"`` as five nanoseconds).
"""

from __future__ import annotations

import math
import re
import warnings
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DURATION_STYLES", "as_span", "format_duration", "parse_span"]

_UNIT = re.compile(r"(?<=\d)\s*([A-Za-z]+)")
_UNITS = {
    **dict.fromkeys(("w", "week", "weeks"), "W"),
    **dict.fromkeys(("d", "day", "days"), "D"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "min"),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "s"),
    **dict.fromkeys(("ms", "millisecond", "milliseconds"), "ms"),
    **dict.fromkeys(("us", "microsecond", "microseconds"), "us"),
    **dict.fromkeys(("ns", "nanosecond", "nanoseconds"), "ns"),
}
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def parse_span(text: str) -> pd.Timedelta:
    """A time span such as ``500ms``, ``1s``, ``2min``, ``12h``, ``7d``, ``2w`` or ``1h30min``.

    Units are read in any case (``M`` alone is refused: minutes or months?), so none of the
    spellings pandas deprecates is passed on; a bare number is seconds. Raises ``ValueError``
    otherwise.

    Examples
    --------
    >>> parse_span("7d"), parse_span("1h30m")
    (Timedelta('7 days 00:00:00'), Timedelta('0 days 01:30:00'))
    >>> parse_span("2.5")
    Timedelta('0 days 00:00:02.500000')
    """

    def unit(match: re.Match[str]) -> str:
        word = match.group(1)
        return _UNITS.get(word.lower(), word) if word != "M" else word

    problem = f"{text!r} is not a time span; write e.g. 500ms, 1s, 2min, 7d"
    text = text.strip()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            if _NUMBER.match(text):
                value = pd.Timedelta(float(text), unit="s")
            else:
                value = pd.Timedelta(_UNIT.sub(unit, text))
        except (ValueError, OverflowError, Warning):
            raise ValueError(problem) from None
    if pd.isna(value):
        raise ValueError(problem)
    return value


def as_span(value: Any, *, name: str) -> pd.Timedelta:
    """A span from a text (:func:`parse_span`), a number of seconds, a ``timedelta``, a
    ``numpy.timedelta64`` or a ``Timedelta``; ``ValueError`` naming ``name`` otherwise."""
    problem = (
        f"{name} must be a time span such as '1s' or '7d', a timedelta or a number of seconds, "
        f"got {value!r}"
    )
    if isinstance(value, str):
        try:
            return parse_span(value)
        except ValueError:
            raise ValueError(problem) from None
    if isinstance(value, bool) or value is None:
        raise ValueError(problem)
    try:
        if isinstance(value, timedelta | np.timedelta64):  # timedelta64 is an np.integer
            span = pd.Timedelta(value)
        elif isinstance(value, int | float | np.integer | np.floating):
            span = pd.Timedelta(float(value), unit="s")
        else:
            raise ValueError(problem)
    except (ValueError, OverflowError):
        raise ValueError(problem) from None
    if pd.isna(span):
        raise ValueError(problem)
    return span


# -- writing durations for people ----------------------------------------------------------------

DURATION_STYLES = ("short", "table", "compact")
"""How :func:`format_duration` writes: ``short`` for axes and labels (``"12.5 min"``),
``table`` for report tables (``"12.5 min"``, ``"5.0 s"``), ``compact`` for terminal tables
(``"12m30s"``)."""

_DURATION_UNITS: tuple[tuple[str, float], ...] = (
    ("d", 86400.0),
    ("h", 3600.0),
    ("min", 60.0),
    ("s", 1.0),
)
_COMPACT = {"d": ("d", "h", 3600.0), "h": ("h", "m", 60.0), "min": ("m", "s", 1.0)}
_MISSING = {"short": "-", "table": "–", "compact": "-"}


def _duration_unit(magnitude: float) -> tuple[str, float]:
    """The longest unit not longer than ``magnitude`` seconds (seconds below one second)."""
    for name, size in _DURATION_UNITS:
        if magnitude >= size:
            return name, size
    return _DURATION_UNITS[-1]


def format_duration(seconds: Any, *, style: str = "short") -> str:
    """A duration in seconds written for people, in the longest unit it fills.

    ``style`` (one of :data:`DURATION_STYLES`): ``short`` trims the number (``"42 s"``,
    ``"12.5 min"``, ``"2 h"``, ``"0.25 s"``); ``table`` keeps one decimal (``"5.0 s"``,
    ``"1.6 min"``; whole seconds from 10 s); ``compact`` writes two units without spaces
    (``"1h02m"``, ``"45s"``). Missing values give ``"-"`` (``"–"`` in tables); infinite
    ones ``"-"``, ``"∞"`` or ``"inf"``.

    Examples
    --------
    >>> format_duration(42.0), format_duration(750), format_duration(5400), format_duration(0.25)
    ('42 s', '12.5 min', '1.5 h', '0.25 s')
    >>> format_duration(93.4, style="table"), format_duration(3725.0, style="compact")
    ('1.6 min', '1h02m')
    """
    if style not in DURATION_STYLES:
        raise ValueError(f"style must be one of {list(DURATION_STYLES)}, got {style!r}")
    if seconds is None or pd.isna(seconds):
        return _MISSING[style]
    value = float(seconds)
    if math.isinf(value):
        infinite = {"short": "-", "table": "∞" if value > 0 else "-∞", "compact": "inf"}
        return infinite[style]
    name, size = _duration_unit(abs(value))
    if style == "table":
        if name != "s":
            return f"{value / size:.1f} {name}"
        return f"{value:.0f} s" if abs(value) >= 10 else f"{value:.1f} s"
    if style == "compact":
        return _compact(value, name, size)
    return _short(value / size, name)


def _short(value: float, name: str) -> str:
    if abs(value) < 1:
        text = f"{value:.2g}"
    else:
        text = f"{value:.{1 if abs(value) < 100 else 0}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return f"{text} {name}"


def _compact(value: float, name: str, size: float) -> str:
    sign, s = ("-" if value < 0 else ""), abs(value)
    if name == "s":
        return f"{sign}{s:.1f}s" if s < 10 else f"{sign}{s:.0f}s"
    big, small, small_size = _COMPACT[name]
    return f"{sign}{int(s // size)}{big}{int(s % size // small_size):02d}{small}"
