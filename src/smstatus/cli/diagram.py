"""`smstatus diagram`: the machine of legal edges as mermaid text or a picture."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smstatus.cli._common import (
    CliError,
    add_input_arguments,
    check_folder,
    exit_status,
    load_machine,
    positive_int,
    save_figure,
)

DIAGRAM_FORMATS = ("mermaid", "png", "svg")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `diagram` command."""
    parser = subparsers.add_parser(
        "diagram",
        help="draw the machine of legal edges (mermaid text, PNG or SVG)",
        description="Print the machine as mermaid stateDiagram text, or draw it to a PNG/SVG "
        "file; given inputs, the picture labels each edge with how often the data takes it "
        "and the median time before, and draws edges missing from the machine in red.",
    )
    add_input_arguments(parser)
    parser.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE",
        help="write to FILE (default: mermaid text to stdout)",
    )
    parser.add_argument(
        "--format",
        choices=DIAGRAM_FORMATS,
        default=None,
        help="mermaid, png or svg (default: from the -o suffix, else mermaid)",
    )
    parser.add_argument(
        "--machine",
        default=None,
        metavar="FILE",
        help="a machine JSON file that extends or replaces the default table",
    )
    parser.add_argument(
        "--dpi", type=positive_int, default=150, help="resolution of a PNG (default: 150)"
    )
    parser.set_defaults(run=run)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output:
        suffix = Path(args.output).suffix.lower().lstrip(".")
        if suffix in ("png", "svg"):
            return suffix
        if suffix not in ("mmd", "mermaid", "md", "txt", ""):
            raise CliError(
                f"cannot tell the format of {args.output!r}: name it .png, .svg or .mmd, "
                "or pass --format"
            )
    return "mermaid"


def run(args: argparse.Namespace) -> int:
    """Run `diagram`."""
    from smstatus.atomicfile import write_text_atomic
    from smstatus.machine import default_machine

    fmt = _format(args)
    if args.output:
        check_folder(args.output)
    machine = load_machine(args.machine) or default_machine()
    if fmt == "mermaid":
        if args.inputs:
            print(
                "smstatus diagram: mermaid text shows the machine only; use --format png|svg "
                "to see the data's counts on the edges",
                file=sys.stderr,
            )
        text = machine.to_mermaid()
        if args.output:
            try:
                write_text_atomic(args.output, text)
            except OSError as exc:
                raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
        else:
            sys.stdout.write(text)
        return 0

    if not args.output:
        raise CliError(f"--format {fmt} needs -o FILE")
    from matplotlib.figure import Figure

    from smstatus.plotting.machine import plot_machine

    history = None
    if args.inputs:
        from smstatus.cli._common import load_inputs

        history = load_inputs(args, machine=machine)
    fig = Figure(figsize=(14, 8.5), layout="constrained")
    ax = fig.add_subplot()
    plot_machine(machine, history=history, ax=ax)
    save_figure(fig, args.output, fmt=fmt, dpi=args.dpi)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0 if history is None else exit_status(history)
