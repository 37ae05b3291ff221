"""The model zoo: presets equal to hand-written Keras models, every combination's shapes, specs,
save/load, training, and parity across backends."""
from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest

from tsrnn.errors import ConfigError
from tsrnn.nn import zoo

from .conftest import require_backend

L = keras.layers


def imdb_reference(*body):
    return keras.Sequential([keras.Input((200,)), L.Embedding(10000, 128), *body, L.Dense(1, activation="sigmoid")])


REFERENCES = {
    "simple_rnn": lambda: keras.Sequential([keras.Input((50, 1)), L.SimpleRNN(64), L.Dense(1, activation="sigmoid")]),
    "lstm": lambda: imdb_reference(L.LSTM(64)),
    "gru": lambda: imdb_reference(L.GRU(64)),
    "stacked_lstm": lambda: imdb_reference(L.LSTM(64, return_sequences=True), L.LSTM(32)),
    "bidirectional_lstm": lambda: imdb_reference(L.Bidirectional(L.LSTM(64))),
    "lstm_dropout": lambda: imdb_reference(L.LSTM(64, dropout=0.3, recurrent_dropout=0.3)),
}


@pytest.mark.parametrize("name", list(REFERENCES))
def test_presets_match_hand_written_models(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", zoo.SlowPathWarning)
        model = zoo.build(name)
    assert model.count_params() == REFERENCES[name]().count_params()
    assert model.output_shape == (None, 1)


def test_bidirectional_preset_is_128_wide():
    model = zoo.build("bidirectional_lstm")
    assert model.get_layer("bidirectional_0").output.shape == (None, 128)


BODIES = list(zoo.BODIES)
HEADS = {"regression": (None, 3, 2), "binary": (None, 1), "multiclass": (None, 4)}


@pytest.mark.parametrize(
    "body, head, front_end, bidirectional, units",
    [
        (body, head, front_end, bidirectional, units)
        for body, head, front_end in itertools.product(BODIES, HEADS, ("numeric", "embedding"))
        for bidirectional, units in ((False, (3,)), (True, (4, 2)))
    ],
)
def test_every_body_head_and_front_end(body, head, front_end, bidirectional, units):
    inputs = dict(input_shape=(7, 2)) if front_end == "numeric" else dict(vocab_size=50, sequence_length=7, embedding_dim=4)
    model = zoo.build(body, units=units, bidirectional=bidirectional, head=head, horizon=3, targets=2, num_classes=4, **inputs)
    assert model.output_shape == HEADS[head]
    sample = np.random.default_rng(0).random((5, 7, 2)) if front_end == "numeric" else np.arange(35).reshape(5, 7) % 50
    outputs = model.predict(sample, verbose=0)
    assert outputs.shape == (5,) + HEADS[head][1:]
    if head == "binary":
        assert ((outputs > 0) & (outputs < 1)).all()
    elif head == "multiclass":
        np.testing.assert_allclose(outputs.sum(axis=1), 1.0, rtol=1e-5)
    recurrent = [layer for layer in model.layers if isinstance(layer, (L.RNN, L.Bidirectional))]
    assert len(recurrent) == len(units)
    for layer, width in zip(recurrent, units):
        cell_layer = layer.forward_layer if bidirectional else layer
        assert cell_layer.units == width and type(cell_layer).__name__ == zoo.BODIES[body]
        assert layer.output.shape[-1] == width * (2 if bidirectional else 1)
    expected_loss = {"regression": "mse", "binary": "binary_crossentropy", "multiclass": "sparse_categorical_crossentropy"}
    assert model.loss == expected_loss[head]


def test_stacked_layers_return_sequences_except_last_and_dropout_between():
    model = zoo.build("gru", input_shape=(6, 1), units=[8, 4, 2], between_dropout=0.2, dropout=0.1)
    grus = [layer for layer in model.layers if isinstance(layer, L.GRU)]
    assert [layer.return_sequences for layer in grus] == [True, True, False]
    assert all(layer.dropout == 0.1 for layer in grus)
    assert len([layer for layer in model.layers if isinstance(layer, L.Dropout)]) == 2


@pytest.mark.parametrize("pooling, layer", [("max", L.GlobalMaxPooling1D), ("mean", L.GlobalAveragePooling1D)])
def test_pooling_over_time_matches_hand_written_model(pooling, layer):
    model = zoo.build("bidirectional_lstm", pooling=pooling)
    reference = imdb_reference(L.Bidirectional(L.LSTM(64, return_sequences=True)), layer())
    assert model.count_params() == reference.count_params()
    assert model.get_layer("bidirectional_0").output.shape == (None, 200, 128)
    assert model.output_shape == (None, 1)
    model.set_weights(reference.get_weights())
    tokens = np.random.default_rng(0).integers(0, 10000, size=(3, 200))
    np.testing.assert_allclose(model.predict(tokens, verbose=0), reference.predict(tokens, verbose=0), rtol=1e-5, atol=1e-6)
    assert "GlobalMaxPooling1D" in zoo.resolve("gru", pooling="max").describe()


def test_normalization_front_end_adapts():
    data = np.random.default_rng(1).normal(5.0, 2.0, size=(64, 6, 2)).astype("float32")
    model = zoo.build("lstm", input_shape=(6, 2), normalize=True, adapt_data=data)
    layer = model.get_layer("normalization")
    np.testing.assert_allclose(np.ravel(layer.mean), data.reshape(-1, 2).mean(axis=0), rtol=1e-4)


def test_embedding_mask_zero():
    model = zoo.build("lstm", vocab_size=20, sequence_length=5, embedding_dim=3, mask_zero=True)
    assert model.get_layer("embedding").mask_zero


def test_spec_round_trips_through_json():
    spec = zoo.resolve("stacked_lstm", bidirectional=True, dropout=0.2)
    assert zoo.ModelSpec.from_json(spec.to_json()) == spec
    assert json.loads(spec.to_json())["units"] == [64, 32]


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(body="transformer"), "body must be one of simple_rnn, lstm, gru"),
        (dict(head="ranking"), "head must be one of"),
        (dict(dropout=1.5), "dropout must be in [0, 1)"),
        (dict(units=(0,)), "units must be one or more positive integers"),
        (dict(head="multiclass", num_classes=1), "num_classes must be >= 2"),
        (dict(pooling="attention"), "pooling must be one of last, max, mean"),
    ],
)
def test_invalid_specs_are_refused(changes, message):
    with pytest.raises(ConfigError) as caught:
        zoo.ModelSpec(**changes)
    assert message in str(caught.value)


