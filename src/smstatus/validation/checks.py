"""Validation of status histories against the machine of legal edges, vectorised.

:func:`validate` checks every entry of every job at once with numpy over the ``transitions``
frame (no Python loop per job or per entry) and collects every violation into one frame
(:class:`~smstatus.validation.report.ValidationReport`).

The codes, their severities and their exact rules (``this`` is an entry, ``next`` the entry after
it in the same job, ``tol`` the ``tolerance``; an edge is a pair of consecutive entries with
different statuses):

========================== ======== ================================================================
code                       severity rule
========================== ======== ================================================================
unknown_status             error    the entry's status is not a status of the machine (each such
                                    entry; edges to or from it are not judged)
illegal_transition         error    ``this -> next`` is not an edge of the machine (SDK logs:
                                    ``next`` is not reachable from ``this``)
transition_after_terminal  error    ``this`` is terminal and ``next`` has another status
bad_initial_status         error    the first entry is not the machine's initial status (Starting);
                                    **warning** for SDK logs, which may be only a tail
inferred_edge              info     the edge is legal only by inference (SDK logs: reachable only
                                    through inferred edges); **error** with ``strict=True``
repeated_status            info     ``next`` has the same status as ``this`` (not an edge)
deprecated_status          info     the entry's status is deprecated by AWS
negative_duration          error    ``this.start - this.end > tol``
out_of_order               error    ``next.start < this.start - tol``
overlap                    error    ``this.end > next.start + tol`` (and not out_of_order)
gap                        warning  ``next.start - this.end > tol``
open_interval_not_last     warning  ``this`` has no end time but is not the last entry (not for SDK
                                    logs, whose entries have poll times only)
not_terminal               error    the primary status says the job ended (Completed, Failed,
                                    Stopped) but the last entry is not terminal (job level)
status_mismatch            error    ``SecondaryStatus`` differs from the last entry's status, or
                                    ``TrainingJobStatus`` is not the primary status of the
                                    secondary one (job level; primary ``Deleting`` is not judged)
empty_history              warning  the job has no entries (job level)
duplicate_job              error    the job name appears more than once (job level; every
                                    occurrence is validated on its own; none counts as valid)
unparsed_record            error    an input record could not be loaded (a row of
                                    ``history.unparsed``; the message names its file, line, field
                                    and reason); ``job_name`` when the record named its job
                                    (that job is then not valid), else ``<NA>``; ``step`` ``<NA>``
========================== ======== ================================================================

Job-level codes have ``<NA>`` in ``step``; ``unparsed_record`` rows come after the others, in
the order of ``history.unparsed``, so a history with a rejected record is never reported valid.
When ``not_terminal`` is reported, the ``SecondaryStatus``-versus-last-entry mismatch it implies
is not reported again. Jobs whose ``source`` is ``sdk-log`` are *sampled*: their edges are
judged by reachability, since polls skip statuses shorter than a poll.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smstatus.history import JobHistory, as_history, dispatch_to_engine
from smstatus.machine import BASIS_EVIDENCED, StatusMachine, default_machine
from smstatus.spans import as_span
from smstatus.timestamps import NAT_NS, utc_ns
from smstatus.validation.report import (
    DEFAULT_SEVERITY,
    SEVERITY_ORDER,
    Severity,
    ValidationReport,
    ViolationCode,
    empty_violations,
)

__all__ = ["DEFAULT_SEVERITY", "Severity", "ValidationReport", "ViolationCode", "validate"]

_CODES: tuple[str, ...] = tuple(c.value for c in ViolationCode)
_CODE_RANK = {c: i for i, c in enumerate(_CODES)}
_SEV = {s: i for i, s in enumerate(SEVERITY_ORDER)}  # info 0, warning 1, error 2
_SAMPLED_SOURCES = frozenset({"sdk-log"})

# verdicts of a pair of consecutive entries (low 3 bits), and flags of the second one's status
_OK, _INFERRED, _ILLEGAL, _AFTER_TERMINAL, _REPEAT, _UNJUDGED = range(6)
_VERDICT, _F_UNKNOWN, _F_DEPRECATED = 7, 8, 16
# job-level findings
_J_EMPTY, _J_NOT_TERMINAL, _J_SECONDARY, _J_PRIMARY = 1, 2, 4, 8


@dispatch_to_engine
def validate(
    history: JobHistory | pd.DataFrame,
    *,
    machine: StatusMachine | str | Path | Mapping[str, Any] | None = None,
    strict: bool = False,
    tolerance: str | timedelta | pd.Timedelta | float = "1s",
    sampled: bool | None = None,
) -> ValidationReport:
    """Check every history against the machine and collect every violation.

    Parameters
    ----------
    history
        The histories to check: a :class:`~smstatus.history.JobHistory`, or a ``transitions``
        frame (``job_name, step, status, start_time[, end_time]``).
    machine
        The machine of legal edges: a :class:`~smstatus.machine.StatusMachine`, or a machine
        JSON file (or its mapping) for :meth:`StatusMachine.from_json`. Defaults to
        :func:`~smstatus.machine.default_machine`.
    strict
        Make edges that are legal only by inference errors (``inferred_edge``); by default they
        are legal and reported as info, so you see how much of the data rests on inference.
    tolerance
        Slack of the time checks (``gap``, ``overlap``, ``out_of_order``,
        ``negative_duration``): a span such as ``"1s"``, ``"500ms"``, ``"2min"`` or ``"1d"``
        (units in any case), a number of seconds, or a ``timedelta``/``Timedelta``.
    sampled
        Judge edges by reachability (statuses may be skipped between entries): ``None`` (default)
        for the jobs whose ``source`` is ``sdk-log``, ``True`` for every job, ``False`` for none.

    Returns
    -------
    ValidationReport
        ``.ok``, ``.violations``, ``.summary()``, ``.valid_history()``, ``.raise_if_invalid()``.

    Notes
    -----
    The codes, severities and rules are listed in the docstring of the module
    :mod:`smstatus.validation.checks` and in the documentation's page of validation codes.

    Examples
    --------
    >>> from smstatus import JobHistory
    >>> h = JobHistory.from_transitions("j", [
    ...     {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z",
    ...      "EndTime": "2024-01-01T00:01:00Z"},
    ...     {"Status": "Completed", "StartTime": "2024-01-01T00:01:00Z",
    ...      "EndTime": "2024-01-01T00:01:00Z"}], training_job_status="Completed")
    >>> report = validate(h)
    >>> report.ok
    False
    >>> report.violations.code.tolist()
    ['illegal_transition']
    """
    history = as_history(history)
    machine = _as_machine(machine)
    tol = _tolerance_ns(tolerance)
    if sampled is not None and not isinstance(sampled, bool):
        raise TypeError(f"sampled must be True, False or None, got {sampled!r}")
    checks = _Checks(history, machine, strict=bool(strict), tol=tol, sampled=sampled)
    violations, invalid = checks.run()
    if len(history.unparsed):
        rejects, reject_rows = _unparsed_violations(history)
        violations = (
            pd.concat([violations, rejects], ignore_index=True) if len(violations) else rejects
        )
        invalid[reject_rows] = True
    return ValidationReport(
        violations,
        history=history,
        valid_mask=~invalid,
        machine_version=machine.version,
        strict=bool(strict),
        tolerance=pd.Timedelta(tol, unit="ns"),
    )


# -- arguments ------------------------------------------------------------------------------------


def _as_machine(machine: Any) -> StatusMachine:
    if machine is None:
        return default_machine()
    if isinstance(machine, StatusMachine):
        return machine
    if isinstance(machine, str | Path | Mapping):
        return StatusMachine.from_json(machine)
    raise TypeError(
        f"machine must be a StatusMachine, a machine JSON file or mapping, got "
        f"{type(machine).__name__}"
    )


def _tolerance_ns(tolerance: Any) -> int:
    value = as_span(tolerance, name="tolerance")
    if value < pd.Timedelta(0):
        raise ValueError(f"tolerance must be zero or positive, got {tolerance!r}")
    return int(value.value)


# -- rejected records -----------------------------------------------------------------------------


def _unparsed_violations(history: JobHistory) -> tuple[pd.DataFrame, np.ndarray]:
    """One ``unparsed_record`` error per row of ``history.unparsed``, and the jobs rows they
    make invalid (those of the jobs the records named, when they did)."""
    bad = history.unparsed
    text = pd.StringDtype("pyarrow")
    if "job_name" in bad.columns:
        job = bad["job_name"].astype(text)
    else:
        job = pd.Series(pd.NA, index=bad.index, dtype=text)
    where = bad["file"].astype(text).fillna("<input>")
    where += (":" + bad["line"].astype(text)).fillna("")
    field = (" (field " + bad["field"].astype(text) + ")").fillna("")
    reason = bad["reason"].astype(text).fillna("no reason given")
    head = ("Job " + job + ": the record at ").fillna("The record at ")
    message = head + where + " could not be loaded" + field + ": " + reason
    n = len(bad)
    frame = pd.DataFrame(
        {
            "job_name": pd.array(job.to_numpy(), dtype=text),
            "step": pd.array([pd.NA] * n, dtype="Int64"),
            "code": pd.Categorical.from_codes(  # type: ignore[call-overload]
                np.full(n, _CODE_RANK[ViolationCode.UNPARSED_RECORD.value], dtype=np.int8),
                categories=list(_CODES),
            ),
            "severity": pd.Categorical.from_codes(  # type: ignore[call-overload]
                np.full(n, _SEV["error"], dtype=np.int8),
                categories=list(SEVERITY_ORDER),
                ordered=True,
            ),
            "message": pd.array(message.to_numpy(), dtype=text),
        }
    )
    named = job.dropna().unique()
    rows = np.flatnonzero(history.jobs["job_name"].isin(named).to_numpy(dtype=bool))
    return frame, rows


# -- the checks -----------------------------------------------------------------------------------


@dataclass
class _Found:
    """Violations of one code found by one check (arrays of equal length)."""

    code: str
    job_row: np.ndarray  # row of history.jobs (-1 when the entries match no jobs row)
    pos: np.ndarray  # position of the entry in the checked layout; -1 for job-level codes
    name: np.ndarray  # category index of the job name
    step: np.ndarray  # step of the entry; -1 for job-level codes
    severity: np.ndarray | int  # index into SEVERITY_ORDER
    body: pa.Array  # the message after "Job <name>, step <k>: "


def _take(texts: list[str], index: np.ndarray) -> pa.Array:
    """``texts[index]`` as an Arrow string array (texts are the few distinct templates)."""
    return pa.array(texts, type=pa.string()).take(pa.array(index, type=pa.int64()))


def _join(*parts: Any) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _num(values: np.ndarray) -> pa.Array:
    """Integers (or whole numbers) as strings."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def _seconds(ns: np.ndarray) -> pa.Array:
    """Nanoseconds as seconds with up to three decimals, e.g. ``"30"`` or ``"0.25"``."""
    secs = np.round(np.asarray(ns, dtype=np.float64) / 1e9, 3)
    return pc.cast(pa.array(secs), pa.string())


