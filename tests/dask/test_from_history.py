"""from_history: every jobs row in one partition once, a repeated job name's rows together."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dask
import smstatus
from _histories import histories
from smstatus.dask import from_history
from smstatus.history import JobHistory

pytestmark = pytest.mark.usefixtures("sync_scheduler")


@pytest.fixture(scope="module")
def repeated() -> JobHistory:
    """Fifteen jobs rows of twelve names: the first three given again after the next three
    (two overlapping fetches put together), then six more."""
    sample = smstatus.load_sample()
    first, second, third = (sample.select(sample.job_names[lo:hi]) for lo, hi in _RUNS)
    return JobHistory.concat([first, second, first, third])


_RUNS = [(0, 3), (3, 6), (6, 12)]


def _parts(dh) -> list[JobHistory]:
    return list(dask.compute(*dh.to_delayed()))


def _by_job(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows grouped by job name (names sorted), each name's rows in their order."""
    names = frame["job_name"].astype(str).to_numpy()
    return frame.iloc[np.argsort(names, kind="stable")].reset_index(drop=True)


def _quietly(func, *args):
    """``func(*args)`` without the warning about repeated job names (both engines give it)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*appear more than once", category=UserWarning)
        return func(*args)


def _assert_same_rows(history: JobHistory, dh) -> None:
    """The partitions hold every jobs row and entry once, in their order, each name in one
    partition."""
    parts = _parts(dh)
    assert [name for p in parts for name in p.job_names] == list(history.job_names)
    seen = [set(p.jobs["job_name"]) for p in parts]
    assert sum(len(names) for names in seen) == len(set().union(*seen))  # no name in two
    assert sum(p.n_jobs for p in parts) == history.n_jobs
    assert sum(len(p.transitions) for p in parts) == len(history.transitions)
    back = dh.compute()
    for frame in ("jobs", "transitions"):
        pd.testing.assert_frame_equal(
            _by_job(getattr(history, frame).astype({"job_name": str})),
            _by_job(getattr(back, frame).astype({"job_name": str})),
            obj=frame,
        )
    pd.testing.assert_frame_equal(history.jobs, back.jobs)
    pd.testing.assert_frame_equal(history.unparsed, back.unparsed)


def _assert_same_results(history: JobHistory, dh) -> None:
    expected, got = smstatus.validate(history), smstatus.validate(dh)
    pd.testing.assert_frame_equal(expected.summary(), got.summary())
    assert (got.n_jobs, got.n_valid, got.by_code()) == (
        expected.n_jobs,
        expected.n_valid,
        expected.by_code(),
    )
    pd.testing.assert_frame_equal(
        expected.violations.reset_index(drop=True),
        got.violations.compute().reset_index(drop=True),
        check_categorical=False,
    )
    assert list(got.valid_history().compute().job_names) == list(expected.valid_history().job_names)
    pd.testing.assert_frame_equal(
        _quietly(smstatus.duration_stats, history),
        _quietly(smstatus.duration_stats, dh),
        check_exact=False,
    )


@pytest.mark.parametrize("npartitions", [1, 2, 3, 5, 9, 20])
def test_a_repeated_job_name_is_neither_duplicated_nor_split(repeated, npartitions):
    assert repeated.job_names.duplicated().sum() == 3
    dh = from_history(repeated, npartitions)
    assert dh.npartitions <= npartitions
    assert (dh.npartitions > 1) == (npartitions > 1)  # six jobs follow the last copy
    assert _parts(dh)[0].n_jobs >= 9  # the rows up to the last copy of a name in one
    _assert_same_rows(repeated, dh)
    _assert_same_results(repeated, dh)


def test_a_cut_moves_past_the_copies_of_a_name():
    sample = smstatus.load_sample()
    a, b, c, d, e = (sample.select([name]) for name in sample.job_names[:5])
    history = JobHistory.concat([a, b, a, c, d, e])  # 6 rows: cuts wanted at 2 and 4
    parts = _parts(from_history(history, 3))
    assert [list(p.job_names) for p in parts] == [
        [a.job_names[0], b.job_names[0], a.job_names[0]],  # the cut at 2 moved to 3
        [c.job_names[0]],
        [d.job_names[0], e.job_names[0]],
    ]


def test_copies_at_both_ends_keep_the_jobs_in_one_partition(repeated):
    last = repeated.select(repeated.job_names[-1:])
    history = JobHistory.concat([last, repeated])  # its last job also comes first
    assert from_history(history, 4).npartitions == 1


def test_without_repeated_names_the_partitions_are_runs_of_the_jobs():
    history = smstatus.load_sample()
    parts = _parts(from_history(history, 4))
    assert [p.n_jobs for p in parts] == [len(r) for r in np.array_split(history.job_names, 4)]
    assert [n for p in parts for n in p.job_names] == list(history.job_names)


def test_an_empty_history_is_one_empty_partition():
    dh = from_history(JobHistory.empty(), 3)
    assert dh.npartitions == 1 and dh.compute().n_jobs == 0


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), history=histories(max_jobs=6))
def test_random_histories_with_repeated_names(data, history):
    """Copies of some jobs put at random places among the jobs (their entries after the
    others, as two inputs put together give them), split anywhere."""
    names = list(history.job_names)
    copied = data.draw(st.lists(st.sampled_from(names), max_size=4) if names else st.just([]))
    copies = [history.select([name]) for name in copied]
    order = data.draw(st.permutations(range(len(names) + len(copies))))
    history = JobHistory.concat([history, *copies])
    jobs = history.jobs.iloc[list(order)].reset_index(drop=True)
    history = JobHistory(jobs, history.transitions.astype({"job_name": object}))
    dh = from_history(history, data.draw(st.integers(1, 8)))
    _assert_same_rows(history, dh)
    _assert_same_results(history, dh)


def test_head_counts_jobs_rows_not_names(repeated):
    """A name given twice in one partition: head(n) gives the first n jobs rows."""
    history = from_history(repeated, 1)
    for n in (1, 4, 5, 15):
        head = history.head(n)
        assert head.n_jobs == n
        assert list(head.jobs["job_name"]) == list(repeated.jobs["job_name"][:n])
