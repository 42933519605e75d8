"""The documentation site: it builds with warnings as errors, and what it generates from the code
(edge table, validation codes, CLI and API reference) is complete.

Skipped when the ``docs`` extra is not installed (``pip install -e ".[docs]"``).
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

import smstatus
from smstatus.cli import build_parser

DOCS = Path(__file__).resolve().parents[1] / "docs"
_NEEDED = ("sphinx", "myst_parser", "numpydoc", "sphinxarg", "pydata_sphinx_theme")
_MISSING = [m for m in _NEEDED if importlib.util.find_spec(m) is None]

pytestmark = pytest.mark.skipif(
    bool(_MISSING),
    reason=f"the docs extra is not installed (missing {', '.join(_MISSING)}); "
    'pip install -e ".[docs]"',
)


def _sphinx(source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """The build command of CI: warnings are errors."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", source, out],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = _sphinx(DOCS, out)
    assert result.returncode == 0, result.stderr
    return out


def _text(page: Path) -> str:
    """The visible text of a page, tags stripped, entities decoded, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", html.unescape(body))


def _table(page: Path, header: list[str]) -> list[list[str]]:
    """Cells of the body rows, as text, of the page's table with this header row."""
    for table in re.findall(r"<table.*?</table>", page.read_text(encoding="utf-8"), re.S):
        rows = [
            [
                " ".join(_text_of(c).split())
                for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)
            ]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
        ]
        if rows and rows[0] == header:
            return rows[1:]
    raise AssertionError(f"{page.name} has no table headed {header}")


def _text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def test_site_builds_with_warnings_as_errors(site: Path) -> None:
    pages = {p.stem for p in site.glob("*.html")}
    expected = {"index", "getting-started", "data-model", "machine", "validation", "sources"}
    assert expected | {"exit-codes", "cli", "api", "benchmarks"} <= pages


def test_edge_table_page_is_the_machine(site: Path) -> None:
    machine = smstatus.default_machine()
    shown = {
        (row[0], row[1], frozenset(b.strip() for b in row[2].split(",")))
        for row in _table(site / "machine.html", ["from", "to", "basis", "note"])
    }
    expected = {(e.source, e.dest, frozenset(b.value for b in e.basis)) for e in machine.edges}
    assert shown == expected


def test_statuses_table_gives_each_status_its_primary(site: Path) -> None:
    machine = smstatus.default_machine()
    header = ["status", "primary", "kind", "legal next statuses"]
    rows = {row[0]: row for row in _table(site / "machine.html", header)}
    assert list(rows) == list(machine.statuses)
    for status in machine.statuses:
        assert rows[status][1] == machine.primary_of(status)
        assert ("terminal" in rows[status][2]) == machine.is_terminal(status)
        legal = rows[status][3].split(", ") if not machine.is_terminal(status) else []
        assert legal == list(machine.successors(status))


def test_every_validation_code_has_its_severity_and_real_example(site: Path) -> None:
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        import smstatus_docs
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    text = _text(site / "validation.html")
    for code in smstatus.ViolationCode:
        severity, message = smstatus_docs._example(code.value)
        section = text.split(f" {code.value} #", 1)[1]  # the code's own heading
        head = section.split("Example message", 1)[0]  # the code's text, before its example
        assert f"Severity: {smstatus_docs._default_severity(code.value)}" in head
        assert " ".join(message.split()) in section
        assert severity in {s.value for s in smstatus.Severity}


def _options(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: [
            o for a in p._actions for o in a.option_strings if o.startswith("--") and o != "--help"
        ]
        for name, p in sub.choices.items()
    }


def test_cli_page_lists_every_command_and_option(site: Path) -> None:
    page = (site / "cli.html").read_text(encoding="utf-8")
    for command, options in _options(build_parser()).items():
        start = page.index(f'id="{command}"')
        following = page[start:]
        for option in options:
            assert option in following, f"smstatus {command} {option}"


def test_api_page_documents_every_public_name(site: Path) -> None:
    page = (site / "api.html").read_text(encoding="utf-8")
    for name in smstatus.__all__:
        if name != "__version__":
            assert f'id="smstatus.{name}"' in page, name


def test_api_page_documents_the_dask_engine(site: Path) -> None:
    dask_engine = pytest.importorskip("smstatus.dask")
    page = (site / "api.html").read_text(encoding="utf-8")
    for name in dask_engine.__all__:
        assert f'id="smstatus.dask.{name}"' in page, name


def test_an_undocumented_code_or_column_fails_the_build(tmp_path: Path) -> None:
    """The drift guards: a code without a section, a column without a meaning."""
    (tmp_path / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(DOCS / '_ext')!r})\n"
        "extensions = ['myst_parser', 'smstatus_docs']\n",
        encoding="utf-8",
    )
    (tmp_path / "index.md").write_text(
        "# Page\n\n```{smstatus-code} gap\n```\n\n"
        "```{smstatus-schema} unparsed\nfile: the file\n```\n",
        encoding="utf-8",
    )
    result = _sphinx(tmp_path, tmp_path / "out")
    assert result.returncode != 0
    assert "validation code 'illegal_transition' is not documented" in result.stderr
    assert "validation code 'gap'" not in result.stderr
    assert "column 'reason' of the code is not described" in result.stderr
