"""Time spans as people write them: ``500ms``, ``1s``, ``2min``, ``12h``, ``7d``, ``2w``.

One reader for the library (``validate(tolerance=)``) and the CLI (``--tolerance``,
``--max-age``): units are read in any case and mapped to the spellings pandas keeps, so none
of the aliases it deprecates (``d``, ``H``, ``S``...) reaches it, and a bare number is seconds
(pandas would read ``"5"`` as five nanoseconds).
"""

from __future__ import annotations

import re
import warnings
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["as_span", "parse_span"]

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
