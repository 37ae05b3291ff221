"""Each series' forecast as a combination chosen on its own validation windows (`shrinkage`).

The network forecasts each target's change from its anchor (the last value, or the value one season
earlier). Per series, that change is weighted, and where the data has a longer season than its
anchor's (a week of sub-daily rows: 168 hours, 336 half-hours) the seasonal-naive forecast of that
longer season is blended in as well:

    change = weight * network's change + long_weight * (longer season's naive - anchor)

in the target transform's space (log changes by default), with `weight` and `long_weight` in
{0, .25, .5, .75, 1} and their sum at most 1 (the rest goes to the anchor itself). Every series picks
the pair that gives its validation windows the lowest mean absolute error in the data's units, kept
only where it beats the network's own forecast by more than one standard error of the paired
per-window difference, so a series with few validation windows keeps the network's forecast. Like
FFORMA (second at M4) it weighs methods per series, here three: the network, the seasonal naive of
the anchor and the seasonal naive of the longer season (two seasons, as MSTL takes
`season_length=[24, 168]` for hourly data); FFORMA learns its weights from series features, here
each series' own validation windows choose them.

In a panel, each series' choice also borrows from the others (`choose_pooled`): every pair's error
relative to the anchor's is averaged with the panel's median of that ratio, with a pooling weight
in `POOLING_WEIGHTS` (0: each series alone) that the panel's validation windows choose themselves:
choices made on each series' earlier half of windows are scored on its later half
(`choose_pooling`), as empirical Bayes shrinks each series' estimate toward the group's.

Examples:
    >>> import numpy as np
    >>> from tsrnn.features.windowing import WindowSpec
    >>> spec = WindowSpec(lookback=1, horizon=2, target_columns=("y",), target_transform="difference")
    >>> levels = np.arange(8.0).reshape(-1, 1)
    >>> long_season_change(levels, range(3, 5), spec, period=3)[:, :, 0].tolist()  # y[t+k-3] - y[t]
    [[-2.0, -1.0], [-2.0, -1.0]]
"""
from __future__ import annotations

import dataclasses

import numpy as np

from tsrnn.features import preparation
from tsrnn.features.windowing import WindowSpec, anchor_rows, target_rows

SHRINKAGE_WEIGHTS = (1.0, 0.75, 0.5, 0.25, 0.0)  # ties go to the network's own forecast
LONG_SEASON_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
POOLING_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)  # ties go to each series alone
ANCHOR = (0.0, 0.0)


def combinations(long_period: int | None) -> list[tuple[float, float]]:
    """The `(weight, long_weight)` pairs a series chooses from, the network's own forecast first.

    Args:
        long_period: rows in the longer season (any true value adds the pairs that blend it in),
            or None (the network and its anchor only).

    Returns:
        The pairs, ties going to the earlier one.

    Examples:
        >>> combinations(None)
        [(1.0, 0.0), (0.75, 0.0), (0.5, 0.0), (0.25, 0.0), (0.0, 0.0)]
        >>> len(combinations(168)), combinations(168)[5]
        (15, (0.75, 0.25))
    """
    pairs = [(weight, 0.0) for weight in SHRINKAGE_WEIGHTS]
    if long_period:
        pairs += [(weight, long) for weight in SHRINKAGE_WEIGHTS for long in LONG_SEASON_WEIGHTS[1:] if weight + long <= 1.0]
    return pairs


def long_season_change(levels: np.ndarray, ends, spec: WindowSpec, period: int) -> np.ndarray:
    """The seasonal-naive forecast of a longer season, as a change from each target's anchor in the
    target transform's space: `(len(ends), horizon, targets)`.

    Step `k` of the window ending at `t` forecasts the value `period` rows before its target (the
    latest such row the window's end has seen); where the data holds no such row, the change is 0
    (the anchor stands in).

    Args:
        levels: the series' target levels `(rows, targets)`.
        ends: the windows' ends.
        spec: the window spec (its transform, anchor, gap and horizon).
        period: rows in the longer season.

    Returns:
        The changes.
    """
    levels = np.asarray(levels, dtype=np.float64)
    rows = anchor_rows(ends, _measured_a_season_back(spec, period))
    known = rows >= 0
    naive, anchors = levels[np.clip(rows, 0, None)], levels[anchor_rows(ends, spec)]
    change = naive - anchors if spec.target_transform == "difference" else np.log(naive) - np.log(anchors)
    return np.where(known[..., None], change, 0.0)


