"""``observed_edges`` of a partitioned history: edge counts added up, medians exact.

Each partition sends every distinct edge it saw, with its count and the known times spent in
the source before taking it (8 bytes a time: the medians are exact, as in memory); the client
adds the counts up, takes the medians, and adds the machine's unseen edges as the in-memory
function does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from smstatus.analysis.edges import taken_edges
from smstatus.analysis.phases import entries
from smstatus.history import JobHistory
from smstatus.machine import default_machine

__all__ = ["edge_part", "merge_edges"]


def edge_part(history: JobHistory) -> pd.DataFrame:
    """Every distinct edge taken in ``history``: ``source, dest`` (names), ``count`` and
    ``seconds`` (the known times spent in the source before taking it, repeats added up, as
    one array per edge)."""
    taken = taken_edges(entries(history))
    return pd.DataFrame(
        {
            "source": np.asarray(taken.source, dtype=object),
            "dest": np.asarray(taken.dest, dtype=object),
            "count": taken.counts,
            "seconds": pd.Series([s[~np.isnan(s)] for s in taken.seconds_of()], dtype=object),
        }
    )


def merge_edges(
    parts: Sequence[pd.DataFrame],
    categories: Sequence[Sequence[str]],
    func: Callable[..., Any],
    options: Mapping[str, Any],
) -> pd.DataFrame:
    """``observed_edges`` of the whole history from the :func:`edge_part` of each partition
    and the status categories of each."""
    machine = options.get("machine") or default_machine()
    empty: pd.DataFrame = func(JobHistory.empty(), **options)
    seen = pd.concat([edge_part(JobHistory.empty()), *parts], ignore_index=True)
    names = list(pd.unique(np.asarray([c for cats in categories for c in cats], dtype=object)))
    names += [s for s in machine.statuses if s not in set(names)]
    rank = {s: i for i, s in enumerate(names)}
    grouped = seen.groupby(["source", "dest"], sort=False)
    observed = grouped["count"].sum().rename("count").reset_index()
    seconds = grouped["seconds"].agg(lambda arrays: _median(list(arrays)))
    observed["median_s"] = seconds.to_numpy(dtype=float)
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
        out[col] = pd.Categorical(out[col], categories=names)
    out.attrs = dict(empty.attrs)
    return out[list(empty.columns)]


def _median(arrays: list[np.ndarray]) -> float:
    values = np.concatenate(arrays) if arrays else np.zeros(0)
    return float(np.median(values)) if len(values) else np.nan
