"""`shrinkage`: each series' forecast change from its anchor is weighted by the weight its own
validation windows prefer, and that weight reaches predict, the bands, the run directory and export."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tsrnn import Forecaster
from tsrnn.features.windowing import WindowSpec
from tsrnn.forecasting.selection import SHRINKAGE_WEIGHTS, shrinkage_weight

PARAMS = dict(lookback=48, horizon=6, units=4, epochs=2, linear=False, target_anchor="season", seasonal_period=24, seed=0)


@pytest.fixture(scope="module")
def panel() -> dict[str, pd.DataFrame]:
    dates = pd.date_range("2024-01-01", periods=600, freq="h")
    hours = np.arange(600)
    walk = 50 * np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.02, 600)))
    return {"pattern": pd.DataFrame({"value": 100 + 20 * np.sin(2 * np.pi * hours / 24)}, index=dates),  # a season repeated exactly
            "walk": pd.DataFrame({"value": walk}, index=dates)}


@pytest.fixture(scope="module")
def both(panel):
    return Forecaster(**PARAMS, shrinkage=False).fit(panel), Forecaster(**PARAMS, shrinkage=True).fit(panel)


def test_the_weight_is_the_one_with_the_lowest_validation_error():
    spec = WindowSpec(lookback=1, horizon=1, target_columns=("y",), target_transform="difference")
    levels = np.arange(10.0).reshape(-1, 1)  # every change is +1
    ends = range(0, 9)
    assert shrinkage_weight(np.ones((9, 1, 1)), levels, ends, spec) == 1.0
    assert shrinkage_weight(np.full((9, 1, 1), 2.0), levels, ends, spec) == 0.5
    assert shrinkage_weight(np.full((9, 1, 1), -1.0), levels, ends, spec) == 0.0
    # 0.25 is better on average, but by less than one standard error: the forecast stays as it is.
    few = np.array([1.0, 1.0, 1.0, 5.0]).reshape(4, 1, 1)
    assert shrinkage_weight(few, levels, range(0, 4), spec) == 1.0
    assert set(SHRINKAGE_WEIGHTS) == {0.0, 0.25, 0.5, 0.75, 1.0}


def test_each_series_forecasts_with_the_weight_its_validation_windows_prefer(both, panel):
    """The weight found through the public API (the unweighted network's validation forecasts, each
    weight tried) is the one the fit chose, and the weighted forecasts are the ones it makes."""
    from tsrnn.features.preparation import invert
    from tsrnn.features.windowing import target_rows

    plain, shrunk = both
    spec = plain.window_spec_
    assert {state.weight for state in plain.series_.values()} == {1.0}
    for name, frame in panel.items():
        ends = plain.data_split_.bounds(frame.index, name).ends("validation", spec)
        prepared = plain.prepare(panel, series=name)
        change = plain.transformed_forecast(prepared, ends)
        forecasts = {w: invert(w * change, prepared.levels, ends, spec) for w in SHRINKAGE_WEIGHTS}
        actual = prepared.levels[target_rows(ends, spec)]
        errors = {w: np.abs(forecasts[w] - actual).mean(axis=(1, 2)) for w in SHRINKAGE_WEIGHTS}
        best = min(SHRINKAGE_WEIGHTS, key=lambda w: (errors[w].mean(), -w))
        gain = errors[1.0] - errors[best]
        chosen = best if gain.mean() > gain.std(ddof=1) / np.sqrt(len(gain)) else 1.0  # the one-standard-error rule
        assert shrunk.series_[name].weight == chosen
        np.testing.assert_allclose(shrunk.forecast_levels(shrunk.prepare(panel, series=name), ends), forecasts[chosen], rtol=1e-5)
    assert shrunk.series_["walk"].weight < 1.0  # the tiny network forecasts the walk worse than its anchor
    assert shrunk.choices_["shrinkage"] == {f"{w:g}": sum(s.weight == w for s in shrunk.series_.values()) for w in SHRINKAGE_WEIGHTS}


def test_bands_are_calibrated_on_the_weighted_forecasts_and_the_weight_is_saved(both, panel, tmp_path):
    plain, shrunk = both
    assert not np.allclose(np.sort(plain.calibration_scores_), np.sort(shrunk.calibration_scores_))
    shrunk.save(tmp_path / "run")
    stored = json.loads((tmp_path / "run" / "run.json").read_text())["series"]
    assert {name: entry["weight"] for name, entry in stored.items()} == {name: s.weight for name, s in shrunk.series_.items()}
    loaded = Forecaster.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.predict(panel, level=80), shrunk.predict(panel, level=80))


def test_serving_json_carries_each_series_weight(both):
    from tsrnn.forecasting.export import serving_spec

    _, shrunk = both
    spec = serving_spec(shrunk)
    assert {name: entry["forecast_weight"] for name, entry in spec["series"].items()} == {
        name: state.weight for name, state in shrunk.series_.items()}
