"""Inputs in Amazon S3: ``s3://bucket/key`` objects, prefixes read like directories, and globs.

Read through ``s3fs`` (the optional extra ``s3``), with the credentials of the usual AWS chain
(environment, shared files, SSO, instance or task roles) and the endpoint the AWS SDKs honour
(``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``, a profile's ``endpoint_url``), unless
``storage_options`` (keyword arguments of :class:`s3fs.S3FileSystem`) say otherwise. Each
object is an :class:`~smstatus.io.inputs.InputFile` with every guarantee of a local file: gzip
read transparently (within :data:`~smstatus.io.inputs.MAX_EXPANDED_BYTES`), the source
detected from its content, and an object that cannot be read (denied, deleted, cut off by the
network) one reject naming it. No message ever holds a credential.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import quote, quote_plus

from smstatus.errors import InputNotFoundError, MissingDependencyError, ParseError

__all__ = ["SCHEME", "expand_s3", "is_s3_url"]

SCHEME = "s3://"
_SECRET_OPTIONS = ("key", "secret", "token", "aws_access_key_id", "aws_secret_access_key")
_SECRET_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
_REMOTE_BLOCK = 8 << 20  # bytes fetched per ranged GET
_GLOB_MAGIC = re.compile(r"[*?\[]")


def is_s3_url(text: str) -> bool:
    """Whether ``text`` names an S3 object, prefix or glob (``s3://...``)."""
    return text[: len(SCHEME)].lower() == SCHEME


def filesystem(storage_options: Mapping[str, Any] | None = None) -> Any:
    """A fresh ``s3fs.S3FileSystem`` (no listing cache: a prefix is listed anew each load).

    Raises
    ------
    MissingDependencyError
        When ``s3fs`` is not installed (``pip install 'smstatus[s3]'``).
    """
    try:
        import s3fs
    except ImportError as exc:
        raise MissingDependencyError("s3fs", "s3", "Reading s3:// inputs") from exc
    options = {"skip_instance_cache": True, "use_listings_cache": False}
    options.update(storage_options or {})
    return s3fs.S3FileSystem(**options)


def expand_s3(
    url: str, storage_options: Mapping[str, Any] | None, make: Callable[..., Any]
) -> list[Any]:
    """The objects an S3 URL names: one object, every object under a prefix (hidden names
    and pictures left out, as in a directory), or the matches of a glob, sorted.

    ``make(url, opener, size, neighbour, listed=...)`` builds each input from an opener of
    the object's raw bytes (``None`` for a name that a directory's walk leaves out). A
    listing that fails (denied, no credentials, the endpoint unreachable) is one input whose
    reading raises the reason.

    Raises
    ------
    InputNotFoundError
        When nothing is at the URL, or a prefix or glob holds no object.
    """
    fs = filesystem(storage_options)
    path = url[len(SCHEME) :]
    secrets = _secrets(fs, storage_options)
    try:
        if _GLOB_MAGIC.search(path):
            found = fs.glob(path, detail=True)
            kind, listed = "the pattern matches no object", False
        else:
            info = fs.info(path)
            if info.get("type") != "directory":
                return [_object(fs, info, url, secrets, make)]
            found = fs.find(path, detail=True)
            kind, listed = "the prefix holds no input object", True
    except FileNotFoundError:
        raise InputNotFoundError(f"{url}: no such S3 object, prefix or bucket") from None
    except Exception as exc:  # denied, no credentials, endpoint down: one reject
        reason = f"cannot list it: {_reason(exc, secrets)}"
        return [make(url, _failing(url, reason), None)]
    top = path.rstrip("/")
    entries = []
    for name, info in sorted(found.items()):
        if info.get("type") != "file":
            continue
        relative = PurePosixPath(name[len(top) :].lstrip("/") if name.startswith(top) else name)
        if any(part.startswith(".") for part in relative.parts):
            continue
        entry = _object(fs, info, SCHEME + name, secrets, make, listed=listed)
        if entry is not None:
            entries.append(entry)
    if not entries:
        raise InputNotFoundError(f"{url}: {kind}")
    return entries


# -- reading ------------------------------------------------------------------------------------


class _Object(io.RawIOBase):
    """The bytes of one S3 object, read in ranged requests; each failure a ParseError."""

    def __init__(self, handle: Any, name: str, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self._handle = handle
        self._name = name
        self._secrets = secrets

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            return int(self._handle.readinto(buffer))
        except Exception as exc:  # the network, the object deleted or denied meanwhile
            reason = f"cannot read it: {_reason(exc, self._secrets)}"
            raise ParseError(reason, file=self._name) from None

    def close(self) -> None:
        if not self.closed:
            with contextlib.suppress(Exception):  # a read-only handle holds nothing to lose
                self._handle.close()
        super().close()


def _object(
    fs: Any,
    info: Mapping[str, Any],
    url: str,
    secrets: tuple[str, ...],
    make: Callable[..., Any],
    *,
    listed: bool = False,
) -> Any:
    """The input of one object (``info`` from a listing), which finds its neighbours;
    ``listed`` when it was found under a prefix, as a file in a directory's walk."""
    key = str(info["name"])
    folder = key.rsplit("/", 1)[0]

    def neighbour(name: str) -> Any:
        try:
            found = fs.info(f"{folder}/{name}")
        except Exception:  # absent, or not ours to see: no neighbour
            return None
        if found.get("type") != "file":
            return None
        return _object(fs, found, f"{SCHEME}{folder}/{name}", secrets, make)

    return make(url, _opener(fs, key, url, secrets), info.get("size"), neighbour, listed=listed)


def _opener(fs: Any, key: str, name: str, secrets: tuple[str, ...]) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        try:
            handle = fs.open(key, "rb", block_size=_REMOTE_BLOCK)
        except Exception as exc:
            raise ParseError(f"cannot read it: {_reason(exc, secrets)}", file=name) from None
        return io.BufferedReader(_Object(handle, name, secrets), 1 << 16)

    return opener


def _failing(name: str, reason: str) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        raise ParseError(reason, file=name)

    return opener


def _secrets(fs: Any, storage_options: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Every credential string in reach, to be struck from messages."""
    import os

    found = [str(v) for k, v in (storage_options or {}).items() if k in _SECRET_OPTIONS and v]
    found += [os.environ[k] for k in _SECRET_ENV if os.environ.get(k)]
    for attr in ("key", "secret", "token"):
        value = getattr(fs, attr, None)
        if isinstance(value, str) and value:
            found.append(value)
    return tuple(sorted(set(found), key=len, reverse=True))


def _reason(exc: BaseException, secrets: tuple[str, ...]) -> str:
    """What went wrong, in one line with no credential in it."""
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, PermissionError):
        text = f"access denied ({text})" if text else "access denied"
    elif type(exc).__name__ == "NoCredentialsError":
        text = "no AWS credentials found (environment, shared files, SSO or an instance role)"
    elif code:
        text = f"{code}: {text}"
    elif not text:
        text = type(exc).__name__
    for secret in secrets:
        for form in (secret, quote(secret, safe=""), quote_plus(secret)):
            text = text.replace(form, "***")
    return text
