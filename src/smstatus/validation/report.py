"""The vocabulary of violations and :class:`ValidationReport`, the result of :func:`validate`.

The report holds one tidy frame of every violation (``job_name, step, code, severity,
message``), in the spirit of pandera's ``failure_cases``: every failure collected, one stable
reason code per row.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Iterator, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smstatus.errors import ValidationError

if TYPE_CHECKING:
    from smstatus.history import JobHistory

__all__ = [
    "DEFAULT_SEVERITY",
    "SEVERITY_ORDER",
    "VIOLATION_COLUMNS",
    "Severity",
    "ValidationReport",
    "ViolationCode",
    "report_head",
    "write_report_json",
]


class Severity(StrEnum):
    """How bad a violation is. Only ``error`` makes a job invalid."""

    ERROR = "error"
    """The history breaks the machine or its own timeline; the job is not valid."""
    WARNING = "warning"
    """Suspect, but the history can still be used (a gap, an empty history...)."""
    INFO = "info"
    """Worth knowing (a repeat, a deprecated status, an edge legal only by inference)."""


SEVERITY_ORDER: tuple[str, ...] = ("info", "warning", "error")
"""Categories of the ordered ``severity`` column, least severe first (so ``>= "warning"``
selects warnings and errors)."""


class ViolationCode(StrEnum):
    """Stable reason codes of violations (listed in ``docs/validation.md``); see
    :func:`smstatus.validate`."""

    UNKNOWN_STATUS = "unknown_status"
    ILLEGAL_TRANSITION = "illegal_transition"
    BAD_INITIAL_STATUS = "bad_initial_status"
    TRANSITION_AFTER_TERMINAL = "transition_after_terminal"
    NOT_TERMINAL = "not_terminal"
    STATUS_MISMATCH = "status_mismatch"
    EMPTY_HISTORY = "empty_history"
    NEGATIVE_DURATION = "negative_duration"
    OUT_OF_ORDER = "out_of_order"
    OVERLAP = "overlap"
    GAP = "gap"
    OPEN_INTERVAL_NOT_LAST = "open_interval_not_last"
    DUPLICATE_JOB = "duplicate_job"
    DEPRECATED_STATUS = "deprecated_status"
    REPEATED_STATUS = "repeated_status"
    INFERRED_EDGE = "inferred_edge"
    UNPARSED_RECORD = "unparsed_record"


C, S = ViolationCode, Severity

DEFAULT_SEVERITY: Mapping[ViolationCode, Severity] = MappingProxyType(
    {
        C.UNKNOWN_STATUS: S.ERROR,
        C.ILLEGAL_TRANSITION: S.ERROR,
        C.BAD_INITIAL_STATUS: S.ERROR,  # warning for SDK logs, which may be a tail
        C.TRANSITION_AFTER_TERMINAL: S.ERROR,
        C.NOT_TERMINAL: S.ERROR,
        C.STATUS_MISMATCH: S.ERROR,
        C.EMPTY_HISTORY: S.WARNING,
        C.NEGATIVE_DURATION: S.ERROR,
        C.OUT_OF_ORDER: S.ERROR,
        C.OVERLAP: S.ERROR,
        C.GAP: S.WARNING,
        C.OPEN_INTERVAL_NOT_LAST: S.WARNING,
        C.DUPLICATE_JOB: S.ERROR,
        C.DEPRECATED_STATUS: S.INFO,
        C.REPEATED_STATUS: S.INFO,
        C.INFERRED_EDGE: S.INFO,  # error with strict=True
        C.UNPARSED_RECORD: S.ERROR,
    }
)
"""Severity of each code (two exceptions noted in :func:`smstatus.validation.checks.validate`)."""

VIOLATION_COLUMNS: tuple[str, ...] = ("job_name", "step", "code", "severity", "message")
"""Columns of :attr:`ValidationReport.violations`."""


def empty_violations() -> pd.DataFrame:
    """A violations frame with no rows and the right dtypes."""
    return pd.DataFrame(
        {
            "job_name": pd.Series(dtype=pd.StringDtype("pyarrow")),
            "step": pd.Series(dtype="Int64"),
            "code": pd.Categorical([], categories=[c.value for c in ViolationCode]),
            "severity": pd.Categorical([], categories=SEVERITY_ORDER, ordered=True),
            "message": pd.Series(dtype=pd.StringDtype("pyarrow")),
        }
    )


class ValidationReport:
    """Every violation of every job, and the valid part of the history.

    Built by :func:`smstatus.validation.checks.validate`; not meant to be built by hand.

    Attributes
    ----------
    violations
        One row per violation: ``job_name`` (string), ``step`` (``Int64``, ``<NA>`` for job-level
        codes), ``code`` (category of :class:`ViolationCode`), ``severity`` (ordered category
        ``info < warning < error``), ``message`` (a sentence).
    machine_version
        Version of the machine the histories were checked against.
    strict
        Whether edges legal only by inference counted as errors.
    tolerance
        The slack allowed in time comparisons.
    n_jobs
        Number of jobs checked (rows of ``history.jobs``).
    history
        The history that was checked.
    """

    __slots__ = (
        "_valid_mask",
        "history",
        "machine_version",
        "n_jobs",
        "strict",
        "tolerance",
        "violations",
    )

    def __init__(
        self,
        violations: pd.DataFrame,
        *,
        history: JobHistory,
        valid_mask: np.ndarray,
        machine_version: str,
        strict: bool,
        tolerance: pd.Timedelta,
    ) -> None:
        self.violations = violations
        self.history = history
        self._valid_mask = np.asarray(valid_mask, dtype=bool)
        self.machine_version = machine_version
        self.strict = strict
        self.tolerance = tolerance
        self.n_jobs = int(history.n_jobs)

    # -- verdicts -------------------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        """Whether no violation has error severity."""
        return not self.n_errors

    @property
    def n_errors(self) -> int:
        """Number of error-severity violations."""
        return int((self.violations["severity"] == "error").sum())

    @property
    def n_valid(self) -> int:
        """Number of jobs without an error-severity violation."""
        return int(self._valid_mask.sum())

    @property
    def valid_mask(self) -> np.ndarray:
        """Boolean mask over ``history.jobs`` rows: the job has no error-severity violation."""
        return self._valid_mask.copy()

    @property
    def valid_jobs(self) -> pd.Index:
        """Names of the jobs without an error-severity violation, in the order of the jobs."""
        return pd.Index(self.history.jobs["job_name"][self._valid_mask], name="job_name")

    @property
    def invalid_jobs(self) -> pd.Index:
        """Names of the jobs with at least one error-severity violation."""
        return pd.Index(self.history.jobs["job_name"][~self._valid_mask], name="job_name")

    def valid_history(self) -> JobHistory:
        """The :class:`~smstatus.history.JobHistory` of the valid jobs only."""
        return self.history.select(self._valid_mask)

    def at_least(self, severity: str) -> pd.DataFrame:
        """The violations of ``severity`` or worse (``"info"``, ``"warning"`` or ``"error"``)."""
        level = Severity(severity).value
        return self.violations[self.violations["severity"] >= level]

    def raise_if_invalid(self) -> ValidationReport:
        """Raise :class:`~smstatus.errors.ValidationError` when a violation has error severity.

        The exception carries the error rows in ``.violations``. Returns the report otherwise,
        so calls chain: ``validate(h).raise_if_invalid().valid_history()``.
        """
        errors = self.at_least("error")
        if len(errors):
            first = errors.iloc[0]["message"]
            n_bad = self.n_jobs - self.n_valid
            raise ValidationError(
                f"{len(errors)} error-severity violation(s) in {n_bad} of {self.n_jobs} job(s) "
                f"(machine {self.machine_version}); first: {first}",
                violations=errors.reset_index(drop=True),
            )
        return self

    # -- summaries ------------------------------------------------------------------------------

    def summary(self) -> pd.DataFrame:
        """Counts by code and severity: ``code, severity, violations, jobs``.

        Worst severity first, then in the order of :class:`ViolationCode`; codes that did not
        occur are left out.
        """
        v = self.violations
        if not len(v):
            return pd.DataFrame(
                {
                    "code": pd.Series(dtype="object"),
                    "severity": pd.Series(dtype="object"),
                    "violations": pd.Series(dtype="int64"),
                    "jobs": pd.Series(dtype="int64"),
                }
            )
        counts = (
            v.groupby(["severity", "code"], observed=True)["job_name"]
            .agg(violations="size", jobs="nunique")
            .reset_index()
            .sort_values(["severity", "code"], ascending=[False, True], kind="stable")
        )
        return pd.DataFrame(
            {
                "code": counts["code"].astype(str).to_numpy(),
                "severity": counts["severity"].astype(str).to_numpy(),
                "violations": counts["violations"].to_numpy(dtype=np.int64),
                "jobs": counts["jobs"].to_numpy(dtype=np.int64),
            }
        )

    def by_code(self) -> dict[str, int]:
        """Number of violations of each code that occurred."""
        counts = self.violations["code"].value_counts(sort=False)
        return {str(k): int(n) for k, n in counts.items() if n}

    def by_severity(self) -> dict[str, int]:
        """Number of violations of each severity, worst first."""
        counts = self.violations["severity"].value_counts(sort=False)
        return {s: int(counts.get(s, 0)) for s in reversed(SEVERITY_ORDER)}

    def to_dict(self, *, max_violations: int | None = None) -> dict[str, Any]:
        """A JSON-ready summary: ``jobs, valid_jobs, ok, machine_version, strict, by_code,
        by_severity, violations`` (a list of objects with the violation columns)."""
        v = self.violations if max_violations is None else self.violations.head(max_violations)
        steps = v["step"].astype(object).where(v["step"].notna(), None).tolist()
        names = v["job_name"].astype(object).where(v["job_name"].notna(), None).tolist()
        records = [
            {"job_name": j, "step": s, "code": c, "severity": sv, "message": m}
            for j, s, c, sv, m in zip(
                names,
                steps,
                v["code"].astype(str).tolist(),
                v["severity"].astype(str).tolist(),
                v["message"].tolist(),
                strict=True,
            )
        ]
        return {**report_head(self), "violations": records}

    def to_json(self, *, extra: Mapping[str, Any] | None = None) -> str:
        """:meth:`to_dict` as JSON text, exactly ``json.dumps({**self.to_dict(), **extra})``.

        Built column by column rather than through a dict per violation (about half the time of
        ``json.dumps`` for a million violations, and far less memory). ``extra`` adds keys
        after the report's own (a key of the report is a ``ValueError``).

        Examples
        --------
        >>> import json, smstatus
        >>> report = smstatus.validate(smstatus.load_sample())
        >>> report.to_json() == json.dumps(report.to_dict())
        True

        """
        text = io.StringIO()
        self.write_json(text, extra=extra)
        return text.getvalue()

    def write_json(self, stream: IO[str], *, extra: Mapping[str, Any] | None = None) -> None:
        """Write :meth:`to_json` to ``stream``, a piece at a time (no copy of the whole text)."""
        write_report_json(stream, report_head(self), self.violations, extra=extra)

    # -- display --------------------------------------------------------------------------------

    def headline(self) -> str:
        """One line: jobs, valid jobs, violations by severity, machine version."""
        sev = self.by_severity()
        parts = ", ".join(f"{n} {s}" for s, n in sev.items())
        return (
            f"{self.n_jobs} jobs, {self.n_valid} valid; {len(self.violations)} violations "
            f"({parts}); machine {self.machine_version}{', strict' if self.strict else ''}"
        )

    def __repr__(self) -> str:
        verdict = "ok" if self.ok else "INVALID"
        return f"<ValidationReport {verdict}: {self.headline()}>"

    def _repr_html_(self, *, max_rows: int = 10) -> str:
        verdict = "ok" if self.ok else "invalid"
        colour = "#1a7f37" if self.ok else "#cf222e"
        head = (
            f"<div><p><b>ValidationReport</b> "
            f"<span style='color:{colour}'><b>{verdict}</b></span>: "
            f"{html.escape(self.headline())}</p>"
        )
        if not len(self.violations):
            return head + "<p>No violations.</p></div>"
        summary = self.summary().to_html(index=False, escape=True)
        v = self.violations
        # worst first (errors, then warnings, then info), the order of the rows kept within each
        worst = (-v["severity"].cat.codes.to_numpy().astype("int64")).argsort(kind="stable")
        shown = v.iloc[worst[:max_rows]]
        first = shown.to_html(index=False, escape=True, na_rep="")
        more = len(v) - len(shown)
        tail = f"<p>... and {more} more in <code>.violations</code></p>" if more > 0 else ""
        return (
            f"{head}{summary}<details open><summary>the {len(shown)} worst of {len(v)} "
            f"violations, errors first</summary>{first}{tail}</details></div>"
        )


_JSON_ROWS_PER_PIECE = 1 << 16
_JSON_PLAIN = "[^ !#-\\[\\]-~]"
"""Characters that ``json.dumps`` writes escaped (all but printable ASCII, ``"`` and ``\\``)."""


def report_head(report: Any) -> dict[str, Any]:
    """The keys of a report's JSON before its ``violations``, in their order (of an in-memory
    :class:`ValidationReport` or of the Dask engine's, which counts its own way)."""
    return {
        "jobs": report.n_jobs,
        "valid_jobs": report.n_valid,
        "ok": report.ok,
        "machine_version": report.machine_version,
        "strict": report.strict,
        "by_code": report.by_code(),
        "by_severity": report.by_severity(),
    }


def write_report_json(
    stream: IO[str],
    head: Mapping[str, Any],
    violations: pd.DataFrame,
    *,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Write a report's JSON: the keys of ``head`` (those of :meth:`ValidationReport.to_dict`
    before ``violations``), the ``violations`` rows, then ``extra`` (which may not replace a
    key of ``head``), a piece at a time."""
    extra = extra or {}
    clash = sorted({*head, "violations"}.intersection(extra))
    if clash:
        raise ValueError(f"extra may not replace the report's own keys: {clash}")
    stream.write(json.dumps(dict(head))[:-1] + ', "violations": [')
    for piece in _violation_json(violations):
        stream.write(piece)
    stream.write("]")
    for key, value in extra.items():
        stream.write(f", {json.dumps(key)}: {json.dumps(value)}")
    stream.write("}")


def _violation_json(v: pd.DataFrame) -> Iterator[str]:
    """The violations as the items of a JSON list (``{...}, {...}``), in pieces of text.

    Exactly what ``json.dumps`` writes for the records of :meth:`ValidationReport.to_dict`:
    each column is encoded once with Arrow, and only the strings that need escaping go
    through ``json``'s own encoder.
    """
    columns = (
        _json_strings(v["job_name"]),
        _json_integers(v["step"]),
        _json_categories(v["code"]),
        _json_categories(v["severity"]),
        _json_strings(v["message"]),
    )
    keys = ('{"job_name": ', ', "step": ', ', "code": ', ', "severity": ', ', "message": ')
    for start in range(0, len(v), _JSON_ROWS_PER_PIECE):
        stop = min(start + _JSON_ROWS_PER_PIECE, len(v))
        parts = [
            p for key, col in zip(keys, columns, strict=True) for p in (_text(key), col[start:stop])
        ]
        rows = pc.binary_join_element_wise(*parts, _text("}"), _text(""))
        joined = pc.binary_join(pa.LargeListArray.from_arrays([0, len(rows)], rows), _text(", "))
        yield (", " if start else "") + joined[0].as_py()


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, type=pa.large_string())


def _json_strings(values: pd.Series) -> pa.Array:
    """Each string as a JSON string literal (``null`` when missing), as ``json.dumps``."""
    arr = pc.cast(pa.array(values), pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    quoted = pc.binary_join_element_wise(_text('"'), arr, _text('"'), _text(""))
    escape = pc.fill_null(pc.match_substring_regex(arr, _JSON_PLAIN), False)
    if pc.any(escape).as_py():
        encoded = [json.dumps(s) for s in arr.filter(escape).to_pylist()]
        quoted = pc.replace_with_mask(quoted, escape, pa.array(encoded, type=pa.large_string()))
    return pc.fill_null(quoted, _text("null"))


def _json_integers(values: pd.Series) -> pa.Array:
    """Whole numbers as JSON (``null`` when missing)."""
    arr = pa.array(values.astype("Int64"), type=pa.int64())
    return pc.fill_null(pc.cast(arr, pa.large_string()), _text("null"))


def _json_categories(values: pd.Series) -> pa.Array:
    """A categorical column as JSON strings: each category encoded once."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("category")
    texts = [json.dumps(str(c)) for c in values.cat.categories] + ["null"]
    codes = values.cat.codes.to_numpy().astype(np.int64)
    codes[codes < 0] = len(texts) - 1
    return pa.array(texts, type=pa.large_string()).take(pa.array(codes))
