"""The benchmark harness: figures are ratios against baselines timed in the same run."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from _data import SHAPES, describe_jsonl, read_bytes_seconds


@dataclass
class Figure:
    """One measured figure: ours against a baseline, with the target ratio.

    ``ratio`` is ``baseline_s / seconds`` when ``faster_than`` (we must be at least ``target``
    times faster), or ``seconds / baseline_s`` when ``within`` (we must take at most ``target``
    times the baseline). A figure without a target (``None``) is printed for information and
    never missed; a figure with ``skipped`` set (the reason) was not measured.
    """

    name: str
    seconds: float
    baseline: str
    baseline_s: float
    target: float | None
    kind: str = "faster_than"  # or "within"
    extra: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None

    @classmethod
    def skip(cls, name: str, baseline: str, reason: str) -> Figure:
        """A figure that could not be measured, and why."""
        return cls(name, math.nan, baseline, math.nan, None, skipped=reason)

    @property
    def ratio(self) -> float:
        if self.kind == "faster_than":
            return self.baseline_s / self.seconds if self.seconds else float("inf")
        return self.seconds / self.baseline_s if self.baseline_s else float("inf")

    @property
    def ok(self) -> bool:
        """Met (or nothing to meet: no target, or skipped)."""
        if self.skipped is not None or self.target is None:
            return True
        return (
            self.ratio >= self.target if self.kind == "faster_than" else self.ratio <= self.target
        )

    @property
    def status(self) -> str:
        if self.skipped is not None:
            return "skip"
        if self.target is None:
            return "info"
        return "ok  " if self.ok else "MISS"

    def line(self) -> str:
        if self.skipped is not None:
            return f"[skip] {self.name} vs {self.baseline}: {self.skipped}"
        target = "" if self.target is None else f" (target {self._sign} {self.target:g}x)"
        if self.kind == "faster_than":
            claim = f"{self.ratio:7.1f}x faster than {self.baseline}{target}"
        else:
            claim = f"{self.ratio:7.2f}x the time of {self.baseline}{target}"
        extra = "".join(f", {k}={v}" for k, v in self.extra.items())
        return (
            f"[{self.status}] {self.name}: {self.seconds:.2f}s vs {self.baseline_s:.2f}s: "
            f"{claim}{extra}"
        )

    @property
    def _sign(self) -> str:
        return ">=" if self.kind == "faster_than" else "<="


@dataclass
class ChildRun:
    """A command run in a fresh Python process: wall time, peak RSS, exit code, output."""

    seconds: float
    peak_bytes: int
    returncode: int
    stdout: str
    stderr: str

    @property
    def peak_gb(self) -> float:
        return self.peak_bytes / 1e9


# The child's peak is its own VmHWM (high-water RSS of its address space): ``ru_maxrss`` would
# not do, since Linux carries the parent's peak across fork and exec into the child's figure.
_PEAK = """
def _peak():
    try:
        with open("/proc/self/status") as status:
            return next(int(ln.split()[1]) for ln in status if ln.startswith("VmHWM:")) * 1024
    except OSError:  # no /proc (macOS): ru_maxrss, in bytes there
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
# ``python -m smstatus ARGS`` (runpy, as -m does), writing the peak RSS to a file at exit
_CLI = (
    _PEAK
    + """
import runpy, sys
peak_file = sys.argv.pop(1)
try:
    runpy.run_module("smstatus", run_name="__main__", alter_sys=True)
finally:
    with open(peak_file, "w") as out:
        out.write(str(_peak()))
"""
)


def run_cli(args: list[str], *, keep_stdout: bool = False) -> ChildRun:
    """Run ``python -m smstatus ARGS`` in a child; its wall time (start-up included) and peak.

    Its standard output goes to ``/dev/null`` unless ``keep_stdout``.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak:
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _CLI, peak.name, *args],
            stdout=subprocess.PIPE if keep_stdout else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - t0
        text = peak.read().strip()
    return ChildRun(seconds, int(text or 0), done.returncode, done.stdout or "", done.stderr)


def child_python(code: str, *args: str) -> list[str]:
    """Run ``code`` in a fresh Python with ``_peak()`` defined; the words it prints."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK + code, *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"child failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout.split()


@dataclass
class Context:
    """What a benchmark gets: the number of jobs, the shared data, a timer."""

    n_jobs: int
    workdir: Path
    cold_read: bool = False
    shapes: tuple[str, ...] = tuple(SHAPES)
    _read_s: dict[Path, float] = field(default_factory=dict, repr=False)

    @cached_property
    def describe_jsonl(self) -> Path:
        """The generated describe JSONL of ``n_jobs`` jobs in the first shape (cached on disk)."""
        return self.jsonl(self.shapes[0])

    def jsonl(self, shape: str) -> Path:
        """The generated describe JSONL of ``n_jobs`` jobs in ``shape`` (cached on disk)."""
        return describe_jsonl(self.n_jobs, shape=shape)

    def read_bytes_s(self, path: Path | None = None) -> float:
        """Best of three times to read a file's bytes (the page cache warmed first)."""
        path = path or self.describe_jsonl
        if path not in self._read_s:
            read_bytes_seconds(path)
            self._read_s[path] = min(read_bytes_seconds(path) for _ in range(3))
        return self._read_s[path]

    def cold_read_bytes_s(self, path: Path | None = None) -> float | None:
        """Time to read a file's bytes from disk, the page cache dropped first.

        ``None`` unless asked for (``--cold-read``) and where the page cache cannot be
        dropped (it needs root on Linux).
        """
        if not self.cold_read:
            return None
        path = path or self.describe_jsonl
        try:
            os.sync()
            with open("/proc/sys/vm/drop_caches", "w") as fh:
                fh.write("3\n")
        except OSError:
            return None
        seconds = read_bytes_seconds(path)
        read_bytes_seconds(path)  # warm again for what follows
        return seconds

    def read_baselines(self, path: Path | None = None) -> list[tuple[str, float]]:
        """The byte-reading baselines of a file: ``(label, seconds)``.

        The read from the page cache always; the read from disk with ``--cold-read``.
        """
        baselines = [("reading the file's bytes (page cache)", self.read_bytes_s(path))]
        cold = self.cold_read_bytes_s(path)
        if cold is not None:
            baselines.append(("reading the file's bytes from disk (cache dropped)", cold))
        return baselines

    @staticmethod
    def timed(fn: Callable[[], Any], *, repeat: int = 1) -> tuple[float, Any]:
        """Best time of ``repeat`` calls of ``fn`` and its last result."""
        best, result = float("inf"), None
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - t0)
        return best, result
