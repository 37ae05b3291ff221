"""Many series, one model: panel input in every form, a split by date for all series, per-series
scalers, one global model whose batches mix series, predictions for seen and unseen series,
per-series and pooled scores, save and load, and the CLI."""
from __future__ import annotations

import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import write_folder
from tsrnn.cli import main
from tsrnn.errors import ConfigError, DataError
from tsrnn.features.batches import PanelBatches
from tsrnn.features.splits import split_by_date
from tsrnn.features.windowing import WindowSpec, input_windows, target_rows
from tsrnn.forecasting.comparison import pooled_scores
from tsrnn.forecasting.forecaster import Forecaster
from tsrnn.io.panels import read_panel
from tsrnn.io.tables import read_series

TINY = dict(lookback=10, units=4, epochs=2, batch_size=32, seed=0)


def _walk(index: pd.DatetimeIndex, seed: int, level: float) -> pd.DataFrame:
    steps = np.random.default_rng(seed).normal(0, 0.01, len(index))
    return pd.DataFrame({"Close": level * np.exp(np.cumsum(steps)), "Volume": 1e6 * (1 + seed)}, index=index)


@pytest.fixture(scope="module")
def panel() -> dict[str, pd.DataFrame]:
    prices = read_series("datasets/sp500.csv").iloc[:400]
    index = prices.index
    return {"SPX": prices[["Close", "Volume"]], "SMALL": prices[["Close", "Volume"]] * 0.01,
            "WALK": _walk(index, 1, 50.0), "LATE": _walk(index[150:], 2, 5.0)}


@pytest.fixture(scope="module")
def folder(panel, tmp_path_factory):
    return write_folder(panel, tmp_path_factory.mktemp("panel"))


@pytest.fixture(scope="module")
def fitted(folder):
    return Forecaster(**TINY).fit(folder)


def test_a_panel_reads_from_a_folder_a_long_csv_a_dict_and_a_long_frame(panel, folder, tmp_path):
    long = pd.concat([frame.assign(ticker=name).reset_index() for name, frame in panel.items()])
    long.to_csv(tmp_path / "long.csv", index=False)
    forms = [read_panel(folder), read_panel(tmp_path / "long.csv", id_column="ticker"), read_panel(panel),
             read_panel(long, id_column="ticker")]
    for read in forms:
        assert list(read) == sorted(panel)
        for name, frame in panel.items():
            np.testing.assert_allclose(read[name]["Close"].to_numpy(), frame["Close"].to_numpy())
            assert read[name].index.equals(frame.index)


def test_panel_errors_name_the_series(panel, tmp_path):
    long = pd.concat([frame.assign(ticker=name).reset_index() for name, frame in panel.items()])
    long["Close"] = long["Close"].astype(object)
    long.iloc[np.flatnonzero(long["ticker"] == "WALK")[3], long.columns.get_loc("Close")] = "oops"
    long.to_csv(tmp_path / "long.csv", index=False)
    with pytest.raises(DataError, match=r"long.csv \[WALK\]: column 'Close' has 1 non-numeric value"):
        Forecaster(**TINY).fit(tmp_path / "long.csv", id_column="ticker")
    with pytest.raises(DataError, match="id column 'symbol' not found"):
        read_panel(tmp_path / "long.csv", id_column="symbol")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="folder holds no .csv file"):
        read_panel(tmp_path / "empty")


def test_the_split_is_by_date_for_every_series(panel, fitted):
    split = split_by_date(panel, 0.15, 0.15)
    assert split == fitted.data_split_
    spec = fitted.window_spec_
    for frame in panel.values():
        bounds = split.bounds(frame.index)
        rows = target_rows(bounds.ends("train", spec), spec)
        assert (frame.index[rows.ravel()] < split.validation_start).all()
        assert (frame.index[target_rows(bounds.ends("test", spec), spec).ravel()] >= split.test_start).all()


def test_each_series_scalers_come_from_its_own_training_rows(panel, fitted):
    spec = fitted.window_spec_
    for name in ("SPX", "SMALL"):
        train_end = fitted.data_split_.bounds(panel[name].index).train_end
        changes = np.diff(np.log(panel[name]["Close"].to_numpy()[:train_end]))
        np.testing.assert_allclose(fitted.series_[name].feature_scaler.mean_, [changes.mean()], rtol=1e-9)
    # SMALL is SPX / 100: the same log changes, so the same scalers and forecasts 1/100 of SPX's.
    forecast = fitted.predict({"SPX": panel["SPX"], "SMALL": panel["SMALL"]})
    by_series = {name: table["Close_t+1"].to_numpy() for name, table in forecast.groupby("series")}
    np.testing.assert_allclose(by_series["SMALL"], by_series["SPX"] * 0.01, rtol=1e-5)
    assert spec.lookback == 10


