"""A partitioned Parquet dataset: a folder of table pairs, one pair per partition of jobs.

``FOLDER/part-00000.parquet`` holds the transitions of a partition's jobs and
``FOLDER/part-00000.jobs.parquet`` its jobs, the same pair :func:`smstatus.io.write_table`
writes for one table: so :func:`smstatus.load` reads the folder as it reads any folder of
tables (each pair whole, in order), and :func:`smstatus.dask.load` reads one pair per
partition. A partition without jobs writes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from smstatus.atomicfile import atomic_folder
from smstatus.dask.dependency import import_optional
from smstatus.dask.history import DaskHistory
from smstatus.history import JobHistory

__all__ = ["DatasetSummary", "write_dataset"]


@dataclass(frozen=True)
class DatasetSummary:
    """What :func:`write_dataset` wrote: the folder, its part pairs, jobs and entries, and the
    rejects of the history (which are reported, never written)."""

    path: Path
    parts: int
    n_jobs: int
    n_entries: int
    unparsed: pd.DataFrame


def write_dataset(history: DaskHistory, path: str | os.PathLike[str]) -> DatasetSummary:
    """Write a partitioned history as a Parquet dataset folder, whole or not at all.

    The workers write the parts into a temporary folder beside ``path`` (so ``path`` must be
    on a file system they share with the caller), which then takes ``path``'s place; a killed
    run leaves the previous folder or none.

    Examples
    --------
    >>> import smstatus, smstatus.dask, tempfile, pathlib
    >>> h = smstatus.dask.from_history(smstatus.load_sample(), 3)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "fleet"
    >>> write_dataset(h, out).parts, smstatus.load(out).n_jobs
    (3, 4000)
    """
    dask = import_optional("dask")
    delayed = dask.delayed
    width = max(5, len(str(history.npartitions)))
    with atomic_folder(path) as temp:
        tasks = [
            delayed(_write_part, pure=False)(part, str(temp / f"part-{i:0{width}d}.parquet"))
            for i, part in enumerate(history.to_delayed())
        ]
        written = dask.compute(*tasks)
    rejects = [r for _, _, r in written if len(r)]
    return DatasetSummary(
        Path(path),
        sum(1 for n, _, _ in written if n),
        sum(n for n, _, _ in written),
        sum(e for _, e, _ in written),
        pd.concat(rejects, ignore_index=True) if rejects else JobHistory.empty().unparsed,
    )


def _write_part(history: JobHistory, path: str) -> tuple[int, int, Any]:
    """Write one partition's pair (nothing when it holds no job); its counts and rejects."""
    from smstatus.io.table import jobs_sibling, write_table

    if history.n_jobs:
        write_table(history, path, jobs_path=jobs_sibling(path))
    return history.n_jobs, len(history.transitions), history.unparsed
