"""ValidationReport.to_json / write_json: exactly json.dumps of to_dict, built column-wise."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import smstatus
from smstatus.cli import main
from smstatus.validation import report as report_module
from smstatus.validation.report import SEVERITY_ORDER, ValidationReport, ViolationCode

REAL = ["describe", "sdk-logs", "events"]


@pytest.fixture(scope="module")
def real_report() -> ValidationReport:
    data_dir = Path(__file__).parents[1] / "data"
    return smstatus.validate(smstatus.load([data_dir / d for d in REAL]))


def _frame(rows: list[tuple[str | None, int | None, str, str, str]]) -> pd.DataFrame:
    """A violations frame with the dtypes validate() gives."""
    names, steps, codes, severities, messages = ([row[i] for row in rows] for i in range(5))
    text = pd.StringDtype("pyarrow")
    return pd.DataFrame(
        {
            "job_name": pd.array(names, dtype=text),
            "step": pd.array(steps, dtype="Int64"),
            "code": pd.Categorical(codes, categories=[c.value for c in ViolationCode]),
            "severity": pd.Categorical(severities, categories=SEVERITY_ORDER, ordered=True),
            "message": pd.array(messages, dtype=text),
        }
    )


def _with(report: ValidationReport, frame: pd.DataFrame) -> ValidationReport:
    return ValidationReport(
        frame,
        history=report.history,
        valid_mask=report.valid_mask,
        machine_version=report.machine_version,
        strict=report.strict,
        tolerance=report.tolerance,
    )


# text that json escapes: quotes, backslashes, controls, DEL, non-ASCII, astral (surrogate pairs)
SPECIAL = ['"', "\\", "\x00", "\n", "\x1b", "\x7f", "~", " ", "é", "\u202e", "😀", "/", "a"]
TEXT = st.lists(st.sampled_from(SPECIAL) | st.characters(codec="utf-8"), max_size=20).map("".join)
ROW = st.tuples(
    st.none() | TEXT,
    st.none() | st.integers(min_value=0, max_value=2**40),
    st.sampled_from([c.value for c in ViolationCode]),
    st.sampled_from(SEVERITY_ORDER),
    TEXT,
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(ROW, max_size=12))
@example(
    rows=[('j"1\\', 3, "gap", "warning", 'say "hi" \\ é\x7f😀'), (None, None, "gap", "info", "")]
)
def test_to_json_is_json_dumps_of_to_dict(real_report: ValidationReport, rows) -> None:
    report = _with(real_report, _frame(rows))
    assert report.to_json() == json.dumps(report.to_dict())


def test_real_report_and_extra_keys(real_report: ValidationReport) -> None:
    assert len(real_report.violations)  # the SDK log tails give warnings and infos
    extra = {"unparsed": [{"file": "a.jsonl", "line": 3, "field": None, "reason": "bad é"}]}
    assert real_report.to_json(extra=extra) == json.dumps({**real_report.to_dict(), **extra})
    stream = io.StringIO()
    real_report.write_json(stream)
    assert stream.getvalue() == json.dumps(real_report.to_dict())


def test_pieces_join_across_their_boundaries(
    real_report: ValidationReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [(f'job "{i}"', i if i % 3 else None, "gap", "warning", f"m\\{i}é") for i in range(7)]
    report = _with(real_report, _frame(rows))
    for size in (1, 2, 3, 7, 8):
        monkeypatch.setattr(report_module, "_JSON_ROWS_PER_PIECE", size)
        assert report.to_json() == json.dumps(report.to_dict()), size


def test_no_violation(real_report: ValidationReport) -> None:
    report = _with(real_report, _frame([]))
    assert report.to_json() == json.dumps(report.to_dict())
    assert json.loads(report.to_json())["violations"] == []


@pytest.mark.parametrize("key", ["jobs", "violations", "by_code"])
def test_extra_may_not_replace_the_reports_keys(real_report: ValidationReport, key: str) -> None:
    with pytest.raises(ValueError, match=key):
        real_report.to_json(extra={key: 1})


def test_cli_json_is_the_report_with_its_rejects(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = (data_dir / "describe" / "desc-xgb-20250516.json").read_text()
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(json.loads(good)) + "\n{not json\n", encoding="utf-8")
    assert main(["validate", str(path), "--format", "json"]) == 1
    out = capsys.readouterr().out
    unparsed = json.loads(out)["unparsed"]
    assert [(u["file"], u["line"]) for u in unparsed] == [(str(path), 2)]
    report = smstatus.validate(smstatus.load(path, errors="collect"))
    assert out == json.dumps({**report.to_dict(), "unparsed": unparsed}) + "\n"
