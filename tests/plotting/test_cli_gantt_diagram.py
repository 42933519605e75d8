"""`smstatus gantt` and `smstatus diagram` through main(), without a subprocess."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from smstatus.cli import main

MAGIC = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}


@pytest.fixture
def inputs(data_dir):
    return [str(data_dir / "describe"), str(data_dir / "sdk-logs")]


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_gantt_writes_the_picture(inputs, tmp_path, fmt, capsys):
    out = tmp_path / f"g.{fmt}"
    assert main(["gantt", *inputs, "-o", str(out), "--dpi", "40"]) == 0
    assert out.read_bytes().startswith(MAGIC[fmt])
    assert "9 jobs, sorted by start" in capsys.readouterr().err
    assert plt.get_fignums() == []  # no figure left open


def test_gantt_options_reach_the_plot(inputs, tmp_path, capsys):
    out = tmp_path / "g.png"
    args = ["gantt", *inputs, "-o", str(out), "--jobs", "3", "--align", "start", "--dpi", "30"]
    assert main([*args, "--sort-by", "wall", "--as-of", "2025-06-01T00:00:00Z"]) == 0
    err = capsys.readouterr().err
    assert "showing 3 of 9 jobs, sorted by wall time" in err
    assert "hatched up to 2025-06-01 00:00:00 UTC" in err
    assert (
        main(["gantt", *inputs, "-o", str(out), "--jobs", "all", "--violations", "--dpi", "30"])
        == 0
    )
    assert "9 jobs" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "g.gif"], "name the file .png, .svg or .pdf"),
        (["-o", "g.png", "--sort-by", "Nope"], "sort_by must be"),
        (["-o", "g.png", "--as-of", "yesterday-ish"], "--as-of: 'yesterday-ish' is not a time"),
        (["-o", "missing-dir/g.png"], "cannot write"),
    ],
)
def test_gantt_usage_errors_exit_2(inputs, tmp_path, monkeypatch, capsys, extra, message):
    monkeypatch.chdir(tmp_path)
    assert main(["gantt", *inputs, *extra]) == 2
    assert message in capsys.readouterr().err


def test_gantt_needs_an_output(inputs, capsys):
    assert main(["gantt", *inputs]) == 2
    assert "-o" in capsys.readouterr().err


def test_diagram_prints_mermaid(capsys):
    assert main(["diagram"]) == 0
    out = capsys.readouterr().out
    assert "stateDiagram-v2" in out
    assert "Starting --> Downloading" in out
    assert "Completed --> [*]" in out


def test_diagram_mermaid_to_a_file_with_a_custom_machine(tmp_path, capsys):
    machine = tmp_path / "m.json"
    machine.write_text(
        json.dumps(
            {
                "version": "v1+ours",
                "add_statuses": [{"name": "Queued", "primary": "InProgress"}],
                "add_edges": [{"source": "Queued", "dest": "Starting", "basis": ["seen"]}],
            }
        )
    )
    out = tmp_path / "m.mmd"
    assert main(["diagram", "--machine", str(machine), "-o", str(out)]) == 0
    text = out.read_text()
    assert "Queued --> Starting" in text and "v1+ours" in text
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_diagram_pictures_plain_and_annotated(inputs, tmp_path, fmt):
    plain, annotated = tmp_path / f"plain.{fmt}", tmp_path / f"annotated.{fmt}"
    assert main(["diagram", "-o", str(plain), "--dpi", "30"]) == 0
    assert main(["diagram", *inputs, "--format", fmt, "-o", str(annotated), "--dpi", "30"]) == 0
    for path in (plain, annotated):
        assert path.read_bytes().startswith(MAGIC[fmt])
    if fmt == "svg":
        assert "machine-label:" not in plain.read_text()
        assert "machine-label:Starting-&gt;Downloading" in annotated.read_text()
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "png"], "needs -o FILE"),
        (["-o", "m.gif"], "cannot tell the format"),
        (["--machine", "missing.json"], "no such machine file"),
        (["-o", "missing-dir/m.svg"], "does not exist"),
    ],
)
def test_diagram_usage_errors_exit_2(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["diagram", *args]) == 2
    assert message in capsys.readouterr().err


def test_gantt_without_input_draws_the_bundled_sample(tmp_path, capsys):
    out = tmp_path / "sample.png"
    assert main(["gantt", "-o", str(out), "--dpi", "30"]) == 0
    assert out.read_bytes().startswith(MAGIC["png"])
    assert "showing the latest 200 of" in capsys.readouterr().err
