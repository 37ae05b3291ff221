"""What the default forecaster chooses on the validation split: the lookback, what targets are
measured from (the last value, or the value one season earlier), and the linear path's shrinkage.

Every candidate is scored by the MAE, in the data's units, of its linear path: a Ridge regression
(closed form, scikit-learn) from the same scaled windows the network sees to the same scaled
targets, over rolling-origin folds of the training and validation rows (the validation block and
the blocks of the same size before it, each fitted on every row before it), so a choice rests on
several periods rather than one. The winner is refitted on the training windows with the scalers
the network uses, so the validation split stays held out for the linear path and the network alike. The anchors themselves (all weights zero,
forecast = the last value or the value a season earlier: the naive and seasonal-naive forecasts)
are candidates too, so the chosen start is never worse on validation than those baselines. The winner's weights start the network's
linear path, so training begins at the best linear forecast that validation found, and the test
split is never looked at.

Example:
    >>> candidate_lookbacks(None, seasonal_period=12, train_rows=200)
    [12, 24, 48]
    >>> candidate_lookbacks(None, seasonal_period=None, train_rows=200)
    [30]
    >>> candidate_anchors(None, seasonal_period=4)[1], candidate_anchors(None, seasonal_period=None)
    ('season', ['last'])
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import Ridge

from tsrnn.features import preparation
from tsrnn.features.seasons import describe_period
from tsrnn.features.windowing import SplitBounds, WindowSpec, input_windows, target_rows
from tsrnn.utils.validation import TARGET_ANCHORS

ALPHAS = (1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e6)
DEFAULT_LOOKBACK = 30
SEASONS_OF_LOOKBACK = (1, 2, 4)
SELECTION_FOLDS = 3
MAX_DEFAULT_LOOKBACK = 512  # a day of minute bars (1,440 rows) is no default window for a recurrent net
MAX_LINEAR_VALUES = 20_000_000  # windows x lookback x inputs in one Ridge problem (160 MB of float64)


@dataclass(frozen=True)
class LinearChoice:
    """The chosen window and the linear path's weights, with every candidate's validation MAE."""

    lookback: int
    anchor: str
    alpha: float | None  # None: the anchor alone (naive or seasonal naive), no linear weights
    coef: np.ndarray  # (lookback * features, horizon * targets)
    intercept: np.ndarray  # (horizon * targets,)
    validation_mae: float | None
    scores: list[dict]

    def summary(self) -> dict:
        """The choice as JSON-ready data (without the weights)."""
        return {"lookback": self.lookback, "anchor": self.anchor, "alpha": self.alpha,
                "selection_mae": self.validation_mae, "candidates": self.scores}


def candidate_lookbacks(lookback: int | None, seasonal_period: int | None, train_rows: int) -> list[int]:
    """The lookbacks to try: the user's, or one, two and four seasons (30 rows without a season, or
    when even one season is longer than 512 rows), keeping those of at most 512 rows that leave at
    least two thirds of the training rows as windows.

    Example:
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


def choose_window(params, settings, features: np.ndarray, levels: np.ndarray, bounds: SplitBounds) -> LinearChoice | None:
    """The linear path of a forecaster with `params` (a `ForecasterParams`) and derived `settings`:
    the lookback and anchor it leaves open, chosen with the shrinkage over the selection folds.
    None without a linear path, or when the rows allow no candidate (the forecaster's row check
    then says what is missing)."""
    if not settings.model.linear:
        return None
    folds = selection_folds(bounds)
    lookbacks = candidate_lookbacks(params.lookback, settings.seasonal_period, folds[0].train_end if folds else bounds.train_end)
    anchors = candidate_anchors(params.target_anchor, settings.seasonal_period)
    try:
        return choose_linear(features, levels, settings.window, lookbacks, anchors, bounds)
    except ValueError:
        return None


