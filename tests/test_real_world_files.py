"""Files as people have them: the shipped prices written the way spreadsheets, brokers, financial
websites and APIs write them (tests/fixtures/real_world/, from make_fixtures.py) read to the same
series and give the same forecasts as the clean file."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn import Forecaster
from tsrnn.cli import main
from tsrnn.errors import DataError, DataNote
from tsrnn.io.tables import ReadOptions, read_series

FIXTURES = "tests/fixtures/real_world"
PRICES = ["Open", "High", "Low", "Close", "Adj Close"]
# file -> (read options, relative tolerance of the volume as written)
STYLED = {
    "thousands_quoted.csv": (ReadOptions(), 0.0),
    "european.csv": (ReadOptions(), 0.0),
    "header_spaces.csv": (ReadOptions(), 0.0),
    "volume_millions.csv": (ReadOptions(), 1e-5),  # 1501.62M keeps 10,000 shares
    "utc_offsets.csv": (ReadOptions(), 0.0),
    "excel_serial_dates.csv": (ReadOptions(date_format="excel"), 0.0),
    "epoch_dates.csv": (ReadOptions(date_format="epoch"), 0.0),
}


@pytest.fixture(scope="module")
def clean():
    return read_series(f"{FIXTURES}/clean.csv")


def _read(name, options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = read_series(f"{FIXTURES}/{name}", options)
    return frame, [str(w.message) for w in caught if issubclass(w.category, DataNote)]


@pytest.mark.parametrize("name", sorted(STYLED))
def test_every_export_style_reads_to_the_clean_series(name, clean):
    options, volume_tolerance = STYLED[name]
    frame, _ = _read(name, options)
    assert frame.index.equals(clean.index)
    assert list(frame.columns) == list(clean.columns)
    np.testing.assert_allclose(frame[PRICES].to_numpy(), clean[PRICES].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(frame["Volume"].to_numpy(), clean["Volume"].to_numpy(), rtol=volume_tolerance or 1e-12)


def test_a_financial_website_export_newest_first_with_suffixes_and_percentages(clean):
    frame, notes = _read("website_newest_first.csv", ReadOptions())
    assert frame.index.equals(clean.index)
    np.testing.assert_allclose(frame["Price"], clean["Close"], rtol=1e-9)
    np.testing.assert_allclose(frame["Vol."], clean["Volume"], rtol=5e-3)  # 1.14B keeps three figures
    np.testing.assert_allclose(frame["Change %"].iloc[1:], clean["Close"].pct_change().iloc[1:], atol=5e-5)
    assert any("dates run newest first" in note for note in notes)


def test_each_rule_is_told_once_as_a_note():
    _, notes = _read("european.csv", ReadOptions())
    assert notes == [f"{FIXTURES}/european.csv: read with fields separated by semicolons and a decimal comma"]
    frame, _ = _read("thousands_quoted.csv", ReadOptions())
    from tsrnn.io.tables import select_columns

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        select_columns(frame, ["Close", "Volume"])
    assert [str(w.message) for w in caught] == [
        f"{FIXTURES}/thousands_quoted.csv: column 'Close' read as numbers with thousands separators ','",
        f"{FIXTURES}/thousands_quoted.csv: column 'Volume' read as numbers with thousands separators ','",
    ]


@pytest.fixture(scope="module")
def fitted():
    return Forecaster(lookback=10, units=4, epochs=1, batch_size=32, seed=0, target_anchor="last").fit(f"{FIXTURES}/clean.csv")


@pytest.mark.parametrize("name", sorted(STYLED))
def test_every_export_style_gives_the_clean_file_forecasts(name, fitted):
    expected = fitted.predict(f"{FIXTURES}/clean.csv")
    options = STYLED[name][0]
    fitted.set_params(date_format=options.date_format)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataNote)
            forecast = fitted.predict(f"{FIXTURES}/{name}")
    finally:
        fitted.set_params(date_format=None)
    pd.testing.assert_frame_equal(forecast, expected, rtol=1e-6)


def test_dates_written_as_numbers_need_the_option():
    with pytest.raises(DataError, match=r"column 'Date' holds numbers \('36164'\), not dates; pass date_format excel"):
        read_series(f"{FIXTURES}/excel_serial_dates.csv")
    with pytest.raises(DataError, match="date_format epoch"):
        read_series(f"{FIXTURES}/epoch_dates.csv")


def test_utc_offsets_are_read_in_one_zone_chosen_by_option(clean):
    utc, _ = _read("utc_offsets.csv", ReadOptions(timezone="UTC"))
    assert set(utc.index.hour) == {4, 5}  # midnight in New York, before and after the clock change
    assert utc.index.normalize().equals(clean.index)
    new_york, _ = _read("utc_offsets.csv", ReadOptions(timezone="America/New_York"))
    assert new_york.index.equals(clean.index)


def test_offsets_mixed_with_naive_timestamps_are_refused(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("Date,Close\n2020-03-06T00:00:00-05:00,1\n2020-03-09 00:00:00,2\n2020-03-10T00:00:00-04:00,3\n")
    with pytest.raises(DataError, match="mixes timestamps with a UTC offset .* and without .*row 2"):
        read_series(path)


def test_a_column_that_mixes_styles_is_one_error_naming_the_rows():
    frame = read_series(f"{FIXTURES}/mixed_styles.csv")
    from tsrnn.io.tables import select_columns

    with pytest.raises(DataError, match=r"column 'Close' mixes percentages \(1999-01-11: '1.5%'\) with plain numbers "
                                        r"\(1999-01-04: '1228.099976'\); write the column one way"):
        select_columns(frame, ["Close"])


def test_disorder_other_than_newest_first_stays_an_error(tmp_path):
    path = tmp_path / "shuffled.csv"
    path.write_text("Date,Close\n2020-01-03,1\n2020-01-01,2\n2020-01-02,3\n")
    with pytest.raises(DataError, match="dates are not in increasing order"):
        read_series(path)


FEATURES = ["Open", "High", "Low", "Close", "Volume"]


def test_volume_with_zero_days_gets_a_transform_defined_for_it(tmp_path):
    data = f"{FIXTURES}/zero_volume_days.csv"
    forecaster = Forecaster(lookback=10, units=4, epochs=1, seed=0, features=FEATURES).fit(data)
    assert forecaster.choices_["input_transforms"] == {"Open": "log_return", "High": "log_return", "Low": "log_return",
                                                       "Volume": "log1p_difference"}
    assert np.isfinite(forecaster.predict(data).to_numpy()).all()
    forecaster.save(tmp_path / "run")
    stored = json.loads((tmp_path / "run" / "run.json").read_text())
    assert stored["resolved"]["input_transforms"]["Volume"] == "log1p_difference"
    assert stored["window_spec"]["input_transforms"] == ["log_return"] * 3 + ["log_return", "log1p_difference"]

    explicit = Forecaster(lookback=10, units=4, epochs=1, seed=0, features=FEATURES,
                          input_transforms={"Volume": "difference"}).fit(data)
    assert explicit.window_spec_.transforms[-1] == "difference"


def test_a_zero_after_the_training_rows_names_the_option(tmp_path):
    frame = read_series(f"{FIXTURES}/clean.csv")
    frame.iloc[-3, frame.columns.get_loc("Volume")] = 0.0  # in the test rows: training rows chose log returns
    with pytest.raises(DataError, match=r"input 'Volume' is 0 on 2000-03-08, which its transform log_return cannot take "
                                        r".*pass input_transforms Volume=log1p_difference"):
        Forecaster(lookback=10, units=4, epochs=1, features=FEATURES).fit(frame)


def test_only_a_target_that_cannot_take_its_transform_is_an_error():
    frame = read_series(f"{FIXTURES}/zero_volume_days.csv")
    with pytest.raises(DataError, match="target 'Volume' has zero or negative values, which log returns cannot use"):
        Forecaster(lookback=10, target="Volume").fit(frame)


def test_cli_fits_exports_and_says_how_it_read_them(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["fit", f"{FIXTURES}/website_newest_first.csv", "--out", str(tmp_path / "site"),
                                  "--lookback", "10", "--units", "4", "--epochs", "1", "--seed", "0", "-q"])
    assert result.exit_code == 0, result.output
    assert "dates run newest first" in result.output and "target Price" in result.output

    result = runner.invoke(main, ["fit", f"{FIXTURES}/zero_volume_days.csv", "--features", ",".join(FEATURES),
                                  "--out", str(tmp_path / "zero"), "--lookback", "10", "--units", "4", "--epochs", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert "inputs Open log_return, High log_return, Low log_return, Volume log1p_difference" in result.output

    result = runner.invoke(main, ["predict", str(tmp_path / "zero"), f"{FIXTURES}/excel_serial_dates.csv"])
    assert result.exit_code == 2 and "--date-format excel" in result.output and "Traceback" not in result.output
    excel = runner.invoke(main, ["predict", str(tmp_path / "zero"), f"{FIXTURES}/excel_serial_dates.csv", "--date-format", "excel"])
    clean = runner.invoke(main, ["predict", str(tmp_path / "zero"), f"{FIXTURES}/zero_volume_days.csv"])
    assert excel.exit_code == 0 and clean.exit_code == 0, excel.output
    assert excel.stdout.splitlines()[-1].split(",")[0] == clean.stdout.splitlines()[-1].split(",")[0] == "2000-03-10"
    result = runner.invoke(main, ["fit", f"{FIXTURES}/clean.csv", "--input-transform", "Volume=log", "--features", "Close,Volume"])
    assert result.exit_code == 2 and "--input-transform takes COLUMN=TRANSFORM" in result.output


def test_what_download_writes_for_hourly_bars_fits_and_predicts(tmp_path):
    from tsrnn.io.yahoo import normalize, write_csv

    hours = pd.date_range("2024-03-01 09:30", periods=7, freq="h", tz="America/New_York")
    days = pd.bdate_range("2024-03-01", periods=60)
    index = pd.DatetimeIndex([d.tz_localize("America/New_York") + (h - hours[0].normalize()) for d in days for h in hours])
    close = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.002, len(index))))
    raw = pd.DataFrame({"Open": close, "High": close * 1.001, "Low": close * 0.999, "Close": close, "Volume": 1e6}, index=index)
    path = tmp_path / "SPY_1h.csv"
    write_csv(normalize(raw, "SPY"), path)
    forecaster = Forecaster(lookback=14, units=4, epochs=1, seed=0).fit(path)
    forecast = forecaster.predict(path)
    assert forecast.index[-1] == pd.Timestamp("2024-05-23 15:30") and np.isfinite(forecast.to_numpy()).all()
