"""The frames beside the report, written by Arrow: every value reads back as the frame held it,
times in one ISO-8601 format, text cells safe in a spreadsheet, Parquet when asked."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smstatus.escaping import neutralize_csv_cells
from smstatus.report.frames import frame_to_csv_batches, write_frames

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{6}|\d{9})Z$")
TIME_COLUMNS = {
    "start_time",
    "end_time",
    "creation_time",
    "training_start_time",
    "training_end_time",
    "last_modified_time",
    "observed_at",
    "period",
}

_NS_2000_2100 = (946_684_800 * 10**9, 4_102_444_800 * 10**9)
times = st.one_of(
    st.none(),
    st.integers(*_NS_2000_2100),  # any nanosecond
    st.integers(*_NS_2000_2100).map(lambda ns: ns - ns % 10**9),  # whole seconds
)
floats = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=True))
texts = st.one_of(st.none(), st.text(max_size=12))


def _frame(rows: list[tuple]) -> pd.DataFrame:
    t, f, i, b, s, c = zip(*rows, strict=True) if rows else ([],) * 6
    return pd.DataFrame(
        {
            "t": pd.to_datetime(
                pd.array([pd.NA if v is None else v for v in t], dtype="Int64"), utc=True
            ).as_unit("ns"),
            "f": pd.array([np.nan if v is None else v for v in f], dtype="float64"),
            "i": pd.array(list(i), dtype="Int64"),
            "b": pd.array(list(b), dtype="boolean"),
            "s": pd.array(list(s), dtype=pd.StringDtype()),
            "c": pd.Categorical(list(c)),
        }
    )


def _read_back(path: Path) -> pd.DataFrame:
    """A CSV the report wrote, read as a user would: text as text, times parsed."""
    back = pd.read_csv(
        path, dtype={"s": "string", "c": "string", "i": "Int64", "b": "boolean", "f": "float64"}
    )
    back["t"] = pd.to_datetime(back["t"], utc=True).dt.as_unit("ns")
    return back


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            times,
            floats,
            st.one_of(st.none(), st.integers(-(2**53), 2**53)),
            st.one_of(st.none(), st.booleans()),
            texts,
            texts,
        ),
        max_size=8,
    ),
    st.integers(1, 4),
)
def test_every_value_reads_back_as_the_frame_held_it(tmp_path_factory, rows, slice_rows):
    frame = _frame(rows)
    folder = tmp_path_factory.mktemp("frames")
    written = write_frames({"x": frame}, folder)
    back = _read_back(written["x"])
    safe = neutralize_csv_cells(frame)
    assert len(back) == len(frame)
    pd.testing.assert_series_equal(back["t"], frame["t"], check_names=False)
    pd.testing.assert_series_equal(back["f"], frame["f"])
    pd.testing.assert_series_equal(back["i"], frame["i"])
    pd.testing.assert_series_equal(back["b"], frame["b"])
    # text (read by the csv module: pandas 2's reader drops NUL characters): the cells
    # neutralize_csv_cells makes safe, the rest as they were; an empty string and a missing
    # value are both an empty cell (as pandas wrote them)
    with written["x"].open(newline="", encoding="utf-8") as file:
        cells = list(csv.DictReader(file))
    for col in ("s", "c"):
        expected = safe[col].astype(object).where(safe[col].notna(), "").astype(str)
        assert [row[col] for row in cells] == expected.tolist()
    # written a few rows at a time, the file is the same
    sliced = b"".join(
        _csv_bytes(part, header=i == 0)
        for i, part in enumerate(frame_to_csv_batches(frame, rows=slice_rows))
    )
    assert sliced == written["x"].read_bytes()


def _csv_bytes(table, *, header: bool) -> bytes:
    import io

    import pyarrow.csv as pcsv

    buf = io.BytesIO()
    pcsv.write_csv(table, buf, pcsv.WriteOptions(include_header=header))
    return buf.getvalue()


def test_times_are_iso_utc_with_one_fraction_width_per_column(tmp_path: Path) -> None:
    texts = ["2025-01-01T10:00:00Z", "2025-01-01T10:00:00.5Z", "1999-12-31T23:59:59.000001Z"]
    micro = pd.Series(pd.to_datetime([*texts, None], format="ISO8601")).dt.as_unit("ns")
    nano = micro + pd.to_timedelta([0, 0, 1, 0], unit="ns")
    none = pd.Series(pd.NaT, index=micro.index, dtype="datetime64[ns, UTC]")
    frame = pd.DataFrame(
        {"us": micro, "ns": nano, "naive": micro.dt.tz_localize(None), "none": none}
    )
    path = write_frames({"t": frame}, tmp_path)["t"]
    rows = list(csv.reader(path.read_text().splitlines()))
    us = ["2025-01-01T10:00:00.000000Z", "2025-01-01T10:00:00.500000Z"]
    us.append("1999-12-31T23:59:59.000001Z")
    ns = ["2025-01-01T10:00:00.000000000Z", "2025-01-01T10:00:00.500000000Z"]
    ns.append("1999-12-31T23:59:59.000001001Z")
    assert rows[1:] == [*([u, n, u, ""] for u, n in zip(us, ns, strict=True)), ["", "", "", ""]]
    # read back by pandas as a user would, without a format
    back = pd.read_csv(path, parse_dates=["us", "ns", "naive"])
    for col in ("us", "ns"):
        pd.testing.assert_series_equal(back[col].dt.as_unit("ns"), frame[col])
    assert (back["naive"].dt.tz_convert(None).dt.as_unit("ns") == frame["naive"]).iloc[:3].all()


def test_a_named_index_is_written_as_the_first_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"seconds": [1.5, 2.0]}, index=pd.Index(["=cmd", "Training"], name="status")
    )
    path = write_frames({"x": frame}, tmp_path)["x"]
    back = pd.read_csv(path)
    assert back.columns.tolist() == ["status", "seconds"]
    assert back["status"].tolist() == ["'=cmd", "Training"]


def test_durations_and_objects_are_written_as_pandas_prints_them(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"d": pd.to_timedelta([1.5, None], unit="s"), "o": pd.Series([3, "+x"], dtype=object)}
    )
    back = pd.read_csv(write_frames({"x": frame}, tmp_path)["x"], dtype=str)
    assert pd.to_timedelta(back["d"]).tolist()[0] == pd.Timedelta(seconds=1.5)
    assert back["d"].isna().tolist() == [False, True]
    assert back["o"].tolist() == ["3", "'+x"]


def test_parquet_keeps_every_value_and_dtype(tmp_path: Path) -> None:
    from smstatus.simulation.sample import load_sample

    history = load_sample()
    written = write_frames(
        {"jobs": history.jobs, "transitions": history.transitions},
        tmp_path,
        frames_format="parquet",
    )
    assert {p.name for p in written.values()} == {"jobs.parquet", "transitions.parquet"}
    for name, frame in (("jobs", history.jobs), ("transitions", history.transitions)):
        back = pd.read_parquet(written[name])
        # the kind of each dtype (pandas 2 reads pyarrow strings back as python strings)
        assert [type(d) for d in back.dtypes] == [type(d) for d in frame.dtypes], name
        pd.testing.assert_frame_equal(back, frame, check_dtype=False, check_categorical=False)


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv, parquet"):
        write_frames({}, tmp_path, frames_format="xlsx")  # type: ignore[arg-type]


def test_the_sample_reads_back_from_its_csvs(tmp_path: Path) -> None:
    """jobs.csv and transitions.csv of the bundled sample: every time column in the one
    format, and each value the history holds."""
    from smstatus.simulation.sample import load_sample

    history = load_sample()
    written = write_frames({"jobs": history.jobs, "transitions": history.transitions}, tmp_path)
    for name, frame in (("jobs", history.jobs), ("transitions", history.transitions)):
        back = pd.read_csv(written[name], dtype=str, keep_default_na=False)
        for col in TIME_COLUMNS & set(frame.columns):
            cells = back[col][back[col] != ""]
            assert cells.str.match(ISO_UTC).all(), (name, col)
            parsed = pd.to_datetime(back[col].replace("", None), utc=True)
            pd.testing.assert_series_equal(parsed.dt.as_unit("ns"), frame[col], check_names=False)
    back = pd.read_csv(written["transitions"], keep_default_na=False, dtype=str)
    assert back["status"].tolist() == history.transitions["status"].astype(str).tolist()
    assert back["step"].astype(int).tolist() == history.transitions["step"].tolist()
