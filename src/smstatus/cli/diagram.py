"""`smstatus diagram`."""

from __future__ import annotations

import argparse

from smstatus.cli._common import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `diagram` command."""
    parser = subparsers.add_parser("diagram", help="(being built)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `diagram`."""
    raise CliError("diagram is not built yet")
