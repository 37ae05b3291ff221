"""From a checked series to what a forecaster's network sees and back: the frame of the columns a
window spec reads, scaled step changes, scaled training targets, and forecasts in the data's units.

Every scaler is fitted on the training rows only; `fit_feature_scaler` is the one place that
chooses those rows.

Examples:
    >>> import numpy as np
    >>> from tsrnn.features.windowing import WindowSpec
    >>> spec = WindowSpec(lookback=2, target_columns=("y",), target_transform="difference")
    >>> features = np.array([[1.0], [2.0], [4.0], [7.0], [100.0]])
    >>> scaler = fit_feature_scaler(features, spec, train_end=4)  # steps 1, 2, 3 of rows 1-3
    >>> scaler.mean_.tolist()
    [2.0]
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsrnn.errors import DataError
from tsrnn.features.covariates import add_future_inputs, future_dates, missing_future, written_future_rows
from tsrnn.features.lags import add_lagged_targets
from tsrnn.features.scaling import fit_scaler
from tsrnn.features.windowing import SplitBounds, WindowSpec, anchor_levels, invert_targets, rises, rows_needed, step_changes, target_values
from tsrnn.io.tables import read_series, select_columns
from tsrnn.nn.quantiles import point_of


@dataclass(frozen=True, eq=False)
class PreparedData:
    """A series read, checked and selected for one fitted forecaster, with its input and target
    arrays: what `predict`, `evaluate`, `forecast_frame` and a backtest work on. Made once (by
    `Forecaster.prepare`, or by the fit itself), so that a run reads and checks its data once.

    Attributes:
        frame: the checked frame of the columns the window spec reads (with derived future inputs).
        features, levels: its input and target arrays (`arrays`).
        spec: the window spec it was prepared for; a forecaster of another spec refuses it.
        series: the name of the series, where it is one of a panel's (None: the forecaster's only one).
    """

    frame: pd.DataFrame
    features: np.ndarray
    levels: np.ndarray
    spec: WindowSpec
    series: str | None = None


def read_frame(data, settings, trained_columns: list[str] | None = None, reading=None,
               future=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The series read from `data` (by `reading`, default `settings.reading`) and the frame of the
    columns `settings.window` reads, checked.

    A fitted forecaster passes the data columns it was trained on (`trained_columns`): a change is
    warned about, and the data must hold at least one input window.
    """
    series = read_series(data, reading or settings.reading)
    if future is not None and not (isinstance(future, pd.DataFrame) and isinstance(future.index, pd.DatetimeIndex)):
        future = read_series(future, reading or settings.reading)  # a CSV, or a frame with its date column
    frame = select_frame(series, settings, future=future)
    spec = settings.window
    if trained_columns is not None:
        _warn_on_column_change(series, trained_columns, spec)
        if len(frame) < spec.first_end + 1:
            raise DataError(f"{frame.attrs.get('source', 'data')}: {len(frame)} rows are too few for one window of "
                            f"lookback {spec.lookback}; need at least {spec.first_end + 1} rows")
    return series, frame


def select_frame(series: pd.DataFrame, settings, check_inputs: bool = True, future: pd.DataFrame | None = None) -> pd.DataFrame:
    """The columns of `series` that `settings.window` reads, checked (and filled), as float64, with
    its lagged targets (`tsrnn.features.lags`) and the derived inputs of its future covariates
    (`tsrnn.features.covariates`; their values after the data from the `future` rows, or NaN where
    unknown). With future covariates, trailing rows of `series` whose targets are all empty are its
    future rows (`written_future_rows`).

    The targets must suit the target transform; with `check_inputs`, every input its own transform.
    """
    spec = settings.window
    series, written = written_future_rows(series, spec.target_columns, spec.future_columns)
    if written is not None:
        if future is not None:
            raise DataError(f"{series.attrs.get('source', 'data')}: the future covariates after the last target "
                            f"({series.index[-1].date()}) are given twice, as rows of the data with empty targets and "
                            "as future rows (--future); give them once")
        future = written
    frame = add_lagged_targets(select_columns(series, spec.columns, settings.fill), spec.target_columns, spec.target_lag)
    frame = add_future_inputs(frame, spec.future_columns, spec.calendar, spec.gap, spec.horizon, future,
                              getattr(settings, "calendar_name", None))
    name = frame.attrs.get("source", "data")
    if spec.target_transform == "log_return":
        values = frame[list(spec.target_columns)].to_numpy()
        if (values <= 0).any():
            column = spec.target_columns[int(np.flatnonzero((values <= 0).any(axis=0))[0])]
            raise DataError(f"{name}: target '{column}' has zero or negative values, which log returns cannot use; "
                            "pass --transform difference (or level)")
    if check_inputs:
        check_input_domains(frame, spec)
    return frame


