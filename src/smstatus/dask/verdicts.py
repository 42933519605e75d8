"""``validate`` on a partitioned history: :class:`DaskValidationReport`.

Every job is validated by the in-memory :func:`smstatus.validate` inside its partition (a job
never straddles two), so each violation is the one the whole history would give. The counts
(violations and jobs by code and severity, jobs checked, valid jobs) are computed per partition
and added up, which is exact: a job is counted in one partition only. The one figure that
crosses partitions is an ``unparsed_record`` that names a job kept in another partition: the
names such records give are gathered (a few per reject) and those jobs are made invalid where
they are, as in memory; when there are some, the partitions are validated a second time to
count them.

The engine relies on the rule of :class:`~smstatus.dask.history.DaskHistory` that a job (every
row of its name) lives in one partition: ``duplicate_job`` is found among the rows of a name
within its partition, so a reader that put two records of one name in two partitions would
break it.

The violations stay a Dask frame (a corrupt fleet has as many as it has entries) and the valid
jobs a :class:`~smstatus.dask.history.DaskHistory`; both validate their partitions again when
computed (persist the history first to read it once).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pandas as pd

from smstatus.dask.dependency import import_optional
from smstatus.dask.frames import dask_frame
from smstatus.dask.results import gather_results
from smstatus.errors import ValidationError
from smstatus.history import JobHistory
from smstatus.validation.report import (
    SEVERITY_ORDER,
    Severity,
    ValidationReport,
    ViolationCode,
    empty_violations,
    report_head,
    write_report_json,
)

__all__ = ["DaskValidationReport", "PartVerdict", "validate"]

_UNPARSED = ViolationCode.UNPARSED_RECORD.value


@dataclass(frozen=True)
class PartVerdict:
    """What one partition's validation adds to the fleet's figures."""

    counts: pd.DataFrame
    """``severity, code, violations, jobs`` of the partition (codes that occurred)."""
    n_jobs: int
    n_valid: int
    rejected_names: frozenset[str] = field(default_factory=frozenset)
    """Jobs named by the partition's ``unparsed_record`` rows."""
    names_elsewhere: frozenset[str] = field(default_factory=frozenset)
    """Those of ``rejected_names`` that are not jobs of this partition."""
    rows: pd.DataFrame | None = None
    """The partition's violations, when they are gathered in the same pass."""
    unparsed: pd.DataFrame | None = None
    """The partition's rejected input records, when they are gathered in the same pass."""


def _part_verdict(
    history: JobHistory,
    func: Callable[..., Any],
    options: Mapping[str, Any],
    gather: bool = False,
) -> PartVerdict:
    report: ValidationReport = func(history, **options)
    v = report.violations
    counts = (
        v.groupby(["severity", "code"], observed=True)["job_name"]
        .agg(violations="size", jobs="nunique")
        .reset_index()
    )
    counts = pd.DataFrame(
        {
            "severity": counts["severity"].astype(str).to_numpy(dtype=object),
            "code": counts["code"].astype(str).to_numpy(dtype=object),
            "violations": counts["violations"].to_numpy(dtype=np.int64),
            "jobs": counts["jobs"].to_numpy(dtype=np.int64),
        }
    )
    named = v.loc[v["code"] == _UNPARSED, "job_name"].dropna()
    rejected = frozenset(str(n) for n in named.unique())
    own = set(history.jobs["job_name"].astype(object))
    return PartVerdict(
        counts=counts,
        n_jobs=report.n_jobs,
        n_valid=report.n_valid,
        rejected_names=rejected,
        names_elsewhere=frozenset(n for n in rejected if n not in own),
        rows=v if gather else None,
        unparsed=history.unparsed if gather else None,
    )


def _valid_mask(
    history: JobHistory,
    func: Callable[..., Any],
    options: Mapping[str, Any],
    rejected: frozenset[str],
) -> np.ndarray:
    mask = func(history, **options).valid_mask
    if rejected:
        mask &= ~history.jobs["job_name"].isin(list(rejected)).to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


def _n_valid(
    history: JobHistory,
    func: Callable[..., Any],
    options: Mapping[str, Any],
    rejected: frozenset[str],
) -> int:
    return int(_valid_mask(history, func, options, rejected).sum())


def _valid_part(
    history: JobHistory,
    func: Callable[..., Any],
    options: Mapping[str, Any],
    rejected: frozenset[str],
) -> JobHistory:
    return history.select(_valid_mask(history, func, options, rejected))


def _violations_part(
    history: JobHistory, func: Callable[..., Any], options: Mapping[str, Any]
) -> pd.DataFrame:
    violations: pd.DataFrame = func(history, **options).violations
    return violations


