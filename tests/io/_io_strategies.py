"""Hypothesis strategies of random histories for the round-trip tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from smstatus import JobHistory
from smstatus.history import KNOWN_STATUSES, WARM_START_MESSAGE

UNKNOWN_STATUSES = ["WarmingUp", "Provisioning", "Ünknown", "new status"]
PRIMARY = ["InProgress", "Completed", "Failed", "Stopping", "Stopped", "Deleting"]
T_MIN = pd.Timestamp("2000-01-01T00:00:00Z").value
T_MAX = pd.Timestamp("2100-01-01T00:00:00Z").value

# any text UTF-8 can carry: commas, quotes, newlines, tabs, unicode (no lone surrogates)
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
)
messages = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(['a, "quoted" message', "two\nlines", "crlf\r\nline", "ünïcödé ✅", " "]),
    # warm pools: the reuser's Starting message, and what a donor says (no warm start)
    st.sampled_from([WARM_START_MESSAGE, "Resource reused by training job: x"]),
    texts,
)
names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.ü ,\"'",
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() == s and s != "")
statuses = st.one_of(st.sampled_from(KNOWN_STATUSES), st.sampled_from(UNKNOWN_STATUSES))
times_ns = st.integers(min_value=T_MIN, max_value=T_MAX)


@st.composite
def entry_lists(draw, *, max_entries: int = 5, whole_seconds: bool = False):
    n = draw(st.integers(0, max_entries))
    out = []
    for _ in range(n):
        start = draw(times_ns)
        end = draw(st.one_of(st.none(), times_ns))
        if whole_seconds:
            start -= start % 1_000_000_000
        out.append((draw(statuses), start, end, draw(messages)))
    return out


@st.composite
def histories(draw, *, max_jobs: int = 5, max_entries: int = 5, source: str | None = None):
    """Random histories: unknown statuses, open entries, NaT, odd messages, empty jobs."""
    job_names = draw(st.lists(names, max_size=max_jobs, unique=True))
    rows = []
    for name in job_names:
        for step, (status, start, end, message) in enumerate(
            draw(entry_lists(max_entries=max_entries))
        ):
            rows.append((name, step, status, start, end, message))
    n = len(job_names)

    def col(strategy):
        return [draw(strategy) for _ in range(n)]

    maybe_time = st.one_of(st.none(), times_ns)
    jobs = pd.DataFrame(
        {
            "job_name": job_names,
            "training_job_status": col(st.one_of(st.none(), st.sampled_from(PRIMARY))),
            "secondary_status": col(st.one_of(st.none(), statuses)),
            "failure_reason": col(messages),
            "creation_time": _utc(col(maybe_time)),
            "training_start_time": _utc(col(maybe_time)),
            "training_end_time": _utc(col(maybe_time)),
            "last_modified_time": _utc(col(maybe_time)),
            "instance_type": col(st.one_of(st.none(), st.sampled_from(["ml.m5.xlarge", "a+b"]))),
            "instance_count": pd.array(
                col(st.one_of(st.none(), st.integers(0, 2**53))), dtype="Int64"
            ),
            "spot": pd.array(col(st.one_of(st.none(), st.booleans())), dtype="boolean"),
            "max_runtime_s": pd.array(col(st.one_of(st.none(), st.integers(0, 10**9))), "Int64"),
            "max_wait_s": pd.array(col(st.one_of(st.none(), st.integers(0, 10**9))), "Int64"),
            "training_time_s": pd.array(col(st.one_of(st.none(), st.integers(0, 10**9))), "Int64"),
            "billable_time_s": pd.array(col(st.one_of(st.none(), st.integers(0, 10**9))), "Int64"),
            "warm_pool_status": col(st.one_of(st.none(), st.sampled_from(["Available", "InUse"]))),
            "tuning_job_arn": col(st.one_of(st.none(), texts)),
            "source": [source] * n if source else col(st.sampled_from(["describe", "events"])),
        }
    )
    transitions = pd.DataFrame(
        {
            "job_name": [r[0] for r in rows],
            "step": np.array([r[1] for r in rows], dtype="int32"),
            "status": [r[2] for r in rows],
            "start_time": _utc([r[3] for r in rows]),
            "end_time": _utc([r[4] for r in rows]),
            "status_message": pd.array([r[5] for r in rows], dtype="string[pyarrow]"),
        }
    )
    return JobHistory(jobs, transitions)


def _utc(values):
    ints = np.array([np.iinfo(np.int64).min if v is None else v for v in values], dtype="int64")
    return pd.DatetimeIndex(ints.view("datetime64[ns]")).tz_localize("UTC")


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Category columns as object, for comparing values regardless of category order."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out
