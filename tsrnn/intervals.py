"""Prediction intervals: split-conformal bands calibrated on the validation split, their scores, and
adaptive conformal inference for walk-forward backtests.

Bands are built where the model predicts, in the transformed target's space (log changes from the
anchor, by default), and mapped back to the data's units, so they are never negative for prices and
widen multiplicatively with the level. The nonconformity score of a window is its absolute residual
divided by the target's volatility known at the window's end (an exponentially weighted moving
average of squared one-step changes, RiskMetrics' lambda 0.94), so bands widen when the series is
turbulent and narrow when it is calm (normalised split conformal; Lei et al. 2018). For each
horizon step and target, the band of level L is the forecast plus or minus the
ceil((n + 1) L) / n empirical quantile of the n validation scores, times the current volatility:
with exchangeable scores it covers a new outcome with probability at least L, with no
distributional assumption.

Example:
    >>> scores = np.abs(np.random.default_rng(0).normal(size=(400, 1, 1)))
    >>> radius = conformal_radius(scores, [80, 95])
    >>> radius.shape, bool(radius[0, 0, 0] < radius[1, 0, 0])
    ((2, 1, 1), True)
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tsrnn.errors import ConfigError
from tsrnn.windowing import WindowSpec, anchor_levels, invert_targets, step_changes

EWMA_LAMBDA = 0.94  # RiskMetrics (J.P. Morgan, 1996) daily volatility decay


def check_levels(levels: Sequence[float] | float | None) -> list[float]:
    """Coverage levels in percent, each in (0, 100), sorted and without repeats.

    Example:
        >>> check_levels([95, 80])
        [80.0, 95.0]
    """
    if levels is None:
        return []
    values = [levels] if isinstance(levels, (int, float)) else list(levels)
    checked = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 100 or not math.isfinite(value):
            raise ConfigError(f"level must be a coverage in percent between 0 and 100 (e.g. 80 or 95), got {value!r}")
        checked.append(float(value))
    return sorted(set(checked))


def level_name(level: float) -> str:
    """The column suffix of a level: 80 -> '80', 97.5 -> '97.5'."""
    return f"{level:g}"


def volatility(levels: np.ndarray, spec: WindowSpec, lam: float = EWMA_LAMBDA) -> np.ndarray:
    """Per row and target, the EWMA volatility of the one-step changes up to and including that row
    (`(rows, targets)`), in the target transform's units; only past rows enter each value."""
    transform = "difference" if spec.target_transform == "level" else spec.target_transform
    changes = np.nan_to_num(step_changes(np.asarray(levels, dtype=np.float64), transform), nan=0.0)
    variance = np.empty_like(changes)
    warm = max(1, min(len(changes) - 1, 30))
    current = np.mean(changes[1 : warm + 1] ** 2, axis=0) if len(changes) > 1 else np.ones(changes.shape[1])
    for row in range(len(changes)):  # a short recursion; rows are thousands at most here
        if row > 0:
            current = lam * current + (1 - lam) * changes[row] ** 2
        variance[row] = current
    scale = np.sqrt(variance)
    floor = np.maximum(np.median(scale, axis=0) * 1e-3, 1e-12)
    return np.maximum(scale, floor)


def conformity_scores(predicted: np.ndarray, actual: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Absolute residuals `(windows, horizon, targets)` in the transformed space, divided by the
    volatility known at each window's end (`(windows, targets)`)."""
    return np.abs(actual - predicted) / scale[:, None, :]


def conformal_radius(scores: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """`(len(levels), horizon, targets)`: the finite-sample conformal quantile of the scores of
    each step and target for each level (infinite when there are too few scores for that level)."""
    n = scores.shape[0]
    radii = []
    for level in levels:
        rank = math.ceil((n + 1) * level / 100)
        if rank > n:
            radii.append(np.full(scores.shape[1:], np.inf))
        else:
            radii.append(np.sort(scores, axis=0)[rank - 1])
    return np.stack(radii)


def band(predicted: np.ndarray, radius: np.ndarray, scale: np.ndarray, levels_data: np.ndarray, ends,
         spec: WindowSpec) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds in the data's units for transformed predictions `(windows, horizon,
    targets)` and one level's `radius` `(horizon, targets)`."""
    half = radius[None, :, :] * scale[:, None, :]
    anchors = anchor_levels(levels_data, ends, spec)
    lower = invert_targets(predicted - half, anchors, spec.target_transform)
    upper = invert_targets(predicted + half, anchors, spec.target_transform)
    return lower, upper


def interval_scores(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float, mase_scale) -> dict[str, float]:
    """Coverage, mean width, interval (Winkler) score and its scaled version, and the pinball loss
    of the two bounds as the (1 - L) / 2 and (1 + L) / 2 quantiles.

    Example:
        >>> s = interval_scores(np.array([1.0, 5.0]), np.array([0.0, 0.0]), np.array([2.0, 2.0]), 80, 1.0)
        >>> s["coverage"], s["width"], s["winkler"]
        (0.5, 2.0, 17.0)
    """
    alpha = 1 - level / 100
    actual, lower, upper = (np.asarray(a, dtype=np.float64) for a in (actual, lower, upper))
    below, above = actual < lower, actual > upper
    width = upper - lower
    winkler = width + (2 / alpha) * ((lower - actual) * below + (actual - upper) * above)
    low_q, high_q = alpha / 2, 1 - alpha / 2
    pinball = (_pinball(actual, lower, low_q) + _pinball(actual, upper, high_q)) / 2
    scale = np.asarray(mase_scale, dtype=np.float64)
    return {
        "coverage": float(np.mean(~below & ~above)),
        "width": float(np.mean(width)),
        "winkler": float(np.mean(winkler)),
        "scaled_winkler": float(np.mean(winkler / scale)) if scale.ndim == 0 else float(np.mean(winkler / scale.reshape(1, 1, -1)))
        if actual.ndim == 3 else float(np.mean(winkler / scale)),
        "pinball": float(np.mean(pinball)),
    }


def _pinball(actual: np.ndarray, quantile: np.ndarray, q: float) -> np.ndarray:
    difference = actual - quantile
    return np.maximum(q * difference, (q - 1) * difference)


def empirical_band(residuals: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The (1 - L) / 2 and (1 + L) / 2 quantiles `(horizon, targets)` of signed residuals
    `(windows, horizon, targets)`: the baseline band's offsets."""
    alpha = 1 - level / 100
    return np.quantile(residuals, alpha / 2, axis=0), np.quantile(residuals, 1 - alpha / 2, axis=0)


def adaptive_levels(covered: np.ndarray, level: float, gamma: float = 0.005) -> np.ndarray:
    """Adaptive conformal inference (Gibbs and Candes, 2021): the level to use at each step, moved
    after every outcome by `gamma` times (miss - alpha), from the misses seen so far only.

    `covered` is a boolean sequence (was the outcome inside the band at the level used); returns
    the level (percent) used for each step, starting at `level`.

    Example:
        >>> adaptive_levels(np.array([False, False, True]), 90, gamma=0.05).round(2).tolist()
        [90.0, 94.5, 99.0]
    """
    target_alpha = 1 - level / 100
    alpha_t = target_alpha
    used = []
    for hit in np.asarray(covered, dtype=bool):
        used.append(100 * (1 - min(max(alpha_t, 1e-4), 1.0)))
        alpha_t = alpha_t + gamma * (target_alpha - (0.0 if hit else 1.0))
    return np.asarray(used)
