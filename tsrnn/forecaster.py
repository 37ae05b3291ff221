"""`Forecaster`: a scikit-learn-style estimator that windows a series, trains a zoo model on it,
forecasts in the data's units and saves everything needed to forecast again.

Example:
    >>> from tsrnn import Forecaster  # doctest: +SKIP
    >>> forecaster = Forecaster(model="gru", lookback=30, target="Close", epochs=5, seed=0)  # doctest: +SKIP
    >>> forecaster.fit("datasets/sp500.csv").evaluate("datasets/sp500.csv")["model"]["mase"]  # doctest: +SKIP
"""
from __future__ import annotations

import inspect
import os
import platform
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn import __version__, zoo
from tsrnn.baselines import last_value, seasonal_naive
from tsrnn.batches import as_input
from tsrnn.callbacks import ResumableEarlyStopping
from tsrnn.data import data_sha256, read_series, select_columns
from tsrnn.distribute import STRATEGIES, batch_size_for, check_batch_size, data_parallel, even_ends, replica_count, scope_of
from tsrnn.errors import ConfigError, DataError, NotFittedError, RunDirError
from tsrnn.metrics import classification_metrics, forecast_metrics, naive_scale
from tsrnn.runs import FORMAT_VERSION, MODEL_FILE, RUN_FILE, atomic_directory, load_keras_model, read_run_json, write_json
from tsrnn.scaling import fit_scaler, scaler_from_dict, scaler_to_dict
from tsrnn.windowing import (
    WindowSpec,
    ends_with_targets_in,
    invert_targets,
    rises,
    rows_needed,
    split_rows,
    step_changes,
    target_rows,
    target_values,
    window_ends,
)

TASKS = ("regression", "classification")

_TRAINING_PARAMS = (
    "task",
    "epochs",
    "batch_size",
    "learning_rate",
    "patience",
    "validation_fraction",
    "test_fraction",
    "fill",
    "date_column",
    "seed",
    "seasonal_period",
    "strategy",
)


