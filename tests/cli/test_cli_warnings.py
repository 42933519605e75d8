"""Warnings on the command line: one line each, said once, never Python's two-line form."""

from __future__ import annotations

import json

import pytest

import smstatus
from smstatus.cli import main


@pytest.fixture
def twice(tmp_path):
    """Two files holding the same five jobs: each analysis warns of the repeated names."""
    lines = [json.dumps(r) for r in smstatus.simulate(5, seed=2)]
    for name in ("a.jsonl", "b.jsonl"):
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    return tmp_path


@pytest.mark.parametrize(
    "command",
    [["stats"], ["stats", "--format", "json"], ["report", "-o", "{out}", "--no-progress"]],
)
def test_a_warning_of_many_analyses_is_one_line_said_once(capsys, twice, tmp_path, command):
    argv = [arg.replace("{out}", str(tmp_path / "report")) for arg in command]
    code = main([argv[0], str(twice), *argv[1:]])
    err = capsys.readouterr().err
    assert code == 0
    said = [line for line in err.splitlines() if "appear more than once" in line]
    assert len(said) == 1 and said[0].startswith("warning: 5 job name(s)")
    assert "UserWarning" not in err and ".py:" not in err
