"""How long each status lasted: entry durations, censoring, the phase table, statistics by group.

An entry's duration is ``EndTime - StartTime``. An entry without an end time is *open*:

- when another entry of the same job follows it, it ended when that entry started (the history
  says so); it is not censored;
- when it is the job's last entry and its status is terminal (``Completed``, ``Failed``...), it
  lasts zero seconds, as terminal entries do in ``DescribeTrainingJob``; not censored;
- otherwise the job is still in that status: the entry is measured up to the time the job was
  observed (its ``jobs.observed_at``: when it was fetched, the event's time, the SDK log's last
  poll, else its own latest timestamp) and marked ``censored`` (a right-censored observation,
  as in survival analysis). A caller's explicit ``as_of`` replaces ``observed_at`` for every job.

Never a silent "now", and never another job's time: a job's figures depend on its own history
only, so a subset of jobs gives the same figures as the whole. Every frame says in
``frame.attrs["as_of"]`` the explicit ``as_of`` it was given, or ``None`` when each open entry
was measured up to its own job's ``observed_at``.

Everything is vectorised over the ``transitions`` frame (numpy ``bincount`` and ufunc ``.at``
over the job codes); no Python work per job.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from smstatus.analysis.groups import By, decode_groups, encode_groups, group_frame, percentile_names
from smstatus.history import JobHistory, as_history, dispatch_to_engine
from smstatus.machine import StatusMachine, default_machine
from smstatus.status import SecondaryStatus
from smstatus.timestamps import NAT_NS, parse_timestamp, utc_ns
from smstatus.typing import TimeLike

__all__ = ["duration_stats", "durations", "phase_table", "resolve_as_of"]

_NS = 1e9


def resolve_as_of(history: JobHistory, as_of: TimeLike | None = None) -> pd.Timestamp:
    """The latest time in the data, or the ``as_of`` given, as a UTC timestamp.

    Open entries are measured up to their own job's ``observed_at`` unless an ``as_of`` is
    given (see :func:`durations`); this gives one time for the whole data (for the axis of a
    plot, or to measure every job up to the same moment).

    Parameters
    ----------
    history
        The histories.
    as_of
        A time (ISO-8601 string, epoch number, ``datetime``, ``Timestamp``; naive means UTC), or
        ``None`` for the latest timestamp in the data: the maximum of the entries' start and end
        times and the jobs' ``last_modified_time`` and ``observed_at``. ``NaT`` when the data
        holds no time at all.

    Returns
    -------
    pandas.Timestamp
        In UTC.
    """
    if as_of is not None:
        return parse_timestamp(as_of, field="as_of")
    latest = NAT_NS
    for frame, col in (
        (history.transitions, "start_time"),
        (history.transitions, "end_time"),
        (history.jobs, "last_modified_time"),
        (history.jobs, "observed_at"),
    ):
        if col in frame.columns and len(frame):
            latest = max(latest, int(utc_ns(frame[col]).max()))
    if latest == NAT_NS:
        return pd.NaT  # type: ignore[return-value]
    return pd.Timestamp(latest, unit="ns", tz="UTC")


@dataclass(frozen=True, eq=False)
class Entries:
    """The entries of a history as numpy arrays, in the row order of ``transitions``.

    Internal to the duration modules; ``job`` and ``status`` are category codes (``status`` is
    ``-1`` where missing).
    """

    history: JobHistory
    job: np.ndarray
    status: np.ndarray
    start: np.ndarray
    end: np.ndarray
    duration_s: np.ndarray
    censored: np.ndarray
    as_of: pd.Timestamp | None

    @property
    def n_rows(self) -> int:
        return len(self.job)

    @cached_property
    def job_names(self) -> pd.Index:
        """The job-name categories (one per distinct name)."""
        return pd.Index(self.history.transitions["job_name"].cat.categories)

    @property
    def n_codes(self) -> int:
        return len(self.job_names)

    @cached_property
    def status_names(self) -> list[str]:
        return [str(c) for c in self.history.transitions["status"].cat.categories]

    @property
    def n_status(self) -> int:
        return len(self.status_names)

    def status_code(self, name: str) -> int:
        """Code of a status, ``-1`` when no category of that name exists."""
        try:
            return self.status_names.index(name)
        except ValueError:
            return -1

    @cached_property
    def order(self) -> np.ndarray | None:
        """A stable permutation that makes each job's rows contiguous (``None``: already so)."""
        job = self.job
        if len(job) < 2 or bool(np.all(job[1:] >= job[:-1])):
            return None
        return np.argsort(job, kind="stable")

    def ordered(self, values: np.ndarray) -> np.ndarray:
        """``values`` (one per row) in job-contiguous order."""
        return values if self.order is None else values[self.order]

    @cached_property
    def jobs_code(self) -> np.ndarray:
        """For each row of ``history.jobs``, the code of its name (``-1`` when absent)."""
        if self.jobs_in_code_order:
            return np.arange(len(self.history.jobs), dtype=np.int64)
        jobs = self.history.jobs
        codes = self.job_names.get_indexer(jobs["job_name"].astype(object))  # type: ignore[arg-type]
        if len(codes) and pd.Series(jobs["job_name"]).duplicated().any():
            dup = pd.unique(jobs["job_name"][jobs["job_name"].duplicated()].astype(object))
            warnings.warn(
                f"{len(dup)} job name(s) appear more than once (e.g. {dup[0]!r}); the entries of "
                "each name are pooled and its figures repeated on each of its rows. "
                "Run smstatus validate (duplicate_job) and keep one copy of each job.",
                UserWarning,
                stacklevel=3,
            )
        return codes.astype(np.int64)

    @cached_property
    def jobs_in_code_order(self) -> bool:
        """Whether row ``i`` of ``jobs`` is the job of code ``i`` (see
        :func:`_jobs_in_code_order`)."""
        return _jobs_in_code_order(self.history)

    @cached_property
    def code_row(self) -> np.ndarray:
        """For each job code, the first ``jobs`` row with that name (``-1`` when none)."""
        out = np.full(self.n_codes, -1, dtype=np.int64)
        jc = self.jobs_code
        rows = np.arange(len(jc), dtype=np.int64)
        ok = jc >= 0
        # reversed assignment: the first row of each name wins
        out[jc[ok][::-1]] = rows[ok][::-1]
        return out

    # -- per-job reductions (length n_codes) ------------------------------------------------

    def per_job_sum(
        self, mask: np.ndarray | None = None, weights: np.ndarray | None = None
    ) -> np.ndarray:
        """Sum (or count, without weights) over rows of each job; ``mask`` selects rows."""
        job = self.job if mask is None else self.job[mask]
        if weights is not None and mask is not None:
            weights = weights[mask]
        return np.bincount(job, weights=weights, minlength=self.n_codes)

    @cached_property
    def first_start(self) -> np.ndarray:
        """Earliest start of each job (``NAT_NS`` when it has no entry or no start)."""
        out = np.full(self.n_codes, np.iinfo(np.int64).max, dtype=np.int64)
        job, start = self.job, self.start
        missing = self._start_missing
        if missing is not None:
            job, start = job[~missing], start[~missing]
        np.minimum.at(out, job, start)
        out[out == np.iinfo(np.int64).max] = NAT_NS
        return out

    @cached_property
    def last_end(self) -> np.ndarray:
        """Latest effective end of each job (``NAT_NS`` when none: NaT is the smallest int64)."""
        out = np.full(self.n_codes, NAT_NS, dtype=np.int64)
        np.maximum.at(out, self.job, self.end)
        return out

    @cached_property
    def wall_s(self) -> np.ndarray:
        """Wall time of each job: first start to last effective end, seconds (NaN if unknown)."""
        first, last = self.first_start, self.last_end
        ok = (first != NAT_NS) & (last != NAT_NS)
        return np.where(ok, (last - first) / _NS, np.nan)

    @cached_property
    def run_start(self) -> np.ndarray:
        """Mask over job-contiguous rows: the row starts a run of one status within its job."""
        job, status = self.ordered(self.job), self.ordered(self.status)
        out = np.ones(len(job), dtype=bool)
        if len(job) > 1:
            np.not_equal(job[1:], job[:-1], out=out[1:])
            out[1:] |= status[1:] != status[:-1]
        return out

    @cached_property
    def runs(self) -> tuple[np.ndarray, np.ndarray]:
        """Job code and status code of each run (consecutive repeats collapsed), in order."""
        runs = self.run_start
        return self.ordered(self.job)[runs], self.ordered(self.status)[runs]

    @cached_property
    def _known_status(self) -> np.ndarray | None:
        """Mask of rows with a status (``None`` when every row has one)."""
        ok = self.status >= 0
        return None if ok.all() else ok

    @cached_property
    def status_present(self) -> np.ndarray:
        """Boolean per status category: some entry has it."""
        ok = self._known_status
        status = self.status if ok is None else self.status[ok]
        return np.bincount(status, minlength=self.n_status) > 0

    @cached_property
    def present_codes(self) -> np.ndarray:
        """Codes of the statuses some entry has, in category (lifecycle) order."""
        return np.flatnonzero(self.status_present)

    @cached_property
    def phase_seconds(self) -> np.ndarray:
        """Seconds in each present status per job: ``len(present_codes) x n_codes``.

        Row ``i`` (contiguous) holds every job's seconds in status ``present_codes[i]``.
        """
        ok = self._known_status
        job, status, dur = self.job, self.status, self.duration_s
        if ok is not None:
            job, status, dur = job[ok], status[ok], dur[ok]
        compact = np.full(self.n_status, -1, dtype=np.int64)
        compact[self.present_codes] = np.arange(len(self.present_codes))
        key = compact[status] * self.n_codes + job
        n_present = len(self.present_codes)
        secs = np.bincount(key, weights=dur, minlength=self.n_codes * n_present)
        return secs.reshape(n_present, self.n_codes)

    def phase_counts(self) -> np.ndarray:
        """Entries in each present status per job, as :attr:`phase_seconds`."""
        ok = self._known_status
        job, status = self.job, self.status
        if ok is not None:
            job, status = job[ok], status[ok]
        compact = np.full(self.n_status, -1, dtype=np.int64)
        compact[self.present_codes] = np.arange(len(self.present_codes))
        n_present = len(self.present_codes)
        key = compact[status] * self.n_codes + job
        counts = np.bincount(key, minlength=self.n_codes * n_present)
        return counts.reshape(n_present, self.n_codes)

    def seconds_in(self, status: str) -> np.ndarray | None:
        """Seconds of each job in ``status`` (a row of :attr:`phase_seconds`), ``None`` if
        no entry has it."""
        code = self.status_code(status)
        if code < 0 or not self.status_present[code]:
            return None
        return self.phase_seconds[int(np.searchsorted(self.present_codes, code))]

    def to_rows(self, values: np.ndarray, fill: Any) -> np.ndarray:
        """Per-job ``values`` (one per code) spread to the rows of ``history.jobs``."""
        if self.jobs_in_code_order:
            return values
        rows = self.jobs_code
        valid = rows >= 0
        if valid.all():
            return values[rows]
        dtype = float if isinstance(fill, float) and np.isnan(fill) else values.dtype
        out = np.full(len(rows), fill, dtype=dtype)
        out[valid] = values[rows[valid]]
        return out

    @cached_property
    def _start_missing(self) -> np.ndarray | None:
        """Mask of rows without a start time (``None`` when every row has one)."""
        missing = self.start == NAT_NS
        return missing if missing.any() else None

    def first_start_of(self, status: str) -> np.ndarray:
        """Earliest start of an entry of ``status`` in each job (``NAT_NS`` when none)."""
        out = np.full(self.n_codes, np.iinfo(np.int64).max, dtype=np.int64)
        code = self.status_code(status)
        if code >= 0:
            m = self.status == code
            if self._start_missing is not None:
                m &= ~self._start_missing
            np.minimum.at(out, self.job[m], self.start[m])
        out[out == np.iinfo(np.int64).max] = NAT_NS
        return out

    def runs_of(self, status: str) -> np.ndarray:
        """Number of runs of ``status`` (repeats counted once) in each job."""
        code = self.status_code(status)
        if code < 0:
            return np.zeros(self.n_codes, dtype=np.int64)
        mask = self.run_start & (self.ordered(self.status) == code)
        return np.bincount(self.ordered(self.job)[mask], minlength=self.n_codes)

    def frame_index(self) -> pd.Index:
        return pd.RangeIndex(self.n_rows)