def check_future_known(frame: pd.DataFrame, spec: WindowSpec, ends: range) -> None:
    """Refuse windows whose future covariates are unknown: a forecast beyond the data needs the
    future rows of every `future_columns` entry (the calendar's dates are always known).
    """
    unknown = missing_future(frame, spec.future_inputs, ends)
    if unknown:
        name = frame.attrs.get("source", "data")
        steps = spec.gap + spec.horizon
        raise DataError(f"{name}: forecasts after {frame.index[unknown[0]].date()} need the future covariate(s) "
                        f"{', '.join(spec.future_columns)} on the {steps} row(s) after it; pass their future rows "
                        f"(predict(future=...), CLI --future FILE) dated after {frame.index[-1].date()}")


def step_dates(index: pd.DatetimeIndex, ends: range, spec: WindowSpec, calendar_name: str | None = None) -> pd.DataFrame:
    """The date of every forecast step of the windows ending at `ends`: `date_t+{k}` columns, from
    the data's rows and, after them, `future_dates` (an exchange calendar's sessions or the data's spacing).

    Examples:
        >>> spec = WindowSpec(lookback=1, target_columns=("y",), target_transform="level")
        >>> index = pd.DatetimeIndex(["2024-07-02", "2024-07-03"])
        >>> step_dates(index, range(0, 2), spec, "XNYS")["date_t+1"].dt.strftime("%m-%d").tolist()
        ['07-03', '07-05']
    """
    steps = spec.gap + spec.horizon
    every = index.append(future_dates(index, steps, calendar_name))
    rows = np.asarray(ends, dtype=int)
    return pd.DataFrame({f"date_t+{k}": every[rows + k] for k in range(spec.gap + 1, steps + 1)}, index=index[rows])


def check_input_domains(frame: pd.DataFrame, spec: WindowSpec) -> None:
    """Refuse an input (not a target) with a value its transform cannot take, e.g. a zero under log returns."""
    name = frame.attrs.get("source", "data")
    for column, transform in zip(spec.inputs, spec.transforms, strict=True):
        values = frame[column].to_numpy()
        outside = np.flatnonzero(values <= _LOWER_BOUNDS.get(transform, -np.inf))
        if len(outside) and column not in spec.target_columns:
            first = int(outside[0])
            raise DataError(
                f"{name}: input '{column}' is {values[first]:g} on {frame.index[first].date()}, "
                f"which its transform {transform} cannot take (it was chosen from the training rows); "
                f"pass --input-transform {column}={'log1p_difference' if (values >= 0).all() else 'difference'}"
            )


_LOWER_BOUNDS = {"log_return": 0.0, "log1p_difference": -1.0}  # a value at or below the bound is outside


def choose_input_transforms(frame: pd.DataFrame, spec: WindowSpec, train_end: int) -> dict[str, str]:
    """The transform of each input that is not a target, from its training rows `[0, train_end)`.

    Under a log-return target: log returns for a column positive on every training row, changes of
    log(1 + x) for one with zeros (a volume with zero days), differences for one with negative
    values. Under a difference or level target, inputs follow it. (Explicit choices, the
    forecaster's `input_transforms`, are applied over these by `derive_settings`.)

    Examples:
        >>> frame = pd.DataFrame({"Close": [10.0, 11.0, 12.0], "Volume": [5.0, 0.0, 7.0], "Spread": [-1.0, 1.0, 2.0]})
        >>> spec = WindowSpec(lookback=1, feature_columns=("Close", "Volume", "Spread"))
        >>> choose_input_transforms(frame, spec, train_end=3)
        {'Volume': 'log1p_difference', 'Spread': 'difference'}
    """
    chosen = {}
    for column in spec.past_inputs:
        if column in spec.target_columns:
            continue
        training = frame[column].to_numpy()[:train_end]
        if spec.target_transform != "log_return" or (training > 0).all():
            chosen[column] = spec.target_transform
        elif (training >= 0).all():
            chosen[column] = "log1p_difference"
        else:
            chosen[column] = "difference"
    return chosen


