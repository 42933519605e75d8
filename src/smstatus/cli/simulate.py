"""`smstatus simulate`."""

from __future__ import annotations

import argparse

from smstatus.cli._common import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `simulate` command."""
    parser = subparsers.add_parser("simulate", help="(being built)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `simulate`."""
    raise CliError("simulate is not built yet")