def selection_folds(bounds: SplitBounds, folds: int = SELECTION_FOLDS) -> list[SplitBounds]:
    """Rolling-origin folds over the training and validation rows, oldest first: the validation
    block and up to `folds - 1` blocks of the same size before it, each fitted on every row before
    it. The test rows are never in any fold.

    Example:
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


def choose_linear(features: np.ndarray, levels: np.ndarray, spec: WindowSpec, lookbacks: list[int], anchors: list[str],
                  bounds: SplitBounds) -> LinearChoice:
    """Score every (lookback, anchor, alpha) over the selection folds and return the best, refitted
    on the training windows with the scalers the network uses (fitted on the training rows).

    `spec` gives everything else of the window (columns, horizon, gap, transform, scaling, season).
    Without validation rows the first candidate is taken with a moderate alpha (1.0).
    """
    folds = selection_folds(bounds)
    scores, best = [], None
    for lookback in lookbacks:
        for anchor in anchors:
            candidate = dataclasses.replace(spec, lookback=lookback, target_anchor=anchor)
            if not folds:
                return _final_fit(features, levels, candidate, bounds, 1.0, None, scores)
            errors = {alpha: [0.0, 0] for alpha in (*ALPHAS, None)}  # None: the anchor alone
            for fold in folds:
                problem = _linear_problem(features, levels, candidate, fold)
                if problem is None:
                    break
                for alpha, total in errors.items():
                    absolute = problem.absolute_errors(_fit(problem, alpha).predict(problem.x_valid))
                    total[0] += float(absolute.sum())
                    total[1] += absolute.size
            else:
                for alpha, (error_sum, count) in errors.items():
                    mae = error_sum / max(count, 1)
                    scores.append({"lookback": lookback, "anchor": anchor, "alpha": alpha, "selection_mae": mae})
                    if best is None or mae < best[0]:
                        best = (mae, candidate, alpha)
    if best is None:
        raise ValueError("no candidate window has training windows in every selection fold")
    mae, candidate, alpha = best
    return _final_fit(features, levels, candidate, bounds, alpha, mae, scores)


@dataclass
class _Problem:
    x_train: np.ndarray
    y_train: np.ndarray
    zero_target: np.ndarray  # the scaled value of a zero transformed target: predicts the anchor itself
    x_valid: np.ndarray | None = None
    absolute_errors: object = None  # predictions -> absolute errors in the data's units


def _fit(problem: _Problem, alpha: float | None):
    if alpha is None:
        return _AnchorOnly(problem.zero_target, problem.x_train.shape[1])
    return Ridge(alpha=alpha).fit(problem.x_train, problem.y_train)


def _final_fit(features, levels, spec: WindowSpec, bounds: SplitBounds, alpha, mae, scores) -> LinearChoice:
    """The chosen candidate fitted on the training windows, as the network will see them."""
    problem = _linear_problem(features, levels, spec, bounds, fit_rows=bounds)
    if problem is None:
        raise ValueError("no training windows")
    model = _fit(problem, alpha)
    return LinearChoice(lookback=spec.lookback, anchor=spec.target_anchor, alpha=alpha,
                        coef=np.atleast_2d(model.coef_).T.copy(), intercept=np.atleast_1d(model.intercept_).copy(),
                        validation_mae=mae, scores=scores)


class _AnchorOnly:
    """A linear map with zero weights whose output is the scaled value of a zero target (the anchor)."""

    def __init__(self, intercept: np.ndarray, features: int) -> None:
        self.coef_ = np.zeros((len(intercept), features))
        self.intercept_ = intercept

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.intercept_, (len(x), len(self.intercept_))).copy()


def _linear_problem(features, levels, spec: WindowSpec, bounds: SplitBounds, fit_rows: SplitBounds | None = None):
    """The linear path's arrays under `spec`: scalers fitted on `bounds`' training rows (as `fit`
    fits them), the regression fitted on the windows of `fit_rows` (default: the same rows) and
    scored on `bounds`' validation windows."""
    train_ends = bounds.ends("train", spec, stride=spec.stride)
    fit_ends = (fit_rows or bounds).ends("train", spec, stride=spec.stride)
    if not len(train_ends) or not len(fit_ends):
        return None
    feature_scaler = preparation.fit_feature_scaler(features, spec, bounds.train_end)
    scaled = preparation.scaled_steps(feature_scaler, features, spec)
    target_scaler = preparation.fit_target_scaler(levels, train_ends, spec)

    def arrays(ends):
        ends = thinned(ends, spec.lookback * features.shape[1])
        x = input_windows(scaled, ends, spec).reshape(len(ends), -1).astype(np.float64)
        y = preparation.training_targets(target_scaler, levels, ends, spec, "regression").reshape(len(ends), -1)
        return x, y.astype(np.float64)

    x_train, y_train = arrays(fit_ends)
    zero_target = np.tile(target_scaler.transform(np.zeros((1, levels.shape[1]))).reshape(-1), spec.horizon)
    problem = _Problem(x_train, y_train, zero_target)
    validation_ends = thinned(bounds.ends("validation", spec), spec.lookback * features.shape[1])
    if fit_rows is None and len(validation_ends):
        problem.x_valid, _ = arrays(validation_ends)
        actual = levels[target_rows(validation_ends, spec)]
        shape = (len(validation_ends), spec.horizon, levels.shape[1])

        def absolute_errors(predicted: np.ndarray) -> np.ndarray:
            forecast = preparation.forecast_levels(target_scaler, predicted.reshape(shape), levels, validation_ends, spec)
            return np.abs(forecast - actual)

        problem.absolute_errors = absolute_errors
    elif fit_rows is None:
        return None
    return problem


