"""The columnar path of the tables gives what the row-level path gives, or hands the table to it.

Every test reads a table twice: as ``read_table`` does (whole columns first) and with the
columnar path switched off (row by row, the reference); frames, rejects and errors must be the
same. Tests also check that the columnar path did read the tables it is meant for.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _io_strategies import histories
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smstatus
from smstatus.errors import ParseError
from smstatus.history import KNOWN_STATUSES, _rows_of
from smstatus.io import table as table_module
from smstatus.io.table import history_from_arrow, read_table, write_table

HEADER = "job_name,step,status,start_time,end_time,status_message\n"
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class _Spy:
    """Counts the tables the columnar path decided."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.decided = 0
        original = table_module._fast_history

        def spy(*args: Any, **kwargs: Any) -> Any:
            history = original(*args, **kwargs)
            self.decided += 1
            return history

        monkeypatch.setattr(table_module, "_fast_history", spy)


def _outcome(read: Any) -> tuple[str, Any]:
    try:
        return "ok", read()
    except ParseError as exc:
        return "error", (str(exc), exc.file, exc.line, exc.field)


def _row_level(monkeypatch: pytest.MonkeyPatch, read: Any) -> tuple[str, Any]:
    with monkeypatch.context() as m:
        m.setattr(table_module, "_columnar", lambda *args, **kwargs: None)
        m.setattr(table_module, "_fast_history", _refuse)
        return _outcome(read)


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise table_module._RowLevel("switched off by the test")


def _assert_same_history(got: smstatus.JobHistory, expected: smstatus.JobHistory) -> None:
    for name in ("transitions", "jobs", "unparsed"):
        left, right = getattr(got, name), getattr(expected, name)
        pd.testing.assert_frame_equal(left, right, obj=name)
        for col in left.columns:  # categories in the same order, of the same dtype
            if isinstance(left[col].dtype, pd.CategoricalDtype):
                pd.testing.assert_index_equal(
                    left[col].cat.categories, right[col].cat.categories, obj=f"{name}.{col}"
                )


def _assert_same(monkeypatch: pytest.MonkeyPatch, read: Any) -> tuple[str, Any]:
    got = _outcome(read)
    expected = _row_level(monkeypatch, read)
    assert got[0] == expected[0], (got, expected)
    if got[0] == "ok":
        _assert_same_history(got[1], expected[1])
    else:
        assert got[1] == expected[1]
    return got


# -- the tables smstatus writes ---------------------------------------------------------------


@SETTINGS
@given(
    history=histories(max_jobs=6),
    suffix=st.sampled_from(["csv", "parquet"]),
    with_jobs=st.booleans(),
)
def test_written_tables_load_by_whole_columns_as_row_by_row(
    tmp_path_factory, monkeypatch, history, suffix, with_jobs
):
    tmp = tmp_path_factory.mktemp("written")
    path = tmp / f"t.{suffix}"
    write_table(history, path, jobs_path=tmp / f"t.jobs.{suffix}" if with_jobs else None)
    spy = _Spy(monkeypatch)
    got = _assert_same(monkeypatch, lambda: read_table(path))
    assert got[0] == "ok"
    assert spy.decided == 1  # the columnar path read it, the row-level one was not needed
    if with_jobs:
        pd.testing.assert_frame_equal(got[1].transitions, history.transitions)


def test_a_convert_of_real_histories_loads_by_whole_columns(tmp_path, monkeypatch):
    history = smstatus.load(Path(__file__).parents[1] / "data")
    for suffix in ("csv", "csv.gz", "parquet"):
        path = tmp_path / f"runs.{suffix}"
        write_table(history, path, jobs_path=table_module.jobs_sibling(path))
        spy = _Spy(monkeypatch)
        got = _assert_same(monkeypatch, lambda p=path: smstatus.load(p))
        assert spy.decided == 1, suffix
        pd.testing.assert_frame_equal(got[1].transitions, history.transitions)
        pd.testing.assert_frame_equal(got[1].jobs, history.jobs, check_categorical=False)


