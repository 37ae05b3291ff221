"""Each series' forecast as a combination chosen on its own validation windows (`shrinkage`).

The network forecasts each target's change from its anchor (the last value, or the value one season
earlier). Per series, that change is weighted, and where the data has a longer season than its
anchor's (a week of sub-daily rows: 168 hours, 336 half-hours) the seasonal-naive forecast of that
longer season is blended in as well, and where the anchor is the value a season earlier, the
seasonal naive carried forward by the last season's drift (`drift_change`: the mean of the last
season over the mean of the season before, once per season ahead):

    change = weight * network's change + long_weight * (longer season's naive - anchor)
             + drift_weight * (seasonal naive with drift - anchor)

in the target transform's space (log changes by default), with the three weights in
{0, .25, .5, .75, 1} and their sum at most 1 (the rest goes to the anchor itself). Every series picks
the combination that gives its validation windows the lowest mean absolute error in the data's
units, kept only where it beats the network's own forecast by more than one standard error of the
paired per-window difference, so a series with few validation windows keeps the network's forecast.
Like FFORMA (second at M4) it weighs methods per series, here four: the network, the seasonal naive
of the anchor, the seasonal naive of the longer season (two seasons, as MSTL takes
`season_length=[24, 168]` for hourly data) and the seasonal naive with drift (the drift a seasonal
random walk with drift estimates, here from the last two seasons, so that a trend that slows or
stops is followed within a season rather than extrapolated at its long-run mean); FFORMA learns its
weights from series features, here each series' own validation windows choose them.

In a panel, each series' choice also borrows from the others (`choose_pooled`): every pair's error
relative to the anchor's is averaged with the panel's median of that ratio, with a pooling weight
in `POOLING_WEIGHTS` (0: each series alone) that the panel's validation windows choose themselves:
choices made on each series' earlier half of windows are scored on its later half, and the softest
setting within one standard error of the best is kept (`choose_pooling`), as empirical Bayes
shrinks each series' estimate toward the group's.

The same split chooses how sharply a series' pairs are told apart (`TEMPERATURES`): at 0 each series
takes its single best pair, kept by the one-standard-error rule; above 0 its weights are the
average of every pair's, each pair weighted by `exp(-(score - best score) / temperature)`
(exponential weights, as in Hedge and AIC-weighted forecast combination), so a series whose pairs
score alike averages them instead of betting on the noisiest winner. One series alone, with no
panel's later windows to judge by, keeps temperature 0.

A series the network never trained on (a new series forecast by a fitted panel) chooses the same
way on its own validation windows (`choose_for_unseen`), with the panel's pooling weight against
the median the fit kept (`choices_["combination_median"]`) and its temperature.

A combination is written `(weight, long_weight, drift_weight)`; "pair" below is any such triple.

Examples:
    >>> import numpy as np
    >>> from tsrnn.features.windowing import WindowSpec
    >>> spec = WindowSpec(lookback=1, horizon=2, target_columns=("y",), target_transform="difference")
    >>> levels = np.arange(8.0).reshape(-1, 1)
    >>> long_season_change(levels, range(3, 5), spec, period=3)[:, :, 0].tolist()  # y[t+k-3] - y[t]
    [[-2.0, -1.0], [-2.0, -1.0]]
    >>> seasonal = WindowSpec(lookback=4, horizon=3, target_columns=("y",), target_transform="difference",
    ...                       target_anchor="season", seasonal_period=2)
    >>> drift_change(np.arange(8.0).reshape(-1, 1), range(3, 5), seasonal)[:, :, 0].tolist()  # 2 a season, 1 or 2 seasons on
    [[2.0, 2.0, 4.0], [2.0, 2.0, 4.0]]
"""
from __future__ import annotations

import dataclasses

import numpy as np

from tsrnn.features import preparation
from tsrnn.features.windowing import WindowSpec, anchor_rows, target_rows

