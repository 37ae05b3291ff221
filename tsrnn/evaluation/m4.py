"""The M4 competition's task and scores, as its organisers compute them (Makridakis, Spiliotis and
Assimakopoulos, "The M4 Competition: 100,000 time series and 61 forecasting methods", IJF 2020;
their R code in the public `M4-methods` repository):

- the task: forecast the last `horizon` rows of each series from the rows before them;
- sMAPE on the 0-200 scale, `200 |y - f| / (|y| + |f|)`, averaged over the horizon, then over series;
- MASE scaled by the in-sample mean absolute seasonal difference (lag `period`), averaged the same way;
- OWA: the mean of the method's average sMAPE and average MASE, each divided by Naive2's;
- Naive2: the naive forecast of the series divided by its classical multiplicative seasonal
  indices (R's `decompose`), put back into the forecast, where the 90 % autocorrelation test at
  lag `period` finds a season (its `SeasonalityTest`), else the plain naive forecast.

On M4's 414 hourly series this module's Naive2 scores MASE 2.395 and sMAPE 18.383, the
competition's published figures (`tests/test_m4.py`, with the shared data).

Examples:
    >>> t = np.arange(24 * 20)
    >>> series = 100 + 10 * np.sin(2 * np.pi * t / 24)
    >>> bool(seasonality_test(series, 24)), bool(seasonality_test(np.random.default_rng(0).normal(size=480), 24))
    (True, False)
    >>> smape(np.array([100.0, 0.0]), np.array([110.0, 0.0])).round(3).tolist()
    [9.524, 0.0]
"""
from __future__ import annotations

import numpy as np

from tsrnn.errors import DataError
from tsrnn.features.seasons import seasonal_indices, seasonality_test

HOURLY_PERIOD = 24
HOURLY_HORIZON = 48
# The competition's published hourly figures (its results table), to print beside ours; their OWA
# follows from these and Naive2's (`reference_owa`).
HOURLY_REFERENCE = {
    "Naive2": {"mase": 2.395, "smape": 18.383},
    "ES-RNN (Smyl, the winner)": {"mase": 0.893, "smape": 9.33},
    "FFORMA (second overall)": {"mase": 0.819, "smape": 11.51},
    "best hourly entry (Doornik et al.)": {"mase": 0.801, "smape": 8.91},
}


def reference_owa(figures: dict[str, float], naive2_figures: dict[str, float] = HOURLY_REFERENCE["Naive2"]) -> float:
    """OWA of published sMAPE and MASE figures against Naive2's.

    Examples:
        >>> round(reference_owa(HOURLY_REFERENCE["ES-RNN (Smyl, the winner)"]), 3)
        0.44
    """
    return 0.5 * (figures["smape"] / naive2_figures["smape"] + figures["mase"] / naive2_figures["mase"])


def naive(insample: np.ndarray, horizon: int) -> np.ndarray:
    """The last value, repeated `horizon` times."""
    return np.full(horizon, float(insample[-1]))


def seasonal_naive(insample: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """The last season, repeated over `horizon` steps."""
    last = np.asarray(insample[-period:], dtype=np.float64)
    return last[np.arange(horizon) % period]


def naive2(insample: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """M4's Naive2 (see the module): the seasonally adjusted naive forecast.

    Args:
        insample: the in-sample values, oldest first.
        horizon: steps to forecast.
        period: rows per season.

    Returns:
        The `horizon` forecasts.
    """
    insample = np.asarray(insample, dtype=np.float64)
    if not seasonality_test(insample, period):
        return naive(insample, horizon)
    indices = seasonal_indices(insample, period)
    future = indices[len(insample) - period:][np.arange(horizon) % period]  # the last season's indices, repeated
    return insample[-1] / indices[-1] * future


def smape(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """M4's sMAPE per step, on the 0-200 scale (0 where both are 0)."""
    denominator = np.abs(actual) + np.abs(forecast)
    return np.divide(200 * np.abs(actual - forecast), denominator, out=np.zeros_like(denominator, dtype=np.float64),
                     where=denominator > 0)


def mase_scale(insample: np.ndarray, period: int) -> float:
    """The in-sample mean absolute seasonal difference (lag `period`) that M4's MASE divides by."""
    insample = np.asarray(insample, dtype=np.float64)
    return float(np.mean(np.abs(insample[period:] - insample[:-period])))


def holdout(panel: dict[str, np.ndarray], horizon: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each series' rows before its last `horizon` (the in-sample part) and its last `horizon` rows.

    Raises:
        DataError: a series has no more rows than `horizon`.
    """
    short = [name for name, values in panel.items() if len(values) <= horizon]
    if short:
        raise DataError(f"{len(short)} series have no more than {horizon} rows (e.g. {short[0]}); give longer series")
    return ({name: np.asarray(values[:-horizon], dtype=np.float64) for name, values in panel.items()},
            {name: np.asarray(values[-horizon:], dtype=np.float64) for name, values in panel.items()})


def score(insample: dict[str, np.ndarray], actual: dict[str, np.ndarray], forecasts: dict[str, dict[str, np.ndarray]],
          period: int) -> dict:
    """The competition's scores of every method, next to Naive2 (computed here when not given).

    Args:
        insample: each series' in-sample values.
        actual: each series' held-out values.
        forecasts: `{method: {series: forecasts}}`.
        period: rows per season (the MASE's lag and Naive2's season).

    Returns:
        `{method: {"smape", "mase", "owa", "mase_by_step", "series": {name: {"smape", "mase"}}}}`:
        averages over series (per step for `mase_by_step`), OWA against Naive2.

    Raises:
        DataError: a method lacks a series, or gives the wrong number of forecasts.
    """
    horizon = len(next(iter(actual.values())))
    methods = dict(forecasts)
    methods.setdefault("naive2", {name: naive2(values, horizon, period) for name, values in insample.items()})
    results = {}
    for method, by_series in methods.items():
        missing = sorted(set(actual) - set(by_series))
        if missing:
            raise DataError(f"{method}: no forecast for {len(missing)} series (e.g. {missing[0]})")
        errors, per_series = [], {}
        for name, truth in actual.items():
            forecast = np.asarray(by_series[name], dtype=np.float64)
            if forecast.shape != truth.shape:
                raise DataError(f"{method}: {name} has {forecast.shape} forecasts, the task asks for {truth.shape}")
            scale = mase_scale(insample[name], period)
            if not scale > 0:
                raise DataError(f"{name}: its in-sample values repeat every {period} rows, so its MASE scale is 0")
            scaled = np.abs(truth - forecast) / scale
            errors.append(scaled)
            per_series[name] = {"smape": float(smape(truth, forecast).mean()), "mase": float(scaled.mean())}
        results[method] = {"smape": float(np.mean([s["smape"] for s in per_series.values()])),
                           "mase": float(np.mean([s["mase"] for s in per_series.values()])),
                           "mase_by_step": np.mean(errors, axis=0).tolist(), "series": per_series}
    reference = results["naive2"]
    for result in results.values():
        result["owa"] = 0.5 * (result["smape"] / reference["smape"] + result["mase"] / reference["mase"])
    return results