def test_batches_mix_series_and_cut_windows_from_each_series_own_rows():
    rng = np.random.default_rng(3)
    spec = WindowSpec(lookback=3, target_columns=("y",))
    parts = [(rng.normal(size=(20, 2)).astype("float32"), range(2, 19), rng.normal(size=(17, 1, 1))),
             (rng.normal(size=(30, 2)).astype("float32"), range(5, 29), rng.normal(size=(24, 1, 1)))]
    batches = PanelBatches(parts, spec, batch_size=16, shuffle=True, seed=0)
    seen = {0: 0, 1: 0}
    for index in range(len(batches)):
        windows, targets = batches[index]
        picked = batches.order.picked(index)
        for row, position in enumerate(picked):
            series, end = batches.which[position], batches.ends[position]
            scaled, ends, values = parts[series]
            expected = input_windows(scaled, range(end, end + 1), spec)[0]
            np.testing.assert_array_equal(windows[row], expected)
            np.testing.assert_array_equal(targets[row], values[end - ends.start])
            seen[series] += 1
        assert len(set(batches.which[picked])) == 2  # every batch draws from both series here
    assert seen == {0: 17, 1: 24}


def test_one_predict_over_a_panels_windows_gives_each_series_what_predicting_it_alone_gives():
    import keras

    from tsrnn.features import preparation
    from tsrnn.features.scaling import fit_scaler

    rng = np.random.default_rng(4)
    spec = WindowSpec(lookback=3, horizon=2, target_columns=("y",))
    inputs = keras.Input((3, 2))
    hidden = keras.layers.LSTM(4)(inputs)
    forecast = keras.layers.Reshape((2, 1), name="forecast")(keras.layers.Dense(2)(hidden))
    quantiles = keras.layers.Reshape((2, 1, 3), name="quantiles")(keras.layers.Dense(6)(hidden))
    model = keras.Model(inputs, {"forecast": forecast, "quantiles": quantiles})
    parts = [(rng.normal(size=(rows, 2)).astype("float32"), ends, fit_scaler("standard", rng.normal(level, level / 4, size=(50, 1))))
             for rows, ends, level in ((20, range(2, 19), 1.0), (9, range(0), 5.0), (30, range(5, 29, 2), 100.0))]
    together = preparation.predict_transformed_panel(model, parts, spec, batch_size=8, with_quantiles=True)
    for (scaled, ends, scaler), (point, bands) in zip(parts, together, strict=True):
        alone, alone_bands = preparation.predict_transformed(model, scaled, ends, spec, scaler, batch_size=8, with_quantiles=True)
        assert point.shape == alone.shape == (len(ends), 2, 1)
        np.testing.assert_allclose(point, alone, rtol=1e-5, atol=1e-5)
        if len(ends):  # a series without windows has no quantile forecasts, alone or together
            assert bands.shape == alone_bands.shape == (len(ends), 2, 1, 3)
            np.testing.assert_allclose(bands, alone_bands, rtol=1e-5, atol=1e-5)
        else:
            assert bands is None and alone_bands is None
    assert not np.allclose(together[0][0][:2], together[2][0][:2])  # each series unscaled by its own scaler


def test_predict_covers_seen_and_unseen_series(fitted, folder, panel):
    table = fitted.predict(folder)
    assert list(table.columns) == ["series", "date", "Close_t+1"]
    assert set(table["series"]) == set(panel) and np.isfinite(table["Close_t+1"]).all()
    last = table.groupby("series").tail(1).set_index("series")["date"]
    assert (last == panel["SPX"].index[-1]).all()
    unseen = _walk(panel["SPX"].index, 9, 20.0)
    new = fitted.predict({"NEW": unseen})
    assert len(new) == len(unseen) - fitted.window_spec_.first_end and np.isfinite(new["Close_t+1"]).all()
    assert new["Close_t+1"].between(unseen["Close"].min() * 0.9, unseen["Close"].max() * 1.1).all()
    scores = fitted.evaluate({"NEW": unseen}, part="test")
    assert scores["series"]["NEW"]["seen_in_training"] is False


