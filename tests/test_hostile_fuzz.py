"""Random bytes and mutations of real inputs: only SmStatusError, never a traceback.

Each test mutates the real responses, events and SDK logs of ``tests/data`` one way (byte
flips, truncation, splices, duplicated keys, values of another type) and feeds the result to
``load(errors="raise")`` (only :class:`SmStatusError`), ``load(errors="collect")`` (no exception
at all) and ``smstatus validate`` (exit 0, 1 or 2, no traceback).
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import smstatus
from smstatus.cli import main
from smstatus.errors import SmStatusError

DATA = Path(__file__).parent / "data"
SEEDS: dict[str, bytes] = {
    p.relative_to(DATA).as_posix(): p.read_bytes()
    for folder in ("describe", "events", "sdk-logs")
    for p in sorted((DATA / folder).iterdir())
}
JSON_SEEDS = [name for name in SEEDS if name.endswith(".json")]
SUFFIX = {"describe": ".json", "events": ".json", "sdk-logs": ".log"}


@contextlib.contextmanager
def written(data: bytes, suffix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_bytes(data)
        yield path


def check_input(data: bytes, suffix: str = ".json") -> None:
    """The three properties on one input."""
    with written(data, suffix) as path:
        with contextlib.suppress(SmStatusError):
            smstatus.load(path, errors="raise")
        smstatus.load(path, errors="collect")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", str(path)])
        assert code in (0, 1, 2)
        assert "Traceback" not in out.getvalue() + err.getvalue()


seeds = st.sampled_from(sorted(SEEDS))


def _suffix(name: str) -> str:
    return SUFFIX[name.split("/")[0]]


@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    check_input(data)


@given(seeds, st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_byte_flips(name: str, flips: list[tuple[float, int]]) -> None:
    data = bytearray(SEEDS[name])
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    check_input(bytes(data), _suffix(name))


@given(seeds, st.floats(0, 1))
def test_truncation(name: str, where: float) -> None:
    data = SEEDS[name]
    check_input(data[: int(where * len(data))], _suffix(name))


@given(seeds, seeds, st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_splice(first: str, second: str, cut: float, start: float, length: float) -> None:
    a, b = SEEDS[first], SEEDS[second]
    i = int(start * len(b))
    piece = b[i : i + int(length * (len(b) - i))]
    at = int(cut * len(a))
    check_input(a[:at] + piece + a[at:], _suffix(first))


@given(st.sampled_from(JSON_SEEDS), st.floats(0, 1), st.sampled_from(["null", "1", '"x"', "[]"]))
def test_duplicated_keys(name: str, where: float, value: str) -> None:
    """A key repeated in one object (JSON allows it; the last one wins in Python)."""
    text = SEEDS[name].decode("utf-8")
    keys = [i for i in range(len(text)) if text.startswith('"', i) and text.find('":', i + 1) > i]
    i = keys[min(int(where * len(keys)), len(keys) - 1)]
    end = text.index('":', i + 1) + 2
    check_input((text[:i] + text[i:end] + value + "," + text[i:]).encode(), ".json")


ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**63,
    2**70,
    1e20,
    float("inf"),
    float("nan"),
    "",
    "x",
    "\ud800",
    "\x1b[2J",
    "9999-12-31T00:00:00Z",
    "0001-01-01T00:00:00Z",
    [],
    [None],
    {},
    {"Status": "Starting"},
]


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _paths(value, (*prefix, i))


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    doc[path[0]] = _replace(doc[path[0]], path[1:], value)
    return doc


@given(st.sampled_from(JSON_SEEDS), st.floats(0, 1), st.sampled_from(ODD_VALUES))
def test_type_swaps(name: str, where: float, value: Any) -> None:
    """One value anywhere in a real response replaced by a value of another type or range."""
    doc = json.loads(SEEDS[name])
    paths = list(_paths(doc))
    path = paths[min(int(where * len(paths)), len(paths) - 1)]
    mutated = _replace(doc, path, value)
    check_input(json.dumps(mutated).encode("utf-8", errors="surrogatepass"), ".json")