# -- CSV cells changed one at a time: never a rule loosened -------------------------------------

ODD_VALUES = [
    "",
    " ",
    "x",
    "1.0",
    "+1",
    "-1",
    "1e3",
    "2147483648",
    "0000000000000000000001",
    "99999999999999999999",
    " 2025-01-01T00:00:00Z",
    "2025-01-01T00:00:00Z ",
    "2025-01-01T00:00:00",
    "2025-01-01 00:00:00+02:00",
    "2025-01-01t00:00:00z",
    "1704067200000",
    "9999-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "2262-05-01T00:00:00Z",
    "2025-13-01T00:00:00Z",
    "True",
    "yes",
    "N",
    "Starting",
    "Odd status",
    "j0",
    "j9",
    '"',
    "ü",
]


def _base_tables(tmp: Path) -> tuple[list[list[str]], list[list[str]]]:
    """The records of a small transitions table and its jobs table, as CSV writes them."""
    if not _BASE:
        _BASE.extend(_written_tables(tmp))
    return tuple([list(r) for r in records] for records in _BASE)  # type: ignore[return-value]


_BASE: list[list[list[str]]] = []


def _written_tables(tmp: Path) -> tuple[list[list[str]], list[list[str]]]:
    t = pd.Timestamp("2025-01-01T00:00:00Z")
    rows = [
        ("j0", 0, "Starting", t, t + pd.Timedelta(seconds=5), "Preparing"),
        ("j0", 1, "Training", t + pd.Timedelta(seconds=5), pd.NaT, None),
        ("j1", 0, "Starting", t, t + pd.Timedelta(seconds=1), "Found matching resource for reuse"),
        ("j2", 0, "Odd", t, pd.NaT, ""),
    ]
    history = smstatus.JobHistory(
        pd.DataFrame(
            {
                "job_name": ["j0", "j1", "j2", "j3"],
                "instance_count": pd.array([1, 2, None, 4], dtype="Int64"),
                "spot": pd.array([True, False, None, True], dtype="boolean"),
                "training_job_status": ["Completed", "Failed", None, "InProgress"],
                "creation_time": pd.to_datetime([t, None, t, t], utc=True),
            }
        ),
        pd.DataFrame(
            {
                "job_name": [r[0] for r in rows],
                "step": [r[1] for r in rows],
                "status": [r[2] for r in rows],
                "start_time": pd.to_datetime([r[3] for r in rows], utc=True),
                "end_time": pd.to_datetime([r[4] for r in rows], utc=True),
                "status_message": pd.array([r[5] for r in rows], dtype="string"),
            }
        ),
    )
    write_table(history, tmp / "b.csv", jobs_path=tmp / "b.jobs.csv")
    return tuple(  # type: ignore[return-value]
        list(csv.reader(io.StringIO((tmp / name).read_text(), newline="")))
        for name in ("b.csv", "b.jobs.csv")
    )


def _write_csv(path: Path, records: list[list[str]]) -> None:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(records)
    path.write_text(out.getvalue(), encoding="utf-8")


@SETTINGS
@given(
    which=st.sampled_from(["transitions", "jobs"]),
    row=st.integers(1, 4),
    column=st.integers(0, 19),
    value=st.sampled_from(ODD_VALUES),
    drop_column=st.booleans(),
    naive_tz=st.sampled_from(["UTC", "Europe/Berlin"]),
    errors=st.sampled_from(["collect", "raise"]),
)
def test_a_changed_csv_cell_gives_the_row_level_result(
    tmp_path_factory, monkeypatch, which, row, column, value, drop_column, naive_tz, errors
):
    tmp = tmp_path_factory.mktemp("cells")
    transitions, jobs = _base_tables(tmp)
    records = transitions if which == "transitions" else jobs
    column %= len(records[0])
    records[row][column] = value
    if drop_column and records[0][column] not in ("job_name", "status", "start_time"):
        for record in records:
            del record[column]
    _write_csv(tmp / "t.csv", transitions)
    _write_csv(tmp / "t.jobs.csv", jobs)
    _assert_same(monkeypatch, lambda: read_table(tmp / "t.csv", errors=errors, naive_tz=naive_tz))


