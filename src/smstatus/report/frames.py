"""The frames behind the report's page, written beside it as CSV (or Parquet) by Arrow.

CSV:

- times in ISO-8601 UTC with a fixed fraction, ``2025-05-16T18:10:50.603000Z``: six digits
  (microseconds), nine in a column that holds a time with a finer part, so every value reads
  back exactly and a column has one width (``pandas.read_csv(..., parse_dates=[...])`` and
  ``pandas.to_datetime(..., utc=True)`` read it without a format);
- numbers at full precision (the shortest text that reads back as the same float);
  booleans ``true`` / ``false``; categories as their text;
- missing values (``NaN``, ``NaT``, ``<NA>``) as empty cells;
- text quoted, and a text cell that a spreadsheet would run as a formula (it starts with
  ``= + - @``, a tab or a CR) preceded by a single quote (:mod:`smstatus.escaping`).

A non-default index (statuses or job names) is written as the first columns. Large frames are
converted and written a slice of rows at a time, so no whole frame is ever held as text.

Parquet keeps every value and dtype as the frame holds it (times as timestamps, categories
as dictionaries): it is not opened by spreadsheets, so no cell is rewritten.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from smstatus.escaping import CSV_TRIGGERS
from smstatus.timestamps import NAT_NS, utc_ns

__all__ = ["FRAME_FORMATS", "FrameFormat", "frame_to_csv_batches", "write_frames"]

FrameFormat = Literal["csv", "parquet"]
FRAME_FORMATS: tuple[FrameFormat, ...] = ("csv", "parquet")
"""The formats the frames beside the page can be written in."""

ROWS_PER_SLICE = 200_000
"""Rows converted to text and written at a time: bounds the memory a large frame takes."""

_TRIGGER_REGEX = "^[" + "".join("\\" + c if c in "-+" else c for c in CSV_TRIGGERS) + "]"


def write_frames(
    frames: Mapping[str, pd.DataFrame], folder: Path, *, frames_format: FrameFormat = "csv"
) -> dict[str, Path]:
    """Write each frame as ``folder / f"{name}.csv"`` (or ``.parquet``).

    Parameters
    ----------
    frames
        The frames by name.
    folder
        An existing folder (the report's temporary folder: it is swapped in whole).
    frames_format
        ``"csv"`` (see the module notes) or ``"parquet"``.

    Returns
    -------
    dict
        The path written for each name, in the order given.
    """
    if frames_format not in FRAME_FORMATS:
        raise ValueError(
            f"frames_format must be one of {', '.join(FRAME_FORMATS)}, got {frames_format!r}"
        )
    written: dict[str, Path] = {}
    for name, frame in frames.items():
        path = folder / f"{name}.{frames_format}"
        if frames_format == "csv":
            _write_csv(frame, path)
        else:
            _write_parquet(frame, path)
        written[name] = path
    return written


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    batches = frame_to_csv_batches(frame)
    first = next(batches)
    with pcsv.CSVWriter(str(path), first.schema) as writer:
        writer.write_table(first)
        for batch in batches:
            writer.write_table(batch)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(_with_index_columns(frame), preserve_index=False)
    pq.write_table(table, str(path))


def _with_index_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a non-default index moved into its first columns (as ``to_csv`` wrote
    it: an unnamed level gets an empty header)."""
    if isinstance(frame.index, pd.RangeIndex):
        return frame
    levels = {
        (name if name is not None else ""): frame.index.get_level_values(i)
        for i, name in enumerate(frame.index.names)
    }
    index = pd.DataFrame({k: v.to_numpy() for k, v in levels.items()})
    body = frame.reset_index(drop=True)
    return pd.concat([index, body], axis=1)


def frame_to_csv_batches(frame: pd.DataFrame, *, rows: int = ROWS_PER_SLICE) -> Iterator[pa.Table]:
    """``frame`` as Arrow tables of at most ``rows`` rows, every column ready for the CSV
    writer (see the module notes); at least one table, empty when the frame is."""
    frame = _with_index_columns(frame)
    columns = [str(c) for c in frame.columns]
    # the categories of a categorical are made safe once, not once per slice
    prepared = [_prepare(frame.iloc[:, i]) for i in range(frame.shape[1])]
    for start in range(0, max(len(frame), 1), rows):
        stop = min(start + rows, len(frame))
        arrays = [convert(start, stop) for convert in prepared]
        yield pa.Table.from_arrays(arrays, names=columns)


def _prepare(column: pd.Series) -> Any:
    """A function ``(start, stop) -> pa.Array`` giving the column's rows as CSV-ready Arrow."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = _safe_text(pd.Series(dtype.categories.astype(object), dtype=object))
        codes = column.cat.codes.to_numpy()

        def categorical(start: int, stop: int) -> pa.Array:
            part = codes[start:stop]
            return categories.take(pa.array(part, mask=part < 0))

        return categorical
    if isinstance(dtype, pd.DatetimeTZDtype) or np.issubdtype(_numpy_dtype(dtype), np.datetime64):
        return _iso_times(utc_ns(column))
    if pd.api.types.is_string_dtype(dtype) or _is_other(dtype):
        return lambda start, stop: _safe_text(column.iloc[start:stop])
    return lambda start, stop: pa.array(column.iloc[start:stop], from_pandas=True)


def _iso_times(ns: np.ndarray) -> Any:
    """``(start, stop) -> pa.Array`` of ISO-8601 UTC text of UTC nanoseconds (``NAT_NS``:
    null): microseconds, or nanoseconds when some time needs them."""
    missing = ns == NAT_NS
    fine = bool(np.any((ns % 1000 != 0) & ~missing))
    values, unit = (ns, "ns") if fine else (ns // 1000, "us")

    def iso(start: int, stop: int) -> pa.Array:
        naive = pa.array(values[start:stop], mask=missing[start:stop]).cast(pa.timestamp(unit))
        # the zone-free cast prints "YYYY-MM-DD HH:MM:SS.ffffff" (UTC wall time)
        text = pc.replace_substring(naive.cast(pa.string()), " ", "T", max_replacements=1)
        return pc.binary_join_element_wise(text, pa.scalar("Z"), "")

    return iso


def _numpy_dtype(dtype: Any) -> np.dtype[Any]:
    return dtype if isinstance(dtype, np.dtype) else np.dtype(object)


def _is_other(dtype: Any) -> bool:
    """Dtypes Arrow's CSV writer would not write as pandas does (durations, periods,
    intervals): written as pandas prints them."""
    if isinstance(dtype, pd.PeriodDtype | pd.IntervalDtype):
        return True
    return isinstance(dtype, np.dtype) and dtype.kind == "m"


def _safe_text(values: pd.Series) -> pa.Array:
    """Text values as an Arrow string array whose cells cannot start a spreadsheet formula."""
    if not (pd.api.types.is_string_dtype(values.dtype) and values.dtype != object):
        # objects (and durations, periods) as pandas prints them; missing stays missing
        values = values.astype(object).where(values.notna(), None)
        values = values.map(lambda v: v if v is None or isinstance(v, str) else str(v))
        values = values.astype(pd.StringDtype())
    array = pa.array(values, from_pandas=True)
    if pa.types.is_large_string(array.type):
        array = array.cast(pa.string())
    hit = pc.match_substring_regex(array, _TRIGGER_REGEX)
    if not pc.any(hit).as_py():
        return array
    quoted = pc.binary_join_element_wise(pa.scalar("'"), array, "")
    return pc.if_else(hit, quoted, array)