def long_season_offsets(spec: WindowSpec, period: int) -> list[int]:
    """Each step's row of the longer season's naive forecast, relative to the window's last row
    (what `serving.json` gives a server, next to the anchor's offsets).

    Examples:
        >>> long_season_offsets(WindowSpec(lookback=1, horizon=3, target_columns=("y",)), period=2)
        [-1, 0, -1]
    """
    return anchor_rows(range(0, 1), _measured_a_season_back(spec, period))[0].astype(int).tolist()


def _measured_a_season_back(spec: WindowSpec, period: int) -> WindowSpec:
    """`spec` with its targets measured from the value `period` rows back: its anchor rows are that
    season's seasonal-naive rows (`tsrnn.features.windowing.anchor_rows`).
    """
    return dataclasses.replace(spec, target_anchor="season", seasonal_period=period)


def choose_combination(predicted: np.ndarray, levels: np.ndarray, ends, spec: WindowSpec,
                       long_period: int | None = None) -> tuple[float, float]:
    """The `(weight, long_weight)` that gives one series' validation windows the lowest mean
    absolute error in the data's units (the series alone: `choose_pooled` with pooling 0), kept
    only where it beats the network's own forecast (1, 0) by more than one standard error of the
    paired per-window difference (the rule that keeps trained weights,
    `tsrnn.nn.training.keep_trained`).

    Args:
        predicted: the network's validation forecasts in the transformed target's space.
        levels: the series' target levels.
        ends: the validation windows' ends.
        spec: the window spec (its transform is measured from an anchor).
        long_period: rows in the longer season, or None.

    Returns:
        One of `combinations(long_period)` ((1, 0) where no other is clearly better).

    Examples:
        >>> spec = WindowSpec(lookback=1, horizon=1, target_columns=("y",), target_transform="difference")
        >>> levels = np.array([[1.0], [1.0], [1.0], [1.0]])
        >>> choose_combination(np.array([[[1.0]], [[2.0]], [[1.5]]]), levels, range(0, 3), spec)  # the series never moves
        (0.0, 0.0)
    """
    long_change = long_season_change(levels, ends, spec, long_period) if long_period else None
    pairs = combinations(long_period)
    return choose_pooled({"": combination_errors(predicted, levels, ends, spec, long_change)}, {"": pairs}, 0.0)[""]


def combination_errors(predicted: np.ndarray, levels: np.ndarray, ends, spec: WindowSpec,
                       long_change: np.ndarray | None) -> list[np.ndarray]:
    """Each pair of `combinations` scored on one series' windows: its absolute error in the data's
    units, averaged over each window's steps and targets.

    Args:
        predicted: the network's forecasts in the transformed target's space.
        levels: the series' target levels.
        ends: the windows' ends.
        spec: the window spec.
        long_change: `long_season_change` of the same windows, or None (no longer season).

    Returns:
        One array of per-window errors for each pair, in the order of `combinations`.

    Examples:
        >>> spec = WindowSpec(lookback=1, horizon=1, target_columns=("y",), target_transform="difference")
        >>> errors = combination_errors(np.full((2, 1, 1), 2.0), np.zeros((3, 1)), range(0, 2), spec, None)
        >>> [e.tolist() for e in errors[::2]]
        [[2.0, 2.0], [1.0, 1.0], [0.0, 0.0]]
    """
    actual = levels[target_rows(ends, spec)]
    return [np.abs(preparation.invert(weight * predicted + (long * long_change if long else 0.0), levels, ends, spec)
                   - actual).mean(axis=(1, 2))
            for weight, long in combinations(long_change is not None)]


def relative_errors(errors: list[np.ndarray], pairs: list[tuple[float, float]]) -> dict[tuple[float, float], float]:
    """Each pair's mean error on one series' windows over the anchor's (`(0, 0)`, the seasonal naive
    of the anchor): below 1 where the pair beats the anchor.

    Args:
        errors: `combination_errors` of the series.
        pairs: `combinations` of the series (the same order).

    Returns:
        `{pair: ratio}` (a series whose anchor never errs divides by a tiny number instead).

    Examples:
        >>> relative_errors([np.array([1.0, 3.0]), np.array([4.0, 4.0])], [(1.0, 0.0), (0.0, 0.0)])
        {(1.0, 0.0): 0.5, (0.0, 0.0): 1.0}
    """
    scale = max(float(errors[pairs.index(ANCHOR)].mean()), 1e-12)
    return {pair: float(error.mean()) / scale for pair, error in zip(pairs, errors, strict=True)}


