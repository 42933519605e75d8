"""Random histories through every writer/reader pair come back the same."""

from __future__ import annotations

import gzip
import io
import json
import string

import pandas as pd
import pytest
from _io_strategies import histories, plain
from hypothesis import given, settings
from hypothesis import strategies as st

import smstatus
from smstatus import JobHistory, SecondaryStatusTransition
from smstatus.io.describe import (
    from_describe,
    to_describe_records,
    write_describe_json,
    write_describe_jsonl,
)
from smstatus.io.sdklog import KNOWN_MESSAGES, format_sdk_log, parse_sdk_log
from smstatus.io.table import read_table, write_table
from smstatus.status import PRIMARY_OF, TERMINAL_STATUSES, SecondaryStatus


def to_microseconds(history: JobHistory) -> JobHistory:
    """The history with its times cut to whole microseconds (what ``datetime`` carries)."""

    def cut(frame: pd.DataFrame) -> pd.DataFrame:
        times = {c: frame[c].dt.floor("us") for c in frame.columns if str(frame[c].dtype) == UTC}
        return frame.assign(**times)

    return JobHistory(
        cut(history.jobs),
        cut(history.transitions.assign(job_name=history.transitions["job_name"].astype(object))),
    )


UTC = "datetime64[ns, UTC]"


def assert_same(got: JobHistory, want: JobHistory, *, source: str | None = None) -> None:
    """Same jobs (values and dtypes) and the same transitions, categories included."""
    want_jobs = want.jobs
    if source is not None:
        want_jobs = want_jobs.assign(source=pd.Categorical([source] * len(want_jobs)))
    pd.testing.assert_frame_equal(plain(got.jobs), plain(want_jobs))
    pd.testing.assert_frame_equal(got.transitions, want.transitions)
    assert len(got.unparsed) == 0


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("roundtrip")


@settings(max_examples=25)
@given(histories(), st.sampled_from(["csv", "csv.gz", "parquet"]))
def test_table_with_jobs_round_trip(tmp, history, suffix):
    path = tmp / f"t.{suffix}"
    write_table(history, path, jobs_path=tmp / f"t.jobs.{suffix}")
    assert_same(smstatus.load(path), history)  # the sibling jobs table is found


@settings(max_examples=20)
@given(histories(), st.sampled_from(["csv", "parquet"]))
def test_transitions_table_alone_gives_named_jobs(tmp, history, suffix):
    path = tmp / f"alone.{suffix}"
    write_table(history, path)
    got = read_table(path)
    pd.testing.assert_frame_equal(plain(got.transitions), plain(history.transitions))
    named = history.job_names.tolist()
    if suffix == "csv":  # CSV knows only the jobs that have entries
        named = [n for n in named if n in set(history.transitions["job_name"])]
    elif len(history.transitions) == 0:  # Parquet keeps the job order in its rows' dictionary
        named = []
    assert got.job_names.tolist() == named
    assert set(got.jobs["source"]) <= {"table"}
    derived = ["job_name", "source", "observed_at", "warm_start"]
    assert got.jobs.drop(columns=derived).isna().all().all()
    # warm_start is derived from the messages, as it was for the history written
    expected = history.jobs.set_index(history.jobs["job_name"].astype(object))["warm_start"]
    assert got.jobs["warm_start"].tolist() == expected.reindex(named).tolist()
    # without a jobs table, a job was observed at its own latest timestamp
    latest = (
        pd.concat([got.transitions["start_time"], got.transitions["end_time"]])
        .groupby(pd.concat([got.transitions["job_name"]] * 2).astype(object))
        .max()
    )
    observed = got.jobs.set_index(got.jobs["job_name"].astype(object))["observed_at"]
    assert observed.reindex(latest.index).equals(latest.rename("observed_at"))


@settings(max_examples=25)
@given(histories(source="describe"), st.sampled_from(["jsonl", "jsonl.gz", "json", "json.gz"]))
def test_describe_files_round_trip(tmp, history, suffix):
    path = tmp / f"d.{suffix}"
    if suffix.startswith("jsonl"):
        write_describe_jsonl(history, path)
    else:
        write_describe_json(history, path)
    if suffix.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            assert fh.read(1) in (b"{", b"[", b"")
    if history.n_jobs == 0:
        return  # an empty file holds no history to read back
    assert_same(smstatus.load(path), history)


@settings(max_examples=20)
@given(histories(source="describe"), st.booleans())
def test_describe_records_round_trip(history, as_datetime):
    if as_datetime:
        history = to_microseconds(history)
    records = to_describe_records(history, as_datetime=as_datetime)
    json.dumps(records, default=str)  # plain JSON types (or datetimes)
    assert_same(from_describe(records), history)


@settings(max_examples=15)
@given(histories(max_jobs=3))
def test_api_records_round_trip(history):
    for name in history.job_names:
        records = history.records(name)
        assert [SecondaryStatusTransition.from_api(r.to_api()) for r in records] == records
        rebuilt = JobHistory.from_transitions(name, [r.to_api() for r in records])
        assert rebuilt.records(name) == records


AWS_NAME = st.text(
    alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=30
).filter(lambda s: s[0] != "-" and s[-1] != "-")
SDK_STATUSES = [s.value for s in SecondaryStatus] + ["WarmingUp"]
SDK_MESSAGES = st.one_of(
    st.none(),
    st.sampled_from(KNOWN_MESSAGES),
    st.text(alphabet=string.ascii_letters + " ,:;!?'()", min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool),
)


@st.composite
def sdk_histories(draw):
    """What an SDK log can carry losslessly: seconds, contiguous entries, single-line text."""
    name = draw(AWS_NAME)
    n = draw(st.integers(1, 8))
    statuses = [draw(st.sampled_from(SDK_STATUSES)) for _ in range(n)]
    t0 = pd.Timestamp("2024-03-08T08:05:55Z") + pd.Timedelta(seconds=draw(st.integers(0, 10**8)))
    gaps = [draw(st.integers(0, 7200)) for _ in range(n)]
    starts = [t0 + pd.Timedelta(seconds=sum(gaps[:i])) for i in range(n)]
    terminal = statuses[-1] in TERMINAL_STATUSES
    records = []
    for i, status in enumerate(statuses):
        end = starts[i + 1] if i + 1 < n else (starts[i] if terminal else None)
        message = draw(SDK_MESSAGES)
        records.append(SecondaryStatusTransition(status, starts[i], end, message))
    last = statuses[-1]
    primary = (
        PRIMARY_OF[SecondaryStatus(last)].value
        if last in {s.value for s in SecondaryStatus}
        else "InProgress"
    )
    attrs = {
        "training_job_status": primary,
        "secondary_status": last,
        "training_time_s": draw(st.one_of(st.none(), st.integers(0, 10**6))),
        "billable_time_s": draw(st.one_of(st.none(), st.integers(0, 10**6))),
    }
    history = JobHistory.from_transitions(name, records, **attrs)
    history.jobs["source"] = pd.Categorical(["sdk-log"])
    return history


@settings(max_examples=15)
@given(histories(max_jobs=3))
def test_api_records_round_trip_through_datetimes(history):
    history = to_microseconds(history)
    for name in history.job_names:
        records = history.records(name)
        back = [SecondaryStatusTransition.from_api(r.to_api(as_datetime=True)) for r in records]
        assert back == records


@settings(max_examples=25)
@given(sdk_histories(), st.integers(0, 6))
def test_sdk_log_format_parse_round_trip(history, dots):
    text = format_sdk_log(history, dots=dots)
    got = parse_sdk_log(io.StringIO(text), name="from-file")
    assert_same(got, history)
