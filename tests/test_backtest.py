"""Walk-forward folds, no look-ahead, baselines with known answers, trading alignment, and the CLI."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn import Forecaster
from tsrnn.cli import main
from tsrnn.cli.tables import _backtest_table
from tsrnn.errors import ConfigError
from tsrnn.evaluation.trading import max_drawdown, performance, positions_from_forecast, strategy_returns
from tsrnn.evaluation.walk_forward import backtest, walk_forward_folds
from tsrnn.features.windowing import window_ends
from tsrnn.forecasting.baselines import (
    DriftForecaster,
    MovingAverageForecaster,
    NaiveForecaster,
    RidgeForecaster,
    SeasonalNaiveForecaster,
)

from .conftest import TINY


def spans(folds):
    return [(f.train_start, f.train_end, f.test_start, f.test_end) for f in folds]


def test_expanding_folds_hand_checked():
    assert spans(walk_forward_folds(100, folds=3, test_size=10)) == [(0, 70, 70, 80), (0, 80, 80, 90), (0, 90, 90, 100)]


def test_sliding_folds_with_embargo_hand_checked():
    folds = walk_forward_folds(100, folds=3, test_size=10, window="sliding", train_size=30, gap=5)
    assert spans(folds) == [(35, 65, 70, 80), (45, 75, 80, 90), (55, 85, 90, 100)]


def test_fold_options_are_validated():
    with pytest.raises(ConfigError, match="sliding window needs train_size"):
        walk_forward_folds(100, window="sliding")
    with pytest.raises(ConfigError, match="window must be one of expanding, sliding"):
        walk_forward_folds(100, window="rolling")


def frame_of(values, **columns) -> pd.DataFrame:
    data = {"Close": np.asarray(values, dtype=float), **columns}
    return pd.DataFrame(data, index=pd.bdate_range("2020-01-01", periods=len(values)))


def window_args(**changes):
    return {"lookback": 6, "horizon": 2, "target": "Close", "target_transform": "level", **changes}


def run_baseline(forecaster, frame):
    spec = forecaster.make_window_spec()
    ends = window_ends(len(frame), spec)
    return forecaster.fit(frame).forecast_levels(frame, ends), frame["Close"].to_numpy()[np.asarray(ends)[:, None] + [1, 2]]


def test_naive_is_exact_on_a_constant_series():
    forecast, actual = run_baseline(NaiveForecaster(**window_args()), frame_of(np.full(40, 7.5)))
    np.testing.assert_array_equal(forecast[..., 0], actual)


def test_seasonal_naive_is_exact_on_a_pure_seasonal_series():
    season = np.tile([1.0, 5.0, 2.0, 8.0, 3.0], 10)
    forecast, actual = run_baseline(SeasonalNaiveForecaster(period=5, **window_args()), frame_of(season))
    np.testing.assert_array_equal(forecast[..., 0], actual)
    naive, _ = run_baseline(NaiveForecaster(**window_args()), frame_of(season))
    assert np.abs(naive[..., 0] - actual).mean() > 1


def test_drift_and_ridge_are_exact_on_a_straight_line():
    line = 10 + 0.5 * np.arange(60)
    for forecaster in (DriftForecaster(**window_args()), RidgeForecaster(alpha=1e-6, **window_args(target_transform="difference"))):
        forecast, actual = run_baseline(forecaster, frame_of(line))
        np.testing.assert_allclose(forecast[..., 0], actual, atol=1e-4)


def test_moving_average_hand_checked():
    forecaster = MovingAverageForecaster(window=3, **window_args(lookback=3, horizon=1))
    frame = frame_of([1.0, 2.0, 3.0, 4.0, 8.0])
    assert forecaster.fit(frame).forecast_levels(frame, range(2, 4))[:, 0, 0].tolist() == [2.0, 3.0]


class SpyForecaster(NaiveForecaster):
    """Records the last date and contents of every frame it is fitted on."""

    seen: list = []
    name = "spy"

    def fit(self, frame):
        SpyForecaster.seen.append((frame.index[-1], frame.to_numpy().copy()))
        return super().fit(frame)


@pytest.mark.parametrize("window, train_size, gap", [("expanding", None, 0), ("sliding", 60, 3)])
def test_no_fold_trains_on_its_test_period_or_later(window, train_size, gap):
    rng = np.random.default_rng(0)
    frame = frame_of(100 + rng.normal(size=200).cumsum())
    settings = dict(folds=3, test_size=20, window=window, train_size=train_size, gap=gap)
    SpyForecaster.seen = []
    template = NaiveForecaster(**window_args())
    result = backtest(template, frame, baselines=[SpyForecaster(**window_args())], **settings)
    original = list(SpyForecaster.seen)
    folds = walk_forward_folds(200, **settings)
    for (last_date, _), fold in zip(original, folds):
        assert last_date < frame.index[fold.test_start - gap]
    # Changing every value from a fold's test start on changes nothing that fold's training saw.
    for k, fold in enumerate(folds):
        altered = frame.copy()
        altered.iloc[fold.test_start :, 0] *= 10
        SpyForecaster.seen = []
        backtest(template, altered, baselines=[SpyForecaster(**window_args())], **settings)
        np.testing.assert_array_equal(SpyForecaster.seen[k][1], original[k][1])
    # Every forecast's target lies in its fold's test period, after the window's end.
    predictions = result.predictions
    assert (predictions["date"] > predictions["origin"]).all()
    for fold in folds:
        dates = predictions.loc[predictions["fold"] == fold.index, "date"]
        assert dates.min() >= frame.index[fold.test_start] and dates.max() <= frame.index[fold.test_end - 1]


def test_refit_every_reuses_the_fitted_model():
    frame = frame_of(100 + np.random.default_rng(1).normal(size=150).cumsum())
    SpyForecaster.seen = []
    result = backtest(NaiveForecaster(**window_args()), frame, baselines=[SpyForecaster(**window_args())], folds=4,
                      test_size=20, refit_every=2)
    assert len(SpyForecaster.seen) == 2
    assert result.folds["refit"].tolist() == [True, False, True, False]


def test_trading_returns_are_earned_the_next_day():
    prices = np.array([100.0, 110.0, 99.0, 108.9, 108.9])
    positions = np.array([1.0, 0.0, 1.0, 1.0])
    returns = strategy_returns(prices, positions, cost_bps=10)
    # day 0 long earns +10% minus entry cost; day 1 flat pays the exit; day 2 long earns +10%; day 3 holds 0%.
    np.testing.assert_allclose(returns, [0.1 - 0.001, -0.001, 0.1 - 0.001, 0.0])
    equity = np.cumprod(1 + returns)
    np.testing.assert_allclose(equity[-1], 1.099 * 0.999 * 1.099)
    assert positions_from_forecast(np.array([100.0, 100.0]), np.array([101.0, 99.0]), rule="long_short").tolist() == [1.0, -1.0]


def test_with_a_longer_horizon_every_position_earns_one_day_only():
    # Origins skip days at fold boundaries when horizon > 1; no position may be credited a multi-day move.
    prices = 100 * np.exp(np.random.default_rng(3).normal(0.001, 0.02, size=200).cumsum())
    frame = frame_of(prices)
    result = backtest(DriftForecaster(**window_args(horizon=3)), frame, folds=3, test_size=30, cost_bps=0.0)
    origins = np.sort(result.predictions.query("forecaster == 'model' and step == 1")["origin_row"].to_numpy())
    assert (np.diff(origins) > 1).any()  # the skipped days this test is about
    rule = positions_from_forecast(prices[origins], result.predictions.query("forecaster == 'model' and step == 1")
                                   .sort_values("origin_row")["forecast"].to_numpy())
    expected = np.prod(1 + rule * (prices[origins + 1] / prices[origins] - 1)) - 1
    assert result.metrics["trading"]["overall"]["model"]["total_return"] == pytest.approx(expected)
    assert result.metrics["trading"]["overall"]["buy_and_hold"]["total_return"] == pytest.approx(
        np.prod(prices[origins + 1] / prices[origins]) - 1)


def test_the_trading_year_follows_the_dates():
    monthly = pd.DataFrame({"Close": 100 + np.arange(120.0)}, index=pd.date_range("2000-01-01", periods=120, freq="MS"))
    result = backtest(DriftForecaster(**window_args()), monthly, folds=2, test_size=24)
    assert result.metrics["trading"]["periods_per_year"] == 12.0
    returns = result.equity["buy_and_hold_equity"]
    assert result.metrics["trading"]["overall"]["buy_and_hold"]["annual_return"] == pytest.approx(
        returns.iloc[-1] ** (12 / len(returns)) - 1)


def test_returns_over_less_than_a_year_are_not_annualised():
    # 30 % an hour for 48 hours, compounded over a year of hours, is beyond any float (it stopped the
    # backtest with an OverflowError); less than a year is not annualised at all (the GIPS rule).
    hourly = pd.DataFrame({"Close": 100 * 1.3 ** np.arange(80.0)}, index=pd.date_range("2024-01-01", periods=80, freq="h"))
    result = backtest(DriftForecaster(**window_args()), hourly, folds=2, test_size=24)
    assert result.metrics["trading"]["overall"]["buy_and_hold"]["annual_return"] is None
    assert result.metrics["trading"]["overall"]["buy_and_hold"]["total_return"] == pytest.approx(
        result.equity["buy_and_hold_equity"].iloc[-1] - 1)
    assert performance(np.full(4, 0.01), periods_per_year=4)["annual_return"] == pytest.approx(1.01 ** 4 - 1)
    assert performance(np.full(250, 0.001))["annual_return"] == pytest.approx(1.001 ** (250 * 252 / 250) - 1)
    assert performance(np.full(100, 0.001))["annual_return"] is None
    assert " n/a" in _backtest_table(result.metrics)


def test_performance_figures_hand_checked():
    returns = np.array([0.01, -0.02, 0.03, 0.0])
    report = performance(returns, positions=np.array([1.0, 1.0, 1.0, 0.0]))
    assert report["total_return"] == pytest.approx(1.01 * 0.98 * 1.03 - 1)
    assert report["sharpe"] == pytest.approx(returns.mean() / returns.std(ddof=1) * np.sqrt(252))
    assert report["sortino"] == pytest.approx(returns.mean() / np.sqrt(np.mean(np.minimum(returns, 0) ** 2)) * np.sqrt(252))
    assert report["max_drawdown"] == pytest.approx(-0.02)
    assert report["hit_rate"] == pytest.approx(2 / 3)
    assert report["exposure"] == 0.75
    assert max_drawdown(np.array([1.0, 1.2, 0.9, 1.3])) == pytest.approx(0.9 / 1.2 - 1)


def test_backtest_of_the_forecaster_reports_every_baseline(sp500_slice):
    result = backtest(Forecaster(**TINY), sp500_slice, folds=2, test_size=40)
    assert set(result.metrics["overall"]) == {"model", "naive_last_value", "seasonal_naive", "drift", "moving_average", "ridge",
                                                  "naive2"}  # sp500's business days have a season of 5 rows
    assert len(result.folds) == 2
    assert set(result.metrics["trading"]["overall"]) == {"model", "naive_last_value", "buy_and_hold"}
    # buy and hold earns exactly the price change over the concatenated test days
    equity = result.equity["buy_and_hold_equity"]
    prices = pd.read_csv(sp500_slice, index_col=0)["Close"].to_numpy()
    assert equity.iloc[-1] == pytest.approx(prices[-1] / prices[-81], rel=1e-9)


def test_cli_backtest_writes_everything(sp500_slice, tmp_path):
    out = tmp_path / "bt"
    result = CliRunner().invoke(main, ["backtest", str(sp500_slice), "--folds", "2", "--test-size", "40", "--lookback", "10",
                                       "--units", "4", "--epochs", "1", "--seed", "0", "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "naive_last_value" in result.output and "buy_and_hold" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["equity.csv", "equity.png", "folds.csv", "forecast.png", "metrics.json", "predictions.csv"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["folds"]) == 2 and metrics["settings"]["folds"] == 2
    result = CliRunner().invoke(main, ["backtest", str(sp500_slice), "--folds", "50", "--test-size", "40", "-q", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "too few for 50 folds" in result.output
    assert not (tmp_path / "x").exists()


def test_a_series_without_prices_gets_no_trading_report():
    # A temperature around zero has no returns: the report says why instead of trading ratios of it.
    rows = np.arange(120.0)
    temperature = pd.DataFrame({"Close": 3 * np.sin(rows / 5) + 0.5}, index=pd.date_range("2020-01-01", periods=120, freq="D"))
    result = backtest(DriftForecaster(**window_args()), temperature, folds=2, test_size=30)
    assert "zero or negative" in result.metrics["trading"]["skipped"] and result.equity.empty
    assert "no trading report: Close is zero or negative" in _backtest_table(result.metrics)
    assert result.metrics["overall"]["model"]["mase"] > 0  # the forecast scores are still there


def test_cli_backtest_without_trading_writes_no_equity(sp500_slice, tmp_path):
    out = tmp_path / "bt"
    result = CliRunner().invoke(main, ["backtest", str(sp500_slice), "--folds", "2", "--test-size", "40", "--lookback", "10",
                                       "--units", "4", "--epochs", "1", "--seed", "0", "-q", "--no-trading", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "buy_and_hold" not in result.output and "no trading report: not asked for" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["folds.csv", "forecast.png", "metrics.json", "predictions.csv"]


def test_each_fold_reads_and_checks_the_models_rows_once(sp500_slice, monkeypatch):
    """One read of the data, then per fold: the fit's read of its training rows and one read of the
    fold's rows for the model's forecasts and bands together (before, the bands read them again)."""
    from collections import Counter

    from tsrnn.io import tables

    calls = Counter()
    original = tables._index_by_date

    def spy(*args, **kwargs):
        calls["read"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(tables, "_index_by_date", spy)
    backtest(Forecaster(**TINY), sp500_slice, folds=2, test_size=40, level=[80], trading=False)
    assert calls["read"] == 1 + 2 * 2, calls


def test_only_a_target_named_like_a_price_is_traded_by_default():
    sales = pd.DataFrame({"sales": 100 + np.arange(120.0)}, index=pd.date_range("2000-01-01", periods=120, freq="MS"))
    spec = window_args(target="sales")
    quiet = backtest(DriftForecaster(**spec), sales, folds=2, test_size=24)
    assert "not named like a price" in quiet.metrics["trading"]["skipped"] and quiet.equity.empty
    traded = backtest(DriftForecaster(**spec), sales, folds=2, test_size=24, trading=True)
    assert "overall" in traded.metrics["trading"]


def test_huge_trading_returns_keep_to_their_columns():
    """A forced trading report on a series with enormous returns (2935893613.4 % once overflowed
    into the next column) prints every figure within its column."""
    from tsrnn.cli.tables import _backtest_table

    row = {"mae": 1.0, "rmse": 1.0, "smape": 0.1, "mase": 1.0, "directional_accuracy": 0.5}
    strategy = {"total_return": 29358936.134, "annual_return": -0.999, "sharpe": 1.5, "max_drawdown": -0.5,
                "turnover_per_year": 12.0}
    table = _backtest_table({"overall": {"model": row, "naive_last_value": row},
                             "trading": {"overall": {"model": strategy, "buy_and_hold": {**strategy, "total_return": 0.25}}}})
    header, *rows = table.split("strategy")[1].strip("\n").splitlines()
    for line in rows:
        assert len(line) == len("strategy" + header) and len(line.split()) == 6, line
    assert "3e+09%" in rows[0] and "25.0%" in rows[1]
