"""The model zoo: the one place tsrnn makes Keras models.

A model is front end + recurrent body + head, described by a `ModelSpec`:

- front ends: numeric windows `(timesteps, features)`, optionally through a `Normalization`
  layer, or token ids `(sequence_length,)` through `Embedding` (an `EmbeddingSpec`);
- bodies: `simple_rnn`, `lstm`, `gru`, optionally `Bidirectional`, stacked when `units` has
  several entries, with `dropout` / `recurrent_dropout` per layer and optional Dropout between;
  the body's summary of the sequence is its last state (`pooling="last"`) or the maximum or mean
  of its states over time (`"max"`, `"mean"`);
- heads: `regression` (`horizon x targets` values), `binary` (sigmoid) or `multiclass` (softmax);
  a regression head over numeric windows may add a linear path (`linear=True`): a `Dense` map of
  the flattened window added to the recurrent output, as LSTNet's autoregressive component does,
  so the network only has to learn what a linear model leaves over.

A name means one thing: each preset (`tsrnn zoo`) is a body configuration. Its reference front end
and head (the IMDB classifier, or numeric windows for `simple_rnn`) are used only when the caller
gives none; a caller that gives a front end (a forecaster's windows, a vocabulary) replaces them
whole, so a forecaster's spec carries no Embedding settings.

Written against Keras 3 only, so models run on the TensorFlow, JAX and PyTorch backends.

Usage:
    model = build("gru", input_shape=(20, 3), head="regression", horizon=2)
    model.output_shape
"""
from __future__ import annotations

import dataclasses
import json
import warnings
from dataclasses import dataclass

from tsrnn.errors import ConfigError
from tsrnn.nn.quantiles import check_quantiles, keras_objects
from tsrnn.utils.validation import BODIES as BODY_NAMES
from tsrnn.utils.validation import HEADS, LOSSES, OPTIMIZERS, POOLINGS, check_choice, check_int, check_positive, check_record_fields, record_dict

BODIES = dict(zip(BODY_NAMES, ("SimpleRNN", "LSTM", "GRU")))
FRONT_ENDS = ("numeric", "embedding")


@dataclass(frozen=True)
class EmbeddingSpec:
    """The token-id front end: `Embedding(vocab_size, embedding_dim, mask_zero)` over sequences of ids.

    Attributes:
        vocab_size: the ids' range (ids are 0 .. vocab_size - 1).
        sequence_length: the ids per sequence (None: any length).
        embedding_dim: the size of each id's learned vector.
        mask_zero: treat id 0 as padding that the recurrent layers skip.

    Examples:
        >>> EmbeddingSpec(vocab_size=10000).embedding_dim
        128
    """

    vocab_size: int
    sequence_length: int | None = None
    embedding_dim: int = 128
    mask_zero: bool = False

    def __post_init__(self) -> None:
        check_int("vocab_size", self.vocab_size, 2)
        check_int("sequence_length", self.sequence_length, 1, optional=True)
        check_int("embedding_dim", self.embedding_dim, 1)