def test_predict_and_evaluate_forecast_a_panel_with_one_network_call_as_each_series_alone(fitted, folder, panel, monkeypatch):
    calls = []
    for network in {id(fitted.model_): fitted.model_, id(fitted._scoring_model()): fitted._scoring_model()}.values():
        original = network.predict
        monkeypatch.setattr(network, "predict", lambda *args, original=original, **kwargs: calls.append(1) or original(*args, **kwargs))
    table = fitted.predict(folder, level=[80])
    assert len(calls) == 1  # not one per series
    scores = fitted.evaluate(folder, part="test", level=[80])
    assert len(calls) == 2
    for name in panel:
        alone = fitted.predict({name: panel[name]}, level=[80]).drop(columns="series").set_index("date")
        together = table[table["series"] == name].drop(columns="series").set_index("date")
        pd.testing.assert_frame_equal(together, alone, rtol=1e-6)
        own = fitted.evaluate({name: panel[name]}, part="test", level=[80])["series"][name]
        assert scores["series"][name]["model"]["mase"] == pytest.approx(own["model"]["mase"], rel=1e-6)
        assert scores["series"][name]["intervals"]["80"]["model"]["coverage"] == own["intervals"]["80"]["model"]["coverage"]
    assert len(calls) == 2 + 2 * len(panel)


def test_the_forecast_beyond_the_data_predicts_only_each_series_last_window(fitted, folder, monkeypatch):
    from tsrnn.features import preparation

    last = fitted.predict(folder, level=[80]).groupby("series").tail(1).set_index("series")
    windows, original = [], preparation.predict_transformed_panel
    monkeypatch.setattr(preparation, "predict_transformed_panel",
                        lambda model, parts, *args, **kwargs: windows.append([len(ends) for _, ends, _ in parts])
                        or original(model, parts, *args, **kwargs))
    beyond = fitted.predict(folder, level=[80], layout="beyond").set_index("series")
    nixtla = fitted.predict(folder, level=[80], layout="nixtla").set_index("unique_id")
    assert windows == [[1] * len(last)] * 2  # not every window of every series
    for column, wide in (("forecast", "Close_t+1"), ("lo_80", "Close_t+1_lo_80"), ("hi_80", "Close_t+1_hi_80")):
        np.testing.assert_allclose(beyond.loc[last.index, column], last[wide].astype(float), rtol=1e-6)
    np.testing.assert_allclose(nixtla.loc[last.index, "tsrnn"], beyond.loc[last.index, "forecast"])


def test_scores_per_series_and_pooled(fitted, folder):
    scores = fitted.evaluate(folder, part="test")
    assert set(scores["series"]) == {"SPX", "SMALL", "WALK", "LATE"}
    mase = [s["model"]["mase"] for s in scores["series"].values()]
    assert scores["pooled"]["model"]["mean_mase"] == pytest.approx(np.mean(mase))
    windows = [s["windows"] for s in scores["series"].values()]
    assert scores["pooled"]["model"]["weighted_mase"] == pytest.approx(np.average(mase, weights=windows))
    assert {"naive_last_value", "seasonal_naive", "drift", "ridge"} <= set(scores["pooled"])
    assert pooled_scores({"a": {"windows": 1, "m": {"mase": 2.0}}})["m"]["mean_mase"] == 2.0


def test_save_and_load_give_identical_forecasts(fitted, folder, tmp_path):
    fitted.save(tmp_path / "run")
    loaded = Forecaster.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.predict(folder), fitted.predict(folder))
    assert loaded.get_params() == fitted.get_params()


def test_a_panel_calibrates_on_earlier_blocks_each_scored_by_a_fit_on_the_rows_before_it(panel):
    one = Forecaster(**TINY).fit(panel)
    two = Forecaster(**TINY, calibration_folds=2).fit(panel)
    validation = len(one.calibration_scores_)
    assert two.choices_["calibration_blocks"] == 2
    np.testing.assert_array_equal(two.calibration_scores_[-validation:], one.calibration_scores_)
    # The earlier block: the same panel fitted on the dates before the validation period, with the
    # last 60 of its 280 dates (the validation period's length) validating and no test split.
    before = {name: frame[frame.index < one.data_split_.validation_start] for name, frame in panel.items()}
    earlier = Forecaster(**TINY, test_fraction=0.0, validation_fraction=60 / 280).fit(before)
    np.testing.assert_allclose(two.calibration_scores_[:-validation], earlier.calibration_scores_, rtol=1e-6)
    assert len(earlier.calibration_scores_) == sum(s.windows["validation"] for s in earlier.series_.values())


def test_a_ragged_panel_calibrates_each_series_on_its_own_earlier_rows(panel):
    ragged = {**panel, "LATE": panel["LATE"].iloc[:-100]}  # ends 100 dates early: split by series
    one = Forecaster(**TINY).fit(ragged)
    three = Forecaster(**TINY, calibration_folds=3).fit(ragged)
    assert one.data_split_.how == "series" and three.choices_["calibration_blocks"] == 3
    assert len(one.calibration_scores_) < len(three.calibration_scores_) < 3 * len(one.calibration_scores_) + 1
    np.testing.assert_array_equal(three.calibration_scores_[-len(one.calibration_scores_):], one.calibration_scores_)