SHRINKAGE_WEIGHTS = (1.0, 0.75, 0.5, 0.25, 0.0)  # ties go to the network's own forecast
LONG_SEASON_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
DRIFT_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
POOLING_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
TEMPERATURES = (0.0, 0.02, 0.05, 0.1, 0.2)  # in relative error (the anchor's = 1)
ANCHOR = (0.0, 0.0, 0.0)


def combinations(long_period: int | None, drift: bool = False) -> list[tuple[float, float, float]]:
    """The `(weight, long_weight, drift_weight)` combinations a series chooses from, the network's
    own forecast first.

    Args:
        long_period: rows in the longer season (any true value adds the combinations that blend it
            in), or None.
        drift: whether the seasonal naive with drift is blended in too (`has_drift`).

    Returns:
        The combinations, ties going to the earlier one.

    Examples:
        >>> combinations(None)
        [(1.0, 0.0, 0.0), (0.75, 0.0, 0.0), (0.5, 0.0, 0.0), (0.25, 0.0, 0.0), (0.0, 0.0, 0.0)]
        >>> len(combinations(168)), combinations(168)[5], len(combinations(168, drift=True))
        (15, (0.75, 0.25, 0.0), 35)
    """
    longs = LONG_SEASON_WEIGHTS if long_period else (0.0,)
    without = [(weight, long, 0.0) for weight in SHRINKAGE_WEIGHTS for long in longs[:1]]
    without += [(weight, long, 0.0) for weight in SHRINKAGE_WEIGHTS for long in longs[1:] if weight + long <= 1.0]
    if not drift:
        return without
    return without + [(weight, long, change) for weight in SHRINKAGE_WEIGHTS for long in longs for change in DRIFT_WEIGHTS[1:]
                      if weight + long + change <= 1.0]


def has_drift(spec: WindowSpec) -> bool:
    """Whether a forecast with `spec` blends in the seasonal naive with drift: where its targets are
    measured from the value a season earlier (a season of two rows or more) and a change of it
    (`difference` or a log transform), not a level.

    Examples:
        >>> has_drift(WindowSpec(lookback=4, horizon=2, target_columns=("y",), target_anchor="season", seasonal_period=2))
        True
        >>> has_drift(WindowSpec(lookback=4, horizon=2, target_columns=("y",)))
        False
    """
    return (spec.target_anchor == "season" and (spec.seasonal_period or 0) >= 2 and spec.target_transform != "level")


def drift_change(levels: np.ndarray, ends, spec: WindowSpec) -> np.ndarray:
    """The seasonal naive carried forward by the last season's drift, as a change from each
    target's anchor in the target transform's space: `(len(ends), horizon, targets)`.

    The drift is the change from the mean of the season before the window's last season to the
    mean of that last season (a difference, or a log ratio for a log transform); step `k`, whose
    anchor lies `ceil((gap + k) / period)` seasons before it, moves that many drifts from its
    anchor. Where the data holds fewer than two seasons before a window's end, the change is 0
    (the anchor stands in).

    Args:
        levels: the series' target levels `(rows, targets)`.
        ends: the windows' ends.
        spec: the window spec (seasonal anchor; see `has_drift`).

    Returns:
        The changes.
    """
    levels, ends, period = np.asarray(levels, dtype=np.float64), np.asarray(ends, dtype=int), spec.seasonal_period
    sums = np.vstack([np.zeros((1, levels.shape[1])), np.cumsum(levels, axis=0)])
    known = ends - 2 * period + 1 >= 0
    last = np.clip(np.where(known, ends, 2 * period - 1), 0, len(levels) - 1) + 1  # one past each window's last row
    latest = (sums[last] - sums[np.clip(last - period, 0, None)]) / period
    before = (sums[np.clip(last - period, 0, None)] - sums[np.clip(last - 2 * period, 0, None)]) / period
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = latest - before if spec.target_transform == "difference" else np.log(latest) - np.log(before)
    seasons = np.asarray(drift_seasons_ahead(spec), dtype=np.float64)
    return np.where(known[:, None, None], seasons[None, :, None] * np.nan_to_num(growth)[:, None, :], 0.0)


