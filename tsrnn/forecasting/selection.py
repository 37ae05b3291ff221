"""What the default forecaster chooses on the validation split: the lookback, what targets are
measured from (the last value, or the value one season earlier), and the linear path's shrinkage.

Every candidate is scored by the MAE, in the data's units, of its linear path: a Ridge regression
(closed form, `RidgePath`) from the same scaled windows the network sees to the same scaled
targets, over rolling-origin folds of the training and validation rows (the validation block and
the blocks of the same size before it, each fitted on every row before it), so a choice rests on
several periods rather than one. The winner is refitted on the training windows with the scalers
the network uses, so the validation split stays held out for the linear path and the network alike. The anchors themselves (all weights zero,
forecast = the last value or the value a season earlier: the naive and seasonal-naive forecasts)
are candidates too, so the chosen start is never worse on validation than those baselines. The winner's weights start the network's
linear path, so training begins at the best linear forecast that validation found, and the test
split is never looked at.

Examples:
    >>> candidate_lookbacks(None, seasonal_period=12, train_rows=200)
    [12, 24, 48]
    >>> candidate_lookbacks(None, seasonal_period=None, train_rows=200)
    [30]
    >>> candidate_anchors(None, seasonal_period=4)[1], candidate_anchors(None, seasonal_period=None)
    ('season', ['last'])
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tsrnn.features import preparation
from tsrnn.features.seasons import describe_period
from tsrnn.features.windowing import SplitBounds, WindowSpec, input_windows, target_rows
from tsrnn.forecasting.ridge_path import RidgePath
from tsrnn.utils.validation import TARGET_ANCHORS

ALPHAS = (1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e6)
DEFAULT_LOOKBACK = 30
SEASONS_OF_LOOKBACK = (1, 2, 4)
SELECTION_FOLDS = 3
MAX_DEFAULT_LOOKBACK = 512  # a day of minute bars (1,440 rows) is no default window for a recurrent net
MAX_LINEAR_VALUES = 20_000_000  # windows x lookback x inputs in one Ridge problem (160 MB of float64)


@dataclass(frozen=True)
class LinearChoice:
    """The chosen window and the linear path's weights, with every candidate's selection score."""

    lookback: int
    anchor: str
    alpha: float | None  # None: the anchor alone (naive or seasonal naive), no linear weights
    coef: np.ndarray  # (lookback * features, horizon * targets)
    intercept: np.ndarray  # (horizon * targets,)
    validation_mase: float | None
    scores: list[dict]

    def summary(self) -> dict:
        """The choice as JSON-ready data (without the weights)."""
        return {"lookback": self.lookback, "anchor": self.anchor, "alpha": self.alpha,
                "selection_mase": self.validation_mase, "candidates": self.scores}


@dataclass(frozen=True)
class SeriesRows:
    """One series as the linear path's selection sees it: its input and target arrays, its split,
    the scale of its MASE (its in-sample naive error, per target), and what the network appends to
    its scaled steps (a panel's static covariates and series id; None for nothing).

    Examples:
        >>> from tsrnn.features.windowing import split_rows
        >>> rows = SeriesRows(np.ones((50, 1)), np.ones((50, 1)), split_rows(50), np.ones(1))
        >>> rows.bounds.train_end
        34
    """

    features: np.ndarray
    levels: np.ndarray
    bounds: SplitBounds
    mase_scale: np.ndarray
    extra: Callable[[np.ndarray], np.ndarray] | None = None


def candidate_lookbacks(lookback: int | None, seasonal_period: int | None, train_rows: int) -> list[int]:
    """The lookbacks to try: the user's, or one, two and four seasons (30 rows without a season, or
    when even one season is longer than 512 rows), keeping those of at most 512 rows that leave at
    least two thirds of the training rows as windows.

    Examples:
        >>> candidate_lookbacks(None, 24, 10_000), candidate_lookbacks(None, 1440, 700_000)
        ([24, 48, 96], [30])
    """
    if lookback is not None:
        return [lookback]
    options = [k * seasonal_period for k in SEASONS_OF_LOOKBACK] if seasonal_period and seasonal_period >= 2 else []
    options = [value for value in options if value <= MAX_DEFAULT_LOOKBACK] or [DEFAULT_LOOKBACK]
    fitting = [value for value in options if value <= train_rows // 3]
    return fitting or [min(options[0], max(1, train_rows // 3))]


def candidate_anchors(anchor: str | None, seasonal_period: int | None) -> list[str]:
    """The target anchors to try: the user's, or the last value and (with a season) the season before."""
    if anchor is not None:
        return [anchor]
    return list(TARGET_ANCHORS) if seasonal_period and seasonal_period > 1 else ["last"]


