"""What the default forecaster chooses on the validation split: the lookback, what targets are
measured from (the last value, or the value one season earlier), and the linear path's shrinkage.

Every candidate is scored by the validation MAE, in the data's units, of its linear path: a Ridge
regression (closed form, scikit-learn) from the same scaled windows the network sees to the same
scaled targets, fitted on the training windows only. The winner's weights start the network's
linear path, so training begins at the best linear forecast that validation found, and the test
split is never looked at.

Example:
    >>> candidate_lookbacks(None, seasonal_period=12, train_rows=200)
    [12, 24, 48]
    >>> candidate_lookbacks(None, seasonal_period=None, train_rows=200)
    [30]
    >>> candidate_anchors(None, seasonal_period=4)
    ['last', 'season']
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import Ridge

from tsrnn import preparation
from tsrnn.windowing import WindowSpec, input_windows, split_rows, target_rows

ALPHAS = (1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e6)
DEFAULT_LOOKBACK = 30
SEASONS_OF_LOOKBACK = (1, 2, 4)


@dataclass(frozen=True)
class LinearChoice:
    """The chosen window and the linear path's weights, with every candidate's validation MAE."""

    lookback: int
    anchor: str
    alpha: float
    coef: np.ndarray  # (lookback * features, horizon * targets)
    intercept: np.ndarray  # (horizon * targets,)
    validation_mae: float | None
    scores: list[dict]

    def summary(self) -> dict:
        """The choice as JSON-ready data (without the weights)."""
        return {"lookback": self.lookback, "anchor": self.anchor, "alpha": self.alpha,
                "validation_mae": self.validation_mae, "candidates": self.scores}


def candidate_lookbacks(lookback: int | None, seasonal_period: int | None, train_rows: int) -> list[int]:
    """The lookbacks to try: the user's, or one, two and four seasons (30 rows without a season),
    keeping those that leave at least two thirds of the training rows as windows."""
    if lookback is not None:
        return [lookback]
    if not seasonal_period or seasonal_period < 2:
        options = [DEFAULT_LOOKBACK]
    else:
        options = [k * seasonal_period for k in SEASONS_OF_LOOKBACK]
    fitting = [value for value in options if value <= train_rows // 3]
    return fitting or [min(options[0], max(1, train_rows // 3))]


def candidate_anchors(anchor: str | None, seasonal_period: int | None) -> list[str]:
    """The target anchors to try: the user's, or the last value and (with a season) the season before."""
    if anchor is not None:
        return [anchor]
    return ["last", "season"] if seasonal_period and seasonal_period > 1 else ["last"]


def choose_linear(features: np.ndarray, levels: np.ndarray, spec: WindowSpec, lookbacks: list[int], anchors: list[str],
                  validation_fraction: float, test_fraction: float) -> LinearChoice:
    """Score every (lookback, anchor, alpha) on the validation windows and return the best.

    `spec` gives everything else of the window (columns, horizon, gap, transform, scaling, season).
    Without validation windows the first candidate is taken with a moderate alpha (1.0).
    """
    bounds = split_rows(len(levels), validation_fraction, test_fraction)
    scores, best = [], None
    for lookback in lookbacks:
        for anchor in anchors:
            candidate = dataclasses.replace(spec, lookback=lookback, target_anchor=anchor)
            problem = _linear_problem(features, levels, candidate, bounds)
            if problem is None:
                continue
            x_train, y_train, x_valid, validation_mae = problem
            if validation_mae is None:  # nothing to choose by: the first candidate, moderately shrunk
                ridge = Ridge(alpha=1.0).fit(x_train, y_train)
                return _choice(lookback, anchor, 1.0, ridge, None, scores)
            for alpha in ALPHAS:
                ridge = Ridge(alpha=alpha).fit(x_train, y_train)
                mae = validation_mae(ridge.predict(x_valid))
                scores.append({"lookback": lookback, "anchor": anchor, "alpha": alpha, "validation_mae": mae})
                if best is None or mae < best[0]:
                    best = (mae, lookback, anchor, alpha, ridge)
    if best is None:
        raise ValueError("no candidate window has training windows")
    mae, lookback, anchor, alpha, ridge = best
    return _choice(lookback, anchor, alpha, ridge, mae, scores)


def _choice(lookback, anchor, alpha, ridge, mae, scores) -> LinearChoice:
    return LinearChoice(lookback=lookback, anchor=anchor, alpha=alpha, coef=np.atleast_2d(ridge.coef_).T.copy(),
                        intercept=np.atleast_1d(ridge.intercept_).copy(), validation_mae=mae, scores=scores)


def _linear_problem(features, levels, spec: WindowSpec, bounds):
    """Training arrays and a validation scorer for the linear path under `spec`, as `fit` would make them."""
    train_ends = bounds.ends("train", spec, stride=spec.stride)
    if not len(train_ends):
        return None
    feature_scaler = preparation.fit_feature_scaler(features, spec, bounds.train_end)
    scaled = preparation.scaled_steps(feature_scaler, features, spec)
    target_scaler = preparation.fit_target_scaler(levels, train_ends, spec)

    def arrays(ends):
        x = input_windows(scaled, ends, spec).reshape(len(ends), -1).astype(np.float64)
        y = preparation.training_targets(target_scaler, levels, ends, spec, "regression").reshape(len(ends), -1)
        return x, y.astype(np.float64)

    x_train, y_train = arrays(train_ends)
    validation_ends = bounds.ends("validation", spec)
    if not len(validation_ends):
        return x_train, y_train, None, None
    x_valid, _ = arrays(validation_ends)
    actual = levels[target_rows(validation_ends, spec)]
    shape = (len(validation_ends), spec.horizon, levels.shape[1])

    def validation_mae(predicted: np.ndarray) -> float:
        forecast = preparation.forecast_levels(target_scaler, predicted.reshape(shape), levels, validation_ends, spec)
        return float(np.mean(np.abs(forecast - actual)))

    return x_train, y_train, x_valid, validation_mae
