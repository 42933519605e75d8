"""Readable time units for axes: seconds, minutes, hours or days, chosen from the span."""

from __future__ import annotations

from typing import Any

import numpy as np

from smstatus.spans import format_duration

__all__ = ["duration_axis", "duration_ticks", "format_duration", "plural", "time_unit"]

_UNITS: tuple[tuple[str, float], ...] = (("s", 1.0), ("min", 60.0), ("h", 3600.0), ("d", 86400.0))

# nice durations for ticks on a log axis, in seconds, by tier: the first tier always shows
# (the unit boundaries), the next ones are added while the axis has room for them
_TIERS: tuple[tuple[float, ...], ...] = (
    (0.001, 0.01, 0.1, 1, 60, 3600, 86400),
    (10, 600, 6 * 3600, 7 * 86400, 30 * 86400, 365 * 86400),
    (30, 1800, 3 * 3600, 12 * 3600, 2 * 86400, 90 * 86400),
    (0.5, 2, 5, 120, 300, 2 * 3600, 14 * 86400),
    (20, 1200, 4 * 86400, 180 * 86400),
)


def time_unit(span_s: float) -> tuple[str, float]:
    """The unit that shows a span of ``span_s`` seconds with readable numbers.

    Returns the unit's name and its length in seconds: seconds up to 3 minutes, minutes up
    to 3 hours, hours up to 3 days, then days.

    Examples
    --------
    >>> time_unit(90)
    ('s', 1.0)
    >>> time_unit(5400)
    ('min', 60.0)
    """
    if not np.isfinite(span_s) or span_s <= 180:
        return _UNITS[0]
    if span_s <= 3 * 3600:
        return _UNITS[1]
    if span_s <= 3 * 86400:
        return _UNITS[2]
    return _UNITS[3]


def duration_ticks(low_s: float, high_s: float, *, max_ticks: int = 9) -> list[float]:
    """Nice tick positions (seconds) for a log axis from ``low_s`` to ``high_s``.

    Fewer than two ticks (a narrow range) means: let matplotlib place them.

    Examples
    --------
    >>> duration_ticks(5, 4000)
    [5, 10, 30, 60, 120, 300, 600, 1800, 3600]
    """
    low_s, high_s = max(low_s, 1e-3), max(high_s, 1e-3)
    ticks: list[float] = []
    for tier in _TIERS:
        more = sorted(ticks + [t for t in tier if low_s <= t <= high_s])
        if len(more) > max_ticks and len(ticks) >= 2:
            break
        ticks = more
    return ticks


def duration_axis(axis: Any) -> None:
    """Put readable duration ticks (``10 s``, ``5 min``, ``2 h``) on a log-scaled axis."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    class DurationLocator(LogLocator):
        """Ticks at nice durations within the view; matplotlib's own when the view is narrow."""

        def tick_values(self, vmin: float, vmax: float) -> Any:
            lo, hi = sorted((vmin, vmax))
            ticks = duration_ticks(lo, hi)
            return np.asarray(ticks) if len(ticks) >= 2 else super().tick_values(vmin, vmax)

    axis.set_major_locator(DurationLocator())
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: format_duration(x)))
    axis.set_minor_formatter(NullFormatter())


def plural(n: int, word: str, words: str | None = None) -> str:
    """``"1 entry"``, ``"3 entries"``: a count with its noun."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"
