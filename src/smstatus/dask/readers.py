"""Loading histories into a :class:`~smstatus.dask.history.DaskHistory`: files, directories,
globs and ``s3://`` URLs, read on the workers in partitions of whole jobs.

How the inputs are cut into partitions:

- a JSON Lines file of describe responses bigger than ``blocksize`` (not compressed) is cut
  into byte ranges at line ends (a response is one line, so a job is never cut), each parsed on
  a worker by the same code as the in-memory fast path;
- every other file (gzip files, JSON documents, SDK logs, CSV/Parquet tables, the part files
  of a dataset written by ``convert``) is read whole by the in-memory loader; consecutive small
  files are packed into one partition of up to ``blocksize`` bytes;
- EventBridge events are read together in one partition: a job's events may be spread over
  several files and the latest one wins, as in memory.

Rejects name the true file and line: a block's task returns the number of lines it holds, and a
small task per block shifts its rejects' lines by the lines of the blocks before it (the
blocks' histories are not kept for it). A job name found in two partitions (the same job in
two files, or twice in a big file) is one reject per extra copy, in a last partition of its
own: in memory the copies would meet and be a ``duplicate_job`` violation; here they are
loaded apart, and the reject says where each is.
"""

from __future__ import annotations

import functools
import glob
import io
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from smstatus.dask.dependency import import_optional
from smstatus.dask.history import DaskHistory
from smstatus.errors import InputNotFoundError, ParseError
from smstatus.history import JobHistory, concat_histories
from smstatus.io import Errors, Source, detect_source, expand_inputs
from smstatus.io.builder import empty_history
from smstatus.io.inputs import GZIP_MAGIC, InputFile, gunzipped
from smstatus.machine import StatusMachine

__all__ = ["load"]

_HEAD = 1 << 16
_SKIP_SUFFIXES = {".png", ".svg", ".pdf", ".html", ".md", ".ipynb"}
_DETECT_THREADS = 16


@dataclass(frozen=True)
class FileRef:
    """One input file as a worker finds it: its display ``name`` and where to open it (and,
    for a table at a URL, its jobs table)."""

    name: str
    path: str
    remote: bool
    size: int
    jobs: FileRef | None = None


@dataclass(frozen=True)
class _Plan:
    """What to read, in input order: packs of whole files, blocks of big files, events."""

    kind: str  # "pack", "block", "events", "reject"
    files: tuple[FileRef, ...]
    offset: int = 0
    length: int = 0
    reject: JobHistory | None = None


def load(
    *inputs: str | Path | Iterable[str | Path],
    errors: Errors = "collect",
    naive_tz: str = "UTC",
    blocksize: str | int = "128MiB",
    storage_options: Mapping[str, Any] | None = None,
    source: Source = "auto",
    machine: StatusMachine | None = None,
) -> DaskHistory:
    """Load histories as partitions of whole jobs, read by Dask workers.

    Parameters
    ----------
    *inputs
        Files, directories (walked as :func:`smstatus.load` walks them), globs, ``s3://``
        URLs (a prefix is a directory; needs ``s3fs``: ``pip install 'smstatus[s3]'``), or
        lists of them. Standard input cannot be shared with workers: use :func:`smstatus.load`.
    errors
        ``"collect"`` (default) loads every good record and reports the rejects in
        ``unparsed``; ``"raise"`` raises :class:`~smstatus.errors.ParseError` when a partition
        holding a bad record is computed.
    naive_tz
        Zone of timestamps printed without one (SDK logs).
    blocksize
        Bytes per partition (``"128MiB"``, or a number): big JSON Lines files are cut into
        blocks of about this size, small files packed together up to it.
    storage_options
        Passed to ``fsspec`` for URLs (``{"anon": True}``, ``{"client_kwargs": {...}}``).
    source
        ``"auto"`` detects each file's source from its content, as :func:`smstatus.load` does.
    machine
        Whose terminal statuses end an SDK log's job (see :func:`smstatus.load`).

    Returns
    -------
    DaskHistory
        Nothing is parsed until a result is computed; files are listed and their first bytes
        read to tell their source.
    """
    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', got {errors!r}")
    import_optional("dask")
    size = _parse_blocksize(blocksize)
    options = dict(storage_options or {})
    files = _expand(_flatten(inputs), options)
    plans = _plan(files, size, source=source, errors=errors, options=options)
    return _build(
        plans, errors=errors, naive_tz=naive_tz, source=source, machine=machine, options=options
    )


