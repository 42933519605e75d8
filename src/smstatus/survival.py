"""Censoring-aware duration estimates: Kaplan-Meier percentiles of each phase.

Running jobs make naive statistics too short: their open entries are counted with the time
they have lasted *so far*. Kaplan-Meier treats them as right-censored observations (they lasted
*at least* that long), so its median and percentiles are unbiased; :func:`km_stats` puts both
side by side so the size of the bias is visible. Needs the optional ``lifelines`` package
(``pip install 'smstatus[survival]'``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from smstatus._groups import By, group_frame, percentile_names
from smstatus.durations import NAT, entries
from smstatus.errors import MissingDependencyError
from smstatus.history import JobHistory

__all__ = ["km_stats"]


def _lifelines() -> Any:
    try:
        import lifelines
        from lifelines.utils import qth_survival_times
    except ImportError as exc:
        raise MissingDependencyError("lifelines", "survival", "Kaplan-Meier estimates") from exc
    return lifelines.KaplanMeierFitter, qth_survival_times


def km_stats(
    history: JobHistory,
    *,
    by: By = None,
    percentiles: Sequence[float] = (0.5, 0.9),
    as_of: Any = None,
) -> pd.DataFrame:
    """Kaplan-Meier percentiles of each status's duration next to the naive ones.

    Open entries (running jobs) are right-censored at ``as_of``; closed entries are events.

    Parameters
    ----------
    history
        The histories.
    by
        Groups of jobs, as in :func:`smstatus.durations.duration_stats`.
    percentiles
        Quantiles between 0 and 1 of the duration.
    as_of
        Time open entries are measured up to (see :func:`smstatus.durations.durations`).

    Returns
    -------
    DataFrame
        One row per group and status present: the group columns, ``status``, ``count``
        (entries used), ``censored`` (open entries among them), ``excluded`` (entries left out
        because their duration is negative or unknown: see ``smstatus validate``), then for
        each percentile ``naive_p<q>_s`` (the plain quantile, open entries counted as they are)
        and ``km_p<q>_s`` (the Kaplan-Meier estimate; ``inf`` when the estimated survival never
        falls that low, i.e. too many entries are still open to tell).
        ``frame.attrs["as_of"]`` is the time used.

    Raises
    ------
    MissingDependencyError
        When ``lifelines`` is not installed.
    """
    kmf_class, qth = _lifelines()
    names = [n[: -len("_s")] for n in percentile_names(percentiles)]
    e = entries(history, as_of)
    groups = group_frame(history, by, first_start=lambda: e.to_rows(e.first_start, NAT))
    keys = list(groups.columns)
    data: dict[str, Any] = {
        k: groups[k].take(e.code_row[e.job]).reset_index(drop=True) for k in keys
    }
    data["status"] = history.transitions["status"].reset_index(drop=True)
    data["duration_s"] = e.duration_s
    data["censored"] = e.censored
    frame = pd.DataFrame(data)

    rows: list[dict[str, Any]] = []
    grouped = frame.groupby([*keys, "status"], observed=True, sort=True, dropna=False)
    for key, part in grouped:
        key = key if isinstance(key, tuple) else (key,)
        dur = part["duration_s"].to_numpy()
        usable = np.isfinite(dur) & (dur >= 0)
        dur, cens = dur[usable], part["censored"].to_numpy()[usable]
        row: dict[str, Any] = dict(zip([*keys, "status"], key, strict=True))
        row.update(count=len(dur), censored=int(cens.sum()), excluded=int((~usable).sum()))
        kmf = None
        if len(dur):
            kmf = kmf_class().fit(dur, event_observed=~cens)
        for q, name in zip(percentiles, names, strict=True):
            row[f"naive_{name}_s"] = float(np.quantile(dur, q)) if len(dur) else np.nan
            row[f"km_{name}_s"] = (
                float(qth(1 - q, kmf.survival_function_)) if kmf is not None else np.nan
            )
        rows.append(row)
    columns = [*keys, "status", "count", "censored", "excluded"]
    for name in names:
        columns += [f"naive_{name}_s", f"km_{name}_s"]
    out = pd.DataFrame(rows, columns=columns)
    out["status"] = pd.Categorical(
        out["status"], categories=history.transitions["status"].cat.categories
    )
    for k in keys:
        if isinstance(groups[k].dtype, pd.CategoricalDtype):
            out[k] = pd.Categorical(out[k], categories=groups[k].cat.categories)
    out.attrs["as_of"] = e.as_of
    return out