def test_a_panel_quantile_head_draws_its_bands_from_pooled_cqr_scores_and_saves(folder, panel, tmp_path):
    from tsrnn.features import preparation
    from tsrnn.features.windowing import anchor_levels, invert_targets, window_ends
    from tsrnn.forecasting.conformal import conformal_radius

    fitted = Forecaster(**TINY, quantile_levels=[80]).fit(folder)
    pooled = fitted.quantile_scores_["80"]
    assert len(pooled) == sum(state.windows["validation"] for state in fitted.series_.values())  # every series' windows
    table = fitted.predict(folder, level=[80])
    spx = table[table["series"] == "SPX"]
    frame = preparation.select_frame(read_series(folder / "SPX.csv"), fitted.settings_)
    features, levels = preparation.arrays(frame, fitted.window_spec_)
    ends = window_ends(len(frame), fitted.window_spec_, with_targets=False)
    _, quantiles = fitted.transformed_forecast(fitted.prepare(folder, series="SPX"), ends, with_quantiles=True)
    radius = conformal_radius(pooled, [80])[0]
    expected = invert_targets(quantiles[..., 0] - radius, anchor_levels(levels, ends, fitted.window_spec_), "log_return")
    # predict forecasts the panel's windows in one call: float32 kernels may round the last bit otherwise
    np.testing.assert_allclose(spx["Close_t+1_lo_80"].to_numpy(), expected[:, 0, 0], rtol=1e-6)
    with pytest.raises(ConfigError, match="refit with quantile_levels including them"):
        fitted.predict(folder, level=[95])
    scores = fitted.evaluate(folder, part="test", level=[80])
    assert 0 < scores["pooled"]["intervals"]["80"]["model"]["coverage"] <= 1
    fitted.save(tmp_path / "run")
    pd.testing.assert_frame_equal(Forecaster.load(tmp_path / "run").predict(folder, level=[80]), table)


def _mean_reverting(index: pd.DatetimeIndex, seed: int, level: float) -> pd.DataFrame:
    """Levels that revert to `level` (AR(1), phi 0.3): the naive forecast is poor, a linear one good."""
    rng = np.random.default_rng(seed)
    values = np.empty(len(index))
    values[0] = level
    for t in range(1, len(index)):
        values[t] = level + 0.3 * (values[t - 1] - level) + rng.normal(0, 0.02 * level)
    return pd.DataFrame({"Close": values}, index=index)


def test_the_panel_linear_path_starts_at_the_pooled_ridge_choice_and_beats_naive():
    index = pd.bdate_range("2015-01-01", periods=300)
    panel = {f"S{i}": _mean_reverting(index, i, level) for i, level in enumerate((10.0, 100.0, 1000.0))}
    settings = dict(lookback=10, units=4, epochs=1, batch_size=32, seed=0)
    default = Forecaster(**settings).fit(panel)
    chosen = default.choices_["linear_path"]
    assert chosen["alpha"] is not None and default.choices_["linear"] is True
    # at its start (a learning rate too small to move it) the network forecasts what the selection scored on
    # its latest fold, the validation windows (each series' forecast as the network makes it: no combination)
    start = Forecaster(**{**settings, "learning_rate": 1e-9, "shrinkage": False}).fit(panel)
    scores = start.evaluate(panel, part="validation")["pooled"]
    linear = start.choices_["linear_path"]
    kept = next(c for c in linear["candidates"] if (c["lookback"], c["anchor"], c["alpha"]) ==
                (linear["lookback"], linear["anchor"], linear["alpha"]))
    assert scores["model"]["weighted_mase"] == pytest.approx(kept["fold_mase"][-1], rel=1e-4)
    test = default.evaluate(panel, part="test")["pooled"]
    without = Forecaster(**settings, linear=False).fit(panel).evaluate(panel, part="test")["pooled"]
    assert test["model"]["mean_mase"] < 0.9 * test["naive_last_value"]["mean_mase"]
    assert test["model"]["mean_mase"] < without["model"]["mean_mase"]


