"""The tidy table itself: the ``transitions`` frame (and the ``jobs`` frame) as CSV or Parquet.

Writing and reading back gives the same frames: dtypes, UTC times to the nanosecond, statuses
(known first, unknown kept), empty strings kept apart from missing values (CSV: ``""`` is an
empty message, an empty cell a missing one), messages with commas, quotes, newlines.

The jobs frame goes in a file of its own. :func:`read_table` finds it next to the transitions
table when it is named like it with ``.jobs`` before the suffix (``runs.csv`` ->
``runs.jobs.csv``), or takes it from ``jobs=``. Without one, the jobs are the names the
transitions table holds (``source="table"``); Parquet keeps the order of every job, those
without entries included.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from smstatus.errors import ParseError
from smstatus.history import (
    JOBS_SCHEMA,
    KNOWN_STATUSES,
    STRING,
    JobHistory,
    as_history,
    concat_histories,
    fill_observed_at,
    fill_warm_start,
    status_categorical,
    string_categories_dtype,
)
from smstatus.io.builder import Errors, unparsed_frame
from smstatus.io.inputs import InputFile, expand_inputs
from smstatus.timestamps import format_iso, outside_ns_years, parse_timestamps

__all__ = ["TABLE_SUFFIXES", "history_from_arrow", "jobs_sibling", "read_table", "write_table"]

TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")
"""Suffixes :func:`write_table` knows (the format follows the suffix)."""

_REQUIRED = ("job_name", "status", "start_time")
_TIME = "datetime64[ns, UTC]"
_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}


# -- names ------------------------------------------------------------------------------------


def _split_suffix(name: str) -> tuple[str, str]:
    lower = name.lower()
    for suffix in (".csv.gz", ".parquet", ".pq", ".csv", ".tsv", ".gz"):
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], name[-len(suffix) :]
    stem, dot, ext = name.rpartition(".")
    return (stem, dot + ext) if dot else (name, "")


def jobs_sibling(path: str | Path) -> Path:
    """Where the jobs table of a transitions table is looked for: ``x.csv`` -> ``x.jobs.csv``."""
    path = Path(path)
    stem, suffix = _split_suffix(path.name)
    return path.with_name(f"{stem}.jobs{suffix}")


def is_jobs_sibling_name(path: str | Path) -> bool:
    """Whether the file is named as the jobs table of another (``x.jobs.csv``)."""
    stem, _ = _split_suffix(Path(path).name)
    return stem.endswith(".jobs")


def _format(path: str | Path) -> str:
    lower = str(path).lower()
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    if lower.endswith((".csv", ".csv.gz")):
        return "csv"
    raise ValueError(
        f"cannot tell the table format of {str(path)!r}: use one of {', '.join(TABLE_SUFFIXES)}"
    )


# -- writing ----------------------------------------------------------------------------------


def _arrow_for_csv(frame: pd.DataFrame) -> pa.Table:
    """Every column as Arrow: times as ISO strings, categories and strings as strings."""
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    for i, field in enumerate(table.schema):
        column = table.column(i)
        if pa.types.is_timestamp(field.type):
            column = format_iso(column)
        elif pa.types.is_dictionary(field.type) or pa.types.is_large_string(field.type):
            column = pc.cast(column, pa.string())
        else:
            continue
        table = table.set_column(i, field.name, column)
    return table


def _write_one(frame: pd.DataFrame, path: str | Path | IO[bytes], kind: str) -> None:
    if kind == "parquet":
        frame.to_parquet(path, index=False)
        return
    table = _arrow_for_csv(frame)
    if isinstance(path, str | Path) and str(path).lower().endswith(".gz"):
        with gzip.open(path, "wb") as out:
            pcsv.write_csv(table, out)
    else:
        pcsv.write_csv(table, path)


def write_table(
    history: JobHistory,
    path: str | Path | IO[bytes],
    *,
    jobs_path: str | Path | IO[bytes] | None = None,
) -> None:
    """Write the transitions frame (and, with ``jobs_path``, the jobs frame) as a table.

    Parameters
    ----------
    history
        The history to write.
    path
        ``.csv``, ``.csv.gz`` or ``.parquet`` (the format follows the suffix); a binary stream
        gets CSV.
    jobs_path
        Where to write the jobs frame (same suffixes). Name it like :func:`jobs_sibling`
        (``x.jobs.csv`` next to ``x.csv``) and :func:`read_table` finds it by itself.
    """
    history = as_history(history)
    kind = _format(path) if isinstance(path, str | Path) else "csv"
    jobs_kind = (
        None
        if jobs_path is None
        else (_format(jobs_path) if isinstance(jobs_path, str | Path) else "csv")
    )
    trans = history.transitions
    if kind == "csv":
        trans = trans.assign(job_name=trans["job_name"].astype(object))
    _write_one(trans, path, kind)
    if jobs_path is not None and jobs_kind is not None:
        _write_one(history.jobs, jobs_path, jobs_kind)


# -- reading ----------------------------------------------------------------------------------


class _Rows:
    """Bad rows of one table: raised at once or collected with their line."""

    def __init__(self, name: str, errors: Errors, kind: str, file: InputFile | None = None) -> None:
        self.name = name
        self.file = file
        self.errors = errors
        self.kind = kind
        self.bad: dict[int, tuple[str, str]] = {}
        self.rejects: list[dict[str, Any]] = []
        self._lines: list[int] | None = None

    def flag(self, mask: np.ndarray, field: str, reason: Any) -> None:
        """Mark the rows of ``mask`` bad (the first problem of a row is kept)."""
        for i in map(int, np.flatnonzero(mask)):
            if i not in self.bad:
                self.bad[i] = (field, reason(i) if callable(reason) else reason)

    def line(self, row: int) -> int:
        if self.kind == "parquet" or self.file is None:
            return row + 1
        if self._lines is None:
            self._lines = _csv_record_lines(self.file)
        return self._lines[row] if row < len(self._lines) else row + 2

    def raise_first(self) -> None:
        row = min(self.bad)
        field, reason = self.bad[row]
        if self.kind == "parquet":
            reason = f"{reason} (row {row + 1})"
        raise ParseError(reason, file=self.name, line=self.line(row), field=field)

    def keep(self, n: int) -> np.ndarray:
        """The rows to keep; raises on the first bad row with ``errors="raise"``."""
        if self.bad and self.errors == "raise":
            self.raise_first()
        mask = np.ones(n, dtype=bool)
        for row in sorted(self.bad):
            field, reason = self.bad[row]
            mask[row] = False
            self.rejects.append(
                {"file": self.name, "line": self.line(row), "field": field, "reason": reason}
            )
        return mask


def _csv_record_lines(file: InputFile) -> list[int]:
    """The physical line on which each well-formed CSV record starts (header excluded)."""
    with file.open() as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        lines: list[int] = []
        previous = 0
        width = None
        for record in reader:
            start = previous + 1
            previous = reader.line_num
            if not record:
                continue
            if width is None:
                width = len(record)
                continue
            if len(record) == width:
                lines.append(start)
    return lines


def _read_csv(file: InputFile, errors: Errors) -> tuple[pa.Table, list[dict[str, Any]]]:
    invalid: list[str] = []

    def on_invalid(row: Any) -> str:
        invalid.append(row.text)
        return "error" if errors == "raise" else "skip"

    raw = _contents(file)
    _check_utf8(raw, file)
    header = _header(bytes(memoryview(raw)[:65536]))
    try:
        table = pcsv.read_csv(
            pa.BufferReader(raw),
            parse_options=pcsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        line = _invalid_line(file, len(header)) if invalid else None
        raise ParseError(
            f"not a readable CSV table: {str(exc).splitlines()[0]}", file=file.name, line=line
        ) from exc
    rejects = []
    open_quote = _unterminated_quote(raw, header)
    if open_quote is not None and table.num_rows:  # Arrow read it as a row cut at the end
        line, field = open_quote
        reason = (
            f"the row opens a quoted {field} that never closes: the file ends inside it "
            "(cut off while it was written?)"
        )
        if errors == "raise":
            raise ParseError(reason, file=file.name, line=line, field=field)
        rejects.append({"file": file.name, "line": line, "field": field, "reason": reason})
        table = table.slice(0, table.num_rows - 1)
    if invalid:
        for line in _invalid_lines(file, len(header)):
            rejects.append(
                {
                    "file": file.name,
                    "line": line,
                    "field": None,
                    "reason": f"the row does not have the {len(header)} columns of the header",
                }
            )
    return table, rejects


def _contents(file: InputFile) -> bytes | pa.Buffer:
    """The file's bytes: mapped from disk when it is a plain file (no copy), else read."""
    if file.path is not None and not file.compressed:
        try:
            return pa.memory_map(str(file.path)).read_buffer()
        except (OSError, pa.ArrowException):
            pass  # opened below, which reports what is wrong
    with file.open() as stream:
        return stream.read()


