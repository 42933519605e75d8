"""``observed_edges`` of a partitioned history: edge counts added up, medians exact.

Each partition sends every edge taken (its source and destination statuses) with the time
spent in the source before it (8 bytes an edge: the medians are exact, as in memory); the
client counts, takes the medians, and adds the machine's unseen edges as the in-memory function
does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from smstatus.analysis.phases import entries
from smstatus.dask.dependency import import_optional
from smstatus.history import JobHistory
from smstatus.machine import default_machine

__all__ = ["edge_runs", "observed_edges"]


def edge_runs(history: JobHistory) -> tuple[pd.DataFrame, list[str]]:
    """Every edge taken in ``history``: ``source, dest`` (names) and ``seconds`` (in the
    source run, repeats added up; NaN when unknown); and the history's status categories."""
    e = entries(history)
    starts = np.flatnonzero(e.run_start)
    run_secs = np.add.reduceat(e.ordered(e.duration_s), starts) if len(starts) else np.zeros(0)
    job = e.ordered(e.job)[starts]
    status = e.ordered(e.status).astype(np.int64)[starts]
    leaves = job[1:] == job[:-1]
    src, dst, secs = status[:-1][leaves], status[1:][leaves], run_secs[:-1][leaves]
    ok = (src >= 0) & (dst >= 0)
    names = np.asarray(e.status_names, dtype=object)
    frame = pd.DataFrame({"source": names[src[ok]], "dest": names[dst[ok]], "seconds": secs[ok]})
    return frame, list(e.status_names)


def observed_edges(
    partitions: Sequence[Any], func: Callable[..., Any], options: Mapping[str, Any]
) -> pd.DataFrame:
    """The in-memory ``observed_edges`` of the whole partitioned history (see the module)."""
    dask = import_optional("dask")
    machine = options.get("machine") or default_machine()
    empty: pd.DataFrame = func(JobHistory.empty(), **options)
    parts = dask.compute(*[dask.delayed(edge_runs)(p) for p in partitions])
    seen = pd.concat([f for f, _ in parts] or [edge_runs(JobHistory.empty())[0]], ignore_index=True)
    categories = list(pd.unique(np.asarray([c for _, cats in parts for c in cats], dtype=object)))
    categories += [s for s in machine.statuses if s not in set(categories)]
    rank = {s: i for i, s in enumerate(categories)}
    grouped = seen.groupby(["source", "dest"], sort=False)["seconds"]
    observed = grouped.agg(count="size", median_s="median").reset_index()
    order = np.lexsort(
        (
            observed["dest"].map(rank).to_numpy(dtype=np.int64),
            observed["source"].map(rank).to_numpy(dtype=np.int64),
            -observed["count"].to_numpy(dtype=np.int64),
        )
    )
    observed = observed.iloc[order]
    table = machine.edges_frame()[["source", "dest", "basis"]]
    pairs = set(zip(observed["source"], observed["dest"], strict=True))
    unseen = table[[(s, d) not in pairs for s, d in zip(table.source, table.dest, strict=True)]]
    out = pd.DataFrame(
        {
            "source": np.r_[
                observed["source"].to_numpy(dtype=object), unseen["source"].to_numpy(dtype=object)
            ],
            "dest": np.r_[
                observed["dest"].to_numpy(dtype=object), unseen["dest"].to_numpy(dtype=object)
            ],
            "count": np.r_[
                observed["count"].to_numpy(dtype=np.int64), np.zeros(len(unseen), np.int64)
            ],
            "median_s": np.r_[
                observed["median_s"].to_numpy(dtype=float), np.full(len(unseen), np.nan)
            ],
        }
    )
    basis = dict(zip(zip(table.source, table.dest, strict=True), table.basis, strict=True))
    keys = list(zip(out["source"], out["dest"], strict=True))
    out["in_machine"] = np.asarray([machine.is_legal(s, d) for s, d in keys], dtype=bool).reshape(
        -1
    )
    out["basis"] = pd.array([basis.get(k, pd.NA) for k in keys], dtype="string")
    for col in ("source", "dest"):
        out[col] = pd.Categorical(out[col], categories=categories)
    out.attrs = dict(empty.attrs)
    return out[list(empty.columns)]
