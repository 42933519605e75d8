"""The history a command loaded on a cluster (imported only when a command runs on one)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from smstatus.dask.history import DaskHistory

__all__ = ["ClusterHistory"]


def _facts_of(history: Any) -> tuple[int, pd.DataFrame, int]:
    return history.n_jobs, history.unparsed, len(history.transitions)


class ClusterHistory(DaskHistory):
    """A :class:`DaskHistory` read by the cluster's workers, with what every command prints
    about it (the rejects, as a pandas frame, and the job count) computed once: by a pass of
    its own when first asked, or remembered from a pass that computed them along the way."""

    __slots__ = ("_entries", "_facts")

    def __init__(self, partitions: list[Any]) -> None:
        super().__init__(partitions)
        self._facts: tuple[int, pd.DataFrame] | None = None
        self._entries: int | None = None

    def remember(
        self, n_jobs: int, unparsed: pd.DataFrame, *, n_entries: int | None = None
    ) -> None:
        """Keep the job count, rejects (and entry count) a pass over the partitions found."""
        self._facts = (n_jobs, unparsed)
        self._entries = n_entries

    def _known(self) -> tuple[int, pd.DataFrame]:
        if self._facts is None:
            from smstatus.dask.results import gather_results
            from smstatus.history import JobHistory

            per_part = gather_results(self.map_partitions(_facts_of))
            rejects = [frame for _, frame, _ in per_part if len(frame)]
            self._facts = (
                sum(n for n, _, _ in per_part),
                pd.concat(rejects, ignore_index=True) if rejects else JobHistory.empty().unparsed,
            )
            self._entries = sum(n for _, _, n in per_part)
        return self._facts

    @property
    def n_entries(self) -> int:
        """Status entries loaded (computed on first use)."""
        if self._entries is None:
            self._facts = None  # a pass remembered without the entries: count them too
        self._known()
        return int(self._entries or 0)

    @property
    def n_jobs(self) -> int:
        """Jobs loaded (computed on first use)."""
        return self._known()[0]

    @property
    def unparsed(self) -> pd.DataFrame:
        """The input records that could not be loaded, as a pandas frame."""
        return self._known()[1]
