"""Censoring-aware duration estimates: Kaplan-Meier percentiles of each phase.

Running jobs make naive statistics too short: their open entries are counted with the time
they have lasted *so far*. Kaplan-Meier treats them as right-censored observations (they lasted
*at least* that long), so its median and percentiles are unbiased; :func:`km_stats` puts both
side by side so the size of the bias is visible. The estimator is this module's own
(:func:`km_quantiles`, vectorised over every group at once): no optional package is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from smstatus.analysis.groups import By, group_frame, percentile_names
from smstatus.analysis.phases import entries
from smstatus.history import JobHistory, as_history
from smstatus.timestamps import NAT_NS
from smstatus.typing import TimeLike

__all__ = ["km_quantiles", "km_stats"]

TIE_TOLERANCE = 1e-9
"""Survival within this of ``1 - q`` counts as reaching it (a product of ratios that is
exactly 0.5 on paper must not miss the median by a rounding error)."""


def km_quantiles(
    durations: np.ndarray,
    observed: np.ndarray,
    quantiles: Sequence[float],
    *,
    groups: np.ndarray | None = None,
    n_groups: int | None = None,
) -> np.ndarray:
    """Kaplan-Meier quantiles of right-censored durations, for many groups at once.

    The product-limit estimate ``S(t) = prod over event times t_i <= t of (1 - d_i / n_i)``,
    with ``d_i`` the events at ``t_i`` and ``n_i`` the durations of at least ``t_i`` (an entry
    censored at ``t_i`` is still at risk there). The ``q`` quantile is the smallest event time
    at which ``S`` is at most ``1 - q``, as in lifelines; without censoring it is
    ``np.quantile(durations, q, method="inverted_cdf")``.

    Parameters
    ----------
    durations
        Finite, non-negative durations.
    observed
        ``True`` where the duration ended (an event), ``False`` where it is censored.
    quantiles
        Each ``q`` between 0 and 1.
    groups
        Group code of each duration, ``0 <= code < n_groups`` (default: one group).
    n_groups
        Number of groups (default: the largest code plus one).

    Returns
    -------
    ndarray
        Shape ``(n_groups, len(quantiles))``: ``inf`` where the estimated survival never falls
        to ``1 - q`` (too many durations censored to tell), ``nan`` for a group without
        durations.
    """
    t = np.asarray(durations, dtype=float)
    event = np.asarray(observed, dtype=bool)
    g = np.zeros(len(t), dtype=np.int64) if groups is None else np.asarray(groups, np.int64)
    if not (len(t) == len(event) == len(g)):
        raise ValueError("durations, observed and groups must have the same length")
    if len(t) and not (np.isfinite(t).all() and t.min() >= 0):
        raise ValueError("durations must be finite and non-negative")
    if n_groups is None:
        n_groups = int(g.max()) + 1 if len(g) else 0
    out = np.full((n_groups, len(quantiles)), np.nan)
    if not len(t):
        return out
    order = np.lexsort((t, g))
    t, event, g = t[order], event[order], g[order]
    # one row per distinct (group, time): the events there and the durations still at risk
    first = np.flatnonzero(np.r_[True, (g[1:] != g[:-1]) | (t[1:] != t[:-1])])
    time, group = t[first], g[first]
    events = np.add.reduceat(event.astype(np.int64), first)
    at_risk = np.searchsorted(g, group, side="right") - first
    survival = pd.Series(1.0 - events / at_risk).groupby(group, sort=False).cumprod().to_numpy()
    out[np.unique(group)] = np.inf
    for k, q in enumerate(quantiles):
        hit = np.flatnonzero((events > 0) & (survival <= 1.0 - float(q) + TIE_TOLERANCE))
        reached, at = np.unique(group[hit], return_index=True)  # rows are in time order
        out[reached, k] = time[hit[at]]
    return out


def km_stats(
    history: JobHistory,
    *,
    by: By = None,
    percentiles: Sequence[float] = (0.5, 0.9),
    as_of: TimeLike | None = None,
) -> pd.DataFrame:
    """Kaplan-Meier percentiles of each status's duration next to the naive ones.

    Open entries (running jobs) are right-censored at ``as_of``; closed entries are events.

    Parameters
    ----------
    history
        The histories.
    by
        Groups of jobs, as in :func:`smstatus.analysis.phases.duration_stats`.
    percentiles
        Quantiles between 0 and 1 of the duration.
    as_of
        Time open entries are measured up to (see :func:`smstatus.analysis.phases.durations`).

    Returns
    -------
    DataFrame
        One row per group and status present: the group columns, ``status``, ``count``
        (entries used), ``censored`` (open entries among them), ``excluded`` (entries left out
        because their duration is negative or unknown: see ``smstatus validate``), then for
        each percentile ``naive_p<q>_s`` (the plain quantile, open entries counted as they are)
        and ``km_p<q>_s`` (the Kaplan-Meier estimate of :func:`km_quantiles`; ``inf`` when the
        estimated survival never falls that low, i.e. too many entries are still open to
        tell). ``frame.attrs["as_of"]`` is the time used.
    """
    history = as_history(history)
    names = [n[: -len("_s")] for n in percentile_names(percentiles)]
    e = entries(history, as_of)
    groups = group_frame(history, by, first_start=lambda: e.to_rows(e.first_start, NAT_NS))
    keys = list(groups.columns)
    frame = pd.DataFrame(
        {k: groups[k].take(e.code_row[e.job]).reset_index(drop=True) for k in keys}
    )
    frame["status"] = history.transitions["status"].reset_index(drop=True)
    grouped = frame.groupby([*keys, "status"], observed=True, sort=True, dropna=False)
    code = grouped.ngroup().to_numpy()
    out = grouped.size().index.to_frame(index=False)
    n = len(out)

    usable = np.isfinite(e.duration_s) & (e.duration_s >= 0)
    duration, censored, code_used = e.duration_s[usable], e.censored[usable], code[usable]
    out["count"] = np.bincount(code_used, minlength=n)
    out["censored"] = np.bincount(code_used[censored], minlength=n)
    out["excluded"] = np.bincount(code[~usable], minlength=n)
    km = km_quantiles(duration, ~censored, percentiles, groups=code_used, n_groups=n)
    by_group = pd.Series(duration).groupby(code_used)
    for k, (q, name) in enumerate(zip(percentiles, names, strict=True)):
        naive = by_group.quantile(float(q)).reindex(range(n))
        out[f"naive_{name}_s"] = naive.to_numpy(dtype=float)
        out[f"km_{name}_s"] = km[:, k]

    out["status"] = pd.Categorical(
        out["status"], categories=history.transitions["status"].cat.categories
    )
    for key in keys:
        if isinstance(groups[key].dtype, pd.CategoricalDtype):
            out[key] = pd.Categorical(out[key], categories=groups[key].cat.categories)
    out.attrs["as_of"] = e.as_of
    return out
