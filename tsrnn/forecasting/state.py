"""A fitted forecaster's learned state as plain JSON for `run.json`, and back: the specs, scalers,
baselines, band calibration, split and choices. Nothing is pickled; `Forecaster.run_info` and
`Forecaster.load` (`load_run`) are the only callers. `replace_learned` swaps a fitted estimator's whole learned
state at once (the Forecaster's and the PanelForecaster's).

Usage:
    info = {"params": ..., **encode(forecaster)}
    learned = decode(info, derive_settings(Forecaster(**params), info["resolved"]), keras_model)
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.errors import DataError, RunDirError
from tsrnn.features.scaling import scaler_from_dict, scaler_to_dict
from tsrnn.features.splits import split_from_dict
from tsrnn.features.static import SeriesIdentity
from tsrnn.features.windowing import WindowSpec, window_ends
from tsrnn.forecasting.baselines import baseline_from_state
from tsrnn.forecasting.params import derive_settings, params_from_json, with_identity
from tsrnn.io.run_dir import FORMAT_VERSION, PANEL_FILE, read_holdout_model, read_run
from tsrnn.nn import zoo


def replace_learned(estimator, learned: dict) -> None:
    """Replace every learned attribute (`name_`) of `estimator` by `learned`, at once, so a fit that
    fails before this call leaves the previous fitted state whole.

    Examples:
        >>> class Fitted: pass
        >>> fitted = Fitted(); fitted.old_ = 1; fitted.param = 2
        >>> replace_learned(fitted, {"new_": 3}); sorted(vars(fitted))
        ['new_', 'param']
    """
    for name in [n for n in vars(estimator) if n.endswith("_") and not n.startswith("_")]:
        delattr(estimator, name)
    vars(estimator).update(learned)


@dataclass
class SeriesState:
    """What a fitted forecaster learned about one of its series.

    Attributes:
        feature_scaler, target_scaler: scikit-learn scalers fitted on the series' training rows.
        baselines: naive, seasonal naive, drift, moving average and Ridge, fitted on the same rows.
        mase_scale: the in-sample naive MAE of each target, that MASE divides by.
        naive_residuals: the naive forecast's training residuals (the baseline band), or None
            (a classifier; a run written before they were stored: read from the data when needed).
        windows: the series' training and validation windows.
        split: the series' split summary (rows, first dates, windows), or None (older runs).
        weight: the weight on the forecast's change from its anchor, chosen on the series'
            validation windows with `shrinkage` (1: the network's forecast as it is).
        long_period: rows in the series' longer season (a week of sub-daily rows), or None.
        long_weight: the weight on that longer season's seasonal-naive change from the anchor,
            chosen with `weight` (0: none; `tsrnn.forecasting.combination`).
        drift_weight: the weight on the seasonal naive's change with the last season's drift
            (`tsrnn.forecasting.combination.drift_change`), chosen with `weight` (0: none).

    Examples:
        >>> from tsrnn.features.scaling import fit_scaler
        >>> scaler = fit_scaler("standard", np.array([[1.0], [3.0]]))
        >>> state = SeriesState(scaler, scaler, {}, np.array([1.0]), None, {"train": 2, "validation": 0})
        >>> SeriesState.from_dict(state.to_dict()).windows
        {'train': 2, 'validation': 0}
    """

    feature_scaler: object
    target_scaler: object
    baselines: dict
    mase_scale: np.ndarray
    naive_residuals: np.ndarray | None
    windows: dict
    split: dict | None = None
    weight: float = 1.0
    long_period: int | None = None
    long_weight: float = 0.0
    drift_weight: float = 0.0

    def to_dict(self) -> dict:
        """The state as JSON-ready data."""
        return {"feature_scaler": scaler_to_dict(self.feature_scaler), "target_scaler": scaler_to_dict(self.target_scaler),
                "baselines": {name: baseline.to_state() for name, baseline in self.baselines.items()},
                "mase_scale": np.asarray(self.mase_scale).tolist(),
                "naive_residuals": None if self.naive_residuals is None else np.asarray(self.naive_residuals).tolist(),
                "windows": self.windows, "split": self.split, "weight": self.weight,
                "long_period": self.long_period, "long_weight": self.long_weight, "drift_weight": self.drift_weight}

    @classmethod
    def of_unseen_series(cls, name: str, frame: pd.DataFrame, spec: WindowSpec, data_split) -> SeriesState:
        """The state of a series the network never trained on, fitted now on its rows before its
        validation part (all its rows if too few): its scalers, baselines and MASE scale, with the
        network's forecast as it is (weight 1; `tsrnn.forecasting.series_forecasts.unseen_states`
        then chooses its combination on its validation windows).

        Args:
            name: the series' name (for the error message).
            frame: its rows.
            spec: the fitted window spec.
            data_split: the fit's split rule (`tsrnn.features.splits`).

        Returns:
            The state.

        Raises:
            DataError: too few rows for one window with its targets.
        """
        from tsrnn.features import preparation
        from tsrnn.forecasting.comparison import default_baselines
        from tsrnn.forecasting.metrics import naive_scale

        features, levels = preparation.arrays(frame, spec)
        bounds = data_split.bounds(frame.index, name)
        train_end = bounds.train_end if len(bounds.ends("train", spec)) else len(frame)
        ends = window_ends(train_end, spec)
        if not len(ends):
            raise DataError(f"{frame.attrs.get('source', name)}: {len(frame)} rows are too few for one window of "
                            f"lookback {spec.lookback} with its targets")
        return cls(preparation.fit_feature_scaler(features, spec, train_end), preparation.fit_target_scaler(levels, ends, spec),
                   {b.name: b.fit(frame.iloc[:train_end]) for b in default_baselines(spec)},
                   naive_scale(levels[:train_end]), None, {"train": len(ends), "validation": 0})

    @classmethod
    def from_dict(cls, values: dict) -> SeriesState:
        """The state written by `to_dict`."""
        residuals = values.get("naive_residuals")
        return cls(scaler_from_dict(values["feature_scaler"]), scaler_from_dict(values["target_scaler"]),
                   {name: baseline_from_state(state) for name, state in values["baselines"].items()},
                   np.asarray(values["mase_scale"], dtype=np.float64),
                   None if residuals is None else np.asarray(residuals, dtype=np.float64), values["windows"], values.get("split"),
                   float(values.get("weight", 1.0)), values.get("long_period"), float(values.get("long_weight", 0.0)),
                   float(values.get("drift_weight", 0.0)))


def encode(forecaster) -> dict:
    """Everything `decode` needs besides the parameters and the Keras model (`run.json`, format 3)."""
    spec = forecaster.window_spec_
    scores, quantile_scores = getattr(forecaster, "calibration_scores_", None), getattr(forecaster, "quantile_scores_", None)
    return {
        "resolved": forecaster.resolved_,
        "choices": forecaster.choices_,
        "window_spec": spec.to_dict(),
        "model_spec": forecaster.model_spec_.to_dict(),
        "columns": {"features": list(spec.inputs), "targets": list(spec.target_columns), "data": forecaster.data_columns_},
        "panel": forecaster.panel_,
        "id_column": forecaster.id_column_,
        "split": forecaster.split_,
        "data_split": forecaster.data_split_.to_dict(),
        "series": {name: state.to_dict() for name, state in forecaster.series_.items()},
        "skipped": list(forecaster.skipped_),
        "identity": forecaster.identity_.to_dict(),
        "calibration": None if scores is None else {
            "scores": scores.tolist(), "quantiles": list(forecaster.settings_.model.quantiles),
            "quantile_scores": None if quantile_scores is None else {k: v.tolist() for k, v in quantile_scores.items()}},
        "majority_class": getattr(forecaster, "majority_class_", None),
        "epochs_trained": len(forecaster.history_.get("loss", [])),
        "history": forecaster.history_,
        "data_sha256": forecaster.data_sha256_,
    }


def decode(info: dict, settings, model) -> dict:
    """The learned attributes of a forecaster with `settings`, from `run.json`'s `info` (format 3)."""
    calibration = info.get("calibration")
    quantile_scores = None if not calibration or calibration.get("quantile_scores") is None else {
        level: np.asarray(values, dtype=np.float64) for level, values in calibration["quantile_scores"].items()}
    learned = {
        "settings_": settings,
        "resolved_": info["resolved"],
        "choices_": info["choices"],
        "window_spec_": settings.window,
        "model_spec_": settings.model,
        "model_": model,
        "panel_": bool(info["panel"]),
        "id_column_": info.get("id_column"),
        "split_": info["split"],
        "data_split_": split_from_dict(info["data_split"]),
        "series_": {name: SeriesState.from_dict(state) for name, state in info["series"].items()},
        "skipped_": list(info.get("skipped", [])),
        "identity_": SeriesIdentity.from_dict(info.get("identity") or {}),
        "history_": info.get("history") or {},
        "data_columns_": info["columns"]["data"],
        "data_sha256_": info.get("data_sha256"),
    }
    if settings.training.task == "classification":
        learned["majority_class_"] = int(info["majority_class"])
    else:
        learned["calibration_scores_"] = (None if not calibration or calibration["scores"] is None
                                          else np.asarray(calibration["scores"], dtype=np.float64))
        learned["quantile_scores_"] = quantile_scores
    return learned