def drift_seasons_ahead(spec: WindowSpec) -> list[int]:
    """How many seasons each step lies after its anchor: the drifts `drift_change` adds to it
    (what `serving.json` gives a server).

    Examples:
        >>> drift_seasons_ahead(WindowSpec(lookback=4, horizon=5, target_columns=("y",), target_anchor="season", seasonal_period=2))
        [1, 1, 2, 2, 3]
    """
    first = range(0, 1)
    return ((target_rows(first, spec) - anchor_rows(first, spec))[0] // spec.seasonal_period).tolist()


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
                       long_period: int | None = None) -> tuple[float, float, float]:
    """The `(weight, long_weight, drift_weight)` that gives one series' validation windows the lowest mean
    absolute error in the data's units (the series alone: `choose_pooled` with pooling 0), kept
    only where it beats the network's own forecast (1, 0, 0) by more than one standard error of the
    paired per-window difference (the rule that keeps trained weights,
    `tsrnn.nn.training.keep_trained`).

    Args:
        predicted: the network's validation forecasts in the transformed target's space.
        levels: the series' target levels.
        ends: the validation windows' ends.
        spec: the window spec (its transform is measured from an anchor).
        long_period: rows in the longer season, or None.

    Returns:
        One of `combinations(long_period, has_drift(spec))` ((1, 0, 0) where no other is clearly better).

    Examples:
        >>> spec = WindowSpec(lookback=1, horizon=1, target_columns=("y",), target_transform="difference")
        >>> levels = np.array([[1.0], [1.0], [1.0], [1.0]])
        >>> choose_combination(np.array([[[1.0]], [[2.0]], [[1.5]]]), levels, range(0, 3), spec)  # the series never moves
        (0.0, 0.0, 0.0)
    """
    long_change = long_season_change(levels, ends, spec, long_period) if long_period else None
    drift = drift_change(levels, ends, spec) if has_drift(spec) else None
    pairs = combinations(long_period, drift is not None)
    return choose_pooled({"": combination_errors(predicted, levels, ends, spec, long_change, drift)}, {"": pairs}, 0.0)[""]


def combination_errors(predicted: np.ndarray, levels: np.ndarray, ends, spec: WindowSpec,
                       long_change: np.ndarray | None, drift: np.ndarray | None = None) -> list[np.ndarray]:
    """Each pair of `combinations` scored on one series' windows: its absolute error in the data's
    units, averaged over each window's steps and targets.

    Args:
        predicted: the network's forecasts in the transformed target's space.
        levels: the series' target levels.
        ends: the windows' ends.
        spec: the window spec.
        long_change: `long_season_change` of the same windows, or None (no longer season).
        drift: `drift_change` of the same windows, or None (no seasonal anchor).

    Returns:
        One array of per-window errors for each pair, in the order of `combinations`.

    Examples:
        >>> spec = WindowSpec(lookback=1, horizon=1, target_columns=("y",), target_transform="difference")
        >>> errors = combination_errors(np.full((2, 1, 1), 2.0), np.zeros((3, 1)), range(0, 2), spec, None)
        >>> [e.tolist() for e in errors[::2]]
        [[2.0, 2.0], [1.0, 1.0], [0.0, 0.0]]
    """
    windows = ChoiceWindows(predicted, levels, ends, spec, long_change, drift)
    return windows.errors(combinations(long_change is not None, drift is not None))


