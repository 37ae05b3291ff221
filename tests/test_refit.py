"""`refit`: after the choices on validation, the forecasting network is trained again on every row,
while the validation and test parts stay scored by the first network, which never saw them."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn import Forecaster
from tsrnn.cli import main
from tsrnn.cli.tables import _choices_line
from tsrnn.errors import ConfigError, RunDirError
from tsrnn.features.windowing import window_ends
from tsrnn.io.tables import read_series

NETWORK = dict(lookback=10, horizon=2, units=4, epochs=3, patience=0, linear=False, seed=0)  # no linear start to keep


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "slice.csv"
    read_series("datasets/sp500.csv").iloc[:300].to_csv(path)
    return path


@pytest.fixture(scope="module")
def both(series):
    return Forecaster(**NETWORK).fit(series), Forecaster(**NETWORK, refit=True, refit_members=1).fit(series)


def test_the_refit_trains_on_every_window_for_the_chosen_epochs(both, series):
    first, refitted = both
    frame = read_series(series)
    assert "refit" not in first.choices_ and not hasattr(first, "holdout_model_")
    assert refitted.choices_["refit"]["epochs"] == refitted.choices_["best_epoch"] == 3
    assert refitted.choices_["refit"]["windows"] == len(window_ends(len(frame), refitted.window_spec_))
    assert refitted.choices_["refit"]["windows"] > refitted.split_["train_windows"] + refitted.split_["validation_windows"]
    assert refitted.model_ is not refitted.holdout_model_


def test_test_scores_stay_the_first_networks_and_forecasts_are_the_refitted_ones(both, series):
    first, refitted = both
    scored = [f.evaluate(series, part="test")["model"]["mae"] for f in both]
    assert scored[1] == pytest.approx(scored[0], rel=1e-6)  # the same first network, out of sample
    np.testing.assert_allclose(refitted.forecast_frame(series)["forecast"], first.forecast_frame(series)["forecast"], rtol=1e-6)
    beyond = [f.predict(series).iloc[-1].to_numpy() for f in both]
    assert not np.allclose(beyond[0], beyond[1])  # the forecast comes from the network that saw every row


def test_a_refitted_run_saves_and_loads_both_networks(both, series, tmp_path):
    _, refitted = both
    refitted.save(tmp_path / "run")
    assert (tmp_path / "run" / "holdout_model.keras").is_file()
    loaded = Forecaster.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.predict(series), refitted.predict(series))
    assert loaded.evaluate(series, part="test") == refitted.evaluate(series, part="test")
    (tmp_path / "run" / "holdout_model.keras").unlink()
    with pytest.raises(RunDirError, match="holdout_model.keras: missing"):
        Forecaster.load(tmp_path / "run")


def test_refit_is_a_boolean():
    with pytest.raises(ConfigError, match="refit must be True, False or None, got 'yes'"):
        Forecaster(refit="yes").fit(pd.DataFrame({"y": np.arange(1.0, 200.0)}, index=pd.date_range("2024-01-01", periods=199)))


def test_cli_refit_prints_the_first_networks_test_scores_and_says_it_refitted(series, tmp_path):
    flags = ["--lookback", "10", "--horizon", "2", "--units", "4", "--epochs", "3", "--patience", "0", "--no-linear",
             "--seed", "0", "-q"]
    plain = CliRunner().invoke(main, ["fit", str(series), *flags, "--no-refit", "--out", str(tmp_path / "plain")])
    refit = CliRunner().invoke(main, ["fit", str(series), *flags, "--refit", "--out", str(tmp_path / "refit")])
    assert plain.exit_code == 0 and refit.exit_code == 0, plain.output + refit.output
    assert "refitted on every row" in refit.output and "refitted" not in plain.output
    table = [line for line in plain.output.splitlines() if line.startswith("model")]
    assert table and table == [line for line in refit.output.splitlines() if line.startswith("model")]
    assert (tmp_path / "refit" / "holdout_model.keras").is_file() and not (tmp_path / "plain" / "holdout_model.keras").exists()


def test_by_default_a_panel_is_refitted_and_one_series_is_not(series):
    frame = read_series(series)[["Close"]]
    panel = {"a": frame, "b": frame * 0.5}
    assert Forecaster(**NETWORK).get_params()["refit"] is None and Forecaster().get_params()["refit_members"] is None
    assert Forecaster(**NETWORK).fit(panel).choices_["refit"]["members"] == 2  # by default a refit averages two networks
    assert "refit" not in Forecaster(**NETWORK).fit(frame).choices_
    assert "refit" not in Forecaster(**NETWORK, refit=False).fit(panel).choices_


def test_refit_members_average_networks_trained_from_their_own_seeds(both, series, tmp_path):
    import keras

    _, single = both
    pair = Forecaster(**NETWORK, refit=True, refit_members=2).fit(series)
    assert pair.choices_["refit"]["members"] == 2 and single.choices_["refit"]["members"] == 1
    members = [layer.layers[-1] for layer in pair.model_.layers if isinstance(layer, keras.Model)]
    assert len(members) == 2
    windows = np.random.default_rng(0).normal(size=(5, *pair.model_.inputs[0].shape[1:])).astype("float32")
    outputs = [np.asarray(network.predict(windows, verbose=0)) for network in (pair.model_, *members, single.model_)]
    np.testing.assert_allclose(outputs[0], (outputs[1] + outputs[2]) / 2, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(outputs[1], outputs[3], rtol=1e-5, atol=1e-7)  # member 0: the single refit's seed
    assert not np.allclose(outputs[1], outputs[2])  # member 1: its own seed
    assert pair.evaluate(series, part="test") == single.evaluate(series, part="test")  # scored by the first network
    assert not np.allclose(pair.predict(series).to_numpy(), single.predict(series).to_numpy())
    pair.save(tmp_path / "run")
    pd.testing.assert_frame_equal(Forecaster.load(tmp_path / "run").predict(series), pair.predict(series))


def test_cli_refit_members_says_how_many_networks_it_averaged(series, tmp_path):
    flags = ["--lookback", "10", "--horizon", "2", "--units", "4", "--epochs", "2", "--patience", "0", "--no-linear",
             "--seed", "0", "-q", "--refit"]
    result = CliRunner().invoke(main, ["fit", str(series), *flags, "--refit-members", "2", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "2 epochs, 2 networks averaged) to forecast" in result.output
    wrong = CliRunner().invoke(main, ["fit", str(series), *flags, "--refit-members", "0", "--out", str(tmp_path / "bad")])
    assert wrong.exit_code == 2 and wrong.output.strip() == "error: --refit-members must be an integer >= 1, got 0"
    assert not (tmp_path / "bad").exists()


def test_refit_members_is_a_positive_count_and_needs_the_refit(series):
    with pytest.raises(ConfigError, match="refit_members must be an integer >= 1, got 0"):
        Forecaster(**NETWORK, refit=True, refit_members=0).fit(series)
    with pytest.raises(ConfigError, match="refit_members 2 averages refitted networks, and this fit has no refit; add refit"):
        Forecaster(**NETWORK, refit_members=2).fit(series)  # one series: no refit by default


def test_a_cosine_refit_anneals_the_learning_rate_and_keeps_the_first_networks_scores(both, series):
    _, constant = both
    annealed = Forecaster(**NETWORK, refit=True, refit_members=1, refit_schedule="cosine").fit(series)
    assert annealed.choices_["refit"]["schedule"] == "cosine" and constant.choices_["refit"]["schedule"] == "constant"
    assert annealed.evaluate(series, part="test") == constant.evaluate(series, part="test")  # the same first network
    assert not np.allclose(annealed.predict(series).to_numpy(), constant.predict(series).to_numpy())
    with pytest.raises(ConfigError, match="refit_schedule must be one of constant, cosine, got 'linear'"):
        Forecaster(**NETWORK, refit=True, refit_schedule="linear").fit(series)


def test_cosine_annealing_falls_from_the_rate_to_zero_and_gives_the_rate_back():
    import keras

    from tsrnn.nn.callbacks import CosineAnnealing

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mae")
    annealing = CosineAnnealing()
    model.fit(np.ones((20, 2)), np.ones((20, 1)), batch_size=5, epochs=3, verbose=0, callbacks=[annealing])
    assert len(annealing.rates) == 12 and annealing.rates[0] == pytest.approx(0.01)
    assert all(later < earlier for earlier, later in zip(annealing.rates, annealing.rates[1:]))
    assert annealing.rates[-1] < 0.01 * 0.02 and annealing.rates[6] == pytest.approx(0.005)  # half way: half the rate
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.01)


def test_cli_refit_schedule_says_the_refit_annealed(series, tmp_path):
    flags = ["--lookback", "10", "--horizon", "2", "--units", "4", "--epochs", "2", "--patience", "0", "--no-linear",
             "--seed", "0", "-q", "--refit", "--refit-members", "1"]
    result = CliRunner().invoke(main, ["fit", str(series), *flags, "--refit-schedule", "cosine", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "2 epochs, the learning rate annealed along a cosine) to forecast" in result.output
    wrong = CliRunner().invoke(main, ["fit", str(series), *flags, "--refit-schedule", "step", "--out", str(tmp_path / "bad")])
    assert wrong.exit_code == 2 and "--refit-schedule" in wrong.output and not (tmp_path / "bad").exists()


def test_smoothed_best_epoch_reads_where_a_noisy_validation_curve_is_lowest():
    from tsrnn.nn.training import TrainingResult

    flat_after_three = [0.6445, 0.6196, 0.6022, 0.6160, 0.6045, 0.6124, 0.6041, 0.6185]  # M4 hourly's, 2026-12-07
    assert TrainingResult({"val_loss": flat_after_three}).best_epoch == 3
    assert TrainingResult({"val_loss": flat_after_three}).smoothed_best_epoch == 6
    assert TrainingResult({"val_loss": [3.0, 2.0, 1.0]}).smoothed_best_epoch == 3  # still falling: the last
    assert TrainingResult({"val_loss": [1.0, 0.8]}, kept_initial=True).smoothed_best_epoch == 0
    assert TrainingResult({"loss": [1.0]}).smoothed_best_epoch is None


def test_the_refit_trains_the_epochs_its_rule_reads(series, monkeypatch):
    from tsrnn.nn.training import TrainingResult

    monkeypatch.setattr(TrainingResult, "smoothed_best_epoch", property(lambda result: 1))  # unlike the best epoch, 3
    smoothed = Forecaster(**NETWORK, refit=True, refit_members=1, refit_epochs="smoothed").fit(series)
    best = Forecaster(**NETWORK, refit=True, refit_members=1).fit(series)  # the default: the single best epoch
    assert smoothed.choices_["best_epoch"] == best.choices_["best_epoch"] == best.choices_["refit"]["epochs"] == 3
    assert smoothed.choices_["refit"]["epochs"] == 1 and smoothed.choices_["refit"]["epochs_read"] == "smoothed"
    assert smoothed.choices_["refit"]["final_loss"] != best.choices_["refit"]["final_loss"]
    assert not np.allclose(smoothed.predict(series).filter(like="_t+").to_numpy(), best.predict(series).filter(like="_t+").to_numpy())
    line = _choices_line(smoothed.choices_)
    assert "1 epochs: where the smoothed validation loss is lowest) to forecast" in line
    with pytest.raises(ConfigError, match="refit_epochs must be one of best, smoothed, got 'last'"):
        Forecaster(**NETWORK, refit=True, refit_epochs="last").fit(series)


def test_cli_refit_epochs_flag(series, tmp_path):
    flags = ["--lookback", "10", "--horizon", "2", "--units", "4", "--epochs", "2", "--patience", "0", "--no-linear",
             "--seed", "0", "-q", "--refit", "--refit-members", "1"]
    result = CliRunner().invoke(main, ["fit", str(series), *flags, "--refit-epochs", "smoothed", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "run.json").read_text())["choices"]["refit"]["epochs_read"] == "smoothed"
    wrong = CliRunner().invoke(main, ["fit", str(series), *flags, "--refit-epochs", "last", "--out", str(tmp_path / "bad")])
    assert wrong.exit_code == 2 and "--refit-epochs" in wrong.output and not (tmp_path / "bad").exists()
