"""Bottleneck phases and the variants of the histories."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from _histories import at, chain, histories, job
from smstatus import JobHistory
from smstatus.analysis.hotspots import Bottlenecks, bottlenecks, variants


def _jobs() -> JobHistory:
    return JobHistory.concat(
        [
            chain(
                "wait",
                [
                    ("Starting", 50),
                    ("Pending", 900),
                    ("Downloading", 60),
                    ("Training", 2000),
                    ("Uploading", 40),
                    ("Completed", 0),
                ],
                instance_type="ml.p4d.24xlarge",
            ),
            chain(
                "slowdl",
                [
                    ("Starting", 100),
                    ("Downloading", 700),
                    ("Training", 500),
                    ("Uploading", 20),
                    ("Completed", 0),
                ],
                instance_type="ml.m5.xlarge",
            ),
            chain(
                "quick",
                [
                    ("Starting", 30),
                    ("Downloading", 20),
                    ("Training", 100),
                    ("Uploading", 10),
                    ("Completed", 0),
                ],
                instance_type="ml.m5.xlarge",
            ),
        ]
    )


def test_bottleneck_per_job():
    b = bottlenecks(_jobs())
    assert isinstance(b, Bottlenecks)
    pj = b.per_job
    assert list(pj.columns) == ["job_name", "bottleneck", "seconds", "share"]
    assert pj["bottleneck"].astype(str).tolist() == ["Pending", "Downloading", "Starting"]
    assert pj["seconds"].tolist() == [900.0, 700.0, 30.0]
    assert pj["share"].tolist() == pytest.approx([900 / 3050, 700 / 1320, 30 / 160])
    assert b.exclude == ("Training",)
    assert b.as_of is None  # each job measured up to its own observed_at


def test_exclude_nothing_makes_training_a_bottleneck():
    b = bottlenecks(_jobs(), exclude=())
    assert b.per_job["bottleneck"].astype(str).tolist() == ["Training", "Downloading", "Training"]
    assert "Training" in set(b.shares["status"].astype(str))


def test_shares_sum_to_one_per_group():
    b = bottlenecks(_jobs(), by="instance_type")
    assert list(b.shares.columns) == [
        "instance_type",
        "status",
        "seconds",
        "share",
        "bottleneck_jobs",
    ]
    totals = b.shares.groupby("instance_type", observed=True)["share"].sum()
    assert totals.to_numpy() == pytest.approx([1.0, 1.0])
    m5 = b.shares[b.shares["instance_type"] == "ml.m5.xlarge"].set_index("status")
    assert m5.loc["Downloading", "seconds"] == 720.0
    assert m5.loc["Downloading", "share"] == pytest.approx(720 / (130 + 720 + 30))
    assert m5.loc["Downloading", "bottleneck_jobs"] == 1
    assert m5.loc["Starting", "bottleneck_jobs"] == 1
    assert m5.loc["Pending", "seconds"] == 0.0
    # terminal statuses take no time and are left out; Training is excluded
    assert set(b.shares["status"].astype(str)) == {
        "Starting",
        "Pending",
        "Downloading",
        "Uploading",
    }
    assert b.per_job["instance_type"].tolist() == [
        "ml.p4d.24xlarge",
        "ml.m5.xlarge",
        "ml.m5.xlarge",
    ]
    assert b.by == ("instance_type",)


def test_shares_without_groups_form_one_group():
    b = bottlenecks(_jobs())
    assert list(b.shares.columns) == ["status", "seconds", "share", "bottleneck_jobs"]
    assert b.shares["share"].sum() == pytest.approx(1.0)
    assert b.shares["bottleneck_jobs"].sum() == 3


def test_slowest_jobs_per_phase():
    b = bottlenecks(_jobs(), top=2)
    s = b.slowest
    assert list(s.columns) == ["status", "rank", "job_name", "seconds"]
    dl = s[s["status"] == "Downloading"]
    assert dl["job_name"].tolist() == ["slowdl", "wait"]
    assert dl["rank"].tolist() == [1, 2]
    assert dl["seconds"].tolist() == [700.0, 60.0]
    pending = s[s["status"] == "Pending"]
    assert pending["job_name"].tolist() == ["wait"]  # jobs that never were in it are not listed
    assert bottlenecks(_jobs(), top=0).slowest.empty
    with pytest.raises(ValueError, match="top"):
        bottlenecks(_jobs(), top=-1)


def test_bottleneck_of_a_running_job_uses_as_of():
    h = chain("run", [("Starting", 10), ("Pending", 0)], open_last=True)
    b = bottlenecks(h, as_of=at(1010))
    assert b.per_job["bottleneck"].astype(str).tolist() == ["Pending"]
    assert b.per_job["seconds"].tolist() == [1000.0]


def test_job_with_no_time_outside_training_has_no_bottleneck():
    h = JobHistory.concat([chain("t", [("Training", 100), ("Completed", 0)]), _jobs()])
    b = bottlenecks(h)
    assert pd.isna(b.per_job.loc[0, "bottleneck"])
    assert b.per_job.loc[0, "seconds"] == 0.0


def test_bottlenecks_of_an_empty_history():
    b = bottlenecks(JobHistory.empty())
    assert b.per_job.empty and b.shares.empty and b.slowest.empty


def test_bottlenecks_repr_and_html():
    b = bottlenecks(_jobs(), by="instance_type")
    assert "3 jobs" in repr(b) and "Pending 1" in repr(b)
    page = b._repr_html_()
    assert "<table" in page and "Share of time per phase" in page and "slowdl" in page
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.per_job = b.shares  # type: ignore[misc]


# -- variants -----------------------------------------------------------------------------------


def test_variants_collapse_repeats_and_show_loops():
    h = JobHistory.concat(
        [
            job(
                "a",
                ("Starting", 0, 10),
                ("Starting", 10, 20),
                ("Training", 20, 30),
                ("Completed", 30, 30),
            ),
            chain("b", [("Starting", 5), ("Training", 10), ("Completed", 0)]),
            chain(
                "c",
                [
                    ("Starting", 5),
                    ("Training", 10),
                    ("Interrupted", 1),
                    ("Starting", 5),
                    ("Training", 10),
                    ("Completed", 0),
                ],
            ),
        ]
    )
    v = variants(h)
    assert list(v.columns) == [
        "variant",
        "n_statuses",
        "count",
        "share",
        "median_wall_s",
        "has_loop",
        "example_job",
    ]
    assert v["variant"].tolist() == [
        "Starting → Training → Completed",
        "Starting → Training → Interrupted → Starting → Training → Completed",
    ]
    assert v["count"].tolist() == [2, 1]
    assert v["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert v["n_statuses"].tolist() == [3, 6]
    assert v["has_loop"].tolist() == [False, True]
    assert v["median_wall_s"].tolist() == [22.5, 31.0]
    assert v["example_job"].tolist() == ["a", "c"]


def test_variants_include_jobs_without_entries_and_unknown_statuses():
    h = JobHistory(
        pd.DataFrame({"job_name": ["x", "none"]}),
        chain("x", [("Starting", 5), ("Warming", 5), ("Completed", 0)]).transitions,
    )
    v = variants(h)
    assert v["variant"].tolist() == ["(no entries)", "Starting → Warming → Completed"]
    assert v["n_statuses"].tolist() == [0, 3]
    assert np.isnan(v.loc[0, "median_wall_s"])


def test_variants_of_an_empty_history():
    assert variants(JobHistory.empty()).empty


def test_variants_most_common_first_and_ties_by_name():
    parts = [chain(f"a{i}", [("Starting", 1), ("Failed", 0)]) for i in range(2)]
    parts += [chain(f"b{i}", [("Starting", 1), ("Completed", 0)]) for i in range(2)]
    parts += [chain("c", [("Starting", 1), ("Stopping", 1), ("Stopped", 0)])]
    v = variants(JobHistory.concat(parts))
    assert v["variant"].tolist() == [
        "Starting → Completed",
        "Starting → Failed",
        "Starting → Stopping → Stopped",
    ]


def _runs(statuses: list[str]) -> list[str]:
    return [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]


@settings(max_examples=30)
@given(histories())
def test_variants_agree_with_a_per_job_reference(h):
    v = variants(h)
    assert v["count"].sum() == h.n_jobs
    if h.n_jobs:
        assert v["share"].sum() == pytest.approx(1.0)
    expected: dict[str, int] = {}
    for name in h.jobs["job_name"]:
        runs = _runs([r.status for r in h.records(name)])
        key = " → ".join(runs) if runs else "(no entries)"
        expected[key] = expected.get(key, 0) + 1
    assert dict(zip(v["variant"], v["count"], strict=True)) == expected
    assert (v["count"].diff().dropna() <= 0).all()
    for text, loop in zip(v["variant"], v["has_loop"], strict=True):
        parts = text.split(" → ") if text != "(no entries)" else []
        assert loop == (len(set(parts)) < len(parts))


def test_long_variants_that_differ_late_stay_apart():
    # 30 runs: more than one packed word of status codes per sequence
    loop = [("Starting", 1), ("Training", 1), ("Interrupted", 1)] * 10
    parts = [
        chain("long-a", [*loop, ("Completed", 0)]),
        chain("long-b", [*loop, ("Failed", 0)]),
        chain("long-c", [*loop, ("Completed", 0)]),
        chain("long-d", [("Pending", 1), *loop[1:], ("Completed", 0)]),
    ]
    v = variants(JobHistory.concat(parts))
    assert v["count"].tolist() == [2, 1, 1]
    assert v["n_statuses"].tolist() == [31, 31, 31]
    assert v["example_job"].tolist() == ["long-a", "long-d", "long-b"]  # ties by name
    assert v["variant"].iloc[0].endswith("Interrupted → Completed")
    assert v["has_loop"].all()