@dataclasses.dataclass(frozen=True)
class ChoiceWindows:
    """One series' validation windows, in time order, as its combination is chosen on them.

    Attributes:
        predicted: the network's forecasts in the transformed target's space `(windows, horizon, targets)`.
        levels: the series' target levels.
        ends: the windows' ends.
        spec: the window spec.
        long_change: `long_season_change` of the same windows, or None (no longer season).
        drift: `drift_change` of the same windows, or None (no seasonal anchor).

    Examples:
        >>> spec = WindowSpec(lookback=1, horizon=1, target_columns=("y",), target_transform="difference")
        >>> windows = ChoiceWindows(np.full((2, 1, 1), 2.0), np.zeros((3, 1)), range(0, 2), spec, None)
        >>> windows.errors([(0.25, 0.0, 0.0)])[0].tolist(), len(windows.part(slice(1, None)).ends)
        ([0.5, 0.5], 1)
    """

    predicted: np.ndarray
    levels: np.ndarray
    ends: object
    spec: WindowSpec
    long_change: np.ndarray | None
    drift: np.ndarray | None = None

    def errors(self, pairs) -> list[np.ndarray]:
        """Each `(weight, long_weight, drift_weight)` combination's absolute error in the data's
        units per window, averaged over its steps and targets (any weights, not only `combinations`' grid).
        """
        actual = self.levels[target_rows(self.ends, self.spec)]
        return [np.abs(preparation.invert(blend(self.predicted, weight, long, self.long_change, drift, self.drift),
                                          self.levels, self.ends, self.spec) - actual).mean(axis=(1, 2))
                for weight, long, drift in pairs]

    def part(self, windows: slice) -> ChoiceWindows:
        """These windows cut to `windows` (a slice of their time order)."""
        return dataclasses.replace(self, predicted=self.predicted[windows], ends=np.asarray(self.ends)[windows],
                                   long_change=None if self.long_change is None else self.long_change[windows],
                                   drift=None if self.drift is None else self.drift[windows])


def blend(predicted: np.ndarray, weight: float, long_weight: float = 0.0, long_change: np.ndarray | None = None,
          drift_weight: float = 0.0, drift: np.ndarray | None = None) -> np.ndarray:
    """`weight * predicted + long_weight * long_change + drift_weight * drift`: the combined change
    from the anchor in the transformed target's space (a term whose weight is 0 may be None).

    Examples:
        >>> blend(np.array([2.0]), 0.5, 0.25, np.array([4.0]), 0.25, np.array([-4.0])).tolist()
        [1.0]
    """
    combined = weight * predicted
    if long_weight:
        combined = combined + long_weight * long_change
    if drift_weight:
        combined = combined + drift_weight * drift
    return combined


def relative_errors(errors: list[np.ndarray], pairs: list[tuple[float, ...]]) -> dict[tuple[float, ...], float]:
    """Each pair's mean error on one series' windows over the anchor's (`(0, 0, 0)`, the seasonal naive
    of the anchor): below 1 where the pair beats the anchor.

    Args:
        errors: `combination_errors` of the series.
        pairs: `combinations` of the series (the same order).

    Returns:
        `{pair: ratio}` (a series whose anchor never errs divides by a tiny number instead).

    Examples:
        >>> relative_errors([np.array([1.0, 3.0]), np.array([4.0, 4.0])], [(1.0, 0.0, 0.0), (0.0, 0.0, 0.0)])
        {(1.0, 0.0, 0.0): 0.5, (0.0, 0.0, 0.0): 1.0}
    """
    scale = max(float(errors[pairs.index(ANCHOR)].mean()), 1e-12)
    return {pair: float(error.mean()) / scale for pair, error in zip(pairs, errors, strict=True)}


