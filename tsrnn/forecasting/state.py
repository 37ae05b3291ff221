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
from pathlib import Path

import numpy as np

from tsrnn.errors import RunDirError
from tsrnn.features.scaling import scaler_from_dict, scaler_to_dict
from tsrnn.features.windowing import WindowSpec
from tsrnn.forecasting.baselines import baseline_from_state
from tsrnn.forecasting.conformal import Calibration
from tsrnn.forecasting.params import derive_settings, params_from_json
from tsrnn.io.run_dir import read_forecaster_run
from tsrnn.nn import zoo


def replace_learned(estimator, learned: dict) -> None:
    """Replace every learned attribute (`name_`) of `estimator` by `learned`, at once, so a fit that
    fails before this call leaves the previous fitted state whole.

    Example:
        >>> class Fitted: pass
        >>> fitted = Fitted(); fitted.old_ = 1; fitted.param = 2
        >>> replace_learned(fitted, {"new_": 3}); sorted(vars(fitted))
        ['new_', 'param']
    """
    for name in [n for n in vars(estimator) if n.endswith("_") and not n.startswith("_")]:
        delattr(estimator, name)
    vars(estimator).update(learned)


def encode(forecaster) -> dict:
    """Everything `decode` needs besides the parameters and the Keras model."""
    spec = forecaster.window_spec_
    calibration = getattr(forecaster, "calibration_", None)
    return {
        "resolved": forecaster.resolved_,
        "choices": forecaster.choices_,
        "window_spec": spec.to_dict(),
        "model_spec": forecaster.model_spec_.to_dict(),
        "columns": {"features": list(spec.inputs), "targets": list(spec.target_columns), "data": forecaster.data_columns_},
        "scalers": {"features": scaler_to_dict(forecaster.feature_scaler_), "targets": scaler_to_dict(forecaster.target_scaler_)},
        "baselines": {name: baseline.to_state() for name, baseline in forecaster.baselines_.items()},
        "calibration": calibration.to_dict() if calibration is not None else None,
        "mase_scale": forecaster.mase_scale_.tolist(),
        "majority_class": getattr(forecaster, "majority_class_", None),
        "split": forecaster.split_,
        "epochs_trained": len(forecaster.history_.get("loss", [])),
        "data_sha256": forecaster.data_sha256_,
    }


def decode(info: dict, settings, model) -> dict:
    """The learned attributes of a forecaster with `settings`, from `run.json`'s `info`."""
    learned = {
        "settings_": settings,
        "resolved_": info["resolved"],
        "choices_": info["choices"],
        "window_spec_": settings.window,
        "model_spec_": settings.model,
        "model_": model,
        "feature_scaler_": scaler_from_dict(info["scalers"]["features"]),
        "target_scaler_": scaler_from_dict(info["scalers"]["targets"]),
        "baselines_": {name: baseline_from_state(state) for name, state in info["baselines"].items()},
        "mase_scale_": np.asarray(info["mase_scale"], dtype=np.float64),
        "split_": info["split"],
        "history_": {},
        "data_columns_": info["columns"]["data"],
        "data_sha256_": info["data_sha256"],
    }
    if settings.training.task == "classification":
        learned["majority_class_"] = int(info["majority_class"])
    else:
        learned["calibration_"] = Calibration.from_dict(settings.window, info["calibration"])
    return learned


def check_consistent(info: dict, settings, model, directory: Path) -> None:
    """Refuse a run whose stored specs do not follow from its parameters, or whose model does not fit its window."""
    path = directory / "run.json"
    try:
        stored = (WindowSpec.from_dict(info["window_spec"]), zoo.ModelSpec.from_dict(info["model_spec"]))
    except (KeyError, TypeError, ValueError) as error:
        raise RunDirError(f"{path}: incomplete or invalid ({error}); re-run tsrnn fit") from None
    if stored != (settings.window, settings.model):
        raise RunDirError(f"{path}: its window or model spec does not follow from its params (edited by hand?); re-run tsrnn fit")
    expected = (None, settings.window.lookback, len(settings.window.inputs))
    if tuple(model.input_shape) != expected:
        raise RunDirError(f"{directory / 'model.keras'}: model input {tuple(model.input_shape)} does not match "
                          f"run.json's window {expected}; the run directory was mixed up, re-run tsrnn fit")


def load_run(cls, directory: str | os.PathLike):
    """The forecaster of class `cls` saved in `directory` (by `save` or `tsrnn fit`): `cls(**params)`
    plus the learned state of its `run.json`, checked against its model.

    Raises:
        RunDirError: the directory is not a complete run, or its files disagree.
    """
    info, model = read_forecaster_run(directory)
    path = Path(directory) / "run.json"
    try:
        forecaster = cls(**params_from_json(info["params"]))
        settings = derive_settings(forecaster, info["resolved"])
        learned = decode(info, settings, model)
    except (KeyError, TypeError, ValueError) as error:
        raise RunDirError(f"{path}: incomplete or invalid ({error}); re-run tsrnn fit") from None
    check_consistent(info, settings, model, Path(directory))
    replace_learned(forecaster, learned)
    return forecaster
