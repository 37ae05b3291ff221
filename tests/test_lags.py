"""Lagged targets (`target_lag`): a copy of each target some rows back (a week less the horizon, for
hourly rows), so that a short window sees the values a week before its targets, without reading any
row after its own."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from tsrnn import Forecaster
from tsrnn.errors import ConfigError
from tsrnn.features.lags import add_lagged_targets, week_before_targets


def _hourly(rows: int = 24 * 7 * 5, seed: int = 0, start: str = "2024-01-01") -> pd.DataFrame:
    """Hours with a daily cycle and quieter weekends (a weekly season), and noise."""
    index = pd.date_range(start, periods=rows, freq="h")
    hour, weekend = np.asarray(index.hour), np.asarray(index.dayofweek >= 5)
    noise = np.random.default_rng(seed).normal(0, 0.5, rows)
    return pd.DataFrame({"load": 20 + 5 * np.sin(2 * np.pi * hour / 24) - 6 * weekend + noise}, index=index)


def test_the_lagged_column_holds_the_target_rows_back_and_never_a_later_row():
    frame = _hourly(400)
    lagged = add_lagged_targets(frame, ("load",), 120)["load@t-120"].to_numpy()
    values = frame["load"].to_numpy()
    np.testing.assert_array_equal(lagged[120:], values[:-120])
    assert (lagged[:120] == values[0]).all()  # before the series starts: its first value, a change of zero
    changed = frame.copy()
    changed.iloc[200:, 0] += 100.0  # rows from 200 on change: the lagged column moves from row 320 on only
    moved = add_lagged_targets(changed, ("load",), 120)["load@t-120"].to_numpy()
    np.testing.assert_array_equal(moved[:320], lagged[:320])
    assert (moved[320:] == lagged[320:] + 100.0).all()


def test_a_target_lag_adds_one_input_per_target_and_the_default_adds_none():
    lag = week_before_targets(_hourly().index, 24, horizon=4)
    assert lag == 168 - 4
    hourly = Forecaster(horizon=4, lookback=24, units=2, epochs=1, seed=0, target_lag=lag).fit(_hourly())
    assert hourly.window_spec_.inputs == ("load", "load@t-164") and hourly.choices_["lagged_inputs"] == ["load@t-164"]
    assert hourly.model_.input_shape == (None, 24, 2)
    default = Forecaster(horizon=4, lookback=24, units=2, epochs=1, seed=0).fit(_hourly())
    assert default.window_spec_.inputs == ("load",) and "lagged_inputs" not in default.choices_
    days = pd.date_range("2020-01-01", periods=200, freq="D")
    assert week_before_targets(days, 7, horizon=2) == 0  # daily rows: no longer season


@pytest.mark.parametrize("lag", [0, 164])
def test_the_forecast_reads_last_week_only_through_the_lagged_target(lag):
    data = _hourly()
    forecaster = Forecaster(horizon=4, lookback=24, units=3, epochs=1, seed=0, shrinkage=False, target_lag=lag).fit(data)
    week_before = data.copy()
    week_before.iloc[-168 + 2, 0] += 5.0  # a week before the forecast's second step: outside the 24-row window
    first, second = (forecaster.predict(frame).iloc[-1].to_numpy() for frame in (data, week_before))
    if lag == 0:
        np.testing.assert_array_equal(first, second)
        return
    assert np.abs(first - second).max() > 1e-6
    needed = 24 + lag + 1  # the window, the lag, and the row before them that its first change reads
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recent = forecaster.predict(data.iloc[-needed:]).iloc[-1].to_numpy()
    np.testing.assert_allclose(recent, first, rtol=1e-6)  # enough rows: the same forecast as from all of them
    with pytest.warns(UserWarning, match=f"needs {needed} rows .*target_lag=164"):
        forecaster.predict(data.iloc[-needed + 1:])


def test_a_bad_target_lag_is_one_line():
    with pytest.raises(ConfigError, match="target_lag"):
        Forecaster(horizon=4, lookback=24, units=2, epochs=1, target_lag=-1).fit(_hourly())


def test_the_cli_says_what_the_window_also_reads_and_refuses_a_negative_lag(tmp_path):
    from click.testing import CliRunner

    from tsrnn.cli import main

    path = tmp_path / "load.csv"
    _hourly().rename_axis("Date").reset_index().to_csv(path, index=False)
    common = ["fit", str(path), "--horizon", "4", "--lookback", "24", "--units", "2", "--epochs", "1", "--seed", "0", "-q"]
    result = CliRunner().invoke(main, [*common, "--target-lag", "164", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "the window also reads load@t-164 (the target that many rows back)" in result.output
    refused = CliRunner().invoke(main, [*common, "--target-lag", "-1", "--out", str(tmp_path / "bad")])
    assert refused.exit_code == 2 and "--target-lag must be an integer >= 0" in refused.output
    assert "Traceback" not in refused.output
    assert not (tmp_path / "bad").exists()
