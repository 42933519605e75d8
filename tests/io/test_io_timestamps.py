"""The bulk timestamp parser: Arrow first, pandas for the rest, the same answers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from dateutil.tz import tzlocal

from smstatus.timestamps import parse_timestamps

T = pd.Timestamp("2020-03-10T09:18:09.050Z")


@pytest.mark.parametrize(
    "values",
    [
        ["2020-03-10T09:18:09.050Z"] * 3,  # the all-zoned fast path
        ["2020-03-10T09:18:09.050Z", "1583831889050", " 2020-03-10 09:18:09.05 "],
        ["2020-03-10T10:18:09,050+01:00"],  # comma fraction: Arrow refuses, pandas reads
        [1583831889050, "2020-03-10T09:18:09.050+00:00", dt.datetime(2020, 3, 10, 9, 18, 9, 50000)],
        pa.array(["2020-03-10T09:18:09.050Z"]),
        pa.chunked_array([["2020-03-10T09:18:09.050Z"], ["1583831889.05"]]),
        pd.Series(["2020-03-10T09:18:09.050Z"], dtype="string[pyarrow]"),
        pd.Series([1583831889050]),
        pd.Series([1583831889.05]),
        pd.Series(pd.to_datetime(["2020-03-10T10:18:09.050+01:00"], format="ISO8601")),
        np.array(["2020-03-10T09:18:09.050"], dtype="datetime64[ns]"),
    ],
)
def test_every_container_and_mix(values):
    parsed, bad = parse_timestamps(values)
    assert not bad.any()
    assert (parsed == T).all()
    assert str(parsed.dtype) == "datetime64[ns, UTC]"


def test_bad_values_are_flagged_one_by_one():
    values = ["2020-03-10T09:18:09Z", "nope", None, "", "2020-02-30T00:00:00Z", "1e400", "  "]
    parsed, bad = parse_timestamps(values)
    assert bad.tolist() == [False, True, False, True, True, True, True]
    assert parsed[0] == pd.Timestamp("2020-03-10T09:18:09Z")
    assert parsed[1:].isna().all()


def test_out_of_range_epochs_are_bad_not_wrapped():
    parsed, bad = parse_timestamps([1e300, "99999999999999999999", float("nan"), np.inf])
    assert bad.tolist() == [True, True, False, True]
    assert parsed.isna().all()


def test_naive_strings_and_datetimes_in_a_zone_with_dst_gaps():
    parsed, bad = parse_timestamps(
        ["2024-07-01 12:00:00", "2024-03-31 02:30:00", dt.datetime(2024, 7, 1, 12)],
        naive_tz="Europe/Berlin",
    )
    assert parsed[0] == parsed[2] == pd.Timestamp("2024-07-01T10:00Z")
    assert bad.tolist() == [False, True, False]  # 02:30 does not exist that night


def test_local_datetimes_keep_their_offset():
    value = dt.datetime(2024, 1, 1, 12, tzinfo=tzlocal())
    parsed, bad = parse_timestamps([value, "x"])
    assert parsed[0] == pd.Timestamp(value) and bad.tolist() == [False, True]


def test_nanoseconds_survive():
    parsed, _ = parse_timestamps(["2020-01-01T00:00:00.123456789Z"])
    assert parsed[0].value % 1_000_000_000 == 123456789


def test_zone_aware_datetimes_use_each_value_own_offset():
    from dateutil.tz import gettz

    new_york = gettz("America/New_York")
    values = [
        dt.datetime(2024, 1, 15, 12, tzinfo=new_york),  # EST, -05:00
        dt.datetime(2024, 7, 15, 12, tzinfo=new_york),  # EDT, -04:00
        dt.datetime(2024, 7, 15, 12, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        pd.Timestamp("2024-07-15T12:00:00.000000001+02:00"),
    ]
    parsed, bad = parse_timestamps(values)
    assert not bad.any()
    assert parsed.tolist() == [
        pd.Timestamp("2024-01-15T17:00Z"),
        pd.Timestamp("2024-07-15T16:00Z"),
        pd.Timestamp("2024-07-15T06:30Z"),
        pd.Timestamp("2024-07-15T10:00:00.000000001Z"),
    ]