def _jobs_in_code_order(history: JobHistory) -> bool:
    """Whether row ``i`` of ``jobs`` is the job of code ``i`` (no duplicates, same order).

    ``JobHistory`` builds the categories from the jobs' names in order, so equal lengths
    mean this holds; a sample of positions is checked for histories built unchecked.
    """
    jobs, names = history.jobs, history.transitions["job_name"].cat.categories
    if len(names) != len(jobs):
        return False
    if not len(jobs):
        return True
    probe = np.unique(np.linspace(0, len(jobs) - 1, num=min(len(jobs), 1024)).astype(int))
    listed = jobs["job_name"].take(probe).astype(object).to_numpy()
    return bool(np.array_equal(listed, names.take(probe).to_numpy(dtype=object)))


def _observed_by_code(history: JobHistory) -> np.ndarray:
    """``observed_at`` (ns) of each job-name code; the latest when a name is listed twice."""
    if _jobs_in_code_order(history):  # no name to look up: row i is code i
        return utc_ns(history.jobs["observed_at"])
    names = history.transitions["job_name"].cat.categories
    out = np.full(len(names), NAT_NS, dtype=np.int64)
    jobs = history.jobs
    codes = names.get_indexer(jobs["job_name"].astype(object))  # type: ignore[arg-type]
    ok = codes >= 0
    np.maximum.at(out, codes[ok], utc_ns(jobs["observed_at"])[ok])
    return out


