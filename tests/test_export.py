"""Export for serving: the network as ONNX (or a SavedModel) plus serving.json, so that raw rows
are forecast with onnxruntime and NumPy alone, equal to `tsrnn predict`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn import Forecaster
from tsrnn.cli import main
from tsrnn.io.tables import read_series

from .conftest import REPO, require_backend

sys.path.insert(0, str(REPO / "scripts"))


@pytest.fixture(autouse=True)
def _export_packages():
    for module in ("onnxruntime", "tf2onnx", "onnx"):
        require_backend(module, extra="export")


def _served_forecasts(directory: Path, frame: pd.DataFrame, spec: dict) -> np.ndarray:
    from serve_onnx import ExportedForecaster

    served = ExportedForecaster(directory)
    columns = {column: frame[column].to_numpy() for column in frame.columns}
    return served.forecast(served.input_rows(columns), frame[spec["targets"]].to_numpy())


@pytest.mark.parametrize("params", [
    dict(features=["Close", "Volume"], horizon=2),  # log returns from the last value
    dict(target_transform="difference", target_anchor="season", seasonal_period=5, gap=1, horizon=3,
         features=["Close", "Volume"], input_transforms={"Volume": "log1p_difference"}, scaling="minmax"),
    dict(quantile_levels=[80]),  # the point forecast is exported, the quantile head left out
    dict(target_lag=7, horizon=2, features=["Close", "Volume"]),  # the server derives Close@t-7 from Close
    dict(refit=True, refit_members=2, scaling="scale", horizon=2),  # one graph averaging two networks
], ids=["log_returns", "season_anchor_difference_minmax", "quantile_head", "lagged_target", "refit_members_scale"])
def test_onnx_export_forecasts_raw_rows_like_tsrnn_predict(params, tmp_path, sp500_slice):
    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf2onnx converts TensorFlow-backend models; the other backends export through their own tools")
    forecaster = Forecaster(lookback=10, units=4, epochs=1, seed=0, **params).fit(sp500_slice)
    forecaster.save(tmp_path / "run")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "run"), "--out", str(tmp_path / "serving")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "serving").iterdir()) == ["model.onnx", "serving.json"]
    spec = json.loads((tmp_path / "serving" / "serving.json").read_text())
    frame = read_series(sp500_slice)
    served = _served_forecasts(tmp_path / "serving", frame, spec)
    expected = forecaster.predict(sp500_slice).to_numpy()
    np.testing.assert_allclose(served.reshape(len(served), -1), expected, rtol=1e-4)
    assert spec["input_transforms"] == list(forecaster.window_spec_.transforms)
    lag = params.get("target_lag", 0)
    assert spec["lagged_inputs"] == ({"Close@t-7": {"column": "Close", "rows_back": 7}} if lag else {})


def test_the_serving_script_needs_neither_tsrnn_nor_tensorflow(tmp_path, sp500_slice):
    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf2onnx converts TensorFlow-backend models")
    forecaster = Forecaster(lookback=10, units=4, epochs=1, seed=0, target_lag=3).fit(sp500_slice)  # Close@t-3 derived there
    forecaster.save(tmp_path / "run")
    from tsrnn.forecasting.export import export_run

    export_run(tmp_path / "run", tmp_path / "serving")
    blocked = "import sys; [sys.modules.__setitem__(m, None) for m in ('tsrnn', 'tensorflow', 'keras', 'pandas', 'sklearn')]"
    command = [sys.executable, "-c", f"{blocked}; sys.argv = ['serve_onnx.py', {str(tmp_path / 'serving')!r}, "
               f"{str(sp500_slice)!r}]; exec(open({str(REPO / 'scripts' / 'serve_onnx.py')!r}).read())"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    name, value = completed.stdout.strip().splitlines()[-1].split(",")
    assert name == "Close_t+1"
    assert float(value) == pytest.approx(forecaster.predict(sp500_slice)["Close_t+1"].iloc[-1], rel=1e-4)


def test_savedmodel_export_serves_the_same_network(tmp_path, sp500_slice):
    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.skip("a SavedModel is written by the TensorFlow backend")
    import tensorflow as tf

    forecaster = Forecaster(lookback=10, units=4, epochs=1, seed=0).fit(sp500_slice)
    forecaster.save(tmp_path / "run")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "run"), "--format", "savedmodel", "--out", str(tmp_path / "sm")])
    assert result.exit_code == 0, result.output
    windows = np.random.default_rng(0).normal(size=(7, 10, 1)).astype("float32")
    loaded = tf.saved_model.load(str(tmp_path / "sm" / "savedmodel"))  # kept: its variables live with it
    served = loaded.serve(windows).numpy()
    np.testing.assert_allclose(served, forecaster.model_.predict(windows, verbose=0), rtol=1e-5, atol=1e-6)


def test_a_panel_run_exports_one_network_with_each_series_scalers(tmp_path, sp500_slice):
    import keras
    from serve_onnx import ExportedForecaster

    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf2onnx converts TensorFlow-backend models; the other backends export through their own tools")
    from tsrnn import Forecaster

    prices = read_series(sp500_slice)[["Close", "Volume"]]
    panel = {"SPX": prices, "TENTH": prices.iloc[50:] * 0.1}
    import dataclasses

    fitted = Forecaster(lookback=10, units=4, epochs=1, seed=0, features=["Close", "Volume"], shrinkage=True).fit(panel)
    # Whatever weights validation chose, one series served at half its change, with a quarter of a
    # 5-row season's naive change blended in, shows both weights are applied.
    fitted.series_["TENTH"] = dataclasses.replace(fitted.series_["TENTH"], weight=0.5, long_period=5, long_weight=0.25)
    fitted.save(tmp_path / "run")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "run"), "--out", str(tmp_path / "serving")])
    assert result.exit_code == 0, result.output
    spec = json.loads((tmp_path / "serving" / "serving.json").read_text())
    assert set(spec["series"]) == {"SPX", "TENTH"} and "input_scaling" not in spec
    assert spec["series"]["TENTH"]["forecast_weight"] == 0.5 and spec["series"]["SPX"]["forecast_weight"] == fitted.series_["SPX"].weight
    assert spec["series"]["TENTH"]["long_season_weight"] == 0.25 and spec["series"]["TENTH"]["long_season_offsets"] == [-4]
    expected = Forecaster.load(tmp_path / "run").predict(panel)
    for name, frame in panel.items():
        served = ExportedForecaster(tmp_path / "serving", series=name).forecast(frame[spec["inputs"]].to_numpy(),
                                                                                 frame[spec["targets"]].to_numpy())
        mine = expected.loc[expected["series"] == name, "Close_t+1"].to_numpy()
        np.testing.assert_allclose(served[:, 0, 0], mine, rtol=1e-4)
    with pytest.raises(SystemExit, match="serves the series SPX, TENTH"):
        ExportedForecaster(tmp_path / "serving")


def test_a_series_served_with_the_seasonal_naives_drift_forecasts_as_predict_does(tmp_path, sp500_slice):
    import dataclasses

    import keras
    from serve_onnx import ExportedForecaster

    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf2onnx converts TensorFlow-backend models; the other backends export through their own tools")
    from tsrnn import Forecaster

    prices = read_series(sp500_slice)[["Close"]]
    panel = {"SPX": prices, "TENTH": prices.iloc[50:] * 0.1}
    fitted = Forecaster(lookback=10, horizon=3, units=4, epochs=1, seed=0, target_anchor="season", seasonal_period=2,
                        shrinkage=True).fit(panel)
    # Whatever validation chose: one series served with half of the drift's change, so it shows.
    fitted.series_["TENTH"] = dataclasses.replace(fitted.series_["TENTH"], weight=0.25, long_weight=0.0, drift_weight=0.5)
    fitted.save(tmp_path / "run")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "run"), "--out", str(tmp_path / "serving")])
    assert result.exit_code == 0, result.output
    spec = json.loads((tmp_path / "serving" / "serving.json").read_text())["series"]["TENTH"]
    assert (spec["drift_weight"], spec["drift_season"], spec["drift_seasons_ahead"]) == (0.5, 2, [1, 1, 2])
    expected = Forecaster.load(tmp_path / "run").predict(panel)
    frame = panel["TENTH"]
    served = ExportedForecaster(tmp_path / "serving", series="TENTH").forecast(frame[["Close"]].to_numpy(), frame[["Close"]].to_numpy())
    mine = expected.loc[expected["series"] == "TENTH", ["Close_t+1", "Close_t+2", "Close_t+3"]].to_numpy()
    np.testing.assert_allclose(served[: len(mine), :, 0], mine, rtol=1e-4)


def test_a_panel_with_a_series_embedding_and_static_covariates_exports_them_per_series(tmp_path, sp500_slice):
    """The network reads each series' standardised static covariates and embedding slot after its
    scaled inputs; serving.json carries them per series, and the server appends them."""
    import keras
    from serve_onnx import ExportedForecaster

    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf2onnx converts TensorFlow-backend models; the other backends export through their own tools")
    prices = read_series(sp500_slice)[["Close"]]
    panel = {"SPX": prices, "TENTH": prices.iloc[50:] * 0.1, "HALF": prices.iloc[20:] * 0.5}
    static = pd.DataFrame({"size": [3.0, 1.0, 2.0]}, index=["SPX", "TENTH", "HALF"])
    fitted = Forecaster(lookback=10, units=4, epochs=1, seed=0, series_embedding=2, horizon=2).fit(panel, static=static)
    fitted.save(tmp_path / "run")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "run"), "--out", str(tmp_path / "serving")])
    assert result.exit_code == 0, result.output
    spec = json.loads((tmp_path / "serving" / "serving.json").read_text())
    slots = {name: entry["series_columns"][-1] for name, entry in spec["series"].items()}
    assert sorted(slots.values()) == [1.0, 2.0, 3.0]  # each series its own slot, after its covariate
    assert spec["series"]["SPX"]["series_columns"][0] > spec["series"]["HALF"]["series_columns"][0]  # standardised size
    expected = Forecaster.load(tmp_path / "run").predict(panel, static=static)
    for name, frame in panel.items():
        served = ExportedForecaster(tmp_path / "serving", series=name).forecast(frame[spec["inputs"]].to_numpy(),
                                                                                 frame[spec["targets"]].to_numpy())
        mine = expected.loc[expected["series"] == name, ["Close_t+1", "Close_t+2"]].to_numpy()
        np.testing.assert_allclose(served[:, :, 0], mine, rtol=1e-4)


def test_export_mistakes_are_one_line(tmp_path, sp500_slice):
    forecaster = Forecaster(task="classification", lookback=10, units=4, epochs=1, seed=0).fit(sp500_slice)
    forecaster.save(tmp_path / "classifier")
    runner = CliRunner()
    for args, message in [
        (["export", str(tmp_path / "missing"), "--out", str(tmp_path / "a")], "missing"),
        (["export", str(tmp_path / "classifier"), "--out", str(tmp_path / "b")], "this run is a classifier"),
        (["export", str(tmp_path / "classifier"), "--out", str(tmp_path / "classifier")], "already exists"),
    ]:
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output, result.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_the_serving_script_answers_help_and_export_has_a_default_out(tmp_path, sp500_slice, monkeypatch):
    import keras

    help_text = subprocess.run([sys.executable, str(REPO / "scripts" / "serve_onnx.py"), "--help"], capture_output=True, text=True)
    assert help_text.returncode == 0 and help_text.stdout.startswith("usage:") and "Traceback" not in help_text.stderr
    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf2onnx converts TensorFlow-backend models")
    Forecaster(lookback=10, units=4, epochs=1, seed=0).fit(sp500_slice).save(tmp_path / "sp500-run")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["export", "sp500-run"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "serving" / "sp500-run" / "serving.json").is_file()

