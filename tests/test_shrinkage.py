"""`shrinkage`: each series' forecast change from its anchor is weighted, and a longer season's
naive forecast and the seasonal naive with drift blended in, as its own validation windows prefer,
and those weights reach predict, the bands, the run directory and export."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tsrnn import Forecaster
from tsrnn.features.windowing import WindowSpec
from tsrnn.forecasting.combination import (
    DRIFT_WEIGHTS,
    LONG_SEASON_WEIGHTS,
    POOLING_WEIGHTS,
    SHRINKAGE_WEIGHTS,
    TEMPERATURES,
    ChoiceWindows,
    choose_combination,
    choose_pooled,
    choose_pooling,
    combinations,
    drift_change,
    long_season_change,
    shrinkage_weight,
)

PARAMS = dict(lookback=48, horizon=6, units=4, epochs=2, linear=False, target_anchor="season", seasonal_period=24, seed=0)


@pytest.fixture(scope="module")
def panel() -> dict[str, pd.DataFrame]:
    dates = pd.date_range("2024-01-01", periods=600, freq="h")
    hours = np.arange(600)
    walk = 50 * np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.02, 600)))
    weekends = np.where(dates.day_of_week >= 5, 0.7, 1.0)
    return {"pattern": pd.DataFrame({"value": 100 + 20 * np.sin(2 * np.pi * hours / 24)}, index=dates),  # a season repeated exactly
            "walk": pd.DataFrame({"value": walk}, index=dates),
            "week": pd.DataFrame({"value": weekends * (100 + 20 * np.sin(2 * np.pi * hours / 24))}, index=dates)}  # a week repeated


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


def test_a_longer_season_is_blended_in_where_it_forecasts_better():
    """Hourly rows whose weekends differ: the day-old value misses every Saturday, the week-old one never."""
    spec = WindowSpec(lookback=24, horizon=24, target_columns=("y",), target_anchor="season", seasonal_period=24)
    dates = pd.date_range("2024-01-01", periods=24 * 7 * 6, freq="h")
    levels = np.where(dates.day_of_week >= 5, 70.0, 100.0).reshape(-1, 1)
    ends = range(24 * 7 * 4, 24 * 7 * 6 - 24)
    exact = long_season_change(levels, ends, spec, period=168)
    np.testing.assert_allclose(levels[np.asarray(ends)[:, None] + np.arange(1, 25)], (levels[np.asarray(ends)[:, None] + np.arange(1, 25) - 24]
                                                                                 * np.exp(exact)), rtol=1e-12)
    assert choose_combination(np.zeros((len(ends), 24, 1)), levels, ends, spec, long_period=168) == (0.0, 1.0, 0.0)
    assert choose_combination(np.zeros((len(ends), 24, 1)), levels, ends, spec) == (1.0, 0.0, 0.0)  # without it: the anchor, tied
    assert long_season_change(levels, range(0, 2), spec, period=168).tolist() == np.zeros((2, 24, 1)).tolist()  # no row a week back
    assert len(combinations(168)) == 15 and all(w + v + d <= 1 and d == 0 for w, v, d in combinations(168))
    assert len(combinations(168, drift=True)) == 35 and all(w + v + d <= 1 for w, v, d in combinations(168, drift=True))


def test_the_seasonal_naive_with_drift_follows_a_trend_and_its_slowing():
    """Hourly rows with a daily season on a trend: the day-old value misses each day's growth, the
    seasonal naive with drift (the last day's mean over the day before's) does not, and where the
    growth stops it is followed within a day instead of extrapolated at its old rate."""
    spec = WindowSpec(lookback=48, horizon=48, target_columns=("y",), target_anchor="season", seasonal_period=24)
    hours = np.arange(24 * 20)
    growth = np.where(hours < 24 * 14, 0.02, 0.0)  # 2 % a day, then flat from day 14
    levels = (100 * np.exp(np.cumsum(growth) / 24) * (1 + 0.2 * np.sin(2 * np.pi * hours / 24))).reshape(-1, 1)
    ends = np.arange(24 * 4, 24 * 10)  # windows of the trend
    change = drift_change(levels, ends, spec)
    np.testing.assert_allclose(change[:, :24], 0.02, rtol=1e-9)  # a day's growth, one season on
    np.testing.assert_allclose(change[:, 24:], 0.04, rtol=1e-9)  # two seasons on
    assert choose_combination(np.zeros((len(ends), 48, 1)), levels, ends, spec) == (0.0, 0.0, 1.0)
    flat = drift_change(levels, [24 * 16 - 1], spec)  # two flat days before the end: no drift left
    np.testing.assert_allclose(flat, 0.0, atol=1e-12)
    assert drift_change(levels, [24 * 2 - 2], spec).tolist() == np.zeros((1, 48, 1)).tolist()  # fewer than two seasons seen
    no_season = WindowSpec(lookback=48, horizon=48, target_columns=("y",))
    assert choose_combination(np.zeros((len(ends), 48, 1)), levels, ends, no_season) in combinations(None)  # no drift without a seasonal anchor


def test_each_series_forecasts_with_the_weights_its_validation_windows_prefer(both, panel):
    """The weights found through the public API (the unweighted network's validation forecasts, each
    pair tried, each series' relative errors averaged with the panel's median as the fit's pooling
    weight says) are the ones the fit chose, and the combined forecasts are the ones it makes."""
    from tsrnn.features.preparation import invert
    from tsrnn.features.windowing import target_rows

    plain, shrunk = both
    spec = plain.window_spec_
    errors, relative, levels = {}, {}, {}
    assert {(state.weight, state.long_weight, state.drift_weight) for state in plain.series_.values()} == {(1.0, 0.0, 0.0)}
    assert {state.long_period for state in shrunk.series_.values()} == {168}  # a week of hourly rows
    for name, frame in panel.items():
        ends = plain.data_split_.bounds(frame.index, name).ends("validation", spec)
        prepared = plain.prepare(panel, series=name)
        change = plain.transformed_forecast(prepared, ends)
        weekly = long_season_change(prepared.levels, ends, spec, 168)
        drift = drift_change(prepared.levels, ends, spec)
        pairs = [(w, v, d) for w in SHRINKAGE_WEIGHTS for v in LONG_SEASON_WEIGHTS for d in DRIFT_WEIGHTS if w + v + d <= 1]
        forecasts = {pair: invert(pair[0] * change + pair[1] * weekly + pair[2] * drift, prepared.levels, ends, spec)
                     for pair in pairs}
        actual = prepared.levels[target_rows(ends, spec)]
        errors[name] = {pair: np.abs(forecasts[pair] - actual).mean(axis=(1, 2)) for pair in pairs}
        relative[name] = {pair: errors[name][pair].mean() / errors[name][(0.0, 0.0, 0.0)].mean() for pair in pairs}
        levels[name] = (forecasts, shrunk.prepare(panel, series=name), ends)
    pooling, temperature = shrunk.choices_["combination_pooling"], shrunk.choices_["combination_temperature"]
    assert pooling in POOLING_WEIGHTS and temperature in TEMPERATURES
    for name in panel:
        forecasts, prepared, ends = levels[name]
        if max(error.mean() for error in errors[name].values()) < 1e-9 * np.abs(prepared.levels).mean():
            # every pair forecasts the exact repeat to rounding error: their order is rounding noise, so
            # any weights are right; the combined forecast must still be exact
            np.testing.assert_allclose(shrunk.forecast_levels(prepared, ends), forecasts[(0.0, 0.0, 0.0)], rtol=1e-9)
            continue
        score = {pair: (1 - pooling) * relative[name][pair] + pooling * np.median([r[pair] for r in relative.values()])
                 for pair in pairs}
        best = min(pairs, key=score.get)
        gain = errors[name][(1.0, 0.0, 0.0)] - errors[name][best]
        chosen = best if gain.mean() > gain.std(ddof=1) / np.sqrt(len(gain)) else (1.0, 0.0, 0.0)  # the one-standard-error rule
        if temperature:  # exponential weights instead: every pair weighted by how close it scores to the best
            weights = {pair: np.exp(-(score[pair] - score[best]) / temperature) for pair in pairs}
            chosen = tuple(sum(weights[pair] * pair[i] for pair in pairs) / sum(weights.values()) for i in (0, 1, 2))
        state = shrunk.series_[name]
        np.testing.assert_allclose((state.weight, state.long_weight, state.drift_weight), chosen, atol=1e-4)
        if not temperature:
            np.testing.assert_allclose(shrunk.forecast_levels(prepared, ends), forecasts[chosen], rtol=1e-5)
    assert shrunk.series_["walk"].weight < 1.0  # the tiny network forecasts the walk worse than its anchor
    assert shrunk.series_["week"].long_weight > 0.0  # the weekends repeat a week later, not a day later
    assert shrunk.series_["pattern"].long_weight < 1.0
    nearest = {name: (min(SHRINKAGE_WEIGHTS, key=lambda w: (abs(w - s.weight), -w)),
                      min(LONG_SEASON_WEIGHTS, key=lambda v: (abs(v - s.long_weight), -v))) for name, s in shrunk.series_.items()}
    assert shrunk.choices_["shrinkage"] == {f"{w:g}": sum(w == pair[0] for pair in nearest.values()) for w in SHRINKAGE_WEIGHTS}
    assert shrunk.choices_["long_season"] == {"period": 168, "weights": {
        f"{v:g}": sum(v == pair[1] for pair in nearest.values()) for v in LONG_SEASON_WEIGHTS}}
    assert sum(shrunk.choices_["drift"]["weights"].values()) == len(panel)


def test_bands_are_calibrated_on_the_weighted_forecasts_and_the_weight_is_saved(both, panel, tmp_path):
    plain, shrunk = both
    assert not np.allclose(np.sort(plain.calibration_scores_), np.sort(shrunk.calibration_scores_))
    shrunk.save(tmp_path / "run")
    stored = json.loads((tmp_path / "run" / "run.json").read_text())["series"]
    assert {name: (entry["weight"], entry["long_weight"], entry["long_period"], entry["drift_weight"])
            for name, entry in stored.items()} == {name: (s.weight, s.long_weight, s.long_period, s.drift_weight)
                                                   for name, s in shrunk.series_.items()}
    loaded = Forecaster.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.predict(panel, level=80), shrunk.predict(panel, level=80))


def test_serving_json_carries_each_series_weight(both):
    from tsrnn.forecasting.export import serving_spec

    _, shrunk = both
    spec = serving_spec(shrunk)
    assert {name: entry["forecast_weight"] for name, entry in spec["series"].items()} == {
        name: state.weight for name, state in shrunk.series_.items()}
    assert {name: entry.get("long_season_weight", 0.0) for name, entry in spec["series"].items()} == {
        name: state.long_weight for name, state in shrunk.series_.items()}


_DIFFERENCES = WindowSpec(lookback=1, horizon=1, target_columns=("y",), target_transform="difference")


def _windows(best_weight: float, count: int, noise: float, rng) -> ChoiceWindows:
    """One series' validation windows whose best weight on the network's change is `best_weight`:
    the network forecasts each true change over that weight, plus noise."""
    change = rng.normal(0, 1, count)
    levels = np.concatenate([[0.0], np.cumsum(change)]).reshape(-1, 1)
    predicted = (change / best_weight + rng.normal(0, noise, count)).reshape(-1, 1, 1)
    return ChoiceWindows(predicted, levels, range(0, count), _DIFFERENCES, None)


def test_a_series_borrows_the_panels_preference_among_the_pairs_that_beat_the_network():
    pairs = combinations(None)
    panel = {f"s{i}": [np.full(6, 1.0), np.full(6, 0.9), np.full(6, 0.5), np.full(6, 0.9), np.full(6, 1.0)] for i in range(4)}
    panel["x"] = [np.full(6, 1.0) + 0.01 * np.arange(6), np.full(6, 0.80), np.full(6, 0.82), np.full(6, 1.1), np.full(6, 1.2)]
    every = {name: pairs for name in panel}
    assert choose_pooled(panel, every, 0.0)["x"] == (0.75, 0.0, 0.0)  # alone: its own lowest error
    assert choose_pooled(panel, every, 0.5)["x"] == (0.5, 0.0, 0.0)  # the panel's pair, which also beats its network
    assert choose_pooled(panel, every, 0.0)["s0"] == (0.5, 0.0, 0.0)
    panel["x"][2] = np.full(6, 1.05)  # the panel's pair no longer beats x's network: x keeps the network
    assert choose_pooled(panel, every, 1.0)["x"] == (1.0, 0.0, 0.0)


def test_the_pooling_weight_and_temperature_are_the_ones_the_later_windows_prefer():
    pairs, rng = combinations(None), np.random.default_rng(0)
    own = {f"s{i}": _windows((1.0, 0.75, 0.5, 0.25)[i % 4], 16, 0.05, rng) for i in range(40)}
    # Each series clearly its own pair: alone, and sharp. Temperature 0 scores lowest; 0.05 lies within
    # one standard error of it (the softest that does: 0.1 is 2.7 standard errors worse), so 0.05 is kept.
    assert choose_pooling(own, {name: pairs for name in own}) == (0.0, 0.05)
    shared = {f"s{i}": _windows(0.5, 8, 1.5, rng) for i in range(40)}
    assert choose_pooling(shared, {name: pairs for name in shared})[0] > 0.0  # one best pair, noisy windows: pool
    between = {f"s{i}": _windows(rng.uniform(0.3, 0.9), 16, 0.5, rng) for i in range(40)}
    assert choose_pooling(between, {name: pairs for name in between})[1] > 0.0  # best weights between the grid's: average
    assert choose_pooling({"one": shared["s0"]}, {"one": pairs}) == (0.0, 0.0)  # a single series has no panel to judge by


def test_exponential_weights_average_the_pairs_by_how_close_they_score():
    pairs = combinations(168)
    errors = {"a": [np.full(4, 1.0 + abs(weight - 0.6) + abs(long - 0.2)) for weight, long, _ in pairs]}  # best near (0.6, 0.2)
    sharp = choose_pooled(errors, {"a": pairs}, 0.0, temperature=1e-3)["a"]
    assert sharp == (0.5, 0.25, 0.0)  # a tiny temperature: the lowest pair's weights (no standard-error rule: equal windows)
    soft = choose_pooled(errors, {"a": pairs}, 0.0, temperature=0.2)["a"]
    plain_mean = np.mean(pairs, axis=0)  # every pair alike, as an infinite temperature would weigh them
    assert soft not in pairs and sum(soft) <= 1.0 and np.linalg.norm(np.subtract(soft, sharp)) < np.linalg.norm(plain_mean - sharp)


def test_a_series_training_did_not_see_chooses_its_weights_as_a_training_series_does(both, panel):
    """A copy of each training series under a new name (its rows, the same split dates, the same
    network) gets the weights the fit chose for the original, from its own validation windows,
    and so the same forecasts; before, a series training did not see kept the network's as it is."""
    _, shrunk = both
    assert any((s.weight, s.long_weight, s.drift_weight) != (1.0, 0.0, 0.0) for s in shrunk.series_.values())  # something to choose
    for name, frame in panel.items():
        copy = shrunk._states_of({f"{name} again": frame})[f"{name} again"]
        original = shrunk.series_[name]
        np.testing.assert_allclose((copy.weight, copy.long_weight, copy.long_period, copy.drift_weight),
                                   (original.weight, original.long_weight, original.long_period, original.drift_weight), atol=1e-9)
        again = shrunk.predict({f"{name} again": frame}, layout="beyond")["forecast"].to_numpy()
        np.testing.assert_allclose(again, shrunk.predict({name: frame}, layout="beyond")["forecast"].to_numpy(), rtol=1e-6)
        scores = shrunk.evaluate({f"{name} again": frame}, part="test")["series"][f"{name} again"]
        assert scores["model"]["mase"] == pytest.approx(shrunk.evaluate({name: frame}, part="test")["series"][name]["model"]["mase"])


