"""Reading CSVs and DataFrames, and every validation message at the edge."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsrnn.errors import DataError, DataNote
from tsrnn.io.tables import data_sha256, default_target, read_series, select_columns

from .conftest import SP500


@pytest.mark.parametrize(
    "header, first, expected",
    [
        ("Date", "1/4/1999", "1999-01-04T00:00:00"),
        ("date", "1999-01-04", "1999-01-04T00:00:00"),
        ("timestamp", "1999-01-04 09:00:00", "1999-01-04T09:00:00"),
        ("Time", "1999-01-04T09:30:00", "1999-01-04T09:30:00"),
        ("", "1999-01-04", "1999-01-04T00:00:00"),  # pandas' unnamed index column
    ],
)
def test_reads_common_date_layouts(write_csv, header, first, expected):
    path = write_csv(f"{header},Close\n{first},1.5\n")
    series = read_series(path)
    assert series.index[0].isoformat() == expected
    assert list(series.columns) == ["Close"]


def test_day_first_dates_are_read_day_first_throughout(write_csv):
    """13/01/2020 shows the layout; 05/01/2020 is then 5 January, not 1 May."""
    path = write_csv("Date,Close\n05/01/2020,1\n13/01/2020,2\n03/02/2020,3\n20/02/2020,4\n")
    assert [d.date().isoformat() for d in read_series(path).index] == ["2020-01-05", "2020-01-13", "2020-02-03", "2020-02-20"]
    path = write_csv("Date,Close\n1/5/2020,1\n1/13/2020,2\n2/3/2020,3\n")
    assert [d.date().isoformat() for d in read_series(path).index] == ["2020-01-05", "2020-01-13", "2020-02-03"]
    path = write_csv("Date,Close\n01/02/2020,1\n01/03/2020,2\n")  # every date reads both ways: month-first
    assert read_series(path).index[0].date().isoformat() == "2020-01-02"


def test_dates_written_both_ways_are_refused(write_csv):
    path = write_csv("Date,Close\n13/01/2020,1\n01/14/2020,2\n")
    with pytest.raises(DataError, match="mixes day-first \\('13/01/2020'\\) and month-first \\('01/14/2020'\\)"):
        read_series(path)


def test_a_column_of_mixed_layouts_still_parses(write_csv):
    path = write_csv("Date,Close\n2020-01-02,1\n1/3/2020,2\n2020-01-06 00:00:00,3\n")
    assert [d.date().isoformat() for d in read_series(path).index] == ["2020-01-02", "2020-01-03", "2020-01-06"]


def test_reads_shipped_sample_sorted_and_complete():
    series = read_series(SP500)
    assert len(series) == 5031
    assert series.index[0] == pd.Timestamp("1999-01-04")
    assert series.index[-1] == pd.Timestamp("2018-12-31")
    assert series.index.is_monotonic_increasing


def test_reads_dataframe_with_date_column_or_index(daily_frame):
    by_column = read_series(daily_frame)
    by_index = read_series(daily_frame.set_index(pd.to_datetime(daily_frame["Date"])).drop(columns="Date"))
    pd.testing.assert_frame_equal(by_column, by_index, check_names=False)


def test_written_by_pandas_round_trips(tmp_path, daily_frame):
    path = tmp_path / "out.csv"
    read_series(daily_frame).to_csv(path)
    assert read_series(path).index.equals(read_series(daily_frame).index)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "file not found; check the path"),
        ("", "file is empty"),
        ("Date,Close\n", "no data rows"),
        (b"\x89PNG\x00\x00\x01binary", "looks like a binary file"),
        ("Close,Open\n1,2\n", "no date column found among Close, Open"),
        ("Date,Close\n2020-01-01,1\nnot a date,2\n", "unparseable date(s) at row(s) 2 ('not a date')"),
        ("Date,Close\n2020-01-02,1\n2020-01-01,2\n", "dates are not in increasing order (2020-01-01 at row 2"),
        ("Date,Close\n2020-01-01,1\n2020-01-01,2\n", "1 duplicate date(s), e.g. 2020-01-01"),
    ],
)
def test_reading_errors_name_the_problem_and_the_fix(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(DataError) as caught:
        read_series(path)
    text = str(caught.value)
    assert message in text
    assert str(path) in text
    assert "\n" not in text


def test_unknown_column_lists_available(write_csv):
    series = read_series(write_csv("Date,Open,Close\n2020-01-01,1,2\n"))
    with pytest.raises(DataError, match=r"'Price' not found; available: Open, Close"):
        select_columns(series, ["Price"])


def test_text_in_numeric_column_names_column_and_date(write_csv):
    series = read_series(write_csv("Date,Close\n2020-01-01,1\n2020-01-02,n/a?\n2020-01-03,3\n"))
    with pytest.raises(DataError, match=r"column 'Close' has 1 non-numeric value\(s\) at 2020-01-02 \('n/a\?'\)"):
        select_columns(series, ["Close"])


def test_nan_and_inf_reported_with_count_first_date_and_fill_hint(write_csv):
    series = read_series(write_csv("Date,Close\n2020-01-01,1\n2020-01-02,\n2020-01-03,inf\n2020-01-04,4\n"))
    with pytest.raises(DataError) as caught:
        select_columns(series, ["Close"])
    text = str(caught.value)
    assert "2 NaN/inf value(s)" in text and "2020-01-02" in text and "pass fill ffill|drop" in text and "--" not in text


def test_fill_policies(write_csv):
    series = read_series(write_csv("Date,Close\n2020-01-01,1\n2020-01-02,\n2020-01-03,3\n"))
    assert select_columns(series, ["Close"], fill="ffill")["Close"].tolist() == [1.0, 1.0, 3.0]
    dropped = select_columns(series, ["Close"], fill="drop")
    assert dropped["Close"].tolist() == [1.0, 3.0]
    assert list(dropped.index.day) == [1, 3]


def test_ffill_cannot_fill_leading_nan(write_csv):
    series = read_series(write_csv("Date,Close\n2020-01-01,\n2020-01-02,2\n"))
    with pytest.raises(DataError, match="leading row"):
        select_columns(series, ["Close"], fill="ffill")


def test_constant_column_is_reported(write_csv):
    series = read_series(write_csv("Date,Close,Volume\n2020-01-01,1,0\n2020-01-02,2,0\n"))
    with pytest.warns(UserWarning, match="Volume are constant"):
        select_columns(series, ["Close", "Volume"])


def test_sha256_changes_with_any_value(daily_frame):
    series = read_series(daily_frame)
    changed = series.copy()
    changed.iloc[50, 0] += 1e-9
    assert data_sha256(series) == data_sha256(series.copy())
    assert data_sha256(series) != data_sha256(changed)
    assert np.isfinite(series.to_numpy()).all()


def test_row_numbers_written_by_pandas_are_not_read_as_a_column(tmp_path):
    frame = pd.DataFrame({"Date": pd.date_range("2020-01-01", periods=5).strftime("%Y-%m-%d"), "sales": [1.0, 2, 3, 4, 5]})
    frame.to_csv(tmp_path / "sales.csv")  # pandas writes its index 0..4 as a nameless first column
    with pytest.warns(DataNote, match="row numbers"):
        read = read_series(tmp_path / "sales.csv")
    assert list(read.columns) == ["sales"] and default_target(read) == "sales"
