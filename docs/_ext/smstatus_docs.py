"""Sphinx directives that write the parts of the docs that the code defines.

Each table here is generated from the library at build time, so a page cannot drift from the
code it describes:

``smstatus-statuses``
    The statuses of the default machine: primary status, initial, terminal, deprecated.
``smstatus-edge-table``
    The edge table of the default machine, each edge with its basis and note.
``smstatus-schema FRAME``
    Columns and dtypes of ``transitions``, ``jobs`` or ``unparsed``, with the meaning of each
    column given in the directive's body (``column: meaning`` lines). A column of the code that
    the body does not describe is a warning (so an error in the strict build).
``smstatus-code CODE``
    The default severity of a validation code and an example message, made by running
    :func:`smstatus.validate` on a small history that breaks that rule. A code of
    :class:`smstatus.ViolationCode` that no page documents is a warning.
``smstatus-api``
    The API reference of every name in ``smstatus.__all__``, grouped by topic; a public name
    that no group lists is still documented, under "Other public names".
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import itertools
import pkgutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import smstatus

logger = logging.getLogger(__name__)

# -- helpers ------------------------------------------------------------------------------------


def _list_table(
    header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int]
) -> list[str]:
    """RST ``list-table`` lines; cells are inline RST."""
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        f"   :widths: {' '.join(str(w) for w in widths)}",
        "",
    ]
    for row in [header, *rows]:
        for i, cell in enumerate(row):
            text = str(cell).replace("\n", " ") or " "
            lines.append(f"   {'*' if i == 0 else ' '} - {text}")
    return lines


class _RstDirective(SphinxDirective):
    """A directive whose output is RST text, parsed in place."""

    def rst(self) -> list[str]:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        lines = self.rst()
        if type(self.state).__module__.startswith("myst_parser"):
            # in a Markdown page the nested parser reads Markdown: hand it an RST block
            lines = ["```{eval-rst}", *lines, "```"]
        container = nodes.container()
        source = self.get_source_info()[0]
        self.state.nested_parse(StringList(lines, source=source), self.content_offset, container)
        return container.children


def _lit(text: str) -> str:
    return f"``{text}``"


# -- the machine ---------------------------------------------------------------------------------


class StatusesDirective(_RstDirective):
    """The statuses of the default machine."""

    def rst(self) -> list[str]:
        m = smstatus.default_machine()
        rows = []
        for s in m.statuses:
            role = [
                name
                for name, flag in (
                    ("initial", s == m.initial),
                    ("terminal", m.is_terminal(s)),
                    ("deprecated", s in m.deprecated),
                )
                if flag
            ]
            rows.append(
                [
                    _lit(s),
                    _lit(m.primary_of(s) or "-"),
                    ", ".join(role),
                    ", ".join(m.successors(s)) or "(none: terminal)",
                ]
            )
        header = ["status", "primary", "kind", "legal next statuses"]
        return _list_table(header, rows, [24, 14, 12, 50])


class EdgeTableDirective(_RstDirective):
    """The edge table of the default machine, grouped by source status."""

    def rst(self) -> list[str]:
        m = smstatus.default_machine()
        counts: dict[str, int] = {}
        for e in m.edges:
            for b in e.basis:
                counts[b.value] = counts.get(b.value, 0) + 1
        inferred_only = sum(e.inferred_only for e in m.edges)
        intro = (
            f"Machine {_lit(m.version)}: {len(m.edges)} edges among {len(m.statuses)} statuses; "
            f"{counts.get('doc', 0)} documented by AWS, {counts.get('seen', 0)} seen in real "
            f"histories, {inferred_only} inferred only."
        )
        rows = []
        for e in m.edges:
            basis = ", ".join(b.value for b in sorted(e.basis, key=_basis_rank))
            rows.append([_lit(e.source), _lit(e.dest), basis, e.note])
        return [intro, "", *_list_table(["from", "to", "basis", "note"], rows, [22, 22, 14, 42])]


def _basis_rank(b: Any) -> int:
    return (
        ["doc", "seen", "inferred"].index(b.value) if b.value in ("doc", "seen", "inferred") else 9
    )


# -- the frames ----------------------------------------------------------------------------------


def _schemas() -> dict[str, dict[str, Any]]:
    from smstatus.history import JOBS_SCHEMA, TRANSITIONS_SCHEMA, UNPARSED_SCHEMA

    return {"transitions": TRANSITIONS_SCHEMA, "jobs": JOBS_SCHEMA, "unparsed": UNPARSED_SCHEMA}


def _dtype_name(dtype: Any) -> str:
    text = str(dtype)
    return {"string": "string (pyarrow)"}.get(text, text)


class SchemaDirective(_RstDirective):
    """Columns and dtypes of one of a history's frames, with their meaning."""

    required_arguments = 1
    has_content = True

    def rst(self) -> list[str]:
        frame = self.arguments[0]
        schema = _schemas().get(frame)
        if schema is None:
            raise self.error(f"smstatus-schema: unknown frame {frame!r}")
        meaning: dict[str, str] = {}
        for line in self.content:
            if not line.strip():
                continue
            name, _, text = line.partition(":")
            meaning[name.strip()] = text.strip()
        for col in schema:
            if col not in meaning:
                logger.warning(
                    "smstatus-schema %s: column %r of the code is not described",
                    frame,
                    col,
                    location=self.get_location(),
                )
        for col in meaning:
            if col not in schema:
                logger.info(
                    "smstatus-schema %s: %r is described but not a column of this build",
                    frame,
                    col,
                    location=self.get_location(),
                )
        rows = [[_lit(c), _lit(_dtype_name(d)), meaning.get(c, "")] for c, d in schema.items()]
        return _list_table(["column", "dtype", "meaning"], rows, [22, 22, 56])