CELLS = [
    *(("transitions", c) for c in HEADER.strip().split(",")),
    *(
        ("jobs", c)
        for c in ("job_name", "training_job_status", "creation_time", "instance_count", "spot")
    ),
]


@pytest.mark.parametrize("value", ODD_VALUES)
@pytest.mark.parametrize(("which", "column"), CELLS)
def test_every_odd_value_in_every_kind_of_column_gives_the_row_level_result(
    tmp_path, monkeypatch, which, column, value
):
    transitions, jobs = _base_tables(tmp_path)
    records = transitions if which == "transitions" else jobs
    records[2][records[0].index(column)] = value
    _write_csv(tmp_path / "t.csv", transitions)
    _write_csv(tmp_path / "t.jobs.csv", jobs)
    _assert_same(  # errors="raise" is left to the property test above
        monkeypatch,
        lambda: read_table(tmp_path / "t.csv", errors="collect", naive_tz="Europe/Berlin"),
    )


def test_a_valid_csv_written_by_hand_loads_by_whole_columns(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text(
        "status,job_name,start_time\n"
        "Starting,a,2024-01-01T00:00:00Z\n"
        "WarmingUp,a,2024-01-01T00:00:05+02:00\n"
        "Starting,b,2024-01-01 00:00:00Z\n"
    )
    spy = _Spy(monkeypatch)
    _, history = _assert_same(monkeypatch, lambda: read_table(path))
    assert spy.decided == 1
    assert history.transitions["step"].tolist() == [0, 1, 0]
    assert list(history.transitions["status"].cat.categories) == [*KNOWN_STATUSES, "WarmingUp"]


# -- Parquet files written by other tools -------------------------------------------------------

UTC = dt.UTC
T0 = dt.datetime(2025, 5, 16, 11, 10, tzinfo=UTC)


def _arrow_transitions(**override: Any) -> dict[str, Any]:
    cols: dict[str, Any] = {
        "job_name": pa.array(["a", "a", "b"]),
        "step": pa.array([0, 1, 0], type=pa.int64()),
        "status": pa.array(["Starting", "Training", "Starting"]),
        "start_time": pa.array([T0, T0, T0], type=pa.timestamp("ns", "UTC")),
        "end_time": pa.array([T0, None, None], type=pa.timestamp("ns", "UTC")),
        "status_message": pa.array(["m", None, ""]),
    }
    cols.update(override)
    return {k: v for k, v in cols.items() if v is not None}


def _dictionary(values: list[Any], dictionary: list[str]) -> pa.DictionaryArray:
    indices = pa.array([None if v is None else dictionary.index(v) for v in values], pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(dictionary))


FAR = dt.datetime(9999, 1, 1, tzinfo=UTC)
PARQUET_CASES: dict[str, dict[str, Any]] = {
    "plain": {},
    "no optional columns": {"step": None, "end_time": None, "status_message": None},
    "large strings": {"status_message": pa.array(["m", None, ""], pa.large_string())},
    "names as a dictionary with unused names": {
        "job_name": _dictionary(["a", "a", "b"], ["z", "b", "a"])
    },
    "statuses as a dictionary, known first": {
        "status": _dictionary(["Starting", "Training", "Starting"], [*KNOWN_STATUSES, "Odd"])
    },
    "statuses as a dictionary in another order": {
        "status": _dictionary(["Training", "Odd", "Starting"], ["Odd", "Starting", "Training"])
    },
    "a blank status in the dictionary": {
        "status": _dictionary(["Training", "Starting", "Starting"], ["Starting", "Training", " "])
    },
    "a missing name": {"job_name": pa.array(["a", None, "b"])},
    "a blank name": {"job_name": pa.array(["a", "  ", "b"])},
    "a missing status": {"status": pa.array(["Starting", None, "Starting"])},
    "a missing start": {"start_time": pa.array([T0, None, T0], pa.timestamp("ns", "UTC"))},
    "times in microseconds": {"start_time": pa.array([T0, FAR, T0], pa.timestamp("us", "UTC"))},
    "naive times": {"start_time": pa.array([T0.replace(tzinfo=None)] * 3, pa.timestamp("ns"))},
    "times at the edge of int64": {
        "end_time": pa.array([np.iinfo(np.int64).min, None, 0], pa.int64()).cast(
            pa.timestamp("ns", "UTC")
        )
    },
    "times as text": {"start_time": pa.array(["2025-01-01T00:00:00Z", "later", " 2025-01-01Z"])},
    "steps as int32": {"step": pa.array([0, 1, 0], pa.int32())},
    "a step out of int32": {"step": pa.array([0, 2**31, 0], pa.int64())},
    "a missing step": {"step": pa.array([0, None, 0], pa.int64())},
    "steps as floats": {"step": pa.array([0.0, 1.5, 0.0])},
    "steps as text": {"step": pa.array(["0", "1", "x"])},
    "steps as uint64": {"step": pa.array([0, 1, 0], pa.uint64())},
    "messages as binary": {"status_message": pa.array([b"m", b"\xff", b""], pa.binary())},
    "columns of nulls alone": {"status_message": pa.nulls(3), "end_time": pa.nulls(3)},
    "starts of nulls alone": {"start_time": pa.nulls(3)},
}


@pytest.mark.parametrize("case", sorted(PARQUET_CASES))
@pytest.mark.parametrize("errors", ["collect", "raise"])
def test_parquet_of_other_writers_gives_the_row_level_result(tmp_path, monkeypatch, case, errors):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table(_arrow_transitions(**PARQUET_CASES[case])), path)
    _assert_same(monkeypatch, lambda: read_table(path, errors=errors))


