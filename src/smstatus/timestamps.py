"""Timestamps in every form seen in the wild, converted to UTC.

ISO-8601 with an offset or ``Z``, with or without a fraction; epoch seconds or milliseconds as
numbers or strings; ``YYYY-MM-DD HH:MM:SS`` without a zone (read in ``naive_tz``, UTC by
default); ``datetime`` objects as boto3 returns them.

Strings are parsed in bulk by Arrow's ISO-8601 parser (one call per column, no Python loop per
value); values Arrow rejects fall back to pandas, so what either accepts is accepted.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smstatus.errors import ParseError

__all__ = [
    "EPOCH_MS_THRESHOLD",
    "format_iso",
    "outside_ns_years",
    "parse_timestamp",
    "parse_timestamps",
]

EPOCH_MS_THRESHOLD = 1e11
"""Epoch numbers at or above this are milliseconds (1e11 seconds is the year 5138)."""

UTC_NS = "datetime64[ns, UTC]"
NAT_NS: int = int(np.iinfo(np.int64).min)
"""The nanoseconds that stand for NaT: the smallest int64, so NaT sorts before every time."""
ARROW_CAST_WRAPS: bool = int(pa.__version__.split(".")[0]) < 16
"""Whether Arrow's cast of ISO-8601 text to nanoseconds wraps a year nanoseconds cannot hold
(9999 into 1816) instead of failing, as it does before version 16: only then must such text
be found first (:func:`outside_ns_years`) and left to pandas, which refuses it."""
# int64 nanoseconds cover 1677-09-21 .. 2262-04-11
_MAX_NS = float(np.iinfo(np.int64).max)

_NUMERIC = r"^[+-]?\d+(?:\.\d+)?$"
_ZONED = r"\d\d:\d\d(?::\d\d(?:[.,]\d*)?)?\s*(?:[Zz]|[+-]\d\d(?::?\d\d)?)$"

# type -> kind: "s" string, "n" number, "d" datetime-like, "x" not a timestamp
_KINDS: dict[type, str] = {
    str: "s",
    int: "n",
    bool: "x",
    np.str_: "s",
    np.int64: "n",
    np.bool_: "x",
    dt.datetime: "d",
    pd.Timestamp: "d",
    np.datetime64: "d",
}


def _epoch_to_ns(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Epoch seconds or milliseconds to nanoseconds, exact for whole milliseconds.

    Returns the nanoseconds and a mask of the values out of the representable range.
    """
    values = np.asarray(values, dtype="float64")
    scale = np.where(np.abs(values) >= EPOCH_MS_THRESHOLD, 1_000_000, 1_000_000_000)
    bad = ~np.isfinite(values) | (np.abs(values * scale) >= _MAX_NS)
    values = np.where(bad, 0.0, values)
    whole = np.floor(values)
    # fractions to whole microseconds: float64 epochs carry no more precision than that
    frac_ns = np.round((values - whole) * (scale // 1000)).astype("int64") * 1000
    out = whole.astype("int64") * scale + frac_ns
    out[bad] = NAT_NS
    return out, bad


_PER_UNIT = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def _to_ns(values: np.ndarray, unit: str) -> np.ndarray:
    """Integers in ``unit`` since the epoch to nanoseconds; values nanoseconds cannot hold
    (before 1677-09-21 or after 2262-04-11) become NaT, never a wrapped-around time."""
    values = np.asarray(values, dtype=np.int64)
    factor = _PER_UNIT[unit]
    if factor == 1:
        return values.copy()
    nat = values == NAT_NS
    limit = np.iinfo(np.int64).max // factor
    out = np.where(nat | (np.abs(values) > limit), NAT_NS, values * factor)
    return out.astype(np.int64)


def _datetime_ns(values: Any) -> np.ndarray:
    """UTC nanoseconds of a datetime-like array or Series of any unit (NaT out of range)."""
    index = pd.DatetimeIndex(values)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return _to_ns(index.asi8, index.unit)


def _kind(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return "-"
    if isinstance(value, bool | np.bool_):
        return "x"
    if isinstance(value, str):
        return "s"
    if isinstance(value, dt.datetime | np.datetime64):
        return "d"
    if isinstance(value, numbers.Real):
        return "-" if np.isnan(float(value)) else "n"
    return "x"


def parse_timestamps(
    values: Sequence[Any] | pd.Series | pd.Index | np.ndarray | pa.Array | pa.ChunkedArray,
    *,
    naive_tz: str = "UTC",
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
    if isinstance(values, pa.ChunkedArray | pa.Array):
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            out, bad = _parse_strings(values, naive_tz)
            return _index(out), bad
        values = values.to_pandas()
    typed = _parse_typed(values, naive_tz)
    if typed is not None:
        return typed
    arr = (
        values.to_numpy(dtype=object)
        if isinstance(values, pd.Series | pd.Index)
        else _objects(values)
    )
    n = len(arr)
    if n == 0:
        return pd.DatetimeIndex([], dtype=UTC_NS), np.zeros(0, dtype=bool)
    try:  # the common case: strings and absent values only
        strings = pa.array(arr, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid, UnicodeEncodeError):
        strings = None
    if strings is not None:
        out, bad = _parse_strings(strings, naive_tz)
        return _index(out), bad
    out = np.full(n, NAT_NS, dtype="int64")
    bad = np.zeros(n, dtype=bool)
    kinds = np.array([_KINDS.get(type(v)) or _kind(v) for v in arr])
    num = np.flatnonzero(kinds == "n")
    if len(num):
        out[num], bad[num] = _epoch_to_ns(_floats(arr[num]))
    dts = np.flatnonzero(kinds == "d")
    if len(dts):
        out[dts] = _datetimes_to_ns(arr[dts], naive_tz)
        bad[dts] = out[dts] == NAT_NS
    kinds[(kinds == "s") & ~_encodable(arr)] = "x"  # a lone surrogate is no time
    strs = np.flatnonzero(kinds == "s")
    if len(strs):
        out[strs], bad[strs] = _parse_strings(
            pa.array(arr[strs].astype(str), type=pa.string()), naive_tz
        )
    bad |= kinds == "x"
    return _index(out), bad


def _floats(numbers: np.ndarray) -> np.ndarray:
    """Float64 of an object array of numbers; an integer too big for a float (JSON has no
    limit) becomes infinite, out of range like every epoch past 2262."""
    try:
        return numbers.astype("float64")
    except OverflowError:
        return np.array([_float_or_inf(v) for v in numbers], dtype="float64")


def _float_or_inf(number: Any) -> float:
    try:
        return float(number)
    except OverflowError:
        return -math.inf if number < 0 else math.inf


def _objects(values: Any) -> np.ndarray:
    """A 1-d object array of the values: a value that is itself a list (``StartTime: []``)
    stays one element, where ``np.asarray`` would make it a dimension or fail."""
    if isinstance(values, np.ndarray):
        return values.astype(object).reshape(-1)
    values = list(values)
    return np.fromiter(values, dtype=object, count=len(values))


def _encodable(values: np.ndarray) -> np.ndarray:
    """Whether each value is not a string holding a lone surrogate (not UTF-8 text)."""
    out = np.ones(len(values), dtype=bool)
    for i, value in enumerate(values):
        if isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                out[i] = False
    return out


def _index(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")


def _parse_typed(values: Any, naive_tz: str) -> tuple[pd.DatetimeIndex, np.ndarray] | None:
    """Columns already typed as datetimes or numbers (no per-value inspection)."""
    dtype = getattr(values, "dtype", None)
    if dtype is None or (isinstance(dtype, np.dtype) and dtype.kind == "O"):
        return None
    if isinstance(dtype, pd.DatetimeTZDtype):
        present = ~np.asarray(pd.isna(values))
        ns = _datetime_ns(values)
        return _index(ns), present & (ns == NAT_NS)
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        present = ~pd.isna(np.asarray(values))
        ns = _datetime_ns(values)
        if naive_tz != "UTC":
            local = pd.DatetimeIndex(ns.view("datetime64[ns]"))
            local = local.tz_localize(naive_tz, ambiguous="NaT", nonexistent="NaT")
            ns = _datetime_ns(local)
        return _index(ns), present & (ns == NAT_NS)
    if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
        raw = np.asarray(values, dtype="float64")
        present = ~np.isnan(raw)
        out, bad = _epoch_to_ns(np.where(present, raw, 0.0))
        out[~present] = NAT_NS
        return _index(out), bad & present
    return None


def _datetimes_to_ns(values: np.ndarray, naive_tz: str) -> np.ndarray:
    """``datetime``/``Timestamp``/``datetime64`` objects to UTC nanoseconds (NaT: out of range)."""
    aware = np.array([getattr(v, "tzinfo", None) is not None for v in values], dtype=bool)
    naive = ~aware
    out = np.full(len(values), NAT_NS, dtype="int64")
    plain = aware & np.array([type(v) is dt.datetime for v in values], dtype=bool)
    if plain.any():  # boto3's datetimes (tzlocal, tzutc): Arrow asks each for its offset, fast
        try:
            utc = pa.array(values[plain], type=pa.timestamp("us", "UTC"))
            out[plain] = _to_ns(np.asarray(pc.cast(utc, pa.int64()), dtype=np.int64), "us")
            aware &= ~plain
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            pass
    if aware.any():
        parsed = pd.to_datetime(pd.Series(values[aware]), utc=True, errors="coerce")
        out[aware] = _series_ns(parsed)
    if naive.any():
        parsed = pd.to_datetime(pd.Series(values[naive]), errors="coerce")
        parsed = parsed.dt.tz_localize(naive_tz, ambiguous="NaT", nonexistent="NaT")
        out[naive] = _series_ns(parsed)
    return out


def _series_ns(series: pd.Series) -> np.ndarray:
    """UTC nanoseconds of an aware datetime Series (NaT, and times out of range -> int64 min)."""
    return _datetime_ns(series)


def _arrow_ns(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Nanoseconds of an Arrow timestamp array (nulls -> int64 min)."""
    ints = pc.cast(array, pa.int64()).fill_null(NAT_NS)
    return np.asarray(ints, dtype="int64")


def _mask(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(array.fill_null(False), dtype=bool)


def _parse_strings(
    strings: pa.Array | pa.ChunkedArray, naive_tz: str
) -> tuple[np.ndarray, np.ndarray]:
    """Parse an Arrow string array: ISO-8601 (zoned or naive) and epoch strings."""
    text = pc.utf8_trim_whitespace(strings)
    present = np.asarray(text.is_valid(), dtype=bool)
    n = len(text)
    far = outside_ns_years(text) if ARROW_CAST_WRAPS else np.zeros(n, dtype=bool)
    if not far.any():
        try:  # the common case: every value is ISO-8601 with a zone
            return _arrow_ns(pc.cast(text, pa.timestamp("ns", "UTC"))), np.zeros(n, dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    out = np.full(n, NAT_NS, dtype="int64")
    bad = np.zeros(n, dtype=bool)
    text = pc.replace_substring_regex(text, r"(\d\d:\d\d:\d\d),(\d)", r"\1.\2")  # ISO comma
    # ISO-8601 allows a lowercase "t" and "z": neither parser takes them
    text = pc.replace_substring_regex(text, r"^(\d{4}-\d\d-\d\d)t(\d)", r"\1T\2")
    text = pc.replace_substring_regex(text, r"(\d)z$", r"\1Z")
    numeric = _mask(pc.match_substring_regex(text, _NUMERIC)) & present
    zoned = _mask(pc.match_substring_regex(text, _ZONED)) & present & ~numeric
    naive = present & ~numeric & ~zoned
    if numeric.any():
        values = np.asarray(pc.cast(text.filter(pa.array(numeric)), pa.float64()))
        out[numeric], bad[numeric] = _epoch_to_ns(values)
    for mask, zone in ((zoned, True), (naive, False)):
        if not mask.any():
            continue
        subset = text.filter(pa.array(mask))
        try:
            if far[mask].any():
                raise pa.ArrowInvalid("a year nanoseconds cannot hold")
            ns = _arrow_ns(pc.cast(subset, pa.timestamp("ns", "UTC" if zone else None)))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ns = _pandas_iso_ns(subset.to_pylist(), zoned=zone)
        if not zone and naive_tz != "UTC":
            local = pd.DatetimeIndex(ns.view("datetime64[ns]"))
            local = local.tz_localize(naive_tz, ambiguous="NaT", nonexistent="NaT")
            ns = local.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8.copy()
        out[mask] = ns
        bad[mask] = ns == NAT_NS
    return out, bad


def outside_ns_years(text: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Mask of the strings whose first four characters are no year nanoseconds can hold.

    Such a string is out of range (or no ISO time at all) and must go to the pandas parser,
    which refuses it: Arrow's cast before version 16 wraps a year like 9999 into 1816.
    """
    year = pc.utf8_slice_codeunits(text, 0, 4)
    return _mask(pc.or_(pc.less(year, "1678"), pc.greater(year, "2261")))


def _pandas_iso_ns(values: list[str], *, zoned: bool) -> np.ndarray:
    """The slower, more lenient pandas parser, one bad value at a time coerced to NaT."""
    parsed = pd.to_datetime(pd.Series(values), utc=zoned, format="ISO8601", errors="coerce")
    return _datetime_ns(parsed)


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


def format_iso(values: pd.Series | pd.DatetimeIndex | pa.Array | pa.ChunkedArray) -> pa.Array:
    """ISO-8601 UTC strings of UTC times, vectorised: ``2025-05-16T18:10:50.603Z``.

    The fraction is trimmed of trailing zeros (nanoseconds kept when there are any); missing
    times give nulls. The inverse of :func:`parse_timestamps` for every value.
    """
    if not isinstance(values, pa.Array | pa.ChunkedArray):
        values = pa.array(pd.Series(values).dt.tz_convert("UTC"), type=pa.timestamp("ns", "UTC"))
    # UTC wall times: cast without the zone (the zone-aware cast is ~30x slower), then "Z"
    naive = pc.cast(pc.cast(values, pa.int64()), pa.timestamp("ns"))
    text = pc.binary_join_element_wise(pc.cast(naive, pa.string()), "Z", "")
    text = pc.replace_substring(text, " ", "T")
    text = pc.replace_substring_regex(text, r"(\.\d*?)0+Z$", r"\1Z")
    text = pc.replace_substring_regex(text, r"\.Z$", "Z")
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    return text


# -- nanoseconds: the int64 form every vectorised computation of the package works in ------------


def utc_ns(values: Any) -> np.ndarray:
    """UTC nanoseconds since the epoch (int64, :data:`NAT_NS` for NaT) of datetime-like values.

    ``values`` is a datetime column (aware in any zone, or naive read as UTC) of any unit, or
    anything :func:`pandas.to_datetime` reads with ``utc=True``. A ``datetime64[ns, UTC]``
    column is returned as a view, without a copy; times nanoseconds cannot hold become NaT.
    """
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.DatetimeTZDtype) and dtype.unit == "ns" and str(dtype.tz) == "UTC":
        array = values.array if isinstance(values, pd.Series) else pd.DatetimeIndex(values)
        return np.asarray(array.asi8, dtype=np.int64)  # type: ignore[union-attr]
    if not isinstance(dtype, pd.DatetimeTZDtype | np.dtypes.DateTime64DType):
        values = pd.to_datetime(values, utc=True)
    return _datetime_ns(values)
