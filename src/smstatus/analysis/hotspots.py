"""Where jobs lose their time: bottleneck phases and the variants of their histories."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smstatus.analysis.groups import By, group_frame
from smstatus.analysis.phases import Entries, entries
from smstatus.history import JobHistory, as_history, dispatch_to_engine
from smstatus.machine import StatusMachine
from smstatus.timestamps import NAT_NS
from smstatus.typing import TimeLike

__all__ = ["Bottlenecks", "bottlenecks", "variants"]

ARROW = " → "
EMPTY_VARIANT = "(no entries)"


@dataclass(frozen=True, eq=False)
class Bottlenecks:
    """The bottleneck phases of many jobs (what :func:`bottlenecks` returns).

    Attributes
    ----------
    per_job
        One row per job: ``job_name``, ``bottleneck`` (the status that took the most time,
        excluded statuses aside; NA when none took any), ``seconds`` (time in it), ``share``
        (of the job's wall time), then the ``by`` columns.
    shares
        Tidy, per group: the ``by`` columns, ``status``, ``seconds`` (total over the group's
        jobs), ``share`` (of the group's time in the statuses considered: sums to 1 per
        group), ``bottleneck_jobs`` (jobs of the group whose bottleneck it is). Statuses that
        took no time in any job (terminal ones) are left out.
    slowest
        The ``top`` slowest jobs of each status: ``status, rank, job_name, seconds``.
    by
        The names of the group columns.
    exclude
        The statuses left out (``Training`` by default: the time users pay for).
    as_of
        The time open entries were measured up to.
    """

    per_job: pd.DataFrame
    shares: pd.DataFrame
    slowest: pd.DataFrame
    by: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    as_of: pd.Timestamp | None = None

    def __repr__(self) -> str:
        counts = self.per_job["bottleneck"].value_counts()
        top = ", ".join(f"{k} {v}" for k, v in counts[counts > 0].head(5).items())
        return (
            f"<Bottlenecks: {len(self.per_job)} jobs; bottleneck of most jobs: {top or 'none'}; "
            f"excluding {list(self.exclude)}>"
        )

    def _repr_html_(self) -> str:
        counts = self.per_job["bottleneck"].value_counts()
        counts_html = counts[counts > 0].rename("jobs").to_frame().to_html()
        shares = self.shares.assign(share=self.shares["share"].map("{:.1%}".format))
        slowest = self.slowest.head(30)
        as_of = "" if self.as_of is None or pd.isna(self.as_of) else self.as_of.isoformat()
        return (
            f"<div><b>Bottlenecks</b> of {len(self.per_job)} jobs (excluding "
            f"{html.escape(', '.join(self.exclude) or 'nothing')}; as of {as_of})"
            f"<h4>Jobs per bottleneck</h4>{counts_html}"
            f"<h4>Share of time per phase</h4>{shares.to_html(index=False)}"
            f"<details><summary>Slowest jobs per phase</summary>"
            f"{slowest.to_html(index=False)}</details></div>"
        )


def _check_exclude(exclude: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(exclude, str):
        return (exclude,)
    return tuple(str(s) for s in exclude)


@dispatch_to_engine
def bottlenecks(
    history: JobHistory,
    *,
    by: By = None,
    exclude: Sequence[str] = ("Training",),
    as_of: TimeLike | None = None,
    top: int = 5,
    machine: StatusMachine | None = None,
) -> Bottlenecks:
    """Find the phase that takes the most time, per job and per group of jobs.

    Parameters
    ----------
    history
        The histories.
    by
        Groups of jobs (a job column, a time bucket such as ``"creation_month"``...), as in
        :func:`smstatus.analysis.phases.duration_stats`; ``None``: all jobs form one group.
    exclude
        Statuses left out of every figure (the bottleneck, the shares and the slowest jobs).
        ``Training`` by default: the time users pay for is not a bottleneck. Pass ``()`` to
        consider every status.
    as_of
        Time open entries of every job are measured up to; ``None``: each job's own
        ``observed_at`` (see :func:`smstatus.analysis.phases.durations`).
    top
        How many of the slowest jobs to list per status.
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end a job; the
        default machine when ``None``.

    Returns
    -------
    Bottlenecks
        ``per_job``, ``shares`` and ``slowest`` frames (see :class:`Bottlenecks`).
    """
    history = as_history(history)
    if top < 0:
        raise ValueError(f"top must be 0 or more, got {top}")
    excluded = _check_exclude(exclude)
    e = entries(history, as_of, machine)
    groups = group_frame(history, by, first_start=lambda: e.to_rows(e.first_start, NAT_NS))
    keys = list(groups.columns)
    secs, names, keep = _phase_seconds_of_jobs(e, excluded)
    categories = history.transitions["status"].cat.categories
    codes, per_job = _bottleneck_of_each_job(e, secs, keep, categories)
    per_job.insert(0, "job_name", history.jobs["job_name"].reset_index(drop=True))
    per_job = pd.concat([per_job, groups], axis=1)
    shares = _shares_per_group(secs, names, keep, codes, groups, categories)
    slowest = _slowest(secs, names, history.jobs["job_name"], top, categories)
    return Bottlenecks(
        per_job=per_job,
        shares=shares,
        slowest=slowest,
        by=tuple(keys),
        exclude=excluded,
        as_of=e.as_of,
    )


def _phase_seconds_of_jobs(
    e: Entries, excluded: tuple[str, ...]
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Seconds in each status (jobs rows x statuses kept) and the statuses kept: those some job
    spent time in, but for the ``excluded`` ones; their names and status codes."""
    secs_c = e.phase_seconds  # present statuses x jobs
    names_p = np.asarray(e.status_names, dtype=object)[e.present_codes]
    keep_i = np.flatnonzero(
        (np.nan_to_num(secs_c).sum(axis=1) > 0) & ~np.isin(names_p, list(excluded))
    )
    keep = e.present_codes[keep_i]
    names = [e.status_names[k] for k in keep]
    rows = e.jobs_code
    secs = np.zeros((len(rows), len(keep)))
    valid = rows >= 0
    if len(keep):
        secs[valid] = secs_c[keep_i][:, rows[valid]].T
    return secs, names, keep


def _bottleneck_of_each_job(
    e: Entries, secs: np.ndarray, keep: np.ndarray, categories: pd.Index
) -> tuple[np.ndarray, pd.DataFrame]:
    """The status code of each job's bottleneck (-1: none) and the frame of ``bottleneck``,
    ``seconds`` and ``share`` (of the job's wall time) per jobs row."""
    n = len(secs)
    if len(keep):
        best = np.argmax(np.nan_to_num(secs, nan=-np.inf), axis=1)
        best_s = secs[np.arange(n), best]
        has = best_s > 0
    else:
        best = np.zeros(n, dtype=np.int64)
        best_s = np.zeros(n)
        has = np.zeros(n, dtype=bool)
    codes = np.where(has, np.asarray(keep, dtype=np.int64)[best] if len(keep) else -1, -1)
    wall = e.to_rows(e.wall_s, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(has & (wall > 0), best_s / wall, np.nan)
    frame = pd.DataFrame(
        {
            "bottleneck": pd.Categorical.from_codes(codes, categories=categories),
            "seconds": np.where(has, best_s, np.where(e.jobs_code >= 0, 0.0, np.nan)),
            "share": share,
        }
    )
    return codes, frame


def _shares_per_group(
    secs: np.ndarray,
    names: list[str],
    keep: np.ndarray,
    codes: np.ndarray,
    groups: pd.DataFrame,
    categories: pd.Index,
) -> pd.DataFrame:
    """The tidy frame of each status's share of the time per group, and its bottleneck jobs."""
    keys = list(groups.columns)
    wide = pd.DataFrame(secs, columns=names)
    jobs_in = pd.DataFrame(
        {n: (codes == k) for n, k in zip(names, keep, strict=True)}, index=wide.index
    ).astype(np.int64)
    if keys:
        grouper = [groups[k] for k in keys]
        totals = wide.groupby(grouper, observed=True, dropna=False, sort=True).sum()
        counts = jobs_in.groupby(grouper, observed=True, dropna=False, sort=True).sum()
    else:
        totals = wide.sum().to_frame().T
        counts = jobs_in.sum().to_frame().T
    out = _tidy_shares(totals, counts, keys, categories)
    for k in keys:  # pandas 2.2's groupby can drop a categorical key's order from its index
        if isinstance(groups[k].dtype, pd.CategoricalDtype):
            out[k] = out[k].astype(groups[k].dtype)
    return out


def _tidy_shares(
    totals: pd.DataFrame, counts: pd.DataFrame, keys: list[str], categories: pd.Index
) -> pd.DataFrame:
    n_groups, names = len(totals), list(totals.columns)
    if keys:
        index = totals.index.to_frame(index=False)
        index.columns = keys
    else:
        index = pd.DataFrame(index=pd.RangeIndex(n_groups))
    seconds = totals.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = seconds / seconds.sum(axis=1, keepdims=True)
    out = index.loc[np.repeat(np.arange(n_groups), len(names))].reset_index(drop=True)
    out["status"] = pd.Categorical(
        np.tile(np.asarray(names, dtype=object), n_groups), categories=categories
    )
    out["seconds"] = seconds.reshape(-1)
    out["share"] = share.reshape(-1)
    out["bottleneck_jobs"] = counts.to_numpy(dtype=np.int64).reshape(-1)
    return out


def _slowest(
    secs: np.ndarray, names: list[str], job_names: pd.Series, top: int, categories: pd.Index
) -> pd.DataFrame:
    parts = []
    for j, name in enumerate(names):
        col = np.nan_to_num(secs[:, j], nan=-np.inf)
        n = min(top, int((col > 0).sum()))
        if n == 0:
            continue
        # the n largest; among equal values at the cut, the first jobs
        kth = -np.partition(-col, n - 1)[n - 1]
        above = np.flatnonzero(col > kth)
        idx = np.concatenate([above, np.flatnonzero(col == kth)[: n - len(above)]])
        idx = idx[np.lexsort((idx, -col[idx]))]
        parts.append(
            pd.DataFrame(
                {
                    "status": name,
                    "rank": np.arange(1, n + 1, dtype=np.int64),
                    "job_name": job_names.take(idx).to_numpy(dtype=object),
                    "seconds": col[idx],
                }
            )
        )
    out = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(
            {
                "status": pd.Series(dtype=object),
                "rank": pd.Series(dtype=np.int64),
                "job_name": pd.Series(dtype=object),
                "seconds": pd.Series(dtype=float),
            }
        )
    )
    out["status"] = pd.Categorical(out["status"], categories=categories)
    out["job_name"] = out["job_name"].astype(job_names.dtype)
    return out


# -- variants -------------------------------------------------------------------------------


def _rows_ids(matrix: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Ids of the distinct rows of a small-integer matrix (values below ``2**bits``).

    Columns are packed into int64 words (``63 // bits`` codes a word), and words are combined
    one at a time by factorizing ``(id so far, word id)`` pairs: hashing, no sort of rows.
    Returns the id of each row and the index of one row of each id.
    """
    per_word = max(63 // bits, 1)
    ids = np.zeros(len(matrix), dtype=np.int64)
    for lo in range(0, matrix.shape[1], per_word):
        word = np.zeros(len(matrix), dtype=np.int64)
        for col in range(lo, min(lo + per_word, matrix.shape[1])):
            word <<= bits
            word |= matrix[:, col]
        word_ids, word_uniques = pd.factorize(word)
        ids, _ = pd.factorize(ids * len(word_uniques) + word_ids)
    first = np.full(int(ids.max()) + 1 if len(ids) else 0, len(ids), dtype=np.int64)
    np.minimum.at(first, ids, np.arange(len(ids), dtype=np.int64))
    return ids, first


def _variant_ids(e: Entries) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per job code, the id of its status sequence (repeats collapsed), and each id's codes.

    Jobs are bucketed by the length of their collapsed sequence; within a bucket the sequences
    are rows of an integer matrix whose distinct rows are found by :func:`_rows_ids`. The
    Python loop runs over distinct lengths, never over jobs.
    """
    job, status = e.runs
    status = status.astype(np.int64)
    status[status < 0] = e.n_status  # a missing status is a code of its own
    bits = max(int(e.n_status + 1).bit_length(), 1)
    n_runs = np.bincount(job, minlength=e.n_codes)
    offsets = np.zeros(e.n_codes + 1, dtype=np.int64)
    np.cumsum(n_runs, out=offsets[1:])
    ids = np.full(e.n_codes, -1, dtype=np.int64)
    sequences: list[np.ndarray] = []
    for length in np.unique(n_runs):
        members = np.flatnonzero(n_runs == length)
        if length == 0:
            ids[members] = len(sequences)
            sequences.append(np.zeros(0, dtype=np.int64))
            continue
        matrix = status[offsets[members][:, None] + np.arange(length)]
        local, first = _rows_ids(matrix, bits)
        ids[members] = len(sequences) + local
        sequences.extend(matrix[first])
    return ids, sequences


@dispatch_to_engine
def variants(
    history: JobHistory, *, as_of: TimeLike | None = None, machine: StatusMachine | None = None
) -> pd.DataFrame:
    """The distinct status sequences of the jobs, most common first.

    Consecutive repeats of a status are collapsed (``Starting, Starting, Downloading`` is the
    variant ``Starting → Downloading``); revisits are kept, so restart and interruption loops
    show (``… Training → Interrupted → Starting …``).

    Parameters
    ----------
    history
        The histories.
    as_of
        Time open entries are measured up to, for the wall times (``None``: each job's
        ``observed_at``).
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end a job; the
        default machine when ``None``.

    Returns
    -------
    DataFrame
        ``variant`` (the statuses joined by " → "; ``"(no entries)"`` for jobs without any),
        ``n_statuses`` (length of the collapsed sequence), ``count`` (jobs), ``share`` (of the
        jobs), ``median_wall_s``, ``has_loop`` (a status is visited more than once),
        ``example_job`` (the first job of that variant). Sorted by count, then variant; the
        counts add up to the number of jobs (rows of ``history.jobs``).
    """
    history = as_history(history)
    e = entries(history, as_of, machine)
    ids_c, sequences = _variant_ids(e)
    rows = e.jobs_code
    ids = e.to_rows(ids_c, -1)
    if (ids < 0).any():  # a jobs row whose name has no category: no entries
        empty = next((i for i, s in enumerate(sequences) if len(s) == 0), None)
        if empty is None:
            empty = len(sequences)
            sequences.append(np.zeros(0, dtype=np.int64))
        ids = np.where(ids < 0, empty, ids)
    n_var = len(sequences)
    count = np.bincount(ids, minlength=n_var)
    wall = e.to_rows(e.wall_s, np.nan) if len(rows) else np.zeros(0)
    median = (
        pd.Series(wall).groupby(ids).median().reindex(range(n_var)).to_numpy()
        if len(rows)
        else np.zeros(n_var)
    )
    first = np.full(n_var, len(rows), dtype=np.int64)
    np.minimum.at(first, ids, np.arange(len(rows), dtype=np.int64))
    labels = [*e.status_names, "<NA>"]
    variant = [
        ARROW.join(labels[c] for c in seq) if len(seq) else EMPTY_VARIANT for seq in sequences
    ]
    names = history.jobs["job_name"].to_numpy(dtype=object)
    out = pd.DataFrame(
        {
            "variant": pd.array(variant, dtype="string"),
            "n_statuses": np.asarray([len(s) for s in sequences], dtype=np.int64),
            "count": count.astype(np.int64),
            "share": count / max(len(rows), 1),
            "median_wall_s": median,
            "has_loop": np.asarray([len(np.unique(s)) < len(s) for s in sequences], dtype=bool),
            "example_job": [names[i] if i < len(names) else None for i in first],
        }
    )
    out = out[out["count"] > 0]
    out = out.sort_values(["count", "variant"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs["as_of"] = e.as_of
    return out


# the building blocks the Dask engine (smstatus.dask.hotspots) runs partition by partition
check_exclude = _check_exclude
bottleneck_of_each_job = _bottleneck_of_each_job
shares_per_group = _shares_per_group
slowest_jobs = _slowest
variant_ids = _variant_ids
