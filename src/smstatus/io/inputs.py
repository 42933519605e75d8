"""Input files: paths, directories, globs, ``-`` (stdin), pipes and S3 URLs, gzip-aware.

Nothing about a file stops the others from loading: a file that cannot be read (no
permission, a symbolic link loop, a directory that cannot be listed, a cut or fake gzip
stream, a gzip stream that expands past :data:`MAX_EXPANDED_BYTES`) is an :class:`InputFile`
whose reading raises :class:`~smstatus.errors.ParseError` naming it, which
``load(errors="collect")`` turns into one reject. Named pipes and process substitutions
(``<(zcat x.gz)``) are read once, as stdin is. ``s3://`` objects, prefixes and globs are read
through ``s3fs`` (see :mod:`smstatus.io.s3`) with the same guarantees.
"""

from __future__ import annotations

import errno
import glob
import gzip
import io
import os
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from smstatus.errors import InputNotFoundError, ParseError

__all__ = ["MAX_EXPANDED_BYTES", "InputFile", "expand_inputs"]

MAX_EXPANDED_BYTES = 16 << 30
"""The most bytes one gzip input may expand to (16 GiB; a million describe responses are
about 1.5 GB). Past it the file is a reject: a defence against gzip bombs. Raise it by
setting ``smstatus.io.inputs.MAX_EXPANDED_BYTES`` before loading."""

GZIP_MAGIC = b"\x1f\x8b"
_SKIP_SUFFIXES = {".png", ".svg", ".pdf", ".html", ".md", ".ipynb"}
_READ_BLOCK = 1 << 16


@dataclass(frozen=True)
class InputFile:
    """One input file: a display name and a way to open its (decompressed) bytes."""

    name: str
    path: Path | None
    _opener: Callable[[], BinaryIO]
    _stem: str | None = None
    _data: list[bytes] = field(default_factory=list, repr=False, compare=False)
    """The bytes of a stream read once (stdin, a pipe), once they have been read."""
    url: str | None = None
    """Where a remote input lives (``s3://bucket/key``); ``None`` for local files and streams."""
    _size: int | None = field(default=None, repr=False, compare=False)
    _neighbour: Callable[[str], InputFile | None] | None = field(
        default=None, repr=False, compare=False
    )

    def neighbour(self, name: str) -> InputFile | None:
        """The remote input called ``name`` beside this one (a table's jobs table), when it
        exists; always ``None`` for local files (look beside :attr:`path`)."""
        return self._neighbour(name) if self._neighbour is not None else None

    def open(self) -> BinaryIO:
        """Open the file's bytes, decompressed when it is gzip.

        Raises
        ------
        ParseError
            When the file cannot be opened, or (while it is read) when it is not the gzip
            stream its first bytes say, ends early, or expands past :data:`MAX_EXPANDED_BYTES`.
        """
        return self._opener()

    def head(self, n: int = 65536) -> bytes:
        """The first ``n`` decompressed bytes (fewer, without an error, when a gzip stream is
        cut off after some: reading the whole file reports it)."""
        parts: list[bytes] = []
        size = 0
        with self.open() as stream:
            while size < n:
                try:
                    block = stream.read1(n - size)  # type: ignore[attr-defined]
                except ParseError:
                    if parts:
                        break
                    raise
                if not block:
                    break
                parts.append(block)
                size += len(block)
        return b"".join(parts)

    @property
    def stem(self) -> str:
        """The file's name without its directory, ``.gz`` and last suffix (``stdin`` for ``-``)."""
        if self._stem is not None:
            return self._stem
        if self.path is None:
            return "stdin"
        return _stem_of(self.path.name)

    @property
    def size(self) -> int | None:
        """Size in bytes (on disk; of a stream once read; ``None`` when unknown)."""
        if self._data:
            return len(self._data[0])
        if self._size is not None or self.path is None:
            return self._size
        try:
            return self.path.stat().st_size
        except OSError:
            return None

    @property
    def compressed(self) -> bool:
        """Whether the file is gzip-compressed."""
        if self._data:
            return self._data[0][:2] == GZIP_MAGIC
        if self.url is not None:
            with self.open() as stream:
                return isinstance(getattr(stream, "raw", None), _Gunzip)
        try:
            return self.path is not None and _is_gzip(self.path)
        except OSError:
            return False


def _stem_of(name: str) -> str:
    if name.endswith(".gz"):
        name = name[:-3]
    return Path(name).stem or name


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


# -- reading ------------------------------------------------------------------------------------