def test_a_panel_chooses_its_lookback_and_anchor_by_the_pooled_mase_of_every_series_folds(tmp_path):
    rng = np.random.default_rng(0)
    index = pd.date_range("2002-01-01", periods=180, freq="MS")
    seasonal = {f"s{i}": pd.DataFrame({"y": 100 + 20 * np.sin(2 * np.pi * (index.month + i) / 12) + rng.normal(0, 2, 180)},
                                      index=index) for i in range(4)}
    forecaster = Forecaster(target_transform="difference", units=4, epochs=1, seed=0).fit(seasonal)
    candidates = forecaster.choices_["linear_path"]["candidates"]
    assert {(c["lookback"], c["anchor"]) for c in candidates} == {(12, "last"), (12, "season"), (24, "last"), (24, "season")}
    assert all(len(c["fold_mase"]) == 3 for c in candidates)  # the validation block and the two blocks before it
    best = min(candidates, key=lambda c: c["selection_mase"])
    spec = forecaster.window_spec_
    assert (spec.lookback, spec.target_anchor) == (best["lookback"], best["anchor"])
    assert forecaster.choices_["linear_path"]["selection_mase"] == pytest.approx(best["selection_mase"])
    loaded = Forecaster.load(forecaster.save(tmp_path / "run"))
    assert loaded.window_spec_ == spec
    fixed = Forecaster(target_transform="difference", units=4, epochs=1, seed=0, lookback=12, target_anchor="last")
    fixed.fit(seasonal)
    assert {(c["lookback"], c["anchor"]) for c in fixed.choices_["linear_path"]["candidates"]} == {(12, "last")}
    assert fixed.window_spec_.lookback == 12


def test_cli_fits_and_predicts_a_folder_and_a_long_csv(folder, panel, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["fit", str(folder), "--out", str(tmp_path / "run"), "--lookback", "10", "--units", "4",
                                  "--epochs", "1", "--seed", "0", "-q"])
    assert result.exit_code == 0, result.output
    assert "panel of 4 series" in result.output and "pooled (mean)" in result.output and "LATE" in result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert set(metrics["test"]["series"]) == set(panel)
    result = runner.invoke(main, ["predict", str(tmp_path / "run"), str(folder), "-o", str(tmp_path / "forecast.csv")])
    assert result.exit_code == 0, result.output
    forecast = pd.read_csv(tmp_path / "forecast.csv")
    assert list(forecast.columns[:2]) == ["series", "date"] and set(forecast["series"]) == set(panel)
    result = runner.invoke(main, ["predict", str(tmp_path / "run"), str(folder), "--layout", "beyond",
                                  "--per-series", str(tmp_path / "each")])
    assert result.exit_code == 2 and not (tmp_path / "each").exists()
    assert result.output.strip().endswith("--per-series writes the wide layout; leave out --layout beyond, or write one "
                                          "table with -o")
    result = runner.invoke(main, ["predict", str(tmp_path / "run"), str(folder), "--layout", "beyond"])
    beyond = pd.read_csv(io.StringIO(result.output))
    assert result.exit_code == 0 and list(beyond.columns[:3]) == ["series", "origin", "step"]
    assert len(beyond) == len(panel) * 1  # horizon 1: one row per series

    long = pd.concat([frame.assign(ticker=name).reset_index() for name, frame in panel.items()])
    long.to_csv(tmp_path / "long.csv", index=False)
    result = runner.invoke(main, ["fit", str(tmp_path / "long.csv"), "--id-column", "ticker", "--out", str(tmp_path / "run2"),
                                  "--lookback", "10", "--units", "4", "--epochs", "1", "-q"])
    assert result.exit_code == 0, result.output

    # One new series in one CSV, on the run fitted from the long table: read as one series named by its file.
    new = _walk(panel["SPX"].index, 7, 30.0)
    new.to_csv(tmp_path / "NEW.csv")
    result = runner.invoke(main, ["predict", str(tmp_path / "run2"), str(tmp_path / "NEW.csv"), "-o", str(tmp_path / "new.csv")])
    assert result.exit_code == 0, result.output
    forecast = pd.read_csv(tmp_path / "new.csv")
    assert set(forecast["series"]) == {"NEW"} and len(forecast) == len(new) - 10  # log returns take one row
    library = Forecaster.load(tmp_path / "run2").predict(new)  # a DataFrame without the id column: one series
    np.testing.assert_allclose(library["Close_t+1"].to_numpy(), forecast["Close_t+1"].to_numpy(), rtol=1e-6)
    result = runner.invoke(main, ["predict", str(tmp_path / "run2"), str(tmp_path / "long.csv"), "--id-column", "symbol"])
    assert result.exit_code == 2 and "id column 'symbol' not found" in result.output


# --------------------------------------------------------------- walk-forward backtests of panels
def _expected_windows(frame: pd.DataFrame, start, end, spec) -> int:
    """Windows of `frame` whose targets all fall in [start, end), counted directly from the dates."""
    ends = [t for t in range(spec.lookback - 1, len(frame)) if t + spec.gap + spec.horizon < len(frame)]
    return sum(1 for t in ends if all(start <= frame.index[t + spec.gap + h] < end for h in range(1, spec.horizon + 1)))


