"""`Forecaster`: a scikit-learn-style estimator for one series or many (a panel): it windows every
series, trains one zoo model on them all, forecasts in the data's units and saves everything needed
to forecast again.

One series is a panel of one, as in NeuralForecast and Darts: `tsrnn.forecasting.fitting` fits
both by one code path (each series' own scalers, fitted on its own training rows; one network;
pooled conformal bands), and the methods below forecast and score every series the same way. Only
the layout of the results follows the data: for one series (a CSV or a DataFrame) a table indexed
by date, for a panel (a folder of CSVs, a dict of frames, a long table with `id_column`) one long
table with a `series` column, and per-series and pooled scores.

The parameters are `tsrnn.forecasting.params.ForecasterParams` (the constructor's arguments, the one
record of settings); the training loop is `tsrnn.nn.training`, run directories `tsrnn.io.run_dir`.

Examples:
    >>> Forecaster(model="gru", lookback=10).get_params()["lookback"]
    10
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError, DataError, NotFittedError
from tsrnn.features import lags, preparation
from tsrnn.features.preparation import PreparedData
from tsrnn.features.splits import why_not_scored
from tsrnn.features.windowing import WindowSpec, ends_with_targets_from, ends_with_targets_in, rises, target_values, window_ends
from tsrnn.forecasting import state
from tsrnn.forecasting.comparison import compare, pooled_interval_scores, pooled_scores
from tsrnn.forecasting.conformal import Calibration, band_columns, check_levels
from tsrnn.forecasting.fitting import fit_learned
from tsrnn.forecasting.layouts import arrange, steps_beyond
from tsrnn.forecasting.metrics import classification_metrics
from tsrnn.forecasting.params import ForecasterParams, ForecasterSettings, derive_settings, params_to_json, read_options, resolve_from_data
from tsrnn.forecasting.series_forecasts import SeriesWindows, WindowForecasts, transformed_forecasts, unseen_states
from tsrnn.io.panels import read_panel, read_series_or_panel
from tsrnn.io.run_dir import write_forecaster_run
from tsrnn.io.tables import read_series
from tsrnn.utils.atomic import atomic_directory
from tsrnn.utils.validation import LAYOUTS, check_choice


class Forecaster(ForecasterParams):
    """Recurrent forecaster of one or more target columns, `horizon` steps ahead, for one series or many.

    The constructor's arguments are the parameters, `tsrnn.forecasting.params.ForecasterParams`
    (each stored as given; `fit` checks them). The learned attributes below are set together at the
    end of a successful `fit`, or by `load`; for one series, `feature_scaler_`, `target_scaler_`,
    `baselines_`, `mase_scale_` and `calibration_` are that series'.

    Attributes:
        settings_: the `ForecasterSettings` derived from the parameters at fit time.
        window_spec_: its window spec.
        model_spec_: its model spec.
        model_: the Keras model that forecasts (with `refit`, the one trained again on every row).
        holdout_model_: with `refit`, the first network, trained on the training rows only: it
            scores the validation and test parts (`evaluate`, `forecast_frame`).
        series_: every series' `tsrnn.forecasting.state.SeriesState` (scalers, baselines, MASE scale).
        panel_: whether the data was a panel (the layout of the results).
        split_: the split's summary.
        data_split_: the split's rule (`tsrnn.features.splits`).
        history_: the loss and metrics per epoch.
        choices_: what the fit chose on validation.
        identity_: the series' static covariates and embedding slots.
        skipped_: the series left out for want of a training window.
        calibration_scores_: the pooled conformity scores that calibrate the bands.
        majority_class_: a classifier's majority class of the training windows.

    Examples:
        >>> forecaster = Forecaster(lookback=10, units=[8, 4])
        >>> forecaster.set_params(lookback=12).lookback
        12
    """

    # ------------------------------------------------------------------- fit
    def fit(self, data, backup_dir: str | os.PathLike | None = None, id_column: str | None = None, static=None,
            skip_short: bool = False) -> Forecaster:
        """Train one model on the training part of every series of `data`; returns self.

        Args:
            data: one series (a CSV path or a DataFrame) or a panel (a folder of CSVs, a dict of
                DataFrames, or a long table with `id_column`).
            backup_dir: training state is saved there after every epoch; a later `fit` with the
                same `backup_dir` continues from the last completed epoch.
            id_column: the column that tells the series of a long table apart.
            static: a panel's static covariates, one row per series (a DataFrame indexed by the
                series' names, or a CSV whose first column names them); without it they are read
                from columns constant within each series.
            skip_short: leave out (and list in `skipped_`) a series without a training window
                instead of refusing it, as walk-forward folds need.

        Returns:
            self. A fit that raises leaves the previous fitted state (if any) whole.

        Raises:
            ConfigError: a parameter that is not valid, or that the data's shape cannot use.
            DataError: data that cannot be used (the error names the series and how to fix it).
        """
        frames, panel, id_column = read_series_or_panel(data, read_options(self), id_column)
        self.fit_frames(frames, panel, backup_dir, static, skip_short, id_column)
        return self

    def fit_series(self, series: pd.DataFrame, backup_dir: str | os.PathLike | None = None) -> PreparedData:
        """`fit` on one series already read by `tsrnn.io.tables.read_series`.

        Args:
            series: the series, as `read_series` returns it.
            backup_dir: as in `fit`.

        Returns:
            The series prepared for the fitted forecaster (checked once here), to pass to `predict`,
            `evaluate` and `forecast_frame` in place of the data.
        """
        return self.fit_frames({_name_of(series): series}, False, backup_dir)

    def fit_frames(self, frames: dict[str, pd.DataFrame], panel: bool, backup_dir=None, static=None,
                   skip_short: bool = False, id_column: str | None = None) -> PreparedData | None:
        """`fit` on series already read by `tsrnn.io`.

        Args:
            frames: the series, `{name: frame}`.
            panel: whether the results take the panel layout (a `PanelForecaster` always does).
            backup_dir: as in `fit`.
            static: as in `fit`.
            skip_short: as in `fit`.
            id_column: the id column the data was read with, recorded for `predict`.

        Returns:
            The one series prepared for the fitted forecaster (see `fit_series`); None for a panel.
        """
        panel = panel or self._always_panel

        learned, selected = fit_learned(self, frames, panel, static, skip_short, backup_dir)
        state.replace_learned(self, {**learned, "id_column_": id_column})
        if panel:
            return None
        (frame,) = selected.values()
        return PreparedData(frame, *preparation.arrays(frame, self.window_spec_), self.window_spec_)

    _always_panel = False  # PanelForecaster: every result in the panel layout, even for one series

    # ------------------------------------------------------------- forecasts
    def predict(self, data, level: list[float] | float | None = None, future=None, dates: bool = False,
                id_column: str | None = None, static=None, long: bool = False, layout: str = "wide") -> pd.DataFrame:
        """Forecasts in the data's units for every complete input window of every series of `data`.

        Args:
            data: the series (the layouts `fit` takes; a forecaster fitted on a panel also forecasts
                a series it never saw, given alone or in a panel).
            level: band coverages in percent (e.g. `[80, 95]`): each forecast column gets
                `{column}_lo_{level}` and `{column}_hi_{level}`, conformal bands calibrated on the
                validation windows (`tsrnn.forecasting.conformal`).
            future: with future covariates (`future_features`), their values on the dates after
                the data (a DataFrame or CSV; for a panel, in any panel layout).
            dates: add a column `date_t+{k}` with each forecast step's date (after the data: the
                next sessions of `calendar_name`, else the data's spacing).
            id_column: the id column of a long table (default: the one `fit` was given).
            static: static covariates of series never seen in training (as in `fit`).
            long: the same as `layout="nixtla"`.
            layout: "wide" (below); "long": one row per window, step and target, with the window's
                `origin` (its last input row's date), `step`, `date`, `target`, `forecast` and the
                bands' `lo_{level}` / `hi_{level}` (and `series` for a panel;
                `tsrnn.forecasting.layouts.long_layout`); "beyond": the same rows for the forecast
                beyond the data alone (only each series' last window is forecast, so it is the
                fast way to the future); "nixtla": the forecast beyond the data in the long layout
                of the Nixtla tools (statsforecast, neuralforecast, utilsforecast), one row per
                series and step with `unique_id`, `ds` (the step's date), `tsrnn` and, with
                `level`, `tsrnn-lo-{level}` and `tsrnn-hi-{level}`; one target only.

        Returns:
            In the wide layout, one column per target and step, named like `Close_t+1`; the last
            row of each series is the forecast beyond its data. Every series' windows are forecast
            by one call of the network (`tsrnn.forecasting.series_forecasts`). For one series, indexed by the date
            of each window's last input row; for a panel, a long table with `series` and `date`
            columns first. A classifier gives `Close_up_probability_t+h` and `Close_up_t+h` (1 when
            it predicts a rise), in the wide layout only.

        Raises:
            NotFittedError: before `fit`.
            DataError: data the fitted forecaster cannot read.
            ConfigError: an unknown layout, or one the forecaster's task or targets cannot fill.
        """
        coverage, layout = check_levels(level), "nixtla" if long else check_choice("layout", layout, LAYOUTS)
        frames, identity = self._inputs(data, id_column, future, static)
        last_only = layout in ("beyond", "nixtla")  # only the forecast beyond the data: its window alone
        states = self._states_of(frames, identity)
        windows = {name: self._windows_to_predict(name, frame, states[name], last_only) for name, frame in frames.items()}
        forecasts = dict(zip(windows, self._forecasts(list(windows.values()), identity), strict=True))
        tables = {name: self._predict_series(windows[name], frame, forecasts[name], coverage, dates or layout != "wide")
                  for name, frame in frames.items()}
        if layout != "wide":
            return arrange(tables, self.window_spec_, coverage, layout, self.panel_, self.settings_.training.task == "regression")
        if not self.panel_:
            return next(iter(tables.values()))
        long = []
        for name, table in tables.items():
            dated = table.reset_index(drop=True)
            dated.insert(0, "date", table.index)
            dated.insert(0, "series", name)
            long.append(dated)
        return pd.concat(long, ignore_index=True)

    def _windows_to_predict(self, name: str, frame: pd.DataFrame, fitted: state.SeriesState, last_only: bool = False) -> SeriesWindows:
        """Every complete input window of one series (the last alone: the forecast beyond the
        data), checked for what `predict` needs.
        """
        spec = self.window_spec_
        lags.warn_if_lags_lack_rows(name, len(frame), spec)
        features, levels = preparation.arrays(frame, spec)
        ends = window_ends(len(frame), spec, with_targets=False)[-1 if last_only else 0:]
        preparation.check_future_known(frame, spec, ends)
        return SeriesWindows(name, fitted, features, levels, ends)

    def _predict_series(self, windows: SeriesWindows, frame, forecasts: tuple, coverage, dates) -> pd.DataFrame:
        spec, fitted, levels, ends = self.window_spec_, windows.fitted, windows.levels, windows.ends
        index = frame.index[np.asarray(ends)]
        transformed, quantiles = forecasts
        if self.settings_.training.task == "classification":
            probability = transformed[:, 0].astype(np.float64)
            step, target = spec.gap + spec.horizon, spec.target_columns[0]
            return pd.DataFrame({f"{target}_up_probability_t+{step}": probability,
                                 f"{target}_up_t+{step}": (probability >= 0.5).astype(int)}, index=index)
        forecast = preparation.invert(transformed, levels, ends, spec)
        columns = [f"{target}_t+{spec.gap + step}" for step in range(1, spec.horizon + 1) for target in spec.target_columns]
        table = pd.DataFrame(forecast.reshape(len(ends), -1), index=index, columns=columns)
        if coverage:
            bands = band_columns(self._calibration(windows.name, frame, fitted).model_bands(transformed, levels, ends, coverage,
                                                                                    quantiles), columns)
            table = pd.concat([table, pd.DataFrame(bands, index=index)], axis=1)
        if dates:
            table = pd.concat([table, preparation.step_dates(frame.index, ends, spec, self.settings_.calendar_name)], axis=1)
        return table

    def evaluate(self, data, start: str | pd.Timestamp | None = None, level: list[float] | float | None = None,
                 part: str | None = None, period: tuple[pd.Timestamp, pd.Timestamp] | None = None,
                 id_column: str | None = None, static=None) -> dict:
        """Metrics of the model next to every baseline on the windows of `data` with known targets.

        Args:
            data: the series (the layouts `fit` takes).
            start: keep only windows whose first target is on or after that date (e.g. the test
                split's `split_["test_start"]`).
            level: band coverages in percent: also score the model's bands and the naive band.
            part: "train", "validation" or "test": only the windows of that part of each series' split.
            period: `(start, end)`: the windows whose targets lie in `[start, end)`, from each training
                series' rows before `end` (a walk-forward fold's test period).
            id_column: as in `predict`.
            static: as in `predict`.

        Returns:
            For one series, `{"windows": n, "first_target", "last_target", "model": {...},
            "naive_last_value": {...}, "seasonal_naive": {...}, "drift": {...}, "moving_average": {...},
            "ridge": {...}}` with MAE, RMSE, MAPE, sMAPE, MASE and direction in the data's units (a
            classifier: `"model"` and `"majority_class"` with accuracy and balanced accuracy); with
            `level` also `"intervals": {level: {"model": {...}, "naive_band": {...}}}`. For a panel,
            `{"part", "split", "series": {name: the same per series}, "pooled": {...}, "not_scored":
            {name: why}}`, pooled by the mean of the per-series MASE (and weighted by windows).

        Raises:
            DataError: no window to score.
        """
        coverage = check_levels(level)
        frames, identity = self._inputs(data, id_column, static=static)
        spec, scored, not_scored = self.window_spec_, {}, {}
        for name, frame in frames.items():
            if period is not None:
                if name not in self.series_:
                    continue  # scalers fitted now could see the period: only training series are scored
                frame = frame[frame.index < period[1]]
                ends = ends_with_targets_in(len(frame), spec, int(frame.index.searchsorted(period[0])), len(frame))
            elif part is not None:
                ends = self.data_split_.bounds(frame.index, name).ends(part, spec)
            else:
                ends = ends_with_targets_from(frame.index, spec, start)
            if not len(ends):
                if part is not None:
                    not_scored[name] = why_not_scored(self.data_split_.bounds(frame.index, name), part, spec, frame.index)
                continue
            scored[name] = (frame, ends)
        states = self._states_of({name: frame for name, (frame, _) in scored.items()}, identity)
        scored = {name: SeriesWindows(name, states[name], *preparation.arrays(frame, spec), ends) for name, (frame, ends) in scored.items()}
        forecasts = dict(zip(scored, self._forecasts(list(scored.values()), identity, self._scoring_model()), strict=True))
        per_series = {name: self._scores(windows, frames[name], forecasts[name], coverage) for name, windows in scored.items()}
        if not self.panel_:
            if not per_series:
                frame = next(iter(frames.values()))
                raise DataError(f"{frame.attrs.get('source', 'data')}: no window with known targets to evaluate; "
                                f"need at least {spec.min_rows()} rows")
            return next(iter(per_series.values()))
        where = f"the {part or 'data'} period" if period is None else f"{period[0].date()} .. {period[1].date()}"
        if not per_series:
            raise DataError(f"no series has a window in {where}; give longer series")
        for name, scores in per_series.items():
            scores["seen_in_training"] = name in self.series_
        pooled = pooled_scores(per_series)
        if coverage:
            pooled["intervals"] = pooled_interval_scores(per_series)
        return {"part": (part or "all") if period is None else "period", "split": self.data_split_.to_dict(),
                "series": per_series, "pooled": pooled, "not_scored": not_scored}

    def _scores(self, windows: SeriesWindows, frame: pd.DataFrame, forecasts: tuple, coverage: list[float]) -> dict:
        """One series' scores on its windows (see `evaluate`), given the scoring network's `forecasts`."""
        spec, fitted, levels, ends = self.window_spec_, windows.fitted, windows.levels, windows.ends
        period = {"windows": len(ends), "first_target": frame.index[ends.start + spec.gap + 1].isoformat(),
                  "last_target": frame.index[ends[-1] + spec.gap + spec.horizon].isoformat()}
        transformed, quantiles = forecasts
        if self.settings_.training.task == "classification":
            actual = rises(levels, ends, spec)
            predicted = (transformed[:, 0] >= 0.5).astype(int)
            majority = np.full_like(actual, self.majority_class_)
            return {**period, "rise_rate": float(actual.mean()), "model": classification_metrics(actual, predicted),
                    "majority_class": {**classification_metrics(actual, majority), "label": self.majority_class_}}
        scores = compare({"model": None, **fitted.baselines}, frame, ends, spec, fitted.mase_scale,
                         forecasts={"model": preparation.invert(transformed, levels, ends, spec)}, by_step=True)
        if coverage:
            scores["intervals"] = self._calibration(windows.name, frame, fitted).scores_against_naive(
                transformed, levels, ends, coverage, fitted.mase_scale, quantiles)
        return {**period, **scores}

    def forecast_windows(self, windows: Mapping[str, tuple[object, range]]) -> dict[str, WindowForecasts]:
        """Forecasts of given windows of several series with one call of the network (a walk-forward
        backtest's fold forecasts every series of a panel so, for its scores and its bands).

        Args:
            windows: `{key: (data, ends)}`: one series (its data, or `prepare`'s result, e.g.
                `prepare(panel, series=name)`) and the row positions of its windows' last inputs.

        Returns:
            `{key: WindowForecasts}` (`tsrnn.forecasting.series_forecasts`): each series' forecasts
            `(len(ends), horizon, targets)` in the data's units and in the transformed target's space,
            and its quantile head's.

        Examples:
            >>> frame = pd.DataFrame({"y": 5 + np.sin(np.arange(80.0))}, index=pd.date_range("2024-01-01", periods=80))
            >>> fitted = Forecaster(lookback=4, units=2, epochs=1, seed=0).fit(frame)
            >>> found = fitted.forecast_windows({"y": (frame, range(70, 75))})["y"]
            >>> found.levels.shape, bool(np.allclose(found.levels, fitted.forecast_levels(frame, range(70, 75))))
            ((5, 1, 1), True)
        """
        series, identity = [], self.identity_
        for data, ends in windows.values():
            name, frame, features, levels, known = self._one_series(data)
            identity = identity.joined(known)  # a series training did not see brings its static covariates
            series.append(SeriesWindows(name, self._states_of({name: frame}, identity)[name], features, levels, ends))
        return {key: WindowForecasts(preparation.invert(point, one.levels, one.ends, self.window_spec_), point, quantiles)
                for key, one, (point, quantiles) in zip(windows, series, self._forecasts(series, identity), strict=True)}

    def forecast_levels(self, data, ends: range) -> np.ndarray:
        """Forecasts in the data's units for the windows ending at given rows of one series (the
        interface `tsrnn.evaluation.walk_forward` uses for every forecaster).

        Args:
            data: the series (or `prepare`'s result).
            ends: the row positions of the windows' last inputs.

        Returns:
            The forecasts, `(len(ends), horizon, targets)`.
        """
        return self.forecast_windows({"series": (data, ends)})["series"].levels

    def transformed_forecast(self, data, ends: range, with_quantiles: bool = False):
        """The forecasts of `forecast_levels` in the transformed target's space (where bands are drawn).

        Args:
            data: the series (or `prepare`'s result).
            ends: the row positions of the windows' last inputs.
            with_quantiles: also return the quantile head's predictions.

        Returns:
            The transformed forecasts `(len(ends), horizon, targets)`; with `with_quantiles`,
            `(forecasts, the quantile head's predictions or None)`.
        """
        found = self.forecast_windows({"series": (data, ends)})["series"]
        return (found.transformed, found.quantiles) if with_quantiles else found.transformed

    def forecast_frame(self, data, start=None, level: list[float] | float | None = None) -> pd.DataFrame:
        """Actual and forecast one-step-ahead levels of the first target of one series.

        Args:
            data: the series (or `prepare`'s result).
            start: the first target date shown (None: every window).
            level: band coverages, as in `predict`.

        Returns:
            A table dated by the target's row: `actual`, `forecast`, `naive`, and with `level`
            `lo_{level}` and `hi_{level}` of its band.

        Raises:
            ConfigError: a classifier, or a level that is not a coverage.
        """
        coverage = check_levels(level)
        self._check_fitted()
        if self.settings_.training.task != "regression":
            raise ConfigError("forecast_frame needs a regression forecaster; a classifier predicts directions")
        spec = self.window_spec_
        name, frame, features, levels, identity = self._one_series(data)
        ends = ends_with_targets_from(frame.index, spec, start)  # predict only the windows shown
        if not len(ends):
            return pd.DataFrame({"actual": [], "forecast": [], "naive": []}, index=frame.index[:0])
        fitted = self._states_of({name: frame}, identity)[name]
        transformed, quantiles = self._forecasts([SeriesWindows(name, fitted, features, levels, ends)], identity, self._scoring_model())[0]
        rows = np.asarray(ends, dtype=int) + spec.gap + 1
        table = {"actual": levels[rows, 0], "forecast": preparation.invert(transformed, levels, ends, spec)[:, 0, 0],
                 "naive": levels[np.asarray(ends, dtype=int), 0]}
        bands = self._calibration(name, frame, fitted).model_bands(transformed, levels, ends, coverage, quantiles)
        for value, (lower, upper) in bands.items():
            table[f"lo_{value:g}"], table[f"hi_{value:g}"] = lower[:, 0, 0], upper[:, 0, 0]
        return pd.DataFrame(table, index=frame.index[rows])

    def plot(self, data, path: str | os.PathLike, level: list[float] | float | None = (80, 95), series: str | None = None,
             history: int = 100, future=None) -> Path:
        """Draw one series' last `history` rows and its forecast beyond the data, every step, with
        its bands, into the PNG `path`.

        Args:
            data: the data, as `predict` takes it.
            path: the PNG to write.
            level: the band coverages to draw (percent; None: none).
            series: which series of a panel (default: the first).
            history: how many of the last rows to draw before the forecast.
            future: future covariates' rows, as `predict` takes them.

        Returns:
            `path`.

        Raises:
            ConfigError: a classifier, or a series the data does not hold.
        """
        from tsrnn.forecasting.plots import future_plot

        coverage = check_levels(level)
        if self.settings_.training.task != "regression":
            raise ConfigError("plot draws value forecasts; a classifier predicts directions")
        frames, identity = self._inputs(data, future=future)
        name = series if series is not None else next(iter(frames))
        if name not in frames:
            raise ConfigError(f"series {name!r} is not in the data; choose one of {', '.join(map(str, frames))}")
        frame, spec = frames[name], self.window_spec_
        target = spec.target_columns[0]
        windows = self._windows_to_predict(name, frame, self._states_of({name: frame}, identity)[name], last_only=True)
        table = self._predict_series(windows, frame, self._forecasts([windows], identity)[0], coverage, True)
        forecast = steps_beyond(table, spec, coverage)
        rows = frame[target].dropna().iloc[-history:]
        future_plot(rows, forecast, Path(path), target, title=f"{name}: {target}, {spec.horizon} steps beyond the data")
        return Path(path)

    def make_window_spec(self, data=None) -> WindowSpec:
        """The window spec the current parameters describe, before any fit.

        Args:
            data: a series to find the target and season from (None: the parameters must name them).

        Returns:
            The `WindowSpec` (`window_spec_` is the fitted one: a fit may choose another lookback
            and anchor on validation).
        """
        resolved = resolve_from_data(self, read_series(data, read_options(self))) if data is not None else None
        return derive_settings(self, resolved).window

    # ------------------------------------------------ one series' learned state
    def _only(self):
        self._check_fitted()
        if len(self.series_) != 1:
            raise ConfigError(f"this forecaster was fitted on {len(self.series_)} series; read series_[name] instead")
        return next(iter(self.series_.values()))

    feature_scaler_ = property(lambda self: self._only().feature_scaler, doc="The one series' feature scaler.")
    target_scaler_ = property(lambda self: self._only().target_scaler, doc="The one series' target scaler.")
    baselines_ = property(lambda self: self._only().baselines, doc="The one series' fitted baselines.")
    mase_scale_ = property(lambda self: self._only().mase_scale, doc="The one series' MASE scale.")
    calibration_ = property(lambda self: Calibration(self.window_spec_, self.calibration_scores_, self._only().naive_residuals,
                                                     self.settings_.model.quantiles, self.quantile_scores_),
                            doc="The one series' band calibration (`tsrnn.forecasting.conformal.Calibration`).")

    # ------------------------------------------------------------- internals
    def prepare(self, data, future=None, series: str | None = None) -> PreparedData:
        """One series read and checked once for this fitted forecaster.

        Args:
            data: the series (or, with `series`, a panel holding it).
            future: its future covariates' rows after the data, as in `predict`.
            series: which series of a panel (a forecaster fitted on a panel forecasts each of its
                series with that series' scalers; a walk-forward backtest prepares them one by one).

        Returns:
            The `PreparedData` to pass to `predict`, `evaluate`, `forecast_frame`, `forecast_levels`
            and `transformed_forecast` in place of the data.

        Raises:
            ConfigError: a panel without `series`, or a `series` the data does not hold.
        """
        if series is not None and isinstance(data, dict):
            if series not in data:
                raise ConfigError(f"series {series!r} is not in the data; choose one of {', '.join(map(str, data))}")
            data = {series: data[series]}
        frames = self._inputs(data, future=future)[0]
        if series is None and len(frames) != 1:
            raise ConfigError("the data holds several series; name one with series=")
        name, frame = (series, frames[series]) if series is not None else next(iter(frames.items()))
        return PreparedData(frame, *preparation.arrays(frame, self.window_spec_), self.window_spec_,
                            name if self.panel_ else None)

    def calibration_for(self, data) -> Calibration:
        """The band calibration of one series: the pooled validation scores, and that series' naive band.

        Args:
            data: the series, or `prepare`'s result (of any series of a panel).

        Returns:
            The `tsrnn.forecasting.conformal.Calibration`.
        """
        name, frame, *_, identity = self._one_series(data)
        return self._calibration(name, frame, self._states_of({name: frame}, identity)[name])

    def _inputs(self, data, id_column=None, future=None, static=None) -> tuple[dict[str, pd.DataFrame], object]:
        """The checked frame of every series of `data` for this fitted forecaster, and the series identity."""
        self._check_fitted()
        if isinstance(data, PreparedData):
            if data.spec != self.window_spec_ or future is not None:
                raise ConfigError("this data was prepared for another fit (or without its future rows); "
                                  "pass the data itself, or prepare(data, future) again")
            return {data.series or next(iter(self.series_)): data.frame}, self.identity_
        if not self.panel_:  # the reading parameters describe the file, not what was learned: the current ones apply
            _, frame = preparation.read_frame(data, self.settings_, trained_columns=self.data_columns_,
                                              reading=read_options(self), future=future)
            return {next(iter(self.series_)): frame}, self.identity_
        raw = self._read(data, id_column)
        futures = {} if future is None else self._read(future, id_column)
        if len(raw) == 1 and len(futures) == 1:  # one series and its future rows, each in a file of its own name
            futures = {next(iter(raw)): next(iter(futures.values()))}
        frames = {name: preparation.select_frame(series, self.settings_, future=futures.get(name)) for name, series in raw.items()}
        return frames, self.identity_.with_unseen(raw, static)

    def _read(self, panel, id_column) -> dict[str, pd.DataFrame]:
        """The series of `panel` (or of a table of future rows), read with the run's id column by
        default; a CSV or DataFrame without that column is one series (named by its file).
        """
        if id_column is not None:
            return read_panel(panel, read_options(self), id_column)
        return read_panel(panel, read_options(self), self.id_column_, single_without_id=True)

    def _one_series(self, data):
        """The one series of `data`: its name, frame, input and target arrays, and the identity that
        knows its static covariates.
        """
        frames, identity = self._inputs(data)
        if len(frames) != 1:
            raise ConfigError("this method reads one series; give one series, or use predict / evaluate for a panel")
        (name, frame), = frames.items()
        return (name, frame, *preparation.arrays(frame, self.window_spec_), identity)

    def _states_of(self, frames: dict[str, pd.DataFrame], identity=None) -> dict[str, state.SeriesState]:
        """Each series' fitted state; a series not seen in training gets one fitted now on its rows
        before its validation part (all its rows if too few), its combination chosen on its
        validation windows by the network that scored the training series' (`unseen_states`).
        """
        unseen = {name: frame for name, frame in frames.items() if name not in self.series_}
        found = unseen_states(unseen, self._scoring_model(), self.settings_, self.data_split_, identity or self.identity_,
                              max(self.settings_.training.batch_size, 1024), self.choices_) if unseen else {}
        return {name: self.series_[name] if name in self.series_ else found[name] for name in frames}

    def _calibration(self, name: str, frame: pd.DataFrame, fitted: state.SeriesState) -> Calibration:
        """Bands for one series: the pooled validation scores, and the naive band from the series' own
        training windows (read from its rows where the run did not store them).
        """
        spec = self.window_spec_
        residuals = fitted.naive_residuals
        if residuals is None:
            _, levels = preparation.arrays(frame, spec)
            naive = WindowSpec(**{**spec.to_dict(), "target_anchor": "last"})
            train_ends = self.data_split_.bounds(frame.index, name).ends("train", naive)
            residuals = target_values(levels, train_ends if len(train_ends) else window_ends(len(frame), naive), naive)
        return Calibration(spec, self.calibration_scores_, residuals, self.settings_.model.quantiles, self.quantile_scores_)

    def _forecasts(self, windows: list[SeriesWindows], identity=None, network=None) -> list[tuple]:
        """Every series' forecasts by `network` (default: `model_`) in the transformed target's space,
        and its quantile head's (None without one), in the order of `windows`: one `predict` call for
        the panel, each series combined as its validation windows chose (`tsrnn.forecasting.series_forecasts`).
        """
        return transformed_forecasts(self.model_ if network is None else network, windows, self.window_spec_,
                                     identity or self.identity_, max(self.settings_.training.batch_size, 1024))

    def _scoring_model(self):
        """The network that scores the validation and test parts: where `refit` trained the forecasting
        network again on every row, the first one, which never saw those rows.
        """
        holdout = getattr(self, "holdout_model_", None)
        return self.model_ if holdout is None else holdout

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(data) first or "
                                 f"{type(self).__name__}.load(run_dir)")

    # ----------------------------------------------------------- persistence
    def run_info(self) -> dict:
        """The JSON description of this fitted forecaster, as stored in `run.json`.

        Returns:
            Its parameters verbatim, the specs derived from them, and the learned state
            (`tsrnn.forecasting.state`).
        """
        self._check_fitted()
        return {"params": params_to_json(self.get_params()), **state.encode(self)}

    def save(self, directory: str | os.PathLike) -> Path:
        """Write the model and `run.json` into a new directory, atomically.

        Args:
            directory: the directory to create (refused where it exists).

        Returns:
            Its path.

        Raises:
            RunDirError: the directory exists.
        """
        with atomic_directory(directory) as staging:
            self.save_into(staging)
        return Path(directory)

    def save_into(self, directory: Path, extra: dict | None = None) -> None:
        """Write the model and `run.json` into an existing (staging) directory.

        Args:
            directory: the directory.
            extra: more fields for `run.json`.
        """
        self._check_fitted()
        write_forecaster_run(directory, self.model_, {**self.run_info(), **(extra or {})},
                             holdout_model=getattr(self, "holdout_model_", None))

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Forecaster:
        """Load a forecaster saved by `save` or `tsrnn fit` (one series or a panel, any format since 0.1.0).

        Args:
            directory: the run directory.

        Returns:
            `cls(**params)` with the learned state (the model loads in Keras's safe mode).

        Raises:
            RunDirError: a directory that is missing, incomplete or from an unknown format.
        """
        return state.load_run(cls, directory)


def _name_of(series: pd.DataFrame) -> str:
    """The name of one series: its file's stem where it was read from a file, else "series"."""
    source = series.attrs.get("source")
    return Path(source).stem if source and source.endswith(".csv") else "series"


__all__ = ["Forecaster", "ForecasterParams", "ForecasterSettings"]