def _unreadable(exc: OSError) -> str:
    """Why a file cannot be read, in a sentence."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop: it points back at itself"
    if exc.errno == errno.ENOENT:
        return "a broken symbolic link: what it points at does not exist"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read it: permission denied"
    if exc.errno == errno.EISDIR:
        return "a directory where a file was expected"
    return f"cannot read it: {exc.strerror or exc}"


class _Gunzip(io.RawIOBase):
    """The decompressed bytes of a gzip stream, read block by block (never all at once).

    Each failure while reading is a :class:`ParseError` naming the file: not gzip, cut off,
    or expanding past :data:`MAX_EXPANDED_BYTES` (read when the file is opened).
    """

    def __init__(self, raw: BinaryIO, name: str) -> None:
        super().__init__()
        self._raw = raw
        self._gzip = gzip.GzipFile(fileobj=raw, mode="rb")
        self._name = name
        self._limit = MAX_EXPANDED_BYTES
        self._expanded = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            block = self._gzip.read1(len(buffer))
        except EOFError as exc:
            raise ParseError(
                "the gzip stream ends early (the file is cut off); the records before the cut "
                "are loaded",
                file=self._name,
                hint="Compress the file again from its source",
            ) from exc
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise ParseError(
                f"not a gzip stream, though it starts like one: {exc}", file=self._name
            ) from exc
        except OSError as exc:
            raise ParseError(_unreadable(exc), file=self._name) from exc
        self._expanded += len(block)
        if self._expanded > self._limit:
            raise ParseError(
                f"the gzip stream expands past {self._limit:,} bytes (a gzip bomb?); the "
                "limit is smstatus.io.inputs.MAX_EXPANDED_BYTES",
                file=self._name,
                hint="Raise smstatus.io.inputs.MAX_EXPANDED_BYTES if the file is genuine",
            )
        buffer[: len(block)] = block
        return len(block)

    def close(self) -> None:
        if not self.closed:
            self._gzip.close()
            self._raw.close()
        super().close()


def gunzipped(raw: BinaryIO, name: str) -> BinaryIO:
    """The decompressed bytes of the gzip stream ``raw`` (``name`` for the rejects)."""
    return io.BufferedReader(_Gunzip(raw, name), _READ_BLOCK)


def _open_path(path: Path, name: str) -> BinaryIO:
    try:
        fh = path.open("rb")
        magic = fh.peek(2)[:2]
    except OSError as exc:
        raise ParseError(_unreadable(exc), file=name) from exc
    if magic == GZIP_MAGIC:
        return gunzipped(fh, name)
    return fh


def _file(path: Path) -> InputFile:
    name = str(path)
    return InputFile(name, path, lambda: _open_path(path, name))


def _failed(name: str, reason: str) -> InputFile:
    """An input that cannot be read: opening it raises the reject."""

    def opener() -> BinaryIO:
        raise ParseError(reason, file=name)

    return InputFile(name, None, opener, _stem_of(Path(name).name))


def _stream(name: str, read: Callable[[], bytes], stem: str) -> InputFile:
    """An input that can be read only once (stdin, a pipe): its bytes are kept on first use."""
    data: list[bytes] = []

    def opener() -> BinaryIO:
        if not data:
            try:
                data.append(read())
            except OSError as exc:
                raise ParseError(_unreadable(exc), file=name) from exc
        raw = io.BytesIO(data[0])
        return gunzipped(raw, name) if data[0][:2] == GZIP_MAGIC else raw

    return InputFile(name, None, opener, stem, data)


def _read_pipe(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        with path.open("rb") as fh:
            return fh.read()

    return read


# -- expanding paths ----------------------------------------------------------------------------


def _entry(path: Path) -> InputFile | None:
    """A file met in a directory or a glob: ``None`` for what is not a file to read (a
    directory, a pipe or device that reading could block on)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:  # a looping or broken link, a file in a folder we may not enter
        return _failed(str(path), _unreadable(exc))
    return _file(path) if stat.S_ISREG(mode) else None


def skipped_name(name: str) -> bool:
    """Whether a file met in a directory (or under a prefix) is left out for its kind
    (pictures, HTML, Markdown, notebooks)."""
    return Path(name).suffix in _SKIP_SUFFIXES


