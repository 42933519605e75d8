"""`smstatus validate`."""

from __future__ import annotations

import argparse

from smstatus.cli._common import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `validate` command."""
    parser = subparsers.add_parser("validate", help="(being built)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `validate`."""
    raise CliError("validate is not built yet")
