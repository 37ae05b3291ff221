"""Windows cut batch by batch for large series: the same windows, shuffled per epoch, and training on them."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tsrnn import Forecaster
from tsrnn.features import batches
from tsrnn.features.batches import WindowBatches, as_input
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
    first_order = data.order.copy()
    for i in range(len(data)):
        windows, labels = data[i]
        np.testing.assert_array_equal(windows[:, -1, 0], labels[:, 0, 0])  # last input row == its end
    data.on_epoch_end()
    assert sorted(data.order) == sorted(first_order) and not np.array_equal(data.order, first_order)


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
