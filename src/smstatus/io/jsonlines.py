"""JSON Lines framing shared by the describe readers: one record per non-blank line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from smstatus.io.detect import TOO_DEEP

__all__ = ["jsonl_records", "loads_json"]


def loads_json(data: bytes | str) -> Any:
    """``json.loads``, but an integer longer than Python converts (4,300 digits) is read as a
    float (infinite, so out of range wherever smstatus reads a number) instead of raising:
    JSON sets no limit, and such a number in a field smstatus ignores must not cost the record.

    Raises what ``json.loads`` raises for text that is not JSON (``JSONDecodeError``,
    ``UnicodeDecodeError``, ``RecursionError``).
    """
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        return json.loads(data, parse_int=_int_or_float)


def _int_or_float(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def jsonl_records(stream: IO[bytes]) -> Iterator[tuple[Any, int | None, str | None]]:
    """Yield ``(record, line, problem)`` for each non-blank line of a JSON Lines stream.

    ``problem`` is a sentence (and ``record`` is ``None``) for a line that is not valid JSON.
    """
    for lineno, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield loads_json(line), lineno, None
        except json.JSONDecodeError as exc:
            yield None, lineno, f"malformed JSON line: {exc.msg} (column {exc.colno})"
        except UnicodeDecodeError as exc:
            yield None, lineno, f"not UTF-8 text: {exc.reason}"
        except RecursionError:
            yield None, lineno, TOO_DEEP
