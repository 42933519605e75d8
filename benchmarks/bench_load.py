"""Loading big JSON Lines files of describe responses, in every shape, same run.

Figures, per shape of data (``ctx.shapes``, see ``_data.SHAPES``):

- ``smstatus.load`` against DuckDB's ``read_json`` of the same fields into Arrow (job fields,
  entries with their messages as a list of structs, timestamps parsed; see ``_peers``):
  at most 1.0x its time (skipped, with a note, when DuckDB is not installed);
- the peak memory (RSS) of a child process that only loads the file: at most 1.5 GB, whatever
  the file's size (the file is streamed in blocks; memory follows the frames);
- for information, ``smstatus.load`` against just reading the file's bytes, from the page
  cache and, with ``--cold-read`` (root on Linux), from disk;
- on the first shape only (it is slow), against the naive way, ``json.loads`` per line into
  pandas (rows for both frames, ``pd.DataFrame`` and ``pd.to_datetime(utc=True)``): at least
  4x faster.

Reading bytes runs at the speed of memory or of the disk, while a JSON parser tokenises every
byte of the responses (hyperparameters, channels, ARNs): Arrow's reader, the fastest of the
core dependencies, runs at about 0.35 GB/s a core. That figure is printed for information.
"""

from __future__ import annotations

import json
import os

import pandas as pd
import pyarrow.compute as pc

import _peers
from _harness import Context, Figure, child_python

MEMORY_BUDGET_GB = 1.5
DUCKDB_TARGET = 1.0  # load takes at most this many times DuckDB's read_json into Arrow
NAIVE_TARGET = 4.0  # load at least this many times faster than json.loads into pandas

_JOB_KEYS = (
    "TrainingJobStatus",
    "SecondaryStatus",
    "FailureReason",
    "CreationTime",
    "TrainingStartTime",
    "TrainingEndTime",
    "LastModifiedTime",
    "EnableManagedSpotTraining",
    "TrainingTimeInSeconds",
    "BillableTimeInSeconds",
    "TuningJobArn",
)
_JOB_TIMES = ("CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime")

_CHILD = """
import sys, time
import smstatus
t0 = time.perf_counter()
history = smstatus.load(sys.argv[1], errors="collect")
seconds = time.perf_counter() - t0
frames = sum(
    int(f.memory_usage(deep=True).sum()) for f in (history.jobs, history.transitions)
)
print(history.n_jobs, len(history.transitions), len(history.unparsed), frames, _peak(), seconds)
"""


