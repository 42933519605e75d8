"""`smstatus fetch`."""

from __future__ import annotations

import argparse

from smstatus.cli._common import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `fetch` command."""
    parser = subparsers.add_parser("fetch", help="(being built)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `fetch`."""
    raise CliError("fetch is not built yet")
