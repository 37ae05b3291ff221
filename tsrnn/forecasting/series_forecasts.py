"""The network's forecasts of the windows of one series or many, in the transformed target's space,
each series' combined as its validation windows chose (`tsrnn.forecasting.combination`).

A panel's windows go through one `predict` call (`tsrnn.features.preparation.predict_transformed_panel`):
a call per series sets up a Keras data pipeline for each, which on M4's 414 series cost five times
the prediction itself (`bench/panel_predict.py`). `Forecaster.predict` and `evaluate` gather every
series' windows first (`SeriesWindows`), forecast them together here, then lay out each series' table.

Examples:
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> from tsrnn.features.static import SeriesIdentity
    >>> from tsrnn.features.windowing import WindowSpec
    >>> from tsrnn.forecasting.state import SeriesState
    >>> class NoChange:  # stands in for a Keras model: every window forecasts 0 in the scaled space
    ...     def predict(self, windows, batch_size=None, verbose=0):
    ...         return np.zeros((len(windows), 2, 1))
    >>> spec = WindowSpec(lookback=2, horizon=2, target_columns=("y",), target_transform="difference")
    >>> levels = np.arange(6.0).reshape(-1, 1)
    >>> scaler = StandardScaler().fit(np.array([[0.0], [2.0]]))  # changes of mean 1: the scaled 0 is +1
    >>> fitted = SeriesState(StandardScaler().fit(levels), scaler, {}, 1.0, None, {})
    >>> windows = SeriesWindows("a", fitted, levels, levels, range(1, 3))
    >>> point, quantiles = transformed_forecasts(NoChange(), [windows], spec, SeriesIdentity(), 64)[0]
    >>> point[:, :, 0].tolist(), quantiles
    ([[1.0, 1.0], [1.0, 1.0]], None)
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tsrnn.features import preparation
from tsrnn.features.windowing import WindowSpec
from tsrnn.forecasting.combination import ChoiceWindows, choose_for_unseen, combine, drift_change, long_season_change

if TYPE_CHECKING:
    import pandas as pd

    from tsrnn.forecasting.state import SeriesState


@dataclasses.dataclass(frozen=True)
class SeriesWindows:
    """One series' windows to forecast.

    Attributes:
        name: the series' name (its embedding slot and static covariates are looked up by it).
        fitted: its `tsrnn.forecasting.state.SeriesState` (scalers and combination weights).
        features: its input columns `(rows, features)`, unscaled (`preparation.arrays`).
        levels: its target levels `(rows, targets)`.
        ends: the windows' last input rows.
    """

    name: str
    fitted: SeriesState
    features: np.ndarray
    levels: np.ndarray
    ends: range


@dataclasses.dataclass(frozen=True)
class WindowForecasts:
    """One series' forecasts of its windows, in the data's units and where bands are drawn.

    Attributes:
        levels: the forecasts in the data's units, `(windows, horizon, targets)`.
        transformed: the same in the transformed target's space.
        quantiles: the quantile head's forecasts in that space, `(..., quantiles)` (None without one).
    """

    levels: np.ndarray
    transformed: np.ndarray
    quantiles: np.ndarray | None


def transformed_forecasts(network, windows: Sequence[SeriesWindows], spec: WindowSpec, identity,
                          batch_size: int) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """`network`'s forecasts of every series' windows, with one `predict` call for the panel, each
    series' combined as it chose (`combine`: its weight on the network's change, on the longer
    season's naive change and on the seasonal naive's change with drift).

    Args:
        network: the Keras model.
        windows: every series' windows.
        spec: the window spec.
        identity: the panel's `tsrnn.features.static.SeriesIdentity`.
        batch_size: windows per batch.

    Returns:
        Per series, in the order of `windows`: `(forecasts, quantile forecasts or None)` in the
        transformed target's space, `(windows, horizon, targets)` and `(..., quantiles)`.
    """
    parts = [(identity.with_id(series.name, identity.values_of(
        series.name, preparation.scaled_steps(series.fitted.feature_scaler, series.features, spec))),
        series.ends, series.fitted.target_scaler) for series in windows]
    predicted = preparation.predict_transformed_panel(network, parts, spec, batch_size, with_quantiles=True)
    found = []
    for series, (point, quantiles) in zip(windows, predicted, strict=True):
        fitted = series.fitted
        long_change = long_season_change(series.levels, series.ends, spec, fitted.long_period) if fitted.long_weight else None
        drift = drift_change(series.levels, series.ends, spec) if fitted.drift_weight else None
        found.append(combine(point, quantiles, fitted.weight, fitted.long_weight, long_change, fitted.drift_weight, drift))
    return found


def unseen_states(frames: dict[str, pd.DataFrame], network, settings, data_split, identity, batch_size: int,
                  choices: dict) -> dict[str, SeriesState]:
    """The state of each series the network never trained on: its scalers, baselines and MASE scale
    fitted on its rows before its validation part (`SeriesState.of_unseen_series`), and, as every
    training series' was, its weights on the network's change, on the longer season's naive change
    and (where the fit's series chose with it) on the seasonal naive's change with drift, chosen on
    its own validation windows by the fit's rule (`choose_for_unseen`), with one network call for
    all of them. Without `shrinkage`, with a `level` target, for a classifier, and
    for a series with no training window before its validation part, the network's forecast as it is.

    Args:
        frames: the unseen series, `{name: frame}`.
        network: the network that scored the training series' validation windows (the holdout
            network where a refit trained the forecasting one on every row).
        settings: the fit's settings.
        data_split: the fit's split rule (`tsrnn.features.splits`).
        identity: the series identity that knows these series (`SeriesIdentity.with_unseen`).
        batch_size: windows per batch.
        choices: the fit's `choices_` (its pooling, temperature and panel median).

    Returns:
        `{name: SeriesState}`.
    """
    from tsrnn.features.seasons import infer_long_period
    from tsrnn.forecasting.state import SeriesState

    spec, training = settings.window, settings.training
    regression = training.task == "regression"
    states = {name: dataclasses.replace(SeriesState.of_unseen_series(name, frame, spec, data_split),
                                        long_period=infer_long_period(frame.index, settings.seasonal_period) if regression else None)
              for name, frame in frames.items()}
    if not (regression and training.shrinkage and spec.target_transform != "level"):
        return states
    windows = []
    for name, frame in frames.items():
        bounds = data_split.bounds(frame.index, name)
        ends = bounds.ends("validation", spec)
        if len(bounds.ends("train", spec)) and len(ends) >= 2:
            windows.append(SeriesWindows(name, states[name], *preparation.arrays(frame, spec), ends))
    if not windows:
        return states
    for series, (point, _) in zip(windows, transformed_forecasts(network, windows, spec, identity, batch_size), strict=True):
        period = series.fitted.long_period
        long_change = long_season_change(series.levels, series.ends, spec, period) if period else None
        drift = drift_change(series.levels, series.ends, spec) if "drift" in choices else None
        weight, long_weight, drift_weight = choose_for_unseen(
            ChoiceWindows(point, series.levels, series.ends, spec, long_change, drift), period, choices)
        states[series.name] = dataclasses.replace(series.fitted, weight=weight, long_weight=long_weight, drift_weight=drift_weight)
    return states
