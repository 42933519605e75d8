"""Atomic writes: a killed run leaves the previous file (or none), never half a file.

Everything is written to a hidden temporary beside the target (same folder, so the same file
system), flushed to disk, then renamed over the target in one step, and the folder is flushed so
the rename survives a crash. On any exception the temporary is removed and the target is left
as it was. Temporaries are named ``.<target>.<random>.tmp``: hidden (loaders skip dot-files)
and recognisable, so :func:`remove_stale_temporaries` can clean those a killed run left.

- :func:`atomic_open`: a file object for ``write``;
- :func:`atomic_path`: a path for writers that need a file name (``savefig``, pyarrow);
- :func:`atomic_named_path`: the same for writers that read the format from the file's name;
- :func:`atomic_folder`: a whole folder (a report), built beside and swapped in;
- :func:`write_bytes_atomic`, :func:`write_text_atomic`: the one-call forms.

A symlinked target is followed: the file it points to is replaced and the link kept. An
existing target keeps its permission bits; a new one gets ``0o666`` less the umask, as
``open()`` would give it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "TEMP_SUFFIX",
    "atomic_folder",
    "atomic_named_path",
    "atomic_open",
    "atomic_path",
    "remove_stale_temporaries",
    "resolve_target",
    "write_bytes_atomic",
    "write_text_atomic",
]

TEMP_SUFFIX = ".tmp"
"""Suffix of every temporary; its name is ``.<target name>.<random hex>.tmp``."""


def resolve_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` replaces: symlinks followed, even a dangling one's target."""
    target = Path(path)
    for _ in range(40):  # as the kernel's own limit on links in a path
        if not target.is_symlink():
            return target
        link = Path(os.readlink(target))
        target = link if link.is_absolute() else target.parent / link
    raise OSError(40, "Too many levels of symbolic links", str(path))


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")


def _current_umask() -> int:
    """The process umask (read by setting and restoring it: there is no getter before 3.13)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(target: Path, default: int) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return default & ~_current_umask()


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (the rename) to disk; a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the rename itself is still atomic
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _commit(temp: Path, target: Path, mode: int) -> None:
    os.chmod(temp, mode)
    os.replace(temp, target)
    _fsync_folder(target.parent)


def _discard(temp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if temp.is_dir() and not temp.is_symlink():
            shutil.rmtree(temp)
        else:
            temp.unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, mode: int = 0o666) -> Iterator[Path]:
    """A temporary path to write; on success it replaces ``path`` atomically.

    For writers that take a file name (``Figure.savefig``, ``pyarrow.parquet.write_table``).
    The writer must create the file; it is flushed to disk before the rename.

    Parameters
    ----------
    path
        The target (a symlink is followed).
    mode
        Permission bits of a new target, before the umask; an existing target keeps its own.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("done")
    >>> out.read_text()
    'done'
    """
    target = resolve_target(path)
    temp = _temp_name(target)
    try:
        yield temp
        if not temp.exists():
            raise FileNotFoundError(2, "the writer did not create the file", str(temp))
        _fsync_file(temp)
        _commit(temp, target, _mode_for(target, mode))
    except BaseException:
        _discard(temp)
        raise


@contextlib.contextmanager
def atomic_named_path(path: str | os.PathLike[str], *, mode: int = 0o666) -> Iterator[Path]:
    """A temporary path with the target's own file name; on success it replaces ``path``.

    For writers that choose the format by the name's suffix (``.csv.gz``, ``.parquet``): the
    path is in a hidden temporary folder (``.<target>.<random>.tmp``) beside the target, and
    the written file is moved over the target as :func:`atomic_path` does.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> with atomic_named_path(out) as tmp:
    ...     _ = tmp.write_text(tmp.name)
    >>> out.read_text()
    'a.csv'
    """
    target = resolve_target(path)
    folder = _temp_name(target)
    os.mkdir(folder, 0o700)
    try:
        named = folder / target.name
        yield named
        if not named.exists():
            raise FileNotFoundError(2, "the writer did not create the file", str(named))
        with atomic_path(target, mode=mode) as temp:
            os.replace(named, temp)
    finally:
        _discard(folder)


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str],
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = None,
    file_mode: int = 0o666,
) -> Iterator[IO[Any]]:
    """Open a temporary beside ``path`` for writing; on success it replaces ``path``.

    ``mode`` is ``"w"`` (text, ``encoding`` and ``newline`` apply) or ``"wb"``. The file is
    flushed and synced to disk before the rename; on an exception the target is untouched.
    """
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_open writes whole files: mode 'w' or 'wb', got {mode!r}")
    binary = "b" in mode
    with atomic_path(path, mode=file_mode) as temp:
        # "x": a fresh file of our own; 0o600 until committed (no one reads a partial file)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        if binary:
            stream: IO[Any] = os.fdopen(fd, "wb")
        else:
            stream = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as stream:
        stream.write(data)


def write_text_atomic(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path, "w", encoding=encoding) as stream:
        stream.write(text)


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike[str], *, mode: int = 0o777) -> Iterator[Path]:
    """A temporary folder beside ``path`` to fill; on success it takes ``path``'s place.

    An existing folder at ``path`` is moved aside, the new one renamed in, then the old one
    removed: between the two renames (microseconds) ``path`` is absent, never half-written.
    A killed run leaves the previous folder (or none) and a hidden ``.<name>.*.tmp`` folder
    that :func:`remove_stale_temporaries` removes.
    """
    target = resolve_target(path)
    temp = _temp_name(target)
    os.mkdir(temp, 0o700)
    try:
        yield temp
        for file in temp.rglob("*"):
            if file.is_file() and not file.is_symlink():
                _fsync_file(file)
        os.chmod(temp, _mode_for(target, mode))
        _fsync_folder(temp)
        _swap_folder(temp, target)
    except BaseException:
        _discard(temp)
        raise


def _swap_folder(temp: Path, target: Path) -> None:
    if not target.exists():
        os.replace(temp, target)
        _fsync_folder(target.parent)
        return
    if not target.is_dir():
        raise NotADirectoryError(20, "Not a directory", str(target))
    old = _temp_name(target)
    os.replace(target, old)
    try:
        os.replace(temp, target)
    except BaseException:
        os.replace(old, target)  # put the previous folder back
        raise
    _fsync_folder(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporaries killed runs left beside ``path``; return what was removed.

    Only names this module makes (``.<name>.<12 hex>.tmp``) are touched.
    """
    target = resolve_target(path)
    removed = []
    prefix = f".{target.name}."
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        name = entry.name
        middle = name[len(prefix) : -len(TEMP_SUFFIX)]
        if (
            name.startswith(prefix)
            and name.endswith(TEMP_SUFFIX)
            and len(middle) == 12
            and all(c in "0123456789abcdef" for c in middle)
        ):
            _discard(entry)
            removed.append(entry)
    return removed
