"""Loading every source into a :class:`~smstatus.history.JobHistory`.

One module per source: :mod:`~smstatus.io.describe`, :mod:`~smstatus.io.events`,
:mod:`~smstatus.io.sdklog`, :mod:`~smstatus.io.table`; :func:`load` detects the source of each
file from its content unless it is named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from smstatus.errors import ParseError
from smstatus.history import JobHistory, concat_histories
from smstatus.io.builder import DescribeBuilder, Errors, empty_history
from smstatus.io.detect import SOURCES, detect_source
from smstatus.io.inputs import InputFile, expand_inputs
from smstatus.machine import StatusMachine

__all__ = [
    "SOURCES",
    "Errors",
    "InputsLike",
    "Source",
    "detect_source",
    "expand_inputs",
    "format_sdk_log",
    "from_describe",
    "from_events",
    "jobs_sibling",
    "load",
    "read_describe",
    "read_events",
    "read_file",
    "read_sdk_log",
    "read_table",
    "to_describe_records",
    "write_describe_json",
    "write_describe_jsonl",
    "write_table",
]

_LAZY = {
    "format_sdk_log": "sdklog",
    "from_describe": "describe",
    "from_events": "events",
    "jobs_sibling": "table",
    "read_describe": "describe",
    "read_events": "events",
    "read_sdk_log": "sdklog",
    "read_table": "table",
    "to_describe_records": "describe",
    "write_describe_json": "describe",
    "write_describe_jsonl": "describe",
    "write_table": "table",
}
"""Public names of the source modules, imported on first use (Parquet and CSV readers are
not loaded by ``import smstatus``)."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"smstatus.io.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'smstatus.io' has no attribute {name!r}")


Source = Literal["auto", "describe", "events", "sdk-log", "table"]
InputsLike: TypeAlias = (
    str | Path | Iterable[str | Path | InputFile] | Mapping[str, Any] | Iterable[Mapping[str, Any]]
)
"""What :func:`load` reads: paths (files, directories, globs, ``-``), or describe responses or
EventBridge events as Python objects (one dict or an iterable of dicts)."""


def _check_options(source: str, errors: str) -> None:
    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', got {errors!r}")
    if source != "auto" and source not in SOURCES:
        raise ValueError(f"source must be one of {['auto', *SOURCES]}, got {source!r}")


def read_file(
    file: InputFile | str | Path,
    *,
    source: Source = "auto",
    errors: Errors = "raise",
    naive_tz: str = "UTC",
    progress: Callable[[int], object] | None = None,
    machine: StatusMachine | None = None,
) -> JobHistory:
    """Read one input file of the given (or detected) source.

    ``progress`` is called with the bytes read as they are loaded, ``machine`` says which
    statuses end an SDK log's job (see :func:`load`).
    """
    _check_options(source, errors)
    if not isinstance(file, InputFile):
        files = expand_inputs(file)
        if len(files) != 1:
            raise ValueError(f"{file}: names {len(files)} files; use load() for several")
        file = files[0]
    kind = detect_source(file) if source == "auto" else source
    if kind == "describe":
        from smstatus.io.describe import read_describe

        return read_describe(file, errors=errors, naive_tz=naive_tz, progress=progress)
    if kind == "events":
        from smstatus.io.events import read_events

        return read_events(file, errors=errors, naive_tz=naive_tz)
    if kind == "sdk-log":
        from smstatus.io.sdklog import read_sdk_log

        return read_sdk_log(file, errors=errors, naive_tz=naive_tz, machine=machine)
    from smstatus.io.table import read_table

    return read_table(file, errors=errors, naive_tz=naive_tz)


