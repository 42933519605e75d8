"""What every command shares: input arguments, loading, output formats."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

import pandas as pd

__all__ = [
    "FORMATS",
    "CliError",
    "add_format_argument",
    "add_input_arguments",
    "emit_frame",
    "load_inputs",
    "report_unparsed",
]

FORMATS = ("text", "json", "csv")


class CliError(Exception):
    """A usage or input problem; ``code`` is the exit code (2 unless said)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def add_input_arguments(parser: argparse.ArgumentParser, *, nargs: str = "*") -> None:
    """``INPUT...`` (files, directories, globs, ``-``), ``--source`` and ``--tz``."""
    parser.add_argument(
        "inputs",
        nargs=nargs,
        metavar="INPUT",
        help="files, directories, globs or - (stdin); none: the bundled sample",
    )
    parser.add_argument(
        "--source",
        default="auto",
        choices=["auto", "describe", "events", "sdk-log", "table"],
        help="what the inputs hold (default: detected from the content)",
    )
    parser.add_argument(
        "--tz",
        default="UTC",
        metavar="ZONE",
        help="zone of timestamps printed without one, as in SDK logs (default: UTC)",
    )


def add_format_argument(parser: argparse.ArgumentParser, default: str = "text") -> None:
    """``--format text|json|csv``."""
    parser.add_argument(
        "--format", choices=FORMATS, default=default, help=f"output format (default: {default})"
    )


PROGRESS_MIN_BYTES = 32 * 1024 * 1024
"""Inputs at least this big get a progress bar while they load (on a terminal, with tqdm)."""


def load_inputs(args: argparse.Namespace, *, stderr: IO[str] | None = None) -> Any:
    """Load the inputs of a command (the bundled sample when none), collecting bad records.

    Unparsed records are reported on stderr; a :class:`CliError` (exit 2) is raised when
    nothing at all could be read. Big inputs show a progress bar on a terminal when tqdm (the
    ``progress`` extra) is installed.
    """
    from smstatus.io import expand_inputs, load

    stderr = stderr or sys.stderr
    if not args.inputs:
        from smstatus.sample import load_sample

        return load_sample()
    files = expand_inputs(args.inputs)
    total = sum(f.size or 0 for f in files)
    with _byte_progress(total, stderr) as progress:
        history = load(
            files,
            source=args.source,
            errors="collect",
            naive_tz=args.tz,
            progress=progress,
        )
    report_unparsed(history, stream=stderr)
    if history.n_jobs == 0 and len(history.unparsed):
        raise CliError(f"no record could be read from {' '.join(args.inputs)}")
    return history


@contextmanager
def _byte_progress(total: int, stream: IO[str]) -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar of bytes loaded, for big inputs on a terminal; ``None`` otherwise."""
    if total < PROGRESS_MIN_BYTES or not getattr(stream, "isatty", lambda: False)():
        yield None
        return
    try:
        from tqdm import tqdm
    except ImportError:
        yield None
        return
    with tqdm(
        total=total, unit="B", unit_scale=True, desc="loading", file=stream, leave=False
    ) as bar:
        yield bar.update


def report_unparsed(history: Any, *, stream: IO[str], limit: int = 20) -> None:
    """Print the records that could not be loaded: ``file:line: reason``."""
    bad = history.unparsed
    if not len(bad):
        return
    print(f"{len(bad)} record(s) could not be loaded:", file=stream)
    for row in bad.head(limit).itertuples(index=False):
        where = row.file if pd.isna(row.line) else f"{row.file}:{row.line}"
        print(f"  {where}: {row.reason}", file=stream)
    if len(bad) > limit:
        print(f"  ... and {len(bad) - limit} more (use --format json for all)", file=stream)


def emit_frame(
    frame: pd.DataFrame, fmt: str, *, stream: IO[str] | None = None, index: bool = False
) -> None:
    """Print a frame as an aligned text table, JSON records or CSV."""
    stream = stream or sys.stdout
    if fmt == "csv":
        frame.to_csv(stream, index=index)
    elif fmt == "json":
        out = frame.reset_index() if index else frame
        json.dump(json.loads(out.to_json(orient="records", date_format="iso")), stream, indent=2)
        stream.write("\n")
    else:
        with pd.option_context(
            "display.width", 200, "display.max_columns", 50, "display.max_colwidth", 80
        ):
            stream.write(frame.to_string(index=index) + "\n")