def choose_pooled(errors: dict[str, list[np.ndarray]], pairs: dict[str, list[tuple[float, ...]]],
                  pooling: float, temperature: float = 0.0,
                  median: dict[tuple[float, ...], float] | None = None) -> dict[str, tuple[float, ...]]:
    """Every series' `(weight, long_weight, drift_weight)`, its relative errors averaged with the panel's median.

    Each pair scores `(1 - pooling) * the series' relative error + pooling * the panel's median
    relative error of that pair` (`relative_errors`). At `temperature` 0 the lowest score is kept
    only where it beats the network's own forecast (the series' first pair) by more than one
    standard error of the paired per-window difference, as `choose_combination` keeps it. Above 0
    the series' weights average every pair's, each weighted by `exp(-(score - lowest score) /
    temperature)` (exponential weights; the sum of the two weights stays at most 1). With
    `pooling=0` and `temperature=0` each series chooses as `choose_combination` does alone.

    Args:
        errors: `combination_errors` of every series.
        pairs: `combinations` of every series.
        pooling: the weight on the panel's median, in [0, 1].
        temperature: 0 (the single best pair) or how far, in relative error, a pair's score may
            lie above the best one's and still count (`TEMPERATURES`).
        median: the panel's median relative error of each pair (`panel_median`; None: the median
            of `errors`, the panel being chosen for); a pair it lacks scores by the series alone.

    Returns:
        `{series: (weight, long_weight, drift_weight)}` (above temperature 0, rounded to 4 decimals).

    Examples:
        >>> pairs = combinations(None)
        >>> errors = {"a": [np.array([1.0, 1.1, 0.9]) * (1 + w) for w, _, _ in pairs]}  # lower with less weight
        >>> choose_pooled(errors, {"a": pairs}, pooling=0.0)
        {'a': (0.0, 0.0, 0.0)}
        >>> choose_pooled(errors, {"a": pairs}, pooling=0.0, temperature=0.2)  # mostly the lowest, some of the next
        {'a': (0.098, 0.0, 0.0)}
    """
    from tsrnn.nn.training import keep_trained

    relative = {name: relative_errors(errors[name], pairs[name]) for name in errors}
    median = panel_median(relative) if median is None else median
    chosen = {}
    for name, series_errors in errors.items():
        scores = np.array([(1 - pooling) * relative[name][pair] + pooling * median.get(pair, relative[name][pair])
                           for pair in pairs[name]])
        if temperature > 0:
            weights = np.exp(-(scores - scores.min()) / temperature)
            chosen[name] = tuple(round(float(value), 4) for value in weights @ np.array(pairs[name]) / weights.sum())
            continue
        best = int(np.argmin(scores))
        chosen[name] = pairs[name][best] if best and keep_trained(series_errors[0], series_errors[best]) else pairs[name][0]
    return chosen


def panel_median(relative: dict[str, dict[tuple[float, ...], float]]) -> dict[tuple[float, ...], float]:
    """Each pair's median relative error over the series that have it (what `choose_pooled` pools with).

    Args:
        relative: every series' `relative_errors`.

    Returns:
        `{pair: median ratio}`.

    Examples:
        >>> panel_median({"a": {(1.0, 0.0, 0.0): 0.5, (0.0, 0.0, 0.0): 1.0}, "b": {(1.0, 0.0, 0.0): 0.9, (0.0, 0.0, 0.0): 1.0}})
        {(0.0, 0.0, 0.0): 1.0, (1.0, 0.0, 0.0): 0.7}
    """
    every_pair = sorted({pair for ratios in relative.values() for pair in ratios})
    return {pair: float(np.median([ratios[pair] for ratios in relative.values() if pair in ratios])) for pair in every_pair}


