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

import csv
import gzip
import io
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
    status_categorical,
)
from smstatus.io._builder import Errors, unparsed_frame
from smstatus.io.inputs import InputFile, expand_inputs
from smstatus.timestamps import parse_timestamps

__all__ = ["TABLE_SUFFIXES", "jobs_sibling", "read_table", "write_table"]

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


def _iso_strings(values: pd.Series) -> pa.Array:
    text = pc.cast(pa.array(values, type=pa.timestamp("ns", "UTC")), pa.string())
    text = pc.replace_substring(text, " ", "T")
    text = pc.replace_substring_regex(text, r"(\.\d*?)0+Z$", r"\1Z")
    return pc.replace_substring_regex(text, r"\.Z$", "Z")


def _arrow_for_csv(frame: pd.DataFrame) -> pa.Table:
    """Every column as Arrow: times as ISO strings, categories and strings as strings."""
    arrays = {}
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            arrays[col] = _iso_strings(values)
        elif isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(
            values.dtype
        ):
            arrays[col] = pa.array(values.astype(object), type=pa.string(), from_pandas=True)
        else:
            arrays[col] = pa.array(values, from_pandas=True)
    return pa.table(arrays)


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

    def __init__(self, file: InputFile, errors: Errors, kind: str) -> None:
        self.file = file
        self.errors = errors
        self.kind = kind
        self.bad: dict[int, tuple[str, str]] = {}
        self.rejects: list[dict[str, Any]] = []
        self._lines: list[int] | None = None

    def flag(self, mask: np.ndarray, field: str, reason: Any) -> None:
        """Mark the rows of ``mask`` bad (the first problem of a row is kept)."""
        for i in np.flatnonzero(mask):
            i = int(i)
            if i not in self.bad:
                self.bad[i] = (field, reason(i) if callable(reason) else reason)
                if self.errors == "raise":
                    self.raise_first()

    def line(self, row: int) -> int:
        if self.kind == "parquet":
            return row + 1
        if self._lines is None:
            self._lines = _csv_record_lines(self.file)
        return self._lines[row] if row < len(self._lines) else row + 2

    def raise_first(self) -> None:
        row = min(self.bad)
        field, reason = self.bad[row]
        if self.kind == "parquet":
            reason = f"{reason} (row {row + 1})"
        raise ParseError(reason, file=self.file.name, line=self.line(row), field=field)

    def keep(self, n: int) -> np.ndarray:
        mask = np.ones(n, dtype=bool)
        for row in sorted(self.bad):
            field, reason = self.bad[row]
            mask[row] = False
            self.rejects.append(
                {"file": self.file.name, "line": self.line(row), "field": field, "reason": reason}
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

    with file.open() as stream:
        raw = stream.read()
    header = _header(raw)
    try:
        table = pcsv.read_csv(
            io.BytesIO(raw),
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
        with file.open() as stream:
            return pq.read_table(io.BytesIO(stream.read()))
    except (pa.ArrowInvalid, OSError) as exc:
        raise ParseError(f"not a readable Parquet file: {exc}", file=file.name) from exc


def _is_parquet(file: InputFile) -> bool:
    return file.head(4) == b"PAR1"


def _read_arrow(file: InputFile, errors: Errors) -> tuple[pa.Table, str, list[dict[str, Any]]]:
    if _is_parquet(file):
        return _read_parquet(file), "parquet", []
    table, rejects = _read_csv(file, errors)
    return table, "csv", rejects


def _column(table: pa.Table, name: str) -> pd.Series | None:
    if name not in table.column_names:
        return None
    return table.column(name).to_pandas(types_mapper=_types_mapper).reset_index(drop=True)


def _types_mapper(arrow_type: pa.DataType) -> Any:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return STRING
    return None


def _blank(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        text = values.astype(STRING)
        return (text.isna() | (text.str.strip() == "")).to_numpy(dtype=bool)
    return values.isna().to_numpy(dtype=bool)


def _times(values: pd.Series, rows: _Rows, field: str, naive_tz: str) -> pd.DatetimeIndex:
    parsed, bad = parse_timestamps(values, naive_tz=naive_tz)
    rows.flag(bad, field, lambda i: f"{field} {values.iloc[i]!r} is not a timestamp")
    return parsed


def _ints(values: pd.Series, rows: _Rows, field: str) -> pd.Series:
    """Integers (``Int64``) of an integer, float or text column; other values are bad rows."""
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype("Int64")
    if pd.api.types.is_float_dtype(values.dtype):
        raw = values.to_numpy(dtype="float64", na_value=np.nan)
        ok = np.isnan(raw) | (np.isfinite(raw) & (raw == np.floor(raw)))
        rows.flag(~ok, field, lambda i: f"{field} {values.iloc[i]!r} is not an integer")
        return pd.Series(np.where(ok, raw, np.nan)).astype("Int64")
    text = values.astype(STRING).str.strip()
    present = ~_blank(values)
    ok = text.str.fullmatch(r"[+-]?\d+(?:\.0*)?").fillna(False).to_numpy(dtype=bool)
    rows.flag(present & ~ok, field, lambda i: f"{field} {values.iloc[i]!r} is not an integer")
    digits = text.str.replace(r"\.0*$", "", regex=True).where(present & ok)
    return pd.Series(pd.array(digits.astype(object).where(digits.notna(), None)).astype("Int64"))


def _bools(values: pd.Series, rows: _Rows, field: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    text = values.astype(STRING).str.strip().str.lower()
    is_true = text.isin(_TRUE).to_numpy(dtype=bool)
    is_false = text.isin(_FALSE).to_numpy(dtype=bool)
    present = ~_blank(values)
    rows.flag(
        present & ~is_true & ~is_false, field, lambda i: f"{field} {values.iloc[i]!r} is not a bool"
    )
    out = pd.array([pd.NA] * len(values), dtype="boolean")
    out[is_true] = True
    out[is_false] = False
    return pd.Series(out)


def _categorical(values: pd.Series) -> pd.Categorical:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.array
    return pd.Categorical(values.astype(object).where(values.notna(), None))


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
        rows.flag(steps.isna().to_numpy(dtype=bool), "step", "the row has no step")
    message = _column(table, "status_message")
    order = list(name.cat.categories) if isinstance(name.dtype, pd.CategoricalDtype) else None
    cols: dict[str, Any] = {
        "job_name": name.astype(object),
        "step": steps,
        "status": status,
        "start_time": starts,
        "end_time": ends if ends is not None else pd.DatetimeIndex([pd.NaT] * n, dtype=_TIME),
        "status_message": message.astype(STRING)
        if message is not None
        else pd.Series(pd.array([None] * n, dtype=STRING)),
    }
    return cols, [str(c) for c in order] if order is not None else None


def _status_column(values: pd.Series) -> pd.Categorical:
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = list(values.cat.categories)
        if cats[: len(KNOWN_STATUSES)] == list(KNOWN_STATUSES):
            return values.array
    return status_categorical(values.astype(object).where(values.notna(), None))


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
            cols[col] = pd.Series(_times(values, rows, col, naive_tz))
        elif dtype == "Int64":
            cols[col] = _ints(values, rows, col)
        elif dtype == "boolean":
            cols[col] = _bools(values, rows, col)
        elif dtype == "category":
            cols[col] = pd.Series(_categorical(values))
        else:
            cols[col] = values.astype(STRING)
    if "source" not in cols:
        cols["source"] = pd.Series(pd.Categorical(["table"] * len(name)))
    return cols


def _is_transitions(columns: list[str]) -> bool:
    return all(c in columns for c in _REQUIRED)


def _is_jobs(columns: list[str]) -> bool:
    return "job_name" in columns and any(
        c in columns for c in JOBS_SCHEMA if c not in ("job_name", "source")
    )


def _load_jobs(
    file: InputFile, errors: Errors, naive_tz: str
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    table, kind, rejects = _read_arrow(file, errors)
    if not _is_jobs(table.column_names):
        raise ParseError(
            f"not a jobs table: it has the columns {table.column_names}, it needs job_name and "
            f"some of {list(JOBS_SCHEMA)[1:]}",
            file=file.name,
            line=1,
        )
    rows = _Rows(file, errors, kind)
    cols = _jobs(table, rows, naive_tz)
    keep = rows.keep(table.num_rows)
    frame = pd.DataFrame(cols)[keep].reset_index(drop=True)
    return frame, rejects + rows.rejects


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
    rows = _Rows(file, errors, kind)
    cols, order = _transitions(table, rows, naive_tz)
    keep = rows.keep(table.num_rows)
    rejects += rows.rejects
    names = cols["job_name"][keep].reset_index(drop=True)
    step = cols["step"]
    if step is None:
        step = names.groupby(names, sort=False).cumcount()
    else:
        step = step[keep].reset_index(drop=True)
    status = cols["status"][keep].reset_index(drop=True)
    transitions = pd.DataFrame(
        {
            "job_name": names,
            "step": step.to_numpy(dtype="int64").astype("int32"),
            "status": pd.Series(_status_column(status)),
            "start_time": cols["start_time"][keep],
            "end_time": cols["end_time"][keep],
            "status_message": cols["status_message"][keep].reset_index(drop=True),
        }
    )
    job_file = _jobs_file(file, jobs)
    if job_file is None:
        jobs_frame = _name_only(order if order is not None else list(pd.unique(names)))
        return JobHistory(jobs_frame, transitions, unparsed=unparsed_frame(rejects))
    jobs_frame, job_rejects = _load_jobs(job_file, errors, naive_tz)
    history = JobHistory(jobs_frame, transitions, unparsed=unparsed_frame(rejects + job_rejects))
    source = history.jobs["source"]
    if source.isna().any():  # jobs named only by the transitions table
        if "table" not in source.cat.categories:
            source = source.cat.add_categories(["table"])
        history.jobs["source"] = source.fillna("table")
    return history


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
