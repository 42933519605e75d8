"""The fetch cache under faults: permissions kept, symlinks followed, one lock per real file,
a full disk, a kill -9 in the middle of a rewrite."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import smstatus.fetch.cache
from smstatus.errors import CacheLockedError
from smstatus.fetch.cache import CacheWriteError, DescribeCache

T0 = "2024-01-01T00:00:00Z"


def _response(name: str, status: str = "Completed", **extra: Any) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "TrainingJobStatus": status,
        "HyperParameters": {"secret": "s3://bucket/key"},
        "SecondaryStatusTransitions": [{"Status": "Starting", "StartTime": T0}],
        **extra,
    }


def _names(path: Path) -> list[str]:
    return [json.loads(line)["TrainingJobName"] for line in path.read_text().splitlines()]


def _fill(path: Path, names: list[str], status: str = "InProgress") -> None:
    with DescribeCache(path) as cache:
        for name in names:
            cache.add(_response(name, status))


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_rewrite_keeps_the_file_mode_and_the_journal_gets_it(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    _fill(path, ["a", "b"])
    path.chmod(0o600)
    cache = DescribeCache(path).open()
    cache.add(_response("a", "Completed"))  # a refresh: goes to the journal
    assert _mode(cache.journal_path) == 0o600
    cache.close()  # merges the journal: a rewrite
    assert _mode(path) == 0o600
    assert _names(path) == ["a", "b"]
    assert json.loads(path.read_text().splitlines()[0])["TrainingJobStatus"] == "Completed"


def test_symlinked_cache_is_followed_and_the_link_kept(tmp_path: Path) -> None:
    real = tmp_path / "store" / "jobs.jsonl"
    real.parent.mkdir()
    _fill(real, ["a"])
    link = tmp_path / "jobs.jsonl"
    link.symlink_to(real)
    with DescribeCache(link) as cache:
        cache.add(_response("a", "Completed"))
        cache.add(_response("b"))
    assert link.is_symlink() and link.resolve() == real
    assert _names(real) == ["a", "b"]
    assert not list(tmp_path.glob(".jobs.jsonl*"))  # no journal or lock beside the link


def test_two_paths_to_one_file_share_one_lock(tmp_path: Path) -> None:
    real = tmp_path / "jobs.jsonl"
    _fill(real, ["a"])
    link = tmp_path / "other-name.jsonl"
    link.symlink_to(real)
    with DescribeCache(link), pytest.raises(CacheLockedError):
        DescribeCache(real).open()
    with DescribeCache(real), pytest.raises(CacheLockedError):
        DescribeCache(link).open()


class _FullDisk:
    """A file object whose next write stores half its bytes, then fails as a full disk."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def write(self, data: bytes) -> int:
        self.real.write(data[: len(data) // 2])
        self.real.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_full_disk_on_append_keeps_whole_lines_and_unlocks(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    _fill(path, ["a", "b"], status="Completed")
    before = path.read_bytes()
    cache = DescribeCache(path).open()
    cache._main = _FullDisk(cache._main)  # type: ignore[assignment]
    with pytest.raises(CacheWriteError, match="No space left on device") as info:
        cache.add(_response("c"))
    assert isinstance(info.value, smstatus.errors.SmStatusError)
    assert path.read_bytes() == before  # the half line is cut off again
    assert cache.add(_response("d")) is False  # the cache is closed
    cache.close()
    with DescribeCache(path) as again:  # unlocked, nothing to repair
        assert again.names == ["a", "b"] and not again.notes
        again.add(_response("c"))
    assert _names(path) == ["a", "b", "c"]


def test_full_disk_in_the_journal_is_merged_by_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    _fill(path, ["a", "b"])
    cache = DescribeCache(path).open()
    cache.add(_response("a", "Completed"))
    cache._journal = _FullDisk(cache._journal)  # type: ignore[assignment]
    with pytest.raises(CacheWriteError):
        cache.add(_response("b", "Completed"))
    with DescribeCache(path) as again:
        assert again.status("a") == "Completed" and again.status("b") == "InProgress"
    assert _names(path) == ["a", "b"]


def test_full_disk_in_the_rewrite_leaves_file_and_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "jobs.jsonl"
    _fill(path, ["a", "b"])
    before = path.read_bytes()
    cache = DescribeCache(path).open()
    cache.add(_response("b", "Failed"))
    real_open = smstatus.fetch.cache.atomic_open

    @contextlib.contextmanager
    def full(*args: Any, **kwargs: Any) -> Iterator[Any]:
        with real_open(*args, **kwargs) as stream:
            yield _FullDisk(stream)

    monkeypatch.setattr(smstatus.fetch.cache, "atomic_open", full)
    with pytest.raises(CacheWriteError):
        cache.close()
    assert path.read_bytes() == before
    assert cache.journal_path.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["jobs.jsonl", ".jobs.jsonl.refresh", ".jobs.jsonl.lock"]
    )  # no temporary left
    monkeypatch.setattr(smstatus.fetch.cache, "atomic_open", real_open)
    with DescribeCache(path) as again:  # unlocked; the journal merged
        assert again.status("b") == "Failed"
    assert not cache.journal_path.exists()


_KILLED_REWRITE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import smstatus.atomicfile
    from smstatus.fetch.cache import DescribeCache

    path, ready = Path(sys.argv[1]), Path(sys.argv[2])
    real_commit = smstatus.atomicfile._commit

    def stall(temp, target, mode):  # the temporary written whole, not yet renamed
        ready.with_suffix(".part").write_text(str(temp))
        ready.with_suffix(".part").rename(ready)
        time.sleep(60)

    smstatus.atomicfile._commit = stall
    cache = DescribeCache(path).open()
    for name in ("a", "b", "c"):
        cache.add({"TrainingJobName": name, "TrainingJobStatus": "Completed"})
    cache.close()
    """
)


def test_cache_rewrite_killed_leaves_the_previous_file_and_the_next_open_repairs(
    tmp_path: Path,
) -> None:
    path = tmp_path / "jobs.jsonl"
    _fill(path, ["a", "b", "c"])
    before = path.read_bytes()
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_REWRITE, str(path), str(ready)])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert ready.exists(), "the rewrite never started"
        temp = Path(ready.read_text())
        assert temp.exists()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert path.read_bytes() == before  # the previous file, whole
    with DescribeCache(path) as cache:  # the journal merged, the temporary removed
        assert [cache.status(n) for n in ("a", "b", "c")] == ["Completed"] * 3
    assert not temp.exists()
    assert _names(path) == ["a", "b", "c"]


# -- a real full disk: a tiny tmpfs (root only) ------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12k", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_fetch_onto_a_full_disk_is_one_error_and_the_next_run_resumes(
    sm: Any, tiny_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_cli_fetch import fetch

    from moto_server import KINDS

    names = sm.create_jobs(KINDS * 6)
    path = tiny_disk / "jobs.jsonl"
    code = fetch(sm, path)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "No space left on device" in err
    assert "run the same command again" in err
    saved = _names(path) if path.exists() else []
    assert len(saved) < len(names) and len(set(saved)) == len(saved)
    subprocess.run(["mount", "-o", "remount,size=1m", str(tiny_disk)], check=True)
    assert fetch(sm, path) == 0
    assert sorted(_names(path)) == sorted(names)
