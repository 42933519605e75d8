"""Every edge the histories show, against the machine."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import smstatus
from _histories import chain, histories, job
from smstatus import JobHistory, StatusMachine, default_machine
from smstatus.analysis.edges import missing_from_machine, never_seen, observed_edges


def _history() -> JobHistory:
    return JobHistory.concat(
        [
            # a repeat of Starting: one edge Starting -> Downloading, leaving after 30 s in all
            job(
                "a",
                ("Starting", 0, 10),
                ("Starting", 10, 30),
                ("Downloading", 30, 40),
                ("Training", 40, 100),
                ("Uploading", 100, 110),
                ("Completed", 110, 110),
            ),
            chain(
                "b",
                [
                    ("Starting", 50),
                    ("Downloading", 20),
                    ("Training", 100),
                    ("Uploading", 10),
                    ("Completed", 0),
                ],
            ),
            # Completed -> Starting is not in the machine; Warming is not a status at all
            chain(
                "c",
                [
                    ("Starting", 5),
                    ("Warming", 5),
                    ("Training", 5),
                    ("Completed", 0),
                    ("Starting", 1),
                ],
            ),
        ]
    )


def test_observed_edges_counts_and_medians():
    e = observed_edges(_history())
    assert list(e.columns) == ["source", "dest", "count", "median_s", "in_machine", "basis"]
    seen = e[e["count"] > 0].set_index(["source", "dest"])
    assert seen.loc[("Starting", "Downloading"), "count"] == 2
    assert seen.loc[("Starting", "Downloading"), "median_s"] == 40.0  # (30 + 50) / 2
    assert seen.loc[("Training", "Uploading"), "median_s"] == 80.0
    assert seen.loc[("Starting", "Downloading"), "basis"] == "doc,seen"
    assert seen.loc[("Starting", "Downloading"), "in_machine"]
    assert not seen.loc[("Completed", "Starting"), "in_machine"]
    assert pd.isna(seen.loc[("Completed", "Starting"), "basis"])
    assert not seen.loc[("Starting", "Warming"), "in_machine"]
    # no self-edges: repeats are not edges
    assert not (e["source"] == e["dest"]).any()
    # seen edges first, most taken first
    assert e["count"].iloc[0] == e["count"].max()
    assert (e["count"].iloc[: len(seen)] > 0).all()


def test_machine_edges_never_seen_have_count_zero():
    e = observed_edges(_history())
    machine = default_machine()
    unseen = e[e["count"] == 0]
    assert unseen["in_machine"].all()
    assert unseen["median_s"].isna().all()
    pairs = set(zip(e["source"].astype(str), e["dest"].astype(str), strict=True))
    assert {(x.source, x.dest) for x in machine.edges} <= pairs
    basis = unseen.set_index(["source", "dest"])["basis"]
    assert basis.loc[("Training", "Restarting")] == "inferred"


def test_filters_on_a_history_or_the_frame():
    h = _history()
    e = observed_edges(h)
    missing = missing_from_machine(e)
    assert set(zip(missing["source"].astype(str), missing["dest"].astype(str), strict=True)) == {
        ("Completed", "Starting"),
        ("Starting", "Warming"),
        ("Warming", "Training"),
        ("Training", "Completed"),  # Uploading comes in between
    }
    assert missing_from_machine(h).equals(missing)
    unseen = never_seen(e)
    assert (unseen["count"] == 0).all() and unseen["in_machine"].all()
    assert never_seen(h).equals(unseen)
    with pytest.raises(ValueError, match="lacks"):
        never_seen(pd.DataFrame({"source": []}))


def test_a_custom_machine():
    # the first three edges: Starting -> Pending, Downloading, Training
    machine = StatusMachine(edges=default_machine().edges[:3], version="tiny")
    e = observed_edges(_history(), machine=machine)
    assert e.attrs["machine_version"] == "tiny"
    row = e.set_index(["source", "dest"]).loc[("Downloading", "Training")]
    assert not row["in_machine"] and row["count"] == 2
    unseen = e[e["count"] == 0]
    assert set(zip(unseen["source"].astype(str), unseen["dest"].astype(str), strict=True)) == {
        ("Starting", "Pending"),
        ("Starting", "Training"),
    }


def test_edges_of_the_real_example(data_dir):
    h = smstatus.load(data_dir / "describe" / "desc-xgb-20250516.json")
    e = observed_edges(h)
    seen = e[e["count"] > 0]
    assert list(zip(seen["source"].astype(str), seen["dest"].astype(str), strict=True)) == [
        ("Starting", "Downloading"),  # ties in lifecycle order
        ("Downloading", "Training"),
        ("Training", "Uploading"),
        ("Uploading", "Completed"),
    ]
    assert seen["in_machine"].all()
    assert seen.set_index("source")["median_s"].loc["Starting"] == 41.636


def test_edges_of_an_empty_history():
    e = observed_edges(JobHistory.empty())
    assert (e["count"] == 0).all() and len(e) == len(default_machine().edges)


@settings(max_examples=30)
@given(histories())
def test_edge_counts_agree_with_a_per_job_reference(h):
    e = observed_edges(h)
    expected: dict[tuple[str, str], int] = {}
    for name in h.jobs["job_name"]:
        statuses = [r.status for r in h.records(name)]
        runs = [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
        for a, b in itertools.pairwise(runs):
            expected[(a, b)] = expected.get((a, b), 0) + 1
    seen = e[e["count"] > 0]
    got = dict(
        zip(
            zip(seen["source"].astype(str), seen["dest"].astype(str), strict=True),
            seen["count"],
            strict=True,
        )
    )
    assert got == expected
    legal = np.asarray([default_machine().is_legal(a, b) for a, b in got], dtype=bool)
    assert seen["in_machine"].to_numpy().tolist() == legal.tolist()