def choose_window(params, settings, series: list[SeriesRows]) -> LinearChoice | None:
    """The linear path of a forecaster with `params` (a `ForecasterParams`) and derived `settings`
    over one series or many: the lookback and anchor it leaves open, chosen with the shrinkage over
    the selection folds. None without a linear path, or when the rows allow no candidate (the
    forecaster's row check then says what is missing).
    """
    if not settings.model.linear:
        return None
    train_rows = [(folds[0] if folds else rows.bounds).train_end for rows in series for folds in [selection_folds(rows.bounds)]]
    lookbacks = candidate_lookbacks(params.lookback, settings.seasonal_period, int(np.median(train_rows)))
    anchors = candidate_anchors(params.target_anchor, settings.seasonal_period)
    try:
        return choose_linear(series, settings.window, lookbacks, anchors)
    except ValueError:
        return None


def selection_folds(bounds: SplitBounds, folds: int = SELECTION_FOLDS) -> list[SplitBounds]:
    """Rolling-origin folds over the training and validation rows, oldest first: the validation
    block and up to `folds - 1` blocks of the same size before it, each fitted on every row before
    it. The test rows are never in any fold.

    Examples:
        >>> from tsrnn.features.windowing import split_rows
        >>> [(f.train_end, f.validation_end) for f in selection_folds(split_rows(100))]
        [(40, 55), (55, 70), (70, 85)]
    """
    size = bounds.validation_end - bounds.train_end
    found = []
    for k in range(folds if size else 0):
        end = bounds.validation_end - k * size
        if end - size <= 0:
            break
        found.append(SplitBounds(rows=bounds.rows, train_end=end - size, validation_end=end))
    return found[::-1]


