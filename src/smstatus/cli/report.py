"""`smstatus report`: the whole picture of a fleet as one self-contained HTML page."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from smstatus.cli._cluster import (
    add_cluster_arguments,
    load_history,
    sample_for_report,
    with_cluster,
)
from smstatus.cli._common import (
    CliError,
    add_input_arguments,
    add_machine_argument,
    check_folder,
    exit_status,
    load_machine,
    time_option,
    warnings_as_lines,
)

REPORT_STEPS = 8
FRAME_FORMATS = ("csv", "parquet")
"""The choices of ``--frames-format`` (:data:`smstatus.report.frames.FRAME_FORMATS`; not
imported from there, so that ``smstatus --help`` stays fast)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` command."""
    parser = subparsers.add_parser(
        "report",
        help="write one self-contained HTML page (and the frames as CSV) about the jobs",
        description="Validate, measure and plot the inputs (the bundled sample when none) into "
        "DIR/index.html, with every frame as CSV (or Parquet) beside it.",
    )
    add_input_arguments(parser)
    parser.add_argument(
        "-o",
        "--out",
        required=True,
        metavar="DIR",
        help="folder to write (created when missing; its parent folder must exist)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="edges that rest only on inference are errors"
    )
    add_machine_argument(parser)
    parser.add_argument(
        "--as-of",
        type=time_option("--as-of"),
        metavar="TIME",
        help="measure the open entries of every job up to TIME (default: each up to when its "
        "job was observed, its observed_at)",
    )
    parser.add_argument(
        "--frames-format",
        choices=FRAME_FORMATS,
        default="csv",
        help="how the frames beside the page are written: csv (default; ISO-8601 UTC times, "
        "text cells safe to open in a spreadsheet) or parquet (every dtype kept)",
    )
    parser.add_argument("--title", default="SageMaker training jobs: status report")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_cluster_arguments(parser)
    parser.set_defaults(run=with_cluster(run))


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Callable[[str], None]]:
    """A tqdm bar on stderr when tqdm is installed and wanted; plain lines otherwise."""
    if not enabled:
        yield lambda _name: None
        return
    try:
        from tqdm import tqdm
    except ImportError:
        yield lambda name: print(f"smstatus report: {name}…", file=sys.stderr)
        return
    bar = tqdm(total=total, desc="report", unit="step", file=sys.stderr, leave=False)

    def advance(name: str) -> None:
        bar.set_description(name)
        bar.update(1)

    try:
        yield advance
    finally:
        bar.close()


def run(args: argparse.Namespace) -> int:
    """Run ``report`` (each warning said once, at the end)."""
    with warnings_as_lines(sys.stderr):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from smstatus.report.page import build_report

    _check_out_dir(args.out)
    machine = load_machine(args.machine)
    show = not args.no_progress and sys.stderr.isatty()
    with _progress(show, REPORT_STEPS + 1) as step:
        step("loading")
        history = load_history(args, machine=machine, exclude=(args.out,))  # not its own files
        history = sample_for_report(args, history)
        if history.n_jobs == 0:
            raise CliError("the inputs hold no job")
        try:
            result = build_report(
                history,
                args.out,
                machine=machine,
                strict=args.strict,
                as_of=args.as_of,
                title=args.title,
                progress=step,
                frames_format=args.frames_format,
            )
        except OSError as exc:
            # the target the user named, never the temporary the report is built in
            raise CliError(f"cannot write the report to {args.out}: {exc.strerror or exc}") from exc
    print(
        f"wrote {result.path} ({history.n_jobs:,} jobs) and {len(result.frames)} "
        f"{args.frames_format.upper() if args.frames_format == 'csv' else 'Parquet'} frames "
        "beside it",
        file=sys.stderr,
    )
    return exit_status(history)


def _check_out_dir(out: str) -> None:
    """A CliError, before any input is read, when the report's folder cannot be written."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise CliError(f"cannot write the report to {out}: it is a file, not a folder")
    if path.is_dir():
        if not os.access(path, os.W_OK):
            raise CliError(f"cannot write the report to {out}: the folder is not writable")
        return
    check_folder(out)