def _octets(raw: bytes | pa.Buffer) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.uint8)


def _check_utf8(raw: bytes | pa.Buffer, file: InputFile) -> None:
    """Raise :class:`ParseError` naming the line of the first byte that is not UTF-8 (Arrow
    would print a traceback of its own for such a row, and stop)."""
    octets = _octets(raw)
    if not len(octets) or octets.max() < 0x80:
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    step = 1 << 24
    for start in range(0, len(raw), step):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(view[start : start + step], final=start + step >= len(raw))
        except UnicodeDecodeError as exc:
            where = start - pending + exc.start
            raise ParseError(
                f"not UTF-8 text: byte 0x{octets[where]:02x} ({exc.reason}); is this a CSV table?",
                file=file.name,
                line=int(np.count_nonzero(octets[:where] == ord("\n"))) + 1,
            ) from None


def _unterminated_quote(raw: bytes | pa.Buffer, header: list[str]) -> tuple[int, str] | None:
    """``(line, column)`` of a last record whose quoted value runs to the end of the file.

    Only a file with an odd number of quote characters can end inside quotes (quotes within
    quoted values are doubled); only then is the file read again, by Python's strict parser.
    """
    if np.count_nonzero(_octets(raw) == ord('"')) % 2 == 0:
        return None
    text = bytes(raw).decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    done = 0
    try:
        for _ in reader:
            done = reader.line_num
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return None
        rest = text.split("\n", done)[-1] if done else text
        fields = next(csv.reader(io.StringIO(rest, newline="")), [])
        if len(fields) != len(header):
            return None  # a row of another width: Arrow reports it as such
        return done + 1, header[len(fields) - 1]
    return None


def _header(raw: bytes) -> list[str]:
    text = raw[:65536].decode("utf-8-sig", errors="replace")
    first = next(csv.reader(io.StringIO(text)), [])
    return [c.strip() for c in first]


def _invalid_lines(file: InputFile, width: int) -> list[int]:
    with file.open() as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        out = []
        previous = 0
        for i, record in enumerate(reader):
            start = previous + 1
            previous = reader.line_num
            if i and record and len(record) != width:
                out.append(start)
    return out


