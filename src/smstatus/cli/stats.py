"""`smstatus stats`."""

from __future__ import annotations

import argparse

from smstatus.cli._common import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `stats` command."""
    parser = subparsers.add_parser("stats", help="(being built)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `stats`."""
    raise CliError("stats is not built yet")
