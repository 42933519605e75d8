"""`smstatus fetch` against moto in server mode, through --endpoint-url; kills and resumes."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import smstatus
from moto_server import (
    FAKE_KEY_ID,
    FAKE_SECRET,
    FAKE_TOKEN,
    KINDS,
    REGION,
    T0,
)
from smstatus.cli import main
from smstatus.cli.fetch import parse_when

RUNNING = ("InProgress", "Stopping")


def fetch(sm, path, *extra):
    return main(
        [
            "fetch",
            "--endpoint-url",
            sm.url,
            "--region",
            REGION,
            "--list-rate",
            "off",
            "--describe-rate",
            "off",
            "-o",
            str(path),
            *extra,
        ]
    )


def names_in(path: Path) -> list[str]:
    return [json.loads(line)["TrainingJobName"] for line in path.read_text().splitlines()]


def test_fetch_writes_every_job_once_and_the_file_validates(sm, tmp_path, capsys):
    names = sm.create_jobs(KINDS * 2)
    path = tmp_path / "jobs.jsonl"
    assert fetch(sm, path) == 0
    out = capsys.readouterr().out
    assert "listed 10, described 10 (0 refreshed), from cache 0, failed 0" in out
    assert "requests: ListTrainingJobs 1, DescribeTrainingJob 10" in out
    assert names_in(path) == names
    history = smstatus.load(path)
    assert history.n_jobs == 10 and len(history.unparsed) == 0
    assert main(["validate", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["jobs"] == 10 and report["valid_jobs"] == 10
    assert main(["stats", str(path)]) == 0
    assert "10 jobs, 42 entries" in capsys.readouterr().out


def test_second_fetch_describes_only_the_running_jobs(sm, tmp_path, capsys):
    names = sm.create_jobs(KINDS * 2)
    path = tmp_path / "jobs.jsonl"
    assert fetch(sm, path) == 0
    capsys.readouterr()
    sm.described.clear()
    assert fetch(sm, path, "--format", "json") == 0
    summary = json.loads(capsys.readouterr().out)
    running = [n for n, k in zip(names, KINDS * 2, strict=True) if k in RUNNING]
    assert sorted(sm.described) == sorted(running)
    assert summary["requests"] == {"ListTrainingJobs": 1, "DescribeTrainingJob": len(running)}
    assert (summary["described"], summary["refreshed"], summary["from_cache"]) == (4, 4, 6)
    assert names_in(path) == names


def test_filters(sm, tmp_path, capsys):
    sm.create_jobs(KINDS, prefix="xgb")
    sm.create_jobs(KINDS, prefix="bert", t0=T0 + dt.timedelta(days=2))
    a, b, c = (tmp_path / f"{x}.jsonl" for x in "abc")
    assert fetch(sm, a, "--name-contains", "bert") == 0
    assert {n[:4] for n in names_in(a)} == {"bert"}
    assert fetch(sm, b, "--since", "2024-03-02", "--status", "Completed") == 0
    assert names_in(b) == ["bert-000-completed"]
    assert fetch(sm, c, "--until", "2024-03-01T08:15:00Z") == 0
    assert names_in(c) == ["xgb-000-completed", "xgb-001-inprogress"]


def test_parse_when_ages_and_dates():
    now = dt.datetime(2024, 3, 10, 12, 0, tzinfo=dt.UTC)
    assert parse_when("7d", now=now) == dt.datetime(2024, 3, 3, 12, 0, tzinfo=dt.UTC)
    assert parse_when("12h", now=now) == dt.datetime(2024, 3, 10, 0, 0, tzinfo=dt.UTC)
    assert parse_when("2w", now=now) == dt.datetime(2024, 2, 25, 12, 0, tzinfo=dt.UTC)
    assert parse_when("30min", now=now) == dt.datetime(2024, 3, 10, 11, 30, tzinfo=dt.UTC)
    assert parse_when("2024-03-01") == dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    assert parse_when("2024-03-01T10:00:00+02:00") == dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "7 fortnights"], "is not an age"),
        (["--since", "yesterday-ish"], "is not a date or an age"),
        (["--status", "Running"], "invalid choice"),
        (["--max-workers", "0"], "at least 1"),
        (["--list-rate", "-2"], "positive number"),
        (["--since", "2024-03-02", "--until", "2024-03-01"], "must be before --until"),
    ],
)
def test_usage_errors_exit_2(sm, tmp_path, capsys, args, message):
    assert fetch(sm, tmp_path / "x.jsonl", *args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()


def test_output_is_required(capsys):
    assert main(["fetch"]) == 2
    assert "-o/--output" in capsys.readouterr().err


def test_failed_describes_exit_1_and_are_listed(sm, tmp_path, capsys):
    names = sm.create_jobs(KINDS[:3])
    sm.fail("DescribeTrainingJob", [sm.server_error()])
    path = tmp_path / "jobs.jsonl"
    assert fetch(sm, path, "--max-attempts", "1", "--max-workers", "1") == 1
    captured = capsys.readouterr()
    assert f"{names[0]}: error (InternalFailure" in captured.err
    assert "failed 1" in captured.out
    assert fetch(sm, path) == 0  # the next run fetches it
    assert sorted(names_in(path)) == sorted(names)


def test_a_deleted_job_is_reported_but_not_an_error(sm, tmp_path, capsys):
    names = sm.create_jobs(KINDS[:3])
    sm.after_list(lambda: sm.delete_job(names[1]))
    assert fetch(sm, tmp_path / "jobs.jsonl") == 0
    captured = capsys.readouterr()
    assert f"{names[1]}: not_found (ValidationException" in captured.err
    assert "(1 deleted since listed)" in captured.out


def test_no_credentials_exit_2_with_a_hint(sm, tmp_path, monkeypatch, capsys):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var)
    assert fetch(sm, tmp_path / "jobs.jsonl", "--max-attempts", "1") == 2
    err = capsys.readouterr().err
    assert "no AWS credentials found" in err and "Traceback" not in err


def test_unknown_profile_or_no_region_exit_2(sm, tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "jobs.jsonl")
    assert main(["fetch", "--profile", "no-such-profile", "-o", path]) == 2
    assert "profile (no-such-profile) could not be found" in capsys.readouterr().err
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert main(["fetch", "-o", path]) == 2
    assert "You must specify a region" in capsys.readouterr().err


def test_without_boto3_exit_2_with_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "boto3", None)
    assert main(["fetch", "-o", str(tmp_path / "jobs.jsonl")]) == 2
    assert "pip install 'smstatus[aws]'" in capsys.readouterr().err


def test_credentials_are_never_printed_or_written(sm, tmp_path, capsys):
    sm.create_jobs(KINDS)
    path = tmp_path / "jobs.jsonl"
    assert fetch(sm, path, "--progress") == 0
    captured = capsys.readouterr()
    written = "".join(p.read_text() for p in tmp_path.iterdir() if p.is_file())
    for secret in (FAKE_KEY_ID, FAKE_SECRET, FAKE_TOKEN):
        assert secret not in captured.out
        assert secret not in captured.err
        assert secret not in written
    assert "Authorization" not in written and "ResponseMetadata" not in written


# -- killed and resumed, in a real process ------------------------------------------------------


def _start_fetch(sm, path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": FAKE_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
        "AWS_SESSION_TOKEN": FAKE_TOKEN,
    }
    args = [sys.executable, "-m", "smstatus", "fetch", "--endpoint-url", sm.url]
    args += ["--region", REGION, "--list-rate", "off", "--describe-rate", "8"]
    args += ["--max-workers", "2", "--no-progress", "-o", str(path)]
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for_lines(proc: subprocess.Popen, path: Path, n: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("\n") >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"fetch ended early ({proc.returncode}): {proc.stderr.read()}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("fetch wrote too slowly")


def _resume_and_check(sm, path: Path, names: list[str], saved: list[str], capsys) -> None:
    assert len(set(saved)) == len(saved) and set(saved) <= set(names)
    sm.described.clear()
    assert fetch(sm, path, "--format", "json") == 0
    summary = json.loads(capsys.readouterr().out)
    running = {n for n in saved if n.rsplit("-", 1)[-1] in ("inprogress", "stopping")}
    # nothing that was written is described again, except the running jobs (refreshed)
    assert sorted(sm.described) == sorted((set(names) - set(saved)) | running)
    assert summary["from_cache"] == len(saved) - len(running)
    assert sorted(names_in(path)) == sorted(names)  # every job, once
    assert smstatus.load(path).n_jobs == len(names)


def test_fetch_killed_by_ctrl_c_then_hard_resumes_with_nothing_lost_or_duplicated(
    sm, tmp_path, capsys
):
    names = sm.create_jobs(KINDS * 5, via="backend")
    path = tmp_path / "jobs.jsonl"
    # Ctrl-C: the in-flight describes are written, the file closed, exit 130 with a hint
    proc = _start_fetch(sm, path)
    _wait_for_lines(proc, path, 4)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "interrupted" in err and "run the same command again to resume" in err.lower()
    assert "Traceback" not in err
    first = names_in(path)
    assert 4 <= len(first) < len(names) and len(set(first)) == len(first)
    # SIGKILL of the resumed run: no handler runs; every complete line is a whole job
    proc = _start_fetch(sm, path)
    _wait_for_lines(proc, path, len(first) + 3)
    proc.kill()
    proc.communicate()
    saved = names_in(path)
    assert saved[: len(first)] == first and len(saved) < len(names)
    _resume_and_check(sm, path, names, saved, capsys)
