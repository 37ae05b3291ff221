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

Examples:
    >>> scores = np.abs(np.random.default_rng(0).normal(size=(400, 1, 1)))
    >>> radius = conformal_radius(scores, [80, 95])
    >>> radius.shape, bool(radius[0, 0, 0] < radius[1, 0, 0])
    ((2, 1, 1), True)
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError
from tsrnn.features.windowing import WindowSpec, anchor_levels, invert_targets, step_changes, target_values
from tsrnn.nn.quantiles import level_quantiles

EWMA_LAMBDA = 0.94  # RiskMetrics (J.P. Morgan, 1996) daily volatility decay


def check_levels(levels: Sequence[float] | float | None, name: str = "level") -> list[float]:
    """Coverage levels in percent, each in (0, 100), sorted and without repeats.

    Levels are percentages, as in NeuralForecast (`level=[80, 95]`); a fraction such as 0.9 (the way
    statsmodels, sktime and Darts write coverage) is refused with the percentage it may mean, rather
    than drawn as a 0.9 % band.

    Args:
        levels: one level or several, in percent; None for none.
        name: the argument's name in messages (`--level` in the CLI).

    Returns:
        The levels as floats, sorted, without repeats.

    Raises:
        ConfigError: a level that is not a number in (0, 100), or a fraction below 1.

    Examples:
        >>> check_levels([95, 80])
        [80.0, 95.0]
    """
    if levels is None:
        return []
    values = [levels] if isinstance(levels, (int, float, str)) else list(levels)
    checked = []
    for value in values:
        if isinstance(value, (bool, str)) or not isinstance(value, (int, float)) or not 0 < value < 100 or not math.isfinite(value):
            raise ConfigError(f"{name} must be a coverage in percent between 0 and 100 (e.g. 80 or 95), got {value!r}")
        if value < 1:
            raise ConfigError(f"{name} is a coverage in percent: {value!r} asks for a {value:g} % band; "
                              f"for {value * 100:g} % give {value * 100:g}")
        checked.append(float(value))
    return sorted(set(checked))


def level_name(level: float) -> str:
    """The column suffix of a level: 80 -> '80', 97.5 -> '97.5'."""
    return f"{level:g}"


def volatility(levels: np.ndarray, spec: WindowSpec, lam: float = EWMA_LAMBDA) -> np.ndarray:
    """Per row and target, the EWMA volatility of the one-step changes up to and including that row
    (`(rows, targets)`), in the target transform's units. Past rows enter each value, and the
    recursion's start: the mean square of the first 30 changes (its weight decays as 0.94 ** row,
    below 1e-6 after 225 rows).
    """
    transform = "difference" if spec.target_transform == "level" else spec.target_transform
    changes = np.nan_to_num(step_changes(np.asarray(levels, dtype=np.float64), transform), nan=0.0)
    squares = changes**2
    warm = max(1, min(len(changes) - 1, 30))
    # The recursion starts from the mean square of the first changes (row 0 has no change).
    squares[0] = squares[1 : warm + 1].mean(axis=0) if len(changes) > 1 else 1.0
    variance = pd.DataFrame(squares).ewm(alpha=1 - lam, adjust=False).mean().to_numpy()
    scale = np.sqrt(variance)
    # A floor for flat stretches, from past rows only: a thousandth of the mean scale so far.
    floor = np.maximum(pd.DataFrame(scale).expanding().mean().to_numpy() * 1e-3, 1e-12)
    return np.maximum(scale, floor)