def test_a_panel_backtest_scores_each_fold_on_its_own_period_and_pools(panel):
    from tsrnn.evaluation.walk_forward import backtest_panel

    result = backtest_panel(Forecaster(**{**TINY, "epochs": 1}), panel, folds=2, test_size=60)
    spec = WindowSpec(lookback=10, horizon=1, target_columns=("Close",))
    assert [f["fold"] for f in result.metrics["folds"]] == [0, 1]
    for fold in result.metrics["folds"]:
        start, last = pd.Timestamp(fold["test_start"]), pd.Timestamp(fold["test_end"])
        rows = result.scores[(result.scores["fold"] == fold["fold"]) & (result.scores["forecaster"] == "model")]
        for row in rows.itertuples():
            assert row.windows == _expected_windows(panel[row.series], start, last + pd.Timedelta(days=1), spec)
    model = result.scores[result.scores["forecaster"] == "model"]
    per_series = {name: np.average(g["mase"], weights=g["windows"]) for name, g in model.groupby("series")}
    pooled = result.metrics["overall"]["pooled"]
    assert pooled["model"]["mean_mase"] == pytest.approx(np.mean(list(per_series.values())))
    assert pooled["model"]["weighted_mase"] == pytest.approx(np.average(model["mase"], weights=model["windows"]))
    assert {"naive_last_value", "drift", "ridge"} <= set(pooled)


def test_a_panel_fold_never_sees_rows_after_its_test_period(panel):
    """Changing every row after fold 0's test period leaves fold 0's scores exactly as they were."""
    from tsrnn.evaluation.walk_forward import backtest_panel

    first = backtest_panel(Forecaster(**{**TINY, "epochs": 1}), panel, folds=2, test_size=60)
    cut = pd.Timestamp(first.metrics["folds"][0]["test_end"])
    changed = {name: frame.mul(np.where(frame.index <= cut, 1.0, 1.5), axis=0) for name, frame in panel.items()}
    second = backtest_panel(Forecaster(**{**TINY, "epochs": 1}), changed, folds=2, test_size=60)
    fold0 = [r[r["fold"] == 0].sort_values(["series", "forecaster"])[["mase", "mae"]].to_numpy()
             for r in (first.scores, second.scores)]
    np.testing.assert_allclose(fold0[0], fold0[1], rtol=1e-6)
    fold1 = [r[r["fold"] == 1].sort_values(["series", "forecaster"])["mae"].to_numpy() for r in (first.scores, second.scores)]
    assert not np.allclose(fold1[0], fold1[1])


def test_cli_backtests_a_panel(folder, tmp_path):
    result = CliRunner().invoke(main, ["backtest", str(folder), "--folds", "2", "--test-size", "60", "--lookback", "10",
                                       "--units", "4", "--epochs", "1", "--seed", "0", "-q", "--out", str(tmp_path / "bt")])
    assert result.exit_code == 0, result.output
    assert "pooled (mean)" in result.output and "WALK" in result.output
    metrics = json.loads((tmp_path / "bt" / "metrics.json").read_text())
    scores = pd.read_csv(tmp_path / "bt" / "scores.csv")
    assert metrics["overall"]["pooled"]["model"]["series"] == scores[scores["forecaster"] == "model"]["series"].nunique()
    result = CliRunner().invoke(main, ["backtest", str(folder), "--refit-every", "0", "--out", str(tmp_path / "bt2")])
    assert result.exit_code == 2 and "refit_every must be >= 1" in result.output
    assert not (tmp_path / "bt2").exists()


def test_a_panel_backtest_refits_every_k_folds_and_reuses_the_model_between(panel):
    from tsrnn.evaluation.walk_forward import backtest_panel

    model = Forecaster(**{**TINY, "epochs": 1})
    every = backtest_panel(model, panel, folds=3, test_size=40)
    reused = backtest_panel(model, panel, folds=3, test_size=40, refit_every=2)
    assert [f["fitted_on_fold"] for f in reused.metrics["folds"]] == [0, 0, 2]
    pick = ["fold", "series", "forecaster"]
    both = every.scores.merge(reused.scores, on=pick, suffixes=("_every", "_reused"))
    model_rows = both[both["forecaster"] == "model"]
    same = model_rows[model_rows["fold"] != 1]
    np.testing.assert_allclose(same["mase_every"], same["mase_reused"], rtol=1e-6)  # folds 0 and 2 fitted alike
    changed = model_rows[model_rows["fold"] == 1]
    assert not np.allclose(changed["mase_every"], changed["mase_reused"])


