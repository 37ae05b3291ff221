"""Quantile heads: ordered by construction, trained with the pinball loss, conformalised on the
validation split (CQR), saved and loaded, and offered by the library and the CLI."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn import Forecaster
from tsrnn.cli import main
from tsrnn.errors import ConfigError
from tsrnn.features.windowing import WindowSpec
from tsrnn.forecasting.conformal import Calibration, cqr_scores, quantile_band_levels
from tsrnn.nn import zoo
from tsrnn.nn.quantiles import keras_objects, pinball_loss, quantiles_for_levels

QUANTILES = (0.025, 0.1, 0.9, 0.975)


def test_quantiles_of_band_levels_and_back():
    assert quantiles_for_levels([95, 80, 80]) == QUANTILES
    assert quantile_band_levels(QUANTILES) == [80.0, 95.0]
    with pytest.raises(ConfigError, match="strictly between 0 and 100"):
        quantiles_for_levels([100])


def test_quantiles_are_ordered_around_the_point_whatever_the_weights():
    spec = zoo.resolve("gru", input_shape=(6, 2), head="regression", horizon=3, targets=2, units=(4,), quantiles=QUANTILES)
    model = zoo.build(spec)
    rng = np.random.default_rng(0)
    for layer in model.layers:  # large random weights everywhere, the head's included
        layer.set_weights([rng.normal(0, 5, size=w.shape).astype("float32") for w in layer.get_weights()])
    predicted = model.predict(rng.normal(0, 3, size=(200, 6, 2)).astype("float32"), verbose=0)
    quantiles, point = predicted["quantiles"], predicted["forecast"]
    assert quantiles.shape == (200, 3, 2, 4)
    assert (np.diff(quantiles, axis=-1) >= 0).all()
    assert (quantiles[..., 1] <= point).all() and (point <= quantiles[..., 2]).all()


def test_the_keras_pinball_loss_is_the_numpy_one():
    import keras

    rng = np.random.default_rng(1)
    actual = rng.normal(size=(32, 2, 1)).astype("float32")
    predicted = np.sort(rng.normal(size=(32, 2, 1, 4)), axis=-1).astype("float32")
    loss = keras_objects()["PinballLoss"](QUANTILES)
    value = float(keras.ops.convert_to_numpy(loss(actual, predicted)))
    np.testing.assert_allclose(value, pinball_loss(actual, predicted, QUANTILES).mean(), rtol=1e-5)
    # by hand: an error of +1 costs q, an error of -1 costs 1 - q
    assert pinball_loss(np.array([1.0]), np.array([[0.0, 2.0]]), (0.1, 0.9)).tolist() == [pytest.approx((0.1 + 0.1) / 2)]


def test_cqr_calibration_covers_and_follows_the_spread():
    # Heteroscedastic outcomes; quantiles that follow the spread but are half as wide as they should be.
    rng = np.random.default_rng(2)
    spread = rng.uniform(0.5, 3.0, size=(4000, 1, 1))
    actual = rng.normal(size=spread.shape) * spread
    z = 1.2815515655446004  # the 0.9 quantile of a standard normal
    predicted = np.stack([-z * spread * 0.5, z * spread * 0.5], axis=-1)
    spec = WindowSpec(lookback=1, target_columns=("y",), target_transform="level")
    scores = {"80": cqr_scores(predicted[:2000], actual[:2000], (0.1, 0.9), 80)}
    calibration = Calibration(spec, np.ones((2000, 1, 1)), np.zeros((10, 1, 1)), (0.1, 0.9), scores)
    levels = np.zeros((4001, 1))  # level transform, zero anchors: bands are the quantiles themselves
    lower, upper = calibration.model_bands(np.zeros((2000, 1, 1)), levels, range(2000, 4000), [80], predicted[2000:])[80]
    covered = ((actual[2000:] >= lower) & (actual[2000:] <= upper)).mean()
    assert abs(covered - 0.80) < 0.03
    assert np.corrcoef((upper - lower).ravel(), spread[2000:].ravel())[0, 1] > 0.99
    with pytest.raises(ConfigError, match="trained for 80 % bands, not 95"):
        calibration.model_bands(np.zeros((2000, 1, 1)), levels, range(2000, 4000), [95], predicted[2000:])


@pytest.fixture(scope="module")
def fitted(sp500_path):
    return Forecaster(lookback=10, units=4, epochs=2, seed=0, quantile_levels=[80], target_anchor="last").fit(sp500_path)


@pytest.fixture(scope="module")
def sp500_path(tmp_path_factory):
    from tsrnn.io.tables import read_series

    path = tmp_path_factory.mktemp("data") / "sp500.csv"
    read_series("datasets/sp500.csv").iloc[:600].to_csv(path)
    return path


def test_forecaster_bands_come_from_its_quantile_head(fitted, sp500_path):
    from tsrnn.features.windowing import anchor_levels, invert_targets, window_ends
    from tsrnn.forecasting.conformal import conformal_radius

    table = fitted.predict(sp500_path, level=[80])
    assert (table["Close_t+1_lo_80"] <= table["Close_t+1"]).all() and (table["Close_t+1"] <= table["Close_t+1_hi_80"]).all()
    prepared = fitted.prepare(sp500_path)
    frame, levels, spec = prepared.frame, prepared.levels, fitted.window_spec_
    ends = window_ends(len(frame), spec, with_targets=False)
    _, quantiles = fitted.transformed_forecast(prepared, ends, with_quantiles=True)
    radius = conformal_radius(fitted.calibration_.quantile_scores["80"], [80])[0]
    expected = invert_targets(quantiles[..., 0] - radius, anchor_levels(levels, ends, spec), "log_return")
    np.testing.assert_allclose(table["Close_t+1_lo_80"].to_numpy(), expected[:, 0, 0], rtol=1e-9)
    with pytest.raises(ConfigError, match="refit with quantile_levels including them"):
        fitted.predict(sp500_path, level=[95])


def test_a_quantile_head_saves_and_loads(fitted, sp500_path, tmp_path):
    fitted.save(tmp_path / "run")
    stored = json.loads((tmp_path / "run" / "run.json").read_text())
    assert stored["params"]["quantile_levels"] == [80] and stored["calibration"]["quantiles"] == [0.1, 0.9]
    loaded = Forecaster.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.predict(sp500_path, level=[80]), fitted.predict(sp500_path, level=[80]))


def test_a_classifier_takes_no_quantile_head(sp500_path):
    with pytest.raises(ConfigError, match="a classifier takes none"):
        Forecaster(task="classification", quantile_levels=[80]).fit(sp500_path)


def test_cli_fit_with_a_quantile_head_scores_its_bands(sp500_path, tmp_path):
    result = CliRunner().invoke(main, ["fit", str(sp500_path), "--out", str(tmp_path / "run"), "--quantile-levels", "80,95",
                                       "--level", "80", "--level", "95", "--lookback", "10", "--units", "4", "--epochs", "1",
                                       "--seed", "0", "-q"])
    assert result.exit_code == 0, result.output
    intervals = json.loads((tmp_path / "run" / "metrics.json").read_text())["test"]["intervals"]
    assert set(intervals) == {"80", "95"} and 0 < intervals["95"]["model"]["coverage"] <= 1
    result = CliRunner().invoke(main, ["fit", str(sp500_path), "--quantile-levels", "80,x"])
    assert result.exit_code == 2 and "--quantile-levels must be comma-separated percentages" in result.output
