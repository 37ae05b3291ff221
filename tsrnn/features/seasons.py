"""The season length of a series, read from its dates.

Business days repeat every 5 rows, calendar days every 7, weeks every 52, months every 12,
quarters every 4, hours every 24, half-hours every 48 (any regular sub-daily spacing: the rows in
a day). Irregular dates have no season (None).

The season's shape: M4's seasonality test (the autocorrelation at the season's lag beyond its 90 %
limit) and classical multiplicative seasonal indices (R's `decompose`), which the Naive2 baseline
(`tsrnn.forecasting.baselines`) and the M4 scores (`tsrnn.evaluation.m4`) share.

Examples:
    >>> import pandas as pd
    >>> infer_seasonal_period(pd.date_range("2020-01-01", periods=36, freq="MS"))
    12
    >>> infer_seasonal_period(pd.bdate_range("2020-01-01", periods=60))
    5
    >>> infer_seasonal_period(pd.date_range("2020-01-01", periods=200, freq="30min"))
    48
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

_DAY = pd.Timedelta(days=1)


def infer_seasonal_period(index: pd.DatetimeIndex) -> int | None:
    """Rows per season for dates spaced like `index`.

    Args:
        index: the dates.

    Returns:
        The rows per season (24 for hours, 7 for days, 5 for exchange days, 12 for months, ...),
        or None when the spacing is irregular.

    Examples:
        >>> infer_seasonal_period(pd.date_range("2024-01-01", periods=48, freq="h"))
        24
    """
    index = pd.DatetimeIndex(index)
    if len(index) < 3:
        return None
    steps = pd.Series(index[1:] - index[:-1])
    typical = steps.median()
    regular = (steps == typical).mean()
    if typical < _DAY:
        if regular < 0.9 or _DAY % typical != pd.Timedelta(0):
            return None
        return int(_DAY / typical)
    days = typical / _DAY
    if days == 1:
        if regular < 0.6:  # exchange days: mostly 1 day apart, some 3 (weekends) or more (holidays)
            return None
        weekends = (index.day_of_week >= 5).mean()
        return 7 if weekends > 0.05 else 5
    if days == 7 and regular >= 0.9:
        return 52
    if 28 <= days <= 31 and (steps / _DAY).between(28, 31).mean() >= 0.9:
        return 12
    if 89 <= days <= 92 and (steps / _DAY).between(89, 92).mean() >= 0.9:
        return 4
    return None


def warn_if_seasons_differ(frames: dict[str, pd.DataFrame], given: int | None = None) -> None:
    """Warn where a panel's series are spaced differently (hours and days, say) and no season was
    given: one global model reads its season, and its default lookback, from the first series.

    Args:
        frames: the panel's series by name, indexed by their dates.
        given: the season the user gave (then nothing is read from the dates, and nothing warned).

    Examples:
        >>> hours, days = (pd.DataFrame({"y": range(48)}, index=pd.date_range("2024-01-01", periods=48, freq=f))
        ...                for f in ("h", "D"))
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     warn_if_seasons_differ({"a": hours, "b": days, "c": days})
        >>> print(caught[0].message)  # doctest: +ELLIPSIS
        the panel's series are spaced differently (season 24 rows: a; season 7 rows: b and 1 more); ...
    """
    if given is not None or len(frames) < 2:
        return
    seasons: dict[int, list[str]] = {}
    for name, frame in frames.items():
        season = infer_seasonal_period(frame.index)
        if season is not None:  # irregular dates tell no season
            seasons.setdefault(season, []).append(str(name))
    if len(seasons) > 1:
        found = "; ".join(f"season {season} rows: {names[0]}" + (f" and {len(names) - 1} more" if len(names) > 1 else "")
                          for season, names in seasons.items())
        first = next(iter(frames))
        warnings.warn(f"the panel's series are spaced differently ({found}); one global model takes the first series' "
                      f"({first}) season for all of them; pass seasonal_period (--seasonal-period) to set it, or fit "
                      "each spacing as a panel of its own", UserWarning, stacklevel=2)


def infer_long_period(index: pd.DatetimeIndex, seasonal_period: int | None = None) -> int | None:
    """Rows in the longer season of sub-daily dates: a week (168 hours, 336 half-hours), where it is
    longer than `seasonal_period`; None for daily and longer spacing or irregular dates.

    Args:
        index: the dates.
        seasonal_period: the season already in use (None: the one the dates give).

    Returns:
        The rows in a week, or None.

    Examples:
        >>> infer_long_period(pd.date_range("2024-01-01", periods=48, freq="h"))
        168
        >>> infer_long_period(pd.date_range("2024-01-01", periods=48, freq="30min"))
        336
        >>> infer_long_period(pd.date_range("2024-01-01", periods=48, freq="D")) is None
        True
        >>> infer_long_period(pd.date_range("2024-01-01", periods=48, freq="h"), seasonal_period=168) is None
        True
    """
    index = pd.DatetimeIndex(index)
    day = infer_seasonal_period(index)
    if day is None or len(index) < 3 or pd.Series(index[1:] - index[:-1]).median() >= _DAY:
        return None
    week = 7 * day
    return week if week > (seasonal_period or day) else None


def describe_period(period: int | None) -> str:
    """A short phrase for the season, e.g. '12 rows (months in a year)'."""
    names = {5: "business days in a week", 7: "days in a week", 52: "weeks in a year", 12: "months in a year",
             4: "quarters in a year", 24: "hours in a day", 48: "half-hours in a day"}
    if period is None:
        return "none (irregular dates)"
    return f"{period} rows ({names[period]})" if period in names else f"{period} rows"


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """Rows per year for dates spaced like `index`: 252 exchange days, 365 calendar days, 52 weeks,
    12 months, 4 quarters; sub-daily rows times the days (252 without weekends, else 365). 252 when
    the spacing is irregular (the trading report's convention).

    Examples:
        >>> periods_per_year(pd.date_range("2020-01-01", periods=40, freq="MS"))
        12.0
    """
    period = infer_seasonal_period(index)
    index = pd.DatetimeIndex(index)
    typical = pd.Series(index[1:] - index[:-1]).median() if len(index) > 1 else _DAY
    if period is None:
        return 252.0
    if typical < _DAY:
        weekdays_only = (index.day_of_week >= 5).mean() < 0.05
        return float(period * (252 if weekdays_only else 365))
    return float({5: 252, 7: 365, 52: 52, 12: 12, 4: 4}.get(period, 252))


def _autocorrelation(values: np.ndarray, lags: int) -> np.ndarray:
    """R's `acf`: autocorrelations at lags 1..`lags` of the mean-centred series, normalised by n."""
    centred = values - values.mean()
    denominator = float(centred @ centred)
    return np.array([float(centred[: len(values) - lag] @ centred[lag:]) / denominator for lag in range(1, lags + 1)])


def seasonality_test(values: np.ndarray, period: int) -> bool:
    """M4's `SeasonalityTest`: whether the autocorrelation at lag `period` exceeds its 90 % limit.

    Args:
        values: the in-sample values, oldest first.
        period: rows per season (24 for hourly data).

    Returns:
        True where the series is seasonal (never for fewer than three seasons of rows, nor for
        constant values, whose autocorrelation is undefined).

    Examples:
        >>> seasonality_test(np.tile([1.0, 5.0, 2.0], 10), 3), seasonality_test(np.full(30, 7.0), 3)
        (True, False)
    """
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 3 * period or np.ptp(values) == 0:
        return False
    correlations = _autocorrelation(values, period)
    limits = 1.645 / np.sqrt(len(values)) * np.sqrt(np.cumsum(np.concatenate([[1.0], 2 * correlations ** 2])))
    return bool(abs(correlations[period - 1]) > limits[period - 1])


def seasonal_indices(values: np.ndarray, period: int) -> np.ndarray:
    """R's `decompose(type="multiplicative")$seasonal`: one index per row, the mean ratio of the values
    to their centred moving average at each position of the season, normalised to mean 1.

    Args:
        values: the in-sample values, oldest first (the first row is position 0 of the season).
        period: rows per season.

    Returns:
        The seasonal index of every row.
    """
    values = np.asarray(values, dtype=np.float64)
    weights = np.ones(period + 1 if period % 2 == 0 else period) / period
    if period % 2 == 0:
        weights[0] = weights[-1] = 0.5 / period
    half = len(weights) // 2
    trend = np.full(len(values), np.nan)
    trend[half: len(values) - half] = np.convolve(values, weights, mode="valid")
    ratio = values / trend
    figure = np.array([np.nanmean(ratio[position::period]) for position in range(period)])
    figure /= figure.mean()
    return figure[np.arange(len(values)) % period]
