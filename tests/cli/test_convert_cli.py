"""`smstatus convert`: any input to the tidy table."""

from __future__ import annotations

import io
import json
import sys

import pandas as pd
import pytest

import smstatus
from smstatus.cli import main
from smstatus.io.table import read_table


def test_converts_a_directory_to_csv_and_parquet_with_jobs(tmp_path, data_dir, capsys):
    out = tmp_path / "runs.csv"
    assert (
        main(
            [
                "convert",
                str(data_dir),
                "-o",
                str(out),
                "--jobs-out",
                str(tmp_path / "runs.jobs.csv"),
            ]
        )
        == 0
    )
    assert "wrote 52 entries of 10 jobs" in capsys.readouterr().err
    want = smstatus.load(data_dir)
    got = smstatus.load(out)
    pd.testing.assert_frame_equal(got.transitions, want.transitions)
    assert got.jobs["source"].tolist() == want.jobs["source"].tolist()
    pq = tmp_path / "runs.parquet"
    assert main(["convert", str(data_dir / "sdk-logs"), "-o", str(pq), "--tz", "Asia/Tokyo"]) == 0
    t = read_table(pq).transitions
    assert t["start_time"].iloc[0] == pd.Timestamp("2020-11-28T03:43:33Z")


def test_stdin_to_stdout(data_dir, monkeypatch, capsysbinary):
    raw = (data_dir / "sdk-logs" / "sdk-issue658-failed-20190225.log").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    assert main(["convert", "-", "--source", "sdk-log", "-o", "-"]) == 0
    lines = capsysbinary.readouterr().out.decode().splitlines()
    assert lines[0].startswith('"job_name","step","status"')
    assert lines[2].startswith('"stdin",1,"Failed","2019-02-25T14:11:16Z"')


def test_unparsed_records_are_reported_and_the_rest_written(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    good = {"TrainingJobName": "ok", "SecondaryStatusTransitions": []}
    src.write_text(json.dumps(good) + "\n{oops\n")
    out = tmp_path / "out.csv"
    assert main(["convert", str(src), "-o", str(out)]) == 1  # written, but a record rejected
    err = capsys.readouterr().err
    assert f"{src}:2: malformed JSON line" in err
    assert out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.json"], "no such file"),
        (["BAD"], "no record could be read"),
        (["GOOD", "-o", "out.xlsx"], "cannot tell the table format"),
        (["GOOD", "-o", "missing-dir/out.csv"], "cannot write"),
        (["GOOD", "--jobs-out", "-"], "needs a file name"),
        (["GOOD", "--jobs-out", "out.csv"], "cannot write the jobs table over"),
        (["GOOD", "--jobs-out", "./sub/../out.csv"], "cannot write the jobs table over"),
    ],
)
def test_unreadable_input_or_output_exits_2(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "BAD").write_text("not any source\n")
    (tmp_path / "GOOD").write_text(json.dumps({"TrainingJobName": "x"}))
    (tmp_path / "sub").mkdir()
    if "-o" not in args:
        args = [*args, "-o", "out.csv"]
    assert main(["convert", *args]) == 2
    assert message in capsys.readouterr().err


def test_output_is_required(capsys):
    assert main(["convert", "x.json"]) == 2
    assert "-o" in capsys.readouterr().err


def test_no_input_converts_the_bundled_sample(tmp_path, capsys):
    from smstatus.simulation.sample import load_sample

    out = tmp_path / "sample.parquet"
    assert main(["convert", "-o", str(out)]) == 0
    want = load_sample()
    got = read_table(out)
    assert got.job_names.tolist() == want.job_names.tolist()
    pd.testing.assert_frame_equal(got.transitions, want.transitions)
