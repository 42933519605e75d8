"""tools/test_stacks.py: the pins of the oldest stack and the rule that extras move nothing."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("test_stacks", ROOT / "tools" / "test_stacks.py")
stacks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stacks)


def test_oldest_pins_are_the_lower_bounds_of_pyproject():
    meta = stacks.project(ROOT)
    pins = stacks.oldest_pins(meta["dependencies"])
    assert len(pins) == len(meta["dependencies"])
    for dependency, pin in zip(meta["dependencies"], pins, strict=True):
        name, bound = dependency.split(">=")
        assert pin == f"{name.strip()}=={bound.strip()}"


@pytest.mark.parametrize("requirement", ["pandas", "pandas<3", "pandas~=2.2", "pandas>=2; os_name"])
def test_oldest_pins_refuse_a_dependency_without_a_plain_lower_bound(requirement):
    with pytest.raises(stacks.StackError, match="plain lower bound"):
        stacks.oldest_pins([requirement])


def test_no_extra_is_declared_that_pins_a_core_dependency_below_the_latest():
    # lifelines once came with the dev extra and took pandas back to 2.x
    extras = stacks.project(ROOT)["optional-dependencies"]
    assert "survival" not in extras
    assert not any("lifelines" in r for rs in extras.values() for r in rs)


def _report(*packages):
    return {"install": [{"metadata": {"name": n, "version": v}} for n, v in packages]}


def test_changed_versions_names_every_installed_package_an_extra_would_move():
    installed = {"pandas": "3.1.1", "numpy": "2.4.6", "python-dateutil": "2.9.0"}
    report = _report(
        ("pandas", "2.3.3"),  # a downgrade
        ("Python_Dateutil", "2.8.2"),  # names compared as pip does
        ("numpy", "2.4.6"),  # reinstalled at the same version: fine
        ("lifelines", "0.30.0"),  # new: fine
        ("smstatus", "0.1.0"),  # the project itself: fine
    )
    assert stacks.changed_versions(installed, report) == {
        "pandas": "3.1.1 -> 2.3.3",
        "python-dateutil": "2.9.0 -> 2.8.2",
    }
    assert stacks.changed_versions(installed, _report(("boto3", "1.40.0"))) == {}


def test_check_extras_fails_on_a_core_dependency_and_notes_the_others(
    monkeypatch, capsys, tmp_path
):
    installed = {"pandas": "3.1.1", "python-dateutil": "4.0.0", "numpy": "2.4.6"}
    would = {
        "aws": [("boto3", "1.40.0"), ("python-dateutil", "2.9.0.post0")],
        "survival": [("lifelines", "0.30.0"), ("pandas", "2.3.3")],
        "progress": [("tqdm", "4.67.1")],
    }

    def fake_pip(venv, *args):  # writes the report pip would write
        extra = str(args[-1]).split("[")[1].split("]")[0]
        report = Path(args[args.index("--report") + 1])
        report.write_text(json.dumps(_report(*would[extra])))

    monkeypatch.setattr(stacks, "_pip", fake_pip)
    monkeypatch.setattr(stacks, "_installed", lambda venv: installed)
    wheel = tmp_path / "smstatus-0.1.0-py3-none-any.whl"
    stacks.check_extras(tmp_path, wheel, ["aws", "progress"], ["pandas", "numpy"])
    out = capsys.readouterr().out
    assert "[aws] changes dependencies of dependencies: python-dateutil 4.0.0 -> 2.9.0" in out
    assert "[progress]" not in out
    with pytest.raises(stacks.StackError, match=r"\[survival\]: pandas 3\.1\.1 -> 2\.3\.3"):
        stacks.check_extras(tmp_path, wheel, ["aws", "survival"], ["pandas", "numpy"])


def test_the_latest_stack_checks_lint_format_types_and_docs():
    commands = {name: " ".join(args) for name, args in stacks.CHECKS}
    assert commands["ruff check"] == "-m ruff check src tests benchmarks tools"
    assert commands["ruff format"] == "-m ruff format --check src tests benchmarks tools"
    assert commands["mypy"] == "-m mypy"
    assert commands["docs"].startswith("-m sphinx -W --keep-going")
    extras = stacks.project()["optional-dependencies"]
    assert all(extra in extras for extra in stacks.CHECKED_EXTRAS)
    assert any(req.startswith("mypy") for req in extras["typing"])


def _result(stack, exit_code, checks):
    return {
        "stack": stack,
        "versions": "pandas 3",
        "install_s": 1.0,
        "tests_s": 2.0,
        "checks_s": 3.0,
        "checks": checks,
        "exit": exit_code,
    }


@pytest.mark.parametrize(
    ("checks", "expected"),
    [({"ruff check": 0, "mypy": 0, "docs": 0}, 0), ({"ruff check": 0, "mypy": 1, "docs": 0}, 1)],
)
def test_a_failed_check_fails_the_run_and_is_named(monkeypatch, capsys, checks, expected):
    results = {"latest": _result("latest", 0, checks), "oldest": _result("oldest", 0, {})}
    monkeypatch.setattr(stacks, "_build_wheel", lambda out: out / "smstatus.whl")
    monkeypatch.setattr(stacks, "run_stack", lambda stack, *a: results[stack])
    assert stacks.main([]) == expected
    captured = capsys.readouterr()
    assert ("checks failed: latest: mypy" in captured.err) == bool(expected)
    assert "mypy FAILED (1)" in captured.out if expected else "mypy ok" in captured.out


def test_run_checks_runs_each_check_with_the_venv_python(monkeypatch, tmp_path):
    seen = []

    class Done:
        def __init__(self, code):
            self.returncode = code

    def fake_run(command, cwd):
        seen.append(command)
        return Done(3 if "mypy" in command else 0)

    monkeypatch.setattr(stacks.subprocess, "run", fake_run)
    codes = stacks.run_checks(tmp_path)
    assert codes == {"ruff check": 0, "ruff format": 0, "mypy": 3, "docs": 0}
    assert all(command[0] == str(tmp_path / "bin" / "python") for command in seen)


def test_oldest_pins_keep_the_extras_of_a_requirement():
    assert stacks.oldest_pins(["dask[dataframe]>=2025.1.0", "s3fs>=2025.2.0"]) == [
        "dask[dataframe]==2025.1.0",
        "s3fs==2025.2.0",
    ]


def test_the_tested_extras_are_pinned_at_their_lower_bounds_on_the_oldest_stack():
    meta = stacks.project(ROOT)
    extras = meta["optional-dependencies"]
    declared = [r for extra in stacks.TESTED_EXTRAS for r in extras[extra]]
    assert {"dask", "s3"} <= set(stacks.TESTED_EXTRAS)
    assert stacks.tested_extras("latest", meta) == declared
    oldest = stacks.tested_extras("oldest", meta)
    assert oldest == [r.replace(">=", "==") for r in declared]
    assert any(r.startswith("s3fs==") for r in oldest)
    assert any(r.startswith("distributed==") for r in oldest)


def test_the_latest_stack_checks_extras_together_and_tests_dask_and_s3(monkeypatch, tmp_path):
    checked, installs = [], []
    monkeypatch.setattr(stacks, "_fresh_venv", lambda venv: None)
    monkeypatch.setattr(stacks, "_run", lambda *command: None)
    monkeypatch.setattr(stacks, "_pip", lambda venv, *args: installs.append(args))
    monkeypatch.setattr(
        stacks, "check_extras", lambda venv, wheel, extras, core: checked.extend(extras)
    )
    meta = stacks.project(ROOT)
    core = {"pandas": "3.1.1", "numpy": "2", "transitions": "1", "matplotlib": "3", "pyarrow": "2"}
    monkeypatch.setattr(stacks, "_installed", lambda venv: core)
    stacks.build_stack("latest", tmp_path, tmp_path / "w.whl", meta)
    assert {"aws,s3", "dask,s3", "s3", "dask", "aws"} <= set(checked)
    tools = installs[-1]
    for requirement in stacks.tested_extras("latest", meta):
        assert requirement in tools