def test_a_panel_backtest_forecasts_each_fold_with_one_network_call_for_scores_and_bands(panel, monkeypatch):
    """Every series' windows of a fold go through one call (not one per series, and again for the
    bands), and score and band as forecasting each series alone does."""
    from tsrnn.evaluation.walk_forward import backtest_panel
    from tsrnn.forecasting import forecaster as module

    calls, original = [], module.transformed_forecasts
    monkeypatch.setattr(module, "transformed_forecasts",
                        lambda network, windows, *args: calls.append(len(windows)) or original(network, windows, *args))
    together = backtest_panel(Forecaster(**{**TINY, "epochs": 1}), panel, folds=2, test_size=40, level=[80])
    assert calls == [len(panel)] * 2  # one call per fold, shared by the scores and the bands
    every_window = module.Forecaster.forecast_windows
    monkeypatch.setattr(module.Forecaster, "forecast_windows",  # each series forecast alone
                        lambda self, windows: {key: every_window(self, {key: one})[key] for key, one in windows.items()})
    calls.clear()
    alone = backtest_panel(Forecaster(**{**TINY, "epochs": 1}), panel, folds=2, test_size=40, level=[80])
    assert calls == [1] * 2 * len(panel)
    pd.testing.assert_frame_equal(together.predictions, alone.predictions, rtol=1e-6)
    pd.testing.assert_frame_equal(together.bands, alone.bands, rtol=1e-6)


def test_a_panel_holding_a_constant_series_fits_and_scores_it(panel):
    """A series that never moves (a sensor at rest, a suspended price) made the Naive2 baseline's
    season test divide by zero, so the whole panel's fit failed; it now has no season."""
    flat = panel["WALK"].assign(Close=3.0)
    with pytest.warns(UserWarning, match="are constant"):
        fitted = Forecaster(**{**TINY, "epochs": 1}).fit({"WALK": panel["WALK"], "FLAT": flat})
        scores = fitted.evaluate({"WALK": panel["WALK"], "FLAT": flat}, part="test")["series"]
    assert scores["FLAT"]["naive2"]["mae"] == 0.0 and np.isfinite(scores["FLAT"]["model"]["mae"])


def test_a_panel_of_hours_and_days_warns_that_the_first_series_sets_the_season():
    """One global model reads its season (and default lookback) from the first series: a panel
    mixing spacings says so, and naming the season silences it."""
    rng = np.random.default_rng(0)
    hours, days = (pd.DataFrame({"y": 50 + np.cumsum(rng.normal(0, 1, 300))}, index=pd.date_range("2024-01-01", periods=300, freq=f))
                   for f in ("h", "D"))
    with pytest.warns(UserWarning, match=r"spaced differently \(season 7 rows: days; season 24 rows: hours\).*\(days\) season.*--seasonal-period"):
        fitted = Forecaster(units=2, epochs=1, seed=0).fit({"hours": hours, "days": days})
    assert fitted.settings_.seasonal_period == 7  # the series are read in name order: days first
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*spaced differently")
        assert Forecaster(units=2, epochs=1, seed=0, seasonal_period=24).fit({"hours": hours, "days": days}).settings_.seasonal_period == 24


def _volatile_walks(count: int = 8, rows: int = 800) -> dict[str, pd.DataFrame]:
    """Random walks with heavy-tailed steps whose volatility differs fivefold across the series."""
    rng = np.random.default_rng(0)
    return {f"s{i}": pd.DataFrame({"Close": 100 * np.exp(np.cumsum(rng.standard_t(5, rows) * 0.005 * (1 + i / 2)))},
                                  index=pd.bdate_range("2018-01-01", periods=rows)) for i in range(count)}


def test_panel_bands_pool_the_validation_scores_and_cover_on_test(tmp_path):
    walks = _volatile_walks()
    forecaster = Forecaster(**TINY).fit(walks)
    scores = forecaster.evaluate(walks, part="test", level=[80, 95])
    pooled = scores["pooled"]["intervals"]
    assert abs(pooled["80"]["model"]["coverage"] - 0.80) < 0.05 and abs(pooled["95"]["model"]["coverage"] - 0.95) < 0.03
    widths = [scores["series"][name]["intervals"]["80"]["model"]["width"] / walks[name]["Close"].iloc[-1] for name in walks]
    assert widths[-1] > 2.5 * widths[0]  # one pool of scores, yet each band follows its own series' volatility
    forecast = forecaster.predict(walks, level=[80])
    assert (forecast["Close_t+1_lo_80"] < forecast["Close_t+1"]).all() and (forecast["Close_t+1"] < forecast["Close_t+1_hi_80"]).all()
    loaded = Forecaster.load(forecaster.save(tmp_path / "run"))
    pd.testing.assert_frame_equal(loaded.predict(walks, level=[80]), forecast)