def _invalid_line(file: InputFile, width: int) -> int | None:
    lines = _invalid_lines(file, width)
    return lines[0] if lines else None


def _read_parquet(file: InputFile) -> pa.Table:
    try:
        return pq.read_table(pa.BufferReader(_contents(file)))
    except (pa.ArrowInvalid, OSError) as exc:
        raise ParseError(f"not a readable Parquet file: {exc}", file=file.name) from exc


def _is_parquet(file: InputFile) -> bool:
    return file.head(4) == b"PAR1"


def _read_arrow(file: InputFile, errors: Errors) -> tuple[pa.Table, str, list[dict[str, Any]]]:
    rejects: list[dict[str, Any]]
    if _is_parquet(file):
        table, kind, rejects = _read_parquet(file), "parquet", []
    else:
        table, rejects = _read_csv(file, errors)
        kind = "csv"
    _check_columns(table, file.name)
    return table, kind, rejects


_KNOWN_COLUMNS = frozenset(
    (*_REQUIRED, "step", "end_time", "status_message", *(c for c in JOBS_SCHEMA))
)


def _check_columns(table: pa.Table, name: str) -> None:
    """Raise :class:`ParseError` for a column smstatus reads that is named twice, or holds
    lists or structs (values nested in a cell) rather than one value a row."""
    names = table.column_names
    twice = sorted({c for c in names if c in _KNOWN_COLUMNS and names.count(c) > 1})
    if twice:
        raise ParseError(
            f"the header names the column(s) {twice} more than once: which one holds the data?",
            file=name,
            line=1,
            field=twice[0],
        )
    for field in table.schema:
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if field.name in _KNOWN_COLUMNS and pa.types.is_nested(kind):
            raise ParseError(
                f"column {field.name!r} is {field.type}: smstatus reads one value a cell "
                "(text, a number or a time)",
                file=name,
                line=1,
                field=field.name,
            )


def _binary_as_text(table: pa.Table, rows: _Rows) -> pa.Table:
    """Binary columns (Spark writes strings without their UTF-8 annotation) read as UTF-8;
    a value that is not UTF-8 makes its row bad."""
    for i, field in enumerate(table.schema):
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if field.name not in _KNOWN_COLUMNS:
            continue
        if not (pa.types.is_binary(kind) or pa.types.is_large_binary(kind)):
            continue
        array = _column(table, field.name)
        assert array is not None  # the schema names it
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        try:
            text = pc.cast(array, pa.string())
        except pa.ArrowInvalid:
            values = array.to_pylist()
            bad = np.fromiter((v is not None and not _is_utf8(v) for v in values), bool)
            rows.flag(bad, field.name, f"{field.name} holds bytes that are not UTF-8 text")
            text = pa.array([None if b else v for v, b in zip(values, bad, strict=True)])
            text = pc.cast(text, pa.string())
        table = table.set_column(i, field.name, text)
    return table


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _column(table: pa.Table, name: str) -> pa.Array | None:
    if name not in table.column_names:
        return None
    column = table.column(name)
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(array.type) and not pa.types.is_string(array.type.value_type):
        array = array.dictionary_decode()
    return array