def choose_linear(series: list[SeriesRows], spec: WindowSpec, lookbacks: list[int], anchors: list[str]) -> LinearChoice:
    """Score every (lookback, anchor, alpha) over the selection folds and return the best, refitted
    on the training windows with the scalers the network uses (fitted on the training rows).

    One Ridge regression serves every series: in each fold it is fitted on the fold's training
    windows of every series (each scaled by its own scalers) and scored by the pooled MASE of the
    fold's validation windows (each window's absolute error over its series' scale, averaged over
    the windows of every fold). Fold k counts from the latest, so a short series joins the later
    folds only. For one series this is its MAE over the folds, divided by one scale.

    `spec` gives everything else of the window (columns, horizon, gap, transform, scaling, season).
    Without validation rows the first candidate is taken with a moderate alpha (1.0).
    """
    folds = [selection_folds(rows.bounds) for rows in series]
    limit = max(MAX_LINEAR_VALUES // len(series), 1)
    scores, best = [], None
    for lookback in lookbacks:
        for anchor in anchors:
            candidate = dataclasses.replace(spec, lookback=lookback, target_anchor=anchor)
            if not any(folds):
                return _final_fit(series, candidate, 1.0, None, scores, limit)
            errors = {alpha: [0.0, 0] for alpha in (*ALPHAS, None)}  # None: the anchor alone
            by_fold: dict = {alpha: [] for alpha in errors}
            for back in range(max(len(f) for f in folds), 0, -1):  # the oldest fold first
                scored = [(rows, _linear_problem(rows, candidate, f[-back], limit=limit)) for rows, f in zip(series, folds)
                          if len(f) >= back]
                problems = [(rows, problem) for rows, problem in scored if problem is not None]  # a short series sits out
                if not problems:
                    break
                path = RidgePath.pooled([(problem.x_train, problem.y_train) for _, problem in problems])
                models = [_fit(problems, alpha, path) for alpha in errors]
                # every alpha's forecasts of a series are unscaled and inverted in one call
                absolute = np.concatenate([(problem.absolute_errors(np.stack([model.predict(problem.x_valid) for model in models]))
                                            / _scale(rows)).reshape(len(models), -1) for rows, problem in problems], axis=1)
                for (alpha, total), alpha_errors in zip(errors.items(), absolute):
                    total[0] += float(alpha_errors.sum())
                    total[1] += alpha_errors.size
                    by_fold[alpha].append(float(alpha_errors.mean()))
            else:
                for alpha, (error_sum, count) in errors.items():
                    mase = error_sum / max(count, 1)
                    scores.append({"lookback": lookback, "anchor": anchor, "alpha": alpha, "selection_mase": mase,
                                   "fold_mase": by_fold[alpha]})
                    if best is None or mase < best[0]:
                        best = (mase, candidate, alpha)
    if best is None:
        raise ValueError("no candidate window has training windows in every selection fold")
    mase, candidate, alpha = best
    return _final_fit(series, candidate, alpha, mase, scores, limit)


def _scale(rows: SeriesRows) -> np.ndarray:
    """The series' MASE scale, 1 where it is 0 (a constant training part): errors stay finite."""
    return np.where(rows.mase_scale > 0, rows.mase_scale, 1.0)


@dataclass
class _Problem:
    x_train: np.ndarray
    y_train: np.ndarray
    zero_target: np.ndarray  # the scaled value of a zero transformed target: predicts the anchor itself
    x_valid: np.ndarray | None = None
    absolute_errors: object = None  # predictions -> absolute errors in the data's units


def _fit(problems: list, alpha: float | None, path: RidgePath | None = None):
    """One regression over the training windows of every series, at `alpha` (from `path`, their
    Gram matrix, where given). One linear layer serves every series, so the anchor-only candidate's
    (alpha None) intercept is the mean of the series' scaled zero changes (each series' own would
    need a layer per series): for one series, its own.
    """
    if alpha is None:
        zero_target = np.mean([problem.zero_target for _, problem in problems], axis=0)
        return _AnchorOnly(zero_target, problems[0][1].x_train.shape[1])
    return (path or RidgePath.pooled([(problem.x_train, problem.y_train) for _, problem in problems])).fit(alpha)


def _final_fit(series: list[SeriesRows], spec: WindowSpec, alpha, mase, scores, limit: int) -> LinearChoice:
    """The chosen candidate fitted on the training windows of every series, as the network will see them."""
    problems = [(rows, _linear_problem(rows, spec, rows.bounds, fit_only=True, limit=limit)) for rows in series]
    problems = [(rows, problem) for rows, problem in problems if problem is not None]
    if not problems:
        raise ValueError("no training windows")
    model = _fit(problems, alpha)
    return LinearChoice(lookback=spec.lookback, anchor=spec.target_anchor, alpha=alpha,
                        coef=np.atleast_2d(model.coef_).T.copy(), intercept=np.atleast_1d(model.intercept_).copy(),
                        validation_mase=mase, scores=scores)


class _AnchorOnly:
    """A linear map with zero weights whose output is the scaled value of a zero target (the anchor)."""

    def __init__(self, intercept: np.ndarray, features: int) -> None:
        self.coef_ = np.zeros((len(intercept), features))
        self.intercept_ = intercept

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.intercept_, (len(x), len(self.intercept_))).copy()