def test_unknown_name_lists_choices():
    with pytest.raises(ConfigError, match="unknown model 'cnn'; choose one of simple_rnn, lstm, gru, stacked_lstm"):
        zoo.build("cnn")


def test_recurrent_dropout_warns_about_the_slow_path():
    with pytest.warns(zoo.SlowPathWarning, match="off the fused cuDNN kernel"):
        zoo.build("lstm_dropout")
    assert not zoo.resolve("lstm_dropout").fused_kernel_eligible
    assert zoo.resolve("lstm").fused_kernel_eligible


def test_saved_model_loads_with_identical_outputs(tmp_path):
    model = zoo.build("bidirectional_lstm", vocab_size=30, sequence_length=6, embedding_dim=4, units=3)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    tokens = np.arange(18).reshape(3, 6)
    np.testing.assert_allclose(model.predict(tokens, verbose=0), loaded.predict(tokens, verbose=0), rtol=1e-6)


def test_the_series_embedding_joins_each_series_vector_and_saves(tmp_path):
    from tsrnn.io.run_dir import load_keras_model

    spec = zoo.ModelSpec(body="gru", units=(4,), input_shape=(5, 3), series_slots=4, series_embedding_dim=2, learning_rate=0.02)
    model = zoo.build(spec)
    with_linear = zoo.build(zoo.ModelSpec(**{**spec.to_dict(), "linear": True}))
    assert with_linear.get_layer("linear").input.shape[-1] == 5 * 2  # the linear path reads the values, not the id
    windows = np.random.default_rng(0).normal(size=(64, 5, 3)).astype("float32")
    windows[:, :, -1] = (np.arange(64) % 4)[:, None]  # the last column: each window's series id
    targets = np.where(windows[:, -1, -1] == 1, 1.0, -1.0).reshape(-1, 1, 1).astype("float32")  # depends on the series only
    model.fit(windows, targets, epochs=40, batch_size=16, verbose=0)
    predicted = model.predict(windows, verbose=0)
    assert predicted[windows[:, -1, -1] == 1].mean() > predicted[windows[:, -1, -1] == 2].mean() + 0.5
    assert model.get_layer("series_embedding").get_weights()[0].shape == (4, 2)
    model.save(tmp_path / "model.keras")
    loaded = load_keras_model(tmp_path / "model.keras", rerun="refit")
    np.testing.assert_allclose(loaded.predict(windows, verbose=0), predicted, rtol=1e-5)


