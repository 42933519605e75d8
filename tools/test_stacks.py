#!/usr/bin/env python3
"""Run the test suite on the two dependency stacks smstatus supports, each in a fresh venv.

``latest``
    What ``pip install .`` resolves today, then the test tools (the ``dev`` extra), installed
    with the core dependencies pinned so that they cannot move them (other packages may move:
    botocore caps python-dateutil below 3, and the run prints every such change). Before the
    tools go in, every optional extra is resolved with ``pip install --dry-run``: an extra
    that would change a core dependency's version (as lifelines once took pandas back a major
    version) fails the run; so does a pair of extras installed together (``aws,s3``: boto3 and
    s3fs's aiobotocore each pin botocore).
    On this stack only, the ``docs`` and ``typing`` extras go in under the same pins and the
    checks run after the tests: ``ruff check``, ``ruff format --check`` (src, tests,
    benchmarks, tools), ``mypy`` (src, configured in pyproject.toml) and the documentation
    build with warnings as errors. A check that fails fails the run.
``oldest``
    The lower bounds of pyproject.toml's core dependencies, pinned exactly (derived from
    pyproject here, so they cannot drift), then the test tools under the same pins. Tests
    only: the checks need the latest tools.

On both stacks the extras whose code has tests of its own (``TESTED_EXTRAS``: the Dask engine,
S3 inputs) go in with the test tools: as resolved today on the latest stack, at their lower
bounds pinned exactly on the oldest, so that the tests hold both ends of each range.

On each stack the README's set-up command (``smstatus report``) runs on the bare install
first, before the test tools can move any package. Needs only Python 3.11+ with pip. The venvs
live in ``.stacks/``; pip's cache is used.

Usage: ``python tools/test_stacks.py [--stack latest|oldest ...] [-- PYTEST_ARGS...]``
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACKS = ("latest", "oldest")
PYTEST = ("-n", "2")
NOT_THE_STACK = frozenset({"pip", "setuptools", "wheel", "smstatus"})
"""What a venv brings and the project itself: not part of the dependency stack."""
CHECKED_EXTRAS = ("docs", "typing")
"""Extras installed on the latest stack for the checks."""
TESTED_EXTRAS = ("dask", "s3")
"""Extras installed with the test tools on both stacks, so that their tests run (else skip)."""
COMBINED_EXTRAS = ("aws,s3", "dask,s3")
"""Extras also resolved together: each must leave the core dependencies as they are, too."""
LINTED = ("src", "tests", "benchmarks", "tools")
CHECKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ruff check", ("-m", "ruff", "check", *LINTED)),
    ("ruff format", ("-m", "ruff", "format", "--check", *LINTED)),
    ("mypy", ("-m", "mypy")),
    ("docs", ("-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "docs", "build/docs")),
)
"""The checks of the latest stack: a name and the arguments of the venv's ``python``."""
_LOWER_BOUND = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9,._-]+\])?\s*>=\s*([0-9][A-Za-z0-9.+!-]*)$"
)


class StackError(RuntimeError):
    """A stack could not be built or broke a rule; the message says which and why."""


