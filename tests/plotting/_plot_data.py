"""Small synthetic histories for the plot tests (built as frames, no loader involved)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smstatus.history import JobHistory

PATHS = [
    (["Starting", "Downloading", "Training", "Uploading", "Completed"], 0.55),
    (["Starting", "Pending", "Downloading", "Training", "Uploading", "Completed"], 0.15),
    (
        [
            "Starting",
            "Downloading",
            "Training",
            "Interrupted",
            "Starting",
            "Training",
            "Uploading",
            "Completed",
        ],
        0.08,
    ),
    (["Starting", "Downloading", "Training", "Uploading", "Failed"], 0.08),
    (["Starting", "Downloading", "Training", "Stopping", "Stopped"], 0.04),
    (["Starting", "Downloading", "Training"], 0.06),
    (["Starting", "Stopping", "MaxWaitTimeExceeded"], 0.04),
]
MEAN_S = {
    "Starting": 120,
    "Pending": 900,
    "Downloading": 80,
    "Training": 2400,
    "Interrupted": 30,
    "Uploading": 40,
    "Stopping": 20,
}
INSTANCES = ["ml.m5.xlarge", "ml.g5.2xlarge", "ml.p3.2xlarge"]
T0 = pd.Timestamp("2024-03-01T00:00:00Z")


def synth_history(n_jobs: int = 50, *, seed: int = 0, spread_s: float = 2 * 86400) -> JobHistory:
    """``n_jobs`` realistic-looking jobs starting over ``spread_s`` seconds; running ones last."""
    rng = np.random.default_rng(seed)
    probs = np.array([p for _, p in PATHS])
    choice = rng.choice(len(PATHS), size=n_jobs, p=probs / probs.sum())
    starts = np.sort(rng.uniform(0, spread_s, size=n_jobs))
    names, steps, statuses, t0s, t1s, jobs_status, inst, spot = [], [], [], [], [], [], [], []
    running_end = spread_s + 3 * 3600
    for i in range(n_jobs):
        path = PATHS[choice[i]][0]
        running = path[-1] not in {"Completed", "Failed", "Stopped", "MaxWaitTimeExceeded"}
        t = starts[i] if not running else running_end - rng.uniform(1800, 7200)
        for k, st in enumerate(path):
            names.append(f"train-job-{i:04d}")
            steps.append(k)
            statuses.append(st)
            t0s.append(t)
            if k < len(path) - 1:
                t = t + MEAN_S.get(st, 10) * rng.exponential(1.0) + 1
                t1s.append(t)
            else:
                t1s.append(np.nan if running else t)
        jobs_status.append(
            {"Completed": "Completed", "Failed": "Failed"}.get(
                path[-1], "Stopped" if not running else "InProgress"
            )
        )
        inst.append(INSTANCES[i % len(INSTANCES)])
        spot.append(bool(i % 2))
    to_ts = lambda v: T0 + pd.to_timedelta(np.asarray(v, dtype=float), unit="s")  # noqa: E731
    transitions = pd.DataFrame(
        {
            "job_name": names,
            "step": np.asarray(steps, dtype="int32"),
            "status": statuses,
            "start_time": to_ts(t0s),
            "end_time": to_ts(t1s),
            "status_message": pd.Series([None] * len(names), dtype="string[pyarrow]"),
        }
    )
    jobs = pd.DataFrame(
        {
            "job_name": [f"train-job-{i:04d}" for i in range(n_jobs)],
            "training_job_status": jobs_status,
            "instance_type": inst,
            "spot": spot,
            # fetched in one go, after the last job started: running jobs are open up to here
            "observed_at": T0 + pd.Timedelta(seconds=running_end),
        }
    )
    return JobHistory(jobs, transitions)


def history_of(
    jobs: dict[str, list[tuple[str, float, float | None]]], **columns: dict[str, object]
) -> JobHistory:
    """A history from ``{name: [(status, start_s, end_s or None), ...]}``, seconds after T0.

    ``columns`` gives job columns: ``spot={"a": True, ...}``.
    """
    rows = [
        (name, k, status, start, end)
        for name, entries in jobs.items()
        for k, (status, start, end) in enumerate(entries)
    ]
    name, step, status, start, end = zip(*rows, strict=True) if rows else ([], [], [], [], [])

    def secs(v):
        return T0 + pd.to_timedelta(
            np.asarray([np.nan if x is None else x for x in v], dtype=float), unit="s"
        )

    transitions = pd.DataFrame(
        {
            "job_name": list(name),
            "step": np.asarray(step, dtype="int32"),
            "status": list(status),
            "start_time": secs(start),
            "end_time": secs(end),
        }
    )
    frame = {"job_name": list(jobs)}
    for col, values in columns.items():
        frame[col] = [values.get(n) for n in jobs]
    jobs_frame = pd.DataFrame(frame)
    for col in ("last_modified_time", "observed_at"):
        if col in jobs_frame:
            jobs_frame[col] = secs(jobs_frame[col])
    return JobHistory(jobs_frame, transitions)


def n_items(collection) -> int:
    """Bars (or ticks) in a collection drawn as compound paths: one MOVETO each."""
    from matplotlib.path import Path

    return int(sum((p.codes == Path.MOVETO).sum() for p in collection.get_paths()))


def by_gid(ax, prefix: str) -> dict[str, object]:
    """The Axes' collections whose gid starts with ``prefix``, by the rest of the gid."""
    return {
        c.get_gid()[len(prefix) :]: c
        for c in ax.collections
        if c.get_gid() and c.get_gid().startswith(prefix)
    }