def _unique(*keys: np.ndarray) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """Distinct tuples of the small-integer ``keys`` (as Python ints) and the inverse index."""
    cols = [np.asarray(k, dtype=np.int64) for k in keys]
    lows = [int(c.min(initial=0)) for c in cols]
    sizes = [int(c.max(initial=0)) - lo + 1 for c, lo in zip(cols, lows, strict=True)]
    flat = np.zeros(len(cols[0]), dtype=np.int64)
    for c, lo, size in zip(cols, lows, sizes, strict=True):
        flat *= size
        flat += c - lo
    _, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
    rows = [tuple(int(c[i]) for c in cols) for i in first]
    return rows, inverse.reshape(-1)


@dataclass
class _FlaggedJobs:
    """The jobs rows a job-level rule flagged, with what their messages need."""

    rows: np.ndarray  # rows of history.jobs
    flags: np.ndarray  # their _J_* bits
    primary: np.ndarray  # category code of training_job_status (-1: missing)
    secondary: np.ndarray  # category code of secondary_status (-1: missing)
    last: np.ndarray  # status code of the last entry (-1: no entry)
    last_step: np.ndarray  # step of the last entry (-1: no entry)
    vocab: _JobVocabulary


class _Checks:
    """One run of validation: the arrays of the history laid out for the checks."""

    def __init__(
        self,
        history: JobHistory,
        machine: StatusMachine,
        *,
        strict: bool,
        tol: int,
        sampled: bool | None,
    ) -> None:
        self.machine = machine
        self.strict = strict
        self.tol = tol
        self.found: list[_Found] = []
        tr, jobs = history.transitions, history.jobs
        self.jobs = jobs
        self.n_jobs = len(jobs)
        self.n = len(tr)

        jc, sc, step = self._codes(tr)
        start, end = utc_ns(tr["start_time"]), utc_ns(tr["end_time"])
        # jobs rows and the category of their name
        self._layout_jobs()
        self._group_entries(jc, sc, step, start, end)
        self._mark_sampled(sampled)
        self._look_up_machine()

    def _codes(self, tr: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Job name codes, status codes (a missing status: one more, unknown status) and steps;
        sets the vocabulary (``cats``, ``status_names``, ``k``)."""
        self.cats = tr["job_name"].cat.categories
        jc = tr["job_name"].cat.codes.to_numpy()
        if self.n and jc.min() < 0:
            raise ValueError(
                f"{int((jc < 0).sum())} transitions row(s) have no job_name; every entry must "
                "name its job"
            )
        sc = tr["status"].cat.codes.to_numpy()
        names = [str(s) for s in tr["status"].cat.categories]
        if self.n and sc.min() < 0:  # a missing status: keep it as an unknown one
            sc = np.where(sc < 0, len(names), sc)
            names.append("<missing>")
        self.status_names = names
        self.k = len(names)
        sc = sc.astype(np.int32 if self.k > 127 else np.int8, copy=False)
        return jc, sc, tr["step"].to_numpy()

    def _group_entries(
        self, jc: np.ndarray, sc: np.ndarray, step: np.ndarray, start: np.ndarray, end: np.ndarray
    ) -> None:
        """Put each job's entries together when they are not (keeping their given order) and
        cut them into segments: the entries of one job occurrence."""
        seg_start = _changes(jc)
        self.order: np.ndarray | None = None
        if self.n > 1 and not _contiguous(jc, seg_start, len(self.cats)):
            self.order = np.argsort(jc, kind="stable")
            jc, sc, step = jc[self.order], sc[self.order], step[self.order]
            start, end = start[self.order], end[self.order]
            seg_start = _changes(jc)
        self.jc, self.sc, self.step, self.start, self.end = jc, sc, step, start, end
        if self.dup_cat is not None and self.n:  # a duplicated name restarts at step 0
            seg_start |= self.dup_cat[jc] & (step == 0)
        self.seg_start = seg_start
        self.seg_first = np.flatnonzero(seg_start)
        self.seg_last = np.empty_like(self.seg_first)
        if self.n:
            np.subtract(self.seg_first[1:], 1, out=self.seg_last[:-1])
            self.seg_last[-1] = self.n - 1
        self.seg_job = self._segment_jobs()
        # every jobs row has exactly one segment, in order: segment i is jobs row i
        self.identity = self.aligned and len(self.seg_first) == self.n_jobs

    def _mark_sampled(self, sampled: bool | None) -> None:
        """Which segments (and entries) come from sampled sources (SDK logs)."""
        if sampled is None:
            source = self.jobs["source"]
            if isinstance(source.dtype, pd.CategoricalDtype):
                hit = np.array([str(c) in _SAMPLED_SOURCES for c in source.cat.categories] + [0])
                job_sampled = hit.astype(bool)[source.cat.codes.to_numpy()]
            else:
                job_sampled = source.isin(_SAMPLED_SOURCES).to_numpy(dtype=bool)
        else:
            job_sampled = np.full(self.n_jobs, sampled, dtype=bool)
        if self.identity:
            self.seg_sampled = job_sampled
        else:
            self.seg_sampled = np.where(self.seg_job >= 0, job_sampled[self.seg_job], False)
        self.any_sampled = bool(self.seg_sampled.any())
        self.row_sampled: np.ndarray | None = None
        if self.any_sampled:
            self.row_sampled = np.repeat(self.seg_sampled, self.seg_last - self.seg_first + 1)

    def _look_up_machine(self) -> None:
        """The machine over the status categories: index, known, terminal, deprecated."""
        names, machine = self.status_names, self.machine
        self.m_idx = np.array([machine.index.get(s, -1) for s in names], dtype=np.int64)
        self.known = self.m_idx >= 0
        self.terminal_cat = np.array([s in machine.terminal for s in names], dtype=bool)
        self.deprecated_cat = np.array([s in machine.deprecated for s in names], dtype=bool)

    # -- layout ---------------------------------------------------------------------------------

    def _layout_jobs(self) -> None:
        """``job_cat`` (category of each jobs row) and the duplicated names, if any."""
        names = self.jobs["job_name"]
        n_cat = len(self.cats)
        aligned = n_cat == self.n_jobs and (
            self.n_jobs == 0 or (names.iloc[0] == self.cats[0] and names.iloc[-1] == self.cats[-1])
        )
        self.dup_cat: np.ndarray | None = None
        self.dup_first_rows = np.zeros(0, dtype=np.int64)
        self.dup_counts = np.zeros(0, dtype=np.int64)
        self.dup_rows = np.zeros(self.n_jobs, dtype=bool)
        self.aligned = bool(aligned)  # jobs row i is category i: no lookups needed
        self.job_cat = np.zeros(0, dtype=np.int64)
        if aligned:
            return
        obj = names.astype(object)
        self.job_cat = self.cats.get_indexer(obj).astype(np.int64)  # type: ignore[arg-type]
        dup = obj.duplicated(keep=False).to_numpy(dtype=bool)
        if dup.any():
            self.dup_rows = dup
            first = dup & ~obj.duplicated(keep="first").to_numpy(dtype=bool)
            self.dup_first_rows = np.flatnonzero(first)
            self.dup_counts = obj.map(obj.value_counts()).to_numpy(dtype=np.int64)[first]  # type: ignore[assignment]
            self.dup_cat = np.zeros(n_cat, dtype=bool)
            cats = self.job_cat[dup]
            self.dup_cat[cats[cats >= 0]] = True

    def _segment_jobs(self) -> np.ndarray:
        """The jobs row of each segment (-1 when none matches)."""
        seg_code = self.jc[self.seg_first].astype(np.int64)
        if self.aligned:
            return seg_code
        # general case: the k-th segment of a name goes with the k-th jobs row of that name
        n_seg = len(seg_code)
        if not n_seg:
            return np.zeros(0, dtype=np.int64)
        run_start = np.ones(n_seg, dtype=bool)
        run_start[1:] = seg_code[1:] != seg_code[:-1]
        seg_occ = np.arange(n_seg) - np.flatnonzero(run_start)[np.cumsum(run_start) - 1]
        rows = np.flatnonzero(self.job_cat >= 0)
        row_cat = self.job_cat[rows]
        row_occ = pd.Series(row_cat).groupby(row_cat).cumcount().to_numpy()
        base = int(max(seg_occ.max(initial=0), row_occ.max(initial=0))) + 1
        key_rows = row_cat * base + row_occ
        key_seg = seg_code * base + seg_occ
        sorter = np.argsort(key_rows, kind="stable")
        at = np.searchsorted(key_rows[sorter], key_seg)
        at_ok = at < len(rows)
        match = np.zeros(n_seg, dtype=bool)
        match[at_ok] = key_rows[sorter][at[at_ok]] == key_seg[at_ok]
        out = np.full(n_seg, -1, dtype=np.int64)
        out[match] = rows[sorter][at[match]]
        return out

    def _seg_of(self, pos: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.seg_first, pos, side="right") - 1

    def _entries(
        self, code: str, pos: np.ndarray, body: pa.Array, severity: np.ndarray | int | None = None
    ) -> None:
        """Record entry-level violations at ``pos`` (positions in the checked layout)."""
        if not len(pos):
            return
        pos = np.asarray(pos, dtype=np.int64)
        self.found.append(
            _Found(
                code=code,
                job_row=self.jc[pos].astype(np.int64)
                if self.aligned
                else self.seg_job[self._seg_of(pos)],
                pos=pos,
                name=self.jc[pos].astype(np.int64),
                step=self.step[pos].astype(np.int64),
                severity=_SEV[DEFAULT_SEVERITY[ViolationCode(code)]]
                if severity is None
                else severity,
                body=body,
            )
        )

    def _job_level(self, code: str, rows: np.ndarray, body: pa.Array) -> None:
        """Record job-level violations of jobs rows ``rows``."""
        if not len(rows):
            return
        rows = np.asarray(rows, dtype=np.int64)
        self.found.append(
            _Found(
                code=code,
                job_row=rows,
                pos=np.full(len(rows), -1, dtype=np.int64),
                name=rows if self.aligned else self.job_cat[rows],
                step=np.full(len(rows), -1, dtype=np.int64),
                severity=_SEV[DEFAULT_SEVERITY[ViolationCode(code)]],
                body=body,
            )
        )

    # -- wording --------------------------------------------------------------------------------

    def _allowed(self, cat: int, *, reach: bool = False) -> str:
        """The statuses legal after status category ``cat``, as text."""
        name = self.status_names[cat]
        legal = self.machine.reachable_from(name) if reach else self.machine.successors(name)
        return ", ".join(legal) if legal else "none"

    def _edge_text(self, verdict: int, a: int, b: int, sampled: bool) -> str:
        sa, sb = self.status_names[a], self.status_names[b]
        if verdict == _ILLEGAL and sampled:
            return (
                f"{sa} -> {sb}: {sb} is not reachable from {sa}, even allowing for statuses "
                f"skipped between polls (SDK log); reachable from {sa}: "
                f"{self._allowed(a, reach=True)}."
            )
        if verdict == _ILLEGAL:
            return (
                f"{sa} -> {sb} is not a legal edge; after {sa} the machine allows "
                f"{self._allowed(a)}."
            )
        if verdict == _AFTER_TERMINAL:
            return (
                f"{sa} -> {sb}: {sa} is terminal, so no status may follow it "
                f"(legal after {sa}: none)."
            )
        if verdict == _INFERRED and sampled:
            return (
                f"{sa} -> {sb} (SDK log, statuses in between may be skipped) is legal only "
                f"through edges that rest on inference; reachable from {sa}: "
                f"{self._allowed(a, reach=True)}."
            )
        if verdict == _INFERRED:
            basis = "no AWS documentation describes it and no published history shows it"
            return (
                f"{sa} -> {sb} is legal only by inference ({basis}); after {sa} the machine "
                f"allows {self._allowed(a)}."
            )
        # repeat
        return (
            f"{sb} -> {sb} repeats the previous entry's status (a repeat, not an edge; after "
            f"{sa} the machine allows {self._allowed(a)})."
        )

    # -- checks ---------------------------------------------------------------------------------

    def run(self) -> tuple[pd.DataFrame, np.ndarray]:
        self.check_entries()
        self.check_initial()
        self.check_times()
        self.check_jobs()
        return self.assemble()

    def _edge_luts(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Verdict of every pair of status categories ``(this, next)``, flattened, for direct
        edges and by reachability; bits 3 and 4 flag an unknown or deprecated ``next``."""
        m = self.machine
        kk = np.flatnonzero(self.known)
        sub = self.m_idx[kk]
        evidenced = m.basis_matrix == BASIS_EVIDENCED
        flags = np.where(self.known, 0, _F_UNKNOWN) | np.where(
            self.deprecated_cat, _F_DEPRECATED, 0
        )

        def lut(legal: np.ndarray, evid: np.ndarray) -> np.ndarray:
            out = np.full((self.k, self.k), _UNJUDGED, dtype=np.int8)
            block = np.where(legal, np.where(evid, _OK, _INFERRED), _ILLEGAL).astype(np.int8)
            block[self.terminal_cat[kk], :] = _AFTER_TERMINAL
            out[np.ix_(kk, kk)] = block
            np.fill_diagonal(out, _REPEAT)
            out |= flags[None, :].astype(np.int8)
            return out.ravel()

        direct = lut(m.matrix[np.ix_(sub, sub)], evidenced[np.ix_(sub, sub)])
        if not self.any_sampled:
            return direct, None
        evid_reach = evidenced.copy()
        for i in range(len(evid_reach)):
            evid_reach |= np.outer(evid_reach[:, i], evid_reach[i, :])
        reach = lut(m.reachability[np.ix_(sub, sub)], evid_reach[np.ix_(sub, sub)])
        return direct, reach

    def check_entries(self) -> None:
        """Every entry and every pair of consecutive entries of a job, in one pass:
        ``unknown_status``, ``deprecated_status``, ``illegal_transition``,
        ``transition_after_terminal``, ``inferred_edge``, ``repeated_status``."""
        if not self.n:
            return
        direct, reach = self._edge_luts()
        sc = self.sc
        # verdict of rows 1..n-1 against the row before (across jobs too: masked below)
        small = self.k * self.k <= np.iinfo(np.int16).max  # int16 pairs: less memory traffic
        flat: np.ndarray[Any, np.dtype[np.signedinteger[Any]]]
        flat = sc[:-1].astype(np.int16 if small else np.intp)
        flat *= self.k
        flat += sc[1:]
        verdict = np.take(direct, flat)
        if reach is not None and self.row_sampled is not None:
            at = np.flatnonzero(self.row_sampled[1:])
            verdict[at] = np.take(reach, flat[at])
        del flat
        # statuses: the flags of each row's own status (row 0 has no row before it)
        row0 = np.array(
            [
                (0 if self.known[sc[0]] else _F_UNKNOWN)
                | (_F_DEPRECATED if self.deprecated_cat[sc[0]] else 0)
            ],
            dtype=np.int8,
        )
        flagged = np.flatnonzero(verdict >= _F_UNKNOWN) + 1
        if row0[0]:
            flagged = np.concatenate([[0], flagged])
        if len(flagged):
            flag = np.concatenate([row0, verdict])[flagged]
            self._unknown(flagged[(flag & _F_UNKNOWN) != 0])
            self._deprecated(flagged[(flag & _F_DEPRECATED) != 0])
        # edges within a job
        bad = verdict & _VERDICT
        bad = bad != _OK
        bad &= ~self.seg_start[1:]
        hit = np.flatnonzero(bad)
        if not len(hit):
            return
        v = verdict[hit] & _VERDICT
        keep = v != _UNJUDGED
        hit, v = hit[keep], v[keep].astype(np.int64)
        pos = hit + 1
        a = self.sc[hit].astype(np.int64)
        b = self.sc[pos].astype(np.int64)
        smp = (
            self.row_sampled[pos].astype(np.int64)
            if self.row_sampled is not None
            else np.zeros(len(pos), dtype=np.int64)
        )
        for verdict_code, code in (
            (_ILLEGAL, "illegal_transition"),
            (_AFTER_TERMINAL, "transition_after_terminal"),
            (_INFERRED, "inferred_edge"),
            (_REPEAT, "repeated_status"),
        ):
            sel = v == verdict_code
            if not sel.any():
                continue
            uniq, inv = _unique(a[sel], b[sel], smp[sel])
            texts = [self._edge_text(verdict_code, x, y, bool(z)) for x, y, z in uniq]
            severity = _SEV["error"] if (code == "inferred_edge" and self.strict) else None
            self._entries(code, pos[sel], _take(texts, inv), severity)

    def _unknown(self, pos: np.ndarray) -> None:
        """``unknown_status`` at ``pos``."""
        if not len(pos):
            return
        prev = np.where(self.seg_start[pos], -1, self.sc[pos - 1].astype(np.int64))
        uniq, inv = _unique(prev, self.sc[pos])
        texts = []
        for a, b in uniq:
            after = "" if a < 0 else f" (after {self.status_names[a]} the machine allows "
            after += "" if a < 0 else f"{self._allowed(a)})"
            texts.append(
                f"{self.status_names[b]!r} is not a status of machine "
                f"{self.machine.version}{after}; if AWS introduced it, add it with a machine "
                "file (StatusMachine.from_json, smstatus validate --machine)."
            )
        self._entries("unknown_status", pos, _take(texts, inv))

    def _deprecated(self, pos: np.ndarray) -> None:
        """``deprecated_status`` at ``pos``."""
        if not len(pos):
            return
        uniq, inv = _unique(self.sc[pos])
        texts = [
            f"{self.status_names[b]} is deprecated by AWS (seen in pre-2018 histories only)."
            for (b,) in uniq
        ]
        self._entries("deprecated_status", pos, _take(texts, inv))

    def check_initial(self) -> None:
        """``bad_initial_status``: the first entry of each job (a warning for SDK logs)."""
        if not len(self.seg_first):
            return
        init = self.machine.initial
        init_cat = self.status_names.index(init) if init in self.status_names else -1
        first = self.sc[self.seg_first].astype(np.int64)
        bad = self.known[first] & (first != init_cat)
        seg = np.flatnonzero(bad)
        if not len(seg):
            return
        smp = self.seg_sampled[seg].astype(np.int64)
        uniq, inv = _unique(first[seg], smp)
        texts = []
        for b, s in uniq:
            text = (
                f"(start) -> {self.status_names[b]}: the history starts with "
                f"{self.status_names[b]}, but only {init} may begin a history"
            )
            texts.append(
                text + ("; an SDK log may be only the tail of the job's output." if s else ".")
            )
        severity = np.where(smp.astype(bool), _SEV["warning"], _SEV["error"]).astype(np.int8)
        self._entries("bad_initial_status", self.seg_first[seg], _take(texts, inv), severity)

    def check_times(self) -> None:
        """``negative_duration``, ``out_of_order``, ``overlap``, ``gap``,
        ``open_interval_not_last``.

        Each test first finds candidates with one comparison (clean data have few), then applies
        the tolerance to the candidates only.
        """
        if not self.n:
            return
        # StartTime is required; a frame may lack one
        start_nat = bool(self.start.min() == NAT_NS)
        self._negative_durations(start_nat)
        if self.n < 2:
            return
        back = self._out_of_order(start_nat)
        self._overlaps_and_gaps(start_nat, back)
        self._open_not_last()

    def _negative_durations(self, start_nat: bool) -> None:
        """``negative_duration``: this.start - this.end > tol (a missing end is NaT)."""
        start, end, sn = self.start, self.end, self.status_names
        cand = np.flatnonzero(end < start)
        cand = cand[end[cand] != NAT_NS]
        if start_nat:
            cand = cand[start[cand] != NAT_NS]
        neg = cand[(start[cand] - end[cand]) > self.tol]
        if not len(neg):
            return
        uniq, inv = _unique(self.sc[neg])
        pre = _take([f"{sn[b]} ends " for (b,) in uniq], inv)
        secs = _seconds(start[neg] - end[neg])
        self._entries(
            "negative_duration",
            neg,
            _join(pre, secs, " s before it starts (EndTime before StartTime)."),
        )

    def _out_of_order(self, start_nat: bool) -> np.ndarray:
        """``out_of_order``: next.start < this.start - tol; returns the rows found (the entry
        before each out-of-order one)."""
        sn = self.status_names
        s0, s1 = self.start[:-1], self.start[1:]
        cand = np.flatnonzero((s1 < s0) & ~self.seg_start[1:])
        if start_nat:
            cand = cand[(s0[cand] != NAT_NS) & (s1[cand] != NAT_NS)]
        back = s0[cand] - s1[cand]
        ooo = cand[back > self.tol]
        back = back[back > self.tol]
        if len(ooo):
            uniq, inv = _unique(self.sc[ooo], self.sc[ooo + 1])
            pre = _take([f"{sn[b]} starts " for _, b in uniq], inv)
            mid = _take([f" s before the previous entry ({sn[a]}" for a, _ in uniq], inv)
            post = _take(
                [f") started; {sn[a]} -> {sn[b]} is out of time order." for a, b in uniq], inv
            )
            self._entries(
                "out_of_order",
                ooo + 1,
                _join(pre, _seconds(back), mid, ", step ", _num(self.step[ooo]), post),
            )
        return ooo

    def _overlaps_and_gaps(self, start_nat: bool, out_of_order: np.ndarray) -> None:
        """``overlap`` and ``gap`` from d = next.start - this.end (an out-of-order entry is not
        also an overlap)."""
        sn, tol = self.status_names, self.tol
        s1, e0 = self.start[1:], self.end[:-1]
        cand_mask = s1 != e0
        cand_mask &= ~self.seg_start[1:]
        cand_mask &= e0 != NAT_NS
        cand = np.flatnonzero(cand_mask)
        del cand_mask
        if start_nat:
            cand = cand[s1[cand] != NAT_NS]
        d = s1[cand] - e0[cand]
        is_over = (d < -tol) & ~np.isin(cand, out_of_order, assume_unique=True)
        over, d_over = cand[is_over], d[is_over]
        if len(over):
            uniq, inv = _unique(self.sc[over], self.sc[over + 1])
            pre = _take([f"{sn[a]} -> {sn[b]}: {sn[a]} (step " for a, b in uniq], inv)
            post = _take([f" s after {sn[b]} starts." for _, b in uniq], inv)
            self._entries(
                "overlap",
                over + 1,
                _join(pre, _num(self.step[over]), ") ends ", _seconds(-d_over), post),
            )
        gap, d_gap = cand[d > tol], d[d > tol]
        if len(gap):
            uniq, inv = _unique(self.sc[gap], self.sc[gap + 1])
            pre = _take([f"{sn[a]} -> {sn[b]}: " for a, b in uniq], inv)
            post = _take(
                [
                    f" s pass between the end of {sn[a]} and the start of {sn[b]}, with no status."
                    for a, b in uniq
                ],
                inv,
            )
            self._entries("gap", gap + 1, _join(pre, _seconds(d_gap), post))

    def _open_not_last(self) -> None:
        """``open_interval_not_last``: an entry without an end time that has a next one."""
        sn = self.status_names
        open_mask = (self.end[:-1] == NAT_NS) & ~self.seg_start[1:]
        if self.row_sampled is not None:
            open_mask &= ~self.row_sampled[:-1]
        opened = np.flatnonzero(open_mask)
        if len(opened):
            uniq, inv = _unique(self.sc[opened], self.sc[opened + 1])
            texts = [
                f"{sn[a]} has no EndTime, but {sn[b]} follows it; only the last entry of a "
                "history may be open."
                for a, b in uniq
            ]
            self._entries("open_interval_not_last", opened, _take(texts, inv))

    def check_jobs(self) -> None:
        """Job-level codes: ``duplicate_job``, ``empty_history``, ``not_terminal``,
        ``status_mismatch``."""
        if not self.n_jobs:
            return
        self._duplicate_jobs()
        flagged = self._flag_jobs()
        if flagged is None:
            return
        self._empty_histories(flagged)
        self._not_terminal(flagged)
        self._secondary_mismatches(flagged)
        self._primary_mismatches(flagged)

    def _duplicate_jobs(self) -> None:
        if len(self.dup_first_rows):
            body = _join(
                "the job name appears ",
                _num(self.dup_counts),
                " times in the input; each occurrence is checked on its own and none counts "
                "as valid.",
            )
            self._job_level("duplicate_job", self.dup_first_rows, body)

    def _last_entries(self) -> tuple[np.ndarray, np.ndarray]:
        """The row and the status code of the last entry of each jobs row (-1 when none)."""
        if self.identity:
            return self.seg_last, self.sc[self.seg_last]
        job_last = np.full(self.n_jobs, -1, dtype=np.intp)
        has = self.seg_job >= 0
        job_last[self.seg_job[has]] = self.seg_last[has]
        last_sc = np.full(self.n_jobs, -1, dtype=np.int64)
        if self.n:
            last_sc = np.where(job_last >= 0, self.sc[job_last], -1)
        return job_last, last_sc

    def _flag_jobs(self) -> _FlaggedJobs | None:
        """The ``_J_*`` flags of every jobs row; the rows flagged, or ``None`` when none is."""
        jobs = self.jobs
        job_last, last_sc = self._last_entries()
        primary, secondary = jobs["training_job_status"], jobs["secondary_status"]
        p_code = primary.cat.codes.to_numpy()
        s_code = secondary.cat.codes.to_numpy()
        vocab = _JobVocabulary(
            self,
            [str(c) for c in primary.cat.categories],
            [str(c) for c in secondary.cat.categories],
        )
        # the verdict depends on (primary, secondary, last status) only: judge every combination
        # of categories once and look each job up, unless there are too many combinations
        dims = (len(vocab.p_cats) + 1, len(vocab.s_cats) + 1, self.k + 1)
        size = dims[0] * dims[1] * dims[2]
        if size <= 1 << 20:
            grid = np.unravel_index(np.arange(size), dims)
            table = vocab.flags(grid[0] - 1, grid[1] - 1, grid[2] - 1)
            key = np.multiply(p_code, dims[1] * dims[2], dtype=np.intp)
            key += np.multiply(s_code, dims[2], dtype=np.intp)
            key += last_sc
            key += dims[1] * dims[2] + dims[2] + 1
            flags = np.take(table, key)
        else:
            flags = vocab.flags(p_code.astype(np.int64), s_code.astype(np.int64), last_sc)
        rows = np.flatnonzero(flags)
        if not len(rows):
            return None
        last = np.asarray(last_sc[rows], dtype=np.int64)
        last_step = np.full(len(rows), -1, dtype=np.int64)
        if self.n:
            last_step = np.where(last >= 0, self.step[np.maximum(job_last[rows], 0)], -1)
        return _FlaggedJobs(
            rows=rows,
            flags=flags[rows],
            primary=p_code[rows].astype(np.int64),
            secondary=s_code[rows].astype(np.int64),
            last=last,
            last_step=last_step,
            vocab=vocab,
        )

    def _empty_histories(self, jobs: _FlaggedJobs) -> None:
        sel = (jobs.flags & _J_EMPTY) != 0
        if not sel.any():
            return
        uniq, inv = _unique(jobs.primary[sel])
        texts = [
            "the history has no status entries"
            + ("" if q < 0 else f" (TrainingJobStatus {jobs.vocab.p_cats[q]})")
            + "; nothing can be checked against the machine."
            for (q,) in uniq
        ]
        self._job_level("empty_history", jobs.rows[sel], _take(texts, inv))

    def _not_terminal(self, jobs: _FlaggedJobs) -> None:
        sel = (jobs.flags & _J_NOT_TERMINAL) != 0
        if not sel.any():
            return
        sn, p_cats = self.status_names, jobs.vocab.p_cats
        uniq, inv = _unique(jobs.primary[sel], jobs.last[sel])
        pre = _take(
            [
                f"TrainingJobStatus is {p_cats[q]}, so the job ended, but its history "
                f"stops at {sn[b]} (step "
                for q, b in uniq
            ],
            inv,
        )
        post = _take(
            [
                f"), which is not terminal; after {sn[b]} the machine allows {self._allowed(b)}."
                for _, b in uniq
            ],
            inv,
        )
        body = _join(pre, _num(jobs.last_step[sel]), post)
        self._job_level("not_terminal", jobs.rows[sel], body)

    def _secondary_mismatches(self, jobs: _FlaggedJobs) -> None:
        """``status_mismatch``: SecondaryStatus is not the last entry's status."""
        sel = (jobs.flags & _J_SECONDARY) != 0
        if not sel.any():
            return
        s_cats, sn = jobs.vocab.s_cats, self.status_names
        uniq, inv = _unique(jobs.secondary[sel], jobs.last[sel])
        pre = _take(
            [f"SecondaryStatus is {s_cats[q]} but the last entry (step " for q, _ in uniq], inv
        )
        post = _take([f") is {sn[b]}." for _, b in uniq], inv)
        body = _join(pre, _num(jobs.last_step[sel]), post)
        self._job_level("status_mismatch", jobs.rows[sel], body)

    def _primary_mismatches(self, jobs: _FlaggedJobs) -> None:
        """``status_mismatch``: TrainingJobStatus is not the primary status of the secondary one
        (or, without one, of the last entry's status)."""
        sel = (jobs.flags & _J_PRIMARY) != 0
        if not sel.any():
            return
        vocab, sn = jobs.vocab, self.status_names
        secondary, last = jobs.secondary[sel], jobs.last[sel]
        which = np.where(secondary >= 0, secondary, -1 - last)
        uniq, inv = _unique(jobs.primary[sel], which)
        texts = []
        for q, w in uniq:
            if w >= 0:
                what, expected = f"SecondaryStatus {vocab.s_cats[w]}", vocab.sec_p[w]
            else:
                what = f"the last entry's status {sn[-1 - w]}"
                expected = vocab.status_p[-1 - w]
            texts.append(
                f"TrainingJobStatus is {vocab.p_cats[q]} but {what} belongs to primary status "
                f"{vocab.p_names[expected]}."
            )
        self._job_level("status_mismatch", jobs.rows[sel], _take(texts, inv))

    # -- the frame ------------------------------------------------------------------------------

    def assemble(self) -> tuple[pd.DataFrame, np.ndarray]:
        invalid = self.dup_rows.copy()
        if not self.found:
            return empty_violations(), invalid
        job_row = np.concatenate([f.job_row for f in self.found])
        pos = np.concatenate([f.pos for f in self.found])
        name = np.concatenate([f.name for f in self.found])
        step = np.concatenate([f.step for f in self.found])
        code = np.concatenate(
            [np.full(len(f.pos), _CODE_RANK[f.code], dtype=np.int8) for f in self.found]
        )
        severity = np.concatenate(
            [
                np.broadcast_to(np.asarray(f.severity, dtype=np.int8), f.pos.shape)
                for f in self.found
            ]
        )
        body = pa.chunked_array([f.body for f in self.found], type=pa.string()).combine_chunks()

        errors = severity == _SEV["error"]
        rows = job_row[errors]
        invalid[rows[rows >= 0]] = True

        job_key = np.where(job_row >= 0, job_row, self.n_jobs + name)
        order = np.lexsort((code, pos, job_key))
        name, step, pos = name[order], step[order], pos[order]
        body = body.take(pa.array(order))
        cat_names = np.asarray(self.cats, dtype=object)
        names = pa.array(cat_names[name], type=pa.string())
        has_step = pos >= 0
        step_text = pc.if_else(
            pa.array(has_step), _join(", step ", _num(step)), pa.scalar("", pa.string())
        )
        message = _join("Job ", names, step_text, ": ", body)
        frame = pd.DataFrame(
            {
                "job_name": pd.array(names, dtype=pd.StringDtype("pyarrow")),
                "step": pd.arrays.IntegerArray(step, ~has_step),
                "code": pd.Categorical.from_codes(code[order], categories=list(_CODES)),  # type: ignore[call-overload]
                "severity": pd.Categorical.from_codes(  # type: ignore[call-overload]
                    severity[order], categories=list(SEVERITY_ORDER), ordered=True
                ),
                "message": pd.array(message, dtype=pd.StringDtype("pyarrow")),
            }
        )
        return frame, invalid


class _JobVocabulary:
    """The job-level rules over category codes (``-1``: missing), vectorised.

    ``flags(primary, secondary, last)`` takes the codes of ``training_job_status``,
    ``secondary_status`` and of the last entry's status and returns the ``_J_*`` bits.
    """

    def __init__(self, checks: _Checks, p_cats: list[str], s_cats: list[str]) -> None:
        m = checks.machine
        self.p_cats, self.s_cats = p_cats, s_cats
        # one vocabulary of primary statuses: the jobs' own, then the machine's
        self.p_names = list(dict.fromkeys([*p_cats, *m.primary.values()]))
        p_id = {p: i for i, p in enumerate(self.p_names)}
        self.job_p = np.array([p_id[p] for p in p_cats] + [-1])  # index -1: missing
        self.sec_p = np.array([p_id.get(m.primary.get(s, ""), -1) for s in s_cats] + [-1])
        names = checks.status_names
        self.sec_sc = np.array([names.index(s) if s in names else -2 for s in s_cats] + [-1])
        self.status_p = np.array([p_id.get(m.primary.get(s, ""), -1) for s in names] + [-1])
        self.known = np.append(checks.known, False)
        self.terminal = np.append(checks.terminal_cat, False)
        self.ended = np.zeros(len(self.p_names) + 1, dtype=bool)
        self.ended[[p_id[m.primary[s]] for s in m.terminal if s in m.primary]] = True
        self.judged = np.ones(len(self.p_names) + 1, dtype=bool)
        self.judged[-1] = False
        if "Deleting" in p_id:  # a job being deleted keeps whatever history it had
            self.judged[p_id["Deleting"]] = False

    def flags(self, primary: np.ndarray, secondary: np.ndarray, last: np.ndarray) -> np.ndarray:
        job_p = self.job_p[primary]
        has = last >= 0
        sec_given = secondary >= 0
        not_terminal = has & self.known[last] & ~self.terminal[last] & self.ended[job_p]
        mismatch_secondary = has & sec_given & (self.sec_sc[secondary] != last) & ~not_terminal
        expected = np.where(sec_given, self.sec_p[secondary], self.status_p[last])
        mismatch_primary = (
            self.judged[job_p]
            & (expected >= 0)
            & (expected != job_p)
            & ~(~sec_given & not_terminal)
        )
        out = np.where(has, 0, _J_EMPTY).astype(np.int8)
        out |= np.where(not_terminal, _J_NOT_TERMINAL, 0).astype(np.int8)
        out |= np.where(mismatch_secondary, _J_SECONDARY, 0).astype(np.int8)
        out |= np.where(mismatch_primary, _J_PRIMARY, 0).astype(np.int8)
        return out


def _changes(jc: np.ndarray) -> np.ndarray:
    """Boolean: the row starts a new run of job codes."""
    out = np.empty(len(jc), dtype=bool)
    if len(jc):
        out[0] = True
        np.not_equal(jc[1:], jc[:-1], out=out[1:])
    return out


def _contiguous(jc: np.ndarray, runs: np.ndarray, n_cat: int) -> bool:
    """Whether each job's entries sit together (in any job order)."""
    if np.all(jc[1:] >= jc[:-1]):
        return True
    present = np.count_nonzero(np.bincount(jc, minlength=n_cat))
    return int(np.count_nonzero(runs)) == present
