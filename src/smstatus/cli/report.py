"""`smstatus report`."""

from __future__ import annotations

import argparse

from smstatus.cli._common import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `report` command."""
    parser = subparsers.add_parser("report", help="(being built)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `report`."""
    raise CliError("report is not built yet")
