"""validate(): the real histories pass; one corruption of a real history per code is caught."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

import smstatus
from smstatus import JobHistory, StatusMachine, ValidationError
from smstatus.validate import DEFAULT_SEVERITY, ViolationCode, validate
from smstatus.validation_report import SEVERITY_ORDER, ValidationReport

REAL_FILES = [
    "describe/desc-xgb-20250516.json",
    "describe/desc-schematical-inprogress-20230405.json",
    "events/eventbridge-doc-sample-completed.json",
    "sdk-logs/sdk-blazingtext-2hosts-20201128.log",
    "sdk-logs/sdk-deepar-20190314.log",
    "sdk-logs/sdk-hf-codellama-pending-20240308.log",
    "sdk-logs/sdk-issue658-failed-20190225.log",
    "sdk-logs/sdk-pytorch-20200623.log",
    "sdk-logs/sdk-xgb-20200322.log",
    "sdk-logs/sdk-xgb-spot-20220528.log",
]

XGB = "desc-xgb-20250516"
S = pd.Timedelta(seconds=1)


@pytest.fixture
def xgb(data_dir):
    """The entries of the real, complete desc-xgb history (Starting ... Completed)."""
    return smstatus.load(data_dir / "describe" / f"{XGB}.json").records(XGB)


def history(records, *, name=XGB, primary="Completed", secondary="Completed", **attrs):
    return JobHistory.from_transitions(
        name, records, training_job_status=primary, secondary_status=secondary, **attrs
    )


def codes(report: ValidationReport) -> set[str]:
    return set(report.violations["code"].astype(str))


def rows(report: ValidationReport, code: str) -> pd.DataFrame:
    return report.violations[report.violations["code"] == code]


# -- the real histories ----------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL_FILES)
def test_every_real_history_is_free_of_errors(data_dir, name):
    report = validate(smstatus.load(data_dir / name))
    assert report.ok, report.violations["message"].tolist()
    assert report.n_valid == report.n_jobs == 1


def test_eventbridge_sample_has_an_empty_history(data_dir):
    report = validate(smstatus.load(data_dir / "events" / "eventbridge-doc-sample-completed.json"))
    assert codes(report) == {"empty_history"}  # Completed, no entries: suspect, not wrong
    assert rows(report, "empty_history")["severity"].tolist() == ["warning"]
    assert report.ok


def test_real_histories_together(data_dir):
    report = validate(smstatus.load([data_dir / n for n in REAL_FILES]))
    assert report.ok
    assert report.n_jobs == report.n_valid == len(REAL_FILES)
    # what the real data do show, and nothing else
    assert codes(report) == {"empty_history", "bad_initial_status", "repeated_status"}
    tail = rows(report, "bad_initial_status")
    assert tail["job_name"].tolist() == ["sdk-issue658-failed-20190225"]
    assert tail["severity"].tolist() == ["warning"]  # an SDK log may be a tail
    assert "Uploading" in tail["message"].iloc[0]
    assert (rows(report, "repeated_status")["severity"] == "info").all()


# -- corruptions of the real desc-xgb history: one per code ------------------------------------


def test_two_entries_swapped(xgb):
    report = validate(history([xgb[0], xgb[2], xgb[1], xgb[3], xgb[4]]))
    assert {"out_of_order", "illegal_transition"} <= codes(report)
    ooo = rows(report, "out_of_order")
    assert ooo["step"].tolist() == [2]
    assert (
        "Downloading starts 101.704 s before the previous entry (Training, step 1)"
        in (ooo["message"].iloc[0])
    )
    assert not report.ok


def test_illegal_edge_inserted(xgb):
    training = xgb[2]
    middle = training.start_time + (training.end_time - training.start_time) / 2
    inserted = [
        training.replace(end_time=middle),
        training.replace(status="Downloading", start_time=middle),
    ]
    report = validate(history([*xgb[:2], *inserted, *xgb[3:]]))
    illegal = rows(report, "illegal_transition")
    assert illegal["step"].tolist() == [3, 4]
    msg = illegal["message"].iloc[0]
    assert msg.startswith(f"Job {XGB}, step 3: Training -> Downloading is not a legal edge")
    allowed = ", ".join(StatusMachine().successors("Training"))
    assert msg.endswith(f"after Training the machine allows {allowed}.")
    assert codes(report) == {"illegal_transition"}


def test_status_after_terminal(xgb):
    done = xgb[4]
    after = done.replace(status="Training", end_time=done.end_time + 60 * S)
    report = validate(history([*xgb, after], secondary="Training"))
    bad = rows(report, "transition_after_terminal")
    assert bad["step"].tolist() == [5]
    assert "Completed -> Training: Completed is terminal" in bad["message"].iloc[0]
    assert bad["severity"].tolist() == ["error"]


def test_unknown_status(xgb):
    changed = [xgb[0], xgb[1].replace(status="Provisioning"), *xgb[2:]]
    report = validate(history(changed))
    unknown = rows(report, "unknown_status")
    assert unknown["step"].tolist() == [1]
    assert "'Provisioning' is not a status of machine v1" in unknown["message"].iloc[0]
    assert "after Starting the machine allows" in unknown["message"].iloc[0]
    # the edges to and from it are not judged
    assert codes(report) == {"unknown_status"}


def test_end_time_before_start_time(xgb):
    training = xgb[2]
    broken = training.replace(end_time=training.start_time - 5 * S)
    report = validate(history([*xgb[:2], broken, *xgb[3:]]))
    neg = rows(report, "negative_duration")
    assert neg["step"].tolist() == [2]
    assert "Training ends 5 s before it starts" in neg["message"].iloc[0]
    assert neg["severity"].tolist() == ["error"]


def test_overlapping_entries(xgb):
    downloading = xgb[1].replace(end_time=xgb[2].start_time + 30 * S)
    report = validate(history([xgb[0], downloading, *xgb[2:]]))
    over = rows(report, "overlap")
    assert over["step"].tolist() == [2]
    assert (
        "Downloading -> Training: Downloading (step 1) ends 30 s after Training starts"
        in (over["message"].iloc[0])
    )
    assert codes(report) == {"overlap"}


def test_gap(xgb):
    downloading = xgb[1].replace(end_time=xgb[2].start_time - 30 * S)
    report = validate(history([xgb[0], downloading, *xgb[2:]]))
    gap = rows(report, "gap")
    assert gap["step"].tolist() == [2]
    assert gap["severity"].tolist() == ["warning"]
    assert (
        "30 s pass between the end of Downloading and the start of Training"
        in (gap["message"].iloc[0])
    )
    assert report.ok  # a gap is suspect, not wrong


def test_terminal_entry_removed_while_primary_says_completed(xgb):
    report = validate(history(xgb[:4]))
    assert codes(report) == {"not_terminal"}  # the implied SecondaryStatus mismatch is not repeated
    nt = rows(report, "not_terminal")
    assert nt["step"].isna().all()
    msg = nt["message"].iloc[0]
    assert "TrainingJobStatus is Completed" in msg
    assert "stops at Uploading (step 3), which is not terminal" in msg
    assert "after Uploading the machine allows Stopping, Stopped" in msg


def test_running_history_without_primary_is_not_flagged(xgb):
    report = validate(history(xgb[:3], primary="InProgress", secondary="Training"))
    assert report.violations.empty


def test_duplicate_job(xgb):
    once = history(xgb)
    other = history(xgb[:3], name="other", primary="InProgress", secondary="Training")
    report = validate(JobHistory.concat([once, other, once]))
    dup = rows(report, "duplicate_job")
    assert dup["job_name"].tolist() == [XGB]
    assert "appears 2 times" in dup["message"].iloc[0]
    # each occurrence is checked on its own: nothing else is wrong
    assert codes(report) == {"duplicate_job"}
    assert report.valid_jobs.tolist() == ["other"]
    assert report.valid_mask.tolist() == [False, True, False]


def test_empty_history():
    report = validate(history([], name="empty"))
    assert codes(report) == {"empty_history"}
    assert rows(report, "empty_history")["severity"].tolist() == ["warning"]
    assert "(TrainingJobStatus Completed)" in report.violations["message"].iloc[0]
    assert report.ok


def test_deprecated_status_and_inferred_edges(xgb):
    t0 = xgb[0].start_time
    old = [
        xgb[0].replace(end_time=t0 + 10 * S),
        xgb[0].replace(status="LaunchingMLInstances", start_time=t0 + 10 * S, end_time=t0 + 20 * S),
        xgb[0].replace(status="PreparingTrainingStack", start_time=t0 + 20 * S),
        *xgb[1:],
    ]
    report = validate(history(old))
    assert report.ok
    dep = rows(report, "deprecated_status")
    assert dep["step"].tolist() == [1, 2]
    assert (dep["severity"] == "info").all()
    assert "LaunchingMLInstances is deprecated by AWS" in dep["message"].iloc[0]
    inferred = rows(report, "inferred_edge")
    assert inferred["step"].tolist() == [1, 2, 3]
    assert (
        "Starting -> LaunchingMLInstances is legal only by inference"
        in (inferred["message"].iloc[0])
    )


def test_repeat(xgb):
    t0, t1 = xgb[0].start_time, xgb[0].end_time
    middle = t0 + (t1 - t0) / 2
    repeated = [xgb[0].replace(end_time=middle), xgb[0].replace(start_time=middle), *xgb[1:]]
    report = validate(history(repeated))
    rep = rows(report, "repeated_status")
    assert rep["step"].tolist() == [1]
    assert "Starting -> Starting repeats the previous entry's status" in rep["message"].iloc[0]
    assert report.ok and codes(report) == {"repeated_status"}


def test_inferred_edge_is_info_unless_strict(xgb):
    failed = xgb[4].replace(status="Failed", start_time=xgb[3].start_time)
    records = [*xgb[:3], failed.replace(end_time=failed.start_time)]
    h = history(records, primary="Failed", secondary="Failed")
    lenient = validate(h)
    assert lenient.ok and codes(lenient) == {"inferred_edge"}
    assert rows(lenient, "inferred_edge")["severity"].tolist() == ["info"]
    assert "Training -> Failed is legal only by inference" in lenient.violations["message"][0]
    strict = validate(h, strict=True)
    assert not strict.ok and strict.strict
    assert rows(strict, "inferred_edge")["severity"].tolist() == ["error"]


def test_bad_initial_status_is_an_error_for_describe_a_warning_for_sdk_logs(xgb):
    describe = validate(history(xgb[1:]))
    assert codes(describe) == {"bad_initial_status"}
    first = rows(describe, "bad_initial_status")
    assert first["step"].tolist() == [0]
    assert first["severity"].tolist() == ["error"]
    assert "only Starting may begin a history." in first["message"].iloc[0]
    sdk = validate(history(xgb[1:], source="sdk-log"))
    assert rows(sdk, "bad_initial_status")["severity"].tolist() == ["warning"]
    assert sdk.ok


def test_status_mismatch(xgb):
    wrong_secondary = validate(history(xgb, secondary="Failed"))
    assert codes(wrong_secondary) == {"status_mismatch"}
    msgs = wrong_secondary.violations["message"].tolist()
    assert any(
        "SecondaryStatus is Failed but the last entry (step 4) is Completed." in m for m in msgs
    )
    assert any(
        "TrainingJobStatus is Completed but SecondaryStatus Failed belongs to" in m for m in msgs
    )
    still_running = validate(history(xgb, primary="InProgress", secondary=None))
    mismatch = rows(still_running, "status_mismatch")
    assert (
        mismatch["message"]
        .str.contains(
            "TrainingJobStatus is InProgress but the last entry's status Completed belongs to "
            "primary status Completed"
        )
        .all()
    )
    stopping = validate(history(xgb[:4], primary="Stopping", secondary="Uploading"))
    assert codes(stopping) == {"status_mismatch"}  # Stopping is a primary status of its own
    assert validate(history(xgb, primary="Deleting")).ok  # a job being deleted is not judged


def test_open_interval_not_last(xgb):
    opened = xgb[1].replace(end_time=None)
    report = validate(history([xgb[0], opened, *xgb[2:]]))
    assert codes(report) == {"open_interval_not_last"}
    assert rows(report, "open_interval_not_last")["step"].tolist() == [1]
    assert report.ok


def test_sdk_logs_are_judged_by_reachability(xgb):
    skipped = [xgb[0].replace(end_time=xgb[3].start_time), *xgb[3:]]  # Starting -> Uploading
    assert "illegal_transition" in codes(validate(history(skipped)))
    sdk = history(skipped, source="sdk-log")
    assert validate(sdk).ok
    assert "illegal_transition" in codes(validate(sdk, sampled=False))
    assert validate(history(skipped), sampled=True).ok
    backwards = [
        xgb[3].replace(end_time=xgb[3].start_time),
        xgb[0].replace(start_time=xgb[3].start_time, end_time=xgb[3].start_time),
    ]
    report = validate(history(backwards, source="sdk-log", primary="InProgress", secondary=None))
    illegal = rows(report, "illegal_transition")
    assert "Starting is not reachable from Uploading" in illegal["message"].iloc[0]


def test_sdk_edge_reachable_only_through_inferred_edges(xgb):
    # Downloading -> MaxRuntimeExceeded: only via Training -> MaxRuntimeExceeded (inferred)
    t = xgb[1].end_time
    records = [xgb[0], xgb[1], xgb[1].replace(status="MaxRuntimeExceeded", start_time=t)]
    report = validate(history(records, primary="Stopped", secondary=None, source="sdk-log"))
    assert codes(report) == {"inferred_edge"}
    assert "only through edges that rest on inference" in report.violations["message"][0]


# -- the frame, the report, options --------------------------------------------------------------


def test_violation_frame_schema(xgb):
    report = validate(history(xgb[:4]))
    v = report.violations
    assert list(v.columns) == ["job_name", "step", "code", "severity", "message"]
    assert v["step"].dtype == "Int64"
    assert list(v["code"].cat.categories) == [c.value for c in ViolationCode]
    assert list(v["severity"].cat.categories) == list(SEVERITY_ORDER)
    assert v["severity"].cat.ordered
    assert v["job_name"].dtype == pd.StringDtype("pyarrow")
    assert v["message"].dtype == pd.StringDtype("pyarrow")
    empty = validate(history(xgb)).violations
    assert list(empty.dtypes) == list(v.dtypes)


def test_every_code_has_a_documented_severity():
    import sys

    assert set(DEFAULT_SEVERITY) == set(ViolationCode)
    assert len(ViolationCode) == 17
    table = sys.modules["smstatus.validate"].__doc__
    for code, severity in DEFAULT_SEVERITY.items():
        assert f"{code.value:<27}{severity.value}" in table


def test_many_jobs_are_named_and_ordered(xgb):
    histories = [history(xgb), history([xgb[0], xgb[2], xgb[1], xgb[3], xgb[4]])]
    t = [h.transitions for h in histories]
    pick = [i % 3 != 0 for i in range(30)]  # every third job has two entries swapped
    trans = pd.concat([t[int(not p)] for p in pick], ignore_index=True)
    trans["job_name"] = np.repeat([f"job-{i:02d}" for i in range(30)], 5)
    report = validate(JobHistory(None, trans))
    bad = [f"job-{i:02d}" for i in range(0, 30, 3)]
    assert report.invalid_jobs.tolist() == bad
    ooo = rows(report, "out_of_order")
    assert ooo["job_name"].tolist() == bad
    assert all(m.startswith(f"Job {n}, step 2: ") for n, m in zip(bad, ooo["message"], strict=True))
    # ordered by job (in the order of the jobs), then by step
    order = report.violations["job_name"].map({n: i for i, n in enumerate(bad)})
    assert order.is_monotonic_increasing


def test_interleaved_rows_are_checked_per_job(xgb):
    a, b = history(xgb, name="a"), history(xgb, name="b")
    together = JobHistory.concat([a, b])
    t = together.transitions
    interleaved = pd.concat([t.iloc[[0, 5, 1, 6, 2, 7, 3, 8, 4, 9]]], ignore_index=True)
    report = validate(JobHistory(together.jobs, interleaved))
    assert report.violations.empty
    assert report.n_valid == 2


def test_tolerance(xgb):
    downloading = xgb[1].replace(end_time=xgb[2].start_time - pd.Timedelta("500ms"))
    h = history([xgb[0], downloading, *xgb[2:]])
    assert validate(h).violations.empty
    for tol in (0, "0s", timedelta(0), pd.Timedelta(0), 0.4):
        assert codes(validate(h, tolerance=tol)) == {"gap"}
    assert "0.5 s pass" in validate(h, tolerance=0).violations["message"][0]
    assert validate(h, tolerance=0).tolerance == pd.Timedelta(0)
    for bad in ("soon", -1, "-2s", True):
        with pytest.raises(ValueError, match="tolerance"):
            validate(h, tolerance=bad)


def test_report_api(xgb):
    good = history(xgb, name="good")
    bad = history(xgb[:4], name="bad")
    h = JobHistory.concat([good, bad])
    report = validate(h)
    assert not report.ok
    assert report.n_jobs == 2 and report.n_valid == 1 and report.n_errors == 1
    assert report.machine_version == "v1.1" and report.strict is False
    assert report.valid_jobs.tolist() == ["good"]
    assert report.invalid_jobs.tolist() == ["bad"]
    valid = report.valid_history()
    assert valid.jobs["job_name"].tolist() == ["good"]
    assert len(valid.transitions) == 5
    summary = report.summary()
    assert summary.to_dict("records") == [
        {"code": "not_terminal", "severity": "error", "violations": 1, "jobs": 1}
    ]
    assert report.by_code() == {"not_terminal": 1}
    assert report.by_severity() == {"error": 1, "warning": 0, "info": 0}
    assert len(report.at_least("warning")) == 1 and len(report.at_least("info")) == 1
    with pytest.raises(ValidationError) as info:
        report.raise_if_invalid()
    assert isinstance(info.value, ValueError)
    assert info.value.violations["code"].tolist() == ["not_terminal"]
    assert "1 error-severity violation(s) in 1 of 2 job(s)" in str(info.value)
    assert validate(good).raise_if_invalid().ok
    assert repr(report).startswith("<ValidationReport INVALID: 2 jobs, 1 valid; 1 violations")
    doc = report.to_dict()
    assert doc["jobs"] == 2 and doc["valid_jobs"] == 1 and doc["ok"] is False
    assert doc["violations"][0] == {
        "job_name": "bad",
        "step": None,
        "code": "not_terminal",
        "severity": "error",
        "message": report.violations["message"][0],
    }


def test_summary_orders_worst_first(xgb):
    downloading = xgb[1].replace(end_time=xgb[2].start_time - 30 * S)
    records = [xgb[0], downloading, *xgb[2:4]]
    report = validate(history(records))
    summary = report.summary()
    assert summary["code"].tolist() == ["not_terminal", "gap"]
    assert summary["severity"].tolist() == ["error", "warning"]
    assert validate(history(xgb)).summary().empty


def test_repr_html_escapes_and_summarises(xgb):
    report = validate(history(xgb[:4], name="<script>x</script>"))
    text = report._repr_html_()
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert "not_terminal" in text and "ValidationReport" in text
    assert "No violations" in validate(history(xgb))._repr_html_()
    many = JobHistory.concat([history(xgb[:4], name=f"j{i}") for i in range(15)])
    assert "and 5 more" in validate(many)._repr_html_()


def test_custom_machine(xgb, tmp_path):
    queued = xgb[0].replace(status="Queued", end_time=xgb[0].start_time)
    h = history([queued, *xgb])
    default = validate(h)
    assert codes(default) == {"unknown_status"}
    machine = StatusMachine().extend(
        add_statuses=[{"name": "Queued", "primary": "InProgress"}],
        add_edges=[("Queued", "Starting", "seen")],
        version="v1+queued",
    )
    report = validate(h, machine=machine)
    assert codes(report) == {"bad_initial_status"}  # Queued is known, but not the initial status
    assert report.machine_version == "v1+queued"
    path = tmp_path / "machine.json"
    import json

    path.write_text(json.dumps(machine.to_json()))
    assert validate(h, machine=path).by_code() == report.by_code()
    with pytest.raises(TypeError, match="machine"):
        validate(h, machine=42)


def test_accepts_a_transitions_frame_and_rejects_other_things(xgb):
    frame = history(xgb).transitions
    assert validate(frame).ok
    with pytest.raises(TypeError, match="JobHistory or a transitions DataFrame"):
        validate([1, 2, 3])
    with pytest.raises(TypeError, match="sampled"):
        validate(frame, sampled="yes")


def test_empty_input():
    report = validate(JobHistory.empty())
    assert report.ok and report.n_jobs == 0 and report.violations.empty


def tiled(one: JobHistory, n: int) -> JobHistory:
    """``n`` copies of a one-job history, named ``j0 ... j{n-1}``, built on the frames."""
    t = one.transitions
    names = np.repeat([f"j{i}" for i in range(n)], len(t))
    trans = pd.concat([t] * n, ignore_index=True).assign(job_name=names)
    jobs = pd.concat([one.jobs] * n, ignore_index=True).assign(job_name=[f"j{i}" for i in range(n)])
    return JobHistory(jobs, trans)


def test_each_message_carries_its_own_job_step_and_amount(xgb):
    n = 300
    h = tiled(history(xgb), n)
    downloading = h.transitions.index[h.transitions["status"] == "Downloading"]
    h.transitions.loc[downloading, "end_time"] -= pd.to_timedelta(np.arange(n) + 2, unit="s")
    gaps = rows(validate(h), "gap")
    expected = [f"Job j{i}, step 2: Downloading -> Training: {i + 2} s pass" for i in range(n)]
    assert [m[: len(e)] for m, e in zip(gaps["message"], expected, strict=True)] == expected
    assert np.array_equal(gaps["step"].to_numpy(), np.full(n, 2))


def test_simulated_corruptions_are_caught_and_clean_jobs_are_not_flagged():
    from smstatus.simulate import simulate_with_truth

    sim = simulate_with_truth(1500, seed=11, corrupt_share=0.3)
    report = validate(smstatus.load(sim.responses))
    truth = sim.truth.set_index("job_name")
    flagged = report.at_least("warning")
    found = set(zip(flagged["job_name"], flagged["code"].astype(str), strict=True))
    corrupt = truth[truth["corrupt"]]
    assert len(corrupt) > 300
    missed = [
        (name, code) for name, code in corrupt["expected_code"].items() if (name, code) not in found
    ]
    assert missed == []
    clean = set(truth.index[~truth["corrupt"]])
    assert clean.isdisjoint(flagged["job_name"])
    assert clean <= set(report.valid_jobs)