def check_rows_for_split(frame: pd.DataFrame, spec: WindowSpec, validation_fraction: float, test_fraction: float) -> None:
    """Refuse a frame too short to give every split at least one window."""
    needed = rows_needed(spec, validation_fraction, test_fraction)
    if len(frame) < needed:
        raise DataError(
            f"{frame.attrs.get('source', 'data')}: {len(frame)} rows are too few for lookback {spec.lookback}, "
            f"horizon {spec.horizon}, gap {spec.gap} and a {1 - validation_fraction - test_fraction:.0%}/"
            f"{validation_fraction:.0%}/{test_fraction:.0%} split; need at least {needed} rows (or a shorter lookback)"
        )


def _warn_on_column_change(series: pd.DataFrame, trained: list[str], spec: WindowSpec) -> None:
    now = [str(c) for c in series.columns]
    missing = [c for c in trained if c not in now]
    extra = [c for c in now if c not in trained]
    if missing or extra:
        warnings.warn(
            f"{series.attrs.get('source', 'data')}: columns differ from the training data "
            f"(missing: {', '.join(missing) or 'none'}; new: {', '.join(extra) or 'none'}); "
            f"forecasts use only {', '.join(spec.columns)}",
            UserWarning,
            stacklevel=5,
        )


def arrays(frame: pd.DataFrame, spec: WindowSpec) -> tuple[np.ndarray, np.ndarray]:
    """The input columns and the target columns of `frame` as float64 arrays."""
    return frame[list(spec.inputs)].to_numpy(np.float64), frame[list(spec.target_columns)].to_numpy(np.float64)


def fit_feature_scaler(features: np.ndarray, spec: WindowSpec, train_end: int):
    """The input scaler, fitted on the step changes of the training rows `[warmup, train_end)` only."""
    steps = step_changes(features, _input_transforms(spec))
    return fit_scaler(spec.scaling, steps[spec.warmup : train_end])


def _input_transforms(spec: WindowSpec):
    """Each input's transform; one name for all when every input follows the target transform."""
    return spec.transforms if spec.input_transforms or spec.future_inputs else spec.target_transform


def scaled_steps(scaler, features: np.ndarray, spec: WindowSpec) -> np.ndarray:
    """Scaled step changes of every row, float32 (row 0's undefined change is 0; no window holds it)."""
    steps = step_changes(features, _input_transforms(spec))
    return scaler.transform(np.nan_to_num(steps, nan=0.0)).astype(np.float32)


def fit_target_scaler(levels: np.ndarray, train_ends: range | None, spec: WindowSpec):
    """The target scaler, fitted on the training windows' targets (no scaling without `train_ends`)."""
    if train_ends is None:
        return fit_scaler("none", levels[:1])
    train_targets = target_values(levels, train_ends, spec)
    return fit_scaler(spec.scaling, train_targets.reshape(-1, levels.shape[1]))


def training_targets(target_scaler, levels: np.ndarray, ends: range, spec: WindowSpec, task: str) -> np.ndarray:
    """What the network learns for the windows ending at `ends`: scaled transformed targets, or rises."""
    if task == "classification":
        return rises(levels, ends, spec).astype(np.float32)[:, None]
    targets = target_values(levels, ends, spec)
    shape = targets.shape
    return target_scaler.transform(targets.reshape(-1, shape[-1])).reshape(shape).astype(np.float32)


def predict_transformed(model, scaled: np.ndarray, ends: range, spec: WindowSpec, target_scaler, batch_size: int,
                        with_quantiles: bool = False):
    """The network's predictions for the windows ending at `ends`, unscaled: `(windows, horizon,
    targets)` in the transformed target's space (log changes from the anchors, by default).

    With `with_quantiles`, `(point, quantiles)`: the quantile head's `(windows, horizon, targets,
    quantiles)` unscaled the same way, or None for a model without one.
    """
    from tsrnn.features.batches import as_input

    if not len(ends):  # Keras cannot predict zero windows
        point = np.zeros((0, spec.horizon, len(spec.target_columns)))
        return (point, None) if with_quantiles else point
    windows = as_input(scaled, ends, spec, batch_size)
    arrays = isinstance(windows, np.ndarray)
    predicted = model.predict(np.ascontiguousarray(windows) if arrays else windows,
                              batch_size=batch_size if arrays else None, verbose=0)
    return _unscaled_outputs(target_scaler, predicted, with_quantiles)


