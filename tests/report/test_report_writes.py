"""How the report writes its folder: atomically, never reading its own output, CSVs safe to
open in a spreadsheet, never over files it did not write."""

from __future__ import annotations

import csv
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from smstatus.cli import main
from smstatus.io import from_describe
from smstatus.report.page import REPORT_MARKER, build_report

GOOD = Path(__file__).parents[1] / "data" / "describe"


def _report(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["report", *argv, "--no-progress"])
    return code, capsys.readouterr().err


def _jobs_written(err: str) -> int:
    match = re.search(r"\(([\d,]+) jobs\)", err)
    assert match, err
    return int(match.group(1).replace(",", ""))


def test_report_run_twice_never_reads_its_own_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    shutil.copytree(GOOD, data)
    monkeypatch.chdir(data)
    counts = []
    for _ in range(3):
        code, err = _report([".", "-o", "report"], capsys)
        assert code == 0, err
        counts.append(_jobs_written(err))
    assert counts == [2, 2, 2]
    assert (data / "report" / "transitions.csv").exists()


def test_report_csvs_cannot_run_formulas(tmp_path: Path) -> None:
    name = '=HYPERLINK("http://evil","x")'
    history = from_describe(
        {
            "TrainingJobName": name,
            "TrainingJobStatus": "Failed",
            "FailureReason": "@SUM(A1)",
            "SecondaryStatusTransitions": [
                {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z", "StatusMessage": "-1+1"}
            ],
        }
    )
    report = build_report(history, tmp_path / "r")
    jobs = pd.read_csv(report.frames["jobs"], dtype=str, keep_default_na=False)
    assert jobs["job_name"].tolist() == ["'" + name]
    assert jobs["failure_reason"].tolist() == ["'@SUM(A1)"]
    transitions = pd.read_csv(report.frames["transitions"], dtype=str, keep_default_na=False)
    assert transitions["status_message"].tolist() == ["'-1+1"]
    for path in report.frames.values():  # no cell of any frame starts a formula
        with path.open(newline="", encoding="utf-8") as file:
            for row in list(csv.reader(file))[1:]:
                for cell in row:
                    assert not cell.startswith(("=", "@", "+", "\t", "\r")), (path.name, row)
                    assert not cell.startswith("-") or _is_number(cell), (path.name, row)
    assert (tmp_path / "r" / REPORT_MARKER).exists()


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_report_writes_parquet_frames_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    code, err = _report([str(GOOD), "-o", str(out), "--frames-format", "parquet"], capsys)
    assert code == 0, err
    written = sorted(p.name for p in out.iterdir())
    assert "transitions.parquet" in written and "jobs.parquet" in written
    assert not [n for n in written if n.endswith(".csv")]
    assert f"and {len(list(out.glob('*.parquet')))} Parquet frames" in err
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="violations.parquet"' in page and "violations.parquet)" in page
    assert ".csv" not in page
    jobs = pd.read_parquet(out / "jobs.parquet")
    assert str(jobs["creation_time"].dtype) == "datetime64[ns, UTC]"
    # a second report over it, as CSV this time, replaces it whole
    code, err = _report([str(GOOD), "-o", str(out)], capsys)
    assert code == 0 and not list(out.glob("*.parquet")), err


def test_an_unknown_frames_format_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", str(GOOD), "-o", str(tmp_path / "r"), "--frames-format", "xlsx"])
    err = capsys.readouterr().err
    assert code == 2 and "'csv', 'parquet'" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_report_never_replaces_a_folder_of_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code, err = _report([str(GOOD), "-o", str(out)], capsys)
    assert code == 2 and "notes.txt" in err and "Traceback" not in err
    assert (out / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no temporary left


def test_report_never_replaces_the_current_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, err = _report([str(GOOD), "-o", "."], capsys)
    assert code == 2 and "current folder" in err


def test_report_replaces_an_older_report_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    assert _report([str(GOOD), "-o", str(out)], capsys)[0] == 0
    (out / "stale.csv").write_text("a frame an older version wrote\n")
    assert _report([str(GOOD), "-o", str(out)], capsys)[0] == 0
    assert not (out / "stale.csv").exists()


_KILLED_REPORT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import smstatus
    import smstatus.report.page as report

    out, ready = Path(sys.argv[1]), Path(sys.argv[2])
    write_frames = report._write_frames

    def stall(ctx, folder):  # half the report is written in its temporary folder
        written = write_frames(ctx, folder)
        ready.with_suffix(".part").write_text(str(folder))
        ready.with_suffix(".part").rename(ready)
        time.sleep(60)
        return written

    report._write_frames = stall
    history = smstatus.load(sys.argv[3])
    report.build_report(history, out, title="second")
    """
)


def test_report_killed_leaves_the_previous_report(tmp_path: Path) -> None:
    out = tmp_path / "report"
    build_report(from_describe(_job("first")), out, title="first")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    ready = tmp_path / "ready"
    args = [sys.executable, "-c", _KILLED_REPORT, str(out), str(ready), str(GOOD)]
    proc = subprocess.Popen(args, env={"MPLBACKEND": "Agg", **_env()})
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert ready.exists(), "the report never reached its writing"
        temp = Path(ready.read_text())
        assert temp.exists() and temp.parent == tmp_path
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the previous, whole
    build_report(from_describe(_job("third")), out, title="third")
    assert not temp.exists()  # the temporary the killed run left is gone
    assert "third" in (out / "index.html").read_text(encoding="utf-8")


def _job(name: str) -> dict:
    return {
        "TrainingJobName": name,
        "TrainingJobStatus": "Completed",
        "SecondaryStatusTransitions": [
            {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"},
            {"Status": "Completed", "StartTime": "2024-01-01T00:10:00Z"},
        ],
    }


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_failed_write_names_the_target_not_its_temporary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = _report([str(GOOD), "-o", "/proc/smstatus-report"], capsys)
    assert code == 2 and "cannot write the report to /proc/smstatus-report:" in err
    assert ".tmp" not in err and "Traceback" not in err
