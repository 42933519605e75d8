"""`smstatus convert`: any input to the tidy table, as CSV or Parquet."""

from __future__ import annotations

import argparse
import sys

from smstatus.cli._common import CliError, add_input_arguments, load_inputs


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `convert` command."""
    parser = subparsers.add_parser(
        "convert",
        help="write the transitions (and jobs) of any input as a CSV or Parquet table",
        description="Load describe responses, EventBridge events, SDK logs or tables and write "
        "the transitions frame as a tidy table (the format follows the suffix: .csv, .csv.gz, "
        ".parquet; '-o -' writes CSV to stdout). Records that cannot be read are reported on "
        "stderr and the rest is written. Given no input, converts the bundled sample.",
    )
    add_input_arguments(parser)
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="the transitions table: OUT.csv, OUT.csv.gz, OUT.parquet, or - for CSV on stdout",
    )
    parser.add_argument(
        "--jobs-out",
        metavar="FILE",
        help="also write the jobs frame there; name it OUT.jobs.csv (or .parquet) next to OUT "
        "and every command reads it with the table",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `convert`: exit 0 when written, 2 when the input cannot be read or written."""
    from smstatus.io.table import TABLE_SUFFIXES, write_table

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
    history = load_inputs(args)
    output = sys.stdout.buffer if args.output == "-" else args.output
    try:
        write_table(history, output, jobs_path=args.jobs_out)
    except OSError as exc:
        raise CliError(f"cannot write {exc.filename or args.output}: {exc.strerror}") from exc
    if args.output != "-":
        jobs = f" and {history.n_jobs} jobs to {args.jobs_out}" if args.jobs_out else ""
        print(
            f"wrote {len(history.transitions)} entries of {history.n_jobs} jobs to "
            f"{args.output}{jobs}",
            file=sys.stderr,
        )
    return 0
