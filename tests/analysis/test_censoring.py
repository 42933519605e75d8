"""Open entries are measured up to their own job's ``observed_at``: a job's figures never depend
on which other jobs were loaded beside it."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import smstatus
from _histories import T0, at, chain, histories, job
from smstatus import JobHistory
from smstatus.analysis.hotspots import bottlenecks, variants
from smstatus.analysis.phases import duration_stats, durations, phase_table


@st.composite
def observed_histories(draw):
    """Random histories whose jobs carry an ``observed_at`` of their own (or none)."""
    h = draw(histories())
    extra = [draw(st.one_of(st.none(), st.integers(0, 50_000))) for _ in range(h.n_jobs)]
    observed = pd.to_datetime([None if x is None else at(x) for x in extra], utc=True)
    groups = [draw(st.sampled_from(["a", "b", None])) for _ in range(h.n_jobs)]
    jobs = h.jobs.assign(observed_at=observed, instance_type=groups)
    return JobHistory(jobs, h.transitions.assign(job_name=h.transitions["job_name"].astype(str)))


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object)
    return out


def _rows_of(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    return frame[frame["job_name"].astype(object).isin(names)]


@settings(max_examples=60, deadline=None)
@given(observed_histories(), st.data())
def test_a_subset_gives_the_figures_of_the_whole(h, data):
    names = h.job_names.tolist()
    subset = data.draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    part = h.select(subset)

    whole_d, part_d = durations(h), durations(part)
    pd.testing.assert_frame_equal(_plain(_rows_of(whole_d, subset)), _plain(part_d))

    whole_p, part_p = phase_table(h), phase_table(part)
    mine = _plain(_rows_of(whole_p, subset))
    pd.testing.assert_frame_equal(mine[part_p.columns], _plain(part_p))
    assert (mine.drop(columns=part_p.columns).filter(like="_s") == 0).all().all()

    whole_b, part_b = bottlenecks(h), bottlenecks(part)
    pd.testing.assert_frame_equal(_plain(_rows_of(whole_b.per_job, subset)), _plain(part_b.per_job))

    whole_v, part_v = variants(h), variants(part)
    assert set(part_v["variant"]) <= set(whole_v["variant"])


def _group(frame: pd.DataFrame, key: str, value) -> pd.DataFrame:
    rows = frame[frame[key].isna()] if value is None else frame[frame[key] == value]
    rows = rows.drop(columns=key)
    if "seconds" in rows.columns and "bottleneck_jobs" in rows.columns:
        # statuses no job of the group spent time in are rows of zeros in the whole
        rows = rows[(rows["seconds"] > 0) | (rows["bottleneck_jobs"] > 0)]
    return _plain(rows)


@settings(max_examples=60, deadline=None)
@given(observed_histories())
def test_each_group_of_by_equals_that_group_alone(h):
    shares = bottlenecks(h, by="instance_type").shares
    stats = duration_stats(h, by="instance_type")
    for value in ["a", "b", None]:
        members = (
            h.jobs["instance_type"].isna() if value is None else h.jobs["instance_type"] == value
        ).to_numpy(dtype=bool)
        alone = h.select(members)
        expected = bottlenecks(alone).shares
        expected = _plain(expected[(expected["seconds"] > 0) | (expected["bottleneck_jobs"] > 0)])
        pd.testing.assert_frame_equal(_group(shares, "instance_type", value), expected)
        pd.testing.assert_frame_equal(
            _group(stats, "instance_type", value), _plain(duration_stats(alone))
        )


def test_a_job_described_while_running_is_not_measured_to_another_files_time():
    # a job described in 2023 while Starting, loaded beside a job of 2025
    running = {
        "TrainingJobName": "old",
        "TrainingJobStatus": "InProgress",
        "SecondaryStatusTransitions": [{"Status": "Starting", "StartTime": "2023-04-05T15:29:57Z"}],
        "ObservedAt": "2023-04-05T15:35:00Z",
    }
    done = {
        "TrainingJobName": "new",
        "TrainingJobStatus": "Completed",
        "LastModifiedTime": "2025-05-16T18:13:37Z",
        "SecondaryStatusTransitions": [
            {
                "Status": "Starting",
                "StartTime": "2025-05-16T18:00:00Z",
                "EndTime": "2025-05-16T18:13:37Z",
            },
            {
                "Status": "Completed",
                "StartTime": "2025-05-16T18:13:37Z",
                "EndTime": "2025-05-16T18:13:37Z",
            },
        ],
    }
    d = durations(smstatus.load([running, done]))
    assert d.loc[0, "duration_s"] == 303.0 and d.loc[0, "censored"]  # 5 min 3 s, not 772 days
    p = phase_table(smstatus.load([running, done]))
    assert p.loc[0, "wall_s"] == 303.0


def test_an_explicit_as_of_measures_every_job_to_it():
    h = JobHistory.concat(
        [
            chain("a", [("Starting", 60), ("Training", 0)], open_last=True, observed_at=at(100)),
            chain("b", [("Starting", 10), ("Pending", 0)], open_last=True, observed_at=at(50)),
        ]
    )
    assert durations(h)["duration_s"].tolist() == [60.0, 40.0, 10.0, 40.0]
    d = durations(h, as_of=at(1000))
    assert d["duration_s"].tolist() == [60.0, 940.0, 10.0, 990.0]
    assert d.attrs["as_of"] == at(1000)


def test_a_name_listed_twice_takes_its_latest_observation():
    a = chain("a", [("Starting", 60), ("Training", 0)], open_last=True, observed_at=at(100))
    jobs = pd.concat([a.jobs, a.jobs.assign(observed_at=at(300))], ignore_index=True)
    h = JobHistory(jobs, a.transitions)
    assert durations(h)["duration_s"].tolist() == [60.0, 240.0]


def test_observed_at_is_filled_from_every_job_time():
    h = job("a", ("Starting", 0, None), training_end_time=at(70), creation_time=at(-5))
    assert h.jobs["observed_at"].tolist() == [at(70)]
    assert at(0) == T0
