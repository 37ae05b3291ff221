"""`PanelForecaster`: one global recurrent model over many series (a panel).

Every series keeps its own scalers, fitted on its own training rows, so series of any level share
one network; windows of all series are mixed in every batch (`tsrnn.features.batches.PanelBatches`, cut
per series on the fly). The split follows the `split` parameter (`tsrnn.features.splits`): by date where
every series ends on the same date, else by each series' own last rows.
`predict` works for the training series and for a series the model never saw: its scalers are
fitted on its own rows before its validation part (on all its rows when it has too few
there). `evaluate` scores the model next to every baseline per series, and pooled: the mean of the
per-series MASE, and that mean weighted by each series' number of windows.

The parameters are those of `Forecaster` (`tsrnn.forecasting.params.ForecasterParams`). The linear path (on
by default, as for one series) is one Ridge regression over the training windows of every series,
its shrinkage, and the lookback and anchor left open, chosen as for one series by the same
function (`tsrnn.forecasting.selection.choose_window`): over rolling-origin folds of every series'
training and validation rows, by the pooled MASE. Bands are conformal, from the validation scores of every series
pooled. Covariates: past (`features`), future (`future_features`, `calendar`: `tsrnn.features.covariates`)
and static (`static_features`), and a learned series embedding (`series_embedding`). Quantile heads
(`quantile_levels`) are conformalised on the pooled validation scores too. Walk-forward backtests of panels: `tsrnn.evaluation.panel_backtest`.

Example:
    >>> PanelForecaster(lookback=10, units=4).get_params()["lookback"]
    10
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError, DataError, NotFittedError, RunDirError
from tsrnn.features import preparation
from tsrnn.features.scaling import scaler_from_dict, scaler_to_dict
from tsrnn.features.splits import DateSplit, SeriesSplit, split_from_dict, split_panel
from tsrnn.features.static import SeriesIdentity
from tsrnn.features.windowing import WindowSpec, ends_with_targets_in, target_values, window_ends
from tsrnn.forecasting import state
from tsrnn.forecasting.baselines import baseline_from_state
from tsrnn.forecasting.comparison import compare, default_baselines
from tsrnn.forecasting.conformal import (
    Calibration,
    band_columns,
    check_levels,
    conformity_scores,
    cqr_scores,
    level_name,
    quantile_band_levels,
    volatility,
)
from tsrnn.forecasting.metrics import naive_scale
from tsrnn.forecasting.params import (
    ForecasterParams,
    derive_settings,
    params_from_json,
    params_to_json,
    read_options,
    resolve_from_data,
)
from tsrnn.forecasting.selection import SeriesRows, choices_record, choose_window
from tsrnn.io.panels import read_panel
from tsrnn.io.run_dir import read_panel_run, write_panel_run
from tsrnn.nn import zoo
from tsrnn.utils.atomic import atomic_directory

_GENERALITY = {"level": 0, "log_return": 1, "log1p_difference": 2, "difference": 3}


class PanelForecaster(ForecasterParams):
    """One global forecaster over a panel of series (see the module's docstring).

    Attributes after `fit` (or `load`): settings_, window_spec_, model_, split_ (a `DateSplit`),
    series_ ({name: {"feature_scaler", "target_scaler", "baselines", "mase_scale", "windows"}}),
    history_, id_column_, skipped_ (series left out by `fit(skip_short=True)`).
    """

    def fit(self, panel, id_column: str | None = None, skip_short: bool = False, static=None) -> PanelForecaster:
        """Train one model on the training windows of every series of `panel`; returns self.

        A series without a training window before its validation part is an error, or,
        with `skip_short` (as walk-forward folds need), left out and listed in `skipped_`.
        `static` is a table of static covariates, one row per series (a DataFrame indexed by the
        series' names, or a CSV whose first column names them); without it they are read from
        columns constant within each series.
        """
        from tsrnn.features.batches import PanelBatches
        from tsrnn.nn import training

        frames = read_panel(panel, read_options(self), id_column)
        params = self._panel_params()
        resolved = resolve_from_data(params, next(iter(frames.values())))
        settings = derive_settings(params, resolved)
        train = settings.training
        split = split_panel(frames, train.split, train.validation_fraction, train.test_fraction)
        selected = {name: preparation.select_frame(series, settings, check_inputs=False) for name, series in frames.items()}
        resolved = {**resolved, "input_transforms": _panel_input_transforms(selected, settings.window, split)}
        settings = derive_settings(params, resolved)
        spec = settings.window
        parts, validation_parts, series_state, skipped, calibrating = [], [], {}, [], []
        trained = [name for name, frame in selected.items()
                   if len(split.bounds(frame.index, name).ends("train", spec, stride=spec.stride)) or not skip_short]
        identity = SeriesIdentity.fit({name: frames[name] for name in trained}, self.static_features, static,
                                      self.series_embedding)
        if identity.static_columns and not identity.static:
            raise DataError("no series has a training window to read its static covariates from")
        rows = {name: _series_rows(name, selected[name], split, spec, identity) for name in trained}
        choice = choose_window(params, settings, list(rows.values()))
        if choice is not None:  # the lookback and anchor the parameters left open, chosen on every series' folds
            resolved = {**resolved, "lookback": choice.lookback, "target_anchor": choice.anchor}
            settings = derive_settings(params, resolved)
            spec = settings.window
        for name, frame in selected.items():
            preparation.check_input_domains(frame, spec)
            bounds = split.bounds(frame.index, name)
            features, levels = preparation.arrays(frame, spec)
            train_ends, validation_ends = bounds.ends("train", spec, stride=spec.stride), bounds.ends("validation", spec)
            if skip_short and (name not in rows or not len(train_ends)):  # left out of the selection and the identity too
                skipped.append(name)
                continue
            if not len(train_ends):
                raise DataError(f"{frame.attrs.get('source', name)}: no training window before its validation part "
                                f"({split.describe()}); drop the series or shorten the lookback")
            feature_scaler = preparation.fit_feature_scaler(features, spec, bounds.train_end)
            target_scaler = preparation.fit_target_scaler(levels, train_ends, spec)
            scaled = identity.with_id(name, identity.values_of(name, preparation.scaled_steps(feature_scaler, features, spec)))

            def targets(ends, target_scaler=target_scaler, levels=levels):
                return preparation.training_targets(target_scaler, levels, ends, spec, "regression")

            parts.append((scaled, train_ends, targets(train_ends)))
            if len(validation_ends):
                validation_parts.append((scaled, validation_ends, targets(validation_ends)))
                calibrating.append((scaled, levels, validation_ends, target_scaler))
            training_rows = frame.iloc[: bounds.train_end]
            series_state[name] = {
                "feature_scaler": feature_scaler, "target_scaler": target_scaler,
                "baselines": {b.name: b.fit(training_rows) for b in default_baselines(spec)},
                "mase_scale": rows[name].mase_scale,
                "windows": {"train": len(train_ends), "validation": len(validation_ends)},
            }
        if not parts:
            raise DataError(f"no series has a training window before its validation part ({split.describe()}); "
                            "give longer series or a shorter lookback")
        settings = _with_identity(settings, identity)
        outputs = ("forecast", "quantiles") if settings.model.quantiles else ()
        train_input = PanelBatches(parts, spec, train.batch_size, shuffle=True, seed=train.seed, target_names=outputs)
        validation = (PanelBatches(validation_parts, spec, max(train.batch_size, 1024), target_names=outputs)
                      if validation_parts else None)
        training.seed_everything(train.seed)
        model = zoo.build(settings.model)
        if choice is not None:  # the linear path starts at the Ridge solution chosen on every series' folds
            model.get_layer("linear").set_weights([choice.coef.astype(np.float32), choice.intercept.astype(np.float32)])
        outcome = training.fit_model(model, train_input, validation, epochs=train.epochs, batch_size=train.batch_size,
                                     validation_batch_size=max(train.batch_size, 1024), patience=train.patience,
                                     restore_best=train.patience > 0 and validation is not None,
                                     keep_initial=choice is not None, verbose=train.verbose)
        calibration_scores, quantile_scores = _pooled_conformity_scores(model, calibrating, spec, max(train.batch_size, 1024),
                                                                        settings.model.quantiles)
        choices = choices_record(settings, choice, outcome.best_epoch, outcome.initial_validation_loss)
        state.replace_learned(self, dict(settings_=settings, resolved_=resolved, window_spec_=spec, model_=model, split_=split,
                                         series_=series_state, history_=outcome.history, id_column_=id_column,
                                         skipped_=skipped, choices_=choices, identity_=identity,
                                         calibration_scores_=calibration_scores, quantile_scores_=quantile_scores))
        return self

    def _panel_params(self) -> ForecasterParams:
        if self.task != "regression":
            raise ConfigError("a panel forecaster forecasts values; classification of panels is not built yet")
        if self.calibration_folds != 1:
            raise ConfigError("--calibration-folds is not built for panels yet; bands of a panel are calibrated on the "
                              "validation windows of every series pooled: leave it at 1")
        if self.strategy != "none":
            raise ConfigError("--strategy is not built for panels yet; fit the panel with --strategy none")
        return ForecasterParams(**ForecasterParams.get_params(self))

    # ------------------------------------------------------------- forecasts
    def predict(self, panel, id_column: str | None = None, future=None, dates: bool = False, static=None,
                level: list[float] | float | None = None) -> pd.DataFrame:
        """One long table: a `series` column, the date of each window's last input row, and one
        column per target and step (`Close_t+1`, ...); each series' last row forecasts beyond its data.

        With future covariates, `future` holds each series' rows after its data, in any panel layout
        (a folder, a dict of DataFrames, or a long table with the id column); `dates` adds `date_t+K`.
        `static` gives the static covariates of series never seen in training (as in `fit`). With
        `level` (e.g. `[80, 95]`), each forecast column gets `{column}_lo_{level}` and
        `{column}_hi_{level}`: conformal bands from the pooled validation scores of every series.
        """
        coverage = check_levels(level)
        self._check_fitted()
        tables = []
        raw = self._read(panel, id_column)
        identity = self.identity_.with_unseen(raw, static)
        futures = {} if future is None else self._read(future, id_column)
        if len(raw) == 1 and len(futures) == 1:  # one series and its future rows, each in a file of its own name
            futures = {next(iter(raw)): next(iter(futures.values()))}
        for name, frame in self._frames(raw, futures).items():
            fitted = self._state_of(name, frame)
            spec = self.window_spec_
            features, levels = preparation.arrays(frame, spec)
            ends = window_ends(len(frame), spec, with_targets=False)
            preparation.check_future_known(frame, spec, ends)
            transformed, quantiles = self._transformed(name, fitted, features, ends, identity)
            forecast = preparation.invert(transformed, levels, ends, spec)
            columns = [f"{t}_t+{spec.gap + step}" for step in range(1, spec.horizon + 1) for t in spec.target_columns]
            table = pd.DataFrame(forecast.reshape(len(ends), -1), columns=columns)
            if coverage:
                bands = self._calibration(name, frame).model_bands(transformed, levels, ends, coverage, quantiles)
                table = pd.concat([table, pd.DataFrame(band_columns(bands, columns))], axis=1)
            if dates:
                table = pd.concat([table, preparation.step_dates(frame.index, ends, spec, self.settings_.calendar_name)
                                   .reset_index(drop=True)], axis=1)
            table.insert(0, "date", frame.index[np.asarray(ends)])
            table.insert(0, "series", name)
            tables.append(table)
        return pd.concat(tables, ignore_index=True)

    def evaluate(self, panel, part: str = "test", id_column: str | None = None,
                 period: tuple[pd.Timestamp, pd.Timestamp] | None = None, static=None,
                 level: list[float] | float | None = None) -> dict:
        """Per series and pooled metrics of the model next to every baseline on `part` ("train",
        "validation" or "test") of each series, by the panel's dates; or, with `period=(start, end)`,
        on the windows whose targets lie in `[start, end)`, from each training series' rows before
        `end` (a walk-forward fold's test period). With `level`, every series also gets
        `"intervals"` (coverage, width and interval score of the model's band and of the naive band),
        and `pooled["intervals"]` their means over the series."""
        coverage = check_levels(level)
        self._check_fitted()
        spec, per_series, not_scored = self.window_spec_, {}, {}
        raw = self._read(panel, id_column)
        identity = self.identity_.with_unseen(raw, static)
        for name, frame in self._frames(raw).items():
            if period is not None:
                if name not in self.series_:
                    continue  # scalers fitted now could see the period: only training series are scored
                frame = frame[frame.index < period[1]]
                ends = ends_with_targets_in(len(frame), spec, int(frame.index.searchsorted(period[0])), len(frame))
            else:
                ends = self.split_.bounds(frame.index, name).ends(part, spec)
            if not len(ends):
                if period is None:
                    not_scored[name] = _why_not_scored(self.split_.bounds(frame.index, name), part, spec, frame.index)
                continue
            fitted = self._state_of(name, frame)
            features, levels = preparation.arrays(frame, spec)
            transformed, quantiles = self._transformed(name, fitted, features, ends, identity)
            scores = compare({"model": None, **fitted["baselines"]}, frame, ends, spec, fitted["mase_scale"],
                             forecasts={"model": preparation.invert(transformed, levels, ends, spec)})
            if coverage:
                scores["intervals"] = self._calibration(name, frame).scores_against_naive(transformed, levels, ends, coverage,
                                                                                         fitted["mase_scale"], quantiles)
            per_series[name] = {"windows": len(ends), "seen_in_training": name in self.series_, **scores}
        where = f"the {part} period" if period is None else f"{period[0].date()} .. {period[1].date()}"
        if not per_series:
            raise DataError(f"no series has a window in {where}; give longer series")
        pooled = pooled_scores(per_series)
        if coverage:
            pooled["intervals"] = pooled_interval_scores(per_series)
        return {"part": part if period is None else "period", "split": self.split_.to_dict(), "series": per_series,
                "pooled": pooled, "not_scored": not_scored}

    def _read(self, panel, id_column) -> dict[str, pd.DataFrame]:
        """The series of `panel` (or of a table of future rows), read with the run's id column by
        default; a CSV or DataFrame without that column is one series (named by its file)."""
        if id_column is not None:
            return read_panel(panel, read_options(self), id_column)
        return read_panel(panel, read_options(self), self.id_column_, single_without_id=True)

    def _frames(self, raw: dict[str, pd.DataFrame], futures: dict | None = None) -> dict[str, pd.DataFrame]:
        """The checked frame of every series read by `_read`, with its future rows' derived inputs."""
        return {name: preparation.select_frame(series, self.settings_, future=(futures or {}).get(name))
                for name, series in raw.items()}

    def _state_of(self, name: str, frame: pd.DataFrame) -> dict:
        """The series' fitted scalers and baselines, or, for a series not seen in training, ones
        fitted now on its rows before its validation part (all its rows if too few)."""
        if name in self.series_:
            return self.series_[name]
        spec = self.window_spec_
        features, levels = preparation.arrays(frame, spec)
        bounds = self.split_.bounds(frame.index, name)
        train_end = bounds.train_end
        if not len(bounds.ends("train", spec)):
            train_end = len(frame)
        ends = window_ends(train_end, spec)
        if not len(ends):
            raise DataError(f"{frame.attrs.get('source', name)}: {len(frame)} rows are too few for one window of "
                            f"lookback {spec.lookback} with its targets")
        rows = frame.iloc[:train_end]
        return {"feature_scaler": preparation.fit_feature_scaler(features, spec, train_end),
                "target_scaler": preparation.fit_target_scaler(levels, ends, spec),
                "baselines": {b.name: b.fit(rows) for b in default_baselines(spec)},
                "mase_scale": naive_scale(levels[:train_end])}

    def _calibration(self, name: str, frame: pd.DataFrame) -> Calibration:
        """Bands for one series: the pooled validation scores, and the naive band from the series' own
        training windows (its rows before its validation part, all its rows if too few)."""
        if self.calibration_scores_ is None:
            raise ConfigError("no series had validation windows to calibrate bands on; fit with validation_fraction > 0")
        spec = self.window_spec_
        _, levels = preparation.arrays(frame, spec)
        naive = WindowSpec(**{**spec.to_dict(), "target_anchor": "last"})
        train_ends = self.split_.bounds(frame.index, name).ends("train", naive)
        if not len(train_ends):
            train_ends = window_ends(len(frame), naive)
        return Calibration(spec, self.calibration_scores_, target_values(levels, train_ends, naive), self.settings_.model.quantiles,
                           self.quantile_scores_)

    def _transformed(self, name: str, fitted: dict, features: np.ndarray, ends: range, identity: SeriesIdentity):
        """The network's forecasts for the windows ending at `ends`, in the transformed target's space,
        and its quantile head's (None without one)."""
        spec = self.window_spec_
        scaled = identity.with_id(name, identity.values_of(name, preparation.scaled_steps(fitted["feature_scaler"], features, spec)))
        return preparation.predict_transformed(self.model_, scaled, ends, spec, fitted["target_scaler"],
                                               max(self.settings_.training.batch_size, 1024), with_quantiles=True)

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("this PanelForecaster is not fitted yet; call fit(panel) first or PanelForecaster.load(run_dir)")

    # ----------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write `model.keras` and `panel.json` (parameters, split, every series' scalers and
        baselines) into a new directory, atomically."""
        with atomic_directory(path) as staging:
            self.save_into(staging)
        return Path(path)

    def save_into(self, directory: Path) -> None:
        """Write the run's files into an existing (staging) directory."""
        self._check_fitted()
        write_panel_run(directory, self.model_, self.to_record())

    def to_record(self) -> dict:
        """The fitted panel forecaster as JSON-ready data (what `panel.json` holds)."""
        return {
            "params": params_to_json(self.get_params()), "resolved": self.resolved_,
            "window_spec": self.window_spec_.to_dict(), "split": self.split_.to_dict(), "id_column": self.id_column_,
            "series": {name: {"feature_scaler": scaler_to_dict(s["feature_scaler"]),
                              "target_scaler": scaler_to_dict(s["target_scaler"]),
                              "baselines": {k: b.to_state() for k, b in s["baselines"].items()},
                              "mase_scale": s["mase_scale"].tolist(), "windows": s["windows"]}
                       for name, s in self.series_.items()},
            "history": self.history_, "skipped": list(getattr(self, "skipped_", [])),
            "choices": getattr(self, "choices_", None), "identity": self.identity_.to_dict(),
            "calibration_scores": None if self.calibration_scores_ is None else self.calibration_scores_.tolist(),
            "quantile_scores": None if self.quantile_scores_ is None else {
                level: scores.tolist() for level, scores in self.quantile_scores_.items()},
        }

    @classmethod
    def load(cls, path: str | os.PathLike) -> PanelForecaster:
        """The panel forecaster saved at `path`, ready to predict."""
        path = Path(path)
        record, model = read_panel_run(path)
        forecaster = cls(**params_from_json(record["params"]))
        identity = SeriesIdentity.from_dict(record.get("identity") or {})
        settings = _with_identity(derive_settings(forecaster._panel_params(), record["resolved"]), identity)
        if settings.window.to_dict() != record["window_spec"]:
            raise RunDirError(f"{path}: the panel's window spec does not follow from its parameters; re-run tsrnn fit")
        series = {name: {"feature_scaler": scaler_from_dict(s["feature_scaler"]),
                         "target_scaler": scaler_from_dict(s["target_scaler"]),
                         "baselines": {k: baseline_from_state(b) for k, b in s["baselines"].items()},
                         "mase_scale": np.asarray(s["mase_scale"]), "windows": s["windows"]}
                  for name, s in record["series"].items()}
        state.replace_learned(forecaster, dict(
            settings_=settings, resolved_=record["resolved"], window_spec_=settings.window, model_=model,
            split_=split_from_dict(record["split"]), series_=series, history_=record["history"],
            id_column_=record["id_column"], skipped_=record.get("skipped", []), choices_=record.get("choices"),
            identity_=identity, calibration_scores_=None if record.get("calibration_scores") is None
            else np.asarray(record["calibration_scores"], dtype=np.float64),
            quantile_scores_=None if record.get("quantile_scores") is None
            else {level: np.asarray(scores, dtype=np.float64) for level, scores in record["quantile_scores"].items()}))
        return forecaster


def _why_not_scored(bounds, part: str, spec: WindowSpec, index: pd.DatetimeIndex) -> str:
    """Why a series has no window in `part` of its split, in one phrase for the tables.

    Example:
        >>> from tsrnn.features.windowing import SplitBounds
        >>> dates = pd.date_range("2020-01-01", periods=40)
        >>> _why_not_scored(SplitBounds(rows=40, train_end=40, validation_end=40), "test", WindowSpec(lookback=5), dates)
        'its rows end 2020-02-09, before the test period'
    """
    first, last = {"train": (0, bounds.train_end), "validation": (bounds.train_end, bounds.validation_end),
                   "test": (bounds.validation_end, bounds.rows)}[part]
    if last <= first:
        return f"its rows end {index[-1].date()}, before the {part} period"
    return (f"{last - first} rows in its {part} part after {first} earlier rows: too few for a window of "
            f"lookback {spec.lookback} with {spec.gap + spec.horizon} target rows")


def _series_rows(name: str, frame: pd.DataFrame, split, spec: WindowSpec, identity: SeriesIdentity) -> SeriesRows:
    """One series as the linear path's selection sees it (`tsrnn.forecasting.selection.SeriesRows`):
    its arrays, split and MASE scale, with its static covariates appended to its scaled steps."""
    features, levels = preparation.arrays(frame, spec)
    bounds = split.bounds(frame.index, name)
    return SeriesRows(features, levels, bounds, naive_scale(levels[: bounds.train_end]),
                      extra=lambda scaled: identity.values_of(name, scaled))


def _pooled_conformity_scores(model, calibrating: list, spec: WindowSpec, batch_size: int,
                              quantiles: tuple[float, ...] = ()) -> tuple[np.ndarray | None, dict | None]:
    """The conformity scores of every series' validation windows, pooled: residuals in the transformed
    target's space over the volatility known at each window's end, which no series' level or scale
    enters (`tsrnn.forecasting.conformal`); with a quantile head, also each band level's
    conformalised-quantile-regression scores, pooled the same way (None without one)."""
    scores, by_level = [], {level_name(level): [] for level in quantile_band_levels(quantiles)} if quantiles else None
    for scaled, levels, ends, target_scaler in calibrating:
        predicted, predicted_quantiles = preparation.predict_transformed(model, scaled, ends, spec, target_scaler, batch_size,
                                                                         with_quantiles=True)
        actual = target_values(levels, ends, spec)
        scores.append(conformity_scores(predicted, actual, volatility(levels, spec)[np.asarray(ends)]))
        for level in quantile_band_levels(quantiles) if quantiles else ():
            by_level[level_name(level)].append(cqr_scores(predicted_quantiles, actual, quantiles, level))
    if not scores:
        return None, None
    pooled_quantiles = None if by_level is None else {level: np.concatenate(values) for level, values in by_level.items()}
    return np.concatenate(scores), pooled_quantiles


def pooled_interval_scores(per_series: dict) -> dict:
    """For each band level, the mean over the series of the model band's and the naive band's
    coverage and scaled interval score (each series' windows weigh alike)."""
    scored = [s["intervals"] for s in per_series.values() if "intervals" in s]
    pooled = {}
    for level in scored[0]:
        pooled[level] = {band: {name: float(np.mean([s[level][band][name] for s in scored]))
                                for name in ("coverage", "scaled_winkler")} | {"series": len(scored)}
                         for band in ("model", "naive_band")}
    return pooled


def _with_identity(settings, identity: SeriesIdentity):
    """The settings with a model that reads the series identity's columns: the static covariates
    after the inputs and, with an embedding, the series id last (`zoo.ModelSpec.series_slots`)."""
    if not identity.extra_columns:
        return settings
    lookback, features = settings.model.input_shape
    model = dataclasses.replace(settings.model, input_shape=(lookback, features + identity.extra_columns),
                                series_slots=len(identity.slots) + 1 if identity.embedding_dim else 0,
                                series_embedding_dim=identity.embedding_dim)
    return dataclasses.replace(settings, model=model)


def _panel_input_transforms(selected: dict[str, pd.DataFrame], spec, split: DateSplit | SeriesSplit) -> dict[str, str]:
    """One transform per non-target input for the whole panel: each series chooses from its own
    training rows, and the most general choice wins (differences over log1p over log returns)."""
    chosen: dict[str, str] = {}
    for name, frame in selected.items():
        for column, transform in preparation.choose_input_transforms(frame, spec, split.bounds(frame.index, name).train_end).items():
            if column not in chosen or _GENERALITY[transform] > _GENERALITY[chosen[column]]:
                chosen[column] = transform
    return chosen


def pooled_scores(per_series: dict) -> dict[str, dict[str, float]]:
    """For the model and every baseline: the mean of the per-series MASE and MAE-free figures that
    pool across scales (mean MASE, and MASE weighted by each series' windows).

    Example:
        >>> pooled_scores({"a": {"windows": 1, "model": {"mase": 1.0}}, "b": {"windows": 3, "model": {"mase": 2.0}}})
        {'model': {'mean_mase': 1.5, 'weighted_mase': 1.75, 'series': 2}}
    """
    first = next(iter(per_series.values()))
    methods = [k for k in first if isinstance(first[k], dict) and k != "intervals"]
    pooled = {}
    for method in methods:
        mase = np.array([s[method]["mase"] for s in per_series.values()], dtype=np.float64)
        weights = np.array([s["windows"] for s in per_series.values()], dtype=np.float64)
        pooled[method] = {"mean_mase": float(mase.mean()), "weighted_mase": float((mase * weights).sum() / weights.sum()),
                          "series": len(mase)}
    return pooled

