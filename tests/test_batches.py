"""Windows cut batch by batch for large series: the same windows, shuffled per epoch, and training on them."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tsrnn import Forecaster
from tsrnn.features import batches
from tsrnn.features.batches import EpochOrder, PanelBatches, WindowBatches, as_input
from tsrnn.features.windowing import WindowSpec, input_windows, window_ends

from .conftest import TINY


def test_batches_hold_the_same_windows_as_the_view():
    spec = WindowSpec(lookback=4, horizon=1, target_columns=("y",), target_transform="level")
    series = np.random.default_rng(0).normal(size=(50, 3)).astype("float32")
    ends = window_ends(50, spec)
    targets = np.arange(len(ends), dtype="float32")[:, None, None]
    data = WindowBatches(series, ends, spec, batch_size=8, targets=targets)
    x = np.concatenate([data[i][0] for i in range(len(data))])
    y = np.concatenate([data[i][1] for i in range(len(data))])
    np.testing.assert_array_equal(x, input_windows(series, ends, spec))
    np.testing.assert_array_equal(y, targets)


def test_shuffled_batches_keep_windows_and_targets_together_and_reshuffle():
    spec = WindowSpec(lookback=2, target_columns=("y",), target_transform="level")
    series = np.arange(30, dtype="float32")[:, None]
    ends = window_ends(30, spec)
    targets = np.asarray(ends, dtype="float32")[:, None, None]
    data = WindowBatches(series, ends, spec, batch_size=5, targets=targets, shuffle=True, seed=0)
    first_order = data.order.order.copy()
    for i in range(len(data)):
        windows, labels = data[i]
        np.testing.assert_array_equal(windows[:, -1, 0], labels[:, 0, 0])  # last input row == its end
    data.on_epoch_end()
    assert sorted(data.order.order) == sorted(first_order) and not np.array_equal(data.order.order, first_order)


def test_large_data_goes_through_batches(monkeypatch, sp500_slice):
    spec = WindowSpec(lookback=10, target_columns=("y",))
    series = np.zeros((100, 1), "float32")
    assert isinstance(as_input(series, window_ends(100, spec), spec, 32), np.ndarray)
    monkeypatch.setattr(batches, "MAX_WINDOW_BYTES", 1024)
    assert isinstance(as_input(series, window_ends(100, spec), spec, 32), WindowBatches)
    forecaster = Forecaster(**TINY).fit(sp500_slice)
    forecast = forecaster.predict(sp500_slice)
    assert len(forecaster.history_["loss"]) == 2 and np.isfinite(forecaster.history_["val_loss"]).all()
    assert len(forecast) == 390 and np.isfinite(forecast.to_numpy()).all()
    ratio = forecast["Close_t+1"] / pd.read_csv(sp500_slice, index_col=0)["Close"].iloc[10:].to_numpy()
    assert (ratio.sub(1).abs() < 0.2).all()


def test_validation_predicts_in_large_batches_whichever_way_training_goes(monkeypatch, sp500_slice):
    """Training as batches, validation as arrays: Keras would evaluate those at its default batch of 32."""
    import keras

    seen = []
    evaluate = keras.Model.evaluate

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("batch_size"))
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "evaluate", spy)
    for limit in (5_000, 10**9):  # train windows of the slice ~11 KB, validation ~2.4 KB
        monkeypatch.setattr(batches, "MAX_WINDOW_BYTES", limit)
        Forecaster(**TINY).fit(sp500_slice)
    assert seen and all(size == 1024 for size in seen), seen


def test_capped_epochs_go_on_where_the_last_stopped_and_see_every_window_before_repeating():
    order = EpochOrder(100, batch_size=8, shuffle=True, seed=1, steps_per_epoch=3)
    assert order.steps == 3
    drawn = []
    for _ in range(4):  # 4 epochs x 3 batches x 8 = 96 windows: less than one pass
        drawn += [window for index in range(order.steps) for window in order.picked(index).tolist()]
        order.next_epoch()
    assert len(drawn) == 96 and len(set(drawn)) == 96
    for _ in range(4):  # the next pass starts with the 4 windows the first one left
        drawn += [window for index in range(order.steps) for window in order.picked(index).tolist()]
        order.next_epoch()
    assert set(drawn[96:100]) == set(range(100)) - set(drawn[:96])
    assert all(len(order.picked(index)) == 8 for index in range(order.steps))  # every capped batch is whole


def test_a_cap_above_the_batches_of_a_pass_changes_nothing():
    capped, uncapped = EpochOrder(20, 8, True, 0, steps_per_epoch=3), EpochOrder(20, 8, True, 0)
    assert capped.steps == uncapped.steps == 3 and not capped.capped
    capped.next_epoch(), uncapped.next_epoch()
    np.testing.assert_array_equal(capped.order, uncapped.order)


def test_capped_epochs_reach_windows_and_panels_as_batches():
    spec = WindowSpec(lookback=3, target_columns=("y",), target_transform="level")
    series = np.arange(200, dtype="float32")[:, None]
    ends = window_ends(200, spec)
    assert isinstance(as_input(series, ends, spec, 16), np.ndarray)  # small: arrays, one pass per epoch
    capped = as_input(series, ends, spec, 16, targets=np.zeros((len(ends), 1, 1)), shuffle=True, seed=0, steps_per_epoch=2)
    assert isinstance(capped, WindowBatches) and len(capped) == 2
    panel = PanelBatches([(series, ends, None), (series, ends, None)], spec, batch_size=16, shuffle=True, seed=0, steps_per_epoch=5)
    assert len(panel) == 5 and panel[4].shape == (16, 3, 1)


def test_the_fit_and_the_refit_train_steps_per_epoch_batches(monkeypatch, tmp_path):
    from tsrnn.nn import training

    lengths = []
    fit_model = training.fit_model

    def recording(model, train, *args, **kwargs):
        lengths.append(len(train))
        return fit_model(model, train, *args, **kwargs)

    monkeypatch.setattr(training, "fit_model", recording)
    rng = np.random.default_rng(0)
    dates = pd.date_range("2020-01-01", periods=300, freq="D")
    panel = {name: pd.DataFrame({"y": 100 + rng.normal(size=300).cumsum()}, index=dates) for name in "ab"}
    forecaster = Forecaster(lookback=5, units=2, epochs=2, patience=0, batch_size=8, steps_per_epoch=3, seed=0,
                            linear=False, shrinkage=False, refit=True, refit_members=1).fit(panel)
    assert lengths == [3, 3] and len(forecaster.history_["loss"]) == 2 and forecaster.choices_["batches_per_epoch"] == 3
    lengths.clear()
    whole = Forecaster(lookback=5, units=2, epochs=1, patience=0, batch_size=8, steps_per_epoch=0, seed=0, linear=False,
                       shrinkage=False, refit=False).fit(panel)
    windows = sum(state.windows["train"] for state in whole.series_.values())
    assert windows > 300 and lengths == [-(-windows // 8)] == [whole.choices_["batches_per_epoch"]]  # 0: a pass


def test_cli_steps_per_epoch_flag(sp500_slice, tmp_path):
    import json

    from click.testing import CliRunner

    from tsrnn.cli import main

    flags = ["--lookback", "10", "--units", "2", "--epochs", "2", "--patience", "0", "--no-linear", "--batch-size", "8",
             "--seed", "0", "-q"]
    result = CliRunner().invoke(main, ["fit", str(sp500_slice), *flags, "--steps-per-epoch", "4", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["params"]["steps_per_epoch"] == 4 and run["choices"]["batches_per_epoch"] == 4
    wrong = CliRunner().invoke(main, ["fit", str(sp500_slice), *flags, "--steps-per-epoch", "-1", "--out", str(tmp_path / "bad")])
    assert wrong.exit_code == 2 and "--steps-per-epoch must be an integer >= 0, got -1" in wrong.output
    assert "Traceback" not in wrong.output and not (tmp_path / "bad").exists()


def test_keras_moves_a_capped_epoch_on_to_new_windows():
    """Keras calls `on_epoch_end` between epochs: capped epochs draw new windows, not the first ones again."""
    import keras

    drawn = []

    class Recording(PanelBatches):
        def __getitem__(self, index):
            drawn.extend(self.order.picked(index).tolist())
            return super().__getitem__(index)

    spec = WindowSpec(lookback=3, target_columns=("y",), target_transform="level")
    series = np.arange(200, dtype="float32")[:, None]
    parts = [(series, range(2, 200), np.zeros((198, 1, 1), "float32"))] * 2
    model = keras.Sequential([keras.Input((3, 1)), keras.layers.Flatten(), keras.layers.Dense(1), keras.layers.Reshape((1, 1))])
    model.compile("sgd", "mse")
    model.fit(Recording(parts, spec, batch_size=8, shuffle=True, seed=0, steps_per_epoch=5), epochs=4, verbose=0)
    assert len(set(drawn)) >= 4 * 5 * 8  # four epochs of 40 new windows each (and the batches Keras peeks at)
