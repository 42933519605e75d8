"""The tidy table as CSV or Parquet: schema restored, jobs tables, bad rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import smstatus
from smstatus import JobHistory
from smstatus.errors import ParseError
from smstatus.history import KNOWN_STATUSES
from smstatus.io.table import jobs_sibling, read_table, write_table

HEADER = "job_name,step,status,start_time,end_time,status_message\n"


@pytest.fixture(scope="module")
def history():
    return smstatus.load(Path(__file__).parents[1] / "data")


@pytest.mark.parametrize("suffix", ["csv", "csv.gz", "parquet"])
def test_real_examples_round_trip_with_their_jobs(tmp_path, history, suffix):
    path = tmp_path / f"runs.{suffix}"
    write_table(history, path, jobs_path=jobs_sibling(path))
    got = smstatus.load(tmp_path)  # the directory: the jobs table is read with its table
    pd.testing.assert_frame_equal(got.transitions, history.transitions)
    pd.testing.assert_frame_equal(got.jobs, history.jobs, check_categorical=False)
    assert got.n_jobs == history.n_jobs


def test_csv_is_readable_text(tmp_path, history):
    path = tmp_path / "t.csv"
    write_table(history, path)
    lines = path.read_text().splitlines()
    assert lines[0] == '"job_name","step","status","start_time","end_time","status_message"'
    assert lines[2] == (
        '"desc-xgb-20250516",0,"Starting","2025-05-16T18:10:50.603Z","2025-05-16T18:11:32.239Z",'
        '"Preparing the instances for training"'
    )


def test_jobs_sibling_names():
    assert jobs_sibling("a/runs.csv").name == "runs.jobs.csv"
    assert jobs_sibling("runs.csv.gz").name == "runs.jobs.csv.gz"
    assert jobs_sibling("runs.parquet").name == "runs.jobs.parquet"


def test_explicit_jobs_table_and_jobs_table_alone(tmp_path, history):
    write_table(history, tmp_path / "t.csv", jobs_path=tmp_path / "attrs.csv")
    got = read_table(tmp_path / "t.csv", jobs=tmp_path / "attrs.csv")
    assert got.jobs["source"].tolist() == history.jobs["source"].tolist()
    alone = read_table(tmp_path / "attrs.csv")
    assert alone.n_jobs == history.n_jobs and len(alone.transitions) == 0
    assert (
        alone.jobs["training_job_status"].tolist() == history.jobs["training_job_status"].tolist()
    )
    without = read_table(tmp_path / "t.csv")
    assert set(without.jobs["source"]) == {"table"}
    # the event job has no entries: a CSV of transitions alone does not know it
    assert without.n_jobs == history.n_jobs - 1


def test_jobs_named_only_by_the_transitions_get_source_table(tmp_path):
    (tmp_path / "t.csv").write_text(
        HEADER + "a,0,Starting,2024-01-01T00:00:00Z,,\nb,0,Starting,2024-01-01T00:00:00Z,,\n"
    )
    (tmp_path / "t.jobs.csv").write_text(
        "job_name,training_job_status,source\na,InProgress,describe\n"
    )
    h = read_table(tmp_path / "t.csv")
    assert h.jobs[["job_name", "source"]].values.tolist() == [["a", "describe"], ["b", "table"]]


def test_minimal_columns_unknown_status_naive_times_and_extra_columns(tmp_path):
    (tmp_path / "t.csv").write_text(
        "status,job_name,start_time,duration_s\n"
        "Starting,a,2024-01-01 00:00:00,5\n"
        "WarmingUp,a,2024-01-01 00:00:05,1\n"
        "Starting,b,1704067200000,0\n"
    )
    h = read_table(tmp_path / "t.csv", naive_tz="Europe/Berlin")
    t = h.transitions
    assert t["step"].tolist() == [0, 1, 0]  # derived from the order within each job
    assert t["status"].tolist() == ["Starting", "WarmingUp", "Starting"]
    assert list(t["status"].cat.categories) == [*KNOWN_STATUSES, "WarmingUp"]
    assert t["start_time"].iloc[0] == pd.Timestamp("2023-12-31T23:00:00Z")
    assert t["start_time"].iloc[2] == pd.Timestamp("2024-01-01T00:00:00Z")
    assert t["end_time"].isna().all() and t["status_message"].isna().all()


def test_empty_strings_stay_apart_from_missing_values(tmp_path):
    h = JobHistory.from_transitions(
        "a",
        [
            {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z", "StatusMessage": ""},
            {"Status": "Training", "StartTime": "2024-01-01T00:00:01Z"},
            {
                "Status": "Uploading",
                "StartTime": "2024-01-01T00:00:02Z",
                "StatusMessage": 'a, "b"\nc',
            },
        ],
    )
    for suffix in ("csv", "parquet"):
        write_table(h, tmp_path / f"m.{suffix}")
        got = read_table(tmp_path / f"m.{suffix}").transitions["status_message"]
        assert got.iloc[0] == "" and pd.isna(got.iloc[1]) and got.iloc[2] == 'a, "b"\nc'


def test_parquet_keeps_unused_categories_and_jobs_without_entries(tmp_path):
    h = smstatus.load(
        [
            {"TrainingJobName": "empty", "SecondaryStatusTransitions": []},
            {
                "TrainingJobName": "a",
                "SecondaryStatusTransitions": [
                    {"Status": "Odd", "StartTime": "2024-01-01T00:00:00Z"}
                ],
            },
        ]
    )
    write_table(h, tmp_path / "t.parquet")
    got = read_table(tmp_path / "t.parquet")
    assert got.job_names.tolist() == ["empty", "a"]
    assert list(got.transitions["status"].cat.categories) == [*KNOWN_STATUSES, "Odd"]


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (",0,Starting,2024-01-01T00:00:00Z,,m", "job_name", "no job_name"),
        ("a,0,,2024-01-01T00:00:00Z,,m", "status", "no status"),
        ("a,0,Starting,,,m", "start_time", "no start_time"),
        ("a,0,Starting,yesterday,,m", "start_time", "'yesterday' is not a timestamp"),
        ("a,0,Starting,2024-01-01T00:00:00Z,2024-13-01T00:00:00Z,m", "end_time", "not a timestamp"),
        ("a,x,Starting,2024-01-01T00:00:00Z,,m", "step", "'x' is not an integer"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, row, field, reason):
    path = tmp_path / "bad.csv"
    # a message with a newline before the bad row: lines are physical lines of the file
    path.write_text(
        HEADER
        + 'a,0,Starting,2024-01-01T00:00:00Z,,"two\nlines"\n'
        + row
        + "\n"
        + "b,0,Starting,2024-01-01T00:00:00Z,,ok\n"
    )
    with pytest.raises(ParseError, match=reason) as err:
        read_table(path)
    assert (err.value.file, err.value.line, err.value.field) == (str(path), 4, field)
    h = read_table(path, errors="collect")
    assert h.transitions["job_name"].tolist() == ["a", "b"]
    assert h.unparsed[["line", "field"]].values.tolist() == [[4, field]]


def test_rows_with_the_wrong_number_of_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER + "a,0,Starting,2024-01-01T00:00:00Z\nb,0,Starting,2024-01-01T00:00:00Z,,ok\n"
    )
    with pytest.raises(ParseError) as err:
        read_table(path)
    assert err.value.line == 2
    h = read_table(path, errors="collect")
    assert h.job_names.tolist() == ["b"]
    assert h.unparsed["line"].tolist() == [2]


def test_bad_jobs_rows(tmp_path):
    (tmp_path / "t.csv").write_text(HEADER + "a,0,Starting,2024-01-01T00:00:00Z,,\n")
    (tmp_path / "t.jobs.csv").write_text(
        "job_name,instance_count,spot,creation_time\na,two,true,\nb,1,maybe,\nc,1,no,never\n"
    )
    with pytest.raises(ParseError, match="'two' is not an integer"):
        read_table(tmp_path / "t.csv")
    h = read_table(tmp_path / "t.csv", errors="collect")
    assert h.unparsed[["file", "line", "field"]].values.tolist() == [
        [str(tmp_path / "t.jobs.csv"), 2, "instance_count"],
        [str(tmp_path / "t.jobs.csv"), 3, "spot"],
        [str(tmp_path / "t.jobs.csv"), 4, "creation_time"],
    ]
    assert h.job_names.tolist() == ["a"]  # named by its entries


def test_parquet_bad_rows_give_the_row(tmp_path):
    frame = pd.DataFrame(
        {
            "job_name": ["a", None],
            "status": ["Starting", "Training"],
            "start_time": ["2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z"],
        }
    )
    frame.to_parquet(tmp_path / "t.parquet")
    with pytest.raises(ParseError, match=r"row 2") as err:
        read_table(tmp_path / "t.parquet")
    assert err.value.line == 2
    assert read_table(tmp_path / "t.parquet", errors="collect").job_names.tolist() == ["a"]


def test_not_a_table(tmp_path):
    (tmp_path / "t.csv").write_text("name,when\na,b\n")
    with pytest.raises(ParseError, match="lacks the column"):
        read_table(tmp_path / "t.csv")
    (tmp_path / "t.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(ParseError, match="not a readable Parquet"):
        read_table(tmp_path / "t.parquet")


def test_write_table_needs_a_known_suffix(tmp_path, history):
    with pytest.raises(ValueError, match=r"\.csv, \.csv\.gz, \.parquet"):
        write_table(history, tmp_path / "t.xlsx")


def test_stdin_table_with_a_bad_row(monkeypatch):
    import io
    import sys

    text = HEADER + "a,0,Starting,2024-01-01T00:00:00Z,,\na,1,Training,later,,\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    with pytest.raises(ParseError) as err:
        smstatus.load("-")
    assert (err.value.file, err.value.line, err.value.field) == ("<stdin>", 3, "start_time")
