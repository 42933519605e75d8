"""Input files that fight back: unreadable, looping, cut, fake or exploding gzip, pipes, deep
JSON, the temporaries of atomic writes. Each is one reject naming it; the rest loads."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import smstatus
import smstatus.io.inputs
from smstatus.errors import InputNotFoundError, ParseError
from smstatus.io.inputs import expand_inputs

GOOD = Path(__file__).parents[1] / "data" / "describe" / "desc-xgb-20250516.json"


def _record(name: str) -> dict:
    doc = json.loads(GOOD.read_text(encoding="utf-8"))
    doc["TrainingJobName"] = name
    return doc


def _jsonl(*names: str) -> bytes:
    return b"".join(json.dumps(_record(n)).encode() + b"\n" for n in names)


def test_a_cut_gzip_loads_the_records_before_the_cut(tmp_path: Path) -> None:
    whole = gzip.compress(_jsonl("a", "b", "c") + b" " * 200_000, mtime=0)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) - 30])
    history = smstatus.load(path, errors="collect")
    assert list(history.jobs.job_name) == ["a", "b", "c"]
    assert history.unparsed.reason.str.contains("ends early").all()
    with pytest.raises(ParseError, match="ends early"):
        smstatus.load(path)


def test_a_fake_gzip_is_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "fake.json.gz"
    path.write_bytes(b"\x1f\x8b" + b"not gzip at all" * 10)
    with pytest.raises(ParseError, match="not a gzip stream") as info:
        smstatus.load(path)
    assert str(path) in str(info.value)


def test_the_expansion_limit_stops_a_gzip_bomb_as_it_streams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smstatus.io.inputs, "MAX_EXPANDED_BYTES", 1 << 20)
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(_jsonl("a") + b" " * (64 << 20), mtime=0))
    with expand_inputs(path)[0].open() as stream:
        read = 0
        with pytest.raises(ParseError, match="MAX_EXPANDED_BYTES"):
            while block := stream.read(1 << 16):
                read += len(block)
    assert read <= (1 << 20)  # never more than the limit came out
    history = smstatus.load(path, errors="collect")
    assert history.n_jobs == 1 and "1,048,576 bytes" in history.unparsed.reason.iloc[0]


def test_json_nested_too_deeply_is_a_reject_of_its_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    deep = b"[" * 100_000 + b"]" * 100_000
    path.write_bytes(_jsonl("a") + deep + b"\n" + _jsonl("c"))
    history = smstatus.load(path, errors="collect")
    assert list(history.jobs.job_name) == ["a", "c"]
    assert history.unparsed.line.tolist() == [2]
    assert "nested too deeply" in history.unparsed.reason.iloc[0]


def test_a_deep_json_document_is_a_reject(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    with pytest.raises(ParseError, match="nested too deeply"):
        smstatus.load(path)


def test_hidden_files_and_atomic_temporaries_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_bytes(GOOD.read_bytes())
    (tmp_path / ".good.json.0123456789ab.tmp").write_bytes(b'{"TrainingJobName": "half')
    temp_folder = tmp_path / ".report.0123456789ab.tmp"
    temp_folder.mkdir()
    (temp_folder / "jobs.json").write_bytes(b"[")
    files = expand_inputs(tmp_path)
    assert [Path(f.name).name for f in files] == ["good.json"]


def test_a_broken_link_in_a_folder_is_a_reject(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_bytes(GOOD.read_bytes())
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere.json")
    history = smstatus.load(tmp_path, errors="collect")
    assert history.n_jobs == 1
    assert history.unparsed.file.str.endswith("gone.json").all()
    assert "broken symbolic link" in history.unparsed.reason.iloc[0]


def test_a_missing_path_still_raises(tmp_path: Path) -> None:
    with pytest.raises(InputNotFoundError):
        expand_inputs(tmp_path / "nope.json")


def test_a_named_pipe_is_read_once_like_stdin(tmp_path: Path) -> None:
    pipe = tmp_path / "jobs.jsonl"
    os.mkfifo(pipe)
    writer = subprocess.Popen(
        [sys.executable, "-c", f"open({str(pipe)!r}, 'wb').write({_jsonl('a', 'b')!r})"]
    )
    try:
        history = smstatus.load(pipe)  # detection and reading both use the bytes read once
    finally:
        writer.wait(10)
    assert list(history.jobs.job_name) == ["a", "b"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_process_substitution_on_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "jobs.jsonl.gz"
    data.write_bytes(gzip.compress(_jsonl("a") + b"{broken\n"))
    command = f"{sys.executable} -m smstatus validate <(cat {data}); echo rc=$?"
    proc = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=120, check=False
    )
    assert "rc=1" in proc.stdout, proc.stderr
    assert "/dev/fd/" in proc.stderr and "Traceback" not in proc.stderr


def test_stdin_is_read_when_first_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    files = expand_inputs("-")  # nothing read yet
    stdin = io.TextIOWrapper(io.BytesIO(gzip.compress(_jsonl("a"))))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert smstatus.load(files).jobs.job_name.tolist() == ["a"]
    assert files[0].size is not None and files[0].compressed