def test_a_series_training_did_not_see_pools_with_the_panels_stored_median():
    """Where the panel pooled, a new series' pairs are scored with the panel's median stored in
    `choices_` (as the training series' were), not alone."""
    from tsrnn.forecasting.combination import choose_for_unseen, combination_choices, panel_median, relative_errors

    pairs, rng = combinations(None), np.random.default_rng(3)
    windows = _windows(0.6, 40, 0.05, rng)  # alone: a weight near 0.6
    errors = windows.errors(pairs)
    prefers_quarter = {pair: (0.5 if pair == (0.25, 0.0, 0.0) else 1.5) for pair in pairs}  # the panel's median: 0.25 by far
    alone = choose_pooled({"x": errors}, {"x": pairs}, 0.0)["x"]
    pooled = choose_pooled({"x": errors}, {"x": pairs}, 1.0, median=prefers_quarter)["x"]
    assert alone in ((0.5, 0.0, 0.0), (0.75, 0.0, 0.0)) and pooled == (0.25, 0.0, 0.0)
    choices = json.loads(json.dumps(combination_choices([], 1.0, 0.0, prefers_quarter)))  # as run.json keeps it
    assert choose_for_unseen(windows, None, choices) == pooled
    assert "combination_median" not in combination_choices([], 0.0, 0.0, prefers_quarter)  # no pooling: nothing to keep
    assert choose_for_unseen(windows, None, {"combination_pooling": 0.0, "combination_temperature": 0.0}) == alone
    assert choose_for_unseen(ChoiceWindows(windows.predicted[:1], windows.levels, range(0, 1), _DIFFERENCES, None), None,
                             choices) == (1.0, 0.0, 0.0)  # one window: nothing to choose on
    relative = {"a": relative_errors(errors, pairs), "b": {pair: 2 * ratio for pair, ratio in relative_errors(errors, pairs).items()}}
    assert panel_median(relative)[(1.0, 0.0, 0.0)] == pytest.approx(1.5 * relative["a"][(1.0, 0.0, 0.0)])
