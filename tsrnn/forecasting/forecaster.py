"""`Forecaster`: a scikit-learn-style estimator that coordinates windowing, the zoo, training and
scoring: it windows a series, trains a zoo model on it, forecasts in the data's units and saves
everything needed to forecast again.

The parameters are `tsrnn.forecasting.params.ForecasterParams` (the constructor's arguments, the one
record of settings); the training loop is `tsrnn.nn.training`, run directories `tsrnn.io.run_dir`.

Example:
    >>> Forecaster(model="gru", lookback=10).get_params()["lookback"]
    10
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError, DataError, NotFittedError
from tsrnn.features import preparation
from tsrnn.features.preparation import PreparedData
from tsrnn.features.windowing import WindowSpec, ends_with_targets_from, rises, split_rows, window_ends
from tsrnn.forecasting import state
from tsrnn.forecasting.comparison import compare, default_baselines
from tsrnn.forecasting.conformal import Calibration, band_columns, check_levels, with_earlier_blocks
from tsrnn.forecasting.metrics import classification_metrics, naive_scale
from tsrnn.forecasting.params import ForecasterParams, ForecasterSettings, derive_settings, params_to_json, read_options, resolve_from_data
from tsrnn.forecasting.selection import SeriesRows, choices_record, choose_window
from tsrnn.io.run_dir import write_forecaster_run
from tsrnn.io.tables import data_sha256, read_series
from tsrnn.nn import zoo
from tsrnn.utils.atomic import atomic_directory


class Forecaster(ForecasterParams):
    """Recurrent forecaster of one or more target columns, `horizon` steps ahead.

    Parameters: see `tsrnn.forecasting.params.ForecasterParams` (every constructor argument is stored as
    given; `fit` checks them).

    Attributes (set together at the end of a successful `fit`, or by `load`):
        settings_: the `ForecasterSettings` derived from the parameters at fit time;
        window_spec_, model_spec_: its window and model specs; model_: the Keras model;
        feature_scaler_, target_scaler_: scikit-learn scalers fitted on the training rows;
        baselines_: naive, seasonal naive, drift, moving average and Ridge, fitted on the same rows;
        mase_scale_, split_, history_, data_columns_, data_sha256_, and for a classifier majority_class_.

    Example:
        >>> forecaster = Forecaster(lookback=10, units=[8, 4])
        >>> forecaster.set_params(lookback=12).lookback
        12
    """

    # ------------------------------------------------------------------- fit
    def fit(self, data: str | os.PathLike | pd.DataFrame, backup_dir: str | os.PathLike | None = None) -> Forecaster:
        """Train on the training part of `data` (CSV path or DataFrame); returns self.

        With `backup_dir`, training state is saved there after every epoch and a later `fit` with
        the same `backup_dir` continues from the last completed epoch. A fit that raises leaves the
        previous fitted state (if any) whole.
        """
        self.fit_series(read_series(data, read_options(self)), backup_dir)
        return self

    def fit_series(self, series: pd.DataFrame, backup_dir: str | os.PathLike | None = None) -> PreparedData:
        """`fit` on a series already read by `tsrnn.io.tables.read_series`; returns the series prepared
        for the fitted forecaster (checked once here, for `predict`, `evaluate`, `forecast_frame`)."""
        from tsrnn.features.batches import as_input
        from tsrnn.nn import training
        from tsrnn.nn.distribute import batch_size_for, check_batch_size, data_parallel, even_ends, replica_count, scope_of

        if self.static_features or self.series_embedding:
            raise ConfigError("static_features and series_embedding describe the series of a panel; fit a "
                              "PanelForecaster (a folder of CSVs, or a long CSV with --id-column)")
        resolved = resolve_from_data(self, series)
        settings = derive_settings(self, resolved)  # every parameter checked before any work
        train = settings.training
        frame = preparation.select_frame(series, settings, check_inputs=False)
        bounds = split_rows(len(frame), train.validation_fraction, train.test_fraction)
        resolved = {**resolved, "input_transforms": preparation.choose_input_transforms(frame, settings.window, bounds.train_end)}
        settings = derive_settings(self, resolved)
        preparation.check_input_domains(frame, settings.window)
        features, levels = preparation.arrays(frame, settings.window)
        mase_scale = naive_scale(levels[: bounds.train_end])
        choice = choose_window(self, settings, [SeriesRows(features, levels, bounds, mase_scale)])
        if choice is not None:
            resolved = {**resolved, "lookback": choice.lookback, "target_anchor": choice.anchor}
            settings = derive_settings(self, resolved)
        spec = settings.window
        preparation.check_rows_for_split(frame, spec, train.validation_fraction, train.test_fraction)
        feature_scaler = preparation.fit_feature_scaler(features, spec, bounds.train_end)
        scaled = preparation.scaled_steps(feature_scaler, features, spec)

        replicas = replica_count(train.strategy)
        check_batch_size(train.batch_size, replicas)
        # JAX shards every batch evenly over the devices: drop the few oldest windows that would not.
        train_ends = even_ends(bounds.ends("train", spec, stride=spec.stride), replicas)
        validation_ends = even_ends(bounds.ends("validation", spec), replicas)
        learned: dict = {}
        if train.task == "regression":
            target_scaler = preparation.fit_target_scaler(levels, train_ends, spec)
        else:
            target_scaler = preparation.fit_target_scaler(levels[:1], None, spec)
            learned["majority_class_"] = int(rises(levels, train_ends, spec).mean() >= 0.5)

        def targets(ends: range):
            values = preparation.training_targets(target_scaler, levels, ends, spec, train.task)
            return {"forecast": values, "quantiles": values} if settings.model.quantiles else values

        # Validation only predicts: large batches (named in fit too, or Keras would use the training size).
        validation_batch_size = batch_size_for(max(train.batch_size, 1024), replicas)
        train_input = as_input(scaled, train_ends, spec, train.batch_size, targets(train_ends), shuffle=True, seed=train.seed)
        validation = (as_input(scaled, validation_ends, spec, validation_batch_size, targets(validation_ends))
                      if len(validation_ends) else None)

        training.seed_everything(train.seed)
        distribution = data_parallel(train.strategy)
        with scope_of(distribution):
            model = zoo.build(settings.model)
            if choice is not None:  # the linear path starts at the Ridge solution validation chose
                model.get_layer("linear").set_weights([choice.coef.astype(np.float32), choice.intercept.astype(np.float32)])
        outcome = training.fit_model(
            model, train_input, validation, epochs=train.epochs, batch_size=train.batch_size,
            validation_batch_size=validation_batch_size, patience=train.patience, restore_best=train.patience > 0,
            backup_dir=backup_dir, distribution=distribution, keep_initial=choice is not None, verbose=train.verbose,
        )
        training_rows = frame.iloc[: bounds.train_end]
        if train.task == "regression":  # bands: calibrated on the validation windows only
            validation_predicted, validation_quantiles = preparation.predict_transformed(
                model, scaled, validation_ends, spec, target_scaler, max(train.batch_size, 1024), with_quantiles=True)
            calibration = Calibration.fit(spec, levels, validation_ends, validation_predicted, train_ends,
                                          settings.model.quantiles, validation_quantiles)
            def fit_earlier(cut: int, fraction: float) -> Calibration:  # a forecaster validated on an earlier block
                params = {**self.get_params(), "calibration_folds": 1, "test_fraction": 0.0,
                          "validation_fraction": fraction, "verbose": 0}
                return type(self)(**params).fit(series.loc[: frame.index[cut - 1]]).calibration_

            learned["calibration_"], blocks = with_earlier_blocks(calibration, bounds, train.calibration_folds, fit_earlier)
        learned.update(
            settings_=settings,
            resolved_=resolved,
            choices_={**choices_record(settings, choice, outcome.best_epoch, outcome.initial_validation_loss),
                      **({"calibration_blocks": blocks} if train.task == "regression" else {})},
            window_spec_=spec,
            model_spec_=settings.model,
            model_=model,
            feature_scaler_=feature_scaler,
            target_scaler_=target_scaler,
            baselines_={b.name: b.fit(training_rows) for b in default_baselines(spec)},
            history_=outcome.history,
            mase_scale_=mase_scale,
            split_=preparation.split_summary(frame, bounds, spec, len(train_ends), len(validation_ends)),
            data_columns_=[str(c) for c in series.columns],
            data_sha256_=data_sha256(frame),
        )
        state.replace_learned(self, learned)
        return PreparedData(frame, features, levels, spec)

    # ------------------------------------------------------------- forecasts
    def predict(self, data: str | os.PathLike | pd.DataFrame, level: list[float] | float | None = None,
                future: str | os.PathLike | pd.DataFrame | None = None, dates: bool = False) -> pd.DataFrame:
        """Forecasts in the data's units for every complete input window of `data`.

        Indexed by the date of each window's last input row; one column per target and step,
        named like `Close_t+1`. The last row is the forecast beyond the data. A classifier gives
        `Close_up_probability_t+h` and `Close_up_t+h` (1 when it predicts a rise). With `level`
        (e.g. `[80, 95]`), each forecast column gets `{column}_lo_{level}` and `{column}_hi_{level}`:
        conformal bands calibrated on the validation split (`tsrnn.forecasting.conformal`).

        With future covariates (`future_features`), `future` holds their values on the dates after
        the data (a DataFrame or CSV); forecasts beyond the data refuse to run without them. With
        `dates`, a column `date_t+{k}` gives each forecast step's date (after the data: the next
        sessions of `calendar_name`, else the data's spacing).
        """
        coverage = check_levels(level)
        frame, features, levels = self._fitted_inputs(data, future)
        spec = self.window_spec_
        ends = window_ends(len(frame), spec, with_targets=False)
        preparation.check_future_known(frame, spec, ends)
        index = frame.index[np.asarray(ends)]
        if self.settings_.training.task == "classification":
            probability = self._up_probability(features, ends)
            step, target = spec.gap + spec.horizon, spec.target_columns[0]
            return pd.DataFrame({f"{target}_up_probability_t+{step}": probability,
                                 f"{target}_up_t+{step}": (probability >= 0.5).astype(int)}, index=index)
        transformed, quantiles = self._transformed(features, ends, with_quantiles=True)
        forecast = preparation.invert(transformed, levels, ends, spec)
        columns = [f"{target}_t+{spec.gap + step}" for step in range(1, spec.horizon + 1) for target in spec.target_columns]
        table = pd.DataFrame(forecast.reshape(len(ends), -1), index=index, columns=columns)
        if coverage:
            bands = band_columns(self.calibration_.model_bands(transformed, levels, ends, coverage, quantiles), columns)
            table = pd.concat([table, pd.DataFrame(bands, index=index)], axis=1)
        if dates:
            table = pd.concat([table, preparation.step_dates(frame.index, ends, spec, self.settings_.calendar_name)], axis=1)
        return table

    def evaluate(self, data: str | os.PathLike | pd.DataFrame, start: str | pd.Timestamp | None = None,
                 level: list[float] | float | None = None) -> dict:
        """Metrics of the model next to every baseline on the windows of `data` with known targets.

        `start` keeps only windows whose first target is on or after that date (e.g. the test split's
        `split_["test_start"]`). Returns `{"windows": n, "model": {...}, "naive_last_value": {...},
        "seasonal_naive": {...}, "drift": {...}, "moving_average": {...}, "ridge": {...}}` with MAE,
        RMSE, MAPE, sMAPE, MASE and direction in the data's units; for a classifier,
        `{"model": {...}, "majority_class": {...}}` with accuracy and balanced accuracy. With `level`,
        also `"intervals": {level: {"model": {...}, "naive_band": {...}}}`: coverage, width, interval
        (Winkler) score and pinball loss of the model's band and of the naive forecast's empirical band.
        """
        coverage = check_levels(level)
        frame, features, levels = self._fitted_inputs(data)
        spec = self.window_spec_
        ends = ends_with_targets_from(frame.index, spec, start)
        if not len(ends):
            raise DataError(f"{frame.attrs.get('source', 'data')}: no window with known targets to evaluate; "
                            f"need at least {spec.min_rows()} rows")
        period = {"windows": len(ends), "first_target": frame.index[ends.start + spec.gap + 1].isoformat(),
                  "last_target": frame.index[ends[-1] + spec.gap + spec.horizon].isoformat()}
        if self.settings_.training.task == "classification":
            actual = rises(levels, ends, spec)
            predicted = (self._up_probability(features, ends) >= 0.5).astype(int)
            majority = np.full_like(actual, self.majority_class_)
            return {**period, "rise_rate": float(actual.mean()), "model": classification_metrics(actual, predicted),
                    "majority_class": {**classification_metrics(actual, majority), "label": self.majority_class_}}
        transformed, quantiles = self._transformed(features, ends, with_quantiles=True)
        scores = compare({"model": self, **self.baselines_}, frame, ends, spec, self.mase_scale_,
                         forecasts={"model": preparation.invert(transformed, levels, ends, spec)})
        if coverage:
            scores["intervals"] = self.calibration_.scores_against_naive(transformed, levels, ends, coverage, self.mase_scale_,
                                                                         quantiles)
        return {**period, **scores}

    def forecast_levels(self, data, ends: range) -> np.ndarray:
        """Forecasts `(len(ends), horizon, targets)` in the data's units for the windows ending at
        row positions `ends` of `data` (the interface `tsrnn.evaluation.walk_forward` uses for every forecaster)."""
        _, features, levels = self._fitted_inputs(data)
        return self._forecast(features, levels, ends)

    def transformed_forecast(self, data, ends: range, with_quantiles: bool = False):
        """The forecasts of `forecast_levels` in the transformed target's space (what bands are drawn
        in); with `with_quantiles`, `(forecasts, quantile head's predictions or None)`."""
        _, features, _ = self._fitted_inputs(data)
        return self._transformed(features, ends, with_quantiles)

    def forecast_frame(self, data, start=None, level: list[float] | float | None = None) -> pd.DataFrame:
        """Actual and forecast one-step-ahead levels of the first target, dated by the target's row
        (with `level`, also `lo_{level}` and `hi_{level}` of its band)."""
        coverage = check_levels(level)
        self._check_fitted()
        if self.settings_.training.task != "regression":
            raise ConfigError("forecast_frame needs a regression forecaster; a classifier predicts directions")
        spec = self.window_spec_
        frame, features, levels = self._fitted_inputs(data)
        ends = ends_with_targets_from(frame.index, spec, start)  # predict only the windows shown
        if not len(ends):
            return pd.DataFrame({"actual": [], "forecast": [], "naive": []}, index=frame.index[:0])
        transformed, quantiles = self._transformed(features, ends, with_quantiles=True)
        rows = np.asarray(ends, dtype=int) + spec.gap + 1
        table = {"actual": levels[rows, 0], "forecast": preparation.invert(transformed, levels, ends, spec)[:, 0, 0],
                 "naive": levels[np.asarray(ends, dtype=int), 0]}
        for value, (lower, upper) in self.calibration_.model_bands(transformed, levels, ends, coverage, quantiles).items():
            table[f"lo_{value:g}"], table[f"hi_{value:g}"] = lower[:, 0, 0], upper[:, 0, 0]
        return pd.DataFrame(table, index=frame.index[rows])

    def make_window_spec(self, data=None) -> WindowSpec:
        """The window spec the current parameters describe for `data` before any fit (`window_spec_`
        is the fitted one; a fit may choose another lookback and anchor on validation)."""
        resolved = resolve_from_data(self, read_series(data, read_options(self))) if data is not None else None
        return derive_settings(self, resolved).window

    # ------------------------------------------------------------- internals
    def prepare(self, data, future=None) -> PreparedData:
        """`data` (and its `future` rows) read and checked once for this fitted forecaster, to pass
        to `predict`, `evaluate`, `forecast_frame` in place of the data."""
        return PreparedData(*self._fitted_inputs(data, future), self.window_spec_)

    def _fitted_inputs(self, data, future=None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """The checked frame of `data` for a fitted forecaster, with its input and target arrays."""
        self._check_fitted()
        if isinstance(data, PreparedData):
            if data.spec != self.window_spec_ or future is not None:
                raise ConfigError("this data was prepared for another fit (or without its future rows); "
                                  "pass the data itself, or prepare(data, future) again")
            return data.frame, data.features, data.levels
        # The reading parameters describe the file, not what was learned: the current ones apply.
        _, frame = preparation.read_frame(data, self.settings_, trained_columns=self.data_columns_, reading=read_options(self),
                                          future=future)
        return (frame, *preparation.arrays(frame, self.window_spec_))

    def _transformed(self, features: np.ndarray, ends: range, with_quantiles: bool = False):
        scaled = preparation.scaled_steps(self.feature_scaler_, features, self.window_spec_)
        return preparation.predict_transformed(self.model_, scaled, ends, self.window_spec_, self.target_scaler_,
                                               self._predict_batch_size, with_quantiles)

    @property
    def _predict_batch_size(self) -> int:
        return max(self.settings_.training.batch_size, 1024)

    def _up_probability(self, features: np.ndarray, ends: range) -> np.ndarray:
        return self._transformed(features, ends)[:, 0].astype(np.float64)

    def _forecast(self, features: np.ndarray, levels: np.ndarray, ends: range) -> np.ndarray:
        return preparation.invert(self._transformed(features, ends), levels, ends, self.window_spec_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("this Forecaster is not fitted yet; call fit(data) first or Forecaster.load(run_dir)")

    # ----------------------------------------------------------- persistence
    def run_info(self) -> dict:
        """The JSON description of this fitted forecaster, as stored in `run.json`: its parameters
        verbatim, the specs derived from them, and the learned state (`tsrnn.forecasting.state`)."""
        self._check_fitted()
        return {"params": params_to_json(self.get_params()), **state.encode(self)}

    def save(self, directory: str | os.PathLike) -> Path:
        """Write the model and `run.json` into a new directory, atomically; returns its path."""
        with atomic_directory(directory) as staging:
            self.save_into(staging)
        return Path(directory)

    def save_into(self, directory: Path, extra: dict | None = None) -> None:
        """Write the model and `run.json` (plus `extra` fields) into an existing (staging) directory."""
        self._check_fitted()
        write_forecaster_run(directory, self.model_, {**self.run_info(), **(extra or {})})

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Forecaster:
        """Load a forecaster saved by `save` or `tsrnn fit`: `cls(**params)` plus the learned state
        (the model loads with `safe_mode`)."""
        return state.load_run(cls, directory)


__all__ = ["Forecaster", "ForecasterParams", "ForecasterSettings"]