def _censoring_limits(
    history: JobHistory, job: np.ndarray, start: np.ndarray, when: pd.Timestamp | None
) -> np.ndarray:
    """The times open entries (of jobs ``job``, starting at ``start``) are measured up to:
    ``when`` for all, or else each job's own ``observed_at``."""
    t = history.transitions
    if when is None:
        limits = _observed_by_code(history)[job]
        unknown = limits == NAT_NS
        if unknown.any():
            name = t["job_name"].cat.categories[job[np.flatnonzero(unknown)[0]]]
            raise ValueError(
                f"job {name!r} has an open entry and no observed_at; pass as_of (or load the "
                "job through JobHistory, which fills observed_at)"
            )
        return limits
    early = np.flatnonzero(start > when.value)
    if len(early):
        i = int(early[0])
        name = t["job_name"].cat.categories[job[i]]
        raise ValueError(
            f"as_of={when.isoformat()} is before the start of an open entry of job {name!r} "
            f"({pd.Timestamp(start[i], tz='UTC').isoformat()}); "
            f"{len(early)} open entries start after as_of: pass a later as_of"
        )
    return np.full(len(job), when.value, dtype=np.int64)


_SHARED: ContextVar[dict[tuple[Any, ...], Entries] | None] = ContextVar(
    "smstatus_shared_entries", default=None
)
"""The entries measured inside :func:`reuse_entries` (``None`` outside it)."""


