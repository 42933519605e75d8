"""The machine against the data: every edge the histories show, and the machine's evidence.

An *edge* is a pair of consecutive distinct statuses within a job (a repeat, ``Starting,
Starting``, is not an edge). Counting them over many histories is how the edge table's
``inferred`` entries get evidence over time, and how edges missing from the machine show up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from smstatus.analysis.phases import Entries, entries
from smstatus.history import JobHistory, as_history, dispatch_to_engine, is_transitions_frame
from smstatus.machine import StatusMachine, default_machine

__all__ = ["missing_from_machine", "never_seen", "observed_edges"]

_COLUMNS = ("source", "dest", "count", "median_s", "in_machine", "basis")


@dispatch_to_engine
def observed_edges(history: JobHistory, *, machine: StatusMachine | None = None) -> pd.DataFrame:
    """Count every edge seen in the histories, next to the machine's edges.

    Parameters
    ----------
    history
        The histories.
    machine
        The machine to compare with (default: :func:`smstatus.default_machine`).

    Returns
    -------
    DataFrame
        One row per edge seen, then one per edge of the machine never seen (``count`` 0):
        ``source``, ``dest`` (statuses), ``count`` (times the edge was taken), ``median_s``
        (median time spent in ``source``, its repeats added up, before leaving by this edge;
        NaN when never seen), ``in_machine`` (the edge is legal in ``machine``), ``basis``
        (the machine's basis, e.g. ``"doc,seen"`` or ``"inferred"``; NA when not in the
        machine). Seen edges come first, most taken first (ties in lifecycle order), then the
        unseen ones in the machine's order. Filter with
        :func:`missing_from_machine` and :func:`never_seen`, or on the columns:
        ``frame[~frame.in_machine]`` and ``frame[frame["count"] == 0]``.
    """
    history = as_history(history)
    machine = machine or default_machine()
    taken = _taken_edges(entries(history))
    medians = [
        float(np.nanmedian(s)) if np.isfinite(s).any() else np.nan for s in taken.seconds_of()
    ]  # one per distinct edge, not per job
    observed = pd.DataFrame(
        {
            "source": pd.array(taken.source, dtype=object),
            "dest": pd.array(taken.dest, dtype=object),
            "count": taken.counts,
            "median_s": np.asarray(medians, dtype=float),
        }
    )
    # most taken first; ties in lifecycle order of (source, dest), as the keys are sorted
    observed = observed.iloc[np.argsort(-observed["count"].to_numpy(), kind="stable")]
    table = machine.edges_frame()[["source", "dest", "basis"]]
    pairs = set(zip(observed["source"], observed["dest"], strict=True))
    unseen = table[[(s, d) not in pairs for s, d in zip(table.source, table.dest, strict=True)]]
    unseen = pd.DataFrame(
        {
            "source": unseen["source"].to_numpy(dtype=object),
            "dest": unseen["dest"].to_numpy(dtype=object),
            "count": np.zeros(len(unseen), dtype=np.int64),
            "median_s": np.full(len(unseen), np.nan),
        }
    )
    out = pd.concat([observed, unseen], ignore_index=True) if len(unseen) else observed
    out = out.reset_index(drop=True)
    basis = dict(zip(zip(table.source, table.dest, strict=True), table.basis, strict=True))
    keys = list(zip(out["source"], out["dest"], strict=True))
    out["in_machine"] = np.asarray([machine.is_legal(s, d) for s, d in keys], dtype=bool).reshape(
        -1
    )
    out["basis"] = pd.array([basis.get(k, pd.NA) for k in keys], dtype="string")
    categories = list(history.transitions["status"].cat.categories)
    categories += [s for s in machine.statuses if s not in set(categories)]
    for col in ("source", "dest"):
        out[col] = pd.Categorical(out[col], categories=categories)
    out.attrs["machine_version"] = machine.version
    return out[list(_COLUMNS)]


@dataclass(frozen=True)
class TakenEdges:
    """Every edge taken in some histories, grouped by distinct edge (in the order of the
    status codes of its source, then of its destination)."""

    source: list[str]
    """The source status of each distinct edge."""
    dest: list[str]
    """Its destination status."""
    bounds: np.ndarray
    """Where each distinct edge's takings start in :attr:`seconds`."""
    ends: np.ndarray
    """Where they end."""
    seconds: np.ndarray
    """Each taking's time in the source before it (its repeats added up; NaN when unknown)."""

    @property
    def counts(self) -> np.ndarray:
        """How many times each distinct edge was taken."""
        return (self.ends - self.bounds).astype(np.int64)

    def seconds_of(self) -> list[np.ndarray]:
        """The times of each distinct edge's takings."""
        return [self.seconds[a:b] for a, b in zip(self.bounds, self.ends, strict=True)]


def _taken_edges(e: Entries) -> TakenEdges:
    """The edges taken in the measured entries ``e``: one per run of a status followed by a
    run of another in the same job."""
    job = e.ordered(e.job)
    status = e.ordered(e.status).astype(np.int64)
    # time in each run (repeats added up); NaN when an entry of the run has no duration
    starts = np.flatnonzero(e.run_start)
    run_secs = np.add.reduceat(e.ordered(e.duration_s), starts) if len(starts) else np.zeros(0)
    run_job, run_status = job[starts], status[starts]
    leaves = run_job[1:] == run_job[:-1]  # run i is followed by run i + 1 of the same job
    src, dst, secs = run_status[:-1][leaves], run_status[1:][leaves], run_secs[:-1][leaves]
    ok = (src >= 0) & (dst >= 0)
    src, dst, secs = src[ok], dst[ok], secs[ok]
    n = max(e.n_status, 1)
    key = src * n + dst
    # a stable sort of small integer keys is a radix sort: linear time
    small = np.int16 if n * n < np.iinfo(np.int16).max else np.int64
    order = np.argsort(key.astype(small), kind="stable")
    key, secs = key[order], secs[order]
    bounds = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, int)
    ends = np.r_[bounds[1:], len(key)].astype(np.int64) if len(key) else bounds
    names = e.status_names
    edge = key[bounds]
    return TakenEdges(
        source=[names[i] for i in edge // n],
        dest=[names[i] for i in edge % n],
        bounds=bounds,
        ends=ends,
        seconds=secs,
    )


def _edges(data: JobHistory | pd.DataFrame, machine: StatusMachine | None) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame) or is_transitions_frame(data):
        return observed_edges(as_history(data, "data"), machine=machine)
    missing = [c for c in _COLUMNS if c not in data.columns]
    if missing:
        raise ValueError(
            f"expected a JobHistory, its transitions or the frame of observed_edges(); this "
            f"frame lacks {missing}"
        )
    return data


def missing_from_machine(
    data: JobHistory | pd.DataFrame, *, machine: StatusMachine | None = None
) -> pd.DataFrame:
    """Edges the histories show that the machine does not allow.

    ``data`` is a history or the frame :func:`observed_edges` returned.
    """
    edges = _edges(data, machine)
    return edges[~edges["in_machine"].astype(bool) & (edges["count"] > 0)].reset_index(drop=True)


def never_seen(
    data: JobHistory | pd.DataFrame, *, machine: StatusMachine | None = None
) -> pd.DataFrame:
    """Edges of the machine the histories never take (their basis says why they are there).

    ``data`` is a history or the frame :func:`observed_edges` returned.
    """
    edges = _edges(data, machine)
    return edges[edges["in_machine"].astype(bool) & (edges["count"] == 0)].reset_index(drop=True)


# the building block the Dask engine (smstatus.dask.edges) runs partition by partition
taken_edges = _taken_edges
