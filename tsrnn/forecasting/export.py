"""Export a fitted forecaster for serving: the network as ONNX (or a TensorFlow SavedModel), and
beside it `serving.json`, everything else a forecast needs as plain numbers, so that a server
forecasts from raw rows with onnxruntime and NumPy alone (`scripts/serve_onnx.py`, no tsrnn, no
TensorFlow).

`serving.json` holds, for the input columns, each one's transform ("log_return",
"log1p_difference", "difference", "level") and the affine map of its scaler (`scaled = change *
multiply + add`, which is what scikit-learn's StandardScaler and MinMaxScaler compute); for the
targets, the inverse map of their scaler, the target transform, and the row offsets of each step's
anchor from the window's last row (0: the last value; minus a season: the seasonal-naive row),
`forecast_weight`, the weight on the network's change from the anchor (`shrinkage`; 1 without it),
and, where the series has a longer season (a week of sub-daily rows), `long_season_weight` on the
change of that season's naive forecast from the anchor, whose rows `long_season_offsets` gives,
and, where the series blends in the seasonal naive with drift, `drift_weight` on its change from
the anchor: `drift_seasons_ahead[k]` times the drift of step k, the change from the mean of the
`drift_season` rows before the window's last season to the mean of that last season
(`tsrnn.forecasting.combination`).
A panel's run holds those scalers per series under `"series"`; the server names its series. Where
the network also reads per-series constants (static covariates, a series embedding's slot), each
series' `series_columns` holds them, appended to every scaled row in that order.

Usage:
    export_run("runs/sp500", "serving/sp500", fmt="onnx")
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from tsrnn.errors import ConfigError, RunDirError
from tsrnn.features.lags import lag_name
from tsrnn.features.windowing import anchor_rows
from tsrnn.forecasting.combination import drift_seasons_ahead, long_season_offsets
from tsrnn.forecasting.forecaster import Forecaster
from tsrnn.utils.atomic import atomic_directory
from tsrnn.utils.validation import EXPORT_FORMATS

SERVING_FORMAT_VERSION = 1


def export_run(run_dir: str | os.PathLike, out: str | os.PathLike, fmt: str = "onnx") -> Path:
    """Write `out/` with the model (`model.onnx` or `savedmodel/`) and `serving.json`.

    Written atomically: a failed export leaves nothing at `out`.

    Args:
        run_dir: a run directory written by `tsrnn fit` or `Forecaster.save`.
        out: the directory to create.
        fmt: "onnx" or "savedmodel".

    Returns:
        `out`.

    Raises:
        ConfigError: an unknown format, or the export extra not installed.
        RunDirError: a run directory that cannot be read, or `out` exists.

    Examples:
        >>> export_run("runs/x", "exported", fmt="pdf")
        Traceback (most recent call last):
        ...
        tsrnn.errors.ConfigError: format must be one of onnx, savedmodel, got 'pdf'
    """
    if fmt not in EXPORT_FORMATS:
        raise ConfigError(f"format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    out = Path(out)
    if out.exists():
        raise RunDirError(f"{out}: already exists; choose another --out or remove it first")
    forecaster = Forecaster.load(run_dir)
    if forecaster.settings_.training.task != "regression":
        raise ConfigError("export serves value forecasts; this run is a classifier (export a --task regression run)")
    if forecaster.window_spec_.future_inputs:
        raise ConfigError("export of runs with future covariates or --calendar is not built yet (serving.json has no "
                          "place for future rows); export a run fitted without them")
    with atomic_directory(out) as staging:
        network = _point_network(forecaster.model_)
        name = "model.onnx" if fmt == "onnx" else "savedmodel"
        _export_network(network, staging / name, fmt)
        spec = serving_spec(forecaster)
        spec["model_file"] = name
        (staging / "serving.json").write_text(json.dumps(spec, indent=1) + "\n")
    return out


def serving_spec(forecaster: Forecaster) -> dict:
    """The forecaster's windowing, scalers and transforms as plain numbers (`serving.json`).

    A panel's run serves the series it was fitted on: `"series"` holds each one's scalers (the
    network is shared), and the server names the series it forecasts.

    Args:
        forecaster: a fitted `Forecaster` (a regression of no future inputs), of one series or a panel.

    Returns:
        The JSON-ready serving record.
    """
    spec = forecaster.window_spec_
    identity = forecaster.identity_
    per_series = {name: {**_scalings(state.feature_scaler, state.target_scaler, spec), **_combination(state, spec),
                         **_series_columns(identity, name)}
                  for name, state in forecaster.series_.items()}
    scalings = {"series": per_series} if forecaster.panel_ else next(iter(per_series.values()))
    return {
        "format": "tsrnn-serving",
        "format_version": SERVING_FORMAT_VERSION,
        "input_name": "windows",
        "lookback": spec.lookback,
        "horizon": spec.horizon,
        "gap": spec.gap,
        "inputs": list(spec.inputs),
        "lagged_inputs": {lag_name(column, spec.target_lag): {"column": column, "rows_back": spec.target_lag}
                          for column in (spec.target_columns if spec.target_lag else ())},
        "input_transforms": list(spec.transforms),
        **scalings,
        "targets": list(spec.target_columns),
        "target_transform": spec.target_transform,
        "anchor_offsets": anchor_rows(range(0, 1), spec)[0].astype(int).tolist(),
        "first_end": spec.first_end,
        "date_column": forecaster.settings_.reading.date_column,
        "output": "(windows, horizon, targets): scaled transformed targets of each step",
    }


def _series_columns(identity, name: str) -> dict:
    """The constant columns the network reads after one series' scaled inputs (its standardised
    static covariates, then its embedding slot), as `series_columns`; nothing where there are none.
    """
    if not identity.extra_columns:
        return {}
    return {"series_columns": identity.with_id(name, identity.values_of(name, np.zeros((1, 0), np.float32)))[0].tolist()}


def _combination(state, spec) -> dict:
    """One series' weights on the network's change, on its longer season's naive change and on the
    seasonal naive's change with drift.
    """
    weights = {"forecast_weight": state.weight}
    if state.long_weight:
        weights.update(long_season_weight=state.long_weight, long_season_offsets=long_season_offsets(spec, state.long_period))
    if state.drift_weight:
        weights.update(drift_weight=state.drift_weight, drift_season=spec.seasonal_period, drift_seasons_ahead=drift_seasons_ahead(spec))
    return weights


def _scalings(feature_scaler, target_scaler, spec) -> dict:
    """One series' input and target scalers as affine maps (see `_affine`)."""
    features = _affine(feature_scaler, len(spec.inputs))
    targets = _affine(target_scaler, len(spec.target_columns))
    return {"input_scaling": {"multiply": features[0], "add": features[1]},
            "target_scaling": {"multiply": targets[0], "add": targets[1]}}