def load(
    inputs: InputsLike,
    *,
    source: Source = "auto",
    errors: Errors = "raise",
    naive_tz: str = "UTC",
    progress: Callable[[int], object] | None = None,
    machine: StatusMachine | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> JobHistory:
    """Load histories from files, directories, globs, ``-``, S3 URLs or describe dicts.

    Parameters
    ----------
    inputs
        Paths (files, directories, globs, ``-`` for stdin; ``.gz`` is read transparently),
        ``s3://bucket/key`` objects, prefixes or globs (the ``s3`` extra), or
        describe responses or EventBridge events as Python objects (one dict or an iterable of
        dicts, as boto3 returns them).
    source
        ``"auto"`` detects each file's source from its content; or one of
        ``describe, events, sdk-log, table``.
    errors
        ``"raise"`` (default) raises :class:`~smstatus.errors.ParseError` naming the file, the
        line and the field of the first bad record; ``"collect"`` loads every good record and
        returns the rejects in ``history.unparsed`` (a file that cannot be read at all is one
        reject). A path that does not exist always raises
        :class:`~smstatus.errors.InputNotFoundError`.
    naive_tz
        Zone of timestamps printed without one (SDK logs); UTC unless you say otherwise.
    progress
        Called with a number of bytes as the input is loaded: each block of a big JSON Lines
        file, the whole size of any other file. The numbers add up to the inputs' sizes (their
        decompressed sizes for big gzip JSON Lines). For a progress bar.
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end the job of an
        SDK log (its last entry then lasts zero seconds); the default machine when ``None``.
    storage_options
        Keyword arguments of ``s3fs.S3FileSystem`` for ``s3://`` inputs (``{"profile": ...}``,
        ``{"client_kwargs": {"endpoint_url": ...}}``); without them the credentials and the
        endpoint come from the usual AWS chain (``AWS_ENDPOINT_URL_S3`` included).

    Returns
    -------
    JobHistory
        Jobs in the order of the inputs. Events of one job spread over several files count
        once: the latest wins. A table's jobs file (``x.jobs.csv`` next to ``x.csv``) is read
        with its table, not as an input of its own.

    Examples
    --------
    >>> h = load([{"TrainingJobName": "j", "TrainingJobStatus": "InProgress",
    ...            "SecondaryStatusTransitions": [
    ...                {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"}]}])
    >>> h.n_jobs, h.transitions.status.tolist()
    (1, ['Starting'])
    """
    _check_options(source, errors)
    if isinstance(inputs, Mapping):
        inputs = [inputs]
    if not isinstance(inputs, str | Path):
        items: list[Any] = list(inputs)
        paths = [isinstance(i, str | Path) for i in items]
        if items and any(isinstance(i, Mapping) for i in items):
            if any(paths):
                raise ParseError(
                    "inputs mix paths and records; pass one kind at a time",
                    file="<inputs>",
                    hint="Load the files and the records apart and JobHistory.concat them",
                )
            return _from_records(items, source=source, errors=errors, naive_tz=naive_tz)
        inputs = items
    files = expand_inputs(inputs, storage_options=storage_options)
    return _load_files(
        files,
        source=source,
        errors=errors,
        naive_tz=naive_tz,
        progress=progress,
        machine=machine,
    )


def _load_files(
    files: list[InputFile],
    *,
    source: Source,
    errors: Errors,
    naive_tz: str,
    progress: Callable[[int], object] | None = None,
    machine: StatusMachine | None = None,
) -> JobHistory:
    from smstatus.io.describe import add_describe_file, use_fast_path
    from smstatus.io.events import merge_event_records, read_event_records
    from smstatus.io.sdklog import add_sdk_log_file
    from smstatus.io.table import is_jobs_sibling_name

    kinds: list[str | None] = []
    failed: dict[int, JobHistory] = {}
    for i, file in enumerate(files):
        try:
            kinds.append(detect_source(file) if source == "auto" else source)
        except ParseError as exc:
            if errors == "raise":
                raise
            kinds.append(None)
            failed[i] = _reject(file, exc)
    table_paths = {
        f.path.resolve() for f, k in zip(files, kinds, strict=True) if k == "table" and f.path
    }
    remote_tables = {f.url: f for f, k in zip(files, kinds, strict=True) if k == "table" and f.url}
    # consecutive describe files and SDK logs share one builder (one build for a directory of
    # thousands of small files); events of every file are merged (the latest event wins)
    parts: list[JobHistory | DescribeBuilder | None] = []
    run: DescribeBuilder | None = None
    events: list[Any] = []
    events_slot: int | None = None
    for i, (file, kind) in enumerate(zip(files, kinds, strict=True)):
        streamed = kind == "describe" and use_fast_path(file)
        if progress is not None and not streamed:
            progress(file.size or 0)  # small files: counted whole, as they start
        if kind is None:
            parts.append(failed[i])
            run = None
            continue
        if kind == "table" and _is_consumed_sibling(file, table_paths, is_jobs_sibling_name):
            continue
        if kind == "table" and file.url is not None:
            if _remote_jobs_owner(file, remote_tables) is not None:
                continue  # read with its transitions table
            run = None
            parts.append(_read_remote_table(file, remote_tables, errors=errors, naive_tz=naive_tz))
            continue
        try:
            if kind in ("describe", "sdk-log") and not streamed:
                if run is None:
                    run = DescribeBuilder(source="describe", naive_tz=naive_tz)
                    parts.append(run)
                if kind == "describe":
                    add_describe_file(run, file, errors=errors)
                else:
                    add_sdk_log_file(run, file, errors=errors, machine=machine)
                continue
            run = None
            if kind == "events":
                events.append(read_event_records(file, errors=errors))
                if events_slot is None:
                    events_slot = len(parts)
                    parts.append(None)
                continue
            parts.append(
                read_file(
                    file,
                    source=kind,  # type: ignore[arg-type]
                    errors=errors,
                    naive_tz=naive_tz,
                    progress=progress if streamed else None,
                    machine=machine,
                )
            )
        except ParseError as exc:
            if errors == "raise":
                raise
            parts.append(_reject(file, exc))
    if events_slot is not None:
        parts[events_slot] = merge_event_records(events, errors=errors, naive_tz=naive_tz)
    history = concat_histories(
        [
            p.build(errors=errors) if isinstance(p, DescribeBuilder) else p
            for p in parts
            if p is not None
        ]
    )
    return _rejects_in_input_order(history, files)


def _rejects_in_input_order(history: JobHistory, files: list[InputFile]) -> JobHistory:
    """Order ``history.unparsed`` as the inputs were given, each file's rejects by line.

    A builder finds some rejects while it reads (bad JSON) and others when it builds (bad
    times), so they come out of it grouped by kind, not by place. A reject of a file that is
    not an input itself (a table's jobs file) stays after the rejects it followed.
    """
    rejects = history.unparsed
    if len(rejects) < 2:
        return history
    rank_of: dict[str, int] = {}
    for i, file in enumerate(files):
        rank_of.setdefault(file.name, i)
    ranks = pd.Series(rejects["file"].astype(object).map(rank_of), dtype=float)
    rank = ranks.ffill().fillna(len(files)).to_numpy()
    line = rejects["line"].astype("Float64").fillna(-1.0).to_numpy(dtype=float)  # file-wide first
    order = np.lexsort((np.arange(len(rejects)), line, rank))
    if (order != np.arange(len(rejects))).any():
        history.unparsed = rejects.iloc[order].reset_index(drop=True)
    return history


def _is_consumed_sibling(file: InputFile, table_paths: set[Path], is_sibling: Any) -> bool:
    """A jobs table (``x.jobs.csv``) whose transitions table (``x.csv``) is also an input."""
    if file.path is None or not is_sibling(file.path):
        return False
    from smstatus.io.table import jobs_sibling

    return any(jobs_sibling(p) == file.path.resolve() for p in table_paths)


def _remote_sibling_url(file: InputFile) -> tuple[str, str]:
    """The folder of a remote table and the name of its jobs table."""
    from smstatus.io.table import jobs_sibling

    assert file.url is not None
    folder, _, name = file.url.rpartition("/")
    return folder, jobs_sibling(name).name


def _remote_jobs_owner(file: InputFile, tables: Mapping[str, InputFile]) -> str | None:
    """The transitions table among the remote inputs whose jobs table ``file`` is."""
    from smstatus.io.table import is_jobs_sibling_name

    if file.url is None or not is_jobs_sibling_name(file.url.rpartition("/")[2]):
        return None
    for url, table in tables.items():
        folder, sibling = _remote_sibling_url(table)
        if url != file.url and f"{folder}/{sibling}" == file.url:
            return url
    return None


def _read_remote_table(
    file: InputFile, tables: Mapping[str, InputFile], *, errors: Errors, naive_tz: str
) -> JobHistory:
    """A remote transitions table with its jobs table (an input, or an object beside it)."""
    from smstatus.io.table import is_jobs_sibling_name, read_table

    jobs: InputFile | None = None
    name = (file.url or "").rpartition("/")[2]
    if not is_jobs_sibling_name(name):
        folder, sibling = _remote_sibling_url(file)
        jobs = tables.get(f"{folder}/{sibling}") or file.neighbour(sibling)
    try:
        return read_table(file, jobs=jobs, errors=errors, naive_tz=naive_tz)
    except ParseError as exc:
        if errors == "raise":
            raise
        return _reject(file, exc)


def _reject(file: InputFile, exc: ParseError) -> JobHistory:
    return empty_history(
        [
            {
                "file": exc.file or file.name,
                "line": exc.line,
                "field": exc.field,
                "reason": exc.reason,
            }
        ]
    )


def _from_records(
    items: list[Mapping[str, Any]], *, source: Source, errors: Errors, naive_tz: str
) -> JobHistory:
    if source == "events" or (source == "auto" and "detail" in items[0]):
        from smstatus.io.events import from_events

        return from_events(items, errors=errors, naive_tz=naive_tz)
    if source not in ("auto", "describe"):
        raise ValueError(
            f"records given as Python objects are describe responses or events, not {source!r}"
        )
    from smstatus.io.describe import from_describe

    return from_describe(items, errors=errors, naive_tz=naive_tz)
