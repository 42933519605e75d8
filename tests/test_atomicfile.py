"""Atomic writes: the previous file or the new one, never half of one, even after kill -9."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from smstatus import atomicfile
from smstatus.atomicfile import (
    atomic_folder,
    atomic_named_path,
    atomic_open,
    atomic_path,
    remove_stale_temporaries,
    resolve_target,
    write_bytes_atomic,
    write_text_atomic,
)
from smstatus.io import expand_inputs


class Boom(Exception):
    pass


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_writes_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_text_atomic(target, "héllo\n")
    assert target.read_text(encoding="utf-8") == "héllo\n"
    assert _leftovers(tmp_path) == []


def test_replaces_an_existing_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old" * 1000)
    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"


def test_an_exception_keeps_the_previous_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("previous")
    with pytest.raises(Boom), atomic_open(target) as stream:
        stream.write("half of the new")
        raise Boom
    assert target.read_text() == "previous"
    assert _leftovers(tmp_path) == []


def test_an_exception_creates_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(Boom), atomic_open(target, "wb") as stream:
        stream.write(b"x")
        raise Boom
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_is_hidden_and_beside_the_target(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    (tmp_path / "other.json").write_text("{}")
    with atomic_path(target) as temp:
        assert temp.parent == tmp_path
        assert temp.name.startswith(".out.csv.") and temp.name.endswith(".tmp")
        temp.write_text("x")
        assert [f.path for f in expand_inputs(tmp_path)] == [tmp_path / "other.json"]
    assert target.read_text() == "x"


def test_keeps_the_mode_of_an_existing_target(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    write_text_atomic(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_new_target_respects_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "a.txt", "x")
        with atomic_path(tmp_path / "b.png") as temp:
            temp.write_bytes(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "b.png").stat().st_mode) == 0o640


def test_a_symlinked_target_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real" / "data.txt"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(Path("real") / "data.txt")
    write_text_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"
    assert _leftovers(real.parent) == [] and _leftovers(tmp_path) == []


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "later.txt")
    write_text_atomic(link, "x")
    assert link.is_symlink() and (tmp_path / "later.txt").read_text() == "x"


def test_a_symlink_loop_is_an_os_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError, match="symbolic links"):
        resolve_target(tmp_path / "a")


def test_a_writer_that_creates_nothing_fails(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_path(tmp_path / "x.png"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_with_a_real_writer(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = tmp_path / "t.parquet"
    with atomic_path(target) as temp:
        pq.write_table(pa.table({"a": [1, 2]}), temp)
    assert pq.read_table(target).column("a").to_pylist() == [1, 2]


def test_atomic_named_path_gives_the_target_name_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "t.csv.gz"
    target.write_text("old")
    with atomic_named_path(target) as temp:
        assert temp.name == "t.csv.gz" and temp.parent.name.startswith(".t.csv.gz.")
        temp.write_text("new")
    assert target.read_text() == "new"
    with pytest.raises(RuntimeError), atomic_named_path(target) as temp:
        temp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "new"
    with pytest.raises(FileNotFoundError), atomic_named_path(target):
        pass
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv.gz"]


def test_an_unwritable_folder_raises_before_touching_anything(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_text_atomic(tmp_path / "missing" / "x.txt", "x")


def test_atomic_folder_new_and_replaced(tmp_path: Path) -> None:
    target = tmp_path / "report"
    with atomic_folder(target) as temp:
        (temp / "index.html").write_text("one")
    assert (target / "index.html").read_text() == "one"
    with atomic_folder(target) as temp:
        (temp / "other.csv").write_text("two")
    assert sorted(p.name for p in target.iterdir()) == ["other.csv"]
    assert _leftovers(tmp_path) == []


def test_atomic_folder_keeps_the_previous_folder_on_error(tmp_path: Path) -> None:
    target = tmp_path / "report"
    target.mkdir()
    (target / "index.html").write_text("previous")
    with pytest.raises(Boom), atomic_folder(target) as temp:
        (temp / "index.html").write_text("half")
        raise Boom
    assert (target / "index.html").read_text() == "previous"
    assert _leftovers(tmp_path) == []


def test_atomic_folder_will_not_replace_a_file(tmp_path: Path) -> None:
    target = tmp_path / "report"
    target.write_text("a file")
    with pytest.raises(NotADirectoryError), atomic_folder(target) as temp:
        (temp / "x").write_text("x")
    assert target.read_text() == "a file"
    assert _leftovers(tmp_path) == []


def test_remove_stale_temporaries_removes_only_its_own(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    stale = tmp_path / ".out.csv.0123456789ab.tmp"
    stale.write_text("partial")
    stale_folder = tmp_path / ".out.csv.ba9876543210.tmp"
    stale_folder.mkdir()
    keep = [tmp_path / ".out.csv.notours.tmp", tmp_path / ".other.0123456789ab.tmp"]
    for path in keep:
        path.write_text("x")
    removed = remove_stale_temporaries(target)
    assert sorted(removed) == sorted([stale, stale_folder])
    assert all(p.exists() for p in keep) and not stale.exists()


# -- kill -9 in the middle of a write ----------------------------------------------------------

CHUNK = 64 * 1024
CHUNKS = 64
WRITER = textwrap.dedent(
    """
    import importlib.util, sys, time
    # the module alone (stdlib only), not the package: the child starts in milliseconds
    spec = importlib.util.spec_from_file_location("atomicfile", sys.argv[3])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    atomic_open = module.atomic_open
    target, marker = sys.argv[1], sys.argv[2].encode()
    with atomic_open(target, "wb") as stream:
        print("writing", flush=True)
        for _ in range({chunks}):
            stream.write(marker * {chunk})
            stream.flush()
            time.sleep(0.004)
    print("done", flush=True)
    """
).format(chunks=CHUNKS, chunk=CHUNK)


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 is POSIX")
def test_kill_9_leaves_the_previous_file_or_the_new_one(tmp_path: Path) -> None:
    target = tmp_path / "big.bin"
    rng = random.Random(9)
    size = CHUNK * CHUNKS
    target.write_bytes(b"0" * size)
    previous = b"0"
    outcomes = set()
    for i, marker in enumerate(b"abcdef"):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target), chr(marker), atomicfile.__file__],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "writing"
        # the last run is left to finish; the others die somewhere in the write (~0.3 s)
        if i < 5:
            time.sleep(rng.uniform(0.0, 0.3))
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        data = target.read_bytes()
        assert len(data) == size
        first = data[:1]
        assert data == first * size, "a partial file is visible"
        assert first in (previous, bytes([marker]))
        outcomes.add("new" if first == bytes([marker]) else "previous")
        previous = first
        assert expand_inputs(tmp_path)[0].path == target  # stray temporaries stay hidden
        assert len(expand_inputs(tmp_path)) == 1
    assert "previous" in outcomes and previous == b"f"
    remove_stale_temporaries(target)
    assert _leftovers(tmp_path) == []
