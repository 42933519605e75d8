"""Output hygiene: control characters escaped for terminals, formulas neutralised for CSV."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smstatus.escaping import (
    CSV_TRIGGERS,
    escape_control,
    escape_control_series,
    neutralize_csv_cell,
    neutralize_csv_cells,
)


def _is_unsafe(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in "\u2028\u2029\u202e\u2066\u200f"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text", "plain text"),
        ("\x1b[2Jclear", "\\x1b[2Jclear"),
        ("title\x1b]0;pwned\x07", "title\\x1b]0;pwned\\x07"),
        ("a\nb\tc\rd", "a\\nb\\tc\\rd"),
        ("del\x7f c1\x9b31m", "del\\x7f c1\\x9b31m"),
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),
        ("café ✓ 日本", "café ✓ 日本"),
        ("back\\slash", "back\\slash"),
    ],
)
def test_escape_control(raw: str, shown: str) -> None:
    assert escape_control(raw) == shown


@given(st.text())
def test_escaped_text_holds_no_control_character(text: str) -> None:
    out = escape_control(text)
    assert not any(_is_unsafe(c) for c in out)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp", "Cs"))))
def test_printable_text_is_unchanged(text: str) -> None:
    assert escape_control(text) == text


@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=30))
def test_escape_series_is_the_scalar_function(values: list[str | None]) -> None:
    series = pd.Series(values, dtype="str")
    out = escape_control_series(series)
    assert out.dtype == series.dtype
    expected = [None if v is None else escape_control(v) for v in values]
    assert [None if pd.isna(v) else v for v in out] == expected


def test_escape_series_on_categories() -> None:
    series = pd.Series(["ok", "bad\x1b[0m", "ok"], dtype="category")
    out = escape_control_series(series)
    assert isinstance(out.dtype, pd.CategoricalDtype)
    assert out.tolist() == ["ok", "bad\\x1b[0m", "ok"]


@pytest.mark.parametrize("start", CSV_TRIGGERS)
def test_neutralize_cell(start: str) -> None:
    assert neutralize_csv_cell(start + "cmd|' /C calc'!A0") == "'" + start + "cmd|' /C calc'!A0"


def test_neutralize_cells_leaves_numbers_and_times() -> None:
    frame = pd.DataFrame(
        {
            "job_name": pd.Series(['=HYPERLINK("http://x","y")', "ok", None], dtype="str"),
            "status": pd.Series(["@SUM(1)", "Training", "@SUM(1)"], dtype="category"),
            "n": [-1, 2, 3],
            "o": pd.Series(["-2+3", 5, None], dtype=object),
            "t": pd.to_datetime(["2024-01-01", None, "2024-01-02"], utc=True),
        }
    )
    out = neutralize_csv_cells(frame)
    assert out["job_name"].tolist()[:2] == ['\'=HYPERLINK("http://x","y")', "ok"]
    assert pd.isna(out["job_name"].iloc[2])
    assert out["status"].tolist() == ["'@SUM(1)", "Training", "'@SUM(1)"]
    assert isinstance(out["status"].dtype, pd.CategoricalDtype)
    assert out["o"].tolist()[:2] == ["'-2+3", 5]
    assert out["n"].equals(frame["n"]) and out["t"].equals(frame["t"])
    assert frame["job_name"].iloc[0].startswith("=")  # the input is not changed


def test_neutralize_merges_categories_that_meet() -> None:
    series = pd.Series(["=a", "'=a"], dtype="category")
    out = neutralize_csv_cells(pd.DataFrame({"c": series}))["c"]
    assert out.tolist() == ["'=a", "'=a"]


@given(st.lists(st.text(max_size=12), min_size=1, max_size=30))
def test_no_neutralized_cell_starts_a_formula(cells: list[str]) -> None:
    frame = pd.DataFrame({"s": pd.Series(cells, dtype="str"), "c": pd.Categorical(cells)})
    out = neutralize_csv_cells(frame)
    for column in ("s", "c"):
        values = out[column].astype(str).tolist()
        assert not any(v.startswith(CSV_TRIGGERS) for v in values)
        # the cells as the frame holds them (pandas 2's "str" drops a trailing NUL)
        for before, after in zip(frame[column].astype(str).tolist(), values, strict=True):
            assert after == (("'" + before) if before.startswith(CSV_TRIGGERS) else before)
    assert neutralize_csv_cells(out).equals(out)  # idempotent
