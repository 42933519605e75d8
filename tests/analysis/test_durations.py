"""Entry durations, censoring, the phase table and duration statistics."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import smstatus
from _histories import at, chain, histories, job
from smstatus import JobHistory
from smstatus.analysis.phases import duration_stats, durations, phase_table, resolve_as_of
from smstatus.status import TERMINAL_STATUSES

TERMINAL = {s.value for s in TERMINAL_STATUSES}


# -- durations of the real examples -------------------------------------------------------------


def test_durations_of_real_describe_equal_end_minus_start(data_dir):
    path = data_dir / "describe" / "desc-xgb-20250516.json"
    raw = json.loads(path.read_text())["SecondaryStatusTransitions"]
    d = durations(smstatus.load(path))
    expected = [
        (pd.Timestamp(r["EndTime"]) - pd.Timestamp(r["StartTime"])) / pd.Timedelta(seconds=1)
        for r in raw
    ]
    assert d["duration_s"].tolist() == expected  # exact, not approximately
    assert d["duration_s"].tolist() == [41.636, 101.704, 10.562, 12.76, 0.0]
    assert not d["censored"].any()
    assert d["status"].astype(str).tolist() == [r["Status"] for r in raw]
    assert d.attrs["as_of"] is None  # none given: each job up to its own observed_at


def test_running_real_describe_is_censored_up_to_as_of(data_dir):
    h = smstatus.load(data_dir / "describe" / "desc-schematical-inprogress-20230405.json")
    start = h.transitions["start_time"].iloc[0]
    d = durations(h)
    # described while running, with no fetch time: observed at its latest timestamp, here
    # the entry's start (the file's other times are earlier)
    assert h.jobs["observed_at"].tolist() == [start]
    assert d.attrs["as_of"] is None
    assert d["censored"].tolist() == [True]
    assert d["duration_s"].tolist() == [(h.jobs["observed_at"].iloc[0] - start).total_seconds()]
    later = start + pd.Timedelta(minutes=7, seconds=3.5)
    d = durations(h, as_of=later)
    assert d["duration_s"].tolist() == [423.5]
    assert d.attrs["as_of"] == later
    assert pd.isna(d["end_time"].iloc[0])  # end_time stays as recorded


# -- censoring and as_of ------------------------------------------------------------------------


def test_open_entries_are_measured_to_the_jobs_observed_at():
    h = chain("a", [("Starting", 60), ("Training", 30)], open_last=True)
    assert h.jobs["observed_at"].tolist() == [at(60)]  # its latest timestamp
    assert durations(h)["duration_s"].tolist() == [60.0, 0.0]
    h = chain("a", [("Starting", 60), ("Training", 30)], open_last=True, last_modified_time=at(500))
    d = durations(h)
    assert d.attrs["as_of"] is None
    assert d["duration_s"].tolist() == [60.0, 440.0]
    assert d["censored"].tolist() == [False, True]
    assert resolve_as_of(h) == at(500)
    h = chain("a", [("Starting", 60), ("Training", 30)], open_last=True, observed_at=at(900))
    assert durations(h)["duration_s"].tolist() == [60.0, 840.0]


def test_observed_at_is_never_before_the_jobs_latest_timestamp():
    h = chain("a", [("Starting", 60), ("Training", 30)], open_last=True, observed_at=at(10))
    assert h.jobs["observed_at"].tolist() == [at(60)]
    assert durations(h)["duration_s"].tolist() == [60.0, 0.0]


def test_a_job_is_measured_to_its_own_time_not_to_another_jobs():
    old = chain("old", [("Starting", 10), ("Training", 0)], open_last=True)
    h = JobHistory.concat([old, job("new", ("Starting", 1000, 1100), ("Completed", 1100, 1100))])
    d = durations(h)
    assert d.attrs["as_of"] is None
    assert d.loc[1, "duration_s"] == 0.0 and d.loc[1, "censored"]  # not 1090 s
    pd.testing.assert_frame_equal(d.iloc[:2], durations(old), check_categorical=False)
    d = durations(h, as_of=at(1100))  # an explicit as_of holds for every job
    assert d.attrs["as_of"] == at(1100)
    assert d.loc[1, "duration_s"] == 1090.0


@pytest.mark.parametrize(
    "as_of",
    [
        "2024-01-01T00:10:00Z",
        "2024-01-01T01:10:00+01:00",
        "2024-01-01 00:10:00",  # naive: UTC
        dt.datetime(2024, 1, 1, 0, 10, tzinfo=dt.UTC),
        pd.Timestamp("2024-01-01T00:10:00Z"),
        1704067800,  # epoch seconds
    ],
)
def test_as_of_forms(as_of):
    h = chain("a", [("Starting", 60), ("Training", 0)], open_last=True)
    d = durations(h, as_of=as_of)
    assert d["duration_s"].tolist() == [60.0, 540.0]
    assert d.attrs["as_of"] == at(600)


def test_bad_as_of_is_an_error_naming_it():
    h = chain("a", [("Starting", 60), ("Training", 0)], open_last=True)
    with pytest.raises(smstatus.ParseError, match="as_of"):
        durations(h, as_of="yesterday-ish")


def test_as_of_before_an_open_entry_is_an_error():
    h = chain("a", [("Starting", 60), ("Training", 0)], open_last=True)
    with pytest.raises(ValueError, match=r"before the start of an open entry of job 'a'"):
        durations(h, as_of=at(30))


def test_as_of_does_not_change_closed_entries():
    h = chain("a", [("Starting", 60), ("Training", 100), ("Completed", 0)])
    assert durations(h, as_of=at(10_000))["duration_s"].tolist() == [60.0, 100.0, 0.0]
    assert durations(h, as_of=at(10)).attrs["as_of"] == at(10)


def test_open_entry_followed_by_another_ends_at_the_next_start():
    h = job("a", ("Starting", 0, None), ("Downloading", 45, 100), ("Training", 100, None))
    d = durations(h, as_of=at(130))
    assert d["duration_s"].tolist() == [45.0, 55.0, 30.0]
    assert d["censored"].tolist() == [False, False, True]


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
def test_open_terminal_last_entry_lasts_zero(terminal):
    h = job("a", ("Starting", 0, 10), (terminal, 10, None))
    d = durations(h, as_of=at(1000))
    assert d["duration_s"].tolist() == [10.0, 0.0]
    assert not d["censored"].any()


def test_rows_keep_their_order_when_jobs_interleave():
    transitions = pd.DataFrame(
        {
            "job_name": ["a", "b", "a", "b"],
            "step": [0, 0, 1, 1],
            "status": ["Starting", "Starting", "Training", "Training"],
            "start_time": [at(0), at(5), at(10), at(20)],
            "end_time": [None, at(20), None, None],
        }
    )
    h = JobHistory(None, transitions)
    d = durations(h, as_of=at(100))
    assert d["job_name"].astype(str).tolist() == ["a", "b", "a", "b"]
    # a's open Starting ends when a's Training starts, not when b's does
    assert d["duration_s"].tolist() == [10.0, 15.0, 90.0, 80.0]
    assert d["censored"].tolist() == [False, False, True, True]


def test_durations_columns_and_dtypes():
    h = chain("a", [("Starting", 1.5), ("Completed", 0)])
    d = durations(h)
    assert list(d.columns) == [
        "job_name",
        "step",
        "status",
        "start_time",
        "end_time",
        "duration_s",
        "censored",
    ]
    assert d["duration_s"].dtype == np.float64
    assert d["censored"].dtype == bool
    assert str(d["start_time"].dtype) == "datetime64[ns, UTC]"


def test_empty_history():
    h = JobHistory.empty()
    d = durations(h)
    assert len(d) == 0 and pd.isna(d.attrs["as_of"])
    p = phase_table(h)
    assert len(p) == 0 and "wall_s" in p.columns
    s = duration_stats(h)
    assert len(s) == 0 and {"count", "p50_s", "max_s"} <= set(s.columns)


def test_job_without_entries_keeps_its_row():
    h = JobHistory(
        pd.DataFrame({"job_name": ["a", "empty"]}),
        chain("a", [("Starting", 5), ("Completed", 0)]).transitions,
    )
    p = phase_table(h)
    assert p["job_name"].tolist() == ["a", "empty"]
    assert p.loc[1, "Starting_s"] == 0.0
    assert np.isnan(p.loc[1, "wall_s"]) and np.isnan(p.loc[1, "overhead_share"])
    assert p.loc[1, "n_attempts"] == 0 and not p.loc[1, "censored"]


def test_unknown_status_is_measured_as_its_own_phase():
    h = chain("a", [("Starting", 10), ("Warming", 20), ("Training", 30), ("Completed", 0)])
    d = durations(h)
    assert d["status"].astype(str).tolist()[1] == "Warming"
    assert d["duration_s"].tolist() == [10.0, 20.0, 30.0, 0.0]
    p = phase_table(h)
    assert p.loc[0, "Warming_s"] == 20.0
    s = duration_stats(h)
    assert s.loc[s["status"] == "Warming", "max_s"].item() == 20.0


def test_negative_durations_are_kept_as_data():
    h = job("a", ("Starting", 100, 40))
    assert durations(h)["duration_s"].tolist() == [-60.0]


def test_duplicate_job_names_warn_and_pool():
    a = chain("a", [("Starting", 10), ("Completed", 0)])
    h = JobHistory.concat([a, a])
    with pytest.warns(UserWarning, match="appear more than once"):
        p = phase_table(h)
    assert p["job_name"].tolist() == ["a", "a"]
    assert p["Starting_s"].tolist() == [20.0, 20.0]


def test_history_argument_is_checked():
    with pytest.raises(TypeError, match="JobHistory"):
        durations(pd.DataFrame())


# -- phase table --------------------------------------------------------------------------------


def test_phase_table_figures_of_a_hand_built_job():
    h = job(
        "a",
        ("Starting", 0, 100),
        ("Starting", 100, 150),  # a repeat: same attempt
        ("Downloading", 150, 200),
        ("Training", 200, 1000),
        ("Interrupted", 1000, 1010),
        ("Interrupted", 1010, 1020),  # a repeat: one interruption
        ("Starting", 1020, 1100),  # a second attempt
        ("Downloading", 1100, 1150),
        ("Training", 1150, 2000),
        ("Uploading", 2000, 2050),
        ("Completed", 2050, 2050),
        creation_time=at(-30),
        instance_type="ml.m5.xlarge",
        instance_count=2,
        spot=True,
        training_job_status="Completed",
    )
    p = phase_table(h)
    row = p.iloc[0]
    assert row["Starting_s"] == 230.0
    assert row["Downloading_s"] == 100.0
    assert row["Training_s"] == 1650.0
    assert row["Interrupted_s"] == 20.0
    assert row["Uploading_s"] == 50.0
    assert row["Completed_s"] == 0.0
    assert row["wall_s"] == 2050.0
    assert row["to_first_training_s"] == 200.0
    assert row["to_first_training_from_creation_s"] == 230.0
    assert row["overhead_share"] == pytest.approx(400 / 2050)
    assert row["n_interruptions"] == 1
    assert row["n_attempts"] == 1
    assert not row["censored"]
    assert row["instance_type"] == "ml.m5.xlarge"
    assert row["instance_count"] == 2
    assert row["spot"]
    assert row["training_job_status"] == "Completed"
    assert row["creation_time"] == at(-30)
    assert p.attrs["as_of"] is None


def test_phase_table_columns():
    h = chain("a", [("Starting", 1), ("Training", 1), ("Completed", 0)])
    p = phase_table(h)
    figures = [
        "job_name",
        "Starting_s",
        "Training_s",
        "Completed_s",
        "wall_s",
        "to_first_training_from_creation_s",
        "to_first_training_s",
        "overhead_share",
        "n_interruptions",
        "n_attempts",
        "censored",
    ]
    assert list(p.columns[: len(figures)]) == figures
    rest = [c for c in h.jobs.columns if c != "job_name"]
    assert list(p.columns[len(figures) :]) == rest
    assert p["n_attempts"].dtype == np.int64 and p["censored"].dtype == bool


def test_phase_table_censored_job_and_as_of():
    h = chain("a", [("Starting", 60), ("Training", 0)], open_last=True)
    p = phase_table(h, as_of=at(660))
    assert p.loc[0, "Training_s"] == 600.0
    assert p.loc[0, "wall_s"] == 660.0
    assert p.loc[0, "censored"]
    assert p.loc[0, "overhead_share"] == pytest.approx(60 / 660)
    assert p.attrs["as_of"] == at(660)
    assert np.isnan(p.loc[0, "to_first_training_from_creation_s"])  # no creation time


def test_phase_table_never_trained():
    h = chain("a", [("Starting", 60), ("Stopping", 5), ("MaxWaitTimeExceeded", 0)])
    p = phase_table(h)
    assert np.isnan(p.loc[0, "to_first_training_s"])
    assert p.loc[0, "overhead_share"] == 1.0
    assert "Training_s" not in p.columns


def test_phase_table_zero_wall():
    h = job("a", ("Completed", 0, 0))
    p = phase_table(h)
    assert p.loc[0, "wall_s"] == 0.0 and np.isnan(p.loc[0, "overhead_share"])


def test_phase_table_keeps_jobs_order():
    h = JobHistory.concat(
        [chain(n, [("Starting", i + 1), ("Completed", 0)]) for i, n in enumerate("zya")]
    )
    p = phase_table(h)
    assert p["job_name"].tolist() == ["z", "y", "a"]
    assert p["Starting_s"].tolist() == [1.0, 2.0, 3.0]


def _reference(h: JobHistory) -> pd.DataFrame:
    """A slow, per-job phase table written independently of the vectorised one."""
    out = []
    for row in h.jobs.itertuples(index=False):
        latest = [
            t
            for r in h.records(row.job_name)
            for t in (r.start_time, r.end_time)
            if t is not None and not pd.isna(t)
        ]
        as_of = max([*latest, *(t for t in [row.creation_time] if not pd.isna(t))], default=None)
        recs = h.records(row.job_name)
        ends, cens = [], []
        for i, r in enumerate(recs):
            if r.end_time is not None:
                ends.append(r.end_time), cens.append(False)
            elif i + 1 < len(recs):
                ends.append(recs[i + 1].start_time), cens.append(False)
            elif r.status in TERMINAL:
                ends.append(r.start_time), cens.append(False)
            else:
                ends.append(as_of), cens.append(True)
        secs: dict[str, float] = {}
        for r, end in zip(recs, ends, strict=True):
            secs[r.status] = secs.get(r.status, 0.0) + (end - r.start_time) / pd.Timedelta("1s")
        runs = [r.status for i, r in enumerate(recs) if i == 0 or recs[i - 1].status != r.status]
        first = min((r.start_time for r in recs), default=None)
        wall = (max(ends) - first) / pd.Timedelta("1s") if recs else np.nan
        trainings = [r.start_time for r in recs if r.status == "Training"]
        ft = (min(trainings) - first) / pd.Timedelta("1s") if trainings else np.nan
        ftc = (
            (min(trainings) - row.creation_time) / pd.Timedelta("1s")
            if trainings and not pd.isna(row.creation_time)
            else np.nan
        )
        out.append(
            {
                "job_name": row.job_name,
                **{f"{k}_s": v for k, v in secs.items()},
                "wall_s": wall,
                "to_first_training_from_creation_s": ftc,
                "to_first_training_s": ft,
                "overhead_share": (wall - secs.get("Training", 0.0)) / wall if wall > 0 else np.nan,
                "n_interruptions": runs.count("Interrupted"),
                "n_attempts": max(runs.count("Starting") - 1, 0),
                "censored": any(cens),
            }
        )
    return pd.DataFrame(out)


@given(histories())
def test_phase_table_equals_a_slow_reference(h):
    # durations: one row per entry, in order; only a job's last open non-terminal entry is
    # censored; nothing negative in well-formed histories
    d = durations(h)
    assert len(d) == len(h.transitions)
    assert d["step"].tolist() == h.transitions["step"].tolist()
    last = ~h.transitions["job_name"].astype(str).duplicated(keep="last")
    open_ = h.transitions["end_time"].isna()
    terminal = h.transitions["status"].astype(str).isin(TERMINAL)
    assert d["censored"].tolist() == (last & open_ & ~terminal).tolist()
    assert (d["duration_s"] >= 0).all()
    # duration_stats counts every entry once
    s = duration_stats(h)
    assert s["count"].sum() == d["duration_s"].notna().sum()
    assert s["censored"].sum() == d["censored"].sum()
    assert (s["max_s"] >= s["p50_s"]).all()

    p = phase_table(h)
    ref = _reference(h)
    assert len(p) == len(ref) == h.n_jobs
    for col in ref.columns:
        expected = ref[col]
        if col.endswith("_s") and col.removesuffix("_s") in {
            str(s) for s in h.transitions["status"].unique()
        }:
            expected = expected.fillna(0.0)
        got = p[col]
        if col == "job_name":
            assert got.tolist() == expected.tolist()
        else:
            np.testing.assert_allclose(
                got.to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=1e-9, atol=1e-6
            )
    present = {f"{s}_s" for s in h.transitions["status"].astype(str).unique()}
    other = {"wall_s", "to_first_training_from_creation_s", "to_first_training_s"}
    other |= {c for c in h.jobs.columns if c.endswith("_s")}
    assert {c for c in p.columns if c.endswith("_s")} - other == present


@settings(max_examples=30)
@given(histories(contiguous=True))
def test_phases_add_up_to_the_wall_time_of_contiguous_histories(h):
    p = phase_table(h)
    status_cols = [f"{s}_s" for s in h.transitions["status"].astype(str).unique()]
    has = p["wall_s"].notna()
    np.testing.assert_allclose(
        p.loc[has, status_cols].sum(axis=1).to_numpy(), p.loc[has, "wall_s"].to_numpy()
    )


# -- duration statistics ------------------------------------------------------------------------


def _three_jobs() -> JobHistory:
    return JobHistory.concat(
        [
            chain(
                "a",
                [("Starting", 10), ("Training", 100), ("Completed", 0)],
                instance_type="ml.m5.xlarge",
                spot=True,
                creation_time=at(0),
            ),
            chain(
                "b",
                [("Starting", 30), ("Training", 300), ("Completed", 0)],
                instance_type="ml.m5.xlarge",
                spot=False,
                creation_time=at(0),
            ),
            chain(
                "c",
                [("Starting", 20), ("Training", 40)],
                open_last=True,
                instance_type="ml.g5.2xlarge",
                spot=False,
                creation_time=at(40 * 86400),
            ),
        ]
    )


def test_duration_stats_overall():
    h = _three_jobs()
    s = duration_stats(h, as_of=at(60))
    assert list(s.columns) == [
        "status",
        "count",
        "censored",
        "mean_s",
        "p50_s",
        "p90_s",
        "p99_s",
        "max_s",
    ]
    assert s["status"].astype(str).tolist() == ["Starting", "Training", "Completed"]
    st = s.set_index(s["status"].astype(str))
    assert st.loc["Starting", "count"] == 3 and st.loc["Starting", "censored"] == 0
    assert st.loc["Starting", "mean_s"] == 20.0 and st.loc["Starting", "p50_s"] == 20.0
    assert st.loc["Starting", "p90_s"] == pytest.approx(28.0)
    assert st.loc["Starting", "max_s"] == 30.0
    # c's open Training is measured from 20 s to as_of = 60 s
    assert st.loc["Training", "censored"] == 1
    assert st.loc["Training", "mean_s"] == pytest.approx((100 + 300 + 40) / 3)
    assert s.attrs["as_of"] == at(60)


def test_duration_stats_by_job_column_and_list():
    h = _three_jobs()
    s = duration_stats(h, by="instance_type", as_of=at(60))
    assert list(s.columns[:2]) == ["instance_type", "status"]
    g5 = s[s["instance_type"] == "ml.g5.2xlarge"]
    assert g5["status"].astype(str).tolist() == ["Starting", "Training"]
    assert g5["censored"].tolist() == [0, 1]
    s2 = duration_stats(h, by=["instance_type", "spot"], as_of=at(60))
    assert list(s2.columns[:3]) == ["instance_type", "spot", "status"]
    m5 = s2[(s2["instance_type"] == "ml.m5.xlarge") & (s2["status"] == "Starting")]
    assert m5.set_index("spot")["max_s"].to_dict() == {False: 30.0, True: 10.0}


def test_duration_stats_by_time_buckets():
    h = _three_jobs()
    s = duration_stats(h, by="creation_month", as_of=at(60))
    assert s["creation_month"].astype(str).unique().tolist() == ["2024-01", "2024-02"]
    assert s["creation_month"].cat.ordered
    s = duration_stats(h, by="start_day", as_of=at(60))
    assert s["start_day"].astype(str).unique().tolist() == ["2024-01-01"]
    s = duration_stats(h, by=pd.Grouper(key="creation_time", freq="MS"), as_of=at(60))
    assert "creation_time_M" in s.columns
    assert s["creation_time_M"].astype(str).unique().tolist() == ["2024-01", "2024-02"]


def test_duration_stats_by_callable_and_series():
    h = _three_jobs()

    def big(jobs):
        return (jobs["instance_type"] == "ml.g5.2xlarge").rename("gpu")

    s = duration_stats(h, by=big, as_of=at(60))
    assert "gpu" in s.columns and set(s["gpu"]) == {True, False}
    s = duration_stats(h, by=lambda jobs: jobs["spot"], as_of=at(60))
    assert "spot" in s.columns
    s = duration_stats(h, by=pd.Series(["x", "y", "x"], name="team"), as_of=at(60))
    assert s.loc[s["team"] == "y", "count"].sum() == 3


def test_duration_stats_missing_group_values_form_a_group():
    h = JobHistory.concat([_three_jobs(), chain("d", [("Starting", 5), ("Completed", 0)])])
    s = duration_stats(h, by="instance_type", as_of=at(60))
    missing = s[s["instance_type"].isna()]
    assert missing["count"].sum() == 2


def test_duration_stats_percentile_names():
    h = _three_jobs()
    s = duration_stats(h, percentiles=(0.25, 0.999), as_of=at(60))
    assert [c for c in s.columns if c.startswith("p")] == ["p25_s", "p99.9_s"]
    s = duration_stats(h, percentiles=(), as_of=at(60))
    assert "p50_s" not in s.columns and "max_s" in s.columns
    with pytest.raises(ValueError, match="between 0 and 1"):
        duration_stats(h, percentiles=(50,))
    with pytest.raises(ValueError, match="distinct"):
        duration_stats(h, percentiles=(0.5, 0.5))


@pytest.mark.parametrize(
    ("by", "message"),
    [
        ("colour", "neither a job column nor a time bucket"),
        ("creation_fortnight", "neither a job column"),
        (pd.Series([1, 2]), "one value per job"),
        (lambda jobs: [1], "returned 1 values"),
        (pd.Grouper(key="creation_time"), "needs key="),
        (["spot", "spot"], "twice"),
    ],
)
def test_duration_stats_bad_by(by, message):
    with pytest.raises(ValueError, match=message):
        duration_stats(_three_jobs(), by=by)


def test_duration_stats_bad_by_type():
    with pytest.raises(TypeError, match="by= takes"):
        duration_stats(_three_jobs(), by=[3.5])


def test_stats_of_jobs_without_a_group_value_have_percentiles():
    h = JobHistory.concat(
        [
            chain("typed", [("Starting", 60), ("Completed", 0)], instance_type="ml.m5.xlarge"),
            chain("untyped", [("Starting", 30), ("Completed", 0)]),
            chain("untyped2", [("Starting", 90), ("Completed", 0)]),
        ]
    )
    s = duration_stats(h, by="instance_type")
    starting = s[s["status"] == "Starting"]
    assert starting["instance_type"].isna().tolist() == [False, True]  # missing values last
    missing = starting[starting["instance_type"].isna()].iloc[0]
    assert missing["count"] == 2 and missing["mean_s"] == 60.0
    assert (missing["p50_s"], missing["p90_s"], missing["max_s"]) == (60.0, 84.0, 90.0)
    assert s["instance_type"].dtype == h.jobs["instance_type"].dtype
