"""Progress reporting while loading: the bytes reported add up to the inputs' sizes."""

from __future__ import annotations

import io
import sys

import pytest

import smstatus
from smstatus.io.inputs import expand_inputs

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[2] / "benchmarks"))
from _data import describe_lines


def test_small_files_are_counted_whole(data_dir):
    seen: list[int] = []
    h = smstatus.load(data_dir, progress=seen.append)
    files = expand_inputs(data_dir)
    assert sum(seen) == sum(f.size for f in files)
    assert len(seen) == len(files)
    assert h.n_jobs > 0


def test_big_jsonl_is_reported_block_by_block(tmp_path, monkeypatch):
    from smstatus.io import describe
    from smstatus.io._fastjsonl import read_describe_jsonl

    path = tmp_path / "big.jsonl"
    path.write_bytes(b"".join(describe_lines(300, seed=3)))
    monkeypatch.setattr(describe, "FAST_PATH_MIN_BYTES", 1)
    seen: list[int] = []
    h = smstatus.load(path, progress=seen.append)  # through load: the fast path reports
    assert h.n_jobs == 300 and sum(seen) == path.stat().st_size
    blocks: list[int] = []
    (file,) = expand_inputs(path)
    read_describe_jsonl(file, block_size=64 * 1024, progress=blocks.append)
    assert len(blocks) > 5 and sum(blocks) == path.stat().st_size


def test_cli_shows_a_bar_only_on_a_terminal_for_big_inputs(tmp_path, monkeypatch):
    pytest.importorskip("tqdm")
    from smstatus.cli import _common

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    path = tmp_path / "jobs.jsonl"
    path.write_bytes(b"".join(describe_lines(50, seed=1)))
    args = type("Args", (), {"inputs": [str(path)], "source": "auto", "tz": "UTC"})()
    quiet = Tty()
    _common.load_inputs(args, stderr=quiet)
    assert "loading" not in quiet.getvalue()  # too small for a bar
    monkeypatch.setattr(_common, "PROGRESS_MIN_BYTES", 1)
    loud = Tty()
    assert _common.load_inputs(args, stderr=loud).n_jobs == 50
    assert "loading" in loud.getvalue()
    plain = io.StringIO()  # not a terminal: no bar
    _common.load_inputs(args, stderr=plain)
    assert plain.getvalue() == ""
