"""One record of settings: get_params() is the constructor's arguments, run.json stores them, load
rebuilds from them, and a fit is all or nothing."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from tsrnn import Forecaster
from tsrnn.errors import ConfigError, DataError, RunDirError
from tsrnn.forecasting.params import ForecasterParams, derive_settings, param_names
from tsrnn.io.tables import read_series
from tsrnn.nn import zoo

# Configurations that, between them, give every constructor argument a value other than its default.
REGRESSOR = dict(
    model="gru", lookback=8, horizon=2, target=["Close"], features=["Close", "Volume"], stride=2, gap=1,
    target_transform="difference", target_anchor="season", scaling="minmax", units=[6, 3], bidirectional=True, dropout=0.1,
    recurrent_dropout=0.05, pooling="max", epochs=2, batch_size=16, steps_per_epoch=3, learning_rate=0.003, loss="huber", patience=1,
    validation_fraction=0.2, test_fraction=0.1, fill="ffill", date_column="Date", seed=3, seasonal_period=7,
    strategy="mirrored", verbose=2, input_transforms={"Volume": "log1p_difference"}, quantile_levels=[80],
    sep=";", decimal=",", date_format="%d.%m.%Y", timezone="UTC",  # the data file is written that way
    calendar=["day_of_week", "month"], calendar_name="XNYS", calibration_folds=2, refit=True, refit_members=2,
    refit_schedule="cosine", refit_epochs="smoothed", shrinkage=True,
    target_lag=3,
)
PANEL = dict(target="Close", future_features=["Open"], static_features=["size"], series_embedding=2, lookback=5, units=4, split="series",
             epochs=1, seed=0)
SPEC_MODEL = dict(
    model=zoo.ModelSpec(body="lstm", units=(5,), between_dropout=0.0), task="classification", lookback=6,
    target="Close", scaling="none", target_transform="level", linear=False, patience=0, epochs=1, seed=1, shrinkage=False,
)


def _data(tmp_path, params=None):
    path = tmp_path / "prices.csv"
    frame = read_series("datasets/sp500.csv").iloc[:300].reset_index()
    frame.loc[20, "Volume"] = np.nan  # fill="ffill" has something to do
    if params and params.get("sep"):
        frame["Date"] = frame["Date"].dt.strftime(params["date_format"])
        frame.to_csv(path, index=False, sep=params["sep"], decimal=params["decimal"])
    else:
        frame.to_csv(path, index=False)
    return path


def test_the_configurations_cover_every_constructor_argument():
    defaults = ForecasterParams().get_params()
    changed = {name for config in (REGRESSOR, SPEC_MODEL, PANEL) for name, value in config.items() if value != defaults[name]}
    assert changed == set(param_names()), f"not covered: {set(param_names()) - changed}"


@pytest.mark.parametrize("params", [REGRESSOR, SPEC_MODEL], ids=["regressor", "model_spec_classifier"])
def test_save_load_round_trip_for_every_argument(params, tmp_path):
    if params.get("strategy") == "mirrored":
        import keras

        if keras.backend.backend() not in ("tensorflow", "jax"):
            params = {**params, "strategy": "none"}  # mirrored needs TF or JAX; the rest still round-trips
    data = _data(tmp_path, params)
    forecaster = Forecaster(**params).fit(data)
    forecaster.save(tmp_path / "run")
    stored = json.loads((tmp_path / "run" / "run.json").read_text())["params"]
    loaded = Forecaster.load(tmp_path / "run")

    assert loaded.get_params() == forecaster.get_params() == {**ForecasterParams().get_params(), **params}
    assert set(stored) == set(param_names())
    pd.testing.assert_frame_equal(loaded.predict(data), forecaster.predict(data))
    assert loaded.evaluate(data) == forecaster.evaluate(data)
    clone = Forecaster(**loaded.get_params())
    assert zoo.build(derive_settings(clone).model).count_params() == forecaster.model_.count_params()
    assert loaded.model_spec_ == forecaster.model_spec_ and loaded.window_spec_ == forecaster.window_spec_


def test_save_load_round_trip_of_the_panel_only_arguments(tmp_path):
    from tsrnn.forecasting.forecaster import Forecaster

    prices = read_series("datasets/sp500.csv").iloc[:300][["Open", "Close"]]
    panel = {"big": prices.assign(size=2.0), "small": (prices * 0.1).assign(size=1.0)}
    forecaster = Forecaster(**PANEL).fit(panel)
    loaded = Forecaster.load(forecaster.save(tmp_path / "run"))
    assert loaded.get_params() == forecaster.get_params() == {**ForecasterParams().get_params(), **PANEL}
    future = {name: frame[["Open"]].iloc[-1:].set_axis([frame.index[-1] + pd.Timedelta(days=3)]) for name, frame in panel.items()}
    pd.testing.assert_frame_equal(loaded.predict(panel, future=future), forecaster.predict(panel, future=future))


def test_regression_model_spec_carries_no_embedding_settings():
    model = derive_settings(Forecaster(model="bidirectional_lstm", lookback=12, target="Close")).model
    assert model.embedding is None and "vocab_size" not in json.dumps(model.to_dict())
    assert model.bidirectional and model.units == (64,) and model.input_shape == (12, 1)


def test_a_failed_fit_leaves_the_previous_fitted_state_whole(tmp_path, monkeypatch):
    data = _data(tmp_path)
    forecaster = Forecaster(lookback=10, units=4, epochs=1, seed=0).fit(data)
    before = {name: value for name, value in vars(forecaster).items() if name.endswith("_")}
    forecast = forecaster.predict(data)

    # Fails after the network has trained: nothing of the new fit may be kept.
    import tsrnn.forecasting.fitting as module

    def broken(*args, **kwargs):
        raise RuntimeError("baselines failed")

    monkeypatch.setattr(module, "default_baselines", broken)
    forecaster.set_params(lookback=5, target_transform="difference")
    with pytest.raises(RuntimeError, match="baselines failed"):
        forecaster.fit(data)
    after = {name: value for name, value in vars(forecaster).items() if name.endswith("_")}
    assert after.keys() == before.keys()
    assert all(after[name] is before[name] for name in before)
    assert forecaster.window_spec_.lookback == 10
    pd.testing.assert_frame_equal(forecaster.predict(data), forecast)


def test_unknown_and_invalid_parameters_are_one_line_errors():
    with pytest.raises(ConfigError, match="unknown Forecaster parameter"):
        Forecaster().set_params(lookbak=3)
    with pytest.raises(ConfigError, match="learning_rate must be a finite number > 0, got nan"):
        derive_settings(Forecaster(learning_rate=float("nan"), target="y"))
    with pytest.raises(ConfigError, match="task must be one of regression, classification"):
        derive_settings(Forecaster(task="ranking", target="y"))
    with pytest.raises(ConfigError, match="validation_fraction must be in"):
        derive_settings(Forecaster(validation_fraction=1.5, target="y"))
    with pytest.raises(ConfigError, match="target is found from the data at fit time"):
        derive_settings(Forecaster())


def test_a_run_in_the_previous_format_is_refused_with_the_fix(tmp_path):
    data = _data(tmp_path)
    Forecaster(lookback=10, units=2, epochs=1, seed=0).fit(data).save(tmp_path / "run")
    path = tmp_path / "run" / "run.json"
    info = json.loads(path.read_text())
    info["format_version"] = 1
    path.write_text(json.dumps(info))
    with pytest.raises(RunDirError, match="older format 1.*re-run tsrnn fit"):
        Forecaster.load(tmp_path / "run")


def test_a_hand_edited_spec_that_disagrees_with_the_params_is_refused(tmp_path):
    data = _data(tmp_path)
    Forecaster(lookback=10, units=2, epochs=1, seed=0).fit(data).save(tmp_path / "run")
    path = tmp_path / "run" / "run.json"
    info = json.loads(path.read_text())
    info["params"]["lookback"] = 12
    path.write_text(json.dumps(info))
    with pytest.raises(RunDirError, match="does not follow from its params"):
        Forecaster.load(tmp_path / "run")


def test_params_are_the_dataclass_fields_and_the_constructor_signature():
    import inspect

    signature = [name for name in inspect.signature(Forecaster).parameters]
    assert signature == param_names() == [f.name for f in dataclasses.fields(ForecasterParams)]


def test_too_short_data_is_refused_before_anything_is_learned(tmp_path):
    frame = read_series("datasets/sp500.csv").iloc[:30]
    forecaster = Forecaster(lookback=27)
    with pytest.raises(DataError, match="too few"):
        forecaster.fit(frame)
    assert not [name for name in vars(forecaster) if name.endswith("_")]