def test_cli_scores_panel_bands_in_fit_and_backtest(tmp_path):
    folder = tmp_path / "walks"
    folder.mkdir()
    for name, frame in _volatile_walks(3, 500).items():
        frame.rename_axis("Date").to_csv(folder / f"{name}.csv")
    options = ["--lookback", "10", "--units", "4", "--epochs", "1", "--seed", "0", "-q", "--level", "80"]
    fitted = CliRunner().invoke(main, ["fit", str(folder), *options, "--out", str(tmp_path / "run")])
    assert fitted.exit_code == 0, fitted.output
    assert "bands (mean over the series)" in fitted.output and "80%" in fitted.output
    test = json.loads((tmp_path / "run" / "metrics.json").read_text())["test"]
    assert set(test["series"]["s0"]["intervals"]["80"]) == {"model", "naive_band"}
    predicted = CliRunner().invoke(main, ["predict", str(tmp_path / "run"), str(folder), "--level", "80"])
    assert predicted.exit_code == 0 and "Close_t+1_hi_80" in predicted.output.splitlines()[0]
    split = CliRunner().invoke(main, ["predict", str(tmp_path / "run"), str(folder), "--per-series", str(tmp_path / "each")])
    assert split.exit_code == 0, split.output
    assert sorted(p.name for p in (tmp_path / "each").iterdir()) == ["s0.csv", "s1.csv", "s2.csv"]
    one = pd.read_csv(tmp_path / "each" / "s1.csv", index_col=0, parse_dates=True)
    assert len(one) == len(pd.read_csv(folder / "s1.csv")) - 10 and list(one.columns) == ["Close_t+1"]  # a warm-up row
    backtested = CliRunner().invoke(main, ["backtest", str(folder), "--folds", "2", "--test-size", "50", *options,
                                           "--out", str(tmp_path / "bt")])
    assert backtested.exit_code == 0, backtested.output
    overall = json.loads((tmp_path / "bt" / "metrics.json").read_text())["overall"]["intervals"]["80"]
    assert 0.5 < overall["model"]["coverage"] <= 1.0 and overall["naive_band"]["scaled_winkler"] > 0


def test_a_long_table_read_as_one_series_names_its_id_column_in_the_error(panel, tmp_path):
    long = pd.concat([frame.assign(ticker=name).reset_index() for name, frame in panel.items()])
    long.to_csv(tmp_path / "long.csv", index=False)
    with pytest.raises(DataError, match=r"duplicate date\(s\).*name the column that tells them apart with id_column \(here: ticker\?\)"):
        read_series(tmp_path / "long.csv")


def test_the_panel_backtest_table_says_plainly_when_the_model_loses_to_a_baseline():
    from tsrnn.cli.tables import _panel_backtest_table

    def metrics(model_mase):
        series = {"a": {"model": model_mase, "naive_last_value": 1.0, "drift": 0.9},
                  "b": {"model": 0.5, "naive_last_value": 1.0, "drift": 0.9}}
        pooled = {m: {"mean_mase": float(np.mean([s[m] for s in series.values()])), "weighted_mase": 0.0, "series": 2}
                  for m in ("model", "naive_last_value", "drift")}
        return {"overall": {"pooled": pooled, "series": series}, "folds": [{"series_skipped": []}]}

    losing = _panel_backtest_table(metrics(2.0))
    assert "note: the model did not beat the best baseline, drift (mean MASE 1.250 vs 0.900; better on 1 of 2 series)" in losing
    assert "did not beat" not in _panel_backtest_table(metrics(1.0))


def test_a_multi_step_panel_table_gives_the_mean_mase_of_each_step(folder, tmp_path):
    result = CliRunner().invoke(main, ["fit", str(folder), "--horizon", "3", "--lookback", "10", "--units", "4", "--epochs", "1",
                                       "--seed", "0", "-q", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    test = json.loads((tmp_path / "run" / "metrics.json").read_text())["test"]
    expected = np.mean([scores["model"]["mase_by_step"] for scores in test["series"].values()], axis=0)
    np.testing.assert_allclose(test["pooled"]["model"]["mean_mase_by_step"], expected)
    assert "the rows above pool all 3 steps; mean MASE over the series, by step:" in result.output
    line = next(line for line in result.output.splitlines() if line.strip().startswith("model") and len(line.split()) == 4)
    np.testing.assert_allclose([float(v) for v in line.split()[1:]], expected, atol=5e-4)


def test_backtest_panel_lives_beside_the_fold_loop_and_its_old_path_warns():
    import tsrnn.evaluation.panel_backtest as old_place
    from tsrnn.evaluation import backtest_panel
    from tsrnn.evaluation.walk_forward import backtest_panel as new_place

    assert backtest_panel is new_place
    with pytest.warns(FutureWarning, match="moved to tsrnn.evaluation.walk_forward.backtest_panel"):
        assert old_place.backtest_panel is new_place