def _affine(scaler, columns: int) -> tuple[list[float], list[float]]:
    """`(multiply, add)` with `scaler.transform(x) == x * multiply + add` for every column."""
    zeros, ones = np.zeros((1, columns)), np.ones((1, columns))
    add = scaler.transform(zeros)[0]
    multiply = scaler.transform(ones)[0] - add
    return multiply.astype(float).tolist(), add.astype(float).tolist()


def _point_network(model):
    """The model's point forecast alone (a quantile head's output is left out of the export)."""
    if isinstance(model.output, dict):
        import keras

        return keras.Model(model.input, model.output["forecast"], name=f"{model.name}_forecast")
    return model


def _export_network(network, path: Path, fmt: str) -> None:
    import keras

    if fmt == "savedmodel" and keras.backend.backend() != "tensorflow":
        raise ConfigError("a SavedModel is written by the TensorFlow backend; use --format onnx or KERAS_BACKEND=tensorflow")
    network.predict(np.zeros((1, *network.input_shape[1:]), dtype="float32"), verbose=0)  # Keras exports called models only
    try:
        network.export(str(path), format="onnx" if fmt == "onnx" else "tf_saved_model", verbose=False)
    except ImportError as error:
        missing = getattr(error, "name", None) or str(error)
        raise ConfigError(f"exporting to {fmt} needs {missing}; pip install 'tsrnn[export]'") from None