def choose_pooled(errors: dict[str, list[np.ndarray]], pairs: dict[str, list[tuple[float, float]]],
                  pooling: float) -> dict[str, tuple[float, float]]:
    """Every series' `(weight, long_weight)`, its relative errors averaged with the panel's median.

    Each pair scores `(1 - pooling) * the series' relative error + pooling * the panel's median
    relative error of that pair` (`relative_errors`); the lowest score is kept only where it beats
    the network's own forecast (the series' first pair) by more than one standard error of the
    paired per-window difference, as `choose_combination` keeps it. With `pooling=0` each series
    chooses as `choose_combination` does alone.

    Args:
        errors: `combination_errors` of every series.
        pairs: `combinations` of every series.
        pooling: the weight on the panel's median, in [0, 1].

    Returns:
        `{series: pair}`.

    Examples:
        >>> pairs = combinations(None)
        >>> errors = {"a": [np.array([1.0, 1.1, 0.9]) * (1 + w) for w, _ in pairs]}  # lower with less weight
        >>> choose_pooled(errors, {"a": pairs}, pooling=0.0)
        {'a': (0.0, 0.0)}
    """
    from tsrnn.nn.training import keep_trained

    relative = {name: relative_errors(errors[name], pairs[name]) for name in errors}
    every_pair = {pair for name in errors for pair in pairs[name]}
    median = {pair: float(np.median([ratios[pair] for ratios in relative.values() if pair in ratios])) for pair in every_pair}
    chosen = {}
    for name, series_errors in errors.items():
        scores = [(1 - pooling) * relative[name][pair] + pooling * median[pair] for pair in pairs[name]]
        best = int(np.argmin(scores))
        chosen[name] = pairs[name][best] if best and keep_trained(series_errors[0], series_errors[best]) else pairs[name][0]
    return chosen


