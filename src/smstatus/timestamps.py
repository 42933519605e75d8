"""Timestamps in every form seen in the wild, converted to UTC.

ISO-8601 with an offset or ``Z``, with or without a fraction; epoch seconds or milliseconds as
numbers or strings; ``YYYY-MM-DD HH:MM:SS`` without a zone (read in ``naive_tz``, UTC by
default); ``datetime`` objects as boto3 returns them.
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from smstatus.errors import ParseError

__all__ = ["EPOCH_MS_THRESHOLD", "parse_timestamp", "parse_timestamps"]

EPOCH_MS_THRESHOLD = 1e11
"""Epoch numbers at or above this are milliseconds (1e11 seconds is the year 5138)."""

UTC_NS = "datetime64[ns, UTC]"


def _epoch_to_ns(values: np.ndarray) -> np.ndarray:
    """Epoch seconds or milliseconds to nanoseconds, exact for whole numbers."""
    values = values.astype("float64")
    scale = np.where(np.abs(values) >= EPOCH_MS_THRESHOLD, 1_000_000, 1_000_000_000)
    whole = np.floor(values)
    # fractions to whole microseconds: float64 epochs carry no more precision than that
    frac_ns = np.round((values - whole) * (scale // 1000)).astype("int64") * 1000
    return whole.astype("int64") * scale + frac_ns


def parse_timestamps(
    values: Sequence[Any] | pd.Series | np.ndarray, *, naive_tz: str = "UTC"
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Parse many timestamps at once.

    Parameters
    ----------
    values
        Timestamps in any supported form; ``None``/NaN mean "absent".
    naive_tz
        Zone of timestamps that carry none.

    Returns
    -------
    (DatetimeIndex, ndarray of bool)
        The UTC times (NaT where absent or bad) and a mask of the values that were present but
        could not be parsed.
    """
    obj = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values
    obj = obj.astype(object).reset_index(drop=True)
    n = len(obj)
    out = np.full(n, np.iinfo(np.int64).min, dtype="int64")
    bad = np.zeros(n, dtype=bool)
    if n == 0:
        return pd.DatetimeIndex([], dtype=UTC_NS), bad
    present = obj.notna().to_numpy()
    kinds = obj.map(_kind).to_numpy()
    # numbers: epoch seconds or milliseconds
    num = present & (kinds == "n")
    if num.any():
        out[num] = _epoch_to_ns(obj[num].to_numpy(dtype="float64"))
    # datetime objects
    dts = present & (kinds == "d")
    if dts.any():
        ts = pd.to_datetime(pd.Series(obj[dts].map(_aware_or_naive(naive_tz))), utc=True)
        out[dts] = _ns(ts)
    # strings: numeric strings are epochs, the rest ISO-8601
    strs = present & (kinds == "s")
    if strs.any():
        text = obj[strs].str.strip()
        numeric = text.str.fullmatch(r"[+-]?\d+(\.\d+)?").to_numpy()
        idx = np.flatnonzero(strs)
        if numeric.any():
            out[idx[numeric]] = _epoch_to_ns(text[numeric].astype("float64").to_numpy())
        iso = text[~numeric]
        if len(iso):
            out[idx[~numeric]], bad_iso = _parse_iso(iso, naive_tz)
            bad[idx[~numeric]] = bad_iso
    bad |= present & (kinds == "x")
    result = pd.DatetimeIndex(out.view("datetime64[ns]")).tz_localize("UTC")
    return result, bad


def _ns(series: pd.Series) -> np.ndarray:
    """UTC nanoseconds since the epoch of an aware datetime Series (NaT -> int64 min)."""
    naive = series.dt.tz_convert("UTC").dt.tz_localize(None).dt.as_unit("ns")
    return naive.to_numpy().view("int64")


def _kind(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "x"
    if isinstance(value, str):
        return "s"
    if isinstance(value, dt.datetime | pd.Timestamp | np.datetime64):
        return "d"
    if isinstance(value, numbers.Real):
        return "n"
    return "x"


def _aware_or_naive(naive_tz: str) -> Any:
    def convert(value: Any) -> pd.Timestamp:
        ts = pd.Timestamp(value)
        if ts.tzinfo is None:
            ts = ts.tz_localize(naive_tz)
        return ts.tz_convert("UTC")

    return convert


def _parse_iso(text: pd.Series, naive_tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse ISO strings; naive ones are read in ``naive_tz``."""
    has_zone = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).to_numpy()
    out = np.full(len(text), np.iinfo(np.int64).min, dtype="int64")
    if has_zone.any():
        parsed = pd.to_datetime(text[has_zone], utc=True, format="ISO8601", errors="coerce")
        out[has_zone] = _ns(parsed)
    if (~has_zone).any():
        parsed = pd.to_datetime(text[~has_zone], format="ISO8601", errors="coerce")
        if getattr(parsed.dt, "tz", None) is None:
            parsed = parsed.dt.tz_localize(naive_tz, ambiguous="NaT", nonexistent="NaT")
        parsed = parsed.dt.tz_convert("UTC")
        out[~has_zone] = _ns(parsed)
    bad = out == np.iinfo(np.int64).min
    return out, bad


def parse_timestamp(value: Any, *, field: str = "timestamp", naive_tz: str = "UTC") -> pd.Timestamp:
    """Parse one timestamp to a UTC :class:`pandas.Timestamp`; raise :class:`ParseError`."""
    if isinstance(value, pd.Timestamp) and value.tzinfo is not None:
        return value.tz_convert("UTC").as_unit("ns")
    parsed, bad = parse_timestamps([value], naive_tz=naive_tz)
    if bad[0] or pd.isna(parsed[0]):
        raise ParseError(
            f"{field} {value!r} is not a timestamp (expected ISO-8601, epoch seconds or "
            "milliseconds, or a datetime)",
            field=field,
        )
    return parsed[0]
