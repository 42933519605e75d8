"""``--scheduler ADDRESS`` and ``--workers N``: run a command on a Dask cluster.

Given either, the command loads its inputs with :func:`smstatus.dask.load` and computes on
the cluster: on the scheduler at ``ADDRESS``, or on a cluster of ``N`` local worker processes
started for the run. Nothing is kept in the workers' memory between computations, and each
partition's result leaves the cluster as soon as it is done, so a worker's memory follows the
size of a partition, not of the fleet. ``validate`` reads the inputs once (rejects, verdicts
and violations in one pass), and so does ``stats`` (every fleet table, the counts and the
rejects: :func:`smstatus.dask.summarize`).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from smstatus.cli._common import (
    CliError,
    escaped_history,
    load_inputs,
    positive_int,
    report_unparsed,
)
from smstatus.errors import ClusterConnectionError, SmStatusError

if TYPE_CHECKING:
    from smstatus.cli._cluster_history import ClusterHistory

__all__ = [
    "REPORT_SAMPLE",
    "add_cluster_arguments",
    "cluster",
    "convert_on_cluster",
    "load_history",
    "load_on_cluster",
    "report_rejects",
    "uses_cluster",
    "validate_history",
    "with_cluster",
]

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
    from smstatus.dask.cluster import connect

    try:
        with connect(scheduler=args.scheduler, workers=args.workers) as client:
            yield client
    except ClusterConnectionError as exc:
        raise CliError(str(exc)) from exc


def load_on_cluster(
    args: argparse.Namespace,
    *,
    machine: Any = None,
    as_is: bool = False,
    stderr: IO[str] | None = None,
    exclude: tuple[str, ...] = (),
    rejects_later: bool = False,
) -> ClusterHistory:
    """The inputs as partitions the cluster's workers read, nothing kept in their memory (a
    worker holds the partitions it is working on, so its memory follows the partition size,
    not the fleet). The rejects are listed on stderr as the in-memory path does (a
    :class:`CliError` when nothing could be read), after a pass that counts them, unless
    ``rejects_later``: the command then finds them in its own pass and calls
    :func:`report_rejects`. ``exclude`` names local files and folders a directory's walk
    leaves out (a command's own output)."""
    import smstatus.dask
    from smstatus.cli._cluster_history import ClusterHistory

    try:
        loaded = smstatus.dask.load(
            _inputs(args.inputs, exclude),
            errors="collect",
            naive_tz=args.tz,
            source=args.source,
            machine=machine,
        )
    except ValueError as exc:
        if isinstance(exc, SmStatusError):
            raise
        raise CliError(str(exc)) from exc
    parts = loaded.to_delayed() if as_is else loaded.map_partitions(escaped_history)
    history = ClusterHistory(parts)
    if not rejects_later:
        report_rejects(args, history, stderr=stderr)
    return history


def report_rejects(
    args: argparse.Namespace, history: ClusterHistory, *, stderr: IO[str] | None = None
) -> None:
    """List the rejects of a history loaded on the cluster on stderr; a :class:`CliError` when
    no record could be read."""
    report_unparsed(history, stream=stderr or sys.stderr)
    if history.n_jobs == 0 and len(history.unparsed):
        raise CliError(f"no record could be read from {' '.join(args.inputs)}")


def validate_history(
    args: argparse.Namespace, history: Any, *, stderr: IO[str] | None = None, **options: Any
) -> Any:
    """``validate(history, **options)``; on a cluster in one pass over the inputs that also
    finds the rejects (listed on stderr) and gathers the violations."""
    from smstatus.validation.checks import validate

    if getattr(args, "dask_client", None) is None:
        return validate(history, **options)
    from smstatus.dask.verdicts import validate as validate_partitions

    report = validate_partitions(
        history.to_delayed(), validate, options, wrap=type(history), gather=True
    )
    history.remember(report.n_jobs, report.unparsed)
    report_rejects(args, history, stderr=stderr)
    return report


def _inputs(inputs: list[str], exclude: tuple[str, ...]) -> list[str]:
    """The inputs, local folders walked without ``exclude`` when there is one."""
    if not exclude:
        return inputs
    from smstatus.io import expand_inputs

    out: list[str] = []
    for text in inputs:
        if "://" in text:
            out.append(text)
        else:
            out.extend(f.name for f in expand_inputs(text, exclude=exclude))
    return out


def with_cluster(run: Callable[..., int]) -> Callable[..., int]:
    """``run`` of a command, on the cluster of ``--scheduler``/``--workers`` when given: the
    client is ``args.dask_client`` while it runs (``None`` in memory)."""

    @functools.wraps(run)
    def call(args: argparse.Namespace, **kwargs: Any) -> int:
        if not uses_cluster(args):
            args.dask_client = None
            return run(args, **kwargs)
        with cluster(args) as client:
            args.dask_client = client
            return run(args, **kwargs)

    return call


def load_history(args: argparse.Namespace, **options: Any) -> Any:
    """The inputs of a command: loaded in memory by
    :func:`~smstatus.cli._common.load_inputs`, or on the command's cluster (``options`` are
    those of :func:`load_on_cluster` there)."""
    client = getattr(args, "dask_client", None)
    if client is None:
        options.pop("rejects_later", None)
        return load_inputs(args, **options)
    keep = ("machine", "as_is", "stderr", "exclude", "rejects_later")
    return load_on_cluster(args, **{k: v for k, v in options.items() if k in keep})


def sample_for_report(args: argparse.Namespace, history: Any) -> Any:
    """A history loaded on a cluster, cut to the first :data:`REPORT_SAMPLE` jobs in memory for
    ``report`` (with every reject of the whole), its title and stderr saying so; an in-memory
    history as it is."""
    if getattr(args, "dask_client", None) is None:
        return history
    if history.n_jobs <= REPORT_SAMPLE:
        return _whole(history)
    from smstatus.history import JobHistory

    head = history.head(REPORT_SAMPLE)
    note = f"a sample of the first {head.n_jobs:,} of {history.n_jobs:,} jobs"
    print(f"smstatus report: the page shows {note} (figures and tables)", file=sys.stderr)
    args.title = f"{args.title} ({note})"
    return JobHistory(head.jobs, head.transitions, unparsed=history.unparsed, check=False)


def _whole(history: ClusterHistory) -> Any:
    from smstatus.history import JobHistory

    whole = history.compute()
    return JobHistory(whole.jobs, whole.transitions, unparsed=history.unparsed, check=False)


def convert_on_cluster(args: argparse.Namespace) -> int:
    """``convert`` on a cluster: the inputs as a partitioned Parquet dataset in the folder
    ``-o`` (see :mod:`smstatus.dask.dataset`)."""
    from smstatus.cli._common import check_folder
    from smstatus.dask.dataset import write_dataset

    if args.output == "-" or args.jobs_out is not None:
        raise CliError(
            "on a cluster, convert writes a dataset folder (-o FOLDER): no '-o -' or --jobs-out"
        )
    name = args.output.rstrip("/").lower()
    if name.endswith((".csv", ".csv.gz", ".gz", ".json", ".jsonl")):
        raise CliError(
            f"on a cluster, convert writes a folder of Parquet parts, not the file {args.output}: "
            "give a folder (-o dataset/), or run without --scheduler/--workers for one file"
        )
    check_folder(args.output.rstrip("/") or args.output)
    history = load_history(args, machine=_machine(args), as_is=True)
    try:
        summary = write_dataset(history, args.output)
    except OSError as exc:
        raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    print(
        f"wrote {summary.n_entries} entries of {summary.n_jobs} jobs to the dataset "
        f"{args.output} ({summary.parts} part pair{'' if summary.parts == 1 else 's'})",
        file=sys.stderr,
    )
    return 1 if len(history.unparsed) else 0


def _machine(args: argparse.Namespace) -> Any:
    from smstatus.cli._common import load_machine

    return load_machine(getattr(args, "machine", None))