def naive_load(path: os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The baseline: ``json.loads`` each line, rows for both frames, then pandas."""
    jobs: list[tuple] = []
    entries: list[tuple] = []
    with open(path, "rb") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            name = rec["TrainingJobName"]
            resources = rec.get("ResourceConfig") or {}
            stopping = rec.get("StoppingCondition") or {}
            jobs.append(
                (
                    name,
                    *(rec.get(k) for k in _JOB_KEYS),
                    resources.get("InstanceType"),
                    resources.get("InstanceCount"),
                    stopping.get("MaxRuntimeInSeconds"),
                    stopping.get("MaxWaitTimeInSeconds"),
                    (rec.get("WarmPoolStatus") or {}).get("Status"),
                )
            )
            for step, e in enumerate(rec.get("SecondaryStatusTransitions") or ()):
                entries.append(
                    (
                        name,
                        step,
                        e["Status"],
                        e["StartTime"],
                        e.get("EndTime"),
                        e.get("StatusMessage"),
                    )
                )
    job_frame = pd.DataFrame(
        jobs,
        columns=[
            "TrainingJobName",
            *_JOB_KEYS,
            "InstanceType",
            "InstanceCount",
            "MaxRuntimeInSeconds",
            "MaxWaitTimeInSeconds",
            "WarmPoolStatus",
        ],
    )
    del jobs
    for key in _JOB_TIMES:
        job_frame[key] = pd.to_datetime(job_frame[key], utc=True)
    entry_frame = pd.DataFrame(
        entries, columns=["job_name", "step", "status", "start_time", "end_time", "message"]
    )
    del entries
    for key in ("start_time", "end_time"):
        entry_frame[key] = pd.to_datetime(entry_frame[key], utc=True)
    return job_frame, entry_frame


def child_load(path: os.PathLike) -> dict[str, float]:
    """Load the file in a fresh process; its peak RSS, the frames' size and its time."""
    n_jobs, n_entries, n_rejects, frames, peak, seconds = child_python(_CHILD, os.fspath(path))[-6:]
    return {
        "jobs": int(n_jobs),
        "entries": int(n_entries),
        "rejects": int(n_rejects),
        "frames_gb": int(frames) / 1e9,
        "peak_gb": int(peak) / 1e9,
        "seconds": float(seconds),
    }


def _duckdb_figure(ctx: Context, shape: str, ours_s: float, counts: tuple[int, int]) -> Figure:
    name = f"load JSONL [{shape}]"
    baseline = "DuckDB read_json of the same fields into Arrow"
    if not _peers.available():
        return Figure.skip(name, baseline, f"DuckDB is not installed ({_peers.INSTALL_HINT})")
    path = ctx.jsonl(shape)
    duck_s, table = ctx.timed(
        lambda: _peers.read_describe(path, epoch=_peers.is_epoch(shape)), repeat=2
    )
    entries = int(pc.sum(pc.list_value_length(table.column("SecondaryStatusTransitions"))).as_py())
    if (table.num_rows, entries) != counts:
        raise AssertionError(f"DuckDB and smstatus disagree on the jobs or entries of {shape}")
    return Figure(name, ours_s, baseline, duck_s, DUCKDB_TARGET, kind="within")


def _naive_figure(ctx: Context, path: os.PathLike, ours_s: float, counts: tuple[int, int]):
    naive_s, (jobs, entries) = ctx.timed(lambda: naive_load(path))
    if (len(jobs), len(entries)) != counts:
        raise AssertionError("the fast path and json.loads disagree on the jobs or entries")
    return Figure(
        f"load JSONL [{ctx.shapes[0]}]",
        ours_s,
        "json.loads per line into pandas",
        naive_s,
        NAIVE_TARGET,
    )


def _shape_figures(ctx: Context, shape: str) -> list[Figure]:
    import smstatus

    path = ctx.jsonl(shape)
    size_gb = path.stat().st_size / 1e9
    baselines = ctx.read_baselines(path)  # timed first: the loads below find a warm cache
    memory = child_load(path)  # also warms the page cache and the imports
    ours_s, history = ctx.timed(lambda: smstatus.load(path, errors="collect"), repeat=2)
    counts = (history.n_jobs, len(history.transitions))
    del history
    if counts != (memory["jobs"], memory["entries"]) or memory["rejects"]:
        raise AssertionError(f"the loads of {shape} disagree, or rejected records")
    info = {"jobs": f"{counts[0]:,}", "entries": f"{counts[1]:,}", "file": f"{size_gb:.2f} GB"}
    figures = [
        Figure(
            f"load JSONL [{shape}]",
            ours_s,
            label,
            read_s,
            None,
            kind="within",
            extra={**info, "rate": f"{size_gb / ours_s:.2f} GB/s"},
        )
        for label, read_s in baselines
    ]
    figures.append(_duckdb_figure(ctx, shape, ours_s, counts))
    figures.append(
        Figure(
            f"load JSONL [{shape}] peak RSS in GB (child process; 's' = GB here)",
            memory["peak_gb"],
            f"the {MEMORY_BUDGET_GB:g} GB budget",
            MEMORY_BUDGET_GB,
            1.0,
            kind="within",
            extra={
                "frames": f"{memory['frames_gb']:.2f} GB",
                "child load": f"{memory['seconds']:.2f}s",
            },
        )
    )
    if shape == ctx.shapes[0]:
        figures.append(_naive_figure(ctx, path, ours_s, counts))
    return figures


def run(ctx: Context) -> list[Figure]:
    return [fig for shape in ctx.shapes for fig in _shape_figures(ctx, shape)]
