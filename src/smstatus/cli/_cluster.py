"""``--scheduler ADDRESS`` and ``--workers N``: run a command on a Dask cluster.

Given either, the command loads its inputs with :func:`smstatus.dask.load` and computes on
the cluster: on the scheduler at ``ADDRESS``, or on a cluster of ``N`` local worker processes
started for the run. The partitions are kept in the workers' memory (persisted) while the
command runs, so the rejects, the summaries and the tables are computed from one reading.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import IO, Any

from smstatus.cli._common import CliError, escaped_history, positive_int, report_unparsed
from smstatus.dask.history import DaskHistory
from smstatus.errors import SmStatusError

__all__ = [
    "REPORT_SAMPLE",
    "ClusterHistory",
    "add_cluster_arguments",
    "cluster",
    "load_on_cluster",
    "uses_cluster",
]

CONNECT_TIMEOUT_S = 10
"""How long to wait for the scheduler of ``--scheduler`` before giving up (exit 2)."""

REPORT_SAMPLE = 20_000
"""Jobs ``report`` draws its page from on a cluster (the first ones, in input order)."""


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """``--scheduler ADDRESS`` and ``--workers N``."""
    group = parser.add_argument_group("Dask engine (needs smstatus[dask])")
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786); the "
        "inputs are read by its workers, so they must reach them (shared paths, s3:// URLs)",
    )
    group.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="run on a Dask cluster of N local worker processes started for this run",
    )


def uses_cluster(args: argparse.Namespace) -> bool:
    """Whether the command was asked to run on a Dask cluster."""
    return (
        getattr(args, "scheduler", None) is not None or getattr(args, "workers", None) is not None
    )


@contextlib.contextmanager
def cluster(args: argparse.Namespace) -> Iterator[Any]:
    """A ``distributed.Client`` of ``--scheduler`` or ``--workers``, the scheduler of every
    computation inside the block; a scheduler that cannot be reached is a :class:`CliError`."""
    if args.scheduler is not None and args.workers is not None:
        raise CliError("give --scheduler ADDRESS or --workers N, not both")
    if not args.inputs:
        raise CliError("--scheduler/--workers need inputs the workers can read (files, s3://)")
    if "-" in args.inputs:
        raise CliError("standard input cannot be read on a cluster: name files or s3:// URLs")
    from smstatus.dask.dependency import import_optional

    dask = import_optional("dask")
    distributed = import_optional("distributed")
    with contextlib.ExitStack() as stack:
        try:
            if args.scheduler is not None:
                client = distributed.Client(
                    args.scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False
                )
            else:
                local = distributed.LocalCluster(
                    n_workers=args.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    host="127.0.0.1",
                )
                stack.enter_context(local)
                client = distributed.Client(local, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            where = args.scheduler or "a local cluster"
            raise CliError(f"cannot reach the Dask scheduler at {where}: {exc}") from exc
        stack.enter_context(client)
        stack.enter_context(dask.config.set(scheduler=client))
        yield client


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


def load_on_cluster(
    args: argparse.Namespace,
    client: Any,
    *,
    machine: Any = None,
    as_is: bool = False,
    stderr: IO[str] | None = None,
) -> ClusterHistory:
    """Load the inputs with the Dask engine into the cluster's memory; report the rejects on
    stderr as the in-memory path does (:class:`CliError` when nothing could be read)."""
    import smstatus.dask
    from smstatus.dask.dependency import import_optional

    stderr = stderr or sys.stderr
    try:
        loaded = smstatus.dask.load(
            args.inputs, errors="collect", naive_tz=args.tz, source=args.source, machine=machine
        )
    except ValueError as exc:
        if isinstance(exc, SmStatusError):
            raise
        raise CliError(str(exc)) from exc
    parts = loaded.to_delayed() if as_is else loaded.map_partitions(escaped_history)
    parts = client.persist(parts)
    counts = DaskHistory(parts).map_partitions(_count)
    per_part = import_optional("dask").compute(*counts)
    history = ClusterHistory(
        parts,
        _concat_rejects([rejects for _, rejects in per_part]),
        sum(n for n, _ in per_part),
    )
    report_unparsed(history, stream=stderr)
    if history.n_jobs == 0 and len(history.unparsed):
        raise CliError(f"no record could be read from {' '.join(args.inputs)}")
    return history


def _count(history: Any) -> tuple[int, Any]:
    return history.n_jobs, history.unparsed


def _concat_rejects(frames: list[Any]) -> Any:
    import pandas as pd

    from smstatus.history import JobHistory

    kept = [f for f in frames if len(f)]
    return pd.concat(kept, ignore_index=True) if kept else JobHistory.empty().unparsed
