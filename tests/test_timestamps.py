"""Every timestamp form of design §3, stored as UTC."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smstatus.errors import ParseError
from smstatus.timestamps import parse_timestamp, parse_timestamps

EXPECT = pd.Timestamp("2020-03-10T09:18:09.050Z")


@pytest.mark.parametrize(
    "value",
    [
        "2020-03-10T09:18:09.050Z",
        "2020-03-10T09:18:09.050000+00:00",
        "2020-03-10T04:18:09.05-05:00",
        "2020-03-10T10:18:09.050+0100",
        "1583831889050",
        1583831889050,
        1583831889.05,
        "1583831889.05",
        "2020-03-10 09:18:09.050",
        dt.datetime(2020, 3, 10, 9, 18, 9, 50000, tzinfo=dt.UTC),
        dt.datetime(2020, 3, 10, 9, 18, 9, 50000),
        pd.Timestamp("2020-03-10T10:18:09.05+01:00"),
        np.datetime64("2020-03-10T09:18:09.050"),
    ],
)
def test_every_form_to_utc(value):
    assert parse_timestamp(value) == EXPECT


def test_whole_epoch_milliseconds_are_exact():
    got = parse_timestamp("1583831889051")
    assert got.value == 1583831889051 * 1_000_000


def test_naive_zone_is_configurable():
    got = parse_timestamp("2024-03-08 08:05:55", naive_tz="Europe/Berlin")
    assert got == pd.Timestamp("2024-03-08T07:05:55Z")


def test_bad_and_absent_values():
    parsed, bad = parse_timestamps(["nope", None, float("nan"), True, "2024-13-01T00:00:00Z"])
    assert bad.tolist() == [True, False, False, True, True]
    assert parsed.isna().all()
    assert str(parsed.dtype) == "datetime64[ns, UTC]"
    with pytest.raises(ParseError, match="EndTime"):
        parse_timestamp("nope", field="EndTime")


@given(
    st.datetimes(
        min_value=dt.datetime(1990, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [
                dt.UTC,
                dt.timezone(dt.timedelta(hours=-7)),
                dt.timezone(dt.timedelta(hours=5, minutes=30)),
            ]
        ),
    )
)
def test_iso_epoch_and_datetime_agree(moment):
    iso = moment.isoformat()
    ms = int(pd.Timestamp(moment).value // 1_000_000)
    parsed, bad = parse_timestamps(
        [iso, moment, str(ms) if moment.microsecond % 1000 == 0 else iso]
    )
    assert not bad.any()
    assert parsed[0] == parsed[1] == parsed[2] == pd.Timestamp(moment).tz_convert("UTC")