def _flatten(inputs: Sequence[str | Path | Iterable[str | Path]]) -> list[str]:
    flat: list[str] = []
    for item in inputs:
        if isinstance(item, str | Path):
            flat.append(str(item))
        else:
            flat.extend(str(i) for i in item)
    if not flat:
        raise ValueError("give at least one input: a file, directory, glob or s3:// URL")
    if "-" in flat:
        raise ValueError(
            "the Dask engine reads files its workers can open, not standard input; load "
            "stdin with the in-memory engine (smstatus.load, or the command without "
            "--scheduler/--workers)"
        )
    return flat


def _parse_blocksize(blocksize: str | int) -> int:
    dask_utils = import_optional("dask.utils")
    try:
        size = int(dask_utils.parse_bytes(blocksize))
    except (ValueError, TypeError, KeyError):
        raise ValueError(
            f"blocksize must be a number of bytes or '128MiB', got {blocksize!r}"
        ) from None
    if size < 1:
        raise ValueError(f"blocksize must be at least one byte, got {blocksize!r}")
    return size


# -- listing ------------------------------------------------------------------------------------


def _is_url(text: str) -> bool:
    return "://" in text and not text.startswith("file://")


def _expand(inputs: list[str], options: Mapping[str, Any]) -> list[FileRef | JobHistory]:
    """The input files in order; a file that cannot be read is its reject, as a history."""
    found: list[FileRef | JobHistory] = []
    for text in inputs:
        if _is_url(text):
            found.extend(_expand_url(text, options))
            continue
        for file in expand_inputs(text.removeprefix("file://")):
            if file.path is None:  # a file that exists but cannot be read: its reject
                found.append(_reject_of(file))
            else:
                found.append(FileRef(file.name, str(file.path), False, file.size or 0))
    return found


def _reject_of(file: InputFile) -> JobHistory:
    try:
        file.open().close()
    except ParseError as exc:
        return _reject(file.name, exc)
    return empty_history()  # a pipe: read once by the client (not expected from a walk)


def _reject(name: str, exc: ParseError) -> JobHistory:
    return empty_history(
        [{"file": exc.file or name, "line": exc.line, "field": exc.field, "reason": exc.reason}]
    )


def filesystem(url: str, options: Mapping[str, Any]) -> tuple[Any, str]:
    """The ``fsspec`` file system of a URL and the path in it (``s3://`` needs ``s3fs``)."""
    if url.startswith(("s3://", "s3a://")):
        import_optional("s3fs", package="s3fs", extra="s3")
    fsspec_core = import_optional("fsspec.core", package="fsspec")
    fs, path = fsspec_core.url_to_fs(url, **options)
    return fs, path


def _hidden_or_skipped(path: str, top: str) -> bool:
    parts = PurePosixPath(path[len(top) :].lstrip("/")).parts
    return any(p.startswith(".") for p in parts) or PurePosixPath(path).suffix in _SKIP_SUFFIXES


def _expand_url(url: str, options: Mapping[str, Any]) -> list[FileRef]:
    fs, path = filesystem(url, options)
    if glob.has_magic(path):
        found = fs.glob(path, detail=True)
        entries = {p: i for p, i in found.items() if i.get("type") == "file"}
        missing = f"{url}: the pattern matches no file"
    elif fs.isdir(path):
        entries = {
            p: i
            for p, i in fs.find(path, detail=True).items()
            if not _hidden_or_skipped(p, path.rstrip("/"))
        }
        missing = f"{url}: the prefix holds no input file"
    elif fs.isfile(path):
        entries = {path: fs.info(path)}
        missing = ""
    else:
        raise InputNotFoundError(f"{url}: no such file or prefix")
    if not entries:
        raise InputNotFoundError(missing)
    return [
        FileRef(fs.unstrip_protocol(p), fs.unstrip_protocol(p), True, int(entries[p]["size"]))
        for p in sorted(entries)
    ]


# -- opening files on a worker --------------------------------------------------------------


def input_file(ref: FileRef, options: Mapping[str, Any]) -> InputFile:
    """The :class:`~smstatus.io.inputs.InputFile` of a file: local paths as
    :func:`smstatus.load` opens them, URLs through ``fsspec`` (gzip-aware)."""
    if not ref.remote:
        return expand_inputs(ref.path)[0]

    def opener() -> BinaryIO:
        fs, path = filesystem(ref.path, options)
        try:
            raw = fs.open(path, "rb")
            magic = raw.read(2)
            raw.seek(0)
        except OSError as exc:
            raise ParseError(f"cannot read it: {exc}", file=ref.name) from exc
        if magic == GZIP_MAGIC:
            return gunzipped(raw, ref.name)  # as the in-memory loader: its limits, its rejects
        return io.BufferedReader(raw, 1 << 16)

    stem = PurePosixPath(ref.path).name
    return InputFile(ref.name, None, opener, Path(stem.removesuffix(".gz")).stem)


