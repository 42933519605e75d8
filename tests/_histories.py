"""Hand-built histories for the duration tests, and a hypothesis strategy of random ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from smstatus import JobHistory

T0 = pd.Timestamp("2024-01-01T00:00:00Z")


def at(seconds: float | None) -> pd.Timestamp | None:
    """``T0 + seconds`` (``None`` stays ``None``)."""
    return None if seconds is None else T0 + pd.Timedelta(seconds=seconds)


def job(name: str, *entries: tuple[str, float, float | None], **attrs: Any) -> JobHistory:
    """One job from ``(status, start_s, end_s or None)`` entries, seconds after ``T0``."""
    records = []
    for status, start, end in entries:
        rec = {"Status": status, "StartTime": at(start).isoformat()}
        if end is not None:
            rec["EndTime"] = at(end).isoformat()
        records.append(rec)
    return JobHistory.from_transitions(name, records, **attrs)


def chain(name: str, steps: list[tuple[str, float]], *, open_last: bool = False, **attrs: Any):
    """A contiguous job: each ``(status, seconds)`` starts when the previous ends.

    The last entry is closed (zero length when its seconds are 0) unless ``open_last``.
    """
    entries, t = [], 0.0
    for i, (status, secs) in enumerate(steps):
        last = i == len(steps) - 1
        entries.append((status, t, None if (last and open_last) else t + secs))
        t += secs
    return job(name, *entries, **attrs)


STATUSES = [
    "Starting",
    "Pending",
    "Downloading",
    "Training",
    "Interrupted",
    "Uploading",
    "Stopping",
    "Completed",
    "Failed",
    "Warming",
]  # "Warming": not in the vocabulary
TERMINAL = {"Completed", "Failed"}


@st.composite
def histories(draw, *, max_jobs: int = 6, max_entries: int = 8, contiguous: bool = False):
    """Random histories: several jobs (some empty), repeats, revisits, open last entries,
    unknown statuses, sometimes the jobs' rows interleaved; with ``contiguous`` each entry
    starts when the previous one ends."""
    n_jobs = draw(st.integers(0, max_jobs))
    names, rows = [], []
    for j in range(n_jobs):
        name = f"job-{j}"
        names.append(name)
        n = draw(st.integers(0, max_entries))
        statuses = draw(st.lists(st.sampled_from(STATUSES), min_size=n, max_size=n))
        secs = draw(st.lists(st.integers(0, 5000), min_size=n, max_size=n))
        gaps = draw(st.lists(st.integers(0, 0 if contiguous else 300), min_size=n, max_size=n))
        open_last = draw(st.booleans())
        t = draw(st.integers(0, 10_000))
        for k in range(n):
            t += gaps[k]
            start = t
            t += secs[k]
            last = k == n - 1
            end = None if last and open_last else t
            rows.append((name, k, statuses[k], at(start), at(end)))
    if rows and draw(st.booleans()):
        # interleave the jobs' rows, each job's rows keeping their order
        mixed = draw(st.permutations([r[0] for r in rows]))
        queues: dict[str, list[tuple]] = {}
        for r in rows:
            queues.setdefault(r[0], []).append(r)
        heads = {name: iter(q) for name, q in queues.items()}
        rows = [next(heads[name]) for name in mixed]
    transitions = pd.DataFrame(
        rows, columns=["job_name", "step", "status", "start_time", "end_time"]
    ).astype({"step": "int32"})
    transitions["start_time"] = pd.to_datetime(transitions["start_time"], utc=True)
    transitions["end_time"] = pd.to_datetime(transitions["end_time"], utc=True)
    created = [at(float(draw(st.integers(-100, 0)))) for _ in names]
    jobs = pd.DataFrame({"job_name": names, "creation_time": pd.to_datetime(created, utc=True)})
    return JobHistory(jobs, transitions)


def ns(ts: Any) -> int:
    return int(pd.Timestamp(ts).value)


def finite(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=float)