def _text(array: pa.Array) -> pa.Array:
    """The values as an Arrow string array."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_string(array.type):
        return array
    return pc.cast(array, pa.string())


def _is_text(array: pa.Array) -> bool:
    kind = array.type.value_type if pa.types.is_dictionary(array.type) else array.type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _np(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(array, dtype=bool)


def _blank(array: pa.Array) -> np.ndarray:
    """Missing or whitespace-only values."""
    if _is_text(array):
        text = _text(array)
        empty = pc.equal(pc.utf8_trim_whitespace(text), "").fill_null(True)
        return _np(empty)
    return _np(pc.is_null(array))


def _value(array: pa.Array, i: int) -> Any:
    return array[i].as_py()


def _times(array: pa.Array, rows: _Rows, field: str, naive_tz: str) -> pd.DatetimeIndex:
    if pa.types.is_timestamp(array.type) or pa.types.is_date(array.type):
        values: Any = array.to_pandas()
    else:
        values = _text(array)
    parsed, bad = parse_timestamps(values, naive_tz=naive_tz)
    rows.flag(
        bad,
        field,
        lambda i: (
            f"{field} {_value(array, i)!r} is not a timestamp (from 1677-09-22 to 2262-04-11)"
        ),
    )
    return parsed


def _ints(array: pa.Array, rows: _Rows, field: str) -> pd.arrays.IntegerArray:
    """Integers (``Int64``) of an integer, float or text column; other values are bad rows."""
    missing = _np(pc.is_null(array))
    if pa.types.is_integer(array.type):
        values = np.asarray(pc.cast(array, pa.int64()).fill_null(0), dtype=np.int64)
        return pd.arrays.IntegerArray(values, missing)
    if pa.types.is_floating(array.type):
        raw = np.asarray(pc.cast(array, pa.float64()).fill_null(0.0), dtype=np.float64)
        ok = np.isfinite(raw) & (raw == np.floor(raw)) & (np.abs(raw) < 2.0**63)
        rows.flag(~ok & ~missing, field, lambda i: f"{field} {raw[i]!r} is not an integer")
        good = ok & ~missing
        return pd.arrays.IntegerArray(np.where(good, raw, 0).astype(np.int64), ~good)
    text = pc.utf8_trim_whitespace(_text(array))
    present = ~_blank(array)
    ok = _np(pc.match_substring_regex(text, r"^[+-]?\d{1,18}(?:\.0*)?$").fill_null(False))
    rows.flag(present & ~ok, field, lambda i: f"{field} {_value(array, i)!r} is not an integer")
    good = present & ok
    values = np.zeros(len(array), dtype=np.int64)
    if good.any():
        digits = pc.replace_substring_regex(text.filter(pa.array(good)), r"\.0*$", "")
        digits = pc.replace_substring_regex(digits, r"^\+", "")  # Arrow reads no "+"
        values[good] = np.asarray(pc.cast(digits, pa.int64()), dtype=np.int64)
    return pd.arrays.IntegerArray(values, ~good)


def _bools(array: pa.Array, rows: _Rows, field: str) -> pd.arrays.BooleanArray:
    missing = _np(pc.is_null(array))
    if pa.types.is_boolean(array.type):
        return pd.arrays.BooleanArray(_np(array.fill_null(False)), missing)
    text = pc.utf8_lower(pc.utf8_trim_whitespace(_text(array)))
    is_true = _np(pc.is_in(text, value_set=pa.array(sorted(_TRUE))).fill_null(False))
    is_false = _np(pc.is_in(text, value_set=pa.array(sorted(_FALSE))).fill_null(False))
    present = ~_blank(array)
    rows.flag(
        present & ~is_true & ~is_false,
        field,
        lambda i: f"{field} {_value(array, i)!r} is not true or false",
    )
    return pd.arrays.BooleanArray(is_true, ~(is_true | is_false))


def _objects(array: pa.Array) -> np.ndarray:
    return np.asarray(_text(array).to_numpy(zero_copy_only=False), dtype=object)


def _categorical(array: pa.Array) -> pd.Categorical:
    """Categories as written (Parquet dictionaries keep their order and unused values)."""
    if pa.types.is_dictionary(array.type):
        codes = np.asarray(array.indices.fill_null(-1), dtype=np.int64)
        categories = [str(c) for c in array.dictionary.to_pylist()]
        return pd.Categorical.from_codes(codes, categories=categories)  # type: ignore[call-overload]
    return pd.Categorical(_objects(array))


def _strings(array: pa.Array) -> pd.arrays.ArrowStringArray:
    return pd.arrays.ArrowStringArray(pa.chunked_array([_text(array)], type=pa.string()))


def _transitions(
    table: pa.Table, rows: _Rows, naive_tz: str
) -> tuple[dict[str, Any], list[str] | None]:
    n = table.num_rows
    name = _column(table, "job_name")
    status = _column(table, "status")
    start = _column(table, "start_time")
    assert name is not None and status is not None and start is not None
    for field, values in (("job_name", name), ("status", status), ("start_time", start)):
        rows.flag(_blank(values), field, f"the row has no {field}")
    starts = _times(start, rows, "start_time", naive_tz)
    end = _column(table, "end_time")
    ends = _times(end, rows, "end_time", naive_tz) if end is not None else None
    step = _column(table, "step")
    steps = _ints(step, rows, "step") if step is not None else None
    if steps is not None:
        rows.flag(np.asarray(steps.isna()), "step", "the row has no step")
        values = steps.to_numpy(dtype=np.int64, na_value=0)
        info = np.iinfo(np.int32)
        rows.flag(
            (values > info.max) | (values < info.min),
            "step",
            lambda i: f"step {values[i]} is out of range (at most {info.max})",
        )
    message = _column(table, "status_message")
    order = (
        [str(c) for c in name.dictionary.to_pylist()] if pa.types.is_dictionary(name.type) else None
    )
    cols: dict[str, Any] = {
        "job_name": _objects(name),
        "step": steps,
        "status": _status_column(status),
        "start_time": starts,
        "end_time": ends if ends is not None else pd.DatetimeIndex([pd.NaT] * n, dtype=_TIME),
        "status_message": _strings(message)
        if message is not None
        else pd.array([None] * n, dtype=STRING),
    }
    return cols, order


def _status_column(array: pa.Array) -> pd.Categorical:
    values = _categorical(array)
    if list(values.categories[: len(KNOWN_STATUSES)]) == list(KNOWN_STATUSES):
        return values
    return status_categorical(np.asarray(values.astype(object)))


def _jobs(table: pa.Table, rows: _Rows, naive_tz: str) -> dict[str, Any]:
    name = _column(table, "job_name")
    assert name is not None
    rows.flag(_blank(name), "job_name", "the row has no job_name")
    cols: dict[str, Any] = {}
    for col, dtype in JOBS_SCHEMA.items():
        values = _column(table, col)
        if values is None:
            continue
        if dtype == _TIME:
            cols[col] = _times(values, rows, col, naive_tz)
        elif dtype == "Int64":
            cols[col] = _ints(values, rows, col)
        elif dtype == "boolean":
            cols[col] = _bools(values, rows, col)
        elif dtype == "category":
            cols[col] = _categorical(values)
        else:
            cols[col] = _strings(values)
    if "source" not in cols:
        cols["source"] = pd.Categorical(["table"] * table.num_rows)
    return cols


def _is_transitions(columns: list[str]) -> bool:
    return all(c in columns for c in _REQUIRED)


def _is_jobs(columns: list[str]) -> bool:
    return "job_name" in columns and any(
        c in columns for c in JOBS_SCHEMA if c not in ("job_name", "source")
    )


def _check_jobs_columns(table: pa.Table, name: str) -> None:
    if not _is_jobs(table.column_names):
        raise ParseError(
            f"not a jobs table: it has the columns {table.column_names}, it needs job_name and "
            f"some of {list(JOBS_SCHEMA)[1:]}",
            file=name,
            line=1,
        )


def _load_jobs(
    file: InputFile, errors: Errors, naive_tz: str
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    table, kind, rejects = _read_arrow(file, errors)
    _check_jobs_columns(table, file.name)
    frame, job_rejects = _jobs_rows(table, _Rows(file.name, errors, kind, file), naive_tz)
    return frame, rejects + job_rejects


def _jobs_rows(
    table: pa.Table, rows: _Rows, naive_tz: str
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The jobs frame of a jobs table, row by row: bad rows raised or set aside."""
    table = _binary_as_text(table, rows)
    cols = _jobs(table, rows, naive_tz)
    keep = rows.keep(table.num_rows)
    frame = pd.DataFrame({c: v[keep] for c, v in cols.items()})
    return frame, rows.rejects


