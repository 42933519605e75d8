"""``bottlenecks`` and ``variants`` of a partitioned history, merged exactly.

- ``bottlenecks``: ``per_job`` is a Dask frame (each job's bottleneck is decided in its
  partition); ``shares`` adds up the partitions' seconds and bottleneck jobs per group and
  status and divides again; ``slowest`` takes each partition's ``top`` per status, then the
  ``top`` of those (ties: the first jobs, partition by partition). The statuses considered are
  those with time in the *whole* history: a status whose seconds add up to zero or less over
  all partitions (negative durations in corrupt data) is left out everywhere, as in memory.
  Each partition guesses them from its own statuses (:func:`bottleneck_part`), so that one
  pass over the inputs gives every table; a partition whose guess was wrong is computed again.
- ``variants``: counts add up per variant (by its text); ``median_wall_s`` is the exact
  median of the wall times the partitions send (8 bytes a job); ``example_job`` is the first
  job of the first partition that has the variant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smstatus.analysis.groups import encode_groups, group_frame
from smstatus.analysis.hotspots import (
    ARROW,
    EMPTY_VARIANT,
    Bottlenecks,
    bottleneck_of_each_job,
    check_exclude,
    shares_per_group,
    slowest_jobs,
    variant_ids,
)
from smstatus.analysis.phases import entries
from smstatus.dask.dependency import import_optional
from smstatus.dask.frames import dask_frame
from smstatus.dask.results import gather_results
from smstatus.dask.statistics import merge_columns
from smstatus.history import JobHistory
from smstatus.timestamps import NAT_NS

__all__ = [
    "BottleneckPart",
    "bottleneck_part",
    "merge_bottlenecks",
    "merge_variants",
    "variant_part",
]


def _bottleneck_part(
    history: JobHistory, options: Mapping[str, Any], kept: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``per_job``, ``shares`` and ``slowest`` of one partition, the statuses considered being
    ``kept`` (those with time in the whole history), as the in-memory function computes them."""
    e = entries(history, options.get("as_of"), options.get("machine"))
    groups = group_frame(
        history, options.get("by"), first_start=lambda: e.to_rows(e.first_start, NAT_NS)
    )
    categories = history.transitions["status"].cat.categories
    rows = e.jobs_code
    valid = rows >= 0
    secs = np.zeros((len(rows), len(kept)))
    keep = np.full(len(kept), -2, dtype=np.int64)  # -2: a status this partition lacks
    present = {e.status_names[k]: i for i, k in enumerate(e.present_codes)}
    for j, status in enumerate(kept):
        if status in present:
            keep[j] = e.present_codes[present[status]]
            secs[valid, j] = e.phase_seconds[present[status]][rows[valid]]
    codes, per_job = bottleneck_of_each_job(e, secs, keep, categories)
    per_job.insert(0, "job_name", history.jobs["job_name"].reset_index(drop=True))
    per_job = pd.concat([per_job, groups], axis=1)
    shares = shares_per_group(secs, kept, keep, codes, groups, categories)
    slowest = slowest_jobs(
        secs, kept, history.jobs["job_name"], int(options.get("top", 5)), categories
    )
    return per_job, shares, slowest


def _per_job(
    history: JobHistory, options: Mapping[str, Any], kept: list[str], dtypes: Mapping[str, Any]
) -> pd.DataFrame:
    per_job = _bottleneck_part(history, options, kept)[0]
    return per_job.astype(dict(dtypes)) if dtypes else per_job