# -- planning partitions ------------------------------------------------------------------------


def _classify(ref: FileRef, size: int, source: Source, options: Mapping[str, Any]) -> str:
    """``block`` (a big JSON Lines file to cut), ``events``, ``sibling`` (a jobs table read
    with its transitions table) or ``pack``; ``ParseError`` when the source cannot be told."""
    from smstatus.io.describe import is_json_lines
    from smstatus.io.table import is_jobs_sibling_name

    file = input_file(ref, options)
    kind = detect_source(file) if source == "auto" else source
    if kind == "events":
        return "events"
    if kind == "table":
        return "sibling" if is_jobs_sibling_name(PurePosixPath(ref.path).name) else "table"
    if kind == "describe" and ref.size > size and not _is_gzip(ref, options):
        return "block" if is_json_lines(file.head(_HEAD)) else "pack"
    return "pack"


def _is_gzip(ref: FileRef, options: Mapping[str, Any]) -> bool:
    fs, path = filesystem(ref.path, options) if ref.remote else (None, ref.path)
    try:
        with fs.open(path, "rb") if fs is not None else open(path, "rb") as raw:
            return bool(raw.read(2) == GZIP_MAGIC)
    except OSError:
        return False  # reading it reports why


def _plan(
    files: list[FileRef | JobHistory],
    size: int,
    *,
    source: Source,
    errors: Errors,
    options: Mapping[str, Any],
) -> list[_Plan]:
    """The partitions to read, in input order: consecutive small files packed up to ``size``
    bytes, each table (with its jobs table) alone, big JSON Lines files in blocks, every
    events file in one partition where the first is."""
    refs = [f for f in files if isinstance(f, FileRef)]
    with ThreadPoolExecutor(min(_DETECT_THREADS, max(len(refs), 1))) as pool:
        found = pool.map(lambda r: _kind_or_error(r, size, source, options), refs)
        kinds = dict(zip(refs, found, strict=True))
    names = {r.name: r for r in refs}
    plans: list[_Plan] = []
    pack: list[FileRef] = []
    events: list[FileRef] = []
    for item in files:
        kind = "reject" if isinstance(item, JobHistory) else kinds[item]
        if isinstance(kind, ParseError) and errors == "raise":
            raise kind
        if isinstance(item, FileRef) and kind == "sibling" and _table_of(item) in names:
            continue  # read with its transitions table
        if isinstance(item, FileRef) and kind == "pack":
            if pack and sum(f.size for f in pack) + item.size > size:
                plans.append(_Plan("pack", tuple(pack)))
                pack = []
            pack.append(item)
            continue
        if pack:
            plans.append(_Plan("pack", tuple(pack)))
            pack = []
        plans.extend(_plans_of(item, kind, names, size, first_events=not events))
        if kind == "events" and isinstance(item, FileRef):
            events.append(item)
    if pack:
        plans.append(_Plan("pack", tuple(pack)))
    return [_Plan("events", tuple(events)) if p.kind == "events" else p for p in plans]


def _plans_of(
    item: FileRef | JobHistory,
    kind: str | ParseError,
    names: Mapping[str, FileRef],
    size: int,
    *,
    first_events: bool,
) -> list[_Plan]:
    """The partitions of one input that is not packed with others."""
    if isinstance(item, JobHistory):
        return [_Plan("reject", (), reject=item)]
    if isinstance(kind, ParseError):
        return [_Plan("reject", (), reject=_reject(item.name, kind))]
    if kind == "events":
        return [_Plan("events", ())] if first_events else []
    if kind in ("table", "sibling"):
        if item.remote and _jobs_name(item) in names:
            item = replace(item, jobs=names[_jobs_name(item)])
        return [_Plan("pack", (item,))]
    return [_Plan("block", (item,), offset, size) for offset in range(0, item.size, size)]


def _kind_or_error(
    ref: FileRef, size: int, source: Source, options: Mapping[str, Any]
) -> str | ParseError:
    try:
        return _classify(ref, size, source, options)
    except ParseError as exc:
        return exc


