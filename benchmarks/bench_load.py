"""Loading a big JSON Lines file of describe responses (issue 2, item 6), same run.

Figures, all on the generated file (``ctx.describe_jsonl``):

- ``smstatus.load`` against just reading the file's bytes: within 2x; read from the page cache
  (a copy at memory speed) and, with ``--cold-read`` (root on Linux), from disk;
- ``smstatus.load`` against the naive way, ``json.loads`` per line into pandas (rows for both
  frames, ``pd.DataFrame`` and ``pd.to_datetime(utc=True)``): at least 4x faster;
- the peak memory (RSS) of a child process that only loads the file: under 3 GB, whatever the
  file's size (the file is streamed in blocks).

The first target is out of reach of any loader that parses the JSON: reading bytes runs at the
speed of memory (tens of GB/s from the page cache) or of the disk (about 3 GB/s here), while
Arrow's JSON parser, the fastest the core dependencies offer, tokenises every byte of the
2.9 KB responses (hyperparameters, channels, ARNs) at about 0.35 GB/s a core (0.8 GB/s on two
cores, measured on this data with nothing else done). The loader keeps
both cores busy (reading, Arrow's parse and the extraction of columns overlap on threads) and
reaches about 0.7 GB/s; within 2x of a disk read would take a 1.5 GB/s parser (a SIMD one,
which would be a compiled dependency outside the core set).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd

from _harness import Context, Figure

MEMORY_BUDGET_GB = 3.0

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

# The child's peak is its own VmHWM (high-water RSS of its address space): ``ru_maxrss`` would
# not do, since Linux carries the parent's peak across fork and exec into the child's figure.
_CHILD = """
import sys, time
import smstatus
t0 = time.perf_counter()
history = smstatus.load(sys.argv[1])
seconds = time.perf_counter() - t0
frames = sum(
    int(f.memory_usage(deep=True).sum()) for f in (history.jobs, history.transitions)
)
try:
    with open("/proc/self/status") as status:
        peak = next(int(ln.split()[1]) for ln in status if ln.startswith("VmHWM:")) * 1024
except OSError:  # no /proc (macOS): ru_maxrss, in bytes there
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(history.n_jobs, len(history.transitions), frames, peak, seconds)
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
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, os.fspath(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    n_jobs, n_entries, frames, peak, seconds = out[-5:]
    return {
        "jobs": int(n_jobs),
        "entries": int(n_entries),
        "frames_gb": int(frames) / 1e9,
        "peak_gb": int(peak) / 1e9,
        "seconds": float(seconds),
    }


def run(ctx: Context) -> list[Figure]:
    import smstatus

    path = ctx.describe_jsonl
    size_gb = path.stat().st_size / 1e9
    baselines = ctx.read_baselines()  # timed first: the loads below find a warm page cache
    memory = child_load(path)  # also warms the page cache and the imports
    ours_s, history = ctx.timed(lambda: smstatus.load(path), repeat=2)
    n_jobs, n_entries = history.n_jobs, len(history.transitions)
    del history
    naive_s, (jobs, entries) = ctx.timed(lambda: naive_load(path))
    if not (len(jobs), len(entries)) == (n_jobs, n_entries) == (memory["jobs"], memory["entries"]):
        raise AssertionError("the fast path and json.loads disagree on the jobs or entries")
    del jobs, entries

    counts = {"jobs": f"{n_jobs:,}", "entries": f"{n_entries:,}", "file": f"{size_gb:.2f} GB"}
    return [
        *(
            Figure(
                name="load JSONL",
                seconds=ours_s,
                baseline=label,
                baseline_s=read_s,
                target=2.0,
                kind="within",
                extra={**counts, "rate": f"{size_gb / ours_s:.2f} GB/s"},
            )
            for label, read_s in baselines
        ),
        Figure(
            name="load JSONL",
            seconds=ours_s,
            baseline="json.loads per line into pandas",
            baseline_s=naive_s,
            target=4.0,
        ),
        Figure(
            name="load JSONL peak RSS in GB (child process; 's' = GB here)",
            seconds=memory["peak_gb"],
            baseline=f"the {MEMORY_BUDGET_GB:g} GB budget",
            baseline_s=MEMORY_BUDGET_GB,
            target=1.0,
            kind="within",
            extra={
                "frames": f"{memory['frames_gb']:.2f} GB",
                "file": f"{size_gb:.2f} GB",
                "child load": f"{memory['seconds']:.2f}s",
            },
        ),
    ]
