"""Exit codes of every command: rejects exit 1, a closed pipe keeps the verdict, bad options and
unwritable outputs exit 2 with one line on stderr and never a traceback."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smstatus.cli import main

XGB = "describe/desc-xgb-20250516.json"


@pytest.fixture
def good(tmp_path, data_dir) -> Path:
    """One real describe response, valid."""
    path = tmp_path / "good.jsonl"
    path.write_text(json.dumps(json.loads((data_dir / XGB).read_text())) + "\n")
    return path


@pytest.fixture
def bad(tmp_path, good) -> Path:
    """The same response, then a malformed line 2."""
    path = tmp_path / "bad.jsonl"
    path.write_text(good.read_text() + '{"TrainingJobName": "broken", \n')
    return path


# -- rejected records --------------------------------------------------------------------------


def test_validate_of_a_file_with_a_malformed_line_is_invalid(capsys, bad):
    code = main(["validate", str(bad)])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.startswith("smstatus validate: INVALID: ")
    assert f"{bad}:2" in err
    assert any("unparsed_record" in line and f"{bad}:2" in line for line in out.splitlines())
    assert main(["validate", str(bad), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and doc["by_code"] == {"unparsed_record": 1}
    assert [u["line"] for u in doc["unparsed"]] == [2]
    assert main(["validate", str(bad), "--format", "csv", "--fail-on", "warning"]) == 1
    assert "unparsed_record,error" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "written"),
    [
        (["stats", "{bad}"], None),
        (["stats", "{bad}", "--format", "json"], None),
        (["stats", "{bad}", "--what", "phases", "--format", "csv"], None),
        (["gantt", "{bad}", "-o", "{tmp}/g.png"], "g.png"),
        (["report", "{bad}", "-o", "{tmp}/rep", "--no-progress"], "rep/index.html"),
        (["convert", "{bad}", "-o", "{tmp}/t.csv"], "t.jobs.csv"),
        (["convert", "{bad}", "-o", "-"], None),
        (["diagram", "{bad}", "-o", "{tmp}/d.svg"], "d.svg"),
    ],
)
def test_every_command_exits_1_on_rejects_and_still_writes(
    capsysbinary, tmp_path, bad, good, argv, written
):
    def fill(path):
        return [a.format(bad=path, tmp=tmp_path) for a in argv]

    assert main(fill(good)) == 0
    capsysbinary.readouterr()
    code = main(fill(bad))
    out, err = capsysbinary.readouterr()
    assert code == 1
    assert f"{bad}:2".encode() in err
    if written is None:
        assert out.strip()
    else:
        assert (tmp_path / written).stat().st_size > 0


# -- a closed pipe ----------------------------------------------------------------------------


class _ClosedPipe(io.StringIO):
    """Standard output whose reader has gone."""

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    @property
    def buffer(self):
        return _ClosedPipeBytes()


class _ClosedPipeBytes(io.BytesIO):
    def write(self, data):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize(
    ("argv", "verdict"),
    [
        (["validate", "{good}"], 0),
        (["validate", "{bad}"], 1),
        (["validate", "{bad}", "--format", "json"], 1),
        (["stats", "{bad}"], 1),
        (["stats", "{bad}", "--what", "durations", "--format", "csv"], 1),
        (["convert", "{bad}", "-o", "-"], 1),
        (["convert", "{good}", "-o", "-"], 0),
        (["diagram"], 0),
    ],
)
def test_a_closed_stdout_keeps_the_verdict(monkeypatch, capsys, good, bad, argv, verdict):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main([a.format(good=good, bad=bad) for a in argv]) == verdict
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "{bad}"],
        ["convert", "{bad}", "-o", "-"],
    ],
)
def test_a_closed_pipe_in_a_real_process(bad, argv):
    """As `smstatus validate bad.jsonl | head -1` under `set -o pipefail`: the reader is gone
    before the first line is written."""
    cmd = [sys.executable, "-m", "smstatus", *[a.format(bad=bad) for a in argv]]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err.decode()
    assert b"Traceback" not in err and b"Exception ignored" not in err
    assert f"{bad}:2".encode() in err


def test_the_streams_are_restored_after_a_command(capsys, good):
    before = sys.stdout, sys.stderr
    assert main(["validate", str(good)]) == 0
    assert (sys.stdout, sys.stderr) == before


# -- could not run ----------------------------------------------------------------------------


BAD_OPTIONS = [
    # validate
    ["validate", "{good}", "--tz", "Mars/Base"],
    ["validate", "{good}", "--tz", ""],
    ["validate", "{good}", "--tolerance", "soon"],
    ["validate", "{good}", "--tolerance=-1s"],
    ["validate", "{good}", "--tolerance", "3M"],
    ["validate", "{good}", "--machine", "{tmp}"],
    ["validate", "{good}", "--machine", "{file}/m.json"],
    ["validate", "{good}", "--machine", "{tmp}/missing.json"],
    ["validate", "{good}", "--machine", "{file}"],
    ["validate", "{good}", "--max-rows", "-1"],
    ["validate", "{good}", "--fail-on", "info"],
    ["validate", "{tmp}/absent.jsonl"],
    ["validate", "{tmp}/*.nothing"],
    # stats
    ["stats", "{good}", "--as-of", "soon"],
    ["stats", "{good}", "--as-of", "NaT"],
    ["stats", "{good}", "--as-of", "1e30"],
    ["stats", "{good}", "--prices", "{tmp}/missing.csv"],
    ["stats", "{good}", "--prices", "{tmp}"],
    ["stats", "{good}", "--prices", "{file}"],
    ["stats", "{good}", "--top", "-1"],
    ["stats", "{good}", "--top", "x"],
    ["stats", "{good}", "--by", ""],
    ["stats", "{good}", "--by", "colour"],
    ["stats", "{good}", "--what", "cost"],
    ["stats", "{good}", "--format", "csv"],
    # gantt
    ["gantt", "{good}", "-o", "{file}/x.png"],
    ["gantt", "{good}", "-o", "{tmp}/missing/x.png"],
    ["gantt", "{good}", "-o", "{tmp}/x.gif"],
    ["gantt", "{good}", "-o", "{tmp}/x.png", "--dpi", "0"],
    ["gantt", "{good}", "-o", "{tmp}/x.png", "--jobs", "many"],
    ["gantt", "{good}", "-o", "{tmp}/x.png", "--as-of", "soon"],
    ["gantt", "{good}", "-o", "{tmp}/x.png", "--sort-by", "Nonsense"],
    # report
    ["report", "{good}", "-o", "{file}"],
    ["report", "{good}", "-o", "{file}/sub"],
    ["report", "{good}", "-o", "{tmp}/missing/dir"],
    ["report", "{good}", "-o", "{tmp}/r", "--as-of", "yesterday-ish"],
    ["report", "{good}", "-o", "{tmp}/r", "--tz", "Mars/Base"],
    ["report", "{good}", "-o", "{tmp}/r", "--machine", "{tmp}"],
    # diagram
    ["diagram", "--dpi", "0"],
    ["diagram", "-o", "{file}/x.svg"],
    ["diagram", "-o", "{tmp}/x.gif"],
    ["diagram", "--format", "png"],
    ["diagram", "--machine", "{file}"],
    # convert
    ["convert", "{good}", "-o", "{file}/x.csv"],
    ["convert", "{good}", "-o", "{tmp}/missing/x.csv"],
    ["convert", "{good}", "-o", "{tmp}/x.txt"],
    ["convert", "{good}", "-o", "{tmp}/x.csv", "--jobs-out", "{file}/j.csv"],
    ["convert", "{good}", "-o", "{tmp}/x.csv", "--jobs-out", "-"],
    # simulate
    ["simulate", "-o", "{file}/x.jsonl"],
    ["simulate", "-o", "{tmp}/x.jsonl", "--truth", "{file}/t.csv"],
    ["simulate", "-o", "{tmp}/x.jsonl", "--start", "garbage"],
    ["simulate", "-o", "{tmp}/x.jsonl", "-n", "-1"],
    ["simulate", "-o", "{tmp}/x.jsonl", "--corrupt-share", "2"],
    ["simulate", "-o", "{tmp}/x.jsonl", "--growth", "nan"],
    # fetch (no network: each fails before any request)
    ["fetch", "-o", "{tmp}/f.jsonl", "--since", "garbage"],
    ["fetch", "-o", "{tmp}/f.jsonl", "--since", "7x"],
    ["fetch", "-o", "{tmp}/f.jsonl", "--until", "1000000000d"],
    ["fetch", "-o", "{tmp}/f.jsonl", "--since", "1d", "--until", "2d"],
    ["fetch", "-o", "{file}/f.jsonl"],
    ["fetch", "-o", "{tmp}/f.jsonl", "--max-workers", "0"],
    # the parser itself
    [],
    ["nocommand"],
    ["validate", "--no-such-option"],
]


@pytest.mark.parametrize("argv", BAD_OPTIONS, ids=" ".join)
def test_bad_options_exit_2_with_one_line(capsys, tmp_path, good, argv):
    afile = tmp_path / "afile"
    afile.write_text("not a machine, a folder or a price list\n")
    code = main([a.format(good=good, tmp=tmp_path, file=afile) for a in argv])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1, err
    assert err.startswith("smstatus")
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes read-only folders"
)
@pytest.mark.parametrize(
    "argv",
    [
        ["gantt", "{good}", "-o", "{ro}/x.png"],
        ["report", "{good}", "-o", "{ro}/r"],
        ["convert", "{good}", "-o", "{ro}/x.csv"],
    ],
)
def test_a_read_only_folder_exits_2(capsys, tmp_path, good, argv):
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    code = main([a.format(good=good, ro=ro) for a in argv])
    _, err = capsys.readouterr()
    assert code == 2 and "not writable" in err and err.count("\n") == 1


def test_an_internal_error_is_one_line(monkeypatch, capsys, good):
    def boom(args):
        raise RuntimeError("the\nunexpected")

    monkeypatch.setattr("smstatus.cli.validate.run", boom)
    monkeypatch.delenv("SMSTATUS_TRACEBACK", raising=False)
    assert main(["validate", str(good)]) == 2
    err = capsys.readouterr().err
    assert err == (
        "smstatus validate: internal error: RuntimeError: the unexpected (a bug of smstatus: "
        "please report it with the command line; SMSTATUS_TRACEBACK=1 shows where it happened)\n"
    )
    monkeypatch.setenv("SMSTATUS_TRACEBACK", "1")
    with pytest.raises(RuntimeError):
        main(["validate", str(good)])


def test_ctrl_c_exits_130(monkeypatch, capsys, good):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("smstatus.cli.validate.run", interrupted)
    assert main(["validate", str(good)]) == 130
    assert capsys.readouterr().err == "smstatus validate: interrupted\n"