class Forecaster:
    """Recurrent forecaster of one or more target columns, `horizon` steps ahead.

    Args:
        model: a zoo preset or body name ("lstm", "gru", "simple_rnn", ...) or a `ModelSpec`.
        task: "regression" forecasts values; "classification" predicts whether the (single) target
            rises between the window's last input and `gap + horizon` steps later.
        lookback, horizon, stride, gap: the window (see `WindowSpec`).
        target: the column(s) to predict; features: input columns (default: the targets).
        target_transform: "log_return" (default), "difference" or "level".
        scaling: "standard" (default), "minmax" or "none"; fitted on the training rows only.
        units, bidirectional, dropout, recurrent_dropout: override the model's body; pooling:
            what the head sees, the body's last state ("last") or the max or mean over time.
        epochs, batch_size, learning_rate: training; patience: early stopping on the validation
            loss (best weights restored); 0 disables it.
        validation_fraction, test_fraction: chronological split (the rest, first, trains).
        fill: None (refuse NaN), "ffill" or "drop". date_column: the date column (default: found by name).
        seed: makes a CPU run repeatable. seasonal_period: period of the seasonal-naive baseline.
        strategy: "mirrored" trains data-parallel on every local device (TensorFlow's
            MirroredStrategy, or Keras's DataParallel on JAX); "none" (default) on one.
        verbose: Keras's progress output (0 silent, 1 bar, 2 one line per epoch).

    Example:
        >>> Forecaster(lookback=10).get_params()["lookback"]
        10
    """

    def __init__(
        self,
        model: str | zoo.ModelSpec = "lstm",
        task: str = "regression",
        lookback: int = 30,
        horizon: int = 1,
        target: str | list[str] = "Close",
        features: list[str] | None = None,
        stride: int = 1,
        gap: int = 0,
        target_transform: str = "log_return",
        scaling: str = "standard",
        units: int | list[int] | None = None,
        bidirectional: bool | None = None,
        dropout: float | None = None,
        recurrent_dropout: float | None = None,
        pooling: str | None = None,
        epochs: int = 20,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        patience: int = 5,
        validation_fraction: float = 0.15,
        test_fraction: float = 0.15,
        fill: str | None = None,
        date_column: str | None = None,
        seed: int | None = None,
        seasonal_period: int = 5,
        strategy: str = "none",
        verbose: int = 0,
    ) -> None:
        self.model = model
        self.task = task
        self.lookback = lookback
        self.horizon = horizon
        self.target = target
        self.features = features
        self.stride = stride
        self.gap = gap
        self.target_transform = target_transform
        self.scaling = scaling
        self.units = units
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.pooling = pooling
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.test_fraction = test_fraction
        self.fill = fill
        self.date_column = date_column
        self.seed = seed
        self.seasonal_period = seasonal_period
        self.strategy = strategy
        self.verbose = verbose

    def get_params(self) -> dict:
        """The constructor's parameters, as scikit-learn estimators report them."""
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    # ----------------------------------------------------------------- specs
    @property
    def window_spec(self) -> WindowSpec:
        targets = (self.target,) if isinstance(self.target, str) else tuple(self.target)
        return WindowSpec(
            lookback=self.lookback,
            horizon=self.horizon,
            stride=self.stride,
            gap=self.gap,
            feature_columns=tuple(self.features or ()),
            target_columns=targets,
            target_transform=self.target_transform,
            scaling=self.scaling,
        )

    def _model_spec(self, spec: WindowSpec) -> zoo.ModelSpec:
        units = (self.units,) if isinstance(self.units, int) else self.units
        return zoo.resolve(
            self.model,
            input_shape=(spec.lookback, len(spec.inputs)),
            head="regression" if self.task == "regression" else "binary",
            horizon=spec.horizon,
            targets=len(spec.target_columns),
            units=tuple(units) if units else None,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            pooling=self.pooling,
            learning_rate=self.learning_rate,
            # Zero head: regression starts from the drift forecast (naive plus the mean change).
            head_initializer="zeros" if self.task == "regression" else "glorot_uniform",
        )

    def _check_training_params(self, spec: WindowSpec) -> None:
        if self.task not in TASKS:
            raise ConfigError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        if self.task == "classification" and len(spec.target_columns) != 1:
            raise ConfigError(
                f"classification predicts the direction of one target, got {len(spec.target_columns)}: "
                f"{', '.join(spec.target_columns)}; name a single --target"
            )
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
        if self.patience < 0:
            raise ConfigError(f"patience must be >= 0, got {self.patience!r}")
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}")
        if self.seasonal_period < 1:
            raise ConfigError(f"seasonal_period must be >= 1, got {self.seasonal_period!r}")

    # ------------------------------------------------------------------- fit
    def fit(self, data: str | os.PathLike | pd.DataFrame, backup_dir: str | os.PathLike | None = None) -> Forecaster:
        """Train on the training part of `data` (CSV path or DataFrame); returns self.

        With `backup_dir`, training state is saved there after every epoch (Keras's
        `BackupAndRestore`) with the per-epoch log, and a later `fit` with the same `backup_dir`
        continues from the last completed epoch instead of starting over.
        """
        import keras

        spec = self.window_spec
        self._check_training_params(spec)
        model_spec = self._model_spec(spec)
        frame = self._frame(data, spec)
        bounds = split_rows(len(frame), self.validation_fraction, self.test_fraction)
        needed = rows_needed(spec, self.validation_fraction, self.test_fraction)
        if len(frame) < needed:
            raise DataError(
                f"{frame.attrs.get('source', 'data')}: {len(frame)} rows are too few for lookback {spec.lookback}, "
                f"horizon {spec.horizon}, gap {spec.gap} and a {1 - self.validation_fraction - self.test_fraction:.0%}/"
                f"{self.validation_fraction:.0%}/{self.test_fraction:.0%} split; need at least {needed} rows "
                "(or a shorter lookback)"
            )
        features, levels = self._arrays(frame, spec)
        steps = step_changes(features, spec.target_transform)
        self.feature_scaler_ = fit_scaler(spec.scaling, steps[spec.warmup : bounds.train_end])
        scaled = self._scaled_steps(steps)

        replicas = replica_count(self.strategy)
        check_batch_size(self.batch_size, replicas)
        # JAX shards every batch evenly over the devices: drop the few oldest windows that would not.
        train_ends = even_ends(bounds.ends("train", spec, stride=spec.stride), replicas)
        if self.task == "regression":
            train_targets = target_values(levels, train_ends, spec)
            self.target_scaler_ = fit_scaler(spec.scaling, train_targets.reshape(-1, levels.shape[1]))
            y_train = self._scale_targets(train_targets)
        else:
            self.target_scaler_ = fit_scaler("none", levels[:1])
            y_train = self._training_targets(levels, train_ends)
            self.majority_class_ = int(y_train.mean() >= 0.5)
        # Arrays for small data; batches cut on the fly when the windows would not fit comfortably.
        train_input = as_input(scaled, train_ends, spec, self.batch_size, y_train, shuffle=True, seed=self.seed)
        validation_ends = even_ends(bounds.ends("validation", spec), replicas)
        # Validation only predicts: large batches. Named in fit too, or Keras would evaluate arrays
        # at the training batch size (32 when training goes as batches).
        validation_batch_size = batch_size_for(max(self.batch_size, 1024), replicas)
        validation = None
        if len(validation_ends):
            validation = as_input(scaled, validation_ends, spec, validation_batch_size,
                                  self._training_targets(levels, validation_ends))

        if self.seed is not None:
            _seed_everything(self.seed)
        distribution = data_parallel(self.strategy)
        with scope_of(distribution):
            model = zoo.build(model_spec)
        callbacks = []
        log_path = None
        stopping = {"monitor": "val_loss", "patience": self.patience, "restore_best_weights": True}
        if backup_dir is not None:
            backup_dir = Path(backup_dir)
            backup_dir.mkdir(parents=True, exist_ok=True)
            log_path = backup_dir / "history.csv"
            callbacks += [
                # double_checkpoint: a kill while the latest state is written falls back to the one before.
                # First: it sets the epoch to resume from, which the early stopping below reads.
                keras.callbacks.BackupAndRestore(str(backup_dir / "state"), double_checkpoint=True, delete_checkpoint=False),
                keras.callbacks.CSVLogger(str(log_path), append=True),
            ]
        if validation is not None and self.patience:
            callbacks.append(
                keras.callbacks.EarlyStopping(**stopping) if backup_dir is None
                else ResumableEarlyStopping(log_path, backup_dir / "best.weights.npz", **stopping)
            )
        arrays = isinstance(train_input, tuple)

        def train():
            with scope_of(distribution):
                return model.fit(
                    *(train_input if arrays else (train_input,)),
                    validation_data=validation,
                    validation_batch_size=validation_batch_size if isinstance(validation, tuple) else None,
                    epochs=self.epochs,
                    batch_size=self.batch_size if arrays else None,
                    shuffle=arrays,
                    callbacks=callbacks,
                    verbose=self.verbose,
                )

        try:
            history = train()
        except OSError as error:
            if backup_dir is None:
                raise
            # Killed while writing its very first state: nothing usable to resume from.
            warnings.warn(f"the saved training state in {backup_dir} is unreadable ({error}); training from the first epoch",
                          UserWarning, stacklevel=2)
            shutil.rmtree(backup_dir / "state", ignore_errors=True)
            log_path.unlink(missing_ok=True)
            (backup_dir / "best.weights.npz").unlink(missing_ok=True)
            history = train()
        self.model_ = model
        self.model_spec_ = model_spec
        self.window_spec_ = spec
        self.history_ = {k: [float(v) for v in values] for k, values in history.history.items()}
        if log_path is not None and log_path.is_file():
            # The log spans every session of a resumed run; Keras's History only the last one.
            logged = pd.read_csv(log_path).drop_duplicates("epoch", keep="last")
            self.history_ = {k: logged[k].astype(float).tolist() for k in logged.columns if k != "epoch"}
        self.mase_scale_ = naive_scale(levels[: bounds.train_end])
        self.split_ = {
            "rows": bounds.rows,
            "train_start": _date(frame.index[0]),
            "validation_start": _date(frame.index[bounds.train_end]) if bounds.train_end < bounds.rows else None,
            "test_start": _date(frame.index[bounds.validation_end]) if bounds.validation_end < bounds.rows else None,
            "train_windows": len(train_ends),
            "validation_windows": len(validation_ends),
            "test_windows": len(bounds.ends("test", spec)),
        }
        self.data_sha256_ = data_sha256(frame)
        return self

    # --------------------------------------------------------------- predict
    def predict(self, data: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
        """Forecasts in the data's units for every complete input window of `data`.

        Indexed by the date of each window's last input row; one column per target and step,
        named like `Close_t+1`. The last row is the forecast beyond the data. A classifier gives
        `Close_up_probability_t+h` and `Close_up_t+h` (1 when it predicts a rise).
        """
        frame, features, levels = self._fitted_inputs(data)
        spec = self.window_spec_
        ends = window_ends(len(frame), spec, with_targets=False)
        index = frame.index[np.asarray(ends)]
        if self.task == "classification":
            probability = self._up_probability(features, ends)
            step = spec.gap + spec.horizon
            target = spec.target_columns[0]
            return pd.DataFrame(
                {f"{target}_up_probability_t+{step}": probability, f"{target}_up_t+{step}": (probability >= 0.5).astype(int)},
                index=index,
            )
        forecast = self._forecast(features, levels, ends)
        columns = [f"{target}_t+{spec.gap + step}" for step in range(1, spec.horizon + 1) for target in spec.target_columns]
        return pd.DataFrame(forecast.reshape(len(ends), -1), index=index, columns=columns)

    def evaluate(self, data: str | os.PathLike | pd.DataFrame, start: str | pd.Timestamp | None = None) -> dict:
        """Metrics of the model and the naive baselines on every window of `data` with known targets.

        `start` keeps only windows whose first target is on or after that date (e.g. the test split's
        `split_["test_start"]`). Returns `{"windows": n, "model": {...}, "naive_last_value": {...},
        "seasonal_naive": {...}}` with MAE, RMSE, MAPE and MASE in the data's units; for a
        classifier, `{"model": {...}, "majority_class": {...}}` with accuracy and balanced accuracy.
        """
        frame, features, levels = self._fitted_inputs(data)
        spec = self.window_spec_
        ends = _ends_with_targets_from(frame.index, spec, start)
        if not len(ends):
            raise DataError(
                f"{frame.attrs.get('source', 'data')}: no window with known targets to evaluate; "
                f"need at least {spec.min_rows()} rows"
            )
        period = {
            "windows": len(ends),
            "first_target": _date(frame.index[ends.start + spec.gap + 1]),
            "last_target": _date(frame.index[ends[-1] + spec.gap + spec.horizon]),
        }
        if self.task == "classification":
            actual = rises(levels, ends, spec)
            predicted = (self._up_probability(features, ends) >= 0.5).astype(int)
            majority = np.full_like(actual, self.majority_class_)
            return {
                **period,
                "rise_rate": float(actual.mean()),
                "model": classification_metrics(actual, predicted),
                "majority_class": {**classification_metrics(actual, majority), "label": self.majority_class_},
            }
        actual = levels[target_rows(ends, spec)]
        anchors = levels[np.asarray(ends)]
        forecasts = {
            "model": self._forecast(features, levels, ends),
            "naive_last_value": last_value(levels, ends, spec),
            "seasonal_naive": seasonal_naive(levels, ends, spec, self.seasonal_period),
        }
        return {**period, **{name: forecast_metrics(actual, f, self.mase_scale_, anchors) for name, f in forecasts.items()}}

    def forecast_levels(self, data, ends: range) -> np.ndarray:
        """Forecasts `(len(ends), horizon, targets)` in the data's units for the windows ending at
        row positions `ends` of `data` (the interface `tsrnn.backtest` uses for every forecaster)."""
        _, features, levels = self._fitted_inputs(data)
        return self._forecast(features, levels, ends)

    def forecast_frame(self, data, start=None) -> pd.DataFrame:
        """Actual and forecast one-step-ahead levels of the first target, dated by the target's row."""
        self._check_fitted()
        if self.task != "regression":
            raise ConfigError("forecast_frame needs a regression forecaster; a classifier predicts directions")
        spec = self.window_spec_
        frame, features, levels = self._fitted_inputs(data)
        ends = _ends_with_targets_from(frame.index, spec, start)  # predict only the windows shown
        if not len(ends):
            return pd.DataFrame({"actual": [], "forecast": [], "naive": []}, index=frame.index[:0])
        forecast = self._forecast(features, levels, ends)[:, 0, 0]
        rows = np.asarray(ends, dtype=int) + spec.gap + 1
        return pd.DataFrame(
            {"actual": levels[rows, 0], "forecast": forecast, "naive": levels[np.asarray(ends, dtype=int), 0]},
            index=frame.index[rows],
        )

    # ------------------------------------------------------------- internals
    def _frame(self, data, spec: WindowSpec, fitting: bool = True) -> pd.DataFrame:
        series = read_series(data, self.date_column)
        frame = select_columns(series, spec.columns, self.fill)
        if fitting:
            self.data_columns_ = [str(c) for c in series.columns]
        else:
            self._warn_on_column_change(series)
        if spec.target_transform == "log_return":
            values = frame[list(spec.columns)].to_numpy()
            if (values <= 0).any():
                column = spec.columns[int(np.flatnonzero((values <= 0).any(axis=0))[0])]
                raise DataError(
                    f"{frame.attrs.get('source', 'data')}: column '{column}' has zero or negative values, which "
                    "log returns cannot use; pass --transform difference (or level)"
                )
        if not fitting and len(frame) < spec.warmup + spec.lookback:
            raise DataError(
                f"{frame.attrs.get('source', 'data')}: {len(frame)} rows are too few for one window of lookback "
                f"{spec.lookback}; need at least {spec.warmup + spec.lookback} rows"
            )
        return frame

    def _warn_on_column_change(self, series: pd.DataFrame) -> None:
        trained = getattr(self, "data_columns_", None)
        if trained is None:
            return
        now = [str(c) for c in series.columns]
        missing = [c for c in trained if c not in now]
        extra = [c for c in now if c not in trained]
        if missing or extra:
            warnings.warn(
                f"{series.attrs.get('source', 'data')}: columns differ from the training data "
                f"(missing: {', '.join(missing) or 'none'}; new: {', '.join(extra) or 'none'}); "
                f"forecasts use only {', '.join(self.window_spec_.columns)}",
                UserWarning,
                stacklevel=4,
            )

    def _fitted_inputs(self, data) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """The checked frame of `data` for a fitted forecaster, with its input and target arrays."""
        self._check_fitted()
        frame = self._frame(data, self.window_spec_, fitting=False)
        return (frame, *self._arrays(frame, self.window_spec_))

    @staticmethod
    def _arrays(frame: pd.DataFrame, spec: WindowSpec) -> tuple[np.ndarray, np.ndarray]:
        return frame[list(spec.inputs)].to_numpy(np.float64), frame[list(spec.target_columns)].to_numpy(np.float64)

    def _scaled_steps(self, steps: np.ndarray) -> np.ndarray:
        # Row 0 of transformed inputs is NaN and never inside a window; zero it so scaling is defined.
        return self.feature_scaler_.transform(np.nan_to_num(steps, nan=0.0)).astype(np.float32)

    def _training_targets(self, levels: np.ndarray, ends: range) -> np.ndarray:
        spec = self.window_spec
        if self.task == "classification":
            return rises(levels, ends, spec).astype(np.float32)[:, None]
        return self._scale_targets(target_values(levels, ends, spec))

    def _scale_targets(self, targets: np.ndarray) -> np.ndarray:
        shape = targets.shape
        return self.target_scaler_.transform(targets.reshape(-1, shape[-1])).reshape(shape).astype(np.float32)

    def _windows(self, features: np.ndarray, ends: range):
        scaled = self._scaled_steps(step_changes(features, self.window_spec_.target_transform))
        windows = as_input(scaled, ends, self.window_spec_, max(self.batch_size, 1024))
        return np.ascontiguousarray(windows) if isinstance(windows, np.ndarray) else windows

    def _predict_model(self, windows) -> np.ndarray:
        batch_size = max(self.batch_size, 1024) if isinstance(windows, np.ndarray) else None
        return np.asarray(self.model_.predict(windows, batch_size=batch_size, verbose=0))

    def _up_probability(self, features: np.ndarray, ends: range) -> np.ndarray:
        return self._predict_model(self._windows(features, ends))[:, 0].astype(np.float64)

    def _forecast(self, features: np.ndarray, levels: np.ndarray, ends: range) -> np.ndarray:
        spec = self.window_spec_
        predicted = self._predict_model(self._windows(features, ends))
        shape = predicted.shape
        unscaled = self.target_scaler_.inverse_transform(predicted.reshape(-1, shape[-1])).reshape(shape)
        return invert_targets(unscaled, levels[np.asarray(ends)], spec.target_transform)

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("this Forecaster is not fitted yet; call fit(data) first or Forecaster.load(run_dir)")

    # ----------------------------------------------------------- persistence
    def run_info(self) -> dict:
        """The JSON description of this fitted forecaster, as stored in `run.json`."""
        self._check_fitted()
        import keras

        return {
            "format_version": FORMAT_VERSION,
            "tsrnn_version": __version__,
            "window_spec": self.window_spec_.to_dict(),
            "model_spec": self.model_spec_.to_dict(),
            "model_name": self.model if isinstance(self.model, str) else None,
            "training": {name: getattr(self, name) for name in _TRAINING_PARAMS},
            "columns": {
                "features": list(self.window_spec_.inputs),
                "targets": list(self.window_spec_.target_columns),
                "data": getattr(self, "data_columns_", None),
            },
            "scalers": {"features": scaler_to_dict(self.feature_scaler_), "targets": scaler_to_dict(self.target_scaler_)},
            "mase_scale": self.mase_scale_.tolist(),
            "majority_class": getattr(self, "majority_class_", None),
            "split": self.split_,
            "epochs_trained": len(self.history_.get("loss", [])),
            "data_sha256": self.data_sha256_,
            "backend": keras.backend.backend(),
            "versions": _versions(),
        }

    def save(self, directory: str | os.PathLike) -> Path:
        """Write the model and `run.json` into a new directory, atomically; returns its path."""
        with atomic_directory(directory) as staging:
            self.save_into(staging)
        return Path(directory)

    def save_into(self, directory: Path, extra: dict | None = None) -> None:
        """Write the model and `run.json` (plus `extra` fields) into an existing (staging) directory."""
        self.model_.save(directory / MODEL_FILE)
        write_json(directory / RUN_FILE, {**self.run_info(), **(extra or {})})

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Forecaster:
        """Load a forecaster saved by `save` or `tsrnn fit` (the model loads with `safe_mode`)."""
        directory = Path(directory)
        info = read_run_json(directory)
        try:
            window_spec = WindowSpec.from_dict(info["window_spec"])
            model_spec = zoo.ModelSpec.from_dict(info["model_spec"])
            training = info["training"]
            forecaster = cls(
                model=info.get("model_name") or model_spec,
                lookback=window_spec.lookback,
                horizon=window_spec.horizon,
                target=list(window_spec.target_columns),
                features=list(window_spec.feature_columns) or None,
                stride=window_spec.stride,
                gap=window_spec.gap,
                target_transform=window_spec.target_transform,
                scaling=window_spec.scaling,
                **{name: training[name] for name in _TRAINING_PARAMS},
            )
            forecaster.feature_scaler_ = scaler_from_dict(info["scalers"]["features"])
            forecaster.target_scaler_ = scaler_from_dict(info["scalers"]["targets"])
            forecaster.mase_scale_ = np.asarray(info["mase_scale"], dtype=np.float64)
            if forecaster.task == "classification":
                forecaster.majority_class_ = int(info["majority_class"])
            forecaster.split_ = info["split"]
            forecaster.data_columns_ = info["columns"].get("data")
            forecaster.data_sha256_ = info["data_sha256"]
        except (KeyError, TypeError, ValueError) as error:
            raise RunDirError(f"{directory / RUN_FILE}: incomplete or invalid ({error}); re-run tsrnn fit") from None
        model_path = directory / MODEL_FILE
        model = load_keras_model(model_path, rerun="re-run tsrnn fit")
        expected = (None, window_spec.lookback, len(window_spec.inputs))
        if tuple(model.input_shape) != expected:
            raise RunDirError(
                f"{model_path}: model input {tuple(model.input_shape)} does not match run.json's window {expected}; "
                "the run directory was mixed up, re-run tsrnn fit"
            )
        forecaster.model_ = model
        forecaster.model_spec_ = model_spec
        forecaster.window_spec_ = window_spec
        forecaster.history_ = {}
        return forecaster


def _ends_with_targets_from(index: pd.Index, spec: WindowSpec, start=None) -> range:
    """Ends of the windows with known targets whose first target is dated on or after `start`."""
    if start is None:
        return window_ends(len(index), spec)
    first_row = int(index.searchsorted(pd.Timestamp(start)))  # the index is sorted (read_series checks)
    return ends_with_targets_in(len(index), spec, first_row, len(index))


def _seed_everything(seed: int) -> None:
    import keras

    keras.utils.set_random_seed(int(seed))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def _date(timestamp: pd.Timestamp) -> str:
    return timestamp.isoformat()


def _versions() -> dict:
    import keras
    import sklearn

    versions = {
        "tsrnn": __version__,
        "python": platform.python_version(),
        "keras": keras.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
    }
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        versions["tensorflow"] = tf.__version__
    return versions