def test_parquet_in_several_row_groups_loads_by_whole_columns(tmp_path, monkeypatch):
    history = smstatus.load(Path(__file__).parents[1] / "data")
    frame = history.transitions
    path = tmp_path / "t.parquet"
    frame.to_parquet(path, row_group_size=3)
    assert pq.ParquetFile(path).num_row_groups > 1
    spy = _Spy(monkeypatch)
    _, got = _assert_same(monkeypatch, lambda: read_table(path))
    assert spy.decided == 1
    pd.testing.assert_frame_equal(got.transitions, frame)


JOBS_CASES: dict[str, dict[str, Any]] = {
    "every job listed": {"job_name": pa.array(["a", "b"])},
    "a job without entries": {"job_name": pa.array(["c", "b", "a"])},
    "a job the jobs table lacks": {"job_name": pa.array(["a"])},
    "a job listed twice": {"job_name": pa.array(["a", "b", "a"])},
    "a job without its name": {"job_name": pa.array(["a", None, "b"])},
    "booleans as text": {"job_name": pa.array(["a", "b"]), "spot": pa.array(["true", "yes"])},
    "integers as floats": {"job_name": pa.array(["a", "b"]), "instance_count": pa.array([1.0, 2])},
    "columns of nulls alone (pandas 2 writes them)": {
        "job_name": pa.array(["a", "b"]),
        **{c: pa.nulls(2) for c in ("instance_type", "failure_reason", "spot", "creation_time")},
        "instance_count": pa.nulls(2),
    },
    "categories as a dictionary": {
        "job_name": pa.array(["a", "b"]),
        "instance_type": _dictionary(["ml.p4", None], ["ml.p4", "ml.g5"]),
    },
}


