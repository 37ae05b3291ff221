"""Forecast error metrics in the data's units, built on scikit-learn's.

MASE divides the mean absolute error by the mean absolute one-step change of the training part
(the in-sample error of the naive last-value forecast), so 1.0 means "as good as naive in-sample".

Example:
    >>> import numpy as np
    >>> forecast_metrics(np.array([2.0, 4.0]), np.array([1.0, 4.0]), mase_scale=1.0)["mae"]
    0.5
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
)


def naive_scale(train_levels: np.ndarray) -> np.ndarray:
    """Mean absolute one-step change of each column of the training levels `(rows, targets)`.

    Example:
        >>> naive_scale(np.array([[1.0], [3.0], [2.0]])).tolist()
        [1.5]
    """
    changes = np.abs(np.diff(np.asarray(train_levels, dtype=np.float64), axis=0))
    scale = changes.mean(axis=0)
    return np.where(scale > 0, scale, 1.0)


def forecast_metrics(actual: np.ndarray, forecast: np.ndarray, mase_scale) -> dict[str, float]:
    """MAE, RMSE, MAPE (a fraction) and MASE of `forecast` against `actual`.

    Both are `(windows, horizon, targets)` (or broadcastable 1-D arrays); `mase_scale` has one
    value per target.
    """
    actual = np.asarray(actual, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    flat_actual, flat_forecast = actual.reshape(-1), forecast.reshape(-1)
    scaled_errors = np.abs(actual - forecast) / np.asarray(mase_scale, dtype=np.float64)
    return {
        "mae": float(mean_absolute_error(flat_actual, flat_forecast)),
        "rmse": float(np.sqrt(mean_squared_error(flat_actual, flat_forecast))),
        "mape": float(mean_absolute_percentage_error(flat_actual, flat_forecast)),
        "mase": float(scaled_errors.mean()),
    }


def classification_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy and balanced accuracy of predicted class labels.

    Example:
        >>> classification_metrics(np.array([1, 1, 0, 0]), np.array([1, 1, 1, 1]))
        {'accuracy': 0.5, 'balanced_accuracy': 0.5}
    """
    return {
        "accuracy": float(accuracy_score(actual, predicted)),
        "balanced_accuracy": float(balanced_accuracy_score(actual, predicted)),
    }
