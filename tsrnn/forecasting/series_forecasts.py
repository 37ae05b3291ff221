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
from tsrnn.forecasting.combination import combine, long_season_change

if TYPE_CHECKING:
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
    series' combined as it chose (`combine`: its weight on the network's change and on the longer
    season's naive change).

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
        found.append(combine(point, quantiles, fitted.weight, fitted.long_weight, long_change))
    return found
