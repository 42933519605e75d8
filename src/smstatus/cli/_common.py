"""What every command shares: input arguments, loading, option values, output formats."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pandas as pd

from smstatus.escaping import escape_control
from smstatus.spans import parse_span

__all__ = [
    "FORMATS",
    "CliError",
    "add_format_argument",
    "add_input_arguments",
    "add_machine_argument",
    "check_folder",
    "columns",
    "emit_frame",
    "escaped_history",
    "exit_status",
    "load_inputs",
    "load_machine",
    "parse_span",
    "positive_int",
    "report_unparsed",
    "save_figure",
    "time_option",
    "warnings_as_lines",
    "zone",
]

FORMATS = ("text", "json", "csv")


class CliError(Exception):
    """A usage or input problem; ``code`` is the exit code (2 unless said)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


# -- option values ----------------------------------------------------------------------------


def time_option(option: str) -> Callable[[str], pd.Timestamp]:
    """An argparse ``type`` reading a time (ISO-8601 or epoch) into a UTC Timestamp."""

    def parse(text: str) -> pd.Timestamp:
        from smstatus.timestamps import parse_timestamp

        try:
            return parse_timestamp(text, field=option)
        except (ValueError, TypeError, OverflowError):
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a time; write ISO-8601 (2024-03-01, 2024-03-01T12:00:00Z) "
                "or epoch seconds"
            ) from None

    return parse


def zone(text: str) -> str:
    """An argparse ``type``: a time zone pandas knows (``UTC``, ``Europe/Berlin``, ``+02:00``)."""
    try:
        pd.Timestamp("2020-01-01").tz_localize(text)
    except (LookupError, ValueError, TypeError, OSError, AttributeError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time zone; write an IANA name such as UTC or Europe/Berlin, or "
            "an offset such as +02:00"
        ) from None
    return text


def columns(text: str) -> list[str]:
    """An argparse ``type`` for ``action="extend"``: ``a,b`` -> ``["a", "b"]``.

    One value per option, so an option never takes the inputs that follow it for columns.
    """
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"{text!r}: give column names separated by commas")
    return names


def positive_int(text: str) -> int:
    """An argparse ``type``: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of at least 1")
    return value


def load_machine(path: str | None) -> Any:
    """The machine of ``--machine FILE`` (``None`` without one); unreadable files exit 2."""
    if path is None:
        return None
    from smstatus.machine import StatusMachine

    try:
        return StatusMachine.from_json(path)
    except OSError as exc:
        raise CliError(f"cannot read the machine file {path}: {exc.strerror or exc}") from exc


def add_machine_argument(parser: argparse.ArgumentParser) -> None:
    """``--machine FILE``: a machine JSON that extends or replaces the edge table."""
    parser.add_argument(
        "--machine",
        metavar="FILE",
        help="a machine JSON file that extends or replaces the edge table (its terminal "
        "statuses end a job, its statuses are known)",
    )


def check_folder(path: str) -> None:
    """A CliError when the folder ``path`` would be written in does not exist or is read-only."""
    folder = Path(path).parent
    if not folder.is_dir():
        raise CliError(f"cannot write {path}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise CliError(f"cannot write {path}: the folder {str(folder)!r} is not writable")


SVG_HASH_SALT = "smstatus"
"""The salt of the ids matplotlib writes into SVG: fixed, so the same figure gives the same
bytes."""


def save_figure(fig: Any, path: str, *, fmt: str, dpi: int) -> None:
    """Write ``fig`` to ``path`` whole or not at all (a temporary renamed into place).

    SVG and PDF carry no date and SVG ids a fixed salt, so the same figure gives the same
    file; matplotlib's global settings are left as they were. A write that fails is a
    :class:`CliError` (exit 2) and leaves any previous file in place.
    """
    import matplotlib

    from smstatus.atomicfile import atomic_path

    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
    try:
        with (
            matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT}),
            atomic_path(path) as temp,
        ):
            fig.savefig(temp, format=fmt, dpi=dpi, metadata=metadata)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from exc


# -- arguments --------------------------------------------------------------------------------


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
        type=zone,
        metavar="ZONE",
        help="zone of timestamps printed without one, as in SDK logs (default: UTC)",
    )


def add_format_argument(parser: argparse.ArgumentParser, default: str = "text") -> None:
    """``--format text|json|csv``."""
    parser.add_argument(
        "--format", choices=FORMATS, default=default, help=f"output format (default: {default})"
    )


# -- loading ----------------------------------------------------------------------------------

PROGRESS_MIN_BYTES = 32 * 1024 * 1024
"""Inputs at least this big get a progress bar while they load (on a terminal, with tqdm)."""


def load_inputs(
    args: argparse.Namespace,
    *,
    stderr: IO[str] | None = None,
    machine: Any = None,
    as_is: bool = False,
    exclude: tuple[str, ...] = (),
) -> Any:
    """Load the inputs of a command (the bundled sample when none), collecting bad records.

    Unparsed records are reported on stderr; a :class:`CliError` (exit 2) is raised when
    nothing at all could be read. Using the bundled sample, and tables read without their jobs
    table, are said on stderr too. Big inputs show a progress bar on a terminal when tqdm (the
    ``progress`` extra) is installed. ``machine`` (from ``--machine``) says which statuses
    end a job while the inputs are read. The history's text is made safe to show (see
    :func:`escaped_history`) unless ``as_is`` (``convert`` writes the data as it is).
    """
    from smstatus.io import expand_inputs, load

    stderr = stderr or sys.stderr
    command = f"smstatus {getattr(args, 'command', None) or ''}".rstrip()
    if not args.inputs:
        from smstatus.simulation.sample import load_sample

        history = load_sample()
        print(
            f"{command}: no input given: using the bundled sample ({history.n_jobs:,} simulated "
            "jobs); pass files, directories, globs or - (stdin)",
            file=stderr,
        )
        return history
    files = expand_inputs(args.inputs, exclude=exclude)  # a command's own output left out
    total = sum(f.size or 0 for f in files)
    try:
        with _byte_progress(total, stderr) as progress:
            history = load(
                files,
                source=args.source,
                errors="collect",
                naive_tz=args.tz,
                progress=progress,
                machine=machine,
            )
    except OSError as exc:
        where = exc.filename or " ".join(args.inputs)
        raise CliError(f"cannot read {where}: {exc.strerror or exc}") from exc
    if not as_is:
        history = escaped_history(history)
    report_unparsed(history, stream=stderr)
    if history.n_jobs == 0 and len(history.unparsed):
        raise CliError(f"no record could be read from {' '.join(args.inputs)}")
    _report_missing_jobs_tables(history, files, command=command, stream=stderr)
    return history


def escaped_history(history: Any) -> Any:
    """``history`` with every control character of its text written as a visible escape.

    Job names, statuses, messages, instance types and the rejects' files and reasons come from
    other people's files; printed or drawn raw, an ``ESC`` or ``CR`` in them would drive the
    terminal (clear it, set its title) or forge lines of output. Each text column is searched
    once (its categories, for a categorical); a history without control characters is
    returned as it is, at no further cost.
    """
    from smstatus.history import JobHistory

    frames = [history.jobs, history.transitions, history.unparsed]
    escaped = [_escaped_frame(frame) for frame in frames]
    if all(new is old for new, old in zip(escaped, frames, strict=True)):
        return history
    jobs, transitions, unparsed = escaped
    # text rewritten in place (rows, dtypes and category codes kept) leaves the history as
    # consistent as it was: it is not coerced and checked again (a second of a million jobs)
    in_place = all(_codes_kept(new, old) for new, old in zip(escaped, frames, strict=True))
    return JobHistory(jobs, transitions, unparsed=unparsed, check=not in_place)


def _codes_kept(new: pd.DataFrame, old: pd.DataFrame) -> bool:
    """Whether each categorical column of ``old`` kept its categories' number (and so its codes)
    in ``new``: escaping renames them in place unless two names became one."""
    return all(
        isinstance(new[name].dtype, pd.CategoricalDtype)
        and len(new[name].cat.categories) == len(old[name].cat.categories)
        for name in old.columns
        if isinstance(old[name].dtype, pd.CategoricalDtype)
    )


def _escaped_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (the same object when nothing changes) with its text columns escaped."""
    from smstatus.escaping import escape_control_series

    changed: dict[str, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        dtype = column.dtype
        if not (
            isinstance(dtype, pd.CategoricalDtype)
            or pd.api.types.is_string_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype)
        ):
            continue
        escaped = escape_control_series(column)
        if escaped is not column:
            changed[str(name)] = escaped
    return frame.assign(**changed) if changed else frame