def conformity_scores(predicted: np.ndarray, actual: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Absolute residuals `(windows, horizon, targets)` in the transformed space, divided by the
    volatility known at each window's end (`(windows, targets)`).
    """
    return np.abs(actual - predicted) / scale[:, None, :]


def conformal_radius(scores: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """`(len(levels), horizon, targets)`: the finite-sample conformal quantile of the scores of
    each step and target for each level.

    With fewer than `L / (1 - L)` scores the exact band of level L is unbounded; the largest score
    is used instead, with a warning that says how many validation windows the level needs.
    """
    n = scores.shape[0]
    ordered = np.sort(scores, axis=0)
    radii = []
    for level in levels:
        rank = math.ceil((n + 1) * level / 100)
        if rank > n:
            warnings.warn(f"{n} validation windows are too few for an exact {level:g}% band (it needs "
                          f"{math.ceil(level / (100 - level))}); using the largest validation residual, which may "
                          "cover less", UserWarning, stacklevel=3)
            rank = n
        radii.append(ordered[rank - 1])
    return np.stack(radii)


def band(predicted: np.ndarray, radius: np.ndarray, scale: np.ndarray, levels_data: np.ndarray, ends,
         spec: WindowSpec) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds in the data's units for transformed predictions `(windows, horizon,
    targets)` and one level's `radius`: `(horizon, targets)`, or one per window `(windows, horizon, targets)`.
    """
    radius = np.asarray(radius, dtype=np.float64)
    half = (radius if radius.ndim == 3 else radius[None]) * scale[:, None, :]
    anchors = anchor_levels(levels_data, ends, spec)
    lower = invert_targets(predicted - half, anchors, spec.target_transform)
    upper = invert_targets(predicted + half, anchors, spec.target_transform)
    return lower, upper


def interval_scores(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float, mase_scale) -> dict[str, float]:
    """Coverage, mean width, interval (Winkler) score and its scaled version, and the pinball loss
    of the two bounds as the (1 - L) / 2 and (1 + L) / 2 quantiles.

    Examples:
        >>> s = interval_scores(np.array([1.0, 5.0]), np.array([0.0, 0.0]), np.array([2.0, 2.0]), 80, 1.0)
        >>> s["coverage"], s["width"], round(s["winkler"], 6)
        (0.5, 2.0, 17.0)
    """
    alpha = 1 - level / 100
    actual, lower, upper = (np.asarray(a, dtype=np.float64) for a in (actual, lower, upper))
    below, above = actual < lower, actual > upper
    width = upper - lower
    winkler = width + (2 / alpha) * ((lower - actual) * below + (actual - upper) * above)
    low_q, high_q = alpha / 2, 1 - alpha / 2
    pinball = (_pinball(actual, lower, low_q) + _pinball(actual, upper, high_q)) / 2
    scale = np.broadcast_to(np.asarray(mase_scale, dtype=np.float64), winkler.shape) if np.ndim(mase_scale) < 2 else (
        np.asarray(mase_scale, dtype=np.float64)[:, None, :])
    return {
        "coverage": float(np.mean(~below & ~above)),
        "width": float(np.mean(width)),
        "winkler": float(np.mean(winkler)),
        "scaled_winkler": float(np.mean(winkler / scale)),
        "pinball": float(np.mean(pinball)),
    }


def _pinball(actual: np.ndarray, quantile: np.ndarray, q: float) -> np.ndarray:
    difference = actual - quantile
    return np.maximum(q * difference, (q - 1) * difference)


def empirical_band(residuals: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The (1 - L) / 2 and (1 + L) / 2 quantiles `(horizon, targets)` of signed residuals
    `(windows, horizon, targets)`: the baseline band's offsets.
    """
    alpha = 1 - level / 100
    return np.quantile(residuals, alpha / 2, axis=0), np.quantile(residuals, 1 - alpha / 2, axis=0)


def adaptive_radii(calibration: np.ndarray, test_scores: np.ndarray, level: float, state: dict | None = None,
                   gamma: float = 0.005, delay: int = 1) -> tuple[np.ndarray, dict]:
    """Adaptive conformal inference (Gibbs and Candes, 2021) over test windows in time order.

    For every horizon step and target, the miscoverage rate used moves after each outcome by
    `gamma * (alpha - miss)`; the outcome of window i (step h) is known `delay + h - 1` windows
    later, so a radius only uses misses already observed. The radius is the conformal quantile of the
    `calibration` scores at the current rate. Where that rate asks for more than the n scores can
    give (at or below 1 / (n + 1), where the exact band is the whole line), the largest score is
    used, as the split band does and as MAPIE does unless infinite bounds are allowed, so widths stay
    finite and comparable. `state` carries the rates from one call (fold) to the next. Returns the
    radii `(windows, horizon, targets)` and the new state.

    Examples:
        >>> calibration = np.arange(1.0, 101.0).reshape(100, 1, 1)
        >>> radii, state = adaptive_radii(calibration, np.full((30, 1, 1), 1000.0), 80, gamma=0.05)
        >>> bool(radii[-1, 0, 0] > radii[0, 0, 0])  # every miss widens the next bands
        True
    """
    target = 1 - level / 100
    windows, horizon, targets = test_scores.shape
    rates = np.array(state["rates"], dtype=np.float64) if state else np.full((horizon, targets), target)
    ordered = np.sort(calibration, axis=0)
    n = len(ordered)
    radii = np.empty_like(test_scores, dtype=np.float64)
    steps, columns = np.arange(horizon), np.arange(targets)
    for i in range(windows):  # in time order; every step and target moves its own rate at once
        known = i - (delay + steps)  # the latest window whose outcome at each step is observed
        seen = known >= 0
        if seen.any():
            miss = test_scores[known[seen], steps[seen]] > radii[known[seen], steps[seen]]
            rates[seen] += gamma * (target - miss.astype(np.float64))
        rank = np.minimum(np.where(rates > 0, np.ceil((n + 1) * (1 - rates)), n), n).astype(np.int64)
        radii[i] = np.where(rank < 1, 0.0, ordered[np.maximum(rank - 1, 0), steps[:, None], columns[None, :]])
    return radii, {"rates": rates.tolist()}


class Calibration:
    """What a fitted forecaster keeps to draw bands: the validation windows' conformity scores and
    the naive forecast's training residuals (for the baseline band), both `(windows, horizon, targets)`
    in the transformed target's space; for a model with a quantile head, also each band level's
    conformalised-quantile-regression scores (`quantile_scores`).

    Args:
        spec: the window spec the scores were computed under.
        scores: the validation windows' conformity scores (None without any).
        naive_residuals: the naive forecast's training residuals.
        quantiles: the quantile head's probabilities (empty without one).
        quantile_scores: `{band level: CQR scores}` of a quantile head.

    Examples:
        >>> spec = WindowSpec(lookback=2, target_columns=("y",), target_transform="difference")
        >>> calibration = Calibration(spec, scores=np.ones((50, 1, 1)), naive_residuals=np.zeros((50, 1, 1)))
        >>> Calibration.from_dict(spec, calibration.to_dict()).scores.shape
        (50, 1, 1)
    """

    def __init__(self, spec: WindowSpec, scores: np.ndarray | None, naive_residuals: np.ndarray,
                 quantiles: Sequence[float] = (), quantile_scores: dict | None = None) -> None:
        self.spec = spec
        self.scores = None if scores is None else np.asarray(scores, dtype=np.float64)
        self.naive_residuals = np.asarray(naive_residuals, dtype=np.float64)
        self.quantiles = tuple(quantiles)
        self.quantile_scores = None if quantile_scores is None else {
            level: np.asarray(values, dtype=np.float64) for level, values in quantile_scores.items()}

    @classmethod
    def fit(cls, spec: WindowSpec, levels: np.ndarray, validation_ends, validation_predicted: np.ndarray, train_ends,
            quantiles: Sequence[float] = (), validation_quantiles: np.ndarray | None = None):
        """The calibration of one series from its validation predictions.

        Args:
            spec: the window spec.
            levels: the series' target levels `(rows, targets)`.
            validation_ends: the validation windows' ends.
            validation_predicted: their transformed forecasts.
            train_ends: the training windows' ends (for the naive residuals).
            quantiles: the quantile head's probabilities (empty without one).
            validation_quantiles: the quantile head's validation predictions.

        Returns:
            The `Calibration`: scores of the validation windows (None without any), the naive
            training residuals, and with a quantile head the CQR scores of each band level.
        """
        from tsrnn.features.windowing import target_values

        scores, quantile_scores = None, None
        if len(validation_ends):
            actual = target_values(levels, validation_ends, spec)
            scale = volatility(levels, spec)[np.asarray(validation_ends)]
            scores = conformity_scores(validation_predicted, actual, scale)
            if validation_quantiles is not None:
                quantile_scores = {level_name(level): cqr_scores(validation_quantiles, actual, quantiles, level)
                                   for level in quantile_band_levels(quantiles)}
        last = WindowSpec(**{**spec.to_dict(), "target_anchor": "last"})
        return cls(spec, scores, target_values(levels, train_ends, last), quantiles, quantile_scores)

    def to_dict(self) -> dict:
        """The calibration as `run.json` stores it.

        Returns:
            A JSON-ready dict.
        """
        values = {"scores": None if self.scores is None else self.scores.tolist(),
                  "naive_residuals": self.naive_residuals.tolist()}
        if self.quantiles:
            values["quantiles"] = list(self.quantiles)
            values["quantile_scores"] = (None if self.quantile_scores is None else
                                         {level: scores.tolist() for level, scores in self.quantile_scores.items()})
        return values

    @classmethod
    def from_dict(cls, spec: WindowSpec, values: dict) -> Calibration:
        """The calibration `to_dict` wrote.

        Args:
            spec: the window spec.
            values: the stored fields.

        Returns:
            The `Calibration`.
        """
        return cls(spec, values["scores"], values["naive_residuals"], values.get("quantiles", ()), values.get("quantile_scores"))

    def model_bands(self, predicted: np.ndarray, levels: np.ndarray, ends, coverage: list[float],
                    quantiles: np.ndarray | None = None) -> dict:
        """The model's bands in the data's units around transformed predictions.

        Args:
            predicted: the transformed forecasts `(windows, horizon, targets)`.
            levels: the series' target levels.
            ends: the windows' ends.
            coverage: band levels in percent.
            quantiles: a quantile head's predictions `(windows, horizon, targets, quantiles)`;
                its bands are drawn around them, conformalised.

        Returns:
            `{level: (lower, upper)}`.

        Raises:
            ConfigError: no validation scores, or a level the quantile head was not trained for.
        """
        if not coverage:
            return {}
        if self.scores is None:
            raise ConfigError("no validation windows to calibrate bands on; fit with validation_fraction > 0")
        if self.quantiles:
            return self._quantile_bands(quantiles, levels, ends, coverage)
        scale = volatility(levels, self.spec)[np.asarray(ends)]
        radii = conformal_radius(self.scores, coverage)
        return {level: band(predicted, radius, scale, levels, ends, self.spec) for level, radius in zip(coverage, radii)}

    def _quantile_bands(self, quantiles: np.ndarray | None, levels: np.ndarray, ends, coverage: list[float]) -> dict:
        trained = quantile_band_levels(self.quantiles)
        missing = [level for level in coverage if level_name(level) not in self.quantile_scores]
        if missing:
            raise ConfigError(f"the quantile head was trained for {', '.join(map(level_name, trained))} % bands, not "
                              f"{', '.join(map(level_name, missing))}; ask for those, or refit with quantile_levels including them")
        if quantiles is None:
            raise ConfigError("bands of a quantile head need its quantile predictions")
        anchors = anchor_levels(levels, ends, self.spec)
        bands = {}
        for level in coverage:
            low, high = _band_quantiles(self.quantiles, level)
            radius = conformal_radius(self.quantile_scores[level_name(level)], [level])[0]
            lower, upper = quantiles[..., low] - radius, quantiles[..., high] + radius
            lower, upper = np.minimum(lower, upper), np.maximum(lower, upper)
            bands[level] = (invert_targets(lower, anchors, self.spec.target_transform),
                            invert_targets(upper, anchors, self.spec.target_transform))
        return bands

    def naive_bands(self, levels: np.ndarray, ends, coverage: list[float]) -> dict:
        """The baseline band: the naive forecast plus the empirical quantiles of its own training residuals.

        Args:
            levels: the series' target levels.
            ends: the windows' ends.
            coverage: band levels in percent.

        Returns:
            `{level: (lower, upper)}` in the data's units.
        """
        last = WindowSpec(**{**self.spec.to_dict(), "target_anchor": "last"})
        anchors = anchor_levels(levels, ends, last)
        bands = {}
        for level in coverage:
            low, high = empirical_band(self.naive_residuals, level)
            shape = (len(ends), *low.shape)
            bands[level] = (invert_targets(np.broadcast_to(low, shape), anchors, last.target_transform),
                            invert_targets(np.broadcast_to(high, shape), anchors, last.target_transform))
        return bands


    def scores_against_naive(self, predicted: np.ndarray, levels: np.ndarray, ends, coverage: list[float],
                             mase_scale, quantiles: np.ndarray | None = None) -> dict:
        """Interval scores of the model's bands and of the naive band on the same windows.

        Args:
            predicted: the transformed forecasts.
            levels: the series' target levels.
            ends: the windows' ends.
            coverage: band levels in percent.
            mase_scale: the series' MASE scale (scales the interval score).
            quantiles: a quantile head's predictions, as in `model_bands`.

        Returns:
            `{level: {"model": scores, "naive_band": scores}}`.
        """
        from tsrnn.features.windowing import target_rows

        actual = np.asarray(levels, dtype=np.float64)[target_rows(ends, self.spec)]
        model = self.model_bands(predicted, levels, ends, coverage, quantiles)
        naive = self.naive_bands(levels, ends, coverage)
        return {level_name(level): {"model": interval_scores(actual, *model[level], level, mase_scale),
                                    "naive_band": interval_scores(actual, *naive[level], level, mase_scale)}
                for level in coverage}


def quantile_band_levels(quantiles: Sequence[float]) -> list[float]:
    """The band levels (percent) a symmetric set of quantile probabilities draws: 0.1 and 0.9 -> 80.

    Examples:
        >>> quantile_band_levels((0.025, 0.1, 0.9, 0.975))
        [80.0, 95.0]
    """
    above = {round(q, 10) for q in quantiles if q > 0.5}
    return sorted(round((1 - 2 * q) * 100, 8) for q in quantiles if q < 0.5 and round(1 - q, 10) in above)


def _band_quantiles(quantiles: Sequence[float], level: float) -> tuple[int, int]:
    """Positions of the lower and upper quantile of a band of `level` percent in `quantiles`."""
    low, high = level_quantiles(level)
    rounded = [round(q, 10) for q in quantiles]
    return rounded.index(low), rounded.index(high)


def cqr_scores(predicted_quantiles: np.ndarray, actual: np.ndarray, quantiles: Sequence[float], level: float) -> np.ndarray:
    """Conformalised quantile regression scores (Romano et al. 2019) of one band level:
    `max(lower - actual, actual - upper)` per window, step and target (negative inside the band).

    Examples:
        >>> q = np.array([[[[0.0, 2.0]]], [[[0.0, 2.0]]]])
        >>> cqr_scores(q, np.array([[[1.5]], [[3.0]]]), (0.1, 0.9), 80)[:, 0, 0].tolist()
        [-0.5, 1.0]
    """
    low, high = _band_quantiles(quantiles, level)
    return np.maximum(predicted_quantiles[..., low] - actual, actual - predicted_quantiles[..., high])


def band_columns(bands: dict, names: list[str]) -> dict[str, np.ndarray]:
    """Columns `{name}_lo_{level}` and `{name}_hi_{level}` for forecast columns `names` (step-major,
    as `Forecaster.predict` orders them).
    """
    columns = {}
    for level, (lower, upper) in bands.items():
        flat_lower, flat_upper = lower.reshape(len(lower), -1), upper.reshape(len(upper), -1)
        for i, name in enumerate(names):
            columns[f"{name}_lo_{level_name(level)}"] = flat_lower[:, i]
            columns[f"{name}_hi_{level_name(level)}"] = flat_upper[:, i]
    return columns


def pooled_conformity_scores(validation: list, spec: WindowSpec,
                             quantiles: tuple[float, ...] = ()) -> tuple[np.ndarray | None, dict | None]:
    """The conformity scores of every series' validation windows, pooled.

    Residuals in the transformed target's space over the volatility known at each window's end,
    which no series' level or scale enters (`tsrnn.forecasting.conformal`); with a quantile head,
    also each band level's conformalised-quantile-regression scores, pooled the same way.

    Args:
        validation: `(forecasts, quantile forecasts or None, levels, validation ends)` of every
            series, the forecasts in the transformed target's space.
        spec: the window spec.
        quantiles: the quantile head's probabilities (empty without one).

    Returns:
        `(scores or None without validation windows, {band level: scores} or None)`.

    Examples:
        >>> spec = WindowSpec(lookback=2, horizon=1, target_columns=("y",))
        >>> levels = np.arange(1.0, 11.0).reshape(-1, 1)
        >>> scores, _ = pooled_conformity_scores([(np.zeros((2, 1, 1)), None, levels, range(6, 8))], spec)
        >>> scores.shape  # one per window, step and target
        (2, 1, 1)
    """
    scores, by_level = [], {level_name(level): [] for level in quantile_band_levels(quantiles)} if quantiles else None
    for predicted, predicted_quantiles, levels, ends in validation:
        actual = target_values(levels, ends, spec)
        scores.append(conformity_scores(predicted, actual, volatility(levels, spec)[np.asarray(ends)]))
        for level in quantile_band_levels(quantiles) if quantiles else ():
            by_level[level_name(level)].append(cqr_scores(predicted_quantiles, actual, quantiles, level))
    if not scores:
        return None, None
    pooled_quantiles = None if by_level is None else {level: np.concatenate(values) for level, values in by_level.items()}
    return np.concatenate(scores), pooled_quantiles
