"""One estimator for one series or many: `tsrnn.Forecaster` fits a CSV, a DataFrame, a folder of
CSVs, a dict of frames and a long table with `id_column` by one code path, and every capability is
called the same way on a panel and on one series."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import write_folder
from tsrnn import Forecaster
from tsrnn.cli import main
from tsrnn.evaluation.walk_forward import backtest
from tsrnn.forecasting.runs import fit_run
from tsrnn.io.tables import read_series

TINY = dict(lookback=10, units=4, epochs=1, batch_size=32, seed=0, verbose=0)


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    return read_series("datasets/sp500.csv").iloc[:320][["Close", "Volume"]]


@pytest.fixture(scope="module")
def panel(prices) -> dict[str, pd.DataFrame]:
    steps = np.random.default_rng(3).normal(0, 0.01, len(prices))
    walk = pd.DataFrame({"Close": 40 * np.exp(np.cumsum(steps)), "Volume": prices["Volume"].to_numpy()}, index=prices.index)
    return {"SPX": prices, "WALK": walk}


@pytest.fixture(scope="module")
def folder(panel, tmp_path_factory):
    return write_folder(panel, tmp_path_factory.mktemp("panel"))


@pytest.fixture(scope="module")
def single_csv(prices, tmp_path_factory):
    path = tmp_path_factory.mktemp("single") / "spx.csv"
    prices.to_csv(path)
    return path


def test_one_series_is_a_panel_of_one(prices, panel):
    """The same series fitted alone and as a one-series panel learns the same network and forecasts."""
    alone = Forecaster(**TINY).fit(prices)
    as_panel = Forecaster(**TINY).fit({"SPX": prices})
    assert list(alone.series_) == ["series"] and list(as_panel.series_) == ["SPX"]
    assert not alone.panel_ and as_panel.panel_
    one = alone.predict(prices)
    long = as_panel.predict({"SPX": prices})
    np.testing.assert_allclose(long["Close_t+1"].to_numpy(), one["Close_t+1"].to_numpy(), rtol=1e-5)
    assert list(long.columns[:2]) == ["series", "date"] and (long["date"].to_numpy() == one.index.to_numpy()).all()
    # The learned state is one record either way: scalers, baselines and band calibration per series.
    np.testing.assert_allclose(alone.series_["series"].feature_scaler.mean_, as_panel.series_["SPX"].feature_scaler.mean_)
    np.testing.assert_allclose(alone.calibration_scores_, as_panel.calibration_scores_, rtol=1e-5)


@pytest.mark.parametrize("layout", ["csv", "frame", "folder", "dict", "long"])
def test_every_data_layout_fits_and_forecasts_through_the_same_call(layout, prices, panel, folder, single_csv, tmp_path):
    long = pd.concat([frame.assign(ticker=name) for name, frame in panel.items()]).reset_index()
    data, id_column = {"csv": (single_csv, None), "frame": (prices, None), "folder": (folder, None), "dict": (panel, None),
                       "long": (long, "ticker")}[layout]
    forecaster = Forecaster(**TINY, quantile_levels=[80]).fit(data, id_column=id_column)
    forecast = forecaster.predict(data, level=[80], dates=True)
    scores = forecaster.evaluate(data, part="test", level=[80])
    many = layout in ("folder", "dict", "long")
    assert forecaster.panel_ is many
    if many:
        assert set(forecast["series"]) == {"SPX", "WALK"} and set(scores["series"]) == {"SPX", "WALK"}
        assert "model" in scores["pooled"] and 0 <= scores["pooled"]["intervals"]["80"]["model"]["coverage"] <= 1
    else:
        assert isinstance(forecast.index, pd.DatetimeIndex) and "series" not in forecast
        assert scores["windows"] == forecaster.split_["test_windows"] and "intervals" in scores
    assert {"Close_t+1", "Close_t+1_lo_80", "Close_t+1_hi_80", "date_t+1"} <= set(forecast.columns)
    assert (forecast["Close_t+1_lo_80"] <= forecast["Close_t+1_hi_80"]).all()
    forecaster.save(tmp_path / "run")
    loaded = Forecaster.load(tmp_path / "run")
    assert json.loads((tmp_path / "run" / "run.json").read_text())["panel"] is many
    pd.testing.assert_frame_equal(loaded.predict(data, level=[80], dates=True), forecast)


def test_a_panel_classifier_and_a_resumed_panel_fit(panel, tmp_path):
    classifier = Forecaster(**TINY, task="classification").fit(panel)
    table = classifier.predict(panel)
    assert set(table["series"]) == set(panel) and set(table["Close_up_t+1"]) <= {0, 1}
    scores = classifier.evaluate(panel, part="test")
    assert 0 <= scores["pooled"]["model"]["accuracy"] <= 1 and "majority_class" in scores["pooled"]

    params = {**TINY, "patience": 0}
    params.pop("epochs")
    first = Forecaster(**params, epochs=3).fit(panel, backup_dir=tmp_path / "backup")
    resumed = Forecaster(**params, epochs=5).fit(panel, backup_dir=tmp_path / "backup")  # continues after epoch 3
    fresh = Forecaster(**params, epochs=5).fit(panel)
    assert resumed.history_["loss"][:3] == first.history_["loss"] and len(resumed.history_["loss"]) == 5
    # epochs 4 and 5 ran from the saved state on the batches an uninterrupted run draws, not anew
    assert resumed.history_["loss"] == pytest.approx(fresh.history_["loss"], rel=1e-6)
    assert resumed.history_["loss"][3] != fresh.history_["loss"][0]  # a start from scratch repeats epoch 1 exactly


def test_fit_run_and_backtest_take_a_panel_or_a_series(single_csv, folder, tmp_path):
    for data, out in ((single_csv, "one"), (folder, "many")):
        result = fit_run(Forecaster(**TINY), data, tmp_path / out, level=[80])
        assert (tmp_path / out / "run.json").is_file() and not (tmp_path / out / "panel.json").exists()
        assert ("series" in result.metrics) is (data == folder)
        scores = backtest(Forecaster(**TINY), data, folds=2, level=[80])
        overall = scores.metrics["overall"]
        assert overall["pooled"]["model"]["mean_mase"] > 0 if data == folder else overall["model"]["mase"] > 0


def test_the_cli_fits_predicts_and_backtests_a_folder_like_one_series(single_csv, folder, tmp_path):
    runner = CliRunner()
    args = ["--lookback", "10", "--units", "4", "--epochs", "1", "--seed", "0", "-q"]
    for data, name in ((single_csv, "one"), (folder, "many")):
        result = runner.invoke(main, ["fit", str(data), "--out", str(tmp_path / name), *args])
        assert result.exit_code == 0, result.output
        predicted = runner.invoke(main, ["predict", str(tmp_path / name), str(data), "--level", "80"])
        assert predicted.exit_code == 0, predicted.output
        assert predicted.output.startswith("series,date," if data == folder else "Date,")
        done = runner.invoke(main, ["backtest", str(data), "--folds", "2", "--no-trading", "--out", str(tmp_path / f"b{name}"),
                                    *args])
        assert done.exit_code == 0, done.output
    exported = runner.invoke(main, ["export", str(tmp_path / "many"), "--out", str(tmp_path / "serving")])
    assert exported.exit_code == 0 or "onnx" in exported.output.lower(), exported.output


def test_panel_forecaster_still_works_for_one_release_with_a_future_warning(panel):
    from tsrnn import PanelForecaster

    with pytest.warns(FutureWarning, match="tsrnn.Forecaster fits one series or many"):
        old = PanelForecaster(**TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old.fit({"SPX": panel["SPX"]}, None, False)  # the 0.1 positional order: id_column, skip_short
        assert "series" in old.predict({"SPX": panel["SPX"]})  # the panel layout, even for one series
        assert old.evaluate({"SPX": panel["SPX"]})["part"] == "test"  # 0.1's default part


def test_plot_draws_the_forecast_beyond_the_data_for_one_series_or_a_panel_series(prices, panel, tmp_path):
    horizon = dict(TINY, horizon=5)
    for forecaster, data, series in ((Forecaster(**horizon).fit(prices), prices, None),
                                     (Forecaster(**horizon).fit(panel), panel, "WALK")):
        path = forecaster.plot(data, tmp_path / f"{series}.png", series=series)
        assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 10_000
    with pytest.raises(Exception, match="series 'NOPE' is not in the data"):
        forecaster.plot(panel, tmp_path / "x.png", series="NOPE")
    assert not (tmp_path / "x.png").exists()


def test_backtest_is_a_top_level_name():
    import subprocess
    import sys

    code = ("import tsrnn; from tsrnn.evaluation.walk_forward import backtest; "
            "assert tsrnn.backtest is backtest and 'backtest' in tsrnn.__all__; print('ok')")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "ok"
    # The deprecated module path of the same name: importing it rebinds tsrnn.backtest, which still calls the function.
    code = ("import warnings; warnings.simplefilter('ignore'); import tsrnn; import tsrnn.backtest; "
            "from tsrnn.evaluation import walk_forward; walk_forward.backtest = lambda *a, **k: ('called', a, k); "
            "from tsrnn.backtest import backtest_panel; "
            "assert tsrnn.backtest(1, folds=2) == ('called', (1,), {'folds': 2}) and backtest_panel is walk_forward.backtest_panel; "
            "print('ok')")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "ok"


def test_scores_of_a_multi_step_horizon_say_they_pool_the_steps_and_give_each_step(single_csv, tmp_path):
    forecaster = Forecaster(**dict(TINY, horizon=3)).fit(single_csv)
    test = forecaster.evaluate(single_csv, part="test")
    for name in ("model", "naive_last_value", "seasonal_naive"):
        by_step = test[name]["mase_by_step"]
        assert len(by_step) == 3 and np.mean(by_step) == pytest.approx(test[name]["mase"])
    assert test["naive_last_value"]["mase_by_step"][0] < test["naive_last_value"]["mase_by_step"][2]  # naive drifts away
    printed = CliRunner().invoke(main, ["fit", str(single_csv), "--horizon", "3", "--lookback", "10", "--units", "4",
                                        "--epochs", "1", "--seed", "0", "-q", "--out", str(tmp_path / "run")])
    assert printed.exit_code == 0 and "the rows above pool all 3 steps; MASE by step:" in printed.output


def test_a_panel_of_one_backtests_through_the_same_fold_loop_as_the_series_alone(prices):
    """One fold loop: the series alone and as a one-series panel get the same forecasts, bands and MASE."""
    frame = prices[["Close"]]
    alone = backtest(Forecaster(**TINY), frame, folds=2, test_size=40, level=[80], trading=False)
    as_panel = backtest(Forecaster(**TINY), {"SPX": frame}, folds=2, test_size=40, level=[80])
    columns = [c for c in alone.predictions.columns]
    assert (as_panel.predictions["series"] == "SPX").all()
    pd.testing.assert_frame_equal(as_panel.predictions[columns], alone.predictions, rtol=1e-5)
    per_series = as_panel.metrics["overall"]["series"]["SPX"]
    for method, scores in alone.metrics["overall"].items():
        assert per_series[method] == pytest.approx(scores["mase"], rel=1e-5)
    # The same bands, split conformal and adaptive alike, scored per series for the panel.
    pd.testing.assert_frame_equal(as_panel.bands.drop(columns="series"), alone.bands, rtol=1e-5)
    assert set(as_panel.metrics["overall"]["intervals"]["80"]) == {"model", "model_adaptive", "naive_band"}


def test_a_panel_backtest_writes_predictions_and_bands_and_prepare_takes_one_series_of_a_panel(panel, tmp_path):
    from tsrnn.errors import ConfigError
    from tsrnn.evaluation.walk_forward import write_backtest

    result = backtest(Forecaster(**TINY), panel, folds=2, test_size=40, level=[80])
    write_backtest(result, tmp_path / "bt")
    written = pd.read_csv(tmp_path / "bt" / "predictions.csv")
    assert set(written["series"]) == {"SPX", "WALK"} and set(written["forecaster"]) >= {"model", "naive_last_value"}
    assert (tmp_path / "bt" / "intervals.csv").is_file()
    fitted = Forecaster(**TINY).fit(panel)
    prepared = fitted.prepare(panel, series="WALK")
    assert prepared.series == "WALK"
    predicted = fitted.predict(panel).query("series == 'WALK'").set_index("date")["Close_t+1"]
    np.testing.assert_allclose(fitted.forecast_levels(prepared, range(300, 310))[:, 0, 0],
                               predicted.loc[panel["WALK"].index[300:310]].to_numpy(), rtol=1e-5)
    with pytest.raises(ConfigError, match="name one with series="):
        fitted.prepare(panel)
    with pytest.raises(ConfigError, match="series 'NOPE' is not in the data"):
        fitted.prepare(panel, series="NOPE")


def test_the_planning_step_checks_the_parameters_once_and_derives_the_settings_once(prices, monkeypatch):
    """plan_fit resolves target, season, input transforms, lookback and anchor, then derives the
    specs once from them: one call checks the parameters up front, one derives the final settings."""
    from tsrnn.forecasting import fitting
    from tsrnn.forecasting.params import ForecasterParams, derive_settings

    calls = []

    def counted(params, resolved=None):
        calls.append(dict(resolved or {}))
        return derive_settings(params, resolved)

    monkeypatch.setattr(fitting, "derive_settings", counted)
    params = ForecasterParams(features=["Close", "Volume"], seasonal_period=5)
    plan = fitting.plan_fit(params, {"SPX": prices})
    assert len(calls) == 2
    assert {"input_transforms", "lookback", "target_anchor"} <= set(plan.resolved) == set(calls[-1])
    assert plan.settings.window == derive_settings(params, plan.resolved).window
    assert plan.settings.window.lookback == plan.choice.lookback and plan.settings.window.target_anchor == plan.choice.anchor
    assert plan.settings.window.transforms[1] == plan.resolved["input_transforms"]["Volume"]
