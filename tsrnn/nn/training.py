"""The Keras training loop tsrnn shares between forecasting and sentiment: seeding, early stopping
with the best weights kept, per-epoch backup and resume, and data-parallel distribution.

One early-stopping policy for every entry point: monitor the validation loss; `patience` > 0
stops after that many epochs without improvement; `restore_best` keeps the weights of the best
epoch. With a `backup_dir` the state survives a killed process (`BackupAndRestore` with a double
checkpoint, the epoch log, and `ResumableEarlyStopping`), and the same call continues from the
last completed epoch. With `keep_initial`, the weights the model starts from count as epoch 0:
training keeps its best epoch only when it beats them on validation by more than one standard
error of the paired per-window difference (the one-standard-error rule: the simpler model unless
the data clearly say otherwise), so a model started at a fitted linear solution does not trade it
for noise on a short validation split.

Usage:
    history = fit_model(model, (x, y), (x_val, y_val), epochs=5, batch_size=32, patience=2)
    sorted(history)
"""
from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from tsrnn.nn.distribute import scope_of

STATE_DIR = "state"
LOG_FILE = "history.csv"
BEST_WEIGHTS_FILE = "best.weights.npz"


@dataclass
class TrainingResult:
    """What `fit_model` did: the loss and metrics per epoch, and which weights it returned.

    Attributes:
        history: `{loss or metric: value per epoch}`, of every session of a resumed run.
        initial_validation_loss: the validation loss of the initial weights (with `keep_initial`).
        kept_initial: whether training did not improve on the initial weights, which were kept.

    Examples:
        >>> TrainingResult({"loss": [2.0, 1.0], "val_loss": [1.5, 1.2]}).best_epoch
        2
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    initial_validation_loss: float | None = None
    kept_initial: bool = False

    @property
    def best_epoch(self) -> int | None:
        """The epoch whose weights were kept (0: the initial weights), when validation chose."""
        losses = self.history.get("val_loss")
        if self.kept_initial:
            return 0
        return int(min(range(len(losses)), key=losses.__getitem__)) + 1 if losses else None

    @property
    def smoothed_best_epoch(self) -> int | None:
        """The epoch whose validation loss, averaged with its neighbours' (`smoothed_losses`), is lowest,
        ties going to the later epoch (0: the initial weights were kept; None: no validation).

        Where the validation loss is flat and noisy after its first epochs, `best_epoch` is whichever
        epoch the noise favoured; the smoothed minimum reads where the curve itself is lowest.

        Examples:
            >>> TrainingResult({"val_loss": [0.64, 0.62, 0.60, 0.62, 0.60, 0.61, 0.60, 0.62]}).smoothed_best_epoch
            6
            >>> TrainingResult({"val_loss": [1.0, 0.5]}).smoothed_best_epoch  # a falling curve keeps its last epoch
            2
        """
        losses = self.history.get("val_loss")
        if self.kept_initial:
            return 0
        if not losses:
            return None
        smoothed = smoothed_losses(losses)
        return max(range(len(smoothed)), key=lambda epoch: (-smoothed[epoch], epoch)) + 1


def smoothed_losses(losses: list[float]) -> list[float]:
    """Each epoch's loss averaged with the epochs on either side of it (one side at the ends).

    Examples:
        >>> [round(loss, 3) for loss in smoothed_losses([3.0, 1.0, 2.0, 0.0])]
        [2.0, 2.0, 1.0, 1.0]
    """
    neighbourhoods = [losses[max(epoch - 1, 0):epoch + 2] for epoch in range(len(losses))]
    return [sum(window) / len(window) for window in neighbourhoods]


def seed_everything(seed: int | None) -> None:
    """Seed Python, NumPy and the backend (and make TensorFlow's ops deterministic) for a repeatable run.

    Args:
        seed: the seed (None: leave everything unseeded).

    Examples:
        >>> import numpy as np
        >>> seed_everything(3); first = np.random.rand()
        >>> seed_everything(3); bool(np.random.rand() == first)
        True
    """
    if seed is None:
        return
    import keras

    keras.utils.set_random_seed(int(seed))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def fit_model(
    model,
    train,
    validation=None,
    *,
    epochs: int,
    batch_size: int | None = None,
    validation_batch_size: int | None = None,
    patience: int = 0,
    restore_best: bool = True,
    backup_dir: str | Path | None = None,
    distribution=None,
    callbacks: list | None = None,
    keep_initial: bool = False,
    verbose: int = 0,
) -> TrainingResult:
    """Train a compiled Keras `model`.

    Early stopping needs validation data: without it neither `patience` nor `restore_best` applies.

    Args:
        model: the compiled Keras model.
        train: `(inputs, targets)` arrays or a `keras.utils.PyDataset`.
        validation: the same, or None.
        epochs: passes over `train` at most.
        batch_size: the batch size of arrays.
        validation_batch_size: the batch size of validation arrays.
        patience: epochs without a better validation loss before stopping (0: never stop early).
        restore_best: end with the weights of the best validation loss.
        backup_dir: where the state is saved after every epoch; a later call resumes from it.
        distribution: a `data_parallel` distribution, or None.
        callbacks: more Keras callbacks.
        keep_initial: keep the initial weights where no epoch beats their validation loss.
        verbose: Keras's progress output.

    Returns:
        The `TrainingResult`: the loss and metrics per epoch (of every session of a resumed run)
        and which weights were kept.

    Raises:
        TrainingError: the loss became NaN or infinite, or the saved state cannot be written.

    Examples:
        >>> import keras, numpy as np
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> x, y = np.ones((8, 2)), np.ones((8, 1))
        >>> len(fit_model(model, (x, y), (x, y), epochs=3, batch_size=4).history["loss"])
        3
    """
    import keras
    import pandas as pd

    from tsrnn.nn.callbacks import StateRestored, StopOnNonFiniteLoss

    callbacks = [*(callbacks or []), StopOnNonFiniteLoss()]
    log_path = None
    restored = StateRestored(train)
    if backup_dir is not None:
        backup_dir = Path(backup_dir)
        backup_dir.mkdir(parents=True, exist_ok=True)
        log_path = backup_dir / LOG_FILE
        callbacks += [
            # double_checkpoint: a kill while the latest state is written falls back to the one before.
            # First: it sets the epoch to resume from, which the early stopping below reads.
            keras.callbacks.BackupAndRestore(str(backup_dir / STATE_DIR), double_checkpoint=True, delete_checkpoint=False),
            restored,  # after BackupAndRestore: its on_train_begin ran only if the saved state was read
            keras.callbacks.CSVLogger(str(log_path), append=True),
        ]
    stopping = early_stopping(patience, restore_best, epochs, backup_dir) if validation is not None else None
    if stopping is not None:
        callbacks.append(stopping)
    arrays = isinstance(train, tuple)
    initial = None
    if keep_initial and validation is not None and restore_best:
        with scope_of(distribution):
            initial = (window_losses(model, validation, validation_batch_size), model.get_weights())

    def run():
        with scope_of(distribution):
            return model.fit(
                *(train if arrays else (train,)),
                validation_data=validation,
                validation_batch_size=validation_batch_size if isinstance(validation, tuple) else None,
                epochs=epochs,
                batch_size=batch_size if arrays else None,
                shuffle=arrays,
                callbacks=callbacks,
                verbose=verbose,
            )

    try:
        history = run()
    except OSError as error:
        if backup_dir is None:
            raise
        if restored.done:
            # The state was read, so writing failed (a full disk, permissions): keep what is saved.
            from tsrnn.errors import TrainingError

            raise TrainingError(
                f"cannot save the training state in {backup_dir} ({error.strerror or error}); the state of the last "
                "completed epoch is kept there: free space or fix permissions, then run again with --resume"
            ) from None
        # Killed while writing its very first state: nothing usable to resume from.
        warnings.warn(f"the saved training state in {backup_dir} is unreadable ({error}); training from the first epoch",
                      UserWarning, stacklevel=2)
        shutil.rmtree(backup_dir / STATE_DIR, ignore_errors=True)
        log_path.unlink(missing_ok=True)
        (backup_dir / BEST_WEIGHTS_FILE).unlink(missing_ok=True)
        history = run()
    if log_path is not None and log_path.is_file():
        # The log spans every session of a resumed run; Keras's History only the last one.
        logged = pd.read_csv(log_path).drop_duplicates("epoch", keep="last")
        epochs_seen = {k: logged[k].astype(float).tolist() for k in logged.columns if k != "epoch"}
    else:
        epochs_seen = {k: [float(v) for v in values] for k, values in history.history.items()}
    result = TrainingResult(history=epochs_seen)
    if initial is not None:
        result.initial_validation_loss = float(initial[0].mean())
        with scope_of(distribution):
            trained = window_losses(model, validation, validation_batch_size)
        if not keep_trained(initial[0], trained):
            _restore_all_but_quantile_head(model, initial[1])
            result.kept_initial = True
    return result


def _restore_all_but_quantile_head(model, weights) -> None:
    """Put back the initial weights (the point forecast the model started from), except those of a
    quantile head: its trained spread is kept, and conformalised on validation afterwards.
    """
    trained_head = model.get_layer("quantile_head").get_weights() if _has_layer(model, "quantile_head") else None
    model.set_weights(weights)
    if trained_head is not None:
        model.get_layer("quantile_head").set_weights(trained_head)


def _has_layer(model, name: str) -> bool:
    return any(layer.name == name for layer in model.layers)


def keep_trained(initial_losses, trained_losses) -> bool:
    """The one-standard-error rule: keep the trained weights only when their per-window validation
    losses beat the initial ones by more than one standard error of the paired difference.

    Examples:
        >>> keep_trained([1.0, 1.2, 0.9, 1.1], [0.5, 0.6, 0.4, 0.55])
        True
        >>> keep_trained([1.0, 1.2, 0.9, 1.1], [1.1, 1.0, 1.0, 1.05])
        False
    """
    import numpy as np

    gain = np.asarray(initial_losses, dtype=np.float64) - np.asarray(trained_losses, dtype=np.float64)
    if len(gain) < 2:
        return False
    return bool(gain.mean() > gain.std(ddof=1) / np.sqrt(len(gain)))


def window_losses(model, data, batch_size: int | None = None):
    """Mean squared error of the point forecast of each window of `data` ((inputs, targets) arrays or
    a PyDataset of batches).
    """
    import numpy as np

    from tsrnn.nn.quantiles import point_of

    if isinstance(data, tuple):
        inputs, targets = data
        predicted = np.asarray(point_of(model.predict(inputs, batch_size=batch_size, verbose=0)))
        targets = point_of(targets)
    else:
        targets = np.concatenate([point_of(data[i][1]) for i in range(len(data))])
        # One `predict` over every batch (in order): a call per batch set up a data pipeline for each.
        predicted = np.asarray(point_of(model.predict(data, verbose=0)))
    errors = (predicted.astype(np.float64) - np.asarray(targets, dtype=np.float64)) ** 2
    return errors.reshape(len(errors), -1).mean(axis=1)


def early_stopping(patience: int, restore_best: bool, epochs: int, backup_dir: Path | None = None):
    """The one early-stopping policy: monitor `val_loss`; stop after `patience` epochs without
    improvement (0: never stop early); keep the best epoch's weights when `restore_best`. With a
    `backup_dir`, the resumable variant. None when there is nothing to do.
    """
    if not patience and not restore_best:
        return None
    import keras

    from tsrnn.nn.callbacks import ResumableEarlyStopping

    options = {"monitor": "val_loss", "patience": patience or epochs, "restore_best_weights": restore_best}
    if backup_dir is None:
        return keras.callbacks.EarlyStopping(**options)
    return ResumableEarlyStopping(Path(backup_dir) / LOG_FILE, Path(backup_dir) / BEST_WEIGHTS_FILE, **options)
