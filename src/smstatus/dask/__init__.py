"""The Dask engine: histories too big for one machine, kept as partitions of whole jobs.

A :class:`DaskHistory` is a list of partitions, each an in-memory
:class:`~smstatus.history.JobHistory` built on a Dask worker; a job never straddles two
partitions, so per-job work runs partition by partition without a shuffle and fleet figures are
merged from per-partition reductions. The public functions of smstatus that take a history
(:func:`smstatus.validate`, :func:`smstatus.durations`, ...) accept a :class:`DaskHistory` as they
accept an in-memory one.

Needs the optional packages ``dask`` and ``distributed``: ``pip install 'smstatus[dask]'``.
"""

from smstatus.dask.cluster import connect
from smstatus.dask.dataset import DatasetSummary, write_dataset
from smstatus.dask.history import DaskHistory, from_history
from smstatus.dask.readers import load
from smstatus.dask.summaries import FleetSummary, summarize

__all__ = [
    "DaskHistory",
    "DatasetSummary",
    "FleetSummary",
    "connect",
    "from_history",
    "load",
    "summarize",
    "write_dataset",
]
