"""The benchmark harness: figures are ratios against baselines timed in the same run."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from _data import describe_jsonl, read_bytes_seconds


@dataclass
class Figure:
    """One measured figure: ours against a baseline, with the target ratio.

    ``ratio`` is ``baseline_s / seconds`` when ``faster_than`` (we must be at least ``target``
    times faster), or ``seconds / baseline_s`` when ``within`` (we must take at most ``target``
    times the baseline).
    """

    name: str
    seconds: float
    baseline: str
    baseline_s: float
    target: float
    kind: str = "faster_than"  # or "within"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        if self.kind == "faster_than":
            return self.baseline_s / self.seconds if self.seconds else float("inf")
        return self.seconds / self.baseline_s if self.baseline_s else float("inf")

    @property
    def ok(self) -> bool:
        return (
            self.ratio >= self.target if self.kind == "faster_than" else self.ratio <= self.target
        )

    def line(self) -> str:
        if self.kind == "faster_than":
            claim = f"{self.ratio:7.1f}x faster than {self.baseline} (target >= {self.target:g}x)"
        else:
            claim = f"{self.ratio:7.2f}x the time of {self.baseline} (target <= {self.target:g}x)"
        extra = "".join(f", {k}={v}" for k, v in self.extra.items())
        status = "ok  " if self.ok else "MISS"
        return (
            f"[{status}] {self.name}: {self.seconds:.2f}s vs {self.baseline_s:.2f}s: {claim}{extra}"
        )


@dataclass
class Context:
    """What a benchmark gets: the number of jobs, the shared data, a timer."""

    n_jobs: int
    workdir: Path
    cold_read: bool = False

    @cached_property
    def describe_jsonl(self) -> Path:
        """The generated describe JSONL of ``n_jobs`` jobs (cached on disk)."""
        return describe_jsonl(self.n_jobs)

    @cached_property
    def read_bytes_s(self) -> float:
        """Best of three times to read the JSONL's bytes (the page cache warmed first)."""
        read_bytes_seconds(self.describe_jsonl)
        return min(read_bytes_seconds(self.describe_jsonl) for _ in range(3))

    @cached_property
    def cold_read_bytes_s(self) -> float | None:
        """Time to read the JSONL's bytes from disk, the page cache dropped first.

        ``None`` unless asked for (``--cold-read``) and where the page cache cannot be
        dropped (it needs root on Linux).
        """
        if not self.cold_read:
            return None
        path = self.describe_jsonl
        try:
            os.sync()
            with open("/proc/sys/vm/drop_caches", "w") as fh:
                fh.write("3\n")
        except OSError:
            return None
        seconds = read_bytes_seconds(path)
        read_bytes_seconds(path)  # warm again for what follows
        return seconds

    def read_baselines(self) -> list[tuple[str, float]]:
        """The byte-reading baselines a loader is held to: ``(label, seconds)``.

        The read from the page cache always; the read from disk with ``--cold-read``.
        """
        baselines = [("reading the file's bytes (page cache)", self.read_bytes_s)]
        if self.cold_read_bytes_s is not None:
            baselines.append(
                ("reading the file's bytes from disk (cache dropped)", self.cold_read_bytes_s)
            )
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
