"""Tables that fight back: every problem is a named reject or a clear error, never a traceback.

Duplicate column names, nested Parquet columns, binary columns, a quoted value cut off at the
end of a CSV, bytes that are not UTF-8, times outside what nanoseconds hold.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import smstatus
from smstatus.errors import ParseError

HEADER = "job_name,step,status,start_time,end_time,status_message\n"
ROW = "{job},{step},Starting,2025-05-16T11:10:00Z,2025-05-16T11:12:00Z,{message}\n"


def _csv(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def _load(path: Path, errors: str = "collect") -> smstatus.JobHistory:
    return smstatus.load(path, source="table", errors=errors)


def test_duplicate_column_is_one_error_naming_it(tmp_path: Path) -> None:
    header = "job_name,step,status,status,start_time\n"
    path = _csv(tmp_path / "d.csv", "a,0,Starting,Training,2025-05-16T11:10:00Z\n", header=header)
    with pytest.raises(ParseError, match=r"\['status'\] more than once") as info:
        _load(path, errors="raise")
    assert (info.value.file, info.value.line, info.value.field) == (str(path), 1, "status")
    history = _load(path)
    assert history.n_jobs == 0 and history.unparsed["field"].tolist() == ["status"]


def test_duplicate_column_smstatus_does_not_read_is_ignored(tmp_path: Path) -> None:
    header = "job_name,status,start_time,note,note\n"
    path = _csv(tmp_path / "n.csv", "a,Starting,2025-05-16T11:10:00Z,x,y\n", header=header)
    history = _load(path, errors="raise")
    assert history.n_jobs == 1


@pytest.mark.parametrize(
    ("column", "values", "kind"),
    [
        ("status_message", pa.array([["a"], ["b"]]), "list"),
        ("start_time", pa.array([{"s": 1}, {"s": 2}]), "struct"),
        ("job_name", pa.array([{"k": "a"}, {"k": "b"}]), "struct"),
    ],
)
def test_nested_parquet_column_is_one_error_naming_it(
    tmp_path: Path, column: str, values: pa.Array, kind: str
) -> None:
    cols = {
        "job_name": pa.array(["a", "b"]),
        "status": pa.array(["Starting", "Starting"]),
        "start_time": pa.array(["2025-05-16T11:10:00Z"] * 2),
        column: values,
    }
    path = tmp_path / "n.parquet"
    pq.write_table(pa.table(cols), path)
    with pytest.raises(ParseError, match=rf"column '{column}' is {kind}<") as info:
        _load(path, errors="raise")
    assert info.value.field == column


def _binary_table(path: Path, statuses: list[bytes]) -> Path:
    n = len(statuses)
    table = pa.table(
        {
            "job_name": pa.array([f"j{i}" for i in range(n)]),
            "status": pa.array(statuses, type=pa.binary()),
            "start_time": pa.array([dt.datetime(2025, 5, 16, tzinfo=dt.UTC)] * n),
            "status_message": pa.array([b"ok"] * n, type=pa.large_binary()),
        }
    )
    pq.write_table(table, path)
    return path


def test_binary_columns_read_as_utf8_text(tmp_path: Path) -> None:
    path = _binary_table(tmp_path / "b.parquet", [b"Starting", "Träining".encode()])
    history = _load(path, errors="raise")
    assert history.transitions["status"].astype(str).tolist() == ["Starting", "Träining"]
    assert history.transitions["status_message"].tolist() == ["ok", "ok"]


def test_binary_value_not_utf8_is_a_reject_of_its_row(tmp_path: Path) -> None:
    path = _binary_table(tmp_path / "b.parquet", [b"Starting", b"\xff\xfe", b"Training"])
    history = _load(path)
    assert history.jobs["job_name"].tolist() == ["j0", "j2"]
    assert history.unparsed[["line", "field"]].values.tolist() == [[2, "status"]]
    assert "not UTF-8" in history.unparsed["reason"].iloc[0]
    with pytest.raises(ParseError, match="not UTF-8") as info:
        _load(path, errors="raise")
    assert (info.value.line, info.value.field) == (2, "status")


@pytest.mark.parametrize("final_newline", [False, True])
def test_quote_open_at_the_end_is_a_reject_naming_its_line(
    tmp_path: Path, final_newline: bool
) -> None:
    cut = 'c,0,Starting,2025-05-16T11:10:00Z,,"a message cut\nin the middle'
    path = _csv(
        tmp_path / "q.csv",
        ROW.format(job="a", step=0, message='"quoted, ""fine"""'),
        ROW.format(job="b", step=0, message="ok"),
        cut + ("\n" if final_newline else ""),
    )
    history = _load(path)
    assert history.jobs["job_name"].tolist() == ["a", "b"]
    assert history.transitions["status_message"].tolist() == ['quoted, "fine"', "ok"]
    assert history.unparsed[["line", "field"]].values.tolist() == [[4, "status_message"]]
    assert "never closes" in history.unparsed["reason"].iloc[0]
    with pytest.raises(ParseError, match="never closes") as info:
        _load(path, errors="raise")
    assert info.value.line == 4


def test_quoted_newlines_and_quotes_that_close_load(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "ok.csv",
        ROW.format(job="a", step=0, message='"two\nlines"'),
        ROW.format(job="b", step=0, message='5" disk'),  # a quote inside a bare value: literal
    )
    history = _load(path, errors="raise")
    assert history.transitions["status_message"].tolist() == ["two\nlines", '5" disk']


def test_bytes_not_utf8_name_the_line_without_arrow_tracebacks(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Arrow's own invalid-row callback prints "Exception ignored" for such bytes."""
    good = ROW.format(job="a", step=0, message="ok").encode()
    bad = b"b,0,Starting,2025-05-16T11:10:00Z,\xff\xfe,x,extra\n"
    path = tmp_path / "b.csv"
    path.write_bytes(HEADER.encode() + good + bad)
    history = _load(path)
    assert history.n_jobs == 0
    assert history.unparsed["line"].tolist() == [3]
    assert "not UTF-8" in history.unparsed["reason"].iloc[0]
    captured = capfd.readouterr()
    assert "Exception ignored" not in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_times_out_of_range_are_rejects_in_csv_and_parquet(tmp_path: Path, when: str) -> None:
    rows = [ROW.format(job="ok", step=0, message="m"), f"far,0,Starting,{when},,m\n"]
    csv_path = _csv(tmp_path / "t.csv", *rows)
    parquet_path = tmp_path / "t.parquet"
    stamp = dt.datetime.fromisoformat(when)
    pq.write_table(
        pa.table(
            {
                "job_name": ["ok", "far"],
                "status": ["Starting", "Starting"],
                "start_time": pa.array(
                    [dt.datetime(2025, 5, 16, tzinfo=dt.UTC), stamp], type=pa.timestamp("us", "UTC")
                ),
            }
        ),
        parquet_path,
    )
    for path in (csv_path, parquet_path):
        history = _load(path)
        assert history.jobs["job_name"].tolist() == ["ok"], path
        assert history.unparsed["field"].tolist() == ["start_time"], path
