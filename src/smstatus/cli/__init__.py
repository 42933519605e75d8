"""The ``smstatus`` command line: a thin layer over the public functions.

Each command lives in its own module (``smstatus.cli.<command>``) with a ``register`` function
that adds its sub-parser and sets ``run``; :func:`main` is testable without a subprocess.

Exit codes, the same for every command: 0 all good; 1 the data needs attention (``validate``: a
violation at or above ``--fail-on``; every command: an input record was rejected, what could be
read is still processed and written); 2 the command could not run (usage, nothing readable,
unwritable output). A closed standard output never changes the exit code, and no input, option
or fault ends in a traceback: every error is one line on stderr.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from smstatus.cli._common import CliError
from smstatus.cli._streams import guarded_streams
from smstatus.errors import SmStatusError
from smstatus.escaping import escape_control

__all__ = ["COMMANDS", "EXIT_INTERRUPTED", "build_parser", "main", "run_command_line"]

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

EXIT_INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT), as shells report it."""

TRACEBACK_VARIABLE = "SMSTATUS_TRACEBACK"
"""Set in the environment, an internal error raises its traceback instead of one line."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _VersionAction(argparse.Action):
    """``--version``: the installed version, read from the package metadata only when asked
    (importing :mod:`importlib.metadata` costs every other command some 30 ms)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings,
            dest=dest,
            default=argparse.SUPPRESS,
            nargs=0,
            help="show program's version number and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
        from importlib.metadata import version

        sys.stdout.write(f"smstatus {version('smstatus')}\n")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = _Parser(
        prog="smstatus",
        description="Validate, measure and plot SageMaker training-job status histories. "
        "Commands given no input use the bundled sample. Exit codes: 0 all good, 1 the data "
        "needs attention (violations, rejected records), 2 the command could not run.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"smstatus.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 needs attention, 2 could not run)."""
    with guarded_streams():
        return _run(argv)


def run_command_line() -> NoReturn:
    """The program ``smstatus`` (console script and ``python -m smstatus``): :func:`main` on the
    process's arguments, then exit with its code.

    Before the exit, the objects still alive are frozen out of the garbage collector
    (:func:`gc.freeze`): the interpreter's last collections then skip the hundreds of thousands
    of objects that pandas and pyarrow made at import, which took longer (0.1 to 0.3 s) than
    validating 100,000 jobs. Nothing else changes: the command has flushed its streams and
    closed (and renamed into place) its files, and exit handlers still run.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    command = f"smstatus {args.command}"
    try:
        return int(args.run(args))
    except CliError as exc:
        print(f"{command}: {escape_control(str(exc))}", file=sys.stderr)
        return exc.code
    except SmStatusError as exc:
        print(f"{command}: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{command}: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a fault of smstatus itself: still one line, never a traceback
        if os.environ.get(TRACEBACK_VARIABLE):
            raise
        print(
            f"{command}: internal error: {type(exc).__name__}: {_one_line(exc)} (a bug of "
            f"smstatus: please report it with the command line; {TRACEBACK_VARIABLE}=1 shows "
            "where it happened)",
            file=sys.stderr,
        )
        return 2


def _one_line(exc: BaseException) -> str:
    """The message on one line, its control characters escaped (it may quote input data)."""
    return escape_control(" ".join(str(exc).split()))
