"""The option groups of a fetch: JobFilter, Pacing, ClientOptions, and their plain keywords."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import smstatus
from moto_server import KINDS, T0
from smstatus.fetch.collector import Collector, collect
from smstatus.fetch.options import ClientOptions, FetchKeywords, JobFilter, Pacing

NO_PACE = Pacing(list_rate=None, describe_rate=None)


def test_the_groups_are_public_names():
    assert smstatus.JobFilter is JobFilter
    assert smstatus.Pacing is Pacing
    assert smstatus.ClientOptions is ClientOptions


def test_plain_keywords_cover_exactly_the_fields_of_the_groups():
    fields = [
        f.name for kind in (JobFilter, Pacing, ClientOptions) for f in dataclasses.fields(kind)
    ]
    assert sorted(fields) == sorted(FetchKeywords.__annotations__)
    assert len(set(fields)) == len(fields)  # no field in two groups


def test_plain_keywords_and_groups_give_the_same_collector():
    flat = Collector(
        created_after="2024-06-01T02:00:00+02:00",
        name_contains="xgb",
        status="Failed",
        max_workers=3,
        describe_rate=4.0,
        retry_mode="standard",
        region="eu-west-1",
        endpoint_url="http://127.0.0.1:1",
    )
    grouped = Collector(
        jobs=JobFilter(
            created_after=dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
            name_contains="xgb",
            status="Failed",
        ),
        pacing=Pacing(max_workers=3, describe_rate=4.0, retry_mode="standard"),
        client_options=ClientOptions(region="eu-west-1", endpoint_url="http://127.0.0.1:1"),
    )
    assert flat.jobs == grouped.jobs
    assert flat.pacing == grouped.pacing
    assert flat.client_options == grouped.client_options
    assert flat.pacing.list_rate == 2.0 and flat.pacing.max_attempts == 10  # defaults kept


def test_without_options_the_defaults_are_the_documented_ones():
    c = Collector()
    assert c.jobs == JobFilter()
    assert (c.pacing.max_workers, c.pacing.list_rate, c.pacing.describe_rate) == (8, 2.0, 10.0)
    assert (c.pacing.retry_mode, c.pacing.max_attempts) == ("adaptive", 10)
    assert c.client_options == ClientOptions()


def test_job_filter_gives_the_list_parameters_in_utc():
    f = JobFilter(created_after="2024-03-01 02:00", created_before="2024-03-08T00:00:00+01:00")
    assert f.list_params() == {
        "SortBy": "CreationTime",
        "SortOrder": "Ascending",
        "CreationTimeAfter": dt.datetime(2024, 3, 1, 2, tzinfo=dt.UTC),
        "CreationTimeBefore": dt.datetime(2024, 3, 7, 23, tzinfo=dt.UTC),
    }
    assert JobFilter(name_contains="bert", status="Stopped").list_params() == {
        "SortBy": "CreationTime",
        "SortOrder": "Ascending",
        "NameContains": "bert",
        "StatusEquals": "Stopped",
    }


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: JobFilter(status="Running"), "status must be one of"),
        (lambda: JobFilter(created_before="someday"), "created_before"),
        (lambda: Pacing(max_workers=0), "max_workers"),
        (lambda: Pacing(max_attempts=0), "max_attempts"),
        (lambda: Pacing(retry_mode="eager"), "retry_mode"),  # type: ignore[arg-type]
    ],
)
def test_a_group_names_its_bad_field(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_a_group_and_its_own_keyword_are_refused_together():
    with pytest.raises(ValueError, match=r"name_contains= inside jobs=JobFilter"):
        collect(jobs=JobFilter(status="Failed"), name_contains="x")
    with pytest.raises(ValueError, match=r"max_workers= inside pacing=Pacing"):
        Collector(pacing=NO_PACE, max_workers=2)
    # keywords of another group are fine beside a group
    assert Collector(jobs=JobFilter(status="Failed"), max_workers=2).pacing.max_workers == 2


def test_unknown_keywords_and_wrong_groups_are_type_errors():
    with pytest.raises(TypeError, match="name_contain"):
        collect(name_contain="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="pacing= must be a Pacing"):
        Collector(pacing={"max_workers": 2})  # type: ignore[arg-type]


def test_a_job_filter_reaches_the_server(sm):
    sm.create_jobs(KINDS * 2, prefix="xgb")
    sm.create_jobs(KINDS, prefix="bert", t0=T0 + dt.timedelta(days=1))
    client = sm.client()
    bert = collect(client=client, jobs=JobFilter(name_contains="bert"), pacing=NO_PACE)
    assert set(bert.history.jobs["job_name"].str[:4]) == {"bert"}
    assert bert.history.n_jobs == 5
    late = collect(
        client=client, jobs=JobFilter(created_after=T0 + dt.timedelta(hours=12)), pacing=NO_PACE
    )
    assert late.history.n_jobs == 5