class SlowPathWarning(UserWarning):
    """An option takes a recurrent layer off the fast fused (cuDNN) kernel.

    Examples:
        >>> issubclass(SlowPathWarning, UserWarning)
        True
    """


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to rebuild a zoo model; round-trips through JSON.

    Attributes:
        body: the recurrent layer, one of `tsrnn.utils.validation.BODIES`.
        units: each stacked recurrent layer's size.
        bidirectional: read every sequence both ways.
        dropout, recurrent_dropout: dropout on each recurrent layer's inputs and state.
        between_dropout: dropout between stacked layers.
        pooling: what the head sees: the last state ("last"), or the "max" or "mean" over time.
        input_shape: `(timesteps, features)` of numeric windows (the numeric front end).
        normalize: a `Normalization` layer first, adapted to the training windows.
        embedding: the token-id front end (`EmbeddingSpec`), instead of numeric windows.
        head: "regression", "binary" or "multiclass".
        horizon, targets: a regression head's steps and target columns.
        num_classes: a multiclass head's classes.
        head_initializer: the head's kernel initializer ("zeros": start from the linear path).
        linear: a linear path over the window beside the recurrent body (regression).
        quantiles: quantile probabilities of a quantile head, trained with the pinball loss.
        optimizer, learning_rate: the optimizer and its learning rate.
        loss: a regression head's loss on the scaled targets: "mse", "mae" or "huber".
        series_slots, series_embedding_dim: a learned vector per series (panels), read from the
            window's last column.

    Examples:
        >>> spec = ModelSpec(body="gru", units=(32, 16), input_shape=(10, 2))
        >>> ModelSpec.from_json(spec.to_json()) == spec
        True
    """

    body: str = "lstm"
    units: tuple[int, ...] = (64,)
    bidirectional: bool = False
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    between_dropout: float = 0.0
    pooling: str = "last"
    input_shape: tuple[int, ...] | None = None
    normalize: bool = False
    embedding: EmbeddingSpec | None = None
    head: str = "regression"
    horizon: int = 1
    targets: int = 1
    num_classes: int = 2
    head_initializer: str = "glorot_uniform"
    linear: bool = False
    quantiles: tuple[float, ...] = ()
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    loss: str = "mse"  # a regression head's loss on the scaled targets: mse, mae or huber
    series_slots: int = 0
    series_embedding_dim: int = 0

    def __post_init__(self) -> None:
        units = (self.units,) if isinstance(self.units, int) else tuple(int(u) for u in self.units)
        object.__setattr__(self, "units", units)
        if self.input_shape is not None:
            object.__setattr__(self, "input_shape", tuple(int(d) for d in self.input_shape))
        if isinstance(self.embedding, dict):
            object.__setattr__(self, "embedding", EmbeddingSpec(**self.embedding))
        if self.embedding is not None and (self.input_shape is not None or self.normalize):
            raise ConfigError("a model has one front end: give input_shape (numeric windows) or an embedding, not both")
        check_choice("body", self.body, BODIES)
        check_choice("head", self.head, HEADS)
        check_choice("pooling", self.pooling, POOLINGS)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("loss", self.loss, LOSSES)
        if not units or any(u < 1 for u in units):
            raise ConfigError(f"units must be one or more positive integers, got {self.units!r}")
        for name in ("dropout", "recurrent_dropout", "between_dropout"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise ConfigError(f"{name} must be in [0, 1), got {value!r}")
        for name in ("horizon", "targets"):
            check_int(name, getattr(self, name), 1)
        if self.head == "multiclass" and self.num_classes < 2:
            raise ConfigError(f"num_classes must be >= 2 for a multiclass head, got {self.num_classes!r}")
        check_positive("learning_rate", self.learning_rate)
        if self.linear and (self.head != "regression" or self.embedding is not None):
            raise ConfigError("the linear path needs numeric windows and a regression head (linear=False otherwise)")
        object.__setattr__(self, "quantiles", check_quantiles(self.quantiles))
        if self.quantiles and self.head != "regression":
            raise ConfigError("a quantile head needs a regression head; a classifier predicts probabilities already")
        check_int("series_slots", self.series_slots, 0)
        check_int("series_embedding_dim", self.series_embedding_dim, 0)
        if (self.series_slots > 0) != (self.series_embedding_dim > 0):
            raise ConfigError("a series embedding needs both series_slots (series + 1) and series_embedding_dim")
        if self.series_slots and (self.input_shape is None or self.normalize):
            raise ConfigError("a series embedding reads the series id from the last column of numeric windows")

    @property
    def front_end(self) -> str:
        """"embedding" (token ids) or "numeric" (windows of numbers)."""
        return "numeric" if self.embedding is None else "embedding"

    @property
    def fused_kernel_eligible(self) -> bool:
        """Whether every recurrent layer can use the fused cuDNN kernel on a GPU."""
        return self.body != "simple_rnn" and self.recurrent_dropout == 0

    def describe(self) -> str:
        """A one-line summary of the layers.

        Returns:
            The summary, e.g. 'Embedding(10000, 128) + LSTM(64) + Dense(1, sigmoid)'.
        """
        parts = []
        if self.embedding is not None:
            parts.append(f"Embedding({self.embedding.vocab_size}, {self.embedding.embedding_dim})")
        else:
            parts.append(f"numeric input {self.input_shape}")
        if self.series_slots:
            parts.append(f"series Embedding({self.series_slots}, {self.series_embedding_dim}) at every step")
        options = "".join(
            f", {name}={getattr(self, name)}" for name in ("dropout", "recurrent_dropout") if getattr(self, name)
        )
        layers = " + ".join(f"{BODIES[self.body]}({u}{options})" for u in self.units)
        parts.append(f"Bidirectional({layers})" if self.bidirectional else layers)
        if self.pooling != "last":
            parts.append({"max": "GlobalMaxPooling1D", "mean": "GlobalAveragePooling1D"}[self.pooling])
        linear = f" + linear Dense({self.horizon * self.targets}) of the window" if self.linear else ""
        if self.quantiles:
            linear += f" + ordered quantiles {', '.join(f'{q:g}' for q in self.quantiles)}"
        parts.append(
            {
                "regression": f"Dense({self.horizon * self.targets}){linear}",
                "binary": "Dense(1, sigmoid)",
                "multiclass": f"Dense({self.num_classes}, softmax)",
            }[self.head]
        )
        return " + ".join(parts)

    def to_dict(self) -> dict:
        """The spec as a JSON-ready dict.

        Returns:
            Every field, tuples as lists.
        """
        return record_dict(self)

    @classmethod
    def from_dict(cls, values: dict) -> ModelSpec:
        """The spec `to_dict` wrote.

        Args:
            values: the fields.

        Returns:
            The `ModelSpec`.

        Raises:
            ConfigError: an unknown field or an invalid value.
        """
        check_record_fields(cls, values)
        values = dict(values)
        if isinstance(values.get("embedding"), dict):
            try:
                values["embedding"] = EmbeddingSpec(**values["embedding"])
            except TypeError as error:
                raise ConfigError(f"invalid embedding settings: {error}") from None
        return cls(**values)

    def to_json(self) -> str:
        """The spec as JSON text.

        Returns:
            `to_dict()` as JSON.
        """
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> ModelSpec:
        """The spec `to_json` wrote.

        Args:
            text: the JSON text.

        Returns:
            The `ModelSpec`.
        """
        return cls.from_dict(json.loads(text))


_IMDB = dict(embedding=EmbeddingSpec(vocab_size=10000, sequence_length=200, embedding_dim=128), head="binary")

PRESETS: dict[str, ModelSpec] = {
    "simple_rnn": ModelSpec(body="simple_rnn", units=(64,), input_shape=(50, 1), head="binary"),
    "lstm": ModelSpec(body="lstm", units=(64,), **_IMDB),
    "gru": ModelSpec(body="gru", units=(64,), **_IMDB),
    "stacked_lstm": ModelSpec(body="lstm", units=(64, 32), **_IMDB),
    "bidirectional_lstm": ModelSpec(body="lstm", units=(64,), bidirectional=True, **_IMDB),
    "lstm_dropout": ModelSpec(body="lstm", units=(64,), dropout=0.3, recurrent_dropout=0.3, **_IMDB),
}


def names() -> list[str]:
    """Every name `build` accepts: the presets (each body's plain configuration is one of them).

    Returns:
        The preset names.

    Examples:
        >>> "stacked_lstm" in names()
        True
    """
    return list(PRESETS)


def resolve(name_or_spec: str | ModelSpec, input_shape=None, vocab_size=None, sequence_length=None,
            embedding_dim=None, mask_zero=None, **overrides) -> ModelSpec:
    """The `ModelSpec` for a preset name (or a spec), with the given front end and overrides.

    `input_shape=(timesteps, features)` gives numeric windows and `vocab_size` token ids; either
    replaces the preset's reference front end whole. Without either, the preset's own is kept.

    Args:
        name_or_spec: a preset name (`names()`) or a `ModelSpec`.
        input_shape: `(timesteps, features)` of numeric windows.
        vocab_size: the token-id front end's vocabulary (`EmbeddingSpec`).
        sequence_length: ids per sequence (`EmbeddingSpec`).
        embedding_dim: the embedding's size (`EmbeddingSpec`).
        mask_zero: id 0 is padding (`EmbeddingSpec`).
        **overrides: other `ModelSpec` fields (`units`, `head`, `dropout`, ...); None keeps the preset's.

    Returns:
        The `ModelSpec`.

    Raises:
        ConfigError: an unknown preset or field, or an invalid value.

    Examples:
        >>> resolve("lstm", input_shape=(30, 1), head="regression").describe()
        'numeric input (30, 1) + LSTM(64) + Dense(1)'
        >>> resolve("lstm", input_shape=(30, 1)).embedding is None
        True
    """
    if isinstance(name_or_spec, ModelSpec):
        spec = name_or_spec
    elif name_or_spec in PRESETS:
        spec = PRESETS[name_or_spec]
    else:
        raise ConfigError(f"unknown model {name_or_spec!r}; choose one of {', '.join(names())}")
    embedding_options = {k: v for k, v in dict(sequence_length=sequence_length, embedding_dim=embedding_dim,
                                                  mask_zero=mask_zero).items() if v is not None}
    if input_shape is not None and vocab_size is not None:
        raise ConfigError("give input_shape (numeric windows) or vocab_size (token ids), not both")
    front_end: dict = {}
    if input_shape is not None:
        if embedding_options:
            raise ConfigError(f"numeric windows take no embedding settings, got {', '.join(embedding_options)}")
        front_end = dict(input_shape=tuple(input_shape), embedding=None)
    elif vocab_size is not None:
        front_end = dict(embedding=EmbeddingSpec(vocab_size=int(vocab_size), **embedding_options), input_shape=None,
                         normalize=False)
    elif embedding_options:
        if spec.embedding is None:
            raise ConfigError(f"{', '.join(embedding_options)} need(s) the embedding front end: give vocab_size")
        front_end = dict(embedding=dataclasses.replace(spec.embedding, **embedding_options))
    overrides = {**{k: v for k, v in overrides.items() if v is not None}, **front_end}
    try:
        return dataclasses.replace(spec, **overrides)
    except TypeError as error:
        raise ConfigError(f"invalid model option: {error}") from None


def build(
    name_or_spec: str | ModelSpec,
    input_shape=None,
    vocab_size=None,
    sequence_length=None,
    compile: bool = True,
    adapt_data=None,
    **overrides,
):
    """Build (and by default compile) the Keras model for a preset, body name or `ModelSpec`.

    Args:
        name_or_spec: a preset name (`names()`) or a `ModelSpec`.
        input_shape: `(timesteps, features)`: the numeric front end.
        vocab_size: the embedding front end's vocabulary.
        sequence_length: ids per sequence of the embedding front end.
        compile: compile with the head's loss and the spec's optimizer.
        adapt_data: windows that adapt the `Normalization` layer when `normalize=True`.
        **overrides: other `ModelSpec` fields (`units`, `head`, ...), as in `resolve`.

    Returns:
        The Keras model.

    Raises:
        ConfigError: as `resolve`.

    Examples:
        >>> build("gru", input_shape=(10, 2), units=4, head="regression").output_shape
        (None, 1, 1)
    """
    spec = resolve(name_or_spec, input_shape, vocab_size, sequence_length, **overrides)
    model = build_spec(spec, adapt_data=adapt_data)
    if compile:
        compile_model(model, spec)
    return model


def build_spec(spec: ModelSpec, adapt_data=None):
    """The uncompiled `keras.Model` that `spec` describes."""
    import keras

    _warn_slow_path(spec)
    inputs, x, window = _front_end(spec, adapt_data)
    layer_class = getattr(keras.layers, BODIES[spec.body])
    last = len(spec.units) - 1
    for i, units in enumerate(spec.units):
        layer = layer_class(
            units,
            return_sequences=i < last or spec.pooling != "last",
            dropout=spec.dropout,
            recurrent_dropout=spec.recurrent_dropout,
            name=f"{spec.body}_{i}",
        )
        if spec.bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"bidirectional_{i}")
        x = layer(x)
        if spec.between_dropout and i < last:
            x = keras.layers.Dropout(spec.between_dropout, name=f"dropout_{i}")(x)
    if spec.pooling == "max":
        x = keras.layers.GlobalMaxPooling1D(name="max_over_time")(x)
    elif spec.pooling == "mean":
        x = keras.layers.GlobalAveragePooling1D(name="mean_over_time")(x)
    outputs = _head(spec, x, window)
    name = f"{spec.body}_{spec.head}".replace("simple_rnn", "simplernn")
    return keras.Model(inputs, outputs, name=name)


def compile_model(model, spec: ModelSpec) -> None:
    """Compile with the head's default loss and metrics and the spec's optimizer (a regression logs
    the MAE beside its loss, unless the loss is the MAE).
    """
    import keras

    optimizer = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
        "adamw": keras.optimizers.AdamW,
    }[spec.optimizer](learning_rate=spec.learning_rate)
    if spec.quantiles:
        pinball = keras_objects()["PinballLoss"](spec.quantiles)
        model.compile(optimizer=optimizer, loss={"forecast": spec.loss, "quantiles": pinball}, metrics={"forecast": ["mae"]})
        return
    loss, metrics = {
        "regression": (spec.loss, [] if spec.loss == "mae" else ["mae"]),  # the loss is the MAE already: logged once
        "binary": ("binary_crossentropy", ["accuracy"]),
        "multiclass": ("sparse_categorical_crossentropy", ["accuracy"]),
    }[spec.head]
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)


def _front_end(spec: ModelSpec, adapt_data):
    import keras

    if spec.embedding is not None:
        embedding = spec.embedding
        inputs = keras.Input(shape=(embedding.sequence_length,), dtype="int32", name="tokens")
        x = keras.layers.Embedding(embedding.vocab_size, embedding.embedding_dim, mask_zero=embedding.mask_zero,
                                   name="embedding")(inputs)
        return inputs, x, inputs
    if spec.input_shape is None or len(spec.input_shape) != 2:
        raise ConfigError(f"the numeric front end needs input_shape=(timesteps, features), got {spec.input_shape!r}")
    inputs = keras.Input(shape=spec.input_shape, name="windows")
    x = inputs
    if spec.normalize:
        normalization = keras.layers.Normalization(axis=-1, name="normalization")
        if adapt_data is not None:
            normalization.adapt(adapt_data)
        x = normalization(x)
    if spec.series_slots:  # the last column holds the series id: its learned vector joins every step
        window, x = keras_objects()["SeriesEmbedding"](spec.series_slots, spec.series_embedding_dim,
                                                        name="series_embedding")(inputs)
        return inputs, x, window
    return inputs, x, x


def _head(spec: ModelSpec, x, window):
    import keras

    if spec.head == "binary":
        return keras.layers.Dense(1, activation="sigmoid", name="head")(x)
    if spec.head == "multiclass":
        return keras.layers.Dense(spec.num_classes, activation="softmax", name="head")(x)
    body = x
    x = keras.layers.Dense(spec.horizon * spec.targets, kernel_initializer=spec.head_initializer, name="head")(x)
    if spec.linear:
        window = keras.layers.Flatten(name="flat_window")(window)
        # Fitted in closed form before training (tsrnn.forecasting.selection) and kept as fitted: the recurrent
        # body learns what the linear map leaves over.
        linear = keras.layers.Dense(spec.horizon * spec.targets, name="linear", trainable=False)(window)
        x = keras.layers.Add(name="recurrent_plus_linear")([x, linear])
    forecast = keras.layers.Reshape((spec.horizon, spec.targets), name="forecast")(x)
    if not spec.quantiles:
        return forecast
    # One output per quantile from the body's summary, ordered around the point forecast.
    size = spec.horizon * spec.targets * len(spec.quantiles)
    raw = keras.layers.Dense(size, kernel_initializer="zeros", name="quantile_head")(body)
    raw = keras.layers.Reshape((spec.horizon, spec.targets, len(spec.quantiles)), name="quantile_steps")(raw)
    quantiles = keras_objects()["OrderedQuantiles"](spec.quantiles, name="quantiles")([forecast, raw])
    return {"forecast": forecast, "quantiles": quantiles}


def _warn_slow_path(spec: ModelSpec) -> None:
    if spec.recurrent_dropout:
        warnings.warn(
            f"recurrent_dropout={spec.recurrent_dropout} takes {BODIES[spec.body]} off the fused cuDNN "
            "kernel: training is many times slower on a GPU; use dropout instead for speed",
            SlowPathWarning,
            stacklevel=3,
        )
