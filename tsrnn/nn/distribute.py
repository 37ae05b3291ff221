"""Data-parallel training over the local devices: TensorFlow's MirroredStrategy or JAX's DataParallel.

Examples:
    >>> with scope_of(data_parallel("none")):
    ...     pass
    >>> even_ends(range(10, 21), replicas=4)
    range(13, 21)
"""

from __future__ import annotations

import contextlib

from tsrnn.errors import ConfigError
from tsrnn.utils.validation import STRATEGIES  # noqa: F401  (re-exported)


def data_parallel(strategy: str):
    """The distribution that trains on every local device, or None for strategy "none".

    On TensorFlow a `MirroredStrategy` (its `fit` splits each batch, uneven ones too). On JAX,
    Keras's `DataParallel`, which shards each batch over the devices and needs batches that divide
    evenly (see `replica_count`, `even_ends`). Build and fit the model inside `scope_of(...)`.

    Args:
        strategy: "none" or "mirrored".

    Returns:
        The distribution, or None.

    Raises:
        ConfigError: "mirrored" on a backend other than TensorFlow and JAX.

    Examples:
        >>> data_parallel("none") is None
        True
    """
    import keras

    if strategy == "none":
        return None
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.distribute.MirroredStrategy()
    if backend == "jax":
        return keras.distribution.DataParallel()
    raise ConfigError(f"strategy {strategy!r} needs the tensorflow or jax backend, not {backend}")


def scope_of(distribution):
    """A fresh context manager that makes `distribution` (or none) current."""
    return contextlib.nullcontext() if distribution is None else distribution.scope()


def replica_count(strategy: str) -> int:
    """How many equal parts each batch must split into: the local JAX devices, else 1."""
    import keras

    if strategy == "none" or keras.backend.backend() != "jax":
        return 1
    import jax

    return jax.local_device_count()


def check_batch_size(batch_size: int, replicas: int) -> None:
    """Refuse a batch that JAX's DataParallel cannot split evenly over `replicas` devices."""
    if batch_size % replicas:
        raise ConfigError(
            f"batch_size {batch_size} does not split evenly over the {replicas} devices of strategy 'mirrored' "
            f"on JAX; use a multiple of {replicas}"
        )


def even_ends(ends: range, replicas: int) -> range:
    """Drop the oldest windows so that their number, and so every batch, divides by `replicas`."""
    return ends[len(ends) % replicas :]


def batch_size_for(batch_size: int, replicas: int) -> int:
    """The smallest multiple of `replicas` at least `batch_size`."""
    return -(-batch_size // replicas) * replicas