# -- the columnar path ------------------------------------------------------------------------
#
# Whole columns at once, no Python work per row: a table that passes every check of the
# row-level path above as a whole is turned into its frames directly. Anything these checks do
# not decide (a bad value, a type they do not know) raises _RowLevel, and the row-level path
# reads the table again to report each bad row as it always has.


class _RowLevel(Exception):
    """The columnar path does not decide this table: the row-level path reads it."""


_NS_MIN = np.iinfo(np.int64).min


def _chunks(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    return table.column(name) if name in table.column_names else None


def _is_string_type(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _typed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column, as text when it holds nothing but nulls (Arrow's type ``null``, which
    pandas writes for a column of missing values of no type): the row-level path reads it
    so."""
    if pa.types.is_null(column.type) or (
        pa.types.is_dictionary(column.type) and pa.types.is_null(column.type.value_type)
    ):
        return pa.chunked_array([pa.nulls(len(column), pa.string())])
    return column


def _is_text_dictionary(kind: pa.DataType) -> bool:
    """Dictionary-encoded text whose order the row-level path keeps (it decodes the others)."""
    return pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type)


def _dictionary_parts(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Codes (-1 where missing) and the dictionary of a column of dictionary-encoded text, or
    of plain text encoded in order of first appearance."""
    column = _typed(column)
    kind = column.type
    if pa.types.is_dictionary(kind) and not _is_text_dictionary(kind):
        column = pc.cast(column, kind.value_type)
        kind = column.type
    if _is_text_dictionary(kind):
        chunks = column.chunks
        if not chunks:
            return np.zeros(0, dtype=np.int64), pa.array([], type=pa.string())
        dictionary = chunks[0].dictionary
        if any(not c.dictionary.equals(dictionary) for c in chunks[1:]):
            raise _RowLevel("chunks with dictionaries of their own")
        codes = np.concatenate([_codes(c.indices) for c in chunks])
    elif _is_string_type(kind):
        encoded = (
            column.combine_chunks() if column.num_chunks else pa.array([], type=kind)
        ).dictionary_encode()
        dictionary = encoded.dictionary
        codes = _codes(encoded.indices)
    else:
        raise _RowLevel(f"a column of {kind}")
    if dictionary.null_count:
        raise _RowLevel("a dictionary holding a null")
    return codes, pc.cast(dictionary, pa.string())


def _codes(indices: pa.Array) -> np.ndarray:
    """The indices of a dictionary array as codes, -1 where missing (their integer type kept:
    pandas keeps the smallest that holds them)."""
    if indices.null_count:
        indices = indices.fill_null(-1)
    return np.asarray(indices)


def _categories(dictionary: pa.Array) -> pd.Index:
    """The dictionary as categories of the dtype every frame's categories have."""
    return pd.Index(dictionary.to_pandas(), dtype=string_categories_dtype())


def _fast_categorical(column: pa.ChunkedArray) -> pd.Categorical[Any]:
    """As :func:`_categorical`: a dictionary's order kept, plain text's values sorted."""
    codes, dictionary = _dictionary_parts(column)
    if not _is_text_dictionary(column.type):
        order = np.asarray(pc.sort_indices(dictionary), dtype=np.int64)
        rank = np.empty(len(order) + 1, dtype=np.int64)
        rank[order] = np.arange(len(order))
        rank[-1] = -1  # code -1 (missing) stays missing
        codes = rank[codes]
        dictionary = dictionary.take(pa.array(order))
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(_categories(dictionary)))


def _fast_status(column: pa.ChunkedArray) -> pd.Categorical[Any]:
    """As :func:`_status_column`: the known statuses first, then the others."""
    codes, dictionary = _dictionary_parts(column)
    if (codes < 0).any() or _blank(dictionary).any():
        raise _RowLevel("a row without a status")
    values = dictionary.to_pylist()
    if _is_text_dictionary(column.type) and values[: len(KNOWN_STATUSES)] == list(KNOWN_STATUSES):
        return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(_categories(dictionary)))
    # unknown statuses in order of first appearance, as status_categorical orders them
    seen = np.asarray(pc.unique(pa.array(codes)), dtype=np.int64)
    known = {s: i for i, s in enumerate(KNOWN_STATUSES)}
    extra = [values[c] for c in seen if values[c] not in known]
    position = {**known, **{s: len(known) + i for i, s in enumerate(extra)}}
    remap = np.array([position.get(v, -1) for v in values], dtype=np.int64)
    return pd.Categorical.from_codes(
        remap[codes], dtype=pd.CategoricalDtype(pd.Index([*KNOWN_STATUSES, *extra]))
    )


