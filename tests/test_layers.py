"""The layers of the package, written down once and held over its import graph.

Every ``import`` statement of ``src/smstatus`` counts, including those inside functions (a lazy
import is still a dependency; it only hides a cycle). Rules:

- a module imports only from its own layer group or from the groups below it (``LAYERS``, bottom
  first); groups side by side in one layer do not import each other;
- ``fetch`` and ``simulation`` sit beside ``io``: they use ``io`` and below, and only the CLI and
  the package root import them;
- no cycle between modules;
- no private name (``_x``) imported from another module, and a private module (``io/_x.py``) is
  imported only from inside its own package;
- no module is hidden by a function of the same name: ``smstatus.validation`` is a package and
  ``smstatus.validate`` a function, never the same path for both.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import smstatus

SRC = Path(smstatus.__file__).parent

LAYERS: tuple[tuple[str, ...], ...] = (
    ("vocabulary",),
    ("machine",),
    ("history",),
    ("io",),
    ("analysis", "validation"),
    ("dask",),
    ("plotting",),
    ("report",),
    ("cli",),
    ("root",),
)
"""Layer groups, bottom first; a group may import its own and every lower layer."""

BESIDE_IO: frozenset[str] = frozenset({"fetch", "simulation"})
"""Groups that may import ``io`` and below, imported only by ``cli`` and ``root``."""

GROUPS: dict[str, str] = {
    "smstatus.errors": "vocabulary",
    "smstatus.status": "vocabulary",
    "smstatus.timestamps": "vocabulary",
    "smstatus.spans": "vocabulary",
    "smstatus.atomicfile": "vocabulary",
    "smstatus.escaping": "vocabulary",
    "smstatus.typing": "vocabulary",
    "smstatus.machine": "machine",
    "smstatus.records": "history",
    "smstatus.history": "history",
    "smstatus.io": "io",
    "smstatus.fetch": "fetch",
    "smstatus.simulation": "simulation",
    "smstatus.analysis": "analysis",
    "smstatus.validation": "validation",
    "smstatus.dask": "dask",
    "smstatus.plotting": "plotting",
    "smstatus.report": "report",
    "smstatus.cli": "cli",
    "smstatus.__main__": "cli",
}
"""The group of each module or package of ``smstatus`` (a package's modules share its group)."""


def allowed_groups() -> dict[str, frozenset[str]]:
    """The groups each group may import, derived from ``LAYERS`` and ``BESIDE_IO``."""
    allowed: dict[str, frozenset[str]] = {}
    below: set[str] = set()
    for layer in LAYERS:
        for group in layer:
            allowed[group] = frozenset(below | {group})
        below |= set(layer)
        if "io" in layer:
            for group in BESIDE_IO:
                allowed[group] = frozenset(below | {group})
    for top in ("cli", "root"):
        allowed[top] = allowed[top] | BESIDE_IO
    return allowed


def group_of(module: str) -> str | None:
    """The layer group of a module of the package, ``None`` when no group holds it."""
    if module == "smstatus":
        return "root"
    for prefix, group in GROUPS.items():
        if module == prefix or module.startswith(prefix + "."):
            return group
    return None


def module_names(src: Path) -> dict[str, Path]:
    """Dotted name of every module under ``src`` (a package folder named ``smstatus``)."""
    names = {}
    for path in sorted(src.rglob("*.py")):
        parts = [src.name, *path.relative_to(src).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imports(module: str, path: Path, known: set[str]) -> Iterator[tuple[str, str, int]]:
    """``(imported module, imported name or "", line)`` for every import in a module."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield (sub, "", node.lineno) if sub in known else (base, alias.name, node.lineno)


def is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def import_graph(src: Path) -> dict[str, set[str]]:
    """Module -> modules of the package it imports (parents implied by Python not counted)."""
    names = module_names(src)
    graph: dict[str, set[str]] = {m: set() for m in names}
    for module, path in names.items():
        for target, _, _ in imports(module, path, set(names)):
            if target in names and target != module:
                graph[module].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of modules, ``None`` when it has none."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def violations(src: Path) -> list[str]:
    """Every breach of the layer, privacy and cycle rules in the package at ``src``."""
    names = module_names(src)
    allowed = allowed_groups()
    found = []
    for module, path in names.items():
        group = group_of(module)
        if group is None:
            found.append(f"{module}: in no layer group (add it to GROUPS)")
            continue
        where = f"{path.relative_to(src.parent)}"
        for target, name, line in imports(module, path, set(names)):
            if not (target == src.name or target.startswith(src.name + ".")):
                continue
            if target == module:
                continue
            target_group = group_of(target)
            if target_group is not None and target_group not in allowed[group]:
                found.append(f"{where}:{line}: {group} may not import {target_group} ({target})")
            if is_private(name):
                found.append(f"{where}:{line}: private name {name} imported from {target}")
            parts = target.split(".")
            for i, part in enumerate(parts):
                owner = ".".join(parts[:i])
                if is_private(part) and not (module == owner or module.startswith(owner + ".")):
                    found.append(f"{where}:{line}: private module {target} imported from outside")
    cycle = find_cycle(import_graph(src))
    if cycle:
        found.append("import cycle: " + " -> ".join(cycle))
    return found


def test_the_package_keeps_its_layers():
    assert violations(SRC) == []


def test_every_group_of_the_layers_is_placed():
    placed = {g for layer in LAYERS for g in layer} | BESIDE_IO
    assert set(GROUPS.values()) | {"root"} <= placed
    assert set(allowed_groups()) == placed


def test_no_function_hides_its_module():
    for info in pkgutil.walk_packages(smstatus.__path__, "smstatus."):
        if info.name == "smstatus.__main__":
            continue
        module = importlib.import_module(info.name)
        parent, _, child = info.name.rpartition(".")
        assert getattr(sys.modules[parent], child) is module, info.name


def test_no_library_module_shares_a_name_with_an_exported_function():
    # the CLI's modules are named by their subcommands (``smstatus validate``)
    exported = {n for n in smstatus.__all__ if callable(getattr(smstatus, n))}
    clashes = [
        m for m in module_names(SRC) if m.rpartition(".")[2] in exported and group_of(m) != "cli"
    ]
    assert clashes == []


# -- the checker catches what it must: a tiny fake package --------------------------------------


def _fake_package(tmp_path: Path, files: dict[str, str]) -> Path:
    src = tmp_path / "smstatus"
    for name, text in {"__init__.py": "", "errors.py": "", **files}.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return src


def test_a_fake_package_that_keeps_the_rules_passes(tmp_path):
    src = _fake_package(
        tmp_path,
        {
            "cli/__init__.py": "from smstatus.io import load\nfrom smstatus.cli._common import x\n",
            "cli/_common.py": "x = 1\n",
            "io/__init__.py": "def load():\n    from smstatus.errors import ParseError\n",
        },
    )
    assert violations(src) == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (  # an upward import hidden in a function
            {"io.py": "def load():\n    from smstatus.cli import main\n", "cli.py": "main = 1\n"},
            "io may not import cli (smstatus.cli)",
        ),
        (  # analysis and validation sit side by side
            {"analysis/__init__.py": "", "validation/__init__.py": "import smstatus.analysis\n"},
            "validation may not import analysis",
        ),
        (  # only the CLI and the root import fetch
            {"fetch/__init__.py": "", "report/__init__.py": "from smstatus import fetch\n"},
            "report may not import fetch",
        ),
        (  # a module in no group
            {"helpers.py": ""},
            "smstatus.helpers: in no layer group",
        ),
        (  # a private name across modules
            {"io/__init__.py": "from smstatus.io.describe import _records\n", "io/describe.py": ""},
            "private name _records imported from smstatus.io.describe",
        ),
        (  # a private module used outside its package
            {
                "io/__init__.py": "",
                "io/_fast.py": "",
                "fetch.py": "from smstatus.io._fast import r\n",
            },
            "private module smstatus.io._fast imported from outside",
        ),
        (  # a cycle held apart by a lazy import
            {
                "io/__init__.py": "",
                "io/a.py": "from smstatus.io.b import f\n",
                "io/b.py": "def f():\n    from smstatus.io.a import g\n",
            },
            "import cycle: smstatus.io.a -> smstatus.io.b -> smstatus.io.a",
        ),
    ],
)
def test_the_checker_reports_each_breach(tmp_path, files, expected):
    found = violations(_fake_package(tmp_path, files))
    assert any(expected in v for v in found), found
