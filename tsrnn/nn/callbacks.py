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
    """

    def __init__(self) -> None:
        super().__init__()
        self.done = False

    def on_train_begin(self, logs=None) -> None:
        """Mark the saved state as read."""
        self.done = True


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