def _table_of(ref: FileRef) -> str:
    """The transitions table whose jobs table ``ref`` is (``x.jobs.csv`` -> ``x.csv``)."""
    head, _, tail = ref.name.rpartition(".jobs")
    return head + tail


def _jobs_name(ref: FileRef) -> str:
    """The jobs table of the transitions table ``ref`` (``x.csv`` -> ``x.jobs.csv``)."""
    from smstatus.io.table import jobs_sibling

    folder, _, name = ref.name.rpartition("/")
    return f"{folder}/{jobs_sibling(name).name}"


# -- the tasks ----------------------------------------------------------------------------------


def _read_pack(
    refs: tuple[FileRef, ...],
    *,
    source: Source,
    errors: Errors,
    naive_tz: str,
    machine: StatusMachine | None,
    options: Mapping[str, Any],
) -> JobHistory:
    """Whole files, read by the in-memory loader (tables at URLs with their jobs table)."""
    from smstatus.io import load as load_in_memory
    from smstatus.io.table import read_table

    parts: list[JobHistory] = []
    files: list[InputFile] = []

    def flush() -> None:
        if files:
            parts.append(
                load_in_memory(
                    list(files), source=source, errors=errors, naive_tz=naive_tz, machine=machine
                )
            )
            files.clear()

    for ref in refs:
        if ref.jobs is None:
            files.append(input_file(ref, options))
            continue
        flush()
        try:
            table = read_table(
                input_file(ref, options),
                jobs=input_file(ref.jobs, options),
                errors=errors,
                naive_tz=naive_tz,
            )
        except ParseError as exc:
            if errors == "raise":
                raise
            table = _reject(ref.name, exc)
        parts.append(table)
    flush()
    return concat_histories(parts) if parts else JobHistory.empty()


def _read_block(
    ref: FileRef, offset: int, length: int, *, naive_tz: str, options: Mapping[str, Any]
) -> tuple[JobHistory, int]:
    """The block of ``ref`` from its first line end at or after ``offset`` (the file's start
    for ``offset`` 0) to its first line end at or after ``offset + length`` (as fsspec's
    ``read_block`` cuts: the blocks of one file follow each other without gap or overlap),
    parsed, and how many line ends it holds."""
    from smstatus.io.describe import read_describe_block

    fsspec_utils = import_optional("fsspec.utils", package="fsspec")
    fs, path = filesystem(ref.path, options) if ref.remote else _local(ref.path)
    try:
        with fs.open(path, "rb") as raw:
            data = fsspec_utils.read_block(raw, offset, length, delimiter=b"\n")
    except OSError as exc:
        if offset:
            return JobHistory.empty(), 0  # the first block reports it
        return _reject(ref.name, ParseError(f"cannot read it: {exc}", file=ref.name)), 0
    history = read_describe_block(data, name=ref.name, errors="collect", naive_tz=naive_tz)
    return history, data.count(b"\n")


def _local(path: str) -> tuple[Any, str]:
    local = import_optional("fsspec.implementations.local", package="fsspec")
    return local.LocalFileSystem(), path


def _shift_lines(history: JobHistory, lines_before: int, errors: Errors) -> JobHistory:
    """``history`` with its rejects' lines counted from the file's start, not the block's."""
    rejects = history.unparsed
    if len(rejects) and lines_before:
        rejects = rejects.assign(line=rejects["line"] + lines_before)
        history = JobHistory(history.jobs, history.transitions, unparsed=rejects, check=False)
    if errors == "raise" and len(rejects):
        first = rejects.iloc[0]
        raise ParseError(
            str(first["reason"]),
            file=str(first["file"]),
            line=None if pd.isna(first["line"]) else int(first["line"]),
            field=None if pd.isna(first["field"]) else str(first["field"]),
        )
    return history


def _job_hashes(history: JobHistory) -> np.ndarray:
    """The partition's job names as 64-bit hashes (8 bytes a job: the check of duplicates sees
    every job of the fleet, so it never holds a name, let alone a Python object, per job)."""
    return _hashes_of(history.jobs["job_name"])


def _hashes_of(names: pd.Series) -> np.ndarray:
    return pd.util.hash_array(names.to_numpy(dtype=object), categorize=False)


