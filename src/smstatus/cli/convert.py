"""`smstatus convert`: any input to the tidy table, as CSV or Parquet."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from smstatus.atomicfile import atomic_named_path
from smstatus.cli._cluster import (
    add_cluster_arguments,
    convert_on_cluster,
    uses_cluster,
    with_cluster,
)
from smstatus.cli._common import (
    CliError,
    add_input_arguments,
    add_machine_argument,
    check_folder,
    exit_status,
    load_inputs,
    load_machine,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `convert` command."""
    parser = subparsers.add_parser(
        "convert",
        help="write the transitions and jobs of any input as CSV or Parquet tables",
        description="Load describe responses, EventBridge events, SDK logs or tables and write "
        "the transitions frame as a tidy table (the format follows the suffix: .csv, .csv.gz, "
        ".parquet; '-o -' writes CSV to stdout), and the jobs frame beside it as OUT.jobs.csv "
        "(or .jobs.parquet), where every command finds it when it reads OUT. Records that "
        "cannot be read are reported on stderr, the rest is written, and the exit code is 1. "
        "The data is written as it is: text such as job names and status messages is not "
        "escaped or altered (control characters, or cells starting with = + - @ stay as they "
        "were; open the CSV in a spreadsheet with care). Each file is written whole or not at "
        "all (a temporary renamed into place). Given no input, converts the bundled sample.",
    )
    add_input_arguments(parser)
    add_machine_argument(parser)
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="the transitions table: OUT.csv, OUT.csv.gz, OUT.parquet, or - for CSV on stdout; "
        "with --scheduler/--workers, a folder for a Parquet dataset (part-NNNNN.parquet and "
        "part-NNNNN.jobs.parquet pairs)",
    )
    parser.add_argument(
        "--jobs-out",
        metavar="FILE",
        help="write the jobs frame there instead of beside OUT (default: OUT.jobs.csv, or "
        ".jobs.parquet..., which every command reads with OUT; none with '-o -')",
    )
    add_cluster_arguments(parser)
    parser.set_defaults(run=with_cluster(run))


def run(args: argparse.Namespace) -> int:
    """Run `convert`: exit 0 when written, 1 when some record was rejected, 2 when the input
    cannot be read or the output written."""
    from smstatus.io.table import TABLE_SUFFIXES, jobs_sibling, write_table

    if uses_cluster(args):
        return convert_on_cluster(args)
    for target in (args.output, args.jobs_out):
        if target is None or target == "-":
            continue
        if not target.lower().endswith(TABLE_SUFFIXES):
            raise CliError(
                f"cannot tell the table format of {target!r}: name it with one of "
                f"{', '.join(TABLE_SUFFIXES)}"
            )
    if args.jobs_out == "-":
        raise CliError("--jobs-out needs a file name (stdout carries the transitions)")
    jobs_out = args.jobs_out
    if jobs_out is None and args.output != "-":
        jobs_out = str(jobs_sibling(args.output))
    if jobs_out is not None and Path(jobs_out).resolve() == Path(args.output).resolve():
        raise CliError(f"cannot write the jobs table over the transitions table {args.output!r}")
    for target in (args.output, jobs_out):
        if target is not None and target != "-":
            check_folder(target)
    history = load_inputs(args, machine=load_machine(args.machine), as_is=True)
    try:
        if args.output == "-":
            write_table(history, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with contextlib.ExitStack() as stack:
                out = stack.enter_context(atomic_named_path(args.output))
                jobs = (
                    None if jobs_out is None else stack.enter_context(atomic_named_path(jobs_out))
                )
                write_table(history, out, jobs_path=jobs)
    except OSError as exc:
        where = exc.filename or (args.output if args.output != "-" else "standard output")
        raise CliError(f"cannot write {where}: {exc.strerror or exc}") from exc
    if jobs_out is None:
        print(
            "smstatus convert: the jobs table is not written with '-o -' (job-level facts such "
            "as TrainingJobStatus are left out); add --jobs-out FILE to keep them",
            file=sys.stderr,
        )
    else:
        where = "standard output" if args.output == "-" else args.output
        print(
            f"wrote {len(history.transitions)} entries of {history.n_jobs} jobs to {where} and "
            f"the jobs table to {jobs_out}",
            file=sys.stderr,
        )
    return exit_status(history)
