"""The history a command loaded on a cluster (imported only when a command runs on one)."""

from __future__ import annotations

from typing import Any

from smstatus.dask.history import DaskHistory

__all__ = ["ClusterHistory"]


class ClusterHistory(DaskHistory):
    """A :class:`DaskHistory` kept in the cluster's memory, with what every command prints
    about it computed once: the rejects (``unparsed``, a pandas frame) and the job count."""

    __slots__ = ("_rejects", "n_jobs")

    def __init__(self, partitions: list[Any], unparsed: Any, n_jobs: int) -> None:
        super().__init__(partitions)
        self._rejects = unparsed
        self.n_jobs = n_jobs

    @property
    def unparsed(self) -> Any:
        """The input records that could not be loaded, as a pandas frame."""
        return self._rejects
