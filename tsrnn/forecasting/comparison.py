"""One routine puts a model next to its baselines: the same windows, the same actual values, the
same MASE scale, for `Forecaster.evaluate` (and so `tsrnn fit`'s table) and for every fold of
`tsrnn.evaluation.walk_forward` alike.

Examples:
    >>> import pandas as pd
    >>> from tsrnn.features.windowing import WindowSpec
    >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]})
    >>> spec = WindowSpec(lookback=2, target_columns=("y",), target_transform="level")
    >>> baselines = {b.name: b.fit(frame) for b in default_baselines(spec, seasonal_period=2)}
    >>> scores = compare(baselines, frame, range(4, 7), spec, mase_scale=[1.0])
    >>> scores["drift"]["mae"], scores["naive_last_value"]["mae"]
    (0.0, 1.0)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tsrnn.features.windowing import WindowSpec, target_rows
from tsrnn.forecasting.baselines import (
    DriftForecaster,
    MovingAverageForecaster,
    Naive2Forecaster,
    NaiveForecaster,
    RidgeForecaster,
    SeasonalNaiveForecaster,
)
from tsrnn.forecasting.metrics import forecast_metrics

MOVING_AVERAGE_WINDOW = 20


def default_baselines(spec: WindowSpec, seasonal_period: int | None = None,
                      moving_average_window: int = MOVING_AVERAGE_WINDOW) -> list:
    """Unfitted naive, seasonal naive, drift, moving average and Ridge forecasters on `spec`'s windows,
    and with a season M4's Naive2 (the benchmark of its OWA).

    The seasonal period is `seasonal_period`, else the spec's; without a season, seasonal naive is
    naive and Naive2 is left out (it would be naive too).
    """
    seasonal_period = seasonal_period or spec.seasonal_period or 1
    window = dict(lookback=spec.lookback, horizon=spec.horizon, target=list(spec.target_columns), gap=spec.gap,
                  target_transform=spec.target_transform)
    return [
        NaiveForecaster(**window),
        SeasonalNaiveForecaster(period=seasonal_period, **window),
        *([Naive2Forecaster(period=seasonal_period, **window)] if seasonal_period > 1 else []),
        DriftForecaster(**window),
        MovingAverageForecaster(window=moving_average_window, **window),
        RidgeForecaster(**window),
    ]


def forecasts_of(forecasters: dict, frame: pd.DataFrame, ends: range) -> dict[str, np.ndarray]:
    """Each fitted forecaster's `(len(ends), horizon, targets)` forecasts in the data's units."""
    return {name: forecaster.forecast_levels(frame, ends) for name, forecaster in forecasters.items()}


def compare(forecasters: dict, frame: pd.DataFrame, ends: range, spec: WindowSpec, mase_scale,
            forecasts: dict[str, np.ndarray] | None = None, by_step: bool = False) -> dict[str, dict[str, float]]:
    """Metrics of every forecaster (model and baselines) on the windows ending at `ends` of `frame`.

    `forecasts` may hold forecasts already made (by name), so none is computed twice. The metrics
    pool every step of the horizon; with `by_step` and a horizon over 1, each forecaster also gets
    `mase_by_step`, the MASE of each step alone (a list, step 1 first).
    """
    levels = frame[list(spec.target_columns)].to_numpy(np.float64)
    actual = levels[target_rows(ends, spec)]
    anchors = levels[np.asarray(ends)]
    made = dict(forecasts or {})
    made.update(forecasts_of({k: v for k, v in forecasters.items() if k not in made}, frame, ends))
    scores = {name: forecast_metrics(actual, made[name], mase_scale, anchors) for name in forecasters}
    if by_step and spec.horizon > 1:
        scale = np.asarray(mase_scale, dtype=np.float64)
        for name, row in scores.items():
            errors = np.abs(actual - made[name]) / scale  # (windows, horizon, targets)
            row["mase_by_step"] = [float(value) for value in errors.mean(axis=(0, 2))]
    return scores


def best_baseline(scores: dict[str, dict[str, float]], metric: str = "mase", model: str = "model") -> str:
    """The name of the baseline with the lowest `metric` in `compare`'s output."""
    names = [name for name, row in scores.items() if name != model and isinstance(row, dict) and metric in row]
    return min(names, key=lambda name: scores[name][metric])