def _merge_shares(
    frames: Sequence[pd.DataFrame],
    keys: list[str],
    kept: list[str],
    categories: pd.Index,
    empty: pd.DataFrame,
) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames or not kept:
        out = empty.copy()
        out["status"] = pd.Categorical([], categories=categories)
        return out
    merged = pd.DataFrame(
        {k: merge_columns([f[k] for f in frames]) for k in keys},
        index=pd.RangeIndex(sum(len(f) for f in frames)),
    )
    groups = encode_groups(merged)
    group_key = groups.to_numpy(dtype=np.int64) if keys else np.zeros((len(merged), 0), np.int64)
    uniq, first, group_id = np.unique(group_key, axis=0, return_index=True, return_inverse=True)
    group_id = group_id.reshape(-1)
    n_groups = len(uniq) if keys else 1
    if not keys:
        group_id = np.zeros(len(merged), dtype=np.int64)
    status = np.concatenate([f["status"].astype(object).to_numpy(dtype=object) for f in frames])
    column = pd.Index(kept).get_indexer(pd.Index(status))
    ok = column >= 0
    cell = group_id[ok] * len(kept) + column[ok]
    size = n_groups * len(kept)
    seconds_all = np.concatenate([f["seconds"].to_numpy(dtype=float) for f in frames])
    jobs_all = np.concatenate([f["bottleneck_jobs"].to_numpy(dtype=np.int64) for f in frames])
    seconds = np.bincount(cell, weights=seconds_all[ok], minlength=size).reshape(n_groups, -1)
    jobs = np.bincount(cell, weights=jobs_all[ok], minlength=size).reshape(n_groups, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = seconds / seconds.sum(axis=1, keepdims=True)
    index = merged.iloc[first if keys else [0]][keys].reset_index(drop=True)
    out = index.loc[np.repeat(np.arange(n_groups), len(kept))].reset_index(drop=True)
    out["status"] = pd.Categorical(
        np.tile(np.asarray(kept, dtype=object), n_groups), categories=categories
    )
    out["seconds"] = seconds.reshape(-1)
    out["share"] = share.reshape(-1)
    out["bottleneck_jobs"] = jobs.reshape(-1).astype(np.int64)
    return out


def _merge_slowest(
    frames: Sequence[pd.DataFrame],
    kept: list[str],
    top: int,
    categories: pd.Index,
    empty: pd.DataFrame,
) -> pd.DataFrame:
    tagged = [f.assign(_part=i) for i, f in enumerate(frames) if len(f)]
    if not tagged:
        out = empty.copy()
        out["status"] = pd.Categorical([], categories=categories)
        return out
    rows = pd.concat(
        [t.assign(status=t["status"].astype(object)) for t in tagged], ignore_index=True
    )
    rows = rows[rows["status"].isin(kept)]
    rows = rows.assign(_order=rows["status"].map({s: i for i, s in enumerate(kept)}))
    rows = rows.sort_values(
        ["_order", "seconds", "_part", "rank"], ascending=[True, False, True, True], kind="stable"
    )
    rows = rows.groupby("_order", sort=True).head(top)
    rows["rank"] = rows.groupby("_order").cumcount().to_numpy(dtype=np.int64) + 1
    out = rows[["status", "rank", "job_name", "seconds"]].reset_index(drop=True)
    out["status"] = pd.Categorical(out["status"], categories=categories)
    out["job_name"] = out["job_name"].astype(empty["job_name"].dtype)
    return out


@dataclass(frozen=True)
class BottleneckPart:
    """What one partition sends for ``bottlenecks``: its ``shares`` and ``slowest`` computed
    with the statuses ``considered`` (its own statuses with time, in its category order), the
    seconds of every status it has, and an empty frame of its group columns (their dtypes)."""

    considered: list[str]
    seconds: dict[str, float]
    shares: pd.DataFrame
    slowest: pd.DataFrame
    groups: pd.DataFrame


def bottleneck_part(history: JobHistory, options: Mapping[str, Any]) -> BottleneckPart:
    """The partition's part of ``bottlenecks``, before the statuses of the whole history are
    known: it considers every status that is not excluded and that some job of the partition
    spent time in (more or less than none). A status no job spent time in changes no figure
    (it is never a job's bottleneck and adds no seconds), so the part is exact unless one of
    its statuses has no time in the whole history (its seconds add up to zero or less there)
    or the whole history orders them otherwise (:func:`merge_bottlenecks` checks both)."""
    excluded = check_exclude(options.get("exclude", ("Training",)))
    e = entries(history, options.get("as_of"), options.get("machine"))
    totals = np.nan_to_num(e.phase_seconds)
    names = [e.status_names[k] for k in e.present_codes]
    seconds = {n: float(t) for n, t in zip(names, totals.sum(axis=1), strict=True)}
    some_time = totals.any(axis=1) if totals.size else np.zeros(len(names), dtype=bool)
    considered = [n for n, t in zip(names, some_time, strict=True) if t and n not in excluded]
    _, shares, slowest = _bottleneck_part(history, options, considered)
    groups = group_frame(
        history, options.get("by"), first_start=lambda: e.to_rows(e.first_start, NAT_NS)
    )
    present = groups.drop_duplicates().reset_index(drop=True)
    if len(present.columns) and len(present):  # every group, when no status is considered
        marks = present.assign(status=None, seconds=0.0, share=np.nan, bottleneck_jobs=0)
        shares = pd.concat([shares.astype({"status": object}), marks], ignore_index=True)
    return BottleneckPart(considered, seconds, shares, slowest, groups.iloc[:0])


def merge_bottlenecks(
    parts: Sequence[BottleneckPart],
    categories: Sequence[Sequence[str]],
    partitions: Sequence[Any],
    func: Callable[..., Any],
    options: Mapping[str, Any],
) -> Bottlenecks:
    """``bottlenecks`` of the whole history from the :func:`bottleneck_part` of each
    partition (its status categories in ``categories``); the few partitions whose part
    considered other statuses than the whole history does are computed again."""
    empty: Bottlenecks = func(JobHistory.empty(), **options)  # checks the options
    excluded = check_exclude(options.get("exclude", ("Training",)))
    totals: dict[str, float] = {}
    for part in parts:
        for status, seconds in part.seconds.items():
            totals[status] = totals.get(status, 0.0) + seconds
    names = [c for cats in categories for c in cats]
    status_names = pd.Index(pd.unique(np.asarray(names, dtype=object)))
    kept = [s for s in status_names if totals.get(s, 0.0) > 0 and s not in excluded]
    again = [i for i, part in enumerate(parts) if not _considers(part, kept)]
    if again:
        delayed = import_optional("dask").delayed
        opts = dict(options)
        redone = gather_results(
            [delayed(_bottleneck_part)(partitions[i], opts, kept) for i in again]
        )
        parts = list(parts)
        for i, (_, shares, slowest) in zip(again, redone, strict=True):
            parts[i] = BottleneckPart(kept, parts[i].seconds, shares, slowest, parts[i].groups)
    keys = list(empty.by)
    shares = _merge_shares([p.shares for p in parts], keys, kept, status_names, empty.shares)
    slowest = _merge_slowest(
        [p.slowest for p in parts], kept, int(options.get("top", 5)), status_names, empty.slowest
    )
    return Bottlenecks(
        per_job=_per_job_frame(partitions, options, kept, [p.groups for p in parts], empty),
        shares=shares,
        slowest=slowest,
        by=empty.by,
        exclude=excluded,
        as_of=empty.as_of,
    )


def _considers(part: BottleneckPart, kept: list[str]) -> bool:
    """Whether ``part`` was computed as with the statuses ``kept`` of the whole history: its
    statuses are among them, in the same order (the first of equal times is the bottleneck)."""
    own = set(part.considered)
    return part.considered == [s for s in kept if s in own]


def _per_job_frame(
    partitions: Sequence[Any],
    options: Mapping[str, Any],
    kept: list[str],
    groups: Sequence[pd.DataFrame],
    empty: Bottlenecks,
) -> Any:
    """``per_job`` as a Dask frame (computed when asked); its categorical group columns get
    the union of the partitions' categories (time buckets are ordered categoricals, which
    Dask cannot unite when they differ)."""
    delayed = import_optional("dask").delayed
    dtypes = {
        k: merge_columns([g[k] for g in groups]).dtype
        for k in empty.by
        if isinstance(empty.per_job[k].dtype, pd.CategoricalDtype)
    }
    meta = empty.per_job.astype(dtypes) if dtypes else empty.per_job
    return dask_frame(
        [delayed(_per_job)(p, dict(options), kept, dtypes) for p in partitions],
        meta,
        known=list(dtypes),
    )


# -- variants ---------------------------------------------------------------------------------


def variant_part(
    history: JobHistory, func: Callable[..., Any], options: Mapping[str, Any]
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The partition's variants and, for each, the known wall times of its jobs."""
    frame: pd.DataFrame = func(history, **options)
    e = entries(history, options.get("as_of"), options.get("machine"))
    ids_c, sequences = variant_ids(e)
    labels = [*e.status_names, "<NA>"]
    text = [ARROW.join(labels[c] for c in seq) if len(seq) else EMPTY_VARIANT for seq in sequences]
    ids = e.to_rows(ids_c, -1)
    variant = np.asarray([*text, EMPTY_VARIANT], dtype=object)[ids]  # -1: no entries
    wall = e.to_rows(e.wall_s, np.nan) if len(ids) else np.zeros(0)
    walls = {
        str(k): np.sort(group.dropna().to_numpy(dtype=float))
        for k, group in pd.Series(wall).groupby(variant)
    }
    return frame, walls


def merge_variants(
    parts: Sequence[tuple[pd.DataFrame, dict[str, np.ndarray]]],
    func: Callable[..., Any],
    options: Mapping[str, Any],
) -> pd.DataFrame:
    """``variants`` of the whole history from the :func:`variant_part` of each partition."""
    empty: pd.DataFrame = func(JobHistory.empty(), **options)
    frames = [f for f, _ in parts if len(f)]
    if not frames:
        return empty
    rows = pd.concat(frames, ignore_index=True)
    rows["variant"] = rows["variant"].astype(object)
    first = rows.drop_duplicates("variant", keep="first").set_index("variant")
    count = rows.groupby("variant", sort=False)["count"].sum()
    walls: dict[str, list[np.ndarray]] = {}
    for _, per_variant in parts:
        for name, values in per_variant.items():
            walls.setdefault(name, []).append(values)
    median = {
        k: float(np.median(np.concatenate(v))) if sum(map(len, v)) else np.nan
        for k, v in walls.items()
    }
    n_jobs = int(count.sum())
    out = pd.DataFrame(
        {
            "variant": pd.array(first.index.to_numpy(dtype=object), dtype="string"),
            "n_statuses": first["n_statuses"].to_numpy(dtype=np.int64),
            "count": count.reindex(first.index).to_numpy(dtype=np.int64),
            "share": count.reindex(first.index).to_numpy(dtype=np.int64) / max(n_jobs, 1),
            "median_wall_s": [median.get(v, np.nan) for v in first.index],
            "has_loop": first["has_loop"].to_numpy(dtype=bool),
            "example_job": first["example_job"].to_numpy(dtype=object),
        }
    )
    out = out.sort_values(["count", "variant"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs = dict(empty.attrs)
    return out
