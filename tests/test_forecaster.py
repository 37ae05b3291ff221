"""The Forecaster end to end on a slice of the shipped S&P 500 data with a tiny model."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from tsrnn import Forecaster
from tsrnn.errors import ConfigError, DataError, NotFittedError, RunDirError
from tsrnn.features.windowing import step_changes
from tsrnn.io.tables import read_series

from .conftest import TINY, require_backend


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "slice.csv"
    read_series("datasets/sp500.csv").iloc[:400].to_csv(path)
    return Forecaster(model="lstm", horizon=2, **TINY).fit(path), path


def test_fit_returns_self_with_learned_state(fitted):
    forecaster, path = fitted
    assert forecaster.model_.output_shape == (None, 2, 1)
    assert len(forecaster.history_["loss"]) == 2
    assert forecaster.split_["rows"] == 400
    dates = read_series(path).index
    # 0.7 / 0.15 / 0.15 of 400 rows: train 280, validation 60, test 60
    assert forecaster.split_["validation_start"] == dates[280].isoformat()
    assert forecaster.split_["test_start"] == dates[340].isoformat()


def test_scalers_fitted_on_training_rows_only(fitted):
    forecaster, path = fitted
    frame = read_series(path)
    train_end = int(round(400 * 0.7))
    steps = step_changes(frame[["Close"]].to_numpy(), "log_return")
    np.testing.assert_allclose(forecaster.feature_scaler_.mean_, np.nanmean(steps[1:train_end], axis=0))
    everything = np.nanmean(steps[1:], axis=0)
    assert not np.allclose(forecaster.feature_scaler_.mean_, everything)


def test_changing_test_period_values_changes_no_scaler(tmp_path):
    frame = read_series("datasets/sp500.csv").iloc[:300]
    altered = frame.copy()
    altered.iloc[-40:, altered.columns.get_loc("Close")] *= 3.0
    first = Forecaster(epochs=1, lookback=10, units=2, seed=0).fit(frame)
    second = Forecaster(epochs=1, lookback=10, units=2, seed=0).fit(altered)
    np.testing.assert_array_equal(first.feature_scaler_.mean_, second.feature_scaler_.mean_)
    np.testing.assert_array_equal(first.target_scaler_.scale_, second.target_scaler_.scale_)
    np.testing.assert_array_equal(first.mase_scale_, second.mase_scale_)


def test_forecast_frame_from_a_date_matches_predict(fitted):
    forecaster, path = fitted
    start = forecaster.split_["test_start"]
    frame = forecaster.forecast_frame(path, start=start)
    assert len(frame) == forecaster.evaluate(path, start=start)["windows"]
    assert frame.index[0] == pd.Timestamp(start)
    series = read_series(path)
    forecast = forecaster.predict(path)["Close_t+1"]
    # Each row is dated by its target; predict dates by the window's last input, one row earlier.
    previous = series.index[series.index.get_indexer(frame.index) - 1]
    np.testing.assert_allclose(frame["forecast"].to_numpy(), forecast.loc[previous].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(frame["actual"].to_numpy(), series.loc[frame.index, "Close"].to_numpy())
    assert forecaster.forecast_frame(path, start="2100-01-01").empty


def test_pooling_over_time_is_built_saved_and_loaded(sp500_slice, tmp_path):
    forecaster = Forecaster(pooling="mean", **TINY).fit(sp500_slice)
    assert forecaster.model_.get_layer("mean_over_time") is not None
    forecaster.save(tmp_path / "run")
    loaded = Forecaster.load(tmp_path / "run")
    assert loaded.model_spec_.pooling == "mean"
    pd.testing.assert_frame_equal(loaded.predict(sp500_slice), forecaster.predict(sp500_slice))


def test_predict_is_dated_by_last_input_row_in_data_units(fitted):
    forecaster, path = fitted
    forecast = forecaster.predict(path)
    frame = read_series(path)
    assert list(forecast.columns) == ["Close_t+1", "Close_t+2"]
    assert forecast.index[-1] == frame.index[-1]  # the forecast beyond the data
    assert forecast.index[0] == frame.index[10]  # lookback 10 returns need 11 rows
    ratio = forecast["Close_t+1"].to_numpy() / frame["Close"].loc[forecast.index].to_numpy()
    assert np.all(np.abs(ratio - 1) < 0.2)  # a price forecast, not a scaled return


def test_evaluate_reports_model_next_to_baselines(fitted):
    forecaster, path = fitted
    metrics = forecaster.evaluate(path, start=forecaster.split_["test_start"])
    assert metrics["windows"] == forecaster.split_["test_windows"]
    for name in ("model", "naive_last_value", "seasonal_naive", "drift", "moving_average", "ridge"):
        assert set(metrics[name]) == {"mae", "rmse", "mape", "smape", "mase", "directional_accuracy", "mase_by_step"}
        assert np.mean(metrics[name]["mase_by_step"]) == pytest.approx(metrics[name]["mase"])  # horizon 2: both steps
    assert metrics["first_target"] >= forecaster.split_["test_start"]
    # The baselines' figures, recomputed by hand from the prices (horizon 2, every test window).
    close = read_series(path)["Close"].to_numpy()
    test_start = read_series(path).index.get_loc(pd.Timestamp(forecaster.split_["test_start"]))
    ends = np.arange(test_start - 1, len(close) - 2)
    actual = np.stack([close[ends + 1], close[ends + 2]], axis=1)
    naive = np.abs(actual - close[ends, None])
    period = forecaster.settings_.seasonal_period  # 5 on business days
    seasonal = np.abs(actual - np.stack([close[ends + 1 - period], close[ends + 2 - period]], axis=1))
    scale = np.mean(np.abs(np.diff(close[: int(round(len(close) * 0.7))])))
    assert metrics["windows"] == len(ends)
    assert metrics["naive_last_value"]["mae"] == pytest.approx(naive.mean())
    assert metrics["naive_last_value"]["mase"] == pytest.approx(naive.mean() / scale)
    assert metrics["seasonal_naive"]["mae"] == pytest.approx(seasonal.mean())
    model = forecaster.predict(path).loc[read_series(path).index[ends], ["Close_t+1", "Close_t+2"]].to_numpy()
    assert metrics["model"]["rmse"] == pytest.approx(np.sqrt(np.mean((model - actual) ** 2)))


def test_save_load_gives_identical_predictions(fitted, tmp_path):
    forecaster, path = fitted
    forecaster.save(tmp_path / "run")
    loaded = Forecaster.load(tmp_path / "run")
    pd.testing.assert_frame_equal(forecaster.predict(path), loaded.predict(path))
    assert loaded.evaluate(path) == forecaster.evaluate(path)


def test_save_refuses_an_existing_directory(fitted, tmp_path):
    forecaster, _ = fitted
    (tmp_path / "run").mkdir()
    with pytest.raises(RunDirError, match="already exists"):
        forecaster.save(tmp_path / "run")


def test_seed_makes_runs_repeatable(sp500_slice):
    first = Forecaster(**TINY).fit(sp500_slice)
    second = Forecaster(**TINY).fit(sp500_slice)
    for a, b in zip(first.model_.get_weights(), second.model_.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert first.evaluate(sp500_slice) == second.evaluate(sp500_slice)


def test_unfitted_and_too_short_inputs_are_refused(sp500_slice):
    with pytest.raises(NotFittedError, match="call fit"):
        Forecaster().predict(sp500_slice)
    with pytest.raises(DataError, match=r"400 rows are too few .* need at least \d+ rows"):
        Forecaster(lookback=300).fit(sp500_slice)


def test_log_return_refuses_non_positive_values(daily_frame):
    daily_frame.loc[5, "Close"] = 0.0
    with pytest.raises(DataError, match="zero or negative values.*target_transform difference"):
        Forecaster(**TINY).fit(daily_frame)


def test_a_regressor_trains_on_absolute_errors_by_default_as_mase_counts_them(daily_frame):
    """The default loss is the mean absolute error of the scaled targets (issue #27: chosen on the
    M4 hourly panel's validation rows); "mse" remains a choice."""
    default = Forecaster(**TINY).fit(daily_frame)
    squared = Forecaster(**TINY, loss="mse").fit(daily_frame)
    assert default.model_.loss == "mae" and default.model_spec_.loss == "mae" and squared.model_.loss == "mse"
    assert default.get_params()["loss"] == "mae"


def test_predict_lays_out_every_window_long_or_the_forecast_beyond_the_data(daily_frame):
    forecaster = Forecaster(horizon=3, **TINY).fit(daily_frame)
    wide = forecaster.predict(daily_frame, level=[80], dates=True)
    long = forecaster.predict(daily_frame, level=[80], layout="long")
    assert list(long.columns) == ["origin", "step", "date", "target", "forecast", "lo_80", "hi_80"]
    assert len(long) == 3 * len(wide) and long["origin"].is_monotonic_increasing
    row = long[(long["origin"] == wide.index[5]) & (long["step"] == 2)].iloc[0]
    assert (row["forecast"], row["hi_80"], row["date"]) == (wide["Close_t+2"].iloc[5], wide["Close_t+2_hi_80"].iloc[5],
                                                           wide["date_t+2"].iloc[5])
    beyond = forecaster.predict(daily_frame, layout="beyond")
    assert beyond["step"].tolist() == [1, 2, 3] and (beyond["date"] > pd.Timestamp(daily_frame["Date"].iloc[-1])).all()
    np.testing.assert_allclose(beyond["forecast"], wide.iloc[-1][["Close_t+1", "Close_t+2", "Close_t+3"]].astype(float))
    panel = {"a": daily_frame, "b": daily_frame.assign(Close=daily_frame["Close"] * 2)}
    both = Forecaster(horizon=3, **TINY).fit(panel).predict(panel, layout="beyond")
    assert both["series"].tolist() == ["a"] * 3 + ["b"] * 3 and both.columns[0] == "series"
    with pytest.raises(ConfigError, match="^layout must be one of wide, long, beyond, nixtla, got 'tall'$"):
        forecaster.predict(daily_frame, layout="tall")


def test_multi_target_multi_feature(daily_frame):
    forecaster = Forecaster(target=["Close", "Volume"], features=["Close", "Volume"], horizon=3, **TINY)
    forecast = forecaster.fit(daily_frame).predict(daily_frame)
    assert forecaster.model_.output_shape == (None, 3, 2)
    assert list(forecast.columns) == [f"{c}_t+{k}" for k in (1, 2, 3) for c in ("Close", "Volume")]


def test_classification_predicts_direction_next_to_majority_class(sp500_slice, tmp_path):
    forecaster = Forecaster(task="classification", horizon=3, **TINY).fit(sp500_slice)
    assert forecaster.model_.output_shape == (None, 1)
    assert forecaster.model_.loss == "binary_crossentropy"
    frame = read_series(sp500_slice)
    close = frame["Close"].to_numpy()
    train_ends = np.arange(11, 280 - 3)  # windows whose third step ahead is still in training
    rises = close[train_ends + 3] > close[train_ends]
    assert forecaster.majority_class_ == int(rises.mean() >= 0.5)
    metrics = forecaster.evaluate(sp500_slice, start=forecaster.split_["test_start"])
    assert set(metrics["model"]) == {"accuracy", "balanced_accuracy"}
    test_ends = np.arange(340 - 1, 400 - 3)
    expected_rate = (close[test_ends + 3] > close[test_ends]).mean()
    assert metrics["rise_rate"] == pytest.approx(expected_rate)
    assert metrics["majority_class"]["accuracy"] == pytest.approx(
        expected_rate if forecaster.majority_class_ else 1 - expected_rate
    )
    forecast = forecaster.predict(sp500_slice)
    assert list(forecast.columns) == ["Close_up_probability_t+3", "Close_up_t+3"]
    assert forecast.iloc[:, 0].between(0, 1).all()
    forecaster.save(tmp_path / "run")
    pd.testing.assert_frame_equal(Forecaster.load(tmp_path / "run").predict(sp500_slice), forecast)


def test_classification_needs_a_single_target(daily_frame):
    with pytest.raises(ConfigError, match="name a single target"):
        Forecaster(task="classification", target=["Close", "Volume"], **TINY).fit(daily_frame)
    with pytest.raises(ConfigError, match="task must be one of regression, classification"):
        Forecaster(task="ranking", **TINY).fit(daily_frame)


def test_predict_warns_when_columns_differ_from_training(fitted, tmp_path):
    forecaster, path = fitted
    frame = read_series(path).drop(columns=["Volume"])
    frame["Extra"] = 1.0
    with pytest.warns(UserWarning, match="missing: Volume; new: Extra"):
        forecaster.predict(frame)
    forecaster.save(tmp_path / "run")
    with pytest.warns(UserWarning, match="columns differ from the training data"):
        Forecaster.load(tmp_path / "run").predict(frame)


MIRRORED_SCRIPT = """
import sys, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from tsrnn import Forecaster
from tsrnn.io.tables import read_series
series = read_series(sys.argv[1])
panel = Forecaster(strategy="mirrored", lookback=10, units=4, epochs=1, batch_size=32, seed=0).fit(
    {"a": series, "b": series * 2})  # one model over two series, each batch split over the devices
print("panel", panel.model_.distribute_strategy.num_replicas_in_sync, len(panel.predict({"b": series})))
forecaster = Forecaster(strategy="mirrored", lookback=10, units=4, epochs=2, batch_size=32, seed=0).fit(sys.argv[1])
print(forecaster.model_.distribute_strategy.num_replicas_in_sync, len(forecaster.history_["loss"]))
"""


def test_mirrored_strategy_trains_on_two_logical_devices(sp500_slice):
    import subprocess
    import sys

    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.skip("MirroredStrategy is TensorFlow's")
    completed = subprocess.run([sys.executable, "-c", MIRRORED_SCRIPT, str(sp500_slice)], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.split()[-2:] == ["2", "2"]
    panel = completed.stdout.splitlines()[-2].split()
    assert panel[:2] == ["panel", "2"] and int(panel[2]) > 0


DATA_PARALLEL_SCRIPT = """
import sys
import keras
from tsrnn import Forecaster
from tsrnn.errors import ConfigError
try:
    Forecaster(strategy="mirrored", lookback=10, units=4, epochs=1, batch_size=33).fit(sys.argv[1])
except ConfigError as error:
    print("refused:", error)
forecaster = Forecaster(strategy="mirrored", lookback=10, units=4, epochs=2, batch_size=32, seed=0).fit(sys.argv[1])
mesh = forecaster.model_.weights[0].value.sharding.mesh
print("devices", mesh.devices.size, "epochs", len(forecaster.history_["loss"]),
      "train_windows", forecaster.split_["train_windows"], "after", keras.distribution.distribution())
print("forecast", forecaster.predict(sys.argv[1]).shape[0])
"""


def test_jax_data_parallel_trains_on_two_host_devices(sp500_slice):
    """JAX shards each batch evenly: the oldest windows go so that every batch splits in two."""
    import subprocess
    import sys

    require_backend("jax")
    environment = dict(os.environ, KERAS_BACKEND="jax", XLA_FLAGS="--xla_force_host_platform_device_count=2")
    completed = subprocess.run([sys.executable, "-c", DATA_PARALLEL_SCRIPT, str(sp500_slice)],
                               capture_output=True, text=True, timeout=300, env=environment)
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.strip().splitlines()
    assert "batch_size 33 does not split evenly over the 2 devices" in lines[-3]
    words = lines[-2].split()
    assert words[1:4] == ["2", "epochs", "2"]
    assert int(words[5]) % 2 == 0
    assert words[7] == "None"  # the distribution does not outlive fit
    assert int(lines[-1].split()[1]) > 0


def test_unknown_strategy_is_refused(daily_frame):
    with pytest.raises(ConfigError, match="strategy must be one of none, mirrored"):
        Forecaster(strategy="horovod", **TINY).fit(daily_frame)


def test_a_fit_without_validation_or_test_part_trains_and_predicts(sp500_slice):
    # Nothing to calibrate bands on, nothing to predict on validation: the fit must still work.
    forecaster = Forecaster(lookback=10, units=4, epochs=1, validation_fraction=0.0, test_fraction=0.0, patience=0, seed=0)
    forecaster.fit(sp500_slice)
    assert forecaster.split_["validation_windows"] == 0 and forecaster.calibration_.scores is None
    assert np.isfinite(forecaster.predict(sp500_slice).to_numpy()).all()
    with pytest.raises(ConfigError, match="no validation windows to calibrate bands on"):
        forecaster.predict(sp500_slice, level=[80])
