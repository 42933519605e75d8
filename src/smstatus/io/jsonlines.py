"""JSON Lines framing shared by the describe readers: one record per non-blank line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from smstatus.io.detect import TOO_DEEP

__all__ = ["jsonl_records"]


def jsonl_records(stream: IO[bytes]) -> Iterator[tuple[Any, int | None, str | None]]:
    """Yield ``(record, line, problem)`` for each non-blank line of a JSON Lines stream.

    ``problem`` is a sentence (and ``record`` is ``None``) for a line that is not valid JSON.
    """
    for lineno, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line), lineno, None
        except json.JSONDecodeError as exc:
            yield None, lineno, f"malformed JSON line: {exc.msg} (column {exc.colno})"
        except UnicodeDecodeError as exc:
            yield None, lineno, f"not UTF-8 text: {exc.reason}"
        except RecursionError:
            yield None, lineno, TOO_DEEP
