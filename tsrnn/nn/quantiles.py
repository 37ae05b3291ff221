"""Quantile heads: ordered quantiles around a point forecast, trained with the pinball loss.

A quantile head adds to a regression model a second output, `quantiles`: for each step and target,
one value per quantile probability. They are the point forecast plus or minus cumulative sums of
softplus terms (`OrderedQuantiles`), so every quantile below 0.5 lies below the point forecast,
every one above lies above it, and they are ordered by construction. The point forecast is not
moved by the pinball loss (a stop-gradient): it stays the mean-squared-error forecast.

The Keras classes are made on first use (`keras_objects()`), so importing this module loads no
Keras; they are registered as serializable, so a saved model loads in safe mode.

Examples:
    >>> quantiles_for_levels([80, 95])
    (0.025, 0.1, 0.9, 0.975)
    >>> pinball_loss(np.array([1.0]), np.array([[0.0, 2.0]]), (0.1, 0.9)).round(6).tolist()
    [0.1]
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tsrnn.errors import ConfigError


def quantiles_for_levels(levels: Sequence[float]) -> tuple[float, ...]:
    """The quantile probabilities `(1 - L) / 2` and `(1 + L) / 2` of each band level L (percent), sorted."""
    if not levels:
        raise ConfigError("a quantile head needs at least one band level, e.g. [80, 95]")
    quantiles = set()
    for level in levels:
        if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 100:
            raise ConfigError(f"quantile levels are band coverages in percent, strictly between 0 and 100; got {level!r}")
        quantiles.update(level_quantiles(level))
    return tuple(sorted(quantiles))


def level_quantiles(level: float) -> tuple[float, float]:
    """The lower and upper quantile probabilities of a band of `level` percent."""
    return round((100 - level) / 200, 10), round((100 + level) / 200, 10)


def pinball_loss(actual: np.ndarray, predicted: np.ndarray, quantiles: Sequence[float]) -> np.ndarray:
    """Mean pinball loss over the quantiles and every axis after the first.

    Args:
        actual: the actual values.
        predicted: the predicted quantiles, `actual`'s shape plus one last axis of quantiles.
        quantiles: the quantile probabilities.

    Returns:
        One loss per row of `actual`.

    Examples:
        >>> pinball_loss(np.array([1.0]), np.array([[0.0, 2.0]]), (0.1, 0.9)).round(6).tolist()
        [0.1]
    """
    errors = np.asarray(actual, dtype=np.float64)[..., None] - np.asarray(predicted, dtype=np.float64)
    q = np.asarray(quantiles, dtype=np.float64)
    losses = np.maximum(q * errors, (q - 1) * errors)
    return losses.reshape(len(losses), -1).mean(axis=1)


def check_quantiles(quantiles: Sequence[float]) -> tuple[float, ...]:
    """`quantiles` as a sorted tuple if each is in (0, 1), not 0.5, with some below and some above 0.5."""
    values = tuple(sorted(float(q) for q in quantiles))
    if not values:
        return ()
    if any(not 0 < q < 1 or q == 0.5 for q in values) or len(set(values)) != len(values):
        raise ConfigError(f"quantiles must be distinct probabilities in (0, 1) other than 0.5, got {list(quantiles)!r}")
    if values[0] > 0.5 or values[-1] < 0.5:
        raise ConfigError(f"a quantile head needs quantiles on both sides of 0.5, got {list(values)!r}")
    return values


_OBJECTS: dict[str, type] = {}


def keras_objects() -> dict[str, type]:
    """Tsrnn's own Keras classes, made and registered once: `{"OrderedQuantiles": layer class,
    "PinballLoss": loss class, "SeriesEmbedding": layer class}`.
    """
    if _OBJECTS:
        return _OBJECTS
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="tsrnn")
    class OrderedQuantiles(keras.layers.Layer):
        """`[point (batch, horizon, targets), raw (batch, horizon, targets, K)]` -> ordered quantiles
        `(batch, horizon, targets, K)` around the (stop-gradient) point forecast.
        """

        def __init__(self, quantiles, **kwargs):
            super().__init__(**kwargs)
            self.quantiles = check_quantiles(quantiles)
            self.below = sum(q < 0.5 for q in self.quantiles)

        def call(self, inputs):
            point, raw = inputs
            centre = ops.expand_dims(ops.stop_gradient(point), -1)
            steps = ops.softplus(raw)
            below = ops.flip(ops.cumsum(ops.flip(steps[..., : self.below], axis=-1), axis=-1), axis=-1)
            above = ops.cumsum(steps[..., self.below :], axis=-1)
            return ops.concatenate([centre - below, centre + above], axis=-1)

        def compute_output_shape(self, input_shapes):
            return input_shapes[1]

        def get_config(self):
            return {**super().get_config(), "quantiles": list(self.quantiles)}

    @keras.saving.register_keras_serializable(package="tsrnn")
    class PinballLoss(keras.losses.Loss):
        """Mean pinball loss of quantile predictions `(batch, ..., K)` against targets `(batch, ...)`."""

        def __init__(self, quantiles, name: str = "pinball", **kwargs):
            super().__init__(name=name, **kwargs)
            self.quantiles = check_quantiles(quantiles)

        def call(self, y_true, y_pred):
            q = ops.convert_to_tensor(np.asarray(self.quantiles, dtype="float32"))
            errors = ops.expand_dims(ops.cast(y_true, y_pred.dtype), -1) - y_pred
            losses = ops.maximum(q * errors, (q - 1.0) * errors)
            return ops.mean(ops.reshape(losses, (ops.shape(losses)[0], -1)), axis=-1)

        def get_config(self):
            return {**super().get_config(), "quantiles": list(self.quantiles)}

    @keras.saving.register_keras_serializable(package="tsrnn")
    class SeriesEmbedding(keras.layers.Layer):
        """Windows `(batch, steps, features + 1)` whose last column is a series id (0: a series never
        seen) -> `[values (batch, steps, features), values joined by the series' learned vector at
        every step]`. While training, a share `unknown_rate` of windows is shown as id 0, so slot 0
        learns a vector for the series the model will meet later.
        """

        def __init__(self, slots, dim, unknown_rate=0.1, **kwargs):
            super().__init__(**kwargs)
            self.slots, self.dim, self.unknown_rate = int(slots), int(dim), float(unknown_rate)
            self.vectors = keras.layers.Embedding(self.slots, self.dim, name="vectors")
            self.seed_generator = keras.random.SeedGenerator()

        def build(self, input_shape):
            self.vectors.build((None,))

        def call(self, inputs, training=None):
            values = inputs[..., :-1]
            ids = ops.clip(ops.cast(ops.round(inputs[:, -1, -1]), "int32"), 0, self.slots - 1)
            if training and self.unknown_rate > 0:
                hidden = keras.random.uniform(ops.shape(ids), seed=self.seed_generator) < self.unknown_rate
                ids = ops.where(hidden, ops.zeros_like(ids), ids)
            vectors = ops.cast(ops.expand_dims(self.vectors(ids), 1), values.dtype)
            repeated = ops.broadcast_to(vectors, (ops.shape(values)[0], inputs.shape[1], self.dim))
            return values, ops.concatenate([values, repeated], axis=-1)

        def compute_output_shape(self, input_shape):
            *lead, features = input_shape
            return tuple(lead) + (features - 1,), tuple(lead) + (features - 1 + self.dim,)

        def get_config(self):
            return {**super().get_config(), "slots": self.slots, "dim": self.dim, "unknown_rate": self.unknown_rate}

    _OBJECTS.update(OrderedQuantiles=OrderedQuantiles, PinballLoss=PinballLoss, SeriesEmbedding=SeriesEmbedding)
    return _OBJECTS


def point_of(predicted):
    """The point forecast of a model's predictions: the `forecast` output of a model with a quantile
    head, else the predictions themselves.
    """
    return predicted["forecast"] if isinstance(predicted, dict) else predicted