def _linear_problem(rows: SeriesRows, spec: WindowSpec, bounds: SplitBounds, fit_only: bool = False,
                    limit: int | None = None):
    """One series' linear-path arrays under `spec`: scalers fitted on `bounds`' training rows (as
    `fit` fits them), the regression's training windows, and (unless `fit_only`) its validation
    windows and their absolute errors in the data's units; None where a part has no window.
    """
    features, levels = rows.features, rows.levels
    train_ends = bounds.ends("train", spec, stride=spec.stride)
    if not len(train_ends):
        return None
    feature_scaler = preparation.fit_feature_scaler(features, spec, bounds.train_end)
    scaled = preparation.scaled_steps(feature_scaler, features, spec)
    if rows.extra is not None:
        scaled = rows.extra(scaled)
    target_scaler = preparation.fit_target_scaler(levels, train_ends, spec)
    width = spec.lookback * scaled.shape[1]

    def arrays(ends):
        ends = thinned(ends, width, limit)
        x = input_windows(scaled, ends, spec).reshape(len(ends), -1).astype(np.float64)
        y = preparation.training_targets(target_scaler, levels, ends, spec, "regression").reshape(len(ends), -1)
        return x, y.astype(np.float64)

    x_train, y_train = arrays(train_ends)
    zero_target = np.tile(target_scaler.transform(np.zeros((1, levels.shape[1]))).reshape(-1), spec.horizon)
    problem = _Problem(x_train, y_train, zero_target)
    if fit_only:
        return problem
    validation_ends = thinned(bounds.ends("validation", spec), width, limit)
    if not len(validation_ends):
        return None
    problem.x_valid, _ = arrays(validation_ends)
    actual = levels[target_rows(validation_ends, spec)]
    shape = (len(validation_ends), spec.horizon, levels.shape[1])

    def absolute_errors(predicted: np.ndarray) -> np.ndarray:
        """`(candidates, windows, horizon * targets)` scaled forecasts -> `(candidates, windows, horizon, targets)` errors."""
        forecast = preparation.forecast_levels(target_scaler, predicted.reshape(-1, *shape), levels, validation_ends, spec)
        return np.abs(forecast - actual)

    problem.absolute_errors = absolute_errors
    return problem


def thinned(ends, width: int, limit: int | None = None):
    """`ends`, or evenly spaced ends among them when their windows (`width` values each) would
    exceed `limit` values: a long series' linear path is fitted and scored on a sample of windows.

    Examples:
        >>> thinned(range(0, 10), width=4, limit=20)
        array([0, 2, 4, 6, 9])
    """
    limit = MAX_LINEAR_VALUES if limit is None else limit
    if len(ends) * width <= limit:
        return ends
    keep = max(limit // width, 2)
    return np.asarray(ends)[np.linspace(0, len(ends) - 1, keep).astype(int)]


def choices_record(settings, choice: LinearChoice | None, best_epoch: int | None, initial_loss: float | None,
                   batches_per_epoch: int | None = None) -> dict:
    """What the fit settled on from the data and the validation split, for run.json and the CLI
    (`batches_per_epoch`: the batches an epoch trained, a pass or `steps_per_epoch`).
    """
    spec = settings.window
    chosen = {
        "target": list(spec.target_columns),
        "seasonal_period": settings.seasonal_period,
        "season": describe_period(settings.seasonal_period),
        "lookback": spec.lookback,
        "target_anchor": spec.target_anchor,
        "linear": settings.model.linear,
        "input_transforms": {c: t for c, t in zip(spec.inputs, spec.transforms, strict=True)
                             if c in spec.past_inputs and c not in spec.target_columns},
        "best_epoch": best_epoch,
        "batches_per_epoch": batches_per_epoch,
        "initial_validation_loss": initial_loss,
    }
    if spec.target_lag:
        chosen["lagged_inputs"] = list(spec.lagged_inputs)
    if choice is not None:
        chosen["linear_path"] = choice.summary()
    return chosen