def project(root: Path = ROOT) -> dict:
    """The ``[project]`` table of ``root/pyproject.toml``."""
    with open(root / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def oldest_pins(dependencies: Sequence[str]) -> list[str]:
    """``name==X`` for each dependency ``name>=X`` (``name[extra]==X`` for
    ``name[extra]>=X``); any other form is refused."""
    pins = []
    for requirement in dependencies:
        match = _LOWER_BOUND.match(requirement.strip())
        if match is None:
            raise StackError(
                f"core dependency {requirement!r} is not of the form 'name>=X': give each one "
                "a plain lower bound so that the oldest stack can be tested"
            )
        pins.append(f"{match[1]}{match[2] or ''}=={match[3]}")
    return pins


def normalize(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def version_changes(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
    """``{name: "old -> new"}`` of each package of ``before`` whose version ``after`` changes."""
    changes = {
        name: f"{before[name]} -> {version}"
        for name, version in after.items()
        if name in before and before[name] != version and name not in NOT_THE_STACK
    }
    return dict(sorted(changes.items()))


def changed_versions(installed: Mapping[str, str], report: Mapping) -> dict[str, str]:
    """The installed packages that a pip ``--report`` would change (see ``version_changes``)."""
    items = [item["metadata"] for item in report.get("install", [])]
    return version_changes(installed, {normalize(m["name"]): m["version"] for m in items})


def _listed(changes: Mapping[str, str]) -> str:
    return ", ".join(f"{name} {change}" for name, change in changes.items())


def _run(*command: str | Path) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    if subprocess.run([str(c) for c in command], cwd=ROOT).returncode != 0:
        raise StackError(f"command failed: {' '.join(str(c) for c in command)}")


def _pip(venv: Path, *args: str | Path) -> None:
    _run(venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check", *args)


def _installed(venv: Path) -> dict[str, str]:
    out = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "list", "--format=json", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {normalize(p["name"]): p["version"] for p in json.loads(out)}


def _fresh_venv(venv: Path) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    _run(sys.executable, "-m", "venv", venv)
    _pip(venv, "install", "-qq", "--upgrade", "pip")


def _write_constraints(venv: Path, lines: Sequence[str]) -> Path:
    path = venv / "constraints.txt"
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def check_extras(venv: Path, wheel: Path, extras: Sequence[str], core: Sequence[str]) -> None:
    """Fail when installing an extra over the stack would change a core dependency's version.

    Changes to other packages (dependencies of dependencies) are printed, not failed.
    """
    installed = _installed(venv)
    broken = []
    for extra in extras:
        report = venv / f"extra-{extra}.json"
        requirement = f"smstatus[{extra}] @ {wheel.as_uri()}"
        _pip(venv, "install", "-qq", "--dry-run", "--report", report, requirement)
        changes = changed_versions(installed, json.loads(report.read_text()))
        moved = {n: c for n, c in changes.items() if n in core}
        if moved:
            broken.append(f"[{extra}]: {_listed(moved)}")
        if changes.keys() - moved.keys():
            others = {n: c for n, c in changes.items() if n not in moved}
            print(f"note: [{extra}] changes dependencies of dependencies: {_listed(others)}")
    if broken:
        raise StackError(
            "these extras would change a core dependency that `pip install .` gives: "
            + "; ".join(broken)
        )


def build_stack(stack: str, venv: Path, wheel: Path, meta: Mapping) -> None:
    """A fresh venv with the project's wheel on ``stack`` and the test tools.

    The tools are installed with the core dependencies pinned as the stack has them, so that
    they cannot move them (pip fails instead).
    """
    _fresh_venv(venv)
    core = [normalize(p.split("==")[0]) for p in oldest_pins(meta["dependencies"])]
    if stack == "oldest":
        pins = _write_constraints(venv, oldest_pins(meta["dependencies"]))
        _pip(venv, "install", "-qq", "-c", pins, wheel)
    else:
        _pip(venv, "install", "-qq", wheel)
        extras = [*sorted(meta.get("optional-dependencies", {})), *COMBINED_EXTRAS]
        check_extras(venv, wheel, extras, core)
    # the README's set-up command, on the bare install (before the test tools move anything)
    _run(venv / "bin" / "smstatus", "report", "-o", venv / "report")
    before = _installed(venv)
    pins = _write_constraints(venv, [f"{n}=={before[n]}" for n in core])
    tools = list(meta["optional-dependencies"]["dev"]) + tested_extras(stack, meta)
    if stack == "latest":
        for extra in CHECKED_EXTRAS:
            tools += meta["optional-dependencies"][extra]
    _pip(venv, "install", "-qq", "-c", pins, *tools)
    moved = version_changes(before, _installed(venv))
    if moved:
        print(f"note: the test tools changed dependencies of dependencies: {_listed(moved)}")


def tested_extras(stack: str, meta: Mapping) -> list[str]:
    """The requirements of ``TESTED_EXTRAS``: as declared on the latest stack, their lower
    bounds pinned exactly on the oldest (requirements, not constraints: pip refuses extras in
    a constraints file)."""
    extras = meta.get("optional-dependencies", {})
    requirements = [r for extra in TESTED_EXTRAS for r in extras.get(extra, [])]
    return oldest_pins(requirements) if stack == "oldest" else requirements


def _versions(venv: Path, meta: Mapping) -> str:
    installed = _installed(venv)
    extras = meta.get("optional-dependencies", {})
    tested = [r for extra in TESTED_EXTRAS for r in extras.get(extra, [])]
    names = [_LOWER_BOUND.match(d)[1] for d in [*meta["dependencies"], *tested]]
    return ", ".join(f"{n} {installed.get(normalize(n), '?')}" for n in names)


def run_checks(venv: Path) -> dict[str, int]:
    """Each of ``CHECKS`` with the venv's python: ``{name: exit code}``."""
    codes = {}
    for name, args in CHECKS:
        print(f"=== check: {name}", flush=True)
        command = [str(venv / "bin" / "python"), *args]
        codes[name] = subprocess.run(command, cwd=ROOT).returncode
    return codes


def _counts(junit: Path) -> dict[str, int]:
    suites = ET.parse(junit).getroot()
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in suites.iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, 0))
    return totals


def run_stack(stack: str, wheel: Path, meta: Mapping, pytest_args: Sequence[str]) -> dict:
    """Build ``stack`` and run the suite on it; the outcome and the times taken."""
    venv = ROOT / ".stacks" / stack
    print(f"\n=== {stack} stack: building {venv.relative_to(ROOT)}", flush=True)
    started = time.perf_counter()
    build_stack(stack, venv, wheel, meta)
    built = time.perf_counter()
    print(f"=== {stack} stack: {_versions(venv, meta)}", flush=True)
    junit = venv / "junit.xml"
    command = [venv / "bin" / "python", "-m", "pytest", *PYTEST, f"--junitxml={junit}"]
    code = subprocess.run([str(c) for c in [*command, *pytest_args]], cwd=ROOT).returncode
    done = time.perf_counter()
    checks = run_checks(venv) if stack == "latest" else {}
    return {
        "stack": stack,
        "versions": _versions(venv, meta),
        "install_s": built - started,
        "tests_s": done - built,
        "checks_s": time.perf_counter() - done,
        "checks": checks,
        "exit": code,
        **(_counts(junit) if junit.exists() else {}),
    }


def _build_wheel(out: Path) -> Path:
    _run(sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel", "-qq",
         "--no-deps", "-w", out, ROOT)  # fmt: skip
    (wheel,) = out.glob("smstatus-*.whl")
    return wheel


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--stack", action="append", choices=STACKS, help="only this stack (repeatable)"
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: passed on to pytest")
    args = parser.parse_args(argv)
    meta = project()
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wheel = _build_wheel(Path(tmp))
            for stack in args.stack or STACKS:
                results.append(run_stack(stack, wheel, meta, args.pytest_args))
    except StackError as exc:
        print(f"test_stacks: {exc}", file=sys.stderr)
        return 1
    print()
    for r in results:
        checks = "".join(
            f", {name} {'ok' if code == 0 else f'FAILED ({code})'}"
            for name, code in r["checks"].items()
        )
        timing = f", checks {r['checks_s']:.0f} s" if r["checks"] else ""
        print(
            f"{r['stack']}: {r['versions']}; install {r['install_s']:.0f} s, "
            f"tests {r['tests_s']:.0f} s{timing}, pytest exit {r['exit']}{checks}"
        )
    failed = [r["stack"] for r in results if r["exit"] != 0]
    if failed:
        print(f"test_stacks: the suite failed on: {', '.join(failed)}", file=sys.stderr)
    failed_checks = failed_check_names(results)
    if failed_checks:
        print(f"test_stacks: checks failed: {', '.join(failed_checks)}", file=sys.stderr)
    totals = {
        k: sum(r.get(k, 0) for r in results) for k in ("tests", "failures", "errors", "skipped")
    }
    bad = totals["failures"] + totals["errors"]
    print(f"stacks: {totals['tests'] - bad - totals['skipped']} passed, {bad} failed, "
          f"{totals['skipped']} skipped")  # fmt: skip
    return 1 if failed or failed_checks else 0


def failed_check_names(results: Sequence[Mapping]) -> list[str]:
    """``stack: check`` of every check that did not exit 0."""
    return [
        f"{r['stack']}: {name}"
        for r in results
        for name, code in r.get("checks", {}).items()
        if code != 0
    ]


if __name__ == "__main__":
    sys.exit(main())