def _merge_counts(parts: Sequence[PartVerdict]) -> pd.DataFrame:
    """The fleet's ``summary()``: per-partition counts added up, in the in-memory order."""
    frames = [p.counts for p in parts if len(p.counts)]
    if not frames:
        return ValidationReport(
            empty_violations(),
            history=JobHistory.empty(),
            valid_mask=np.zeros(0, dtype=bool),
            machine_version="",
            strict=False,
            tolerance=pd.Timedelta(0),
        ).summary()
    merged = pd.concat(frames, ignore_index=True).groupby(["severity", "code"]).sum()
    merged = merged.reset_index()
    named = frozenset().union(*(p.rejected_names for p in parts))
    merged.loc[merged["code"] == _UNPARSED, "jobs"] = len(named)
    codes = [c.value for c in ViolationCode]
    order = np.lexsort(
        (
            merged["code"].map(codes.index).to_numpy(),
            -merged["severity"].map(SEVERITY_ORDER.index).to_numpy(),
        )
    )
    merged = merged.iloc[order].reset_index(drop=True)
    return pd.DataFrame(
        {
            "code": merged["code"].to_numpy(dtype=object),
            "severity": merged["severity"].to_numpy(dtype=object),
            "violations": merged["violations"].to_numpy(dtype=np.int64),
            "jobs": merged["jobs"].to_numpy(dtype=np.int64),
        }
    )


class DaskValidationReport:
    """Every violation of every job of a :class:`~smstatus.dask.history.DaskHistory`.

    The public surface of :class:`~smstatus.validation.report.ValidationReport`, with the
    figures computed and the rows left in partitions.

    Attributes
    ----------
    violations
        A ``dask.dataframe.DataFrame`` with the columns and dtypes of the in-memory
        ``violations`` (``code`` and ``severity`` with known categories); its index restarts
        in each partition.
    n_jobs, n_valid
        Jobs checked, and jobs without an error-severity violation (computed).
    machine_version, strict, tolerance
        As in memory.
    """

    def __init__(
        self,
        partitions: Sequence[Any],
        func: Callable[..., Any],
        options: Mapping[str, Any],
        *,
        summary: pd.DataFrame,
        n_jobs: int,
        n_valid: int,
        rejected: frozenset[str],
        first: ValidationReport,
        wrap: Callable[[list[Any]], Any] = list,
        gathered: Sequence[PartVerdict] | None = None,
    ) -> None:
        self._partitions = list(partitions)
        self._func = func
        self._options = dict(options)
        self._summary = summary
        self._rejected = rejected
        self._wrap = wrap
        self.n_jobs = n_jobs
        self.n_valid = n_valid
        self.machine_version = first.machine_version
        self.strict = first.strict
        self.tolerance = first.tolerance
        self.unparsed: pd.DataFrame | None = None
        if gathered is not None:
            self.violations: Any = _in_input_order([p.rows for p in gathered if p.rows is not None])
            self.unparsed = _concat_or([p.unparsed for p in gathered], JobHistory.empty().unparsed)
            return
        delayed = import_optional("dask").delayed
        parts = [delayed(_violations_part)(p, func, self._options) for p in self._partitions]
        self.violations = dask_frame(parts, empty_violations(), known=("code", "severity"))

    @property
    def n_violations(self) -> int:
        """Number of violations (all severities)."""
        return int(self._summary["violations"].sum())

    @property
    def n_errors(self) -> int:
        """Number of error-severity violations."""
        s = self._summary
        return int(s.loc[s["severity"] == "error", "violations"].sum())

    @property
    def ok(self) -> bool:
        """Whether no violation has error severity."""
        return not self.n_errors

    def summary(self) -> pd.DataFrame:
        """Counts by code and severity: ``code, severity, violations, jobs`` (as in memory)."""
        return self._summary.copy()

    def by_code(self) -> dict[str, int]:
        """Number of violations of each code that occurred, in the order of the codes."""
        counts = self._summary.groupby("code")["violations"].sum()
        return {c.value: int(counts[c.value]) for c in ViolationCode if c.value in counts.index}

    def by_severity(self) -> dict[str, int]:
        """Number of violations of each severity, worst first."""
        counts = self._summary.groupby("severity")["violations"].sum()
        return {s: int(counts.get(s, 0)) for s in reversed(SEVERITY_ORDER)}

    def at_least(self, severity: str) -> Any:
        """The violations of ``severity`` or worse, as a Dask frame."""
        level = SEVERITY_ORDER.index(Severity(severity).value)
        return self.violations[self.violations["severity"].isin(list(SEVERITY_ORDER[level:]))]

    def valid_history(self) -> Any:
        """The valid jobs, as a :class:`~smstatus.dask.history.DaskHistory`."""
        delayed = import_optional("dask").delayed
        return self._wrap(
            [
                delayed(_valid_part)(p, self._func, self._options, self._rejected)
                for p in self._partitions
            ]
        )

    def raise_if_invalid(self, **compute_options: Any) -> DaskValidationReport:
        """Raise :class:`~smstatus.errors.ValidationError` when a violation has error severity
        (the error rows computed into ``.violations``); return the report otherwise."""
        if self.ok:
            return self
        errors = self.at_least("error").compute(**compute_options).reset_index(drop=True)
        raise ValidationError(
            f"{len(errors)} error-severity violation(s) in {self.n_jobs - self.n_valid} of "
            f"{self.n_jobs} job(s) (machine {self.machine_version}); first: "
            f"{errors['message'].iloc[0]}",
            violations=errors,
        )

    def _rows(self, limit: int | None, compute_options: Mapping[str, Any]) -> pd.DataFrame:
        """The violations in memory: all of them, or the first ``limit``."""
        rows = self.violations
        if isinstance(rows, pd.DataFrame):  # gathered in the validating pass
            return rows if limit is None else rows.head(limit)
        if limit is not None:
            rows = rows.head(limit, npartitions=-1, compute=False)
        return rows.compute(**compute_options).reset_index(drop=True)

    def write_json(
        self, stream: IO[str], *, extra: Mapping[str, Any] | None = None, **compute_options: Any
    ) -> None:
        """Write the JSON of :meth:`to_dict` to ``stream`` a piece at a time, as
        :meth:`ValidationReport.write_json` does (the violations computed when they are not)."""
        write_report_json(stream, report_head(self), self._rows(None, compute_options), extra=extra)

    def to_dict(
        self, *, max_violations: int | None = None, **compute_options: Any
    ) -> dict[str, Any]:
        """The JSON-ready summary of :meth:`ValidationReport.to_dict` (the violations listed
        are computed: all of them, or the first ``max_violations``)."""
        rows = self._rows(max_violations, compute_options)
        return {**report_head(self), "violations": _in_memory(rows, self).to_dict()["violations"]}

    def headline(self) -> str:
        """One line: jobs, valid jobs, violations by severity, machine version."""
        parts = ", ".join(f"{n} {s}" for s, n in self.by_severity().items())
        return (
            f"{self.n_jobs} jobs, {self.n_valid} valid; {self.n_violations} violations "
            f"({parts}); machine {self.machine_version}{', strict' if self.strict else ''}"
        )

    def __repr__(self) -> str:
        verdict = "ok" if self.ok else "INVALID"
        return f"<DaskValidationReport {verdict}: {self.headline()}>"

    def _repr_html_(self) -> str:
        verdict = "ok" if self.ok else "invalid"
        colour = "#1a7f37" if self.ok else "#cf222e"
        summary = self._summary.to_html(index=False, escape=True) if len(self._summary) else ""
        return (
            f"<div><p><b>DaskValidationReport</b> <span style='color:{colour}'><b>{verdict}"
            f"</b></span>: {html.escape(self.headline())}</p>{summary}<p>The violations are in "
            "<code>.violations</code> (a Dask frame).</p></div>"
        )


