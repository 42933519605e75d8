"""DaskHistory: partitions of whole jobs that gather back into the history they came from."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("dask")

import smstatus
from smstatus.dask import DaskHistory, from_history


@pytest.fixture(scope="module")
def history() -> smstatus.JobHistory:
    from smstatus.io.describe import from_describe

    return from_describe(smstatus.simulate(60, seed=3, corrupt_share=0.2), errors="collect")


@pytest.mark.parametrize("npartitions", [1, 3, 7, 200])
def test_partitions_gather_back_into_the_history(history, npartitions):
    dh = from_history(history, npartitions)
    assert dh.npartitions == min(npartitions, history.n_jobs)
    back = dh.compute(scheduler="sync")
    pd.testing.assert_frame_equal(
        back.transitions.astype({"job_name": str}), history.transitions.astype({"job_name": str})
    )
    pd.testing.assert_frame_equal(back.jobs, history.jobs)


def test_no_job_straddles_two_partitions(history):
    dh = from_history(history, 4)
    import dask

    parts = dask.compute(*dh.to_delayed(), scheduler="sync")
    names = [set(p.transitions["job_name"].astype(str)) | set(p.jobs["job_name"]) for p in parts]
    assert sum(len(n) for n in names) == history.n_jobs
    for part in parts:
        assert set(part.transitions["job_name"].astype(str)) <= set(part.jobs["job_name"])


def test_head_takes_the_first_jobs(history):
    head = from_history(history, 5).head(17, scheduler="sync")
    assert list(head.job_names) == list(history.job_names[:17])


def test_in_memory_functions_refuse_it_with_a_hint(history):
    with pytest.raises(TypeError, match=r"\.head\(n\)"):
        smstatus.plot_gantt(from_history(history, 2))


def test_dask_history_is_not_a_job_history(history):
    assert not isinstance(from_history(history, 2), smstatus.JobHistory)
    assert isinstance(from_history(history, 2), DaskHistory)
