"""What a command costs before and after its work: lazy imports, no needless copies, the exit.

``smstatus validate`` runs in nightly jobs over large inputs and in shell loops over small
ones; Python's start-up, the imports and the interpreter's exit are paid on every run, so what a
command does not use is not imported, and work that changes nothing is not done.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pandas.testing as pd_testing
import pytest
from hypothesis import given
from hypothesis import strategies as st

import smstatus
from smstatus.cli._common import escaped_history
from smstatus.escaping import escape_control, escape_control_series

XGB = "describe/desc-xgb-20250516.json"

NOT_FOR_VALIDATE = (
    "matplotlib",
    "smstatus.plotting",
    "smstatus.report",
    "smstatus.analysis",
    "smstatus.fetch",
    "smstatus.simulation",
    "boto3",
    "tqdm",
    "hypothesis",
    "importlib.metadata",
)
"""Modules that ``smstatus validate FILE`` has no use for."""


def _modules_after(code: str) -> set[str]:
    """The modules loaded by a fresh interpreter after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_import_smstatus_loads_no_dependency() -> None:
    modules = _modules_after("import smstatus")
    heavy = ("pandas", "numpy", "pyarrow", "matplotlib", "transitions")
    assert [m for m in modules if any(_is_under(m, p) for p in heavy)] == []


def test_validate_imports_only_what_it_uses(data_dir: Path) -> None:
    code = (
        "import contextlib, io\n"
        "from smstatus.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['validate', {str(data_dir / XGB)!r}, '--format', 'json']) == 0\n"
    )
    modules = _modules_after(code)
    assert "smstatus.validation.checks" in modules  # the probe did validate
    assert [m for m in modules if any(_is_under(m, p) for p in NOT_FOR_VALIDATE)] == []


def test_help_and_version_do_not_read_the_package_metadata_until_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from smstatus.cli import main

    modules = _modules_after(
        "import contextlib, io\nfrom smstatus.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['validate', '--help'])\n"
    )
    assert "importlib.metadata" not in modules
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"smstatus {smstatus.__version__}\n"


@pytest.mark.parametrize("name", smstatus.__all__)
def test_every_public_name_is_the_object_of_its_module(name: str) -> None:
    value = getattr(smstatus, name)
    if name == "__version__":
        from importlib.metadata import version

        assert value == version("smstatus")
        return
    module = importlib.import_module(smstatus._MODULE_OF[name])
    assert value is getattr(module, name)


def test_the_lazy_table_exports_exactly_all() -> None:
    assert set(smstatus._MODULE_OF) | {"__version__"} == set(smstatus.__all__)
    assert set(smstatus.__all__) <= set(dir(smstatus))


def test_subpackages_read_as_attributes_without_an_import() -> None:
    modules = _modules_after(
        "import smstatus\nassert smstatus.validation.validate is smstatus.validate\n"
        "assert smstatus.io.load is smstatus.load"
    )
    assert "smstatus.validation.checks" in modules


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        _ = smstatus.no_such_name  # type: ignore[attr-defined]
    assert not hasattr(smstatus, "no_such_module_either")


def test_star_import_gives_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from smstatus import *", namespace)
    assert set(smstatus.__all__) - {"__version__"} <= set(namespace)


# -- escaping: a clean history is not copied --------------------------------------------------


def test_a_history_without_control_characters_is_returned_as_it_is(data_dir: Path) -> None:
    history = smstatus.load([data_dir / "describe", data_dir / "sdk-logs"])
    frame = history.transitions
    # the case that was copied: categorical columns
    assert [c for c in frame.columns if frame[c].dtype == "category"]
    assert escaped_history(history) is history


def test_clean_categories_come_back_as_the_same_column() -> None:
    import pandas as pd

    clean = pd.Series(["Starting", "Training", "Starting"], dtype="category")
    assert escape_control_series(clean) is clean
    dirty = pd.Series(["Starting", "Train\x1bing"], dtype="category")
    assert escape_control_series(dirty).tolist() == ["Starting", "Train\\x1bing"]


@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=20))
def test_arrow_strings_are_escaped_as_each_value_alone(values: list[str | None]) -> None:
    import pandas as pd

    series = pd.Series(values, dtype=pd.StringDtype("pyarrow"))
    out = escape_control_series(series)
    assert out.dtype == series.dtype
    assert [None if pd.isna(v) else v for v in out] == [
        None if v is None else escape_control(v) for v in values
    ]


def _hostile_history() -> smstatus.JobHistory:
    """Two jobs, one named with a terminal escape, a message with line ends."""
    entry = {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"}
    evil = smstatus.JobHistory.from_transitions(
        "evil\x1b[2J", [{**entry, "StatusMessage": "one\ntwo\r"}], training_job_status="InProgress"
    )
    plain = smstatus.JobHistory.from_transitions(
        "plain", [entry], training_job_status="InProgress", failure_reason="a\tb"
    )
    return smstatus.JobHistory.concat([evil, plain])


def test_an_escaped_history_is_consistent_without_a_second_check() -> None:
    history = _hostile_history()
    escaped = escaped_history(history)
    assert escaped is not history
    names = ["evil\\x1b[2J", "plain"]
    assert escaped.jobs["job_name"].tolist() == names
    assert escaped.transitions["job_name"].tolist() == names
    assert list(escaped.transitions["job_name"].cat.categories) == names
    assert escaped.transitions["status_message"].tolist()[0] == "one\\ntwo\\r"
    assert escaped.jobs["failure_reason"].tolist()[1] == "a\\tb"
    rebuilt = smstatus.JobHistory(escaped.jobs.copy(), escaped.transitions.copy())
    pd_testing.assert_frame_equal(escaped.jobs, rebuilt.jobs)
    pd_testing.assert_frame_equal(escaped.transitions, rebuilt.transitions)
    assert escaped.job_codes().tolist() == history.job_codes().tolist()


def test_names_that_meet_once_escaped_are_checked_again() -> None:
    entry = {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"}
    history = smstatus.JobHistory.concat(
        [
            smstatus.JobHistory.from_transitions(name, [entry], training_job_status="InProgress")
            for name in ("a\x1b", "a\\x1b")  # the first, escaped, reads as the second
        ]
    )
    escaped = escaped_history(history)
    assert escaped.transitions["job_name"].tolist() == ["a\\x1b", "a\\x1b"]
    assert escaped.jobs["job_name"].tolist() == ["a\\x1b", "a\\x1b"]
    assert set(smstatus.validate(escaped).violations["code"]) >= {"duplicate_job"}