def choose_for_unseen(windows: ChoiceWindows, long_period: int | None, choices: dict) -> tuple[float, float, float]:
    """The `(weight, long_weight, drift_weight)` of a series the network never trained on, chosen on its own
    validation windows by the rule the fit chose for its panel: the pooling weight with the panel's
    stored median (`choices["combination_median"]`) and the temperature (`combination_choices`).
    A run without them (before they were stored) chooses as the series alone at the stored
    temperature; no validation windows of two or more keep the network's forecast.

    Args:
        windows: the series' validation windows with the network's own forecasts (weight 1), and
            their `drift_change` where the fit's series chose with it (`choices["drift"]`).
        long_period: rows in its longer season, or None.
        choices: the fit's `choices_`.

    Returns:
        One of `combinations(long_period, windows.drift is not None)`, or above temperature 0
        their weighted average.

    Examples:
        >>> spec = WindowSpec(lookback=1, horizon=1, target_columns=("y",), target_transform="difference")
        >>> levels = np.array([[0.0], [1.0], [1.0], [2.0], [2.0], [3.0]])  # changes 1, 0, 1, 0, 1; the network says 2
        >>> windows = ChoiceWindows(np.full((5, 1, 1), 2.0), levels, range(0, 5), spec, None)
        >>> choose_for_unseen(windows, None, {"combination_pooling": 0.0, "combination_temperature": 0.0})
        (0.5, 0.0, 0.0)
    """
    if len(windows.ends) < 2:
        return 1.0, 0.0, 0.0
    pairs = combinations(long_period, windows.drift is not None)
    stored = choices.get("combination_median")  # kept only where the panel pooled; [weights..., ratio]
    median = {tuple(float(w) for w in (*weights, 0.0, 0.0)[:3]): float(ratio) for *weights, ratio in stored or ()}
    pooling = float(choices.get("combination_pooling", 0.0)) if stored else 0.0
    return choose_pooled({"": windows.errors(pairs)}, {"": pairs}, pooling, float(choices.get("combination_temperature", 0.0)),
                         median)[""]


