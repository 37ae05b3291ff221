"""Prediction bands: conformal calibration on the validation split, columns in the data's units,
scores next to the naive band, adaptive conformal inference, and the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn import Forecaster
from tsrnn.cli import main
from tsrnn.errors import ConfigError
from tsrnn.features.windowing import WindowSpec
from tsrnn.forecasting.conformal import adaptive_radii, check_levels, conformal_radius, interval_scores, volatility
from tsrnn.io.tables import read_series

SEASONAL = Path(__file__).resolve().parents[1] / "datasets" / "seasonal"


def test_conformal_radius_covers_exchangeable_scores_at_the_nominal_rate():
    rng = np.random.default_rng(0)
    covered = {80: [], 95: []}
    for _ in range(300):
        scores = np.abs(rng.standard_t(3, size=(101, 1, 1)))  # heavy tails: no Gaussian assumption
        radius = conformal_radius(scores[:100], [80, 95])
        covered[80].append(scores[100, 0, 0] <= radius[0, 0, 0])
        covered[95].append(scores[100, 0, 0] <= radius[1, 0, 0])
    assert abs(np.mean(covered[80]) - 0.80) < 0.06 and abs(np.mean(covered[95]) - 0.95) < 0.04


def test_too_few_validation_windows_for_a_level_warn_and_use_the_largest_score():
    scores = np.arange(1.0, 11.0).reshape(10, 1, 1)
    with pytest.warns(UserWarning, match="10 validation windows are too few for an exact 95% band"):
        radius = conformal_radius(scores, [95])
    assert radius[0, 0, 0] == 10.0


def test_levels_are_checked():
    assert check_levels([95, 80, 80]) == [80.0, 95.0]
    for bad in (0, 100, 150, float("nan"), True, "95%"):
        with pytest.raises(ConfigError, match="level must be a coverage in percent"):
            check_levels([bad])
    with pytest.raises(ConfigError, match=r"got '95%'"):  # the whole text, not its first character
        check_levels("95%")
    # a fraction, the way statsmodels, sktime and Darts write coverage, is not drawn as a 0.9 % band
    with pytest.raises(ConfigError, match=r"level is a coverage in percent: 0.9 asks for a 0.9 % band; for 90 % give 90"):
        check_levels(0.9)
    with pytest.raises(ConfigError) as raised:
        check_levels([0.95], name="--level")
    assert raised.value.cli_message().startswith("--level is a coverage") and str(raised.value).startswith("level is")


def test_interval_scores_by_hand():
    actual = np.array([1.0, 5.0, -1.0, 0.5])
    scores = interval_scores(actual, np.zeros(4), np.full(4, 2.0), 80, 1.0)
    assert scores["coverage"] == 0.5 and scores["width"] == 2.0
    # misses cost 2 / alpha per unit outside: (2 + 2 + 10*3 + 2 + 10*1) / 4
    assert scores["winkler"] == pytest.approx((2 + 32 + 12 + 2) / 4)


def test_adaptive_conformal_widens_after_misses_and_narrows_after_hits():
    calibration = np.arange(1.0, 201.0).reshape(200, 1, 1)
    widened, state = adaptive_radii(calibration, np.full((40, 1, 1), 1e6), 80, gamma=0.02)
    assert widened[-1, 0, 0] > widened[0, 0, 0] and state["rates"][0][0] < 0.2
    narrowed, _ = adaptive_radii(calibration, np.zeros((40, 1, 1)), 80, gamma=0.02)
    assert narrowed[-1, 0, 0] < narrowed[0, 0, 0]
    # a window's own outcome (known only after it) never moves its own radius
    first, _ = adaptive_radii(calibration, np.full((1, 1, 1), 1e6), 80, gamma=0.5)
    assert first[0, 0, 0] == conformal_radius(calibration, [80])[0, 0, 0]


def test_adaptive_radius_stays_finite_when_the_rate_asks_beyond_the_scores():
    # 12 scores cannot give an exact 95 % band, and misses push the rate below zero: the radius is
    # then the largest score (as the split band uses), never an infinite band with infinite width.
    calibration = np.arange(1.0, 13.0).reshape(12, 1, 1)
    radii, state = adaptive_radii(calibration, np.full((30, 1, 1), 1e6), 95, gamma=0.05)
    assert state["rates"][0][0] < 0
    assert np.isfinite(radii).all() and radii.max() == 12.0


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "prices.csv"
    read_series("datasets/sp500.csv").iloc[:700].to_csv(path)
    return Forecaster(lookback=10, units=4, epochs=2, seed=0, horizon=2).fit(path), path


def test_predict_adds_ordered_bands_in_the_data_units(fitted):
    forecaster, path = fitted
    plain = forecaster.predict(path)
    banded = forecaster.predict(path, level=[80, 95])
    pd.testing.assert_frame_equal(banded[plain.columns], plain)
    for column in plain.columns:
        lo80, hi80, lo95, hi95 = (banded[f"{column}_{side}_{level}"] for level in (80, 95) for side in ("lo", "hi"))
        assert (lo95 <= lo80).all() and (lo80 < banded[column]).all() and (banded[column] < hi80).all() and (hi80 <= hi95).all()
        assert (lo95 > 0).all()  # log-return bands never go negative for prices
    assert list(banded.columns[:2]) == ["Close_t+1", "Close_t+2"] and "Close_t+2_hi_95" in banded.columns


def test_bands_are_calibrated_on_validation_and_scored_next_to_the_naive_band(fitted):
    forecaster, path = fitted
    scores = forecaster.evaluate(path, start=forecaster.split_["test_start"], level=[80, 95])["intervals"]
    assert set(scores) == {"80", "95"} and set(scores["80"]) == {"model", "naive_band"}
    for level in ("80", "95"):
        for band in ("model", "naive_band"):
            assert 0 <= scores[level][band]["coverage"] <= 1 and scores[level][band]["width"] > 0
    assert scores["95"]["model"]["width"] > scores["80"]["model"]["width"]
    # the calibration scores come from the validation windows, not the test windows
    assert len(forecaster.calibration_.scores) == forecaster.split_["validation_windows"]


def test_bands_survive_save_and_load(fitted, tmp_path):
    forecaster, path = fitted
    forecaster.save(tmp_path / "run")
    loaded = Forecaster.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.predict(path, level=[90]), forecaster.predict(path, level=[90]))


def test_cli_predict_fit_and_backtest_take_levels(tmp_path):
    data = SEASONAL / "ausbeer.csv"
    runner = CliRunner()
    fitted = runner.invoke(main, ["fit", str(data), "--epochs", "1", "--units", "4", "--seed", "0", "-q", "--level", "80",
                                  "--out", str(tmp_path / "run")])
    assert fitted.exit_code == 0, fitted.output
    assert "model (conformal)" in fitted.output and "naive (empirical)" in fitted.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert {"model", "naive_band"} == set(metrics["test"]["intervals"]["80"])
    out = tmp_path / "forecast.csv"
    predicted = runner.invoke(main, ["predict", str(tmp_path / "run"), str(data), "--level", "80", "-o", str(out)])
    assert predicted.exit_code == 0, predicted.output
    assert {"megalitres_t+1_lo_80", "megalitres_t+1_hi_80"} <= set(pd.read_csv(out).columns)
    backtested = runner.invoke(main, ["backtest", str(data), "--folds", "2", "--test-size", "20", "--epochs", "1", "--units", "4",
                                      "--seed", "0", "-q", "--level", "80", "--out", str(tmp_path / "bt")])
    assert backtested.exit_code == 0, backtested.output
    intervals = json.loads((tmp_path / "bt" / "metrics.json").read_text())["intervals"]["80"]
    assert set(intervals) == {"model", "naive_band", "model_adaptive"}
    assert set(intervals["model"]["coverage_per_fold"]) == {"0", "1"}
    assert (tmp_path / "bt" / "intervals.csv").is_file()
    bad = runner.invoke(main, ["predict", str(tmp_path / "run"), str(data), "--level", "120"])
    assert bad.exit_code == 2 and "--level must be a coverage in percent" in bad.output
    listed = runner.invoke(main, ["predict", str(tmp_path / "run"), str(data), "--level", "80,95", "-o", str(out)])
    assert listed.exit_code == 0, listed.output  # as --quantile-levels 80,95 takes them
    assert {"megalitres_t+1_lo_80", "megalitres_t+1_hi_95"} <= set(pd.read_csv(out).columns)
    for value, message in (("0.9", "--level is a coverage in percent: 0.9 asks for a 0.9 % band; for 90 % give 90"),
                           ("95%", "--level must be comma-separated percentages like 80,95, got '95%'")):
        bad = runner.invoke(main, ["predict", str(tmp_path / "run"), str(data), "--level", value])
        assert bad.exit_code == 2 and message in bad.output and "Traceback" not in bad.output, bad.output


def test_volatility_even_its_floor_on_flat_stretches_uses_past_rows_only():
    # A flat start (the floor binds there), then turbulence: changing the turbulence must not move
    # the scale of any earlier row.
    rng = np.random.default_rng(5)
    flat = np.full(60, 100.0)
    levels = np.r_[flat, 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 200)))][:, None]
    wilder = np.r_[flat, 100 * np.exp(np.cumsum(rng.normal(0, 0.2, 200)))][:, None]
    spec = WindowSpec(lookback=5, target_columns=("y",))
    np.testing.assert_array_equal(volatility(levels, spec)[:60], volatility(wilder, spec)[:60])


def test_calibration_folds_add_earlier_blocks_each_scored_out_of_sample():
    data = read_series("datasets/sp500.csv").iloc[:600][["Close"]]
    settings = dict(lookback=10, units=4, epochs=2, batch_size=32, seed=0)
    one = Forecaster(**settings).fit(data)
    three = Forecaster(**settings, calibration_folds=3).fit(data)
    blocks = three.calibration_.scores
    assert three.choices_["calibration_blocks"] == 3 and len(blocks) == 3 * len(one.calibration_.scores)
    np.testing.assert_array_equal(blocks[-len(one.calibration_.scores):], one.calibration_.scores)  # the validation block
    # The first block: a forecaster fitted on the rows before it, validated on it, with no test split.
    size = one.split_["validation_windows"]
    cut = 600 - 90 - 2 * 90  # rows before the test split, less two validation blocks
    earlier = Forecaster(**settings, test_fraction=0.0, validation_fraction=90 / cut).fit(data.iloc[:cut])
    np.testing.assert_allclose(blocks[:size], earlier.calibration_.scores, rtol=1e-6)
    changed = data.copy()
    changed.iloc[510:] *= 1.5  # the test rows
    again = Forecaster(**settings, calibration_folds=3).fit(changed)
    np.testing.assert_allclose(again.calibration_.scores, blocks, rtol=1e-6)
