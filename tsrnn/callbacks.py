"""Keras callbacks tsrnn shares between its training entry points.

Example:
    >>> timer = EpochTimer()  # doctest: +SKIP
    >>> model.fit(x, y, epochs=2, callbacks=[timer]); timer.seconds  # doctest: +SKIP
    [3.1, 2.4]
"""
from __future__ import annotations

import time

import keras


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of each training epoch (validation included)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._started = 0.0

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None) -> None:
        self.seconds.append(time.perf_counter() - self._started)
