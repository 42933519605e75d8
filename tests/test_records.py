"""SecondaryStatusTransition: the API's own record."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from smstatus.errors import ParseError, SmStatusError
from smstatus.records import SecondaryStatusTransition as T


def test_from_api_and_back_in_api_casing():
    rec = {
        "Status": "Downloading",
        "StartTime": "2025-05-16T11:11:32.239000-07:00",
        "EndTime": "2025-05-16T11:13:13.943000-07:00",
        "StatusMessage": "Downloading the training image",
    }
    t = T.from_api(rec)
    assert t.start_time == pd.Timestamp("2025-05-16T18:11:32.239Z")
    assert t.duration == pd.Timedelta("101.704s")
    api = t.to_api()
    assert list(api) == ["Status", "StartTime", "EndTime", "StatusMessage"]
    assert T.from_api(api) == t
    boto = t.to_api(as_datetime=True)
    assert isinstance(boto["StartTime"], dt.datetime) and boto["StartTime"].tzinfo is not None
    assert T.from_api(boto) == t


def test_open_entry_and_repr_and_replace():
    t = T("Starting", "2023-04-05T10:29:57.352000-05:00")
    assert t.end_time is None and t.duration is None
    assert "open" in repr(t) and "Starting" in repr(t)
    assert "EndTime" not in t.to_api()
    closed = t.replace(end_time="2023-04-05T15:30:00Z")
    assert closed.end_time == pd.Timestamp("2023-04-05T15:30:00Z")
    assert t.end_time is None  # frozen: replace made a copy
    with pytest.raises(AttributeError):
        t.status = "Training"  # type: ignore[misc]


def test_equality_is_by_value_across_input_forms():
    a = T("Training", 1704067200, 1704067260.5)
    b = T("Training", "2024-01-01T00:00:00Z", "2024-01-01T00:01:00.500Z")
    assert a == b and hash(a) == hash(b)


@pytest.mark.parametrize(
    ("record", "field"),
    [({"StartTime": "2024-01-01T00:00:00Z"}, "Status"), ({"Status": "Starting"}, "StartTime")],
)
def test_missing_fields_are_named(record, field):
    with pytest.raises(ParseError) as info:
        T.from_api(record)
    assert info.value.field == field
    assert isinstance(info.value, SmStatusError) and isinstance(info.value, ValueError)


def test_bad_timestamp_and_non_object():
    with pytest.raises(ParseError, match="StartTime 'yesterday'"):
        T("Starting", "yesterday")
    with pytest.raises(ParseError, match="must be an object"):
        T.from_api(["Starting"])  # type: ignore[arg-type]


def test_unknown_status_is_kept():
    assert T("Warming", "2024-01-01T00:00:00Z").status == "Warming"