def upgrade(info: dict, file: str) -> dict:
    """A run record of an older format in the current format's fields (format 3).

    Format 2 `run.json` (one series: its scalers, baselines and calibration at the top) and format
    1 `panel.json` (a panel run) both load; their forecasts are unchanged.

    Args:
        info: the record as read.
        file: the file it was read from ("run.json" or "panel.json").

    Returns:
        The record with the fields `decode` reads.
    """
    if file == PANEL_FILE:
        series = {name: {**state, "naive_residuals": None} for name, state in info["series"].items()}
        scores = info.get("calibration_scores")
        calibration = None if scores is None else {"scores": scores, "quantile_scores": info.get("quantile_scores")}
        return {**info, "panel": True, "model_spec": None, "data_split": info["split"], "series": series,
                "calibration": calibration, "columns": {"data": None}, "data_sha256": None}
    if info["format_version"] >= FORMAT_VERSION:
        return info
    split = info["split"]
    never = pd.Timestamp.max.isoformat()
    old = info.get("calibration") or {}
    series = {"series": {"feature_scaler": info["scalers"]["features"], "target_scaler": info["scalers"]["targets"],
                         "baselines": info["baselines"], "mase_scale": info["mase_scale"],
                         "naive_residuals": old.get("naive_residuals"),
                         "windows": {"train": split["train_windows"], "validation": split["validation_windows"]},
                         "split": split}}
    calibration = None if not old else {"scores": old.get("scores"), "quantile_scores": old.get("quantile_scores")}
    return {**info, "panel": False, "id_column": None, "series": series, "calibration": calibration,
            "data_split": {"how": "date", "validation_start": split["validation_start"] or never,
                           "test_start": split["test_start"] or never}}


