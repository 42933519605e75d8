"""`smstatus stats --what trend`, and text tables that fit the terminal."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from _trend_data import spiky_fleet
from smstatus.cli import main
from smstatus.io.describe import write_describe_jsonl


def _run(capsys, *argv):
    code = main(["stats", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_what_trend_prints_the_waits_per_period(capsys, monkeypatch, tmp_path):
    h, _ = spiky_fleet()
    src = tmp_path / "fleet.jsonl"
    write_describe_jsonl(h, src)
    args = [str(src), "--what", "trend", "--status", "Pending", "--by", "instance_type"]
    code, out, err = _run(capsys, *args, "--freq", "W", "--format", "csv")
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert set(frame["instance_type"]) == {"ml.a", "ml.b", "ml.c", "ml.d"}
    assert frame["entries"].sum() == 5 * 17 + 3
    assert frame["censored"].sum() == 3
    code, _, err = _run(capsys, *args, "--freq", "fortnight")
    assert code == 2 and "freq" in err


@pytest.mark.parametrize("what", ["phases", "variants"])
def test_wide_text_tables_fit_the_terminal_or_say_to_use_csv(capsys, monkeypatch, what):
    monkeypatch.setattr("smstatus.cli.stats.terminal_width", lambda: 90)
    code, out, err = _run(capsys, "--what", what)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 90
    assert "--format csv" in err
    code, out, _ = _run(capsys, "--what", what, "--format", "csv")
    assert max(len(line) for line in out.splitlines()) > 90  # every column, in full


def test_the_summary_fits_the_terminal(capsys, monkeypatch):
    monkeypatch.setattr("smstatus.cli.stats.terminal_width", lambda: 80)
    code, out, err = _run(capsys)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_file_or_a_pipe_gets_every_column(capsys):
    from smstatus import phase_table
    from smstatus.simulation.sample import load_sample

    code, out, _ = _run(capsys, "--what", "phases")  # captured: not a terminal
    assert code == 0
    # every column of the phase table is there, the last one too
    assert out.splitlines()[0].split() == list(phase_table(load_sample()).columns)


def test_the_terminal_width_is_the_terminals(monkeypatch):
    from smstatus.cli import stats

    monkeypatch.setattr(stats.sys, "stdout", type("Tty", (), {"isatty": lambda self: True})())
    monkeypatch.setenv("COLUMNS", "123")
    assert stats.terminal_width() == 123
    monkeypatch.setattr(stats.sys, "stdout", io.StringIO())
    assert stats.terminal_width() is None
