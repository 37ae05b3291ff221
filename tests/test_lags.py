"""Lagged targets: a copy of each target a week less the horizon back, so that a short window of
hourly rows sees the values a week before its targets, without reading any row after its own."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsrnn import Forecaster
from tsrnn.errors import ConfigError
from tsrnn.features.lags import add_lagged_targets


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


def test_hourly_data_gets_a_week_less_the_horizon_and_daily_data_none():
    hourly = Forecaster(horizon=4, lookback=24, units=2, epochs=1, seed=0).fit(_hourly())
    assert hourly.window_spec_.target_lag == 168 - 4
    assert hourly.window_spec_.inputs == ("load", "load@t-164")
    assert hourly.resolved_["target_lag"] == 164
    days = _hourly(200).set_axis(pd.date_range("2020-01-01", periods=200, freq="D"))
    assert Forecaster(horizon=2, lookback=14, units=2, epochs=1, seed=0).fit(days).window_spec_.target_lag == 0
    off = Forecaster(horizon=4, lookback=24, units=2, epochs=1, seed=0, target_lag=0).fit(_hourly())
    assert off.window_spec_.inputs == ("load",)
    direction = Forecaster(task="classification", horizon=4, lookback=24, units=2, epochs=1, seed=0).fit(_hourly())
    assert direction.window_spec_.target_lag == 0


@pytest.mark.parametrize("lag", [0, None])
def test_the_forecast_reads_last_week_only_through_the_lagged_target(lag):
    data = _hourly()
    forecaster = Forecaster(horizon=4, lookback=24, units=3, epochs=1, seed=0, shrinkage=False, target_lag=lag).fit(data)
    week_before = data.copy()
    week_before.iloc[-168 + 2, 0] += 5.0  # a week before the forecast's second step: outside the 24-row window
    first, second = (forecaster.predict(frame).iloc[-1].to_numpy() for frame in (data, week_before))
    if lag == 0:
        np.testing.assert_array_equal(first, second)
    else:
        assert np.abs(first - second).max() > 1e-6


def test_a_bad_target_lag_is_one_line():
    with pytest.raises(ConfigError, match="target_lag"):
        Forecaster(horizon=4, lookback=24, units=2, epochs=1, target_lag=-1).fit(_hourly())
