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

import pytest

import smstatus
from smstatus.cli._common import escaped_history
from smstatus.escaping import escape_control_series

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
