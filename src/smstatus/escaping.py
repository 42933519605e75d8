"""Output hygiene: data from many hands printed to terminals and written to spreadsheets.

Job names, status messages and file names come from other people's files. Printed raw, an
``ESC`` starts an ANSI/OSC sequence (clear the screen, set the title, write a hyperlink), a
``CR`` overwrites what was printed, a bidi override (U+202E) reverses what follows. Written to
CSV, a cell that starts with ``=``, ``+``, ``-`` or ``@`` is run as a formula by spreadsheets
(CSV injection).

- :func:`escape_control` / :func:`escape_control_series`: every control character written as a
  visible escape (``\\x1b``, ``\\n``, ``\\u202e``), everything else left as it is;
- :func:`neutralize_csv_cell` / :func:`neutralize_csv_cells`: the OWASP rule, a single quote
  before a cell that starts with ``= + - @``, a tab or a carriage return.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "CSV_TRIGGERS",
    "escape_control",
    "escape_control_series",
    "neutralize_csv_cell",
    "neutralize_csv_cells",
]

_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_BIDI_AND_SEPARATORS = [
    0x061C,
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),  # embeddings and overrides
    *range(0x2066, 0x206A),  # isolates
]
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI_AND_SEPARATORS]


def _escape_of(code: int) -> str:
    char = chr(code)
    if char in _SHORT:
        return _SHORT[char]
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


_TABLE = {code: _escape_of(code) for code in _CONTROLS}
_PATTERN_TEXT = "[" + "".join(f"\\x{c:02x}" if c < 0x100 else chr(c) for c in _CONTROLS) + "]"
"""The controls as a character class that Python's ``re`` and Arrow's RE2 both read."""
_PATTERN = re.compile(_PATTERN_TEXT)


def escape_control(text: str) -> str:
    """``text`` with every control character written as a visible escape.

    C0 controls (newline, tab and CR included), DEL, C1 controls, bidi embeddings, overrides
    and isolates, and the Unicode line and paragraph separators become ``\\n``, ``\\t``,
    ``\\r``, ``\\xNN`` or ``\\uNNNN``; an ANSI or OSC sequence is left harmless text after its
    escaped ``ESC``. Backslashes are kept as they are (readable, not a codec).

    Examples
    --------
    >>> escape_control("job\\x1b]0;pwned\\x07\\nnext")
    'job\\\\x1b]0;pwned\\\\x07\\\\nnext'
    """
    if _PATTERN.search(text) is None:
        return text
    return _PATTERN.sub(_escape_match, text)  # str.translate looks up every character: slower


def _escape_match(match: re.Match[str]) -> str:
    return _TABLE[ord(match.group())]


def escape_control_series(values: pd.Series) -> pd.Series:
    """:func:`escape_control` over a Series of strings (categories of a categorical).

    Only the values that hold a control character are rewritten (one vectorised search
    first); missing values stay missing; the dtype is kept.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories
        if not (pd.api.types.is_string_dtype(cats) or cats.dtype == object):
            return values
        plain = pd.Series(cats, dtype=cats.dtype)
        escaped = escape_control_series(plain)
        if escaped is plain:  # nothing to escape: the very same column, not a renamed copy
            return values
        if escaped.duplicated().any():  # two names that differ only by a control character
            return escape_control_series(values.astype(object)).astype("category")
        return values.cat.rename_categories(pd.Index(escaped, dtype=cats.dtype))
    hit = _control_rows(values)
    if not hit.any():
        return values
    out = values.copy()
    bad = values[hit]
    out[hit] = pd.Series([escape_control(v) for v in bad], index=bad.index, dtype=values.dtype)
    return out


def _control_rows(values: pd.Series) -> pd.Series | np.ndarray:
    """Boolean mask of the values holding a control character (missing values: ``False``).

    Arrow-backed strings are screened first with ``ascii_is_printable``, ten times faster than
    the regex, which then runs only on the values that are not plain printable ASCII.
    """
    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        return values.str.contains(_PATTERN_TEXT, regex=True, na=False)
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(values.array)
    hit = np.zeros(len(values), dtype=bool)
    suspect = pc.invert(pc.fill_null(pc.ascii_is_printable(arr), True))
    mask = suspect.to_numpy(zero_copy_only=False)
    if mask.any():
        found = pc.match_substring_regex(arr.filter(suspect), _PATTERN_TEXT)
        hit[mask] = found.to_numpy(zero_copy_only=False)
    return hit


CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a CSV cell as a formula (OWASP)."""
_TRIGGER_PATTERN = "^[" + re.escape("".join(CSV_TRIGGERS)) + "]"


def neutralize_csv_cell(value: str) -> str:
    """``value`` with a single quote in front when it starts like a formula.

    Examples
    --------
    >>> neutralize_csv_cell("=HYPERLINK(\\"http://x\\")"), neutralize_csv_cell("Training")
    ('\\'=HYPERLINK("http://x")', 'Training')
    """
    return "'" + value if value.startswith(CSV_TRIGGERS) else value


def neutralize_csv_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot start a spreadsheet formula.

    Text columns (``str``, ``object`` holding strings, categorical of strings) get a single
    quote before any cell that starts with ``= + - @``, a tab or a CR; numbers, times and
    missing values are left alone, so a negative number stays a number. Vectorised: one regex
    test per column (per set of categories), no loop over rows.
    """
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            cats = column.cat.categories
            if cats.dtype == object or pd.api.types.is_string_dtype(cats):
                fixed = _neutralize_strings(pd.Series(cats, dtype=cats.dtype))
                if not fixed.equals(pd.Series(cats, dtype=cats.dtype)):
                    out[name] = _rename(column, fixed)
        elif pd.api.types.is_string_dtype(column.dtype) or column.dtype == object:
            out[name] = _neutralize_strings(column)
    return out


def _rename(column: pd.Series, fixed: pd.Series) -> pd.Series:
    new = pd.Index(fixed)
    if new.duplicated().any():  # "'=a" was a category already: merge the two
        return _neutralize_strings(column.astype(object)).astype("category")
    return column.cat.rename_categories(new)


def _neutralize_strings(values: pd.Series) -> pd.Series:
    # .str on an object column gives NaN (here False) for the values that are not strings
    hit = values.str.contains(_TRIGGER_PATTERN, regex=True, na=False).astype(bool)
    if not hit.any():
        return values
    out = values.copy()
    out[hit] = "'" + values[hit].astype(str)
    return out