def _walk(top: Path, exclude: frozenset[Path] = frozenset()) -> list[InputFile]:
    """Every input file under ``top`` (sorted), hidden files and folders left out: among
    them the temporaries an interrupted atomic write leaves (``.NAME.*.tmp``); so are the
    files and folders of ``exclude`` (resolved paths)."""
    found: list[tuple[Path, InputFile]] = []

    def unlistable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else top
        reason = _unreadable(exc).replace("cannot read it", "cannot list the directory")
        found.append((where, _failed(str(where), reason)))

    for folder, dirnames, filenames in os.walk(top, onerror=unlistable):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if exclude:
            dirnames[:] = [d for d in dirnames if _resolved(Path(folder) / d) not in exclude]
        for name in filenames:
            path = Path(folder) / name
            if name.startswith(".") or skipped_name(name):
                continue
            if exclude and _resolved(path) in exclude:
                continue
            entry = _entry(path)
            if entry is not None:
                found.append((path, entry))
    return [entry for _, entry in sorted(found, key=lambda item: item[0])]


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop: reported when read, never excluded
        return path


def _expand_path(
    text: str,
    exclude: frozenset[Path] = frozenset(),
    storage_options: Mapping[str, Any] | None = None,
) -> list[InputFile]:
    from smstatus.io.s3 import expand_s3, is_s3_url

    if is_s3_url(text):
        return expand_s3(text, storage_options, _remote)
    path = Path(text).expanduser()
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if glob.has_magic(text):
            return _expand_glob(text)
        if os.path.lexists(path) or exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            return [_failed(text, _unreadable(exc))]
        raise InputNotFoundError(f"{text}: no such file or directory") from exc
    if stat.S_ISDIR(mode):
        files = _walk(path, exclude)
        if not files:
            raise InputNotFoundError(f"{text}: the directory holds no input file")
        return files
    if stat.S_ISREG(mode):
        return [_file(path)]
    # a named pipe, /dev/stdin, bash's <(...) (/dev/fd/N): read once, like stdin
    return [_stream(text, _read_pipe(path), _stem_of(path.name))]


def _remote(
    url: str,
    raw: Callable[[], BinaryIO],
    size: int | None,
    neighbour: Callable[[str], InputFile | None] | None = None,
    *,
    listed: bool = False,
) -> InputFile | None:
    """An input read from elsewhere than this machine's files (an S3 object) from an opener
    of its raw bytes; ``None`` when ``listed`` (found under a prefix, as in a directory's
    walk) and named like a file a walk leaves out."""
    if listed and skipped_name(url):
        return None

    def opener() -> BinaryIO:
        stream = raw()
        if stream.peek(2)[:2] == GZIP_MAGIC:  # type: ignore[attr-defined]
            return gunzipped(stream, url)
        return stream

    stem = _stem_of(url.rsplit("/", 1)[-1])
    return InputFile(url, None, opener, stem, url=url, _size=size, _neighbour=neighbour)


def _expand_glob(text: str) -> list[InputFile]:
    matches = sorted(Path(p) for p in glob.glob(text, recursive=True))
    found = [entry for entry in map(_entry, matches) if entry is not None]
    if not found:
        raise InputNotFoundError(f"{text}: the pattern matches no file")
    return found


def expand_inputs(
    inputs: str | Path | Iterable[str | Path | InputFile],
    *,
    exclude: Iterable[str | Path] = (),
    storage_options: Mapping[str, Any] | None = None,
) -> list[InputFile]:
    """Expand paths, directories (recursively, sorted), globs and S3 URLs into input files
    (:class:`InputFile` items are kept as they are).

    An ``s3://bucket/key`` URL names an object, a prefix (read like a directory) or a glob;
    ``storage_options`` are keyword arguments of ``s3fs.S3FileSystem`` (credentials and the
    endpoint come from the usual AWS chain without them).

    ``exclude`` names files and folders a directory's walk leaves out (a command's own output
    folder: ``smstatus report . -o report`` run twice never reads its own CSVs).

    A file that exists but cannot be read, or a directory that cannot be listed, is kept as
    an input whose reading raises :class:`~smstatus.errors.ParseError` naming it (one reject
    with ``errors="collect"``). In a directory, hidden files and folders are skipped, and so
    are pictures, HTML, Markdown and notebooks, pipes and devices.

    Raises
    ------
    InputNotFoundError
        When a path does not exist or a glob or directory matches no file.
    """
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    excluded = frozenset(_resolved(Path(p)) for p in exclude)
    files: list[InputFile] = []
    for item in inputs:
        if isinstance(item, InputFile):
            files.append(item)
        elif str(item) == "-":
            files.append(_stream("<stdin>", lambda: sys.stdin.buffer.read(), "stdin"))
        else:
            files.extend(_expand_path(str(item), excluded, storage_options))
    return files