def _in_input_order(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The partitions' violations as one frame in the in-memory order: the jobs' rows partition
    by partition, then every ``unparsed_record`` row (in memory they close the frame)."""
    if not frames:
        return empty_violations()
    rows = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    last = (rows["code"] == _UNPARSED).to_numpy(dtype=bool)
    order = np.concatenate([np.flatnonzero(~last), np.flatnonzero(last)])
    return rows.iloc[order].reset_index(drop=True)


def _concat_or(frames: Sequence[pd.DataFrame | None], empty: pd.DataFrame) -> pd.DataFrame:
    kept = [f for f in frames if f is not None and len(f)]
    return pd.concat(kept, ignore_index=True) if kept else empty


def _in_memory(rows: pd.DataFrame, report: DaskValidationReport) -> ValidationReport:
    """An in-memory report over some computed violation rows (for their JSON form)."""
    return ValidationReport(
        rows,
        history=JobHistory.empty(),
        valid_mask=np.zeros(0, dtype=bool),
        machine_version=report.machine_version,
        strict=report.strict,
        tolerance=report.tolerance,
    )


def validate(
    partitions: Sequence[Any],
    func: Callable[..., Any],
    options: Mapping[str, Any],
    *,
    wrap: Callable[[list[Any]], Any] = list,
    gather: bool = False,
) -> DaskValidationReport:
    """Validate every partition and merge the verdicts (see the module notes).

    With ``gather``, the violations and the rejected records come back in the same pass (one
    reading of the inputs): the report's ``violations`` is then a pandas frame in the order of
    the in-memory one, and :attr:`DaskValidationReport.unparsed` holds the rejects.
    """
    dask = import_optional("dask")
    first = func(JobHistory.empty(), **options)  # checks the options before any work
    parts: Sequence[PartVerdict] = gather_results(
        [dask.delayed(_part_verdict)(p, func, options, gather) for p in partitions]
    )
    elsewhere = frozenset().union(*(p.names_elsewhere for p in parts))
    n_valid = sum(p.n_valid for p in parts)
    if elsewhere:
        n_valid = sum(
            dask.compute(*[dask.delayed(_n_valid)(p, func, options, elsewhere) for p in partitions])
        )
    return DaskValidationReport(
        partitions,
        func,
        options,
        summary=_merge_counts(parts),
        n_jobs=sum(p.n_jobs for p in parts),
        n_valid=n_valid,
        rejected=elsewhere,
        first=first,
        wrap=wrap,
        gathered=parts if gather else None,
    )
