"""Input files: paths, directories, globs and ``-`` (stdin), gzip-aware."""

from __future__ import annotations

import glob
import gzip
import io
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from smstatus.errors import InputNotFoundError

__all__ = ["InputFile", "expand_inputs"]

_SKIP_SUFFIXES = {".png", ".svg", ".pdf", ".html", ".md", ".ipynb"}


@dataclass(frozen=True)
class InputFile:
    """One input file: a display name and a way to open its (decompressed) bytes."""

    name: str
    path: Path | None
    _opener: Callable[[], BinaryIO]

    def open(self) -> BinaryIO:
        """Open the file's bytes, decompressed when it is gzip."""
        return self._opener()

    def head(self, n: int = 65536) -> bytes:
        """The first ``n`` decompressed bytes."""
        with self.open() as stream:
            return stream.read(n)

    @property
    def stem(self) -> str:
        """The file's name without its directory, ``.gz`` and last suffix (``stdin`` for ``-``)."""
        if self.path is None:
            return "stdin"
        name = self.path.name
        if name.endswith(".gz"):
            name = name[:-3]
        return Path(name).stem or name

    @property
    def size(self) -> int | None:
        """Size on disk in bytes (``None`` for stdin)."""
        return self.path.stat().st_size if self.path is not None else None

    @property
    def compressed(self) -> bool:
        """Whether the file is gzip-compressed."""
        return self.path is not None and _is_gzip(self.path)


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _file(path: Path) -> InputFile:
    def opener() -> BinaryIO:
        if _is_gzip(path):
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return path.open("rb")

    return InputFile(str(path), path, opener)


def _stdin() -> InputFile:
    data = sys.stdin.buffer.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return InputFile("<stdin>", None, lambda: io.BytesIO(data))


def expand_inputs(inputs: str | Path | Iterable[str | Path | InputFile]) -> list[InputFile]:
    """Expand paths, directories (recursively, sorted) and globs into input files
    (:class:`InputFile` items are kept as they are).

    Raises
    ------
    InputNotFoundError
        When a path does not exist or a glob or directory matches no file.
    """
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    files: list[InputFile] = []
    for item in inputs:
        if isinstance(item, InputFile):
            files.append(item)
            continue
        text = str(item)
        if text == "-":
            files.append(_stdin())
            continue
        path = Path(text).expanduser()
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not p.name.startswith(".") and p.suffix not in _SKIP_SUFFIXES
            )
            if not found:
                raise InputNotFoundError(f"{text}: the directory holds no input file")
            files.extend(_file(p) for p in found)
        elif path.is_file():
            files.append(_file(path))
        elif glob.has_magic(text):
            found = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not found:
                raise InputNotFoundError(f"{text}: the pattern matches no file")
            files.extend(_file(p) for p in found)
        else:
            raise InputNotFoundError(f"{text}: no such file or directory")
    return files