# -- validation codes ----------------------------------------------------------------------------


def _t(minute: int) -> str:
    return f"2025-05-16T11:{minute:02d}:00Z"


def _history(entries: Sequence[tuple[str, int, int | None]], **job: Any) -> Any:
    records = [
        {"Status": s, "StartTime": _t(a), **({"EndTime": _t(b)} if b is not None else {})}
        for s, a, b in entries
    ]
    return smstatus.JobHistory.from_transitions("job-a", records, **job)


_DONE = {"training_job_status": "Completed"}
_OK_TAIL = [("Training", 2, 3), ("Uploading", 3, 4), ("Completed", 4, 4)]


def _unparsed_history() -> tuple[Any, str]:
    """A JSON Lines file whose second line is cut short, loaded with ``errors="collect"``."""
    good = (
        '{"TrainingJobName": "job-a", "TrainingJobStatus": "InProgress", '
        '"SecondaryStatusTransitions": [{"Status": "Starting", '
        '"StartTime": "2025-05-16T11:00:00Z"}]}'
    )
    with tempfile.TemporaryDirectory(prefix="smstatus-docs-") as tmp:
        path = Path(tmp) / "jobs.jsonl"
        path.write_text(good + '\n{"TrainingJobName": "job-b", "TrainingJobSta\n', encoding="utf-8")
        return smstatus.load(path, errors="collect"), tmp + "/"


_EXAMPLES: dict[str, Callable[[], Any]] = {
    "unknown_status": lambda: _history([("Starting", 0, 1), ("Queued", 1, 2), *_OK_TAIL], **_DONE),
    "illegal_transition": lambda: _history(
        [("Starting", 0, 1), ("Uploading", 1, 2), ("Completed", 2, 2)], **_DONE
    ),
    "transition_after_terminal": lambda: _history(
        [("Starting", 0, 2), *_OK_TAIL, ("Training", 4, 5)], **_DONE
    ),
    "bad_initial_status": lambda: _history([("Downloading", 0, 2), *_OK_TAIL], **_DONE),
    "not_terminal": lambda: _history(
        [("Starting", 0, 2), ("Training", 2, 3), ("Uploading", 3, None)], **_DONE
    ),
    "status_mismatch": lambda: _history(
        [("Starting", 0, 2), ("Training", 2, None)],
        training_job_status="InProgress",
        secondary_status="Downloading",
    ),
    "empty_history": lambda: _history([], training_job_status="InProgress"),
    "negative_duration": lambda: _history(
        [("Starting", 0, 2), ("Training", 2, 1), ("Uploading", 2, 4), ("Completed", 4, 4)],
        **_DONE,
    ),
    "out_of_order": lambda: _history(
        [("Starting", 3, 3), ("Training", 1, 3), ("Uploading", 3, 4), ("Completed", 4, 4)],
        **_DONE,
    ),
    "overlap": lambda: _history([("Starting", 0, 3), *_OK_TAIL], **_DONE),
    "gap": lambda: _history([("Starting", 0, 1), *_OK_TAIL], **_DONE),
    "open_interval_not_last": lambda: _history([("Starting", 0, None), *_OK_TAIL], **_DONE),
    "duplicate_job": lambda: smstatus.JobHistory.concat(
        [_history([("Starting", 0, 2), *_OK_TAIL], **_DONE)] * 2
    ),
    "deprecated_status": lambda: _history(
        [
            ("Starting", 0, 1),
            ("LaunchingMLInstances", 1, 2),
            ("PreparingTrainingStack", 2, 2),
            *_OK_TAIL,
        ],
        **_DONE,
    ),
    "repeated_status": lambda: _history(
        [("Starting", 0, 1), ("Starting", 1, 2), *_OK_TAIL], **_DONE
    ),
    "inferred_edge": lambda: _history(
        [("Starting", 0, 2), ("Training", 2, 3), ("Failed", 3, 3)],
        training_job_status="Failed",
    ),
    "unparsed_record": _unparsed_history,
}
"""A small history that breaks each rule; its example message is the first one of that code."""


