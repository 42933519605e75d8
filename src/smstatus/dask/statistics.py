"""``duration_stats`` of a partitioned history: counts, means, maxima and *exact* quantiles.

Each partition sends, for each group and status it holds, the number of open entries and its
durations, sorted (8 bytes an entry: ``NaN`` durations, which no statistic uses, are left out);
the client merges the arrays of each group and status and takes the quantiles as pandas does
(linear interpolation between the closest ranks), so every figure equals the in-memory one up
to floating-point rounding of the mean. Counts, sums and maxima would merge in a few bytes; the
quantiles are why the durations travel: 10 million entries are 80 MB on the client.

Why exact rather than a sketch: the percentiles are what users compare between runs and
against SLAs, and a rank error, even a small documented one, moves a p99 of a few hundred
entries by whole entries. A fleet whose durations do not fit on the client (10^9 entries) needs
a two-pass selection (per-partition histograms, then only the values in the bins that hold the
wanted ranks), which this module does not do yet.

Groups (``by=``) are merged by their values, never by per-partition codes: a categorical group
column gets the union of the partitions' categories, and the rows are sorted as in memory
(group values in sorted order, missing ones last; statuses in lifecycle order).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from smstatus.analysis.groups import encode_groups, group_frame, percentile_names
from smstatus.analysis.phases import entries
from smstatus.history import JobHistory
from smstatus.timestamps import NAT_NS

__all__ = [
    "merge_columns",
    "merge_duration_stats",
    "part_durations",
    "status_categories",
]


def part_durations(history: JobHistory, options: Mapping[str, Any]) -> pd.DataFrame:
    """One row per group and status of ``history``: the group columns, ``status`` (name),
    ``censored`` (open entries) and ``values`` (the sorted known durations, an array)."""
    e = entries(history, options.get("as_of"), options.get("machine"))
    groups = group_frame(
        history, options.get("by"), first_start=lambda: e.to_rows(e.first_start, NAT_NS)
    )
    keys = list(groups.columns)
    codes = encode_groups(groups)
    row = e.code_row[e.job] if e.n_rows else np.zeros(0, np.int64)
    frame = pd.DataFrame({k: codes[k].to_numpy()[row] for k in keys})
    frame["status"] = e.status.astype(np.int64)
    frame["duration_s"] = e.duration_s
    frame["censored"] = e.censored
    status_names = np.asarray([*e.status_names, None], dtype=object)
    out: dict[str, list[Any]] = {k: [] for k in [*keys, "status", "censored", "values"]}
    if not len(frame):
        return pd.DataFrame(
            {
                **{k: groups[k].iloc[:0] for k in keys},
                **{c: pd.Series(dtype=object) for c in ("status", "censored", "values")},
            }
        )
    first_row = {k: _first_rows(codes[k].to_numpy()) for k in keys}
    for key, part in frame.groupby([*keys, "status"], sort=False, dropna=False):
        key_t: tuple[Any, ...] = key if isinstance(key, tuple) else (key,)
        for k, code in zip(keys, key_t[:-1], strict=True):
            out[k].append(first_row[k][int(code)])
        out["status"].append(status_names[int(key_t[-1])])
        out["censored"].append(int(part["censored"].sum()))
        values = part["duration_s"].to_numpy()
        out["values"].append(np.sort(values[~np.isnan(values)]))
    result = pd.DataFrame({k: groups[k].take(out[k]).to_numpy() for k in keys})
    for k in keys:
        result[k] = result[k].astype(groups[k].dtype)
    result["status"] = np.asarray(out["status"], dtype=object)
    result["censored"] = np.asarray(out["censored"], dtype=np.int64)
    result["values"] = pd.Series(out["values"], dtype=object)
    return result


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """The first row of each code."""
    first = np.full(int(codes.max(initial=-1)) + 1, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes), dtype=np.int64)[::-1]
    return first


def merge_columns(columns: Sequence[pd.Series]) -> pd.Series:
    """Columns of several partitions as one: categoricals get the union of their categories
    (in order of appearance; sorted when ordered, as time buckets are); the rest concatenate."""
    if columns and all(isinstance(c.dtype, pd.CategoricalDtype) for c in columns):
        cats = pd.unique(
            np.concatenate([np.asarray(c.cat.categories, dtype=object) for c in columns])
        )
        ordered = bool(columns[0].cat.ordered)
        if ordered:
            cats = np.asarray(sorted(cats), dtype=object)
        values = np.concatenate([c.astype(object).to_numpy() for c in columns])
        categories = pd.Index(list(cats))
        return pd.Series(pd.Categorical(values, categories=categories, ordered=ordered))
    return pd.concat(list(columns), ignore_index=True)


def _statistics(values: list[np.ndarray], percentiles: Sequence[float]) -> dict[str, np.ndarray]:
    n = len(values)
    out = {
        "count": np.zeros(n, dtype=np.int64),
        "mean_s": np.full(n, np.nan),
        "quantiles": np.full((n, len(percentiles)), np.nan),
        "max_s": np.full(n, np.nan),
    }
    for i, v in enumerate(values):
        out["count"][i] = len(v)
        if len(v):
            out["mean_s"][i] = v.mean()
            out["max_s"][i] = v[-1]
            if len(percentiles):
                out["quantiles"][i] = np.quantile(v, list(percentiles))
    return out


def merge_duration_stats(
    frames: Sequence[pd.DataFrame],
    categories: Sequence[Sequence[str]],
    func: Callable[..., Any],
    options: Mapping[str, Any],
) -> pd.DataFrame:
    """``duration_stats`` of the whole history from the :func:`part_durations` of each
    partition and the status categories of each."""
    percentiles = list(options.get("percentiles", (0.5, 0.9, 0.99)))
    names = percentile_names(percentiles)
    empty: pd.DataFrame = func(JobHistory.empty(), **options)
    frames = [f for f in frames if len(f)]
    status_cats = (
        pd.Index(pd.unique(np.concatenate([np.asarray(c, dtype=object) for c in categories])))
        if categories
        else pd.Index([])
    )
    if not frames:
        return empty
    keys = [c for c in frames[0].columns if c not in ("status", "censored", "values")]
    merged = pd.DataFrame({k: merge_columns([f[k] for f in frames]) for k in keys})
    merged["status"] = pd.Categorical(
        np.concatenate([f["status"].to_numpy(dtype=object) for f in frames]),
        categories=status_cats,
    )
    codes = encode_groups(merged[keys]) if keys else pd.DataFrame(index=merged.index)
    codes["status"] = merged["status"].cat.codes.to_numpy().astype(np.int64)
    codes.loc[codes["status"] < 0, "status"] = len(status_cats)
    censored = np.concatenate([f["censored"].to_numpy(dtype=np.int64) for f in frames])
    values = [v for f in frames for v in f["values"]]
    group_id, firsts = _group_ids(codes, [*keys, "status"])
    n = len(firsts)
    members = np.argsort(group_id, kind="stable")
    bounds = np.searchsorted(group_id[members], np.arange(n + 1))
    merged_values = [
        np.sort(np.concatenate([values[i] for i in members[bounds[g] : bounds[g + 1]]]))
        for g in range(n)
    ]
    stats = _statistics(merged_values, percentiles)
    out = merged.iloc[firsts][[*keys, "status"]].reset_index(drop=True)
    out["count"] = stats["count"]
    out["censored"] = np.bincount(group_id, weights=censored, minlength=n).astype(np.int64)
    out["mean_s"] = stats["mean_s"]
    for j, name in enumerate(names):
        out[name] = stats["quantiles"][:, j]
    out["max_s"] = stats["max_s"]
    for k in keys:
        out[k] = out[k].astype(merged[k].dtype)
    out.attrs = dict(empty.attrs)
    return out


def status_categories(history: JobHistory) -> list[str]:
    """The status categories of ``history``'s transitions, as names."""
    return [str(c) for c in history.transitions["status"].cat.categories]


def _group_ids(codes: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The id of each row's group (groups numbered in sorted order of ``columns``) and the
    first row of each group."""
    matrix = codes[columns].to_numpy(dtype=np.int64)
    uniq, first, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
    del uniq
    return inverse.reshape(-1), first