def _duplicates(
    labels: Sequence[str],
    readers: Sequence[Callable[[], JobHistory] | None],
    errors: Errors,
    *hashes: np.ndarray,
) -> JobHistory:
    """One reject per copy of a job found in a partition after the first that holds it.

    The check works on hashes; only a partition holding a repeated hash (none, in a fleet
    without duplicates) is read again by its ``readers`` entry, for the names, so two names of
    one hash are never taken for one job."""
    if not hashes:
        return JobHistory.empty()
    ordered = np.concatenate(hashes)  # 8 bytes a job of the fleet: the one copy made here
    ordered.sort()
    wanted = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    if not len(wanted):
        return JobHistory.empty()
    found = []
    for p, part_hashes in enumerate(hashes):
        reader = readers[p]
        if reader is None or not np.isin(part_hashes, wanted).any():
            continue
        jobs = reader().jobs["job_name"]
        keep = np.isin(_hashes_of(jobs), wanted)
        found.append(pd.DataFrame({"name": jobs.to_numpy(dtype=object)[keep], "part": p}))
    if not found:
        return JobHistory.empty()
    frame = pd.concat(found, ignore_index=True).drop_duplicates()
    first = frame.drop_duplicates("name").set_index("name")["part"]
    extra = frame[frame["part"].to_numpy() != first.reindex(frame["name"]).to_numpy()]
    rejects = [
        {
            "file": labels[part],
            "line": None,
            "field": "TrainingJobName",
            "reason": f"the job {name!r} is also in {labels[int(first[name])]}: the Dask engine "
            "keeps a job in one partition, so both copies are loaded apart, and both are "
            "invalid (in memory each would have a duplicate_job error)",
        }
        for name, part in zip(extra["name"], extra["part"], strict=True)
    ]
    history = empty_history(rejects)
    # the reject names its job, so that validation counts every copy invalid, as in memory
    history.unparsed["job_name"] = pd.array(extra["name"].to_numpy(dtype=object), dtype="string")
    return _shift_lines(history, 0, errors)


def _read_block_again(
    ref: FileRef, offset: int, length: int, *, naive_tz: str, options: Mapping[str, Any]
) -> JobHistory:
    """The history of a block, read again (its line count left out)."""
    return _read_block(ref, offset, length, naive_tz=naive_tz, options=options)[0]


# -- the graph ------------------------------------------------------------------------------------


def _label(plan: _Plan) -> str:
    if plan.kind == "block":
        return f"{plan.files[0].name} (bytes from {plan.offset:,})"
    if not plan.files:
        return "<inputs>"
    more = f" and {len(plan.files) - 1} more" if len(plan.files) > 1 else ""
    return plan.files[0].name + more


def _build(
    plans: list[_Plan],
    *,
    errors: Errors,
    naive_tz: str,
    source: Source,
    machine: StatusMachine | None,
    options: Mapping[str, Any],
) -> DaskHistory:
    delayed = import_optional("dask").delayed  # impure: a file loaded again is read again
    read: dict[str, Any] = {
        "source": source,
        "errors": errors,
        "naive_tz": naive_tz,
        "machine": machine,
    }
    parts: list[Any] = []
    readers: list[Callable[[], JobHistory] | None] = []  # each partition read again, for names
    lines_before: Any = 0
    previous: FileRef | None = None
    for plan in plans:
        if plan.kind == "reject":
            if errors == "raise" and plan.reject is not None and len(plan.reject.unparsed):
                _shift_lines(plan.reject, 0, errors)
            parts.append(delayed(plan.reject, traverse=False))
            readers.append(None)
        elif plan.kind == "block":
            ref = plan.files[0]
            if ref != previous or plan.offset == 0:  # a file given twice starts again
                lines_before = 0
            history, count = delayed(_read_block, nout=2)(
                ref, plan.offset, plan.length, naive_tz=naive_tz, options=options
            )
            parts.append(delayed(_shift_lines)(history, lines_before, errors))
            readers.append(
                functools.partial(
                    _read_block_again,
                    ref,
                    plan.offset,
                    plan.length,
                    naive_tz=naive_tz,
                    options=options,
                )
            )
            lines_before = delayed(operator.add)(lines_before, count)
            previous = ref
            continue
        else:
            pack = plan.files
            parts.append(delayed(_read_pack)(pack, options=options, **read))
            readers.append(functools.partial(_read_pack, pack, options=options, **read))
        previous = None
    if len(parts) > 1:
        hashes = [delayed(_job_hashes)(p) for p in parts]
        labels = [_label(p) for p in plans]
        parts.append(delayed(_duplicates)(labels, readers, errors, *hashes))
    return DaskHistory(parts)