@pytest.mark.parametrize("case", sorted(JOBS_CASES))
def test_jobs_tables_give_the_row_level_result(tmp_path, monkeypatch, case):
    pq.write_table(pa.table(_arrow_transitions()), tmp_path / "t.parquet")
    jobs = dict(JOBS_CASES[case])
    n = len(jobs["job_name"])
    jobs.setdefault("training_job_status", pa.array(["Completed"] * n))
    pq.write_table(pa.table(jobs), tmp_path / "t.jobs.parquet")
    for errors in ("collect", "raise"):
        _assert_same(monkeypatch, lambda e=errors: read_table(tmp_path / "t.parquet", errors=e))


# -- history_from_arrow -------------------------------------------------------------------------


def test_history_from_arrow_is_read_table_of_the_files(tmp_path, monkeypatch):
    history = smstatus.load(Path(__file__).parents[1] / "data")
    path = tmp_path / "t.parquet"
    write_table(history, path, jobs_path=tmp_path / "t.jobs.parquet")
    spy = _Spy(monkeypatch)
    got = history_from_arrow(
        pq.read_table(path), pq.read_table(tmp_path / "t.jobs.parquet"), source_name="part-0"
    )
    assert spy.decided == 1
    _assert_same_history(got, read_table(path))
    solo = tmp_path / "solo"
    solo.mkdir()
    (solo / "t.parquet").write_bytes(path.read_bytes())  # no jobs table beside it
    alone = history_from_arrow(pq.read_table(path), source_name="part-0")
    _assert_same_history(alone, read_table(solo / "t.parquet"))
    assert alone.jobs["source"].unique().tolist() == ["table"]


def test_history_from_arrow_reports_bad_rows_under_the_names_given():
    transitions = pa.table(_arrow_transitions(job_name=pa.array(["a", None, "b"])))
    jobs = pa.table({"job_name": ["a", "b"], "instance_count": ["1", "two"]})
    with pytest.raises(ParseError, match=r"no job_name \(row 2\)") as info:
        history_from_arrow(transitions, jobs, source_name="part-3")
    assert (info.value.file, info.value.line, info.value.field) == ("part-3", 2, "job_name")
    got = history_from_arrow(
        transitions, jobs, source_name="part-3", jobs_source_name="jobs-3", errors="collect"
    )
    assert got.unparsed[["file", "line", "field"]].values.tolist() == [
        ["part-3", 2, "job_name"],
        ["jobs-3", 2, "instance_count"],
    ]
    assert got.transitions["job_name"].tolist() == ["a", "b"]


def test_history_from_arrow_refuses_tables_without_the_columns_it_needs():
    with pytest.raises(ParseError, match=r"lacks the column\(s\) \['start_time'\]"):
        history_from_arrow(pa.table({"job_name": ["a"], "status": ["Starting"]}), source_name="p")
    with pytest.raises(ParseError, match="not a jobs table"):
        history_from_arrow(
            pa.table(_arrow_transitions()), pa.table({"name": ["a"]}), source_name="p"
        )


# -- the rows of jobs among categories -----------------------------------------------------------

name_lists = st.lists(st.sampled_from(["a", "b", "c", "ü", ""]), max_size=6)


@given(
    categories=name_lists.map(lambda v: list(dict.fromkeys(v))),
    names=name_lists,
    dtype=st.sampled_from([object, "string[pyarrow]", "string[python]"]),
)
def test_rows_of_jobs_among_categories_are_those_get_indexer_gives(categories, names, dtype):
    index = pd.Index(categories, dtype=object)
    expected = index.get_indexer(pd.Index(names, dtype=object))
    got = _rows_of(index.astype(str) if categories else index, pd.Series(names, dtype=dtype))
    np.testing.assert_array_equal(got, expected)


def test_integers_written_with_a_plus_sign_load(tmp_path):
    """Arrow's cast takes no "+": the row-level path once let it raise its own error."""
    (tmp_path / "t.csv").write_text(HEADER + "a,+1,Starting,2024-01-01T00:00:00Z,,\n")
    (tmp_path / "t.jobs.csv").write_text("job_name,instance_count\na,+2\n")
    history = read_table(tmp_path / "t.csv")
    assert history.transitions["step"].tolist() == [1]
    assert history.jobs["instance_count"].tolist() == [2]