def choose_pooling(errors: dict[str, list[np.ndarray]], pairs: dict[str, list[tuple[float, float]]]) -> float:
    """The pooling weight (`POOLING_WEIGHTS`) the panel's own validation windows prefer: the pairs are
    chosen (`choose_pooled`) on each series' earlier half of windows and scored by their relative
    error on its later half, averaged over series; ties, and panels with no series of four windows
    or more, go to 0 (each series alone).

    Args:
        errors: `combination_errors` of every series, windows in time order.
        pairs: `combinations` of every series.

    Returns:
        One of `POOLING_WEIGHTS`.

    Examples:
        >>> pairs = combinations(None)
        >>> errors = {"a": [np.array([1.0, 1.1, 0.9, 1.0]) * (1 + w) for w, _ in pairs]}
        >>> choose_pooling(errors, {"a": pairs})  # one series: its median is its own
        0.0
    """
    halves = {name: len(series_errors[0]) // 2 for name, series_errors in errors.items() if len(series_errors[0]) >= 4}
    if len(halves) < 2:
        return 0.0
    earlier = {name: [error[:half] for error in errors[name]] for name, half in halves.items()}
    later = {name: relative_errors([error[half:] for error in errors[name]], pairs[name]) for name, half in halves.items()}
    scores = []
    for pooling in POOLING_WEIGHTS:
        chosen = choose_pooled(earlier, pairs, pooling)
        scores.append(float(np.mean([later[name][chosen[name]] for name in halves])))
    return POOLING_WEIGHTS[int(np.argmin(scores))]


def shrinkage_weight(predicted: np.ndarray, levels: np.ndarray, ends, spec: WindowSpec) -> float:
    """The weight on the forecast's change from its anchor alone (`choose_combination` without a
    longer season): one of `SHRINKAGE_WEIGHTS`.

    Examples:
        >>> spec = WindowSpec(lookback=1, horizon=1, target_columns=("y",), target_transform="difference")
        >>> shrinkage_weight(np.full((3, 1, 1), 2.0), np.arange(4.0).reshape(-1, 1), range(0, 3), spec)
        0.5
    """
    return choose_combination(predicted, levels, ends, spec)[0]


def combine(predicted: np.ndarray, quantiles: np.ndarray | None, weight: float, long_weight: float = 0.0,
            long_change: np.ndarray | None = None):
    """Forecasts in the transformed target's space with their change from the anchor times `weight`,
    plus `long_weight` times the longer season's naive change; the quantile head's predictions move
    with the point forecast, keeping their spread.

    Args:
        predicted: `(windows, horizon, targets)`.
        quantiles: `(windows, horizon, targets, quantiles)`, or None.
        weight: the series' weight on the network's change (1: unchanged).
        long_weight: the series' weight on the longer season's naive change (0: none).
        long_change: `long_season_change` of the same windows (needed where `long_weight` is not 0).

    Returns:
        `(predicted, quantiles)` combined.

    Examples:
        >>> combine(np.array([[[2.0]]]), np.array([[[[1.0, 3.0]]]]), 0.5)
        (array([[[1.]]]), array([[[[0., 2.]]]]))
        >>> combine(np.array([[[2.0]]]), None, 0.5, 0.5, np.array([[[4.0]]]))[0]
        array([[[3.]]])
    """
    if weight == 1.0 and not long_weight:
        return predicted, quantiles
    combined = weight * predicted + (long_weight * long_change if long_weight else 0.0)
    shift = combined - predicted
    return combined, None if quantiles is None else quantiles + shift[..., None]


def combined_validation(model, calibrating: list, settings, series_state: dict) -> tuple[list[tuple], float]:
    """Every series' validation forecasts, with `shrinkage` combined as each series' windows choose
    with the panel's (`choose_pooling`, `choose_pooled`; set in `series_state`: `weight`,
    `long_weight`), for the bands to be calibrated on.

    Args:
        model: the trained network.
        calibrating: `(name, scaled rows, levels, validation ends, target scaler)` of every series.
        settings: the fit's settings.
        series_state: every series' state (with its `long_period`), updated in place with its weights.

    Returns:
        `(forecasts, quantile forecasts or None, levels, ends)` per series, in the transformed
        target's space (`tsrnn.forecasting.conformal.pooled_conformity_scores`), and the pooling
        weight chosen (0 without `shrinkage`).
    """
    spec, weighing = settings.window, settings.training.shrinkage and settings.window.target_transform != "level"
    forecasts, long_changes, errors, pairs = {}, {}, {}, {}
    for name, scaled, levels, ends, target_scaler in calibrating:
        forecasts[name] = preparation.predict_transformed(model, scaled, ends, spec, target_scaler,
                                                          max(settings.training.batch_size, 1024), with_quantiles=True)
        if weighing:
            period = series_state[name].long_period
            long_changes[name] = long_season_change(levels, ends, spec, period) if period else None
            errors[name] = combination_errors(forecasts[name][0], levels, ends, spec, long_changes[name])
            pairs[name] = combinations(period)
    pooling = choose_pooling(errors, pairs) if weighing else 0.0
    chosen = choose_pooled(errors, pairs, pooling) if weighing else {}
    found = []
    for name, _, levels, ends, _ in calibrating:
        predicted, quantiles = forecasts[name]
        if weighing:
            weight, long_weight = chosen[name]
            series_state[name] = dataclasses.replace(series_state[name], weight=weight, long_weight=long_weight)
            predicted, quantiles = combine(predicted, quantiles, weight, long_weight, long_changes[name])
        found.append((predicted, quantiles, levels, ends))
    return found, pooling


def combination_choices(states: list, pooling: float = 0.0) -> dict:
    """How many series each weight went to (`choices_["shrinkage"]`), the pooling weight
    (`choices_["combination_pooling"]`), and where the data has a longer season, its rows and how
    many series each weight on its naive forecast went to (`choices_["long_season"]`).

    Args:
        states: every series' `tsrnn.forecasting.state.SeriesState`.
        pooling: the pooling weight `combined_validation` chose.

    Returns:
        The counts, JSON-ready.
    """
    counts = {"shrinkage": {f"{w:g}": sum(s.weight == w for s in states) for w in SHRINKAGE_WEIGHTS},
              "combination_pooling": pooling}
    periods = {s.long_period for s in states} - {None}
    if periods:
        counts["long_season"] = {"period": max(periods),
                                 "weights": {f"{w:g}": sum(s.long_weight == w for s in states) for w in LONG_SEASON_WEIGHTS}}
    return counts
