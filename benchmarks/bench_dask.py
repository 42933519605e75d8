"""The Dask engine on a fleet four times the size: memory that does not grow, time per job.

The fleet is the generated data of ``--jobs`` jobs (the first shape) and three copies of it with
every job renamed (``bench-job-`` becomes ``bench-job-fK-``), 4x the jobs in four files of
JSON Lines (4,000,000 jobs, ~11 GB at full size; written once, streaming, at a low CPU
priority, and kept beside the generated data). A cluster of 2 worker processes (one thread
each, 2.5 GB each, as ``--workers 2`` starts) is started on this machine for each run, and
``smstatus validate`` / ``smstatus stats`` run against it in a subprocess (``--scheduler``),
first on the data of ``--jobs`` jobs, then on the fleet. After each run, every worker reports
its own peak RSS (``VmHWM``).

Figures, for ``validate`` and ``stats`` each:

1. Each worker's peak memory on the fleet against its peak on a quarter of it: the partitions
   have the size of the blocks, not of the input, so the peak must not grow. Target: within
   1.1x (the larger of the two workers' peaks on each side).
2. The time per job on the fleet against the time per job of the in-memory path
   (``smstatus validate FILE`` without a cluster) on a quarter of it. Target: within 1.3x.
   For information: the same on the quarter, where the cluster's start-up weighs more.

A run that does not complete (exit code 2, a worker killed for its memory) fails the
benchmark. Needs the ``dask`` extra (``pip install 'smstatus[dask]'``); skipped without it.
Figures are noisy on a shared machine: compare ratios, not seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from _data import DATA_DIR
from _harness import Context, Figure, run_cli

COPIES = 4
WORKERS = 2
WORKER_MEMORY = "2.5GB"
PEAK_TARGET = 1.1
TIME_TARGET = 1.3
COMMANDS = ("validate", "stats")
_BLOCK = 64 << 20

# Writes one renamed copy of a JSON Lines file, block by block, at the lowest CPU priority.
_COPY = """
import os, sys
os.nice(19)
source, target, tag = sys.argv[1], sys.argv[2], sys.argv[3].encode()
old, new = b"bench-job-", b"bench-job-" + tag + b"-"
with open(source, "rb") as src, open(target + ".tmp", "wb") as out:
    rest = b""
    while True:
        block = src.read(BLOCK)
        if not block:
            break
        block = rest + block
        cut = block.rfind(b"\\n") + 1
        block, rest = block[:cut], block[cut:]
        out.write(block.replace(old, new))
    out.write(rest.replace(old, new))
os.replace(target + ".tmp", target)
""".replace("BLOCK", str(_BLOCK))


class MemoryFigure(Figure):
    """A figure of peak memory (``seconds`` and ``baseline_s`` hold gigabytes)."""

    def line(self) -> str:
        target = "" if self.target is None else f" (target <= {self.target:g}x)"
        extra = "".join(f", {k}={v}" for k, v in self.extra.items())
        return (
            f"[{self.status}] {self.name}: {self.seconds:.2f} GB vs {self.baseline_s:.2f} GB: "
            f"{self.ratio:7.2f}x {self.baseline}{target}{extra}"
        )


def fleet(base: Path, copies: int = COPIES) -> Path:
    """The folder of ``copies`` files: ``base`` (hard-linked) and renamed copies of it."""
    folder = DATA_DIR / f"fleet-{base.stem}-x{copies}"
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / "part-0.jsonl"
    if not first.exists():
        try:
            os.link(base, first)
        except OSError:  # another file system: the first part is renamed as well
            _copy(base, first, "f0")
    for k in range(1, copies):
        part = folder / f"part-{k}.jsonl"
        if not part.exists():
            _copy(base, part, f"f{k}")
    return folder


def _copy(source: Path, target: Path, tag: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _COPY, str(source), str(target), tag],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"could not write {target}: {done.stderr[-2000:]}")


def _worker_peak() -> int:
    """This process's peak RSS in bytes (run on each worker)."""
    with open("/proc/self/status") as status:
        return next(int(ln.split()[1]) for ln in status if ln.startswith("VmHWM:")) * 1024


def on_cluster(command: str, inputs: Path) -> tuple[float, list[int], int]:
    """``smstatus COMMAND INPUTS`` on a fresh local cluster: seconds, the workers' peak RSS
    (bytes), the exit code."""
    from smstatus.dask.cluster import connect

    with connect(workers=WORKERS, memory_limit=WORKER_MEMORY) as client:
        address = client.scheduler.address
        client.run(_worker_peak)  # the workers are up before the clock starts
        run = run_cli([command, str(inputs), "--scheduler", address, "--format", "json"])
        if run.returncode not in (0, 1):
            raise RuntimeError(f"smstatus {command} on the cluster failed: {run.stderr[-2000:]}")
        peaks = sorted(client.run(_worker_peak).values())
        if len(peaks) != WORKERS:
            raise RuntimeError(f"{WORKERS - len(peaks)} worker(s) died during {command}")
    return run.seconds, peaks, run.returncode


def _figures(command: str, base: Path, folder: Path, n_jobs: int) -> list[Figure]:
    memory = run_cli([command, str(base), "--format", "json"])
    if memory.returncode not in (0, 1):
        raise RuntimeError(f"smstatus {command} failed: {memory.stderr[-2000:]}")
    quarter_s, quarter_peaks, _ = on_cluster(command, base)
    fleet_s, fleet_peaks, code = on_cluster(command, folder)
    n_fleet = n_jobs * COPIES
    gb = [f"{p / 1e9:.2f}" for p in fleet_peaks]
    return [
        MemoryFigure(
            f"{command} --scheduler, {n_fleet:,} jobs: worker peak RSS",
            max(fleet_peaks) / 1e9,
            f"the peak at {n_jobs:,} jobs",
            max(quarter_peaks) / 1e9,
            PEAK_TARGET,
            "within",
            extra={"peaks_gb": "/".join(gb), "limit": WORKER_MEMORY, "exit_code": code},
        ),
        Figure(
            f"{command} --scheduler, {n_fleet:,} jobs: time per job",
            fleet_s / n_fleet * n_jobs,
            f"in-memory {command} of {n_jobs:,} jobs, per job",
            memory.seconds,
            TIME_TARGET,
            "within",
            extra={"fleet_s": f"{fleet_s:.1f}", "per_job_us": f"{fleet_s / n_fleet * 1e6:.1f}"},
        ),
        Figure(
            f"{command} --scheduler, {n_jobs:,} jobs: time per job",
            quarter_s,
            f"in-memory {command}",
            memory.seconds,
            None,
            "within",
            extra={"in_memory_peak_gb": f"{memory.peak_gb:.2f}"},
        ),
    ]


def run(ctx: Context) -> list[Figure]:
    try:
        import distributed  # noqa: F401

        import dask  # noqa: F401
    except ImportError:
        reason = "needs the dask extra: pip install 'smstatus[dask]'"
        return [Figure.skip(f"smstatus {c} --scheduler", "in-memory", reason) for c in COMMANDS]
    base = ctx.describe_jsonl
    started = time.perf_counter()
    folder = fleet(base)
    size_gb = sum(p.stat().st_size for p in folder.iterdir()) / 1e9
    print(
        f"   fleet: {ctx.n_jobs * COPIES:,} jobs, {size_gb:.2f} GB in {folder} "
        f"(ready in {time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    return [fig for command in COMMANDS for fig in _figures(command, base, folder, ctx.n_jobs)]
