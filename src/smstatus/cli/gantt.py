"""`smstatus gantt`: draw the histories as a Gantt chart to a PNG, SVG or PDF file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smstatus.cli._common import (
    CliError,
    add_input_arguments,
    add_machine_argument,
    check_folder,
    exit_status,
    load_inputs,
    load_machine,
    positive_int,
    save_figure,
    time_option,
)

IMAGE_FORMATS = ("png", "svg", "pdf")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `gantt` command."""
    parser = subparsers.add_parser(
        "gantt",
        help="draw the histories as a Gantt chart (PNG, SVG or PDF)",
        description="Draw one lane per job, one bar per status entry, coloured by status. "
        "Open entries (running jobs) are hatched up to when each job was observed (its "
        "observed_at), or up to --as-of.",
    )
    add_input_arguments(parser)
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the picture: FILE.png|svg|pdf"
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=200,
        metavar="N",
        help="draw at most N jobs (lanes): the latest N when --sort-by start, else the first N "
        "in --sort-by order (the longest); 'all' or 0 for every job (default: 200)",
    )
    parser.add_argument(
        "--align",
        choices=["absolute", "start", "training"],
        default="absolute",
        help="absolute: real dates; start: every job from 0; training: lined up at the start "
        "of Training (default: absolute)",
    )
    parser.add_argument(
        "--sort-by",
        default="start",
        metavar="start|wall|STATUS",
        help="lane order, top first: start (earliest), wall (longest wall time) or a status "
        "(longest time in it, e.g. Pending) (default: start)",
    )
    parser.add_argument(
        "--as-of",
        type=time_option("--as-of"),
        default=None,
        metavar="TIME",
        help="draw the open entries of every job up to TIME (default: each up to when its "
        "job was observed, its observed_at)",
    )
    add_machine_argument(parser)
    parser.add_argument(
        "--violations",
        action="store_true",
        help="validate the histories and mark their errors and warnings on the bars",
    )
    parser.add_argument(
        "--dpi", type=positive_int, default=150, help="resolution of a PNG (default: 150)"
    )
    parser.set_defaults(run=run)


def _jobs(value: str) -> int | None:
    if value.strip().lower() == "all":
        return None
    try:
        n = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected a number of jobs or 'all', got {value!r}"
        ) from exc
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more jobs, got {n}")
    return n or None


def image_format(path: str) -> str:
    """The image format named by a file's suffix (png, svg, pdf), or a CliError.

    The file's folder must exist: checked now, before any input is read.
    """
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in IMAGE_FORMATS:
        raise CliError(
            f"cannot tell the picture format of {path!r}: name the file .png, .svg or .pdf"
        )
    check_folder(path)
    return fmt


def run(args: argparse.Namespace) -> int:
    """Run `gantt`."""
    from matplotlib.figure import Figure

    from smstatus.plotting.gantt import gantt_figsize, plot_gantt

    fmt = image_format(args.output)
    machine = load_machine(args.machine)
    history = load_inputs(args, machine=machine)
    if history.n_jobs == 0:
        raise CliError("no job to draw")
    violations = None
    if args.violations:
        from smstatus.validation.checks import validate

        violations = validate(history, machine=machine)
    n_lanes = history.n_jobs if args.jobs is None else min(args.jobs, history.n_jobs)
    fig = Figure(figsize=gantt_figsize(n_lanes), layout="constrained")
    ax = fig.add_subplot()
    try:
        plot_gantt(
            history,
            ax=ax,
            max_jobs=args.jobs,
            align=args.align,
            sort_by=args.sort_by,
            as_of=args.as_of,
            machine=machine,
            violations=violations,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    save_figure(fig, args.output, fmt=fmt, dpi=args.dpi)
    print(f"wrote {args.output} ({ax.get_title(loc='left')})", file=sys.stderr)
    return exit_status(history)
