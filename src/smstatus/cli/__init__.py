"""The ``smstatus`` command line: a thin layer over the public functions.

Each command lives in its own module (``smstatus.cli.<command>``) with a ``register`` function
that adds its sub-parser and sets ``run``; :func:`main` is testable without a subprocess.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from smstatus.cli._common import CliError
from smstatus.errors import SmStatusError

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: tuple[str, ...] = (
    "validate",
    "stats",
    "gantt",
    "report",
    "diagram",
    "fetch",
    "simulate",
    "convert",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    from smstatus import __version__

    parser = argparse.ArgumentParser(
        prog="smstatus",
        description="Validate, measure and plot SageMaker training-job status histories. "
        "Commands given no input use the bundled sample.",
    )
    parser.add_argument("--version", action="version", version=f"smstatus {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"smstatus.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 violations, 2 usage or input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.run(args))
    except CliError as exc:
        print(f"smstatus {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except SmStatusError as exc:
        print(f"smstatus {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