def test_classifier_and_regressor_learn():
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    # Binary: is the sum of the sequence positive?
    x = rng.normal(size=(400, 10, 1)).astype("float32")
    y = (x.sum(axis=(1, 2)) > 0).astype("float32")
    classifier = zoo.build("gru", input_shape=(10, 1), units=8, head="binary", learning_rate=0.01)
    history = classifier.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.8
    # Regression: the next two values of a sine wave.
    t = np.arange(420) * 0.3
    wave = np.sin(t).astype("float32")
    windows = np.stack([wave[i : i + 10] for i in range(400)])[..., None]
    targets = np.stack([wave[i + 10 : i + 12] for i in range(400)])[..., None]
    regressor = zoo.build("lstm", input_shape=(10, 1), units=8, head="regression", horizon=2, learning_rate=0.01)
    history = regressor.fit(windows, targets, epochs=8, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


PARITY_SCRIPT = """
import sys, numpy as np, keras
from tsrnn.nn import zoo
spec = zoo.ModelSpec.from_json(sys.argv[1])
model = zoo.build(spec, compile=False)
weights = np.load(sys.argv[2], allow_pickle=False)
model.set_weights([weights[f"w{i}"] for i in range(len(weights.files))])
inputs = np.load(sys.argv[3])
np.save(sys.argv[4], np.asarray(model.predict(inputs, verbose=0)))
print(keras.backend.backend())
"""


def _installed(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


@pytest.mark.parametrize("other", ["tensorflow", "torch", "jax"])
@pytest.mark.parametrize("name", ["lstm", "gru", "simple_rnn", "bidirectional_lstm", "stacked_lstm"])
def test_same_weights_same_outputs_on_another_backend(name, other, tmp_path):
    if other == keras.backend.backend():
        pytest.skip(f"{other} is the backend under test")
    require_backend(other, _installed(other))
    if name == "simple_rnn":
        spec = zoo.resolve(name, input_shape=(12, 3))
        inputs = np.random.default_rng(0).normal(size=(4, 12, 3)).astype("float32")
    else:
        spec = zoo.resolve(name, vocab_size=100, sequence_length=12, embedding_dim=8)
        inputs = np.random.default_rng(0).integers(0, 100, size=(4, 12)).astype("int32")
    model = zoo.build(spec, compile=False)
    np.savez(tmp_path / "weights.npz", **{f"w{i}": w for i, w in enumerate(model.get_weights())})
    np.save(tmp_path / "inputs.npy", inputs)
    environment = dict(os.environ, KERAS_BACKEND=other)
    completed = subprocess.run(
        [sys.executable, "-c", PARITY_SCRIPT, spec.to_json(), tmp_path / "weights.npz", tmp_path / "inputs.npy", tmp_path / "out.npy"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip().splitlines()[-1] == other
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), model.predict(inputs, verbose=0), atol=1e-5)


def test_a_regression_head_trains_on_the_loss_it_is_given():
    x, y = np.zeros((8, 5, 1), "float32"), np.full((8, 1), 3.0, "float32")
    expected = {"mse": 9.0, "mae": 3.0}  # a zero head forecasts 0 where the target is 3
    for loss, value in expected.items():
        spec = zoo.resolve("lstm", input_shape=(5, 1), head="regression", units=[4], loss=loss, head_initializer="zeros")
        model = zoo.build(spec)
        scores = model.evaluate(x, y, verbose=0, return_dict=True)
        assert scores["loss"] == pytest.approx(value, rel=1e-4)
        assert zoo.ModelSpec.from_dict(spec.to_dict()).loss == loss
        assert ("mae" in scores) == (loss != "mae")  # the MAE is logged beside the loss, never twice