def _example(code: str) -> tuple[str, str] | None:
    """``(severity, message)`` of the first violation of ``code`` in its example history."""
    make = _EXAMPLES.get(code)
    if make is None:
        return None
    made = make()
    history, prefix = made if isinstance(made, tuple) else (made, "")
    v = smstatus.validate(history).violations
    hits = v[v["code"].astype(str) == code]
    if not len(hits):
        return None
    row = hits.iloc[0]
    return str(row["severity"]), str(row["message"]).replace(prefix, "")


def _default_severity(code: str) -> str | None:
    from smstatus.validation_report import DEFAULT_SEVERITY

    for c, sev in DEFAULT_SEVERITY.items():
        if c.value == code:
            return sev.value
    return None


class CodeDirective(_RstDirective):
    """Severity and an example message of one validation code, from the code itself."""

    required_arguments = 1

    def rst(self) -> list[str]:
        code = self.arguments[0]
        _documented(self.env).setdefault(self.env.docname, set()).add(code)
        known = {c.value for c in smstatus.ViolationCode}
        if code not in known:
            logger.info(
                "smstatus-code %s: not a ViolationCode of this build of smstatus",
                code,
                location=self.get_location(),
            )
            return [f"*Severity and example: not produced by smstatus {smstatus.__version__}.*"]
        example = _example(code)
        if example is None:
            logger.warning(
                "smstatus-code %s: the example history does not produce this code",
                code,
                location=self.get_location(),
            )
            return []
        return [
            f"**Severity:** ``{_default_severity(code)}``",
            "",
            "Example message (made by this version of smstatus from a small history that breaks "
            "the rule):",
            "",
            ".. code-block:: text",
            "   :class: smstatus-message",
            "",
            f"   {example[1]}",
        ]


def _documented(env: Any) -> dict[str, set[str]]:
    """Codes documented by ``smstatus-code``, by page (kept in the build environment)."""
    if not hasattr(env, "smstatus_codes"):
        env.smstatus_codes = {}
    return env.smstatus_codes


def _check_codes(app: Sphinx, env: Any) -> None:
    documented = set().union(*_documented(env).values())
    for code in smstatus.ViolationCode:
        if code.value not in documented:
            logger.warning("validation code %r is not documented (smstatus-code)", code.value)


def _merge_codes(app: Sphinx, env: Any, docnames: Any, other: Any) -> None:
    _documented(env).update(_documented(other))


def _purge_codes(app: Sphinx, env: Any, docname: str) -> None:
    _documented(env).pop(docname, None)


# -- the API reference ---------------------------------------------------------------------------