def check_consistent(info: dict, settings, model, directory: Path) -> None:
    """Refuse a run whose stored specs do not follow from its parameters, or whose model does not fit its window."""
    path = directory / "run.json"
    try:
        window = WindowSpec.from_dict(info["window_spec"])
        stored = None if info.get("model_spec") is None else zoo.ModelSpec.from_dict(info["model_spec"])
    except (KeyError, TypeError, ValueError) as error:
        raise RunDirError(f"{path}: incomplete or invalid ({error}); re-run tsrnn fit") from None
    if window != settings.window or stored not in (None, settings.model):
        raise RunDirError(f"{path}: its window or model spec does not follow from its params (edited by hand?); re-run tsrnn fit")
    expected = (None, *settings.model.input_shape)
    if tuple(model.input_shape) != expected:
        raise RunDirError(f"{directory / 'model.keras'}: model input {tuple(model.input_shape)} does not match "
                          f"run.json's window {expected}; the run directory was mixed up, re-run tsrnn fit")


def load_run(cls, directory: str | os.PathLike):
    """The forecaster of class `cls` saved in `directory` (by `save` or `tsrnn fit`): `cls(**params)`
    plus the learned state of its `run.json` (older formats upgraded), checked against its model.

    Args:
        cls: the estimator class to build.
        directory: the run directory.

    Returns:
        The fitted forecaster.

    Raises:
        RunDirError: the directory is not a complete run, or its files disagree.
    """
    info, model, file = read_run(directory)
    path = Path(directory) / file
    try:
        info = upgrade(info, file)
        # Runs written before `loss` was a parameter were trained with the squared error, and
        # before `steps_per_epoch` with one pass over every window per epoch.
        forecaster = cls(**{"loss": "mse", "steps_per_epoch": 0, **params_from_json(info["params"])})
        identity = SeriesIdentity.from_dict(info.get("identity") or {})
        settings = with_identity(derive_settings(forecaster, info["resolved"]), identity)
        learned = decode(info, settings, model)
        if "refit" in learned["choices_"]:
            learned["holdout_model_"] = read_holdout_model(directory)
    except (KeyError, TypeError, ValueError) as error:
        raise RunDirError(f"{path}: incomplete or invalid ({error}); re-run tsrnn fit") from None
    check_consistent(info, settings, model, Path(directory))
    replace_learned(forecaster, learned)
    return forecaster
