"""`smstatus validate`: formats, exit codes, options; run through main() without a subprocess."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest

from smstatus.cli import main

XGB = "describe/desc-xgb-20250516.json"


@pytest.fixture
def xgb_doc(data_dir):
    return json.loads((data_dir / XGB).read_text())


@pytest.fixture
def broken(tmp_path, xgb_doc):
    """A describe file whose history stops at Uploading while the job says Completed."""
    doc = copy.deepcopy(xgb_doc)
    doc["TrainingJobName"] = "truncated"
    doc["SecondaryStatusTransitions"] = doc["SecondaryStatusTransitions"][:4]
    path = tmp_path / "truncated.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def gappy(tmp_path, xgb_doc):
    """A describe file with a 30 s gap (a warning) and nothing worse."""
    doc = copy.deepcopy(xgb_doc)
    doc["TrainingJobName"] = "gappy"
    doc["SecondaryStatusTransitions"][1]["EndTime"] = "2025-05-16T11:12:43.943000-07:00"
    path = tmp_path / "gappy.json"
    path.write_text(json.dumps(doc))
    return path


def run(capsys, *argv):
    code = main(["validate", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_real_histories_exit_0(capsys, data_dir):
    code, out, _ = run(capsys, data_dir / "describe", data_dir / "sdk-logs")
    assert code == 0
    assert out.startswith("smstatus validate: ok: 9 jobs, 9 valid;")
    assert "bad_initial_status" in out and "warning" in out  # the SDK log tail
    assert "repeated_status" in out


def test_violation_exits_1_with_summary_and_first_rows(capsys, data_dir, broken):
    code, out, _ = run(capsys, data_dir / XGB, broken)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("smstatus validate: INVALID: 2 jobs, 1 valid; 1 violations")
    assert any(line.split() == ["not_terminal", "error", "1", "1"] for line in lines)
    assert any(
        line.strip().startswith("error   not_terminal")
        and "Job truncated: TrainingJobStatus is Completed" in line
        for line in lines
    )


def test_fail_on_warning(capsys, data_dir, gappy):
    assert run(capsys, gappy)[0] == 0
    code, out, _ = run(capsys, gappy, "--fail-on", "warning")
    assert code == 1
    assert "gap" in out
    # infos never fail
    assert (
        run(capsys, data_dir / "sdk-logs" / "sdk-xgb-20200322.log", "--fail-on", "warning")[0] == 0
    )


def test_json_output(capsys, data_dir, broken):
    code, out, _ = run(capsys, data_dir / XGB, broken, "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["jobs"] == 2 and doc["valid_jobs"] == 1
    assert doc["by_code"] == {"not_terminal": 1}
    assert doc["unparsed"] == []
    (v,) = doc["violations"]
    assert v["job_name"] == "truncated" and v["step"] is None
    assert v["code"] == "not_terminal" and v["severity"] == "error"
    assert v["message"].startswith("Job truncated: ")


def test_csv_output(capsys, data_dir, gappy, broken):
    code, out, _ = run(capsys, gappy, broken, "--format", "csv")
    assert code == 1
    import io

    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns) == ["job_name", "step", "code", "severity", "message"]
    assert frame["code"].tolist() == ["gap", "not_terminal"]
    assert frame["step"].tolist()[0] == 2


def test_max_rows(capsys, tmp_path, xgb_doc):
    lines = []
    for i in range(5):
        doc = copy.deepcopy(xgb_doc)
        doc["TrainingJobName"] = f"t{i}"
        doc["SecondaryStatusTransitions"] = doc["SecondaryStatusTransitions"][:4]
        lines.append(json.dumps(doc))
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n")
    code, out, _ = run(capsys, path, "--max-rows", "2")
    assert code == 1
    assert "first 2 of 5 violations, worst first:" in out
    assert "... and 3 more" in out
    assert sum("not_terminal" in line and "Job t" in line for line in out.splitlines()) == 2
    _, out, _ = run(capsys, path, "--max-rows", "0")
    assert "Job t0" not in out and "... and 5 more" in out


def test_strict(capsys, tmp_path, xgb_doc):
    doc = copy.deepcopy(xgb_doc)
    entries = doc["SecondaryStatusTransitions"]
    entries[3]["Status"] = "Failed"
    entries[3]["EndTime"] = entries[3]["StartTime"]
    doc["SecondaryStatusTransitions"] = entries[:4]
    doc["TrainingJobStatus"] = doc["SecondaryStatus"] = "Failed"
    path = tmp_path / "failed.json"
    path.write_text(json.dumps(doc))
    code, out, _ = run(capsys, path)
    assert code == 0 and "inferred_edge" in out
    code, out, _ = run(capsys, path, "--strict")
    assert code == 1 and "strict" in out.splitlines()[0]


def test_machine_file(capsys, tmp_path, xgb_doc):
    doc = copy.deepcopy(xgb_doc)
    entries = doc["SecondaryStatusTransitions"]
    entries[1]["Status"] = "Provisioning"
    path = tmp_path / "new-status.json"
    path.write_text(json.dumps(doc))
    code, out, _ = run(capsys, path)
    assert code == 1 and "unknown_status" in out
    machine = tmp_path / "machine.json"
    machine.write_text(
        json.dumps(
            {
                "version": "v1+provisioning",
                "add_statuses": [{"name": "Provisioning", "primary": "InProgress"}],
                "add_edges": [
                    {"source": "Starting", "dest": "Provisioning", "basis": ["seen"]},
                    {"source": "Provisioning", "dest": "Training", "basis": ["seen"]},
                ],
            }
        )
    )
    code, out, _ = run(capsys, path, "--machine", machine)
    assert code == 0
    assert "machine v1+provisioning" in out.splitlines()[0]


def test_bad_machine_file_is_a_usage_error(capsys, data_dir, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"add_edges": [{"source": "Nowhere", "dest": "Starting"}]}')
    code, _, err = run(capsys, data_dir / XGB, "--machine", bad)
    assert code == 2 and "bad.json" in err and "Nowhere" in err
    code, _, err = run(capsys, data_dir / XGB, "--machine", tmp_path / "missing.json")
    assert code == 2 and "missing.json" in err


def test_unparsed_records_are_reported(capsys, tmp_path, xgb_doc):
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(xgb_doc) + "\n{not json\n")
    code, out, err = run(capsys, path, "--format", "json")
    assert code == 1  # what could be read is valid, but a record was rejected
    doc = json.loads(out)
    assert doc["jobs"] == 1 and doc["valid_jobs"] == 1
    assert doc["ok"] is False and doc["by_code"] == {"unparsed_record": 1}
    (bad,) = doc["unparsed"]
    assert bad["file"].endswith("mixed.jsonl") and bad["line"] == 2
    assert set(bad) == {"file", "line", "field", "reason"}
    (v,) = doc["violations"]
    assert v["code"] == "unparsed_record" and v["severity"] == "error"
    assert v["job_name"] is None and v["step"] is None
    assert f"{bad['file']}:2" in v["message"] and bad["reason"] in v["message"]
    assert "mixed.jsonl:2" in err
    code, out, _ = run(capsys, path)
    assert code == 1
    assert out.startswith("smstatus validate: INVALID: 1 jobs, 1 valid; 1 violations")
    assert "1 record(s) could not be loaded" in out.splitlines()[0]
    assert any("unparsed_record" in line and "mixed.jsonl:2" in line for line in out.splitlines())


def test_unreadable_input_exits_2(capsys, tmp_path):
    nothing = tmp_path / "garbage.jsonl"
    nothing.write_text("{not json\n{also not json\n")
    code, _, err = run(capsys, nothing, "--source", "describe")
    assert code == 2 and "no record could be read" in err
    code, _, err = run(capsys, tmp_path / "absent.json")
    assert code == 2 and "absent.json" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--format", "yaml"],
        ["--fail-on", "info"],
        ["--max-rows", "-1"],
        ["--max-rows", "many"],
        ["--tolerance", "soon"],
        ["--tolerance", "-1s"],
    ],
)
def test_usage_errors_exit_2(capsys, data_dir, argv):
    code, _, err = run(capsys, data_dir / XGB, *argv)
    assert code == 2
    assert err.count("\n") == 1 and "(see smstatus validate --help)" in err


def test_tolerance_option(capsys, tmp_path, xgb_doc):
    doc = copy.deepcopy(xgb_doc)
    doc["SecondaryStatusTransitions"][1]["EndTime"] = "2025-05-16T11:13:11.943000-07:00"  # 2 s
    path = tmp_path / "small-gap.json"
    path.write_text(json.dumps(doc))
    assert "gap" in run(capsys, path)[1]
    assert "gap" not in run(capsys, path, "--tolerance", "5s")[1]


def test_help_lists_the_options(capsys):
    assert main(["validate", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--strict", "--fail-on", "--machine", "--max-rows", "--format", "--source"):
        assert option in out


def test_text_shows_the_worst_first(capsys, gappy, broken):
    code, out, _ = run(capsys, gappy, broken, "--max-rows", "1")
    assert code == 1
    shown = [line for line in out.splitlines() if line.startswith(("  error", "  warning"))]
    assert len(shown) == 1 and "not_terminal" in shown[0]  # the gap of the first job waits
    assert "... and 1 more" in out
