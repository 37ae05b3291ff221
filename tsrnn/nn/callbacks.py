"""Keras callbacks tsrnn shares between its training entry points.

Usage:
    timer = EpochTimer()
    model.fit(x, y, epochs=2, callbacks=[timer]); timer.seconds
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
        """Start the epoch's clock."""
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None) -> None:
        """Record the epoch's seconds."""
        self.seconds.append(time.perf_counter() - self._started)


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stop training with one clear `TrainingError` when the loss becomes NaN or infinite, instead
    of training on and writing a run of NaN forecasts.

    Examples:
        >>> StopOnNonFiniteLoss().epoch
        0
    """

    def __init__(self) -> None:
        super().__init__()
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None) -> None:
        """Remember the epoch, for the message."""
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None) -> None:
        """Raise `TrainingError` where the batch's loss is not finite."""
        import math

        from tsrnn.errors import TrainingError

        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise TrainingError(
                f"the training loss became {float(loss)} in epoch {self.epoch + 1} (batch {batch + 1}); nothing was "
                "written. Try a smaller --learning-rate, --scaling standard, or --transform log_return/difference"
            )


class StateRestored(keras.callbacks.Callback):
    """Placed right after `BackupAndRestore`: `done` becomes True once the saved state was read, so
    a later `OSError` is a failed write (keep the state) rather than an unreadable state (start over).

    Where the training data draws its windows in an `EpochOrder` (`WindowBatches`, `PanelBatches`),
    a resumed fit moves that order on by the epochs already trained, so the resumed epochs draw the
    windows an uninterrupted run would have drawn (Keras restores the weights and the epoch, not the
    data's order).

    Args:
        data: the training data; its `order` is moved on where it has one.
    """

    def __init__(self, data=None) -> None:
        super().__init__()
        self.done = False
        self.data = data

    def on_train_begin(self, logs=None) -> None:
        """Mark the saved state as read, and replay the trained epochs' orders."""
        self.done = True
        order = getattr(self.data, "order", None)
        if order is not None:
            for _ in range(getattr(self.model, "_initial_epoch", None) or 0):
                order.next_epoch()


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """`EarlyStopping` whose patience, best score and best weights survive a resumed `fit`.

    Keras's `BackupAndRestore` brings back the weights and the epoch, but a fresh `EarlyStopping`
    would forget how long the run has waited and which weights were best. This one keeps the best
    weights in `best_weights_path` and, when `fit` resumes (`BackupAndRestore` must come earlier in
    the callbacks list: it sets the epoch to start from), replays the earlier epochs' monitored
    values from the `CSVLogger` file `log_path`, so the resumed run stops where an uninterrupted
    one would have.

    Examples:
        >>> stop = ResumableEarlyStopping("backup/history.csv", "backup/best.weights.npz", patience=5)
        >>> stop.patience
        5
    """

    def __init__(self, log_path, best_weights_path, **kwargs) -> None:
        super().__init__(**kwargs)
        from pathlib import Path

        self.log_path = Path(log_path)
        self.best_weights_path = Path(best_weights_path)

    def on_train_begin(self, logs=None) -> None:
        """Replay the logged epochs of a resumed run (see the class)."""
        super().on_train_begin(logs)
        start = getattr(self.model, "_initial_epoch", None) or 0
        if not start or not self.log_path.is_file():
            self.best_weights_path.unlink(missing_ok=True)  # a fresh start: nothing of an older run
            return
        import numpy as np
        import pandas as pd

        logged = pd.read_csv(self.log_path).drop_duplicates("epoch", keep="last")
        logged = logged[logged["epoch"] < start]
        if self.monitor not in logged:
            return
        if getattr(self, "monitor_op", None) is None:
            self._set_monitor_op()
        for epoch, value in zip(logged["epoch"], logged[self.monitor]):
            if epoch < self.start_from_epoch:
                continue
            self.wait += 1
            if self._is_improvement(value, self.best):
                self.best, self.best_epoch = float(value), int(epoch)
                if self.baseline is None or self._is_improvement(value, self.baseline):
                    self.wait = 0
        if self.restore_best_weights and self.best_weights_path.is_file():
            with np.load(self.best_weights_path) as saved:
                self.best_weights = [saved[f"w{i}"] for i in range(len(saved.files))]

    def on_epoch_end(self, epoch, logs=None) -> None:
        """Early stopping's step, then save the best weights where this epoch is the best."""
        super().on_epoch_end(epoch, logs)
        if self.restore_best_weights and self.best_epoch == epoch and self.best_weights is not None:
            import numpy as np

            from tsrnn.utils.atomic import atomic_write

            weights = {f"w{i}": w for i, w in enumerate(self.best_weights)}

            def save(path) -> None:
                with open(path, "wb") as file:  # a file object: np.savez would append ".npz" to a path
                    np.savez(file, **weights)

            atomic_write(self.best_weights_path, save)


class CosineAnnealing(keras.callbacks.Callback):
    """Lower the optimizer's learning rate after every batch along half a cosine, from its value at
    the start of `fit` to `floor` times it at the last batch (SGDR's annealing, Loshchilov & Hutter;
    Keras's `keras.optimizers.schedules.CosineDecay`, here set by a callback so that a model compiled
    with a constant rate, and its saved optimizer, stay as they are).

    Args:
        floor: the last batch's rate as a fraction of the first's.

    Examples:
        >>> import keras, numpy as np
        >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        >>> model.compile(keras.optimizers.SGD(0.1), "mse")
        >>> annealing = CosineAnnealing()
        >>> _ = model.fit(np.ones((4, 1)), np.ones((4, 1)), batch_size=1, epochs=2, verbose=0, callbacks=[annealing])
        >>> [round(rate, 4) for rate in annealing.rates[:2]], round(annealing.rates[-1], 4)
        ([0.1, 0.0962], 0.0038)
    """

    def __init__(self, floor: float = 0.0) -> None:
        super().__init__()
        self.floor = floor
        self.rates: list[float] = []
        self._initial = self._steps = self._total = 0

    def on_train_begin(self, logs=None) -> None:
        """Read the starting rate and the batches `fit` will run."""
        self._initial = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        self._steps = self.params.get("steps") or 1
        self._total = max(self._steps * self.params.get("epochs", 1), 1)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None) -> None:
        """Remember the epoch, to count the batches."""
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None) -> None:
        """Set this batch's rate."""
        import math

        done = min((self._epoch * self._steps + batch) / self._total, 1.0)
        rate = self._initial * (self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * done)))
        self.model.optimizer.learning_rate = rate
        self.rates.append(rate)

    def on_train_end(self, logs=None) -> None:
        """Give the optimizer back its starting rate (what it saves)."""
        self.model.optimizer.learning_rate = self._initial
