"""Hand-built fleets for the trend tests: Starting, a Pending wait, Training, Completed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smstatus import JobHistory

T0 = pd.Timestamp("2025-03-03T00:00:00Z")  # a Monday
DAY = 86_400.0


def fleet(jobs: list[tuple[str, float, float | None]]) -> JobHistory:
    """Jobs ``(instance_type, pending_start_s, pending_s or None: still waiting)``: each job
    is Starting for 60 s, then Pending, then (when the wait ended) Training for 600 s."""
    rows, meta = [], []
    for i, (itype, start, wait) in enumerate(jobs):
        name = f"job-{i:05d}"
        t = start - 60.0
        entries = [("Starting", t, start)]
        if wait is None:
            entries.append(("Pending", start, None))
        else:
            entries += [("Pending", start, start + wait), ("Training", start + wait, None)]
            entries[-1] = ("Training", start + wait, start + wait + 600)
            entries.append(("Completed", start + wait + 600, start + wait + 600))
        for k, (status, a, b) in enumerate(entries):
            rows.append((name, k, status, a, b))
        meta.append((name, itype, "InProgress" if wait is None else "Completed"))
    name, step, status, a, b = zip(*rows, strict=True)

    def when(v):
        secs = np.asarray([np.nan if x is None else x for x in v], dtype=float)
        return T0 + pd.to_timedelta(secs, unit="s")

    transitions = pd.DataFrame(
        {
            "job_name": list(name),
            "step": np.asarray(step, dtype="int32"),
            "status": list(status),
            "start_time": when(a),
            "end_time": when(b),
        }
    )
    jobs_frame = pd.DataFrame(meta, columns=["job_name", "instance_type", "training_job_status"])
    return JobHistory(jobs_frame, transitions)


def spiky_fleet() -> tuple[JobHistory, pd.Timestamp]:
    """Five days; ml.a waits 1..10 min except on day 2 (1..10 h); ml.b 2 min; ml.c and ml.d one
    job a day; on day 4, three ml.a jobs still waiting at as_of."""
    jobs = []
    for day in range(5):
        base = day * DAY + 3600
        unit = 3600.0 if day == 2 else 60.0
        jobs += [("ml.a", base + 10 * k, unit * (k + 1)) for k in range(10)]
        jobs += [("ml.b", base + 5 * k, 120.0) for k in range(5)]
        jobs += [("ml.c", base, 300.0), ("ml.d", base + 1, 900.0)]
    jobs += [("ml.a", 4 * DAY + 7200 + k, None) for k in range(3)]
    return fleet(jobs), T0 + pd.Timedelta(days=5)