@contextmanager
def reuse_entries() -> Iterator[None]:
    """Measure the entries of a history once for every analysis run inside the block.

    Each function of :mod:`smstatus.analysis` (and each plot) measures the entries of the
    history it is given; inside this block the measure of one history object, ``as_of`` and
    set of terminal statuses is made once and shared (its arrays read-only), so that a report
    that runs a dozen analyses of one history measures it once. The history must not be
    changed inside the block (a :class:`JobHistory` holds mutable frames: outside the block
    nothing is kept, so nothing can go stale). Scoped to the block and to its thread or task
    (a context variable): no global state is changed.

    Examples
    --------
    >>> from smstatus.simulation.sample import load_sample
    >>> history = load_sample()
    >>> with reuse_entries():
    ...     phases = phase_table(history)
    ...     stats = duration_stats(history, by="instance_type")
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def entries(
    history: JobHistory, as_of: TimeLike | None = None, machine: StatusMachine | None = None
) -> Entries:
    """Measure every entry of ``history`` (see the module notes); internal building block.

    ``machine`` says which statuses are terminal (the default machine when ``None``). Inside
    :func:`reuse_entries`, one measure per history, ``as_of`` and terminal set is shared.
    """
    terminal_set = (machine if machine is not None else default_machine()).terminal
    history = as_history(history)
    when = None if as_of is None else parse_timestamp(as_of, field="as_of")
    shared = _SHARED.get()
    if shared is None:
        return _measure(history, when, terminal_set)
    # the Entries kept holds the history: its id cannot be reused while the block lasts
    key = (id(history), None if when is None else when.value, frozenset(terminal_set))
    found = shared.get(key)
    if found is None or found.history is not history:
        found = shared[key] = _measure(history, when, terminal_set)
        for array in (found.job, found.status, found.start, found.end):
            array.flags.writeable = False
        found.duration_s.flags.writeable = False
        found.censored.flags.writeable = False
    return found


def _measure(
    history: JobHistory, when: pd.Timestamp | None, terminal_set: frozenset[str] | set[str]
) -> Entries:
    """The entries of ``history``, open ones measured up to ``when`` (or each job's
    ``observed_at``); ``terminal_set`` ends a job."""
    t = history.transitions
    job = t["job_name"].cat.codes.to_numpy().astype(np.int64)
    if len(job) and job.min() < 0:
        raise ValueError("the transitions frame has rows without a job_name; name every job")
    status = t["status"].cat.codes.to_numpy()  # int8 or int16: compared, rarely indexed
    start = utc_ns(t["start_time"])
    end = utc_ns(t["end_time"])
    n = len(job)
    censored = np.zeros(n, dtype=bool)
    open_idx = np.flatnonzero(end == NAT_NS)
    if len(open_idx):
        end = end.copy()
        # the row that follows each open row within the same job (rows in the order given)
        unsorted = n > 1 and bool(np.any(job[1:] < job[:-1]))
        if unsorted:
            order = np.argsort(job, kind="stable")
            position = np.empty(n, dtype=np.int64)
            position[order] = np.arange(n, dtype=np.int64)
            after = position[open_idx] + 1
            has = after < n
            nxt = np.full(len(open_idx), -1, dtype=np.int64)
            nxt[has] = order[after[has]]
        else:
            nxt = open_idx + 1
            has = nxt < n
        has[has] = job[nxt[has]] == job[open_idx[has]]
        end[open_idx[has]] = start[nxt[has]]
        last = open_idx[~has]
        cats = t["status"].cat.categories
        is_terminal = np.asarray([str(c) in terminal_set for c in cats] + [False], dtype=bool)
        terminal = is_terminal[status[last]]  # code -1 (missing status) reads the trailing False
        end[last[terminal]] = start[last[terminal]]
        cens = last[~terminal & (start[last] != NAT_NS)]
        censored[cens] = True
        if len(cens):
            end[cens] = _censoring_limits(history, job[cens], start[cens], when)
    unknown = (start == NAT_NS) | (end == NAT_NS)
    if unknown.any():
        duration = np.full(n, np.nan)
        known = ~unknown
        duration[known] = (end[known] - start[known]) / _NS
        end = end.copy()
        end[unknown] = NAT_NS
    else:
        duration = (end - start) / _NS
    return Entries(
        history=history,
        job=job,
        status=status,
        start=start,
        end=end,
        duration_s=duration,
        censored=censored,
        as_of=when,
    )


@dispatch_to_engine
def durations(
    history: JobHistory, *, as_of: TimeLike | None = None, machine: StatusMachine | None = None
) -> pd.DataFrame:
    """The duration of every entry, with censoring.

    Parameters
    ----------
    history
        The histories (:func:`smstatus.load`).
    as_of
        Time open entries of every job are measured up to; ``None`` (default): each up to its
        job's ``observed_at`` (never the clock). Naive times are UTC.
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end a job (an open
        terminal entry lasts zero seconds, never censored); the default machine when ``None``.

    Returns
    -------
    DataFrame
        One row per ``transitions`` row, in the same order: ``job_name, step, status,
        start_time, end_time`` (as recorded: ``NaT`` when open), ``duration_s`` (float seconds)
        and ``censored`` (the entry is open and was measured up to ``as_of`` or its job's
        ``observed_at``). ``frame.attrs["as_of"]`` is the ``as_of`` given (a UTC
        ``Timestamp``), ``None`` when none was (each job's ``observed_at``). A negative
        ``duration_s`` means the data ends an entry before it starts (``smstatus validate``
        reports ``negative_duration``).

    Examples
    --------
    >>> h = JobHistory.from_transitions("j", [
    ...     {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z",
    ...      "EndTime": "2024-01-01T00:01:00Z"},
    ...     {"Status": "Training", "StartTime": "2024-01-01T00:01:00Z"}])
    >>> durations(h, as_of="2024-01-01T00:11:00Z")[["status", "duration_s", "censored"]]
         status  duration_s  censored
    0  Starting        60.0     False
    1  Training       600.0      True
    """
    history = as_history(history)
    e = entries(history, as_of, machine)
    t = history.transitions
    out = pd.DataFrame(
        {
            "job_name": t["job_name"],
            "step": t["step"],
            "status": t["status"],
            "start_time": t["start_time"],
            "end_time": t["end_time"],
            "duration_s": e.duration_s,
            "censored": e.censored,
        },
        index=e.frame_index(),
    )
    out.attrs["as_of"] = e.as_of
    return out


@dispatch_to_engine
def phase_table(
    history: JobHistory, *, as_of: TimeLike | None = None, machine: StatusMachine | None = None
) -> pd.DataFrame:
    """One row per job: the time spent in each status, and what it says about the job.

    Parameters
    ----------
    history
        The histories.
    as_of
        Time open entries of every job are measured up to; ``None``: each job's own
        ``observed_at`` (see :func:`durations`).
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end a job (an open
        terminal entry lasts zero seconds, never censored); the default machine when ``None``.

    Returns
    -------
    DataFrame
        One row per row of ``history.jobs``, in that order:

        - ``job_name``;
        - ``<Status>_s`` for each status present in the data: total seconds in that status,
          repeats and revisits added up (0 when the job never was in it);
        - ``wall_s``: first entry's start to the last entry's end (when open: ``as_of``, or the
          job's ``observed_at``);
        - ``to_first_training_from_creation_s``, ``to_first_training_s``: from the job's
          ``creation_time``, and from its first entry, to the start of its first ``Training``
          (NaN when it never trained or the creation time is unknown);
        - ``overhead_share``: share of the wall time not in ``Training`` (NaN when the wall
          time is zero or unknown);
        - ``n_interruptions``: runs of ``Interrupted`` (a repeat counts once);
        - ``n_attempts``: runs of the machine's initial status (``Starting``) after the first
          one (retries and restarts);
        - ``censored``: the job is still open (an entry was measured up to ``as_of`` or its
          ``observed_at``);
        - then every other column of ``history.jobs`` (instance type and count, spot, primary
          status, creation time...).

        ``frame.attrs["as_of"]`` is the ``as_of`` given (``None``: each job's
        ``observed_at``). Jobs with no entry have 0 in each status and
        NaN times. A name listed twice in ``jobs`` (``duplicate_job``) gets the pooled figures
        of its entries on each of its rows, with a warning.
    """
    history = as_history(history)
    e = entries(history, as_of, machine)
    secs = e.phase_seconds
    if _SHARED.get() is not None:  # the matrix serves later analyses too: hand out a copy
        secs = secs.copy()
    cols: dict[str, Any] = {"job_name": history.jobs["job_name"].array.copy()}
    for i, k in enumerate(e.present_codes):
        # rows of a fresh matrix: views are safe to hand out, no copy needed
        cols[f"{e.status_names[k]}_s"] = e.to_rows(secs[i], 0.0)
    wall = e.to_rows(e.wall_s, np.nan).copy()
    cols["wall_s"] = wall

    first_training = e.to_rows(e.first_start_of(SecondaryStatus.TRAINING.value), NAT_NS)
    created = utc_ns(history.jobs["creation_time"])
    ok = (first_training != NAT_NS) & (created != NAT_NS)
    cols["to_first_training_from_creation_s"] = np.where(
        ok, (first_training - created) / _NS, np.nan
    )
    first = e.to_rows(e.first_start, NAT_NS)
    ok = (first_training != NAT_NS) & (first != NAT_NS)
    cols["to_first_training_s"] = np.where(ok, (first_training - first) / _NS, np.nan)
    training = e.seconds_in(SecondaryStatus.TRAINING.value)
    training_s = e.to_rows(training, 0.0) if training is not None else np.zeros(len(wall))
    with np.errstate(invalid="ignore", divide="ignore"):
        cols["overhead_share"] = np.where(wall > 0, (wall - training_s) / wall, np.nan)
    cols["n_interruptions"] = e.to_rows(e.runs_of(SecondaryStatus.INTERRUPTED.value), 0)
    starts = e.runs_of((machine if machine is not None else default_machine()).initial)
    cols["n_attempts"] = e.to_rows(np.maximum(starts - 1, 0), 0)
    cols["censored"] = e.to_rows(e.per_job_sum(e.censored) > 0, False)
    for col in history.jobs.columns[1:]:
        cols[col] = history.jobs[col].array.copy()
    # every array above is new: no copy, no consolidation of the float columns into one block
    out = pd.DataFrame(cols, copy=False)
    out.attrs["as_of"] = e.as_of
    return out


@dispatch_to_engine
def duration_stats(
    history: JobHistory,
    *,
    by: By = None,
    percentiles: Sequence[float] = (0.5, 0.9, 0.99),
    as_of: TimeLike | None = None,
    machine: StatusMachine | None = None,
) -> pd.DataFrame:
    """Statistics of the duration of each status, overall or per group of jobs.

    The figures are naive: an open entry counts with its duration so far (see
    :func:`smstatus.analysis.survival.km_stats` for censoring-aware estimates).

    Parameters
    ----------
    history
        The histories.
    by
        Group the jobs: a column of ``history.jobs`` (``"instance_type"``, ``"spot"``...), a
        derived time bucket ``"<time>_<unit>"`` with ``<time>`` one of ``creation``,
        ``training_start``, ``training_end``, ``last_modified``, ``start`` (the first entry)
        and ``<unit>`` one of ``year, quarter, month, week, day, hour`` (``"creation_month"``),
        a ``pandas.Grouper(key=<time column>, freq=...)``, a callable taking the jobs frame and
        returning one value per job, a Series aligned with the jobs rows, or a list of these.
        Missing group values form their own group.
    percentiles
        Quantiles between 0 and 1; each gives a column ``p<100*q>_s`` (``p50_s``, ``p99.9_s``).
    as_of
        Time open entries of every job are measured up to; ``None``: each job's own
        ``observed_at`` (see :func:`durations`).
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end a job (an open
        terminal entry lasts zero seconds, never censored); the default machine when ``None``.

    Returns
    -------
    DataFrame
        One row per group and status present (statuses in lifecycle order): the group columns,
        ``status``, ``count`` (entries), ``censored`` (open entries among them), ``mean_s``,
        the percentile columns, ``max_s``. ``frame.attrs["as_of"]`` is the ``as_of`` given
        (``None``: each job's ``observed_at``).
    """
    history = as_history(history)
    names = percentile_names(percentiles)
    e = entries(history, as_of, machine)
    groups = group_frame(history, by, first_start=lambda: e.to_rows(e.first_start, NAT_NS))
    keys = list(groups.columns)
    codes = encode_groups(groups)
    data: dict[str, Any] = {}
    if keys:
        row_of_entry = e.code_row[e.job] if e.n_rows else np.zeros(0, np.int64)
        for k in keys:
            data[k] = codes[k].to_numpy()[row_of_entry]
    data["status"] = history.transitions["status"].reset_index(drop=True)
    data["duration_s"] = e.duration_s
    data["censored"] = e.censored
    frame = pd.DataFrame(data)
    if not len(frame):
        out = pd.DataFrame(
            {
                **{k: groups[k].iloc[:0] for k in keys},
                "status": history.transitions["status"].iloc[:0],
                "count": pd.Series(dtype=np.int64),
                "censored": pd.Series(dtype=np.int64),
                "mean_s": pd.Series(dtype=float),
                **{n: pd.Series(dtype=float) for n in names},
                "max_s": pd.Series(dtype=float),
            }
        )
        out.attrs["as_of"] = e.as_of
        return out
    grouped = frame.groupby([*keys, "status"], observed=True, sort=True, dropna=False)
    stats = grouped.agg(
        count=("duration_s", "count"),
        censored=("censored", "sum"),
        mean_s=("duration_s", "mean"),
    )
    if len(percentiles):
        q = grouped["duration_s"].quantile(list(percentiles)).unstack(-1)  # type: ignore[arg-type]
        q.columns = names
        stats = stats.join(q)
    stats["max_s"] = grouped["duration_s"].max()
    stats["censored"] = stats["censored"].astype(np.int64)
    out = decode_groups(stats.reset_index(), groups, codes)
    out.attrs["as_of"] = e.as_of
    return out