def choose_pooling(windows: dict[str, ChoiceWindows], pairs: dict[str, list[tuple[float, ...]]]) -> tuple[float, float]:
    """The pooling weight (`POOLING_WEIGHTS`) and temperature (`TEMPERATURES`) the panel's own
    validation windows prefer: the pairs are chosen (`choose_pooled`) on each series' earlier half
    of windows, and the weights chosen are scored by their error on its later half relative to the
    anchor's, averaged over series. Of the settings within one standard error of the best (of the
    per-series differences from it), the softest is kept: the highest temperature, then the most
    pooling (the one-standard-error rule of Breiman et al. and glmnet's `lambda.1se`, which takes
    the most regularised model the data cannot tell from the best; averaging pairs and borrowing
    from the panel are the regularisers here). Panels with no two series of four windows or more
    go to `(0, 0)` (each series alone, its single best pair).

    Args:
        windows: every series' `ChoiceWindows`, in time order.
        pairs: `combinations` of every series.

    Returns:
        `(pooling, temperature)`.

    Examples:
        >>> spec = WindowSpec(lookback=1, horizon=1, target_columns=("y",), target_transform="difference")
        >>> one = ChoiceWindows(np.ones((4, 1, 1)), np.arange(5.0).reshape(-1, 1), range(0, 4), spec, None)
        >>> choose_pooling({"a": one}, {"a": combinations(None)})  # one series: no panel to judge by
        (0.0, 0.0)
    """
    halves = {name: len(series.ends) // 2 for name, series in windows.items() if len(series.ends) >= 4}
    if len(halves) < 2:
        return 0.0, 0.0
    earlier = {name: windows[name].part(slice(0, half)).errors(pairs[name]) for name, half in halves.items()}
    later = {name: windows[name].part(slice(half, None)) for name, half in halves.items()}
    anchor_error = {name: max(float(later[name].errors([ANCHOR])[0].mean()), 1e-12) for name in halves}
    scores = {}
    for temperature in TEMPERATURES:
        for pooling in POOLING_WEIGHTS:
            chosen = choose_pooled(earlier, pairs, pooling, temperature)
            scores[pooling, temperature] = np.array([later[name].errors([chosen[name]])[0].mean() / anchor_error[name]
                                                     for name in halves])
    best = scores[min(scores, key=lambda setting: scores[setting].mean())]  # the first of equal means
    within = [setting for setting, score in scores.items()
              if (score - best).mean() <= (score - best).std(ddof=1) / np.sqrt(len(halves))]
    return max(within, key=lambda setting: (setting[1], setting[0]))


def shrinkage_weight(predicted: np.ndarray, levels: np.ndarray, ends, spec: WindowSpec) -> float:
    """The weight on the forecast's change from its anchor (`choose_combination` without a longer
    season): one of `SHRINKAGE_WEIGHTS`.

    Examples:
        >>> spec = WindowSpec(lookback=1, horizon=1, target_columns=("y",), target_transform="difference")
        >>> shrinkage_weight(np.full((3, 1, 1), 2.0), np.arange(4.0).reshape(-1, 1), range(0, 3), spec)
        0.5
    """
    return choose_combination(predicted, levels, ends, spec)[0]


def combine(predicted: np.ndarray, quantiles: np.ndarray | None, weight: float, long_weight: float = 0.0,
            long_change: np.ndarray | None = None, drift_weight: float = 0.0, drift: np.ndarray | None = None):
    """Forecasts in the transformed target's space with their change from the anchor times `weight`,
    plus `long_weight` times the longer season's naive change and `drift_weight` times the seasonal
    naive's change with drift (`blend`); the quantile head's predictions move with the point
    forecast, keeping their spread.

    Args:
        predicted: `(windows, horizon, targets)`.
        quantiles: `(windows, horizon, targets, quantiles)`, or None.
        weight: the series' weight on the network's change (1: unchanged).
        long_weight: the series' weight on the longer season's naive change (0: none).
        long_change: `long_season_change` of the same windows (needed where `long_weight` is not 0).
        drift_weight: the series' weight on the seasonal naive's change with drift (0: none).
        drift: `drift_change` of the same windows (needed where `drift_weight` is not 0).

    Returns:
        `(predicted, quantiles)` combined.

    Examples:
        >>> combine(np.array([[[2.0]]]), np.array([[[[1.0, 3.0]]]]), 0.5)
        (array([[[1.]]]), array([[[[0., 2.]]]]))
        >>> combine(np.array([[[2.0]]]), None, 0.5, 0.5, np.array([[[4.0]]]))[0]
        array([[[3.]]])
    """
    if weight == 1.0 and not long_weight and not drift_weight:
        return predicted, quantiles
    combined = blend(predicted, weight, long_weight, long_change, drift_weight, drift)
    shift = combined - predicted
    return combined, None if quantiles is None else quantiles + shift[..., None]


def combined_validation(model, calibrating: list, settings, series_state: dict) -> tuple[list[tuple], float, float]:
    """Every series' validation forecasts, with `shrinkage` combined as each series' windows choose
    with the panel's (`choose_pooling`, `choose_pooled`; set in `series_state`: `weight`,
    `long_weight`, `drift_weight`), for the bands to be calibrated on.

    Args:
        model: the trained network.
        calibrating: `(name, scaled rows, levels, validation ends, target scaler)` of every series.
        settings: the fit's settings.
        series_state: every series' state (with its `long_period`), updated in place with its weights.

    Returns:
        `(forecasts, quantile forecasts or None, levels, ends)` per series, in the transformed
        target's space (`tsrnn.forecasting.conformal.pooled_conformity_scores`), the pooling
        weight and temperature chosen (0 and 0 without `shrinkage`), and the panel's median
        relative error of each pair (`panel_median`; empty without `shrinkage`).
    """
    spec, weighing = settings.window, settings.training.shrinkage and settings.window.target_transform != "level"
    long_changes, drifts, windows, errors, pairs = {}, {}, {}, {}, {}
    predicted = preparation.predict_transformed_panel(model, [(scaled, ends, scaler) for _, scaled, _, ends, scaler in calibrating],
                                                      spec, max(settings.training.batch_size, 1024), with_quantiles=True)
    forecasts = {name: found for (name, *_), found in zip(calibrating, predicted, strict=True)}
    for name, _, levels, ends, _ in calibrating if weighing else ():
        period = series_state[name].long_period
        long_changes[name] = long_season_change(levels, ends, spec, period) if period else None
        drifts[name] = drift_change(levels, ends, spec) if has_drift(spec) else None
        windows[name] = ChoiceWindows(forecasts[name][0], levels, ends, spec, long_changes[name], drifts[name])
        pairs[name] = combinations(period, drifts[name] is not None)
        errors[name] = windows[name].errors(pairs[name])
    pooling, temperature = choose_pooling(windows, pairs) if weighing else (0.0, 0.0)
    median = panel_median({name: relative_errors(errors[name], pairs[name]) for name in errors})
    chosen = choose_pooled(errors, pairs, pooling, temperature, median) if weighing else {}
    found = []
    for name, _, levels, ends, _ in calibrating:
        predicted, quantiles = forecasts[name]
        if weighing:
            weight, long_weight, drift_weight = chosen[name]
            series_state[name] = dataclasses.replace(series_state[name], weight=weight, long_weight=long_weight,
                                                     drift_weight=drift_weight)
            predicted, quantiles = combine(predicted, quantiles, weight, long_weight, long_changes[name], drift_weight, drifts[name])
        found.append((predicted, quantiles, levels, ends))
    return found, pooling, temperature, median


def combination_choices(states: list, pooling: float = 0.0, temperature: float = 0.0,
                        median: dict[tuple[float, ...], float] | None = None, drift: bool = False) -> dict:
    """How many series each weight went to (`choices_["shrinkage"]`; above temperature 0 a
    series' weight counts toward the nearest of `SHRINKAGE_WEIGHTS`), the pooling weight
    (`choices_["combination_pooling"]`), the temperature (`choices_["combination_temperature"]`),
    and where the data has a longer season, its rows and how many series each weight on its naive
    forecast went to (`choices_["long_season"]`, counted the same way), and where the seasonal naive
    with drift was blended in (`drift`), how many series each weight on it went to
    (`choices_["drift"]`). Where the panel pools (`pooling` above 0), its median relative error of
    each combination as `[weight, long_weight, drift_weight, ratio]`
    (`choices_["combination_median"]`), for a series training did not see to choose as the
    panel's did (`choose_for_unseen`).

    Args:
        states: every series' `tsrnn.forecasting.state.SeriesState`.
        pooling: the pooling weight `combined_validation` chose.
        temperature: the temperature `combined_validation` chose.
        median: the panel's median relative error of each pair (`panel_median`).
        drift: whether the series chose with the seasonal naive with drift (`has_drift`).

    Returns:
        The counts, JSON-ready.

    Examples:
        >>> from types import SimpleNamespace as State
        >>> combination_choices([State(weight=1.0, long_period=None), State(weight=0.6, long_period=None)], 0.0, 0.05)["shrinkage"]
        {'1': 1, '0.75': 0, '0.5': 1, '0.25': 0, '0': 0}
    """
    def nearest(value: float, grid: tuple[float, ...]) -> float:
        return min(grid, key=lambda point: (abs(point - value), -point))

    counts = {"shrinkage": {f"{w:g}": sum(nearest(s.weight, SHRINKAGE_WEIGHTS) == w for s in states) for w in SHRINKAGE_WEIGHTS},
              "combination_pooling": pooling, "combination_temperature": temperature}
    if pooling and median:
        counts["combination_median"] = [[*weights, ratio] for weights, ratio in median.items()]
    periods = {s.long_period for s in states} - {None}
    if periods:
        counts["long_season"] = {"period": max(periods), "weights": {
            f"{w:g}": sum(nearest(s.long_weight, LONG_SEASON_WEIGHTS) == w for s in states) for w in LONG_SEASON_WEIGHTS}}
    if drift:
        counts["drift"] = {"weights": {f"{w:g}": sum(nearest(s.drift_weight, DRIFT_WEIGHTS) == w for s in states)
                                       for w in DRIFT_WEIGHTS}}
    return counts