API_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Loading and writing histories",
        "A history is two tidy frames (see :doc:`data-model`).",
        (
            "load",
            "load_sample",
            "sample_path",
            "JobHistory",
            "SecondaryStatusTransition",
            "read_table",
            "write_table",
            "to_describe_records",
            "write_describe_jsonl",
        ),
    ),
    (
        "Statuses and the machine",
        "See :doc:`machine`.",
        (
            "SecondaryStatus",
            "PrimaryStatus",
            "PRIMARY_OF",
            "INITIAL_STATUS",
            "TERMINAL_STATUSES",
            "DEPRECATED_STATUSES",
            "StatusMachine",
            "default_machine",
            "Edge",
            "Basis",
            "EDGE_TABLE_V1",
        ),
    ),
    (
        "Validation",
        "See :doc:`validation`.",
        ("validate", "ValidationReport", "ViolationCode", "Severity"),
    ),
    (
        "Durations and statistics",
        "Open entries are measured to each job's ``observed_at``, or to an explicit ``as_of`` "
        "(see :doc:`data-model`).",
        (
            "durations",
            "phase_table",
            "duration_stats",
            "km_stats",
            "bottlenecks",
            "Bottlenecks",
            "variants",
            "observed_edges",
            "never_seen",
            "missing_from_machine",
            "load_prices",
            "job_costs",
            "phase_costs",
        ),
    ),
    (
        "Plots",
        "Each plot takes ``ax=None`` and returns its ``Axes``; none calls ``plt.show()``.",
        ("plot_gantt", "plot_durations", "plot_bottlenecks", "plot_machine"),
    ),
    ("The HTML report", "", ("build_report", "Report")),
    (
        "Fetching from SageMaker",
        "Needs the ``aws`` extra (boto3).",
        ("collect", "Collection", "CollectionSummary"),
    ),
    ("Simulation", "", ("simulate", "simulate_with_truth")),
    (
        "Errors",
        "Every error derives from :class:`smstatus.SmStatusError` and from the matching builtin.",
        (
            "SmStatusError",
            "ParseError",
            "InputNotFoundError",
            "MachineDefinitionError",
            "MissingDependencyError",
            "ValidationError",
            "FetchError",
            "CacheLockedError",
        ),
    ),
)
"""Topics of the API reference; names of ``smstatus.__all__`` not listed go under "Other"."""

_SKIP = {"__version__"}


@functools.cache
def _modules() -> tuple[Any, ...]:
    """Every importable module of the package (one with a missing optional dependency is not
    where a constant lives)."""
    out = []
    for info in pkgutil.walk_packages(smstatus.__path__, "smstatus."):
        try:
            out.append(importlib.import_module(info.name))
        except Exception:  # an optional dependency missing
            continue
    return tuple(out)


def _data_doc(name: str, obj: Any) -> list[str]:
    """The docstring written after a module-level assignment, found in the defining module."""
    for module in _modules():
        if getattr(module, name, None) is not obj:
            continue
        try:
            tree = ast.parse(inspect.getsource(module))
        except (OSError, TypeError):
            continue
        body = tree.body
        for node, after in itertools.pairwise(body):
            targets = (
                [node.target]
                if isinstance(node, ast.AnnAssign)
                else node.targets
                if isinstance(node, ast.Assign)
                else []
            )
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                return inspect.cleandoc(after.value.value).splitlines()
    return []


def _api_entry(name: str) -> list[str]:
    obj = getattr(smstatus, name)
    if inspect.isclass(obj):
        if issubclass(obj, BaseException):
            return [f".. autoexception:: smstatus.{name}", "   :show-inheritance:", ""]
        return [f".. autoclass:: smstatus.{name}", "   :members:", "   :undoc-members:", ""]
    if callable(obj):
        return [f".. autofunction:: smstatus.{name}", ""]
    lines = [f".. py:data:: smstatus.{name}", ""]
    lines += [f"   {line}" if line else "" for line in _data_doc(name, obj)]
    return [*lines, ""]


class ApiDirective(_RstDirective):
    """Autodoc entries for every public name, grouped by topic."""

    def rst(self) -> list[str]:
        public = [n for n in smstatus.__all__ if n not in _SKIP]
        placed: set[str] = set()
        out: list[str] = []
        for title, intro, names in API_GROUPS:
            present = [n for n in names if n in public]
            for n in names:
                if n not in public:
                    logger.info("smstatus-api: %r is no longer public; skipped", n)
            if not present:
                continue
            out += [title, "-" * len(title), ""]
            if intro:
                out += [intro, ""]
            for n in present:
                out += _api_entry(n)
            placed.update(present)
        rest = [n for n in public if n not in placed]
        if rest:
            out += ["Other public names", "-" * 18, ""]
            for n in rest:
                out += _api_entry(n)
        return out


# -- setup -------------------------------------------------------------------------------------


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("smstatus-statuses", StatusesDirective)
    app.add_directive("smstatus-edge-table", EdgeTableDirective)
    app.add_directive("smstatus-schema", SchemaDirective)
    app.add_directive("smstatus-code", CodeDirective)
    app.add_directive("smstatus-api", ApiDirective)
    app.connect("env-purge-doc", _purge_codes)
    app.connect("env-merge-info", _merge_codes)
    app.connect("env-check-consistency", _check_codes)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
