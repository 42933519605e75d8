"""What the commands write: whole files or none (atomic), the same SVG for the same data, and
data text that cannot drive a terminal (escaped), except in convert's tables (kept as is)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pytest

import smstatus
from smstatus.cli import main

DESCRIBE = Path(__file__).parents[1] / "data" / "describe"
EVIL = "evil\x1b]0;pwned\x07\x1b[2J\r\x9b31m"


def _evil_history(tmp_path: Path) -> Path:
    """A job whose name and an unknown status hold terminal escapes (the status is a
    violation, so its message is printed)."""
    doc = json.loads((DESCRIBE / "desc-xgb-20250516.json").read_text(encoding="utf-8"))
    doc["TrainingJobName"] = f"job-{EVIL}"
    doc["SecondaryStatusTransitions"][1]["Status"] = f"Odd{EVIL}"
    doc.setdefault("ResourceConfig", {})["InstanceType"] = f"ml.{EVIL}"
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _no_raw_controls(text: str) -> None:
    for char in ("\x1b", "\x07", "\r", "\x9b"):
        assert char not in text, f"raw {char!r} in output"


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "{src}"],
        ["validate", "{src}", "--format", "csv"],
        ["validate", "{src}", "--format", "json"],
        ["stats", "{src}"],
        ["stats", "{src}", "--what", "durations", "--by", "instance_type", "--format", "csv"],
        ["stats", "{src}", "--what", "variants"],
    ],
)
def test_printed_data_is_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    src = _evil_history(tmp_path)
    main([a.format(src=src) for a in argv])
    captured = capsys.readouterr()
    _no_raw_controls(captured.out + captured.err)
    assert "\\x1b" in captured.out or "\\u001b" in captured.out


def test_rejects_and_errors_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / f"bad{EVIL}.jsonl"
    bad.write_text('{"TrainingJobName": "x\\u001b[2J", "SecondaryStatusTransitions": 5}\n')
    assert main(["validate", str(bad)]) == 2
    captured = capsys.readouterr()
    _no_raw_controls(captured.out + captured.err)
    assert "badevil\\x1b]0;pwned" in captured.err


def test_convert_keeps_the_data_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _evil_history(tmp_path)
    out = tmp_path / "t.csv"
    assert main(["convert", str(src), "-o", str(out)]) == 0
    assert smstatus.load(out).jobs.job_name.tolist() == [f"job-{EVIL}"]
    assert "not escaped" in _help(["convert", "--help"], capsys)


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    main(argv)
    return " ".join(capsys.readouterr().out.split())


# -- whole files or none -----------------------------------------------------------------------


def _fail_after_writing(monkeypatch: pytest.MonkeyPatch, target: str, name: str) -> None:
    """Make ``target.name`` write half a file where it was asked to, then fail."""
    import importlib

    module = importlib.import_module(target)

    def half(_data: object, path: object, *args: object, **kwargs: object) -> None:
        Path(str(path)).write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module, name, half)


def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_convert_failing_midway_keeps_the_previous_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.parquet"
    assert main(["convert", str(DESCRIBE), "-o", str(out)]) == 0
    before = out.read_bytes(), (tmp_path / "t.jobs.parquet").read_bytes()
    _fail_after_writing(monkeypatch, "smstatus.io.table", "write_table")
    assert main(["convert", str(DESCRIBE), "-o", str(out)]) == 2
    assert "No space left" in capsys.readouterr().err
    assert (out.read_bytes(), (tmp_path / "t.jobs.parquet").read_bytes()) == before
    assert _only(tmp_path) == ["t.jobs.parquet", "t.parquet"]  # no temporary left


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_convert_writes_each_format_by_its_name(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"t{suffix}"
    assert main(["convert", str(DESCRIBE), "-o", str(out)]) == 0
    assert smstatus.load(out).n_jobs == smstatus.load(DESCRIBE).n_jobs
    assert _only(tmp_path) == sorted([out.name, f"t.jobs{suffix}"])


@pytest.mark.parametrize(
    "argv",
    [
        ["gantt", str(DESCRIBE), "-o", "{out}.png"],
        ["diagram", str(DESCRIBE), "-o", "{out}.svg"],
        ["diagram", "-o", "{out}.mmd"],
    ],
)
def test_a_picture_failing_midway_keeps_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    argv = [a.format(out=tmp_path / "pic") for a in argv]
    assert main(argv) == 0
    (written,) = tmp_path.iterdir()
    before = written.read_bytes()
    from matplotlib.figure import Figure

    def half(self: Figure, fname: object, **kwargs: object) -> None:
        Path(str(fname)).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", half)
    import smstatus.atomicfile

    real_atomic_open = smstatus.atomicfile.atomic_open

    def failing_open(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(smstatus.atomicfile, "atomic_open", failing_open)
    assert main(argv) == 2
    monkeypatch.setattr(smstatus.atomicfile, "atomic_open", real_atomic_open)
    assert written.read_bytes() == before
    assert _only(tmp_path) == [written.name]


def test_simulate_failing_midway_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "sim.jsonl.gz"
    assert main(["simulate", "-n", "5", "-o", str(out), "--truth", str(tmp_path / "t.csv")]) == 0
    before = out.read_bytes()
    _fail_after_writing(monkeypatch, "smstatus.simulation.simulator", "write_jsonl")
    assert main(["simulate", "-n", "7", "-o", str(out)]) == 2
    assert out.read_bytes() == before
    assert _only(tmp_path) == ["sim.jsonl.gz", "t.csv"]


# -- the same SVG for the same data -------------------------------------------------------------


@pytest.mark.parametrize("command", ["gantt", "diagram"])
def test_svg_is_deterministic(tmp_path: Path, command: str) -> None:
    salt = matplotlib.rcParams["svg.hashsalt"]
    outs = [tmp_path / "a.svg", tmp_path / "b.svg"]
    for out in outs:
        assert main([command, str(DESCRIBE), "-o", str(out)]) == 0
    first, second = (o.read_bytes() for o in outs)
    assert first == second
    assert b"<dc:date>" not in first
    assert matplotlib.rcParams["svg.hashsalt"] == salt  # the global settings are untouched