def exit_status(history: Any) -> int:
    """The exit code of a command that ran: 1 when some input record was rejected, else 0."""
    return 1 if len(history.unparsed) else 0


def _report_missing_jobs_tables(
    history: Any, files: list[Any], *, command: str, stream: IO[str]
) -> None:
    """Say when jobs were read from a transitions table without its jobs table beside it."""
    jobs = history.jobs
    bare = (jobs["source"].astype(object) == "table") & jobs["training_job_status"].isna()
    n_bare = int(bare.sum())
    if not n_bare:
        return
    from smstatus.io.table import TABLE_SUFFIXES, is_jobs_sibling_name, jobs_sibling

    lonely = [
        f
        for f in files
        if f.path is not None
        and f.path.name.lower().endswith(TABLE_SUFFIXES)
        and not is_jobs_sibling_name(f.path)
        and not jobs_sibling(f.path).is_file()
    ]
    where = (
        "; ".join(f"{f.name} has no {jobs_sibling(f.path).name} beside it" for f in lonely[:3])
        or "no jobs table was found for it"
    )
    where = escape_control(where)
    print(
        f"{command}: note: {n_bare} job(s) come from a table without its jobs table ({where}): "
        "their job-level facts are unknown, so the job-level checks (not_terminal, "
        "status_mismatch) are skipped for them; smstatus convert writes the jobs table beside "
        "the transitions",
        file=stream,
    )


@contextmanager
def _byte_progress(total: int, stream: IO[str]) -> Iterator[Callable[[int], object] | None]:
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
        print(escape_control(f"  {where}: {row.reason}"), file=stream)
    if len(bad) > limit:
        print(f"  ... and {len(bad) - limit} more (use --format json for all)", file=stream)


# -- output -----------------------------------------------------------------------------------


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


@contextmanager
def warnings_as_lines(stream: IO[str] | None = None) -> Iterator[None]:
    """Each warning raised inside the block said once on ``stream`` (stderr), as a line
    ``warning: ...``, when the block ends: several analyses of one history raise the same
    warning, and a Python warning's two lines (file, source line) mean nothing to a user."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            said = dict.fromkeys(str(w.message) for w in caught)
            if said:
                sys.stdout.flush()
            for message in said:
                print(f"warning: {message}", file=stream or sys.stderr)
