"""The machine against the data: every edge the histories show, and the machine's evidence.

An *edge* is a pair of consecutive distinct statuses within a job (a repeat, ``Starting,
Starting``, is not an edge). Counting them over many histories is how the edge table's
``inferred`` entries get evidence over time, and how edges missing from the machine show up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smstatus.durations import entries
from smstatus.history import JobHistory
from smstatus.machine import StatusMachine, default_machine

__all__ = ["missing_from_machine", "never_seen", "observed_edges"]

_COLUMNS = ("source", "dest", "count", "median_s", "in_machine", "basis")


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
        machine). Seen edges come first, most taken first. Filter with
        :func:`missing_from_machine` and :func:`never_seen`, or on the columns:
        ``frame[~frame.in_machine]`` and ``frame[frame["count"] == 0]``.
    """
    machine = machine or default_machine()
    e = entries(history)
    runs = e.run_start
    job = e.ordered(e.job)
    status = e.ordered(e.status)
    dur = e.ordered(e.duration_s)
    # time in each run (repeats added up): cumulative sums between run starts
    run_id = np.cumsum(runs) - 1
    n_runs = int(runs.sum())
    run_secs = np.bincount(run_id, weights=np.nan_to_num(dur), minlength=n_runs).astype(float)
    run_unknown = np.bincount(run_id, weights=np.isnan(dur).astype(float), minlength=n_runs)
    run_secs[run_unknown > 0] = np.nan
    run_job, run_status = job[runs], status[runs]
    leaves = np.zeros(n_runs, dtype=bool)
    if n_runs > 1:
        leaves[:-1] = run_job[1:] == run_job[:-1]
    src, dst = run_status[:-1][leaves[:-1]], run_status[1:][leaves[:-1]]
    secs = run_secs[:-1][leaves[:-1]]
    ok = (src >= 0) & (dst >= 0)
    names = e.status_names
    seen = (
        pd.DataFrame({"s": src[ok], "d": dst[ok], "secs": secs[ok]})
        .groupby(["s", "d"], sort=False)["secs"]
        .agg(["size", "median"])
        .reset_index()
    )
    source = [names[i] for i in seen["s"]]
    dest = [names[i] for i in seen["d"]]
    observed = pd.DataFrame(
        {
            "source": pd.array(source, dtype=object),
            "dest": pd.array(dest, dtype=object),
            "count": seen["size"].to_numpy(dtype=np.int64),
            "median_s": seen["median"].to_numpy(dtype=float),
        }
    )
    observed = observed.sort_values(
        ["count", "source", "dest"], ascending=[False, True, True], kind="stable"
    )
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


def _edges(data: JobHistory | pd.DataFrame, machine: StatusMachine | None) -> pd.DataFrame:
    if isinstance(data, JobHistory):
        return observed_edges(data, machine=machine)
    missing = [c for c in _COLUMNS if c not in data.columns]
    if missing:
        raise ValueError(
            f"expected a JobHistory or the frame of observed_edges(); this frame lacks {missing}"
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
