"""Forecast error metrics in the data's units, built on scikit-learn's.

MASE divides the mean absolute error by the mean absolute one-step change of the training part
(the in-sample error of the naive last-value forecast), so 1.0 means "as good as naive in-sample".

Examples:
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
    """Mean absolute one-step change of each column of the training levels: the MASE scale.

    Args:
        train_levels: the training rows' levels `(rows, targets)`.

    Returns:
        One scale per target (1 where the series never changes).

    Examples:
        >>> naive_scale(np.array([[1.0], [3.0], [2.0]])).tolist()
        [1.5]
    """
    changes = np.abs(np.diff(np.asarray(train_levels, dtype=np.float64), axis=0))
    scale = changes.mean(axis=0)
    return np.where(scale > 0, scale, 1.0)


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE as a fraction in [0, 2]: mean of 2|F - A| / (|A| + |F|) (0 where both are 0).

    Examples:
        >>> smape(np.array([100.0, 0.0]), np.array([110.0, 0.0]))
        0.047619047619047616
    """
    actual = np.asarray(actual, dtype=np.float64).reshape(-1)
    forecast = np.asarray(forecast, dtype=np.float64).reshape(-1)
    denominator = np.abs(actual) + np.abs(forecast)
    ratio = np.divide(2 * np.abs(forecast - actual), denominator, out=np.zeros_like(actual), where=denominator > 0)
    return float(ratio.mean())


def directional_accuracy(actual: np.ndarray, forecast: np.ndarray, anchors: np.ndarray) -> float:
    """Share of forecasts whose change from the last observed value has the sign of the actual change.

    `anchors` are the last observed values `(windows, targets)`; no-change forecasts count as wrong
    unless the actual value did not change either.

    Examples:
        >>> directional_accuracy(np.array([[[11.0]], [[9.0]]]), np.array([[[12.0]], [[12.0]]]), np.array([[10.0], [10.0]]))
        0.5
    """
    anchors = np.asarray(anchors, dtype=np.float64)[:, None, :]
    actual_sign = np.sign(np.asarray(actual, dtype=np.float64) - anchors)
    forecast_sign = np.sign(np.asarray(forecast, dtype=np.float64) - anchors)
    return float(np.mean(actual_sign == forecast_sign))


def forecast_metrics(actual: np.ndarray, forecast: np.ndarray, mase_scale, anchors: np.ndarray | None = None) -> dict[str, float]:
    """MAE, RMSE, MAPE and sMAPE (fractions), MASE, and with `anchors` directional accuracy.

    Args:
        actual: the actual values, `(windows, horizon, targets)` (or broadcastable 1-D arrays).
        forecast: the forecasts, the same shape.
        mase_scale: one value per target (or per window and target).
        anchors: each window's last value, for the directional accuracy.

    Returns:
        The metrics by name.

    Examples:
        >>> forecast_metrics(np.array([1.0, 2.0]), np.array([1.0, 3.0]), 1.0)["mase"]
        0.5
    """
    actual = np.asarray(actual, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    flat_actual, flat_forecast = actual.reshape(-1), forecast.reshape(-1)
    scale = np.asarray(mase_scale, dtype=np.float64)
    if scale.ndim == 2:  # one scale per window (walk-forward folds)
        scale = scale[:, None, :]
    scaled_errors = np.abs(actual - forecast) / scale
    metrics = {
        "mae": float(mean_absolute_error(flat_actual, flat_forecast)),
        "rmse": float(np.sqrt(mean_squared_error(flat_actual, flat_forecast))),
        "mape": float(mean_absolute_percentage_error(flat_actual, flat_forecast)),
        "smape": smape(flat_actual, flat_forecast),
        "mase": float(scaled_errors.mean()),
    }
    if anchors is not None:
        metrics["directional_accuracy"] = directional_accuracy(actual, forecast, anchors)
    return metrics


def classification_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy and balanced accuracy of predicted class labels.

    Examples:
        >>> classification_metrics(np.array([1, 1, 0, 0]), np.array([1, 1, 1, 1]))
        {'accuracy': 0.5, 'balanced_accuracy': 0.5}
    """
    return {
        "accuracy": float(accuracy_score(actual, predicted)),
        "balanced_accuracy": float(balanced_accuracy_score(actual, predicted)),
    }