def _fast_times(column: pa.ChunkedArray, naive_tz: str, *, required: bool) -> pd.DatetimeIndex:
    """As :func:`_times` for times typed in nanoseconds or written as text."""
    column = _typed(column)
    kind = column.type
    if pa.types.is_timestamp(kind) and kind.unit == "ns" and (kind.tz or naive_tz == "UTC"):
        ns = np.asarray(pc.cast(column, pa.int64()).fill_null(_NS_MIN), dtype=np.int64)
        if np.count_nonzero(ns == _NS_MIN) != column.null_count:
            raise _RowLevel("a time at the very start of int64, which pandas reads as missing")
        times = pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")
    elif _is_string_type(kind):
        times = _iso_times(column, naive_tz)
    else:
        raise _RowLevel(f"times of {kind}")
    if required and column.null_count:
        raise _RowLevel("a row without its time")
    return times


def _iso_times(column: pa.ChunkedArray, naive_tz: str) -> pd.DatetimeIndex:
    """Text times as :func:`parse_timestamps` reads them. Its first try, a cast of every value
    with a zone (the years nanoseconds hold, as Arrow 15 wraps the others), is made without
    trimming the values first: a value with spaces around it fails the cast, and is trimmed
    by :func:`parse_timestamps` below."""
    if not outside_ns_years(column).any():
        try:
            ns = pc.cast(column, pa.timestamp("ns", "UTC"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            ints = np.asarray(pc.cast(ns, pa.int64()).fill_null(_NS_MIN), dtype=np.int64)
            return pd.DatetimeIndex(ints.view("datetime64[ns]")).tz_localize("UTC")
    times, bad = parse_timestamps(column, naive_tz=naive_tz)
    if bad.any():
        raise _RowLevel("a value that is not a time")
    return times


def _fast_ints(column: pa.ChunkedArray) -> pd.arrays.IntegerArray:
    """As :func:`_ints` for integer columns and text holding plain integers."""
    column = _typed(column)
    kind = column.type
    if _is_string_type(kind):
        length = pc.max(pc.utf8_length(column)).as_py()
        if length is not None and length > 18:  # the row-level path takes 18 digits at most
            raise _RowLevel("a long number")
        try:
            column = pc.cast(column, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise _RowLevel("text that is not a plain integer") from exc
    elif not pa.types.is_integer(kind) or kind == pa.uint64():
        raise _RowLevel(f"integers of {kind}")
    missing = np.asarray(pc.is_null(column), dtype=bool)
    values = np.asarray(pc.cast(column, pa.int64()).fill_null(0), dtype=np.int64)
    return pd.arrays.IntegerArray(values, missing)


def _fast_bools(column: pa.ChunkedArray) -> pd.arrays.BooleanArray:
    """As :func:`_bools` for boolean columns and text of ``true`` and ``false``."""
    column = _typed(column)
    kind = column.type
    missing = np.asarray(pc.is_null(column), dtype=bool)
    if pa.types.is_boolean(kind):
        return pd.arrays.BooleanArray(np.asarray(column.fill_null(False), dtype=bool), missing)
    if not _is_string_type(kind):
        raise _RowLevel(f"booleans of {kind}")
    true = np.asarray(pc.equal(column, "true").fill_null(False), dtype=bool)
    false = np.asarray(pc.equal(column, "false").fill_null(False), dtype=bool)
    if np.count_nonzero(true | false) != len(column) - column.null_count:
        raise _RowLevel("a boolean written otherwise")
    return pd.arrays.BooleanArray(true, missing)


def _fast_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The values as Arrow strings (:func:`_strings` wraps them alike)."""
    column = _typed(column)
    kind = column.type
    if pa.types.is_dictionary(kind) and _is_string_type(kind.value_type):
        column = pc.cast(column, kind.value_type)
    elif not _is_string_type(kind):
        raise _RowLevel(f"text of {kind}")
    return pc.cast(column, pa.string())


def _text_array(column: pa.ChunkedArray) -> pd.arrays.ArrowStringArray:
    return pd.arrays.ArrowStringArray(column)


def _fast_jobs(table: pa.Table, naive_tz: str) -> dict[str, Any]:
    """The columns of a jobs table, as :func:`_jobs` makes them (``job_name`` as Arrow)."""
    cols: dict[str, Any] = {}
    for col, dtype in JOBS_SCHEMA.items():
        column = _chunks(table, col)
        if column is None:
            continue
        if col == "job_name":
            text = _fast_text(column)
            if _blank(text).any():
                raise _RowLevel("a job without its name")
            cols[col] = text
        elif dtype == _TIME:
            cols[col] = _fast_times(column, naive_tz, required=False)
        elif dtype == "Int64":
            cols[col] = _fast_ints(column)
        elif dtype == "boolean":
            cols[col] = _fast_bools(column)
        elif dtype == "category":
            cols[col] = _fast_categorical(column)
        else:
            cols[col] = _text_array(_fast_text(column))
    if "source" not in cols:
        cols["source"] = pd.Categorical(["table"] * table.num_rows)
    return cols


def _fast_names(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Codes and names of ``job_name``: a dictionary's order kept, plain text's by appearance."""
    codes, names = _dictionary_parts(column)
    if (codes < 0).any() or _blank(names).any():
        raise _RowLevel("a row without its job_name")
    return codes, names


def _fast_steps(table: pa.Table, codes: np.ndarray) -> np.ndarray:
    column = _chunks(table, "step")
    if column is None:  # each job's entries counted in order
        return pd.Series(codes).groupby(codes, sort=False).cumcount().to_numpy().astype("int32")
    if column.type == pa.int32() and not column.null_count:
        return np.asarray(column, dtype=np.int32)
    steps = _fast_ints(column)
    values = steps.to_numpy(dtype=np.int64, na_value=0)
    info = np.iinfo(np.int32)
    if steps.isna().any() or (values > info.max).any() or (values < info.min).any():
        raise _RowLevel("a row without a step, or a step out of range")
    return values.astype("int32")


def _missing(dtype: Any, n: int) -> Any:
    """A column of ``n`` missing values of ``dtype`` (a column the table does not have)."""
    if dtype == _TIME:
        return pd.DatetimeIndex(np.full(n, _NS_MIN).view("datetime64[ns]")).tz_localize("UTC")
    if dtype == "category":
        empty = pd.Index([], dtype=string_categories_dtype())
        return pd.Categorical.from_codes(np.full(n, -1), dtype=pd.CategoricalDtype(empty))
    if dtype == "Int64":
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    if dtype == "boolean":
        return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    return pd.arrays.ArrowStringArray(pa.chunked_array([pa.nulls(n, pa.string())]))


def _jobs_frame(cols: dict[str, Any], n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {c: cols[c] if c in cols else _missing(dtype, n) for c, dtype in JOBS_SCHEMA.items()}
    )


def _fast_history(transitions: pa.Table, jobs: pa.Table | None, naive_tz: str) -> JobHistory:
    """The history of tables that pass every check of the row-level path as whole columns;
    raises :class:`_RowLevel` on anything else."""
    column = transitions.column("job_name")
    codes, names = _fast_names(column)
    if jobs is None:  # the jobs are the names, those of a dictionary without entries included
        job_cols: dict[str, Any] = {
            "job_name": pd.arrays.ArrowStringArray(pa.chunked_array([names])),
            "source": pd.Categorical(["table"] * len(names)),
        }
        order = names
    else:
        job_cols = _fast_jobs(jobs, naive_tz)
        order = job_cols["job_name"].combine_chunks()
        job_cols["job_name"] = _text_array(job_cols["job_name"])
        if not order.equals(names):
            listed = _categories(order)
            if not listed.is_unique:
                raise _RowLevel("a job listed twice")
            where = listed.get_indexer(_categories(names))
            if (where < 0).any():
                raise _RowLevel("entries of jobs the jobs table does not list")
            codes = where[codes]
    categories = _categories(order)
    if not categories.is_unique:
        raise _RowLevel("a job listed twice")
    start = transitions.column("start_time")
    end = _chunks(transitions, "end_time")
    message = _chunks(transitions, "status_message")
    n = transitions.num_rows
    frame = pd.DataFrame(
        {
            "job_name": pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories)),
            "step": _fast_steps(transitions, codes),
            "status": _fast_status(transitions.column("status")),
            "start_time": _fast_times(start, naive_tz, required=True),
            "end_time": _missing(_TIME, n)
            if end is None
            else _fast_times(end, naive_tz, required=False),
            "status_message": _missing(STRING, n)
            if message is None
            else _text_array(_fast_text(message)),
        }
    )
    job_frame = _jobs_frame(job_cols, len(order))
    fill_observed_at(job_frame, frame)
    fill_warm_start(job_frame, frame)
    return JobHistory(job_frame, frame, check=False)


def read_table(
    file: InputFile | str | Path,
    *,
    jobs: InputFile | str | Path | None = None,
    errors: Errors = "raise",
    naive_tz: str = "UTC",
) -> JobHistory:
    """Read a transitions table (CSV or Parquet), with its jobs table when there is one.

    Parameters
    ----------
    file
        The transitions table: columns ``job_name, status, start_time`` and optionally
        ``step, end_time, status_message`` (extra columns are ignored). A jobs table given
        here alone loads as jobs without entries.
    jobs
        The jobs table; by default the sibling ``<name>.jobs.<suffix>`` when it exists.
    errors
        ``"raise"`` on the first bad row (no ``job_name``, ``status`` or ``start_time``, a bad
        time or integer); ``"collect"`` to report bad rows in ``history.unparsed`` (with the
        file's line, or the row for Parquet) and load the rest.
    naive_tz
        Zone of times written without one.
    """
    if not isinstance(file, InputFile):
        file = expand_inputs(file)[0]
    table, kind, rejects = _read_arrow(file, errors)
    columns = table.column_names
    if not _is_transitions(columns):
        if _is_jobs(columns):
            jobs_frame, job_rejects = _load_jobs(file, errors, naive_tz)
            empty = JobHistory.empty().transitions
            return JobHistory(jobs_frame, empty, unparsed=unparsed_frame(rejects + job_rejects))
        missing = [c for c in _REQUIRED if c not in columns]
        raise ParseError(
            f"not a smstatus table: it lacks the column(s) {missing} (it has {columns})",
            file=file.name,
            line=1,
            hint="A transitions table needs job_name, status and start_time",
        )
    job_file = _jobs_file(file, jobs)
    if not rejects:
        history = _columnar(table, job_file, errors, naive_tz)
        if history is not None:
            return history

    def job_frame() -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        assert job_file is not None
        return _load_jobs(job_file, errors, naive_tz)

    return _row_level(
        table,
        _Rows(file.name, errors, kind, file),
        None if job_file is None else job_frame,
        naive_tz=naive_tz,
        rejects=rejects,
    )


def _row_level(
    table: pa.Table,
    rows: _Rows,
    jobs: Callable[[], tuple[pd.DataFrame, list[dict[str, Any]]]] | None,
    *,
    naive_tz: str,
    rejects: list[dict[str, Any]],
) -> JobHistory:
    """The history of a transitions table read row by row (each bad row raised or reported);
    ``jobs`` gives the jobs frame and its rejects, read after the entries."""
    table = _binary_as_text(table, rows)
    cols, order = _transitions(table, rows, naive_tz)
    keep = rows.keep(table.num_rows)
    rejects += rows.rejects
    names = cols["job_name"][keep]
    if cols["step"] is None:
        step = pd.Series(names).groupby(names, sort=False).cumcount().to_numpy()
    else:
        step = cols["step"][keep].to_numpy(dtype=np.int64)
    transitions = pd.DataFrame(
        {
            "job_name": names,
            "step": step.astype("int32"),
            "status": cols["status"][keep],
            "start_time": cols["start_time"][keep],
            "end_time": cols["end_time"][keep],
            "status_message": cols["status_message"][keep],
        }
    )
    if jobs is None:
        jobs_frame = _name_only(order if order is not None else list(pd.unique(names)))
        return JobHistory(jobs_frame, transitions, unparsed=unparsed_frame(rejects))
    jobs_frame, job_rejects = jobs()
    empty = JobHistory.empty().transitions
    listed = JobHistory(jobs_frame, empty).jobs
    known = set(listed["job_name"].dropna())
    extra = [n for n in pd.unique(names) if n not in known]
    if extra:  # jobs named only by the transitions table
        listed = concat_histories(
            [JobHistory(listed, empty), JobHistory(_name_only(extra), empty)]
        ).jobs
    return JobHistory(listed, transitions, unparsed=unparsed_frame(rejects + job_rejects))


def _columnar(
    table: pa.Table, job_file: InputFile | None, errors: Errors, naive_tz: str
) -> JobHistory | None:
    """The history by the columnar path, or ``None`` when the row-level path must read it (a
    jobs table that cannot be read is left to it too, to be reported in its order)."""
    jobs = None
    try:
        if job_file is not None:
            jobs, _, job_rejects = _read_arrow(job_file, errors)
            if job_rejects or not _is_jobs(jobs.column_names):
                return None
        return _fast_history(table, jobs, naive_tz)
    except (_RowLevel, ParseError, ValueError, pa.ArrowException):
        return None  # the row-level path reads it, and says what is wrong as it always has


def history_from_arrow(
    transitions: pa.Table,
    jobs: pa.Table | None = None,
    *,
    source_name: str,
    jobs_source_name: str | None = None,
    errors: Errors = "raise",
    naive_tz: str = "UTC",
) -> JobHistory:
    """The history of a transitions table (and its jobs table) already in memory as Arrow.

    The columns and rules are those of :func:`read_table` (a Parquet file of
    ``smstatus convert`` read with ``pyarrow.parquet.read_table``, one partition of a dataset,
    a table built by hand); whole columns are checked at once, and a table with a bad row is
    read again row by row to report it.

    Parameters
    ----------
    transitions
        ``job_name, status, start_time`` and optionally ``step, end_time, status_message``.
    jobs
        The jobs table (``job_name`` and columns of the jobs frame); ``None``: the jobs are the
        names of the entries (a dictionary-encoded ``job_name`` keeps its unused names).
    source_name
        The name bad rows of ``transitions`` are reported under (their line is the row,
        counted from 1).
    jobs_source_name
        The name for the bad rows of ``jobs``; ``source_name`` when ``None``.
    errors
        ``"raise"`` on the first bad row, or ``"collect"`` them in ``history.unparsed``.
    naive_tz
        Zone of times written without one.

    Raises
    ------
    ParseError
        A table without the columns it needs, a column named twice or holding nested values,
        or (with ``errors="raise"``) a bad row.
    """
    jobs_name = source_name if jobs_source_name is None else jobs_source_name
    _check_columns(transitions, source_name)
    if not _is_transitions(transitions.column_names):
        missing = [c for c in _REQUIRED if c not in transitions.column_names]
        raise ParseError(
            f"not a smstatus table: it lacks the column(s) {missing}",
            file=source_name,
            line=1,
        )
    if jobs is not None:
        _check_columns(jobs, jobs_name)
        _check_jobs_columns(jobs, jobs_name)
    try:
        return _fast_history(transitions, jobs, naive_tz)
    except (_RowLevel, ValueError, pa.ArrowException):
        pass  # read again row by row, to report each bad row
    jobs_table = jobs

    def job_frame() -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        assert jobs_table is not None
        return _jobs_rows(jobs_table, _Rows(jobs_name, errors, "parquet"), naive_tz)

    return _row_level(
        transitions,
        _Rows(source_name, errors, "parquet"),
        None if jobs is None else job_frame,
        naive_tz=naive_tz,
        rejects=[],
    )


def _name_only(names: list[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "job_name": pd.array([str(n) for n in names], dtype=STRING),
            "source": pd.Categorical(["table"] * len(names)),
        }
    )


def _jobs_file(file: InputFile, jobs: InputFile | str | Path | None) -> InputFile | None:
    if isinstance(jobs, InputFile):
        return jobs
    if jobs is not None:
        return expand_inputs(jobs)[0]
    if file.path is None:
        return None
    sibling = jobs_sibling(file.path)
    if sibling == file.path or not sibling.is_file():
        return None
    return expand_inputs(sibling)[0]


def columns_of(file: InputFile) -> list[str]:
    """The column names of a table file (for detection and pairing)."""
    if _is_parquet(file):
        with file.open() as stream:
            return list(pq.read_schema(io.BytesIO(stream.read())).names)
    return _header(file.head(1 << 16))
