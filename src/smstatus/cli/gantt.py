"""`smstatus gantt`."""

from __future__ import annotations

import argparse

from smstatus.cli._common import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `gantt` command."""
    parser = subparsers.add_parser("gantt", help="(being built)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `gantt`."""
    raise CliError("gantt is not built yet")