def predict_transformed_panel(model, parts: list[tuple], spec: WindowSpec, batch_size: int, with_quantiles: bool = False) -> list:
    """`predict_transformed` for many series with one `predict` call over the windows of all of
    them (`PanelBatches`): a call per series set up a data pipeline for each (on M4's 414 series,
    most of the time the fit spent predicting its validation windows).

    Args:
        model: the network.
        parts: `(scaled rows, window ends, target scaler)` per series.
        spec: the window spec.
        batch_size: windows per batch.
        with_quantiles: also the quantile head's forecasts, as `predict_transformed` gives them.

    Returns:
        One entry per part, as `predict_transformed` returns it for that series alone.
    """
    from tsrnn.features.batches import PanelBatches

    filled = [(scaled, ends, None) for scaled, ends, _ in parts if len(ends)]
    if len(filled) < 2:
        return [predict_transformed(model, scaled, ends, spec, scaler, batch_size, with_quantiles) for scaled, ends, scaler in parts]
    predicted = model.predict(PanelBatches(filled, spec, batch_size), verbose=0)
    found, start = [], 0
    for scaled, ends, scaler in parts:
        if not len(ends):
            found.append(predict_transformed(model, scaled, ends, spec, scaler, batch_size, with_quantiles))
            continue
        rows = slice(start, start + len(ends))
        own = {name: values[rows] for name, values in predicted.items()} if isinstance(predicted, dict) else predicted[rows]
        found.append(_unscaled_outputs(scaler, own, with_quantiles))
        start = rows.stop
    return found


def _unscaled_outputs(target_scaler, predicted, with_quantiles: bool):
    """The network's outputs for one series' windows back in the transformed target's space: the
    point forecasts, and with `with_quantiles` the quantile head's (or None without one).
    """
    point = unscale(target_scaler, np.asarray(point_of(predicted)))
    if not with_quantiles:
        return point
    if not isinstance(predicted, dict):
        return point, None
    quantiles = np.moveaxis(np.asarray(predicted["quantiles"]), -1, 2)  # (windows, horizon, quantiles, targets)
    shape = quantiles.shape
    unscaled = target_scaler.inverse_transform(quantiles.reshape(-1, shape[-1])).reshape(shape)
    return point, np.moveaxis(unscaled, 2, -1)


def unscale(target_scaler, predicted: np.ndarray) -> np.ndarray:
    """Scaled predictions `(windows, horizon, targets)` back in the transformed target's space."""
    shape = predicted.shape
    return target_scaler.inverse_transform(predicted.reshape(-1, shape[-1])).reshape(shape)


def invert(transformed: np.ndarray, levels: np.ndarray, ends: range, spec: WindowSpec) -> np.ndarray:
    """Transformed forecasts `(windows, horizon, targets)` back in the data's units."""
    return invert_targets(transformed, anchor_levels(levels, ends, spec), spec.target_transform)


def forecast_levels(target_scaler, predicted: np.ndarray, levels: np.ndarray, ends: range, spec: WindowSpec) -> np.ndarray:
    """The network's scaled predictions `(windows, horizon, targets)` back in the data's units."""
    return invert(unscale(target_scaler, predicted), levels, ends, spec)


def split_summary(frame: pd.DataFrame, bounds: SplitBounds, spec: WindowSpec, train_windows: int,
                  validation_windows: int) -> dict:
    """The split's rows, first dates and window counts, as `split_` and `run.json` record them."""
    index = frame.index
    return {
        "rows": bounds.rows,
        "train_start": index[0].isoformat(),
        "validation_start": index[bounds.train_end].isoformat() if bounds.train_end < bounds.rows else None,
        "test_start": index[bounds.validation_end].isoformat() if bounds.validation_end < bounds.rows else None,
        "train_windows": train_windows,
        "validation_windows": validation_windows,
        "test_windows": len(bounds.ends("test", spec)),
    }