def pooled_scores(per_series: dict) -> dict[str, dict[str, float]]:
    """For the model and every baseline, the per-series scores pooled across scales: the mean of the
    per-series MASE and that mean weighted by each series' windows (a classifier: the mean accuracy
    and balanced accuracy).

    Args:
        per_series: `{series: {"windows": n, method: {metric: value}, ...}}` as `Forecaster.evaluate` scores them.

    Returns:
        `{method: {"mean_mase", "weighted_mase", "series"}}`, `"mean_smape"` where sMAPE was
        scored, with a horizon over 1 `"mean_mase_by_step"` (the mean over the series of each
        step's MASE), and where Naive2 is among the methods `"owa"` (`owa`).

    Examples:
        >>> pooled_scores({"a": {"windows": 1, "model": {"mase": 1.0}}, "b": {"windows": 3, "model": {"mase": 2.0}}})
        {'model': {'mean_mase': 1.5, 'weighted_mase': 1.75, 'series': 2}}
    """
    first = next(iter(per_series.values()))
    methods = [k for k in first if isinstance(first[k], dict) and k != "intervals"]
    weights = np.array([s["windows"] for s in per_series.values()], dtype=np.float64)
    pooled = {}
    for method in methods:
        if "mase" not in first[method]:  # a classifier's accuracy
            pooled[method] = {metric: float(np.mean([s[method][metric] for s in per_series.values()]))
                              for metric in ("accuracy", "balanced_accuracy")} | {"series": len(per_series)}
            continue
        mase = np.array([s[method]["mase"] for s in per_series.values()], dtype=np.float64)
        pooled[method] = {"mean_mase": float(mase.mean()), "weighted_mase": float((mase * weights).sum() / weights.sum()),
                          "series": len(mase)}
        if all("mase_by_step" in s[method] for s in per_series.values()):  # a horizon over 1
            by_step = np.array([s[method]["mase_by_step"] for s in per_series.values()], dtype=np.float64)
            pooled[method]["mean_mase_by_step"] = [float(value) for value in by_step.mean(axis=0)]
        if "smape" in first[method]:
            pooled[method]["mean_smape"] = float(np.mean([s[method]["smape"] for s in per_series.values()]))
    if "naive2" in pooled and "mean_smape" in pooled["naive2"]:  # M4's overall weighted average against Naive2
        benchmark = pooled["naive2"]
        for scores in pooled.values():
            if "mean_smape" in scores:
                scores["owa"] = owa(scores, benchmark)
    return pooled


def owa(scores: dict[str, float], naive2: dict[str, float]) -> float:
    """M4's overall weighted average: the mean of the mean sMAPE and the mean MASE, each divided by
    Naive2's (below 1: better than Naive2; nan where Naive2's error is 0).

    Examples:
        >>> owa({"mean_smape": 0.1, "mean_mase": 1.0}, {"mean_smape": 0.2, "mean_mase": 2.0})
        0.5
    """
    ratios = [scores[key] / naive2[key] if naive2[key] else float("nan") for key in ("mean_smape", "mean_mase")]
    return float(np.mean(ratios))


def pooled_interval_scores(per_series: dict) -> dict:
    """For each band level, the mean over the series of the model band's and the naive band's
    coverage and scaled interval score (each series' windows weigh alike).

    Args:
        per_series: per-series scores with `"intervals"` (see `pooled_scores`).

    Returns:
        `{level: {"model": {...}, "naive_band": {...}}}`.
    """
    scored = [s["intervals"] for s in per_series.values() if "intervals" in s]
    pooled = {}
    for level in scored[0]:
        pooled[level] = {band: {name: float(np.mean([s[level][band][name] for s in scored]))
                                for name in ("coverage", "scaled_winkler")} | {"series": len(scored)}
                         for band in ("model", "naive_band")}
    return pooled
