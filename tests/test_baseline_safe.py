"""Forecasts that never lose to a simple baseline: seasons from the dates, targets measured from a
season back, the linear path started at the validated Ridge solution, and the target found by itself."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn import Forecaster
from tsrnn.cli import main
from tsrnn.cli.tables import _metrics_table
from tsrnn.errors import DataError
from tsrnn.features.seasons import infer_seasonal_period
from tsrnn.features.windowing import WindowSpec, invert_targets, split_rows, target_values
from tsrnn.forecasting.baselines import seasonal_naive
from tsrnn.forecasting.metrics import naive_scale
from tsrnn.forecasting.selection import SeriesRows, candidate_lookbacks, choose_linear, selection_folds
from tsrnn.io.tables import default_target, read_series
from tsrnn.nn import zoo
from tsrnn.nn.training import keep_trained

SEASONAL = Path(__file__).resolve().parents[1] / "datasets" / "seasonal"


@pytest.mark.parametrize("freq, periods, expected", [
    ("B", 60, 5), ("D", 60, 7), ("W-SUN", 120, 52), ("MS", 48, 12), ("QS", 40, 4), ("h", 100, 24), ("30min", 200, 48),
])
def test_season_is_read_from_the_dates(freq, periods, expected):
    assert infer_seasonal_period(pd.date_range("2020-01-01", periods=periods, freq=freq)) == expected


def test_irregular_dates_have_no_season():
    gaps = np.random.default_rng(0).integers(1, 40, size=50).cumsum()
    assert infer_seasonal_period(pd.Timestamp("2020-01-01") + pd.to_timedelta(gaps, unit="D")) is None


def test_shipped_series_seasons():
    found = {name: infer_seasonal_period(read_series(SEASONAL / f"{name}.csv").index)
             for name in ("airpassengers", "ausbeer", "taylor")}
    assert found == {"airpassengers": 12, "ausbeer": 4, "taylor": 48}
    assert infer_seasonal_period(read_series("datasets/sp500.csv").index) == 5  # exchange days: no weekends


def test_target_finds_itself():
    assert default_target(read_series(SEASONAL / "wineind.csv")) == "sales"
    assert default_target(read_series("datasets/sp500.csv")) == "Close"
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}, index=pd.date_range("2020", periods=2))
    with pytest.raises(DataError, match=r"2 numeric columns \(a, b\).* target"):
        default_target(frame)


def test_zero_targets_from_a_season_back_are_the_seasonal_naive_forecast():
    levels = np.exp(np.random.default_rng(1).normal(size=(40, 1)).cumsum(axis=0) * 0.1)
    spec = WindowSpec(lookback=3, horizon=5, target_columns=("y",), target_anchor="season", seasonal_period=4)
    ends = range(10, 30)
    from tsrnn.features.windowing import anchor_levels

    forecast = invert_targets(np.zeros((len(ends), 5, 1)), anchor_levels(levels, ends, spec), "log_return")
    np.testing.assert_allclose(forecast, seasonal_naive(levels, ends, spec, period=4))
    # and the transformed targets are exactly what separates the seasonal-naive forecast from the truth
    np.testing.assert_allclose(invert_targets(target_values(levels, ends, spec), anchor_levels(levels, ends, spec), "log_return"),
                               levels[np.asarray(ends)[:, None] + np.arange(1, 6)])


def test_linear_path_is_added_to_the_recurrent_output_and_kept_as_fitted():
    spec = zoo.resolve("gru", input_shape=(6, 2), head="regression", horizon=3, units=4, linear=True, head_initializer="zeros")
    model = zoo.build(spec)
    plain = zoo.build(zoo.resolve("gru", input_shape=(6, 2), head="regression", horizon=3, units=4))
    assert model.count_params() == plain.count_params() + (6 * 2 + 1) * 3
    assert not model.get_layer("linear").trainable
    weights = np.random.default_rng(0).normal(size=(12, 3)).astype("float32")
    model.get_layer("linear").set_weights([weights, np.ones(3, dtype="float32")])
    windows = np.random.default_rng(1).normal(size=(5, 6, 2)).astype("float32")
    expected = windows.reshape(5, -1) @ weights + 1.0  # the recurrent head starts at zero
    np.testing.assert_allclose(model.predict(windows, verbose=0)[:, :, 0], expected, rtol=1e-4, atol=1e-4)


def test_selection_folds_never_reach_the_test_rows():
    bounds = split_rows(200)
    folds = selection_folds(bounds)
    assert len(folds) == 3 and folds[-1].validation_end == bounds.validation_end
    assert all(fold.train_end < fold.validation_end <= bounds.validation_end for fold in folds)
    assert candidate_lookbacks(None, 12, train_rows=60) == [12]  # 24 and 48 leave too few windows
    assert candidate_lookbacks(7, 12, train_rows=60) == [7]


def test_a_purely_seasonal_series_is_measured_from_a_season_back():
    pattern = np.array([10.0, 30.0, 20.0, 50.0, 40.0, 25.0])
    levels = np.tile(pattern, 30)[:, None] * np.exp(np.random.default_rng(2).normal(0, 0.001, size=(180, 1)))
    spec = WindowSpec(lookback=6, target_columns=("y",), seasonal_period=6)
    bounds = split_rows(180)
    choice = choose_linear([SeriesRows(levels, levels, bounds, naive_scale(levels[: bounds.train_end]))], spec, [6, 12],
                           ["last", "season"])
    assert choice.anchor == "season"
    anchors_alone = [s["selection_mase"] for s in choice.scores if s["alpha"] is None]
    assert choice.validation_mase <= min(anchors_alone)


def test_the_one_standard_error_rule_keeps_the_simpler_start_unless_training_clearly_helps():
    rng = np.random.default_rng(0)
    initial = rng.uniform(1, 2, size=200)
    assert keep_trained(initial, initial * 0.7)  # clearly better everywhere
    noise = rng.normal(0, 0.5, size=200)
    noise -= noise.mean()
    assert not keep_trained(initial, initial + noise - 0.01)  # better by 0.01 on average, standard error 0.035
    assert not keep_trained(initial, initial * 1.1)


def test_default_forecaster_does_not_lose_to_the_baselines_on_a_seasonal_series(tmp_path):
    forecaster = Forecaster(epochs=2, seed=0).fit(SEASONAL / "wineind.csv")
    test = forecaster.evaluate(SEASONAL / "wineind.csv", start=forecaster.split_["test_start"])
    best = min(test[name]["mase"] for name in ("naive_last_value", "seasonal_naive", "drift", "ridge"))
    assert test["model"]["mase"] <= 1.02 * best
    assert forecaster.choices_["seasonal_period"] == 12 and forecaster.window_spec_.target_columns == ("sales",)
    # without the linear path (the model as it was) the same budget loses to seasonal naive
    plain = Forecaster(epochs=2, seed=0, linear=False, lookback=forecaster.window_spec_.lookback).fit(SEASONAL / "wineind.csv")
    assert plain.evaluate(SEASONAL / "wineind.csv", start=plain.split_["test_start"])["model"]["mase"] > 1.02 * best


def test_cli_fits_a_single_value_column_file_and_records_what_it_chose(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["fit", str(SEASONAL / "ausbeer.csv"), "--epochs", "1", "--units", "4", "--seed", "0",
                                       "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "chosen: target megalitres; season 4 rows (quarters in a year)" in result.output
    for label in ("naive (last value)", "seasonal naive", "drift", "ridge"):
        assert label in result.output
    info = json.loads((out / "run.json").read_text())
    assert info["resolved"]["seasonal_period"] == 4 and info["choices"]["linear_path"]["candidates"]
    loaded = Forecaster.load(out)
    assert loaded.get_params()["target"] is None and loaded.window_spec_.target_columns == ("megalitres",)
    no_linear = CliRunner().invoke(main, ["fit", str(SEASONAL / "ausbeer.csv"), "--no-linear", "--epochs", "1", "--units", "4",
                                          "-q", "--out", str(tmp_path / "plain")])
    assert no_linear.exit_code == 0, no_linear.output
    assert json.loads((tmp_path / "plain" / "run.json").read_text())["model_spec"]["linear"] is False


def test_the_table_names_the_best_baseline_when_the_model_loses():
    row = lambda mase: {"mae": mase, "rmse": mase, "mape": 0.01, "mase": mase}  # noqa: E731
    metrics = {"test": {"windows": 3, "first_target": "2020-01-01", "last_target": "2020-01-03", "model": row(0.9),
                        "naive_last_value": row(1.0), "seasonal_naive": row(0.5), "drift": row(1.1), "ridge": row(0.7)}}
    assert "did not beat the best baseline, seasonal naive (MASE 0.900 vs 0.500)" in _metrics_table(metrics)
    metrics["test"]["model"] = row(0.4)
    assert "note" not in _metrics_table(metrics)


def test_minute_bars_get_a_bounded_default_window_and_a_sampled_linear_problem(monkeypatch):
    # A day of minute bars is 1,440 rows: one to four such seasons would be no window for a
    # recurrent net, and their Ridge problem would not fit in memory on a long series.
    from tsrnn.forecasting import selection

    index = pd.date_range("2024-01-01", periods=6000, freq="min")
    frame = pd.DataFrame({"price": 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 1e-3, len(index))))}, index=index)
    sizes = []
    original = selection.input_windows

    def recording(step_values, ends, spec):
        windows = original(step_values, ends, spec)
        sizes.append(windows.size)
        return windows

    monkeypatch.setattr(selection, "input_windows", recording)
    monkeypatch.setattr(selection, "MAX_LINEAR_VALUES", 3000)
    forecaster = Forecaster(units=4, epochs=1, seed=0).fit(frame)
    assert forecaster.choices_["seasonal_period"] == 1440 and forecaster.choices_["lookback"] == 30
    assert sizes and max(sizes) <= 3000
    assert np.isfinite(forecaster.predict(frame).to_numpy()).all()
