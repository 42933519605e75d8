"""`smstatus convert`."""

from __future__ import annotations

import argparse

from smstatus.cli._common import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `convert` command."""
    parser = subparsers.add_parser("convert", help="(being built)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `convert`."""
    raise CliError("convert is not built yet")