@dataclass(frozen=True)
class PanelPart:
    """One series of a panel as its linear path sees it: scaled inputs, levels, window ends, the
    target scaler and the series' MASE scale (its in-sample naive error)."""

    scaled: np.ndarray
    levels: np.ndarray
    train_ends: range
    validation_ends: range
    target_scaler: object
    mase_scale: np.ndarray


def choose_panel_linear(parts: list[PanelPart], spec: WindowSpec) -> LinearChoice:
    """One linear path for every series of a panel: a Ridge regression over the training windows of
    all series (each scaled by its own scalers), its shrinkage chosen, with the anchor alone as a
    candidate, by the pooled validation MASE (each window's absolute error over its series' naive
    scale, averaged over all windows). Without validation windows alpha is 1.0. The one layer
    serves every series, so the anchor-only candidate predicts the mean of the series' scaled zero
    changes: the naive forecast up to each series' mean change over its standard deviation.

    The lookback and anchor are `spec`'s (the panel tries each candidate through this function). Each series' windows are thinned
    so that the whole problem stays within `MAX_LINEAR_VALUES`.
    """
    width = spec.lookback * parts[0].scaled.shape[1]
    limit = max(MAX_LINEAR_VALUES // len(parts), 2 * width)

    def arrays(part: PanelPart, ends):
        x = input_windows(part.scaled, ends, spec).reshape(len(ends), -1).astype(np.float64)
        y = preparation.training_targets(part.target_scaler, part.levels, ends, spec, "regression")
        return x, y.reshape(len(ends), -1).astype(np.float64)

    fitted = [arrays(part, thinned(part.train_ends, width, limit)) for part in parts if len(part.train_ends)]
    x_train, y_train = np.concatenate([x for x, _ in fitted]), np.concatenate([y for _, y in fitted])
    # One linear layer serves every series: the anchor-only candidate's intercept is the mean of the
    # series' scaled zero changes (each series' own would need a layer per series).
    zeros = [part.target_scaler.transform(np.zeros((1, part.levels.shape[1]))).reshape(-1) for part in parts]
    problem = _Problem(x_train, y_train, np.tile(np.mean(zeros, axis=0), spec.horizon))
    checks = [(part, thinned(part.validation_ends, width, limit)) for part in parts if len(part.validation_ends)]
    if not checks:
        return _linear_choice(spec, problem, 1.0, None, [])
    scores, best = [], None
    for alpha in (*ALPHAS, None):
        model = _fit(problem, alpha)
        errors = []
        for part, ends in checks:
            x, _ = arrays(part, ends)
            shape = (len(ends), spec.horizon, part.levels.shape[1])
            forecast = preparation.forecast_levels(part.target_scaler, model.predict(x).reshape(shape), part.levels, ends, spec)
            errors.append((np.abs(forecast - part.levels[target_rows(ends, spec)]) / part.mase_scale).reshape(-1))
        mase = float(np.concatenate(errors).mean())
        scores.append({"lookback": spec.lookback, "anchor": spec.target_anchor, "alpha": alpha, "selection_mase": mase})
        if best is None or mase < best[0]:
            best = (mase, alpha, model)
    mase, alpha, _ = best
    return _linear_choice(spec, problem, alpha, mase, scores)


def _linear_choice(spec: WindowSpec, problem: _Problem, alpha, score, scores) -> LinearChoice:
    model = _fit(problem, alpha)
    return LinearChoice(lookback=spec.lookback, anchor=spec.target_anchor, alpha=alpha,
                        coef=np.atleast_2d(model.coef_).T.copy(), intercept=np.atleast_1d(model.intercept_).copy(),
                        validation_mae=score, scores=scores)


def thinned(ends, width: int, limit: int | None = None):
    """`ends`, or evenly spaced ends among them when their windows (`width` values each) would
    exceed `limit` values: a long series' linear path is fitted and scored on a sample of windows.

    Example:
        >>> thinned(range(0, 10), width=4, limit=20)
        array([0, 2, 4, 6, 9])
    """
    limit = MAX_LINEAR_VALUES if limit is None else limit
    if len(ends) * width <= limit:
        return ends
    keep = max(limit // width, 2)
    return np.asarray(ends)[np.linspace(0, len(ends) - 1, keep).astype(int)]


def choices_record(settings, choice: LinearChoice | None, best_epoch: int | None, initial_loss: float | None) -> dict:
    """What the fit settled on from the data and the validation split, for run.json and the CLI."""
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
        "initial_validation_loss": initial_loss,
    }
    if choice is not None:
        chosen["linear_path"] = choice.summary()
    return chosen
