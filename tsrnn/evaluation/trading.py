"""Trading report from forecasts: positions, costs, and the usual performance figures.

Alignment: the position decided at the close of day t (from the forecast made with data up to t)
earns day t+1's return, never day t's. Costs are charged in basis points per unit of turnover
(a flat-to-long change is 1 unit, long-to-short 2) on the day the position changes.

Examples:
    >>> import numpy as np
    >>> prices = np.array([100.0, 110.0, 99.0, 99.0])
    >>> positions = positions_from_forecast(prices[:-1], np.array([105.0, 100.0, 100.0]))
    >>> positions.tolist()
    [1.0, 0.0, 1.0]
    >>> strategy_returns(prices, positions, cost_bps=0).round(4).tolist()
    [0.1, 0.0, 0.0]
"""
from __future__ import annotations

import math

import numpy as np

from tsrnn.utils.validation import TRADING_RULES, check_choice

PERIODS_PER_YEAR = 252
MIN_ANNUALISED_YEARS = 0.98  # one year, less a few holidays (250 of 252 exchange days)


def positions_from_forecast(last_prices: np.ndarray, forecasts: np.ndarray, threshold: float = 0.0,
                            rule: str = "long_flat") -> np.ndarray:
    """+1 when the forecast return exceeds `threshold`; else 0 (long_flat) or -1 when it is below
    `-threshold` (long_short).
    """
    check_choice("rule", rule, TRADING_RULES)
    expected = np.asarray(forecasts, dtype=np.float64) / np.asarray(last_prices, dtype=np.float64) - 1
    positions = (expected > threshold).astype(np.float64)
    if rule == "long_short":
        positions -= (expected < -threshold).astype(np.float64)
    return positions


def strategy_returns(prices: np.ndarray, positions: np.ndarray, cost_bps: float = 0.0) -> np.ndarray:
    """Net returns of holding `positions[t]` from close t to close t+1.

    `prices` has one more row than `positions`: `prices[t + 1] / prices[t] - 1` is what
    `positions[t]` earns. The first position is entered from flat.
    """
    prices = np.asarray(prices, dtype=np.float64)
    return strategy_returns_from(prices[1:] / prices[:-1] - 1, positions, cost_bps)


def strategy_returns_from(next_returns: np.ndarray, positions: np.ndarray, cost_bps: float = 0.0) -> np.ndarray:
    """Net returns of `positions[t]` held over the one-period return `next_returns[t]` each, with
    costs on the change of position (the first entered from flat).

    Examples:
        >>> strategy_returns_from(np.array([0.01, -0.02]), np.array([1.0, 0.0]), cost_bps=10).round(4).tolist()
        [0.009, -0.001]
    """
    positions = np.asarray(positions, dtype=np.float64)
    turnover = np.abs(np.diff(positions, prepend=0.0))
    return positions * np.asarray(next_returns, dtype=np.float64) - turnover * cost_bps / 1e4 + 0.0  # no negative zeros


def performance(returns: np.ndarray, positions: np.ndarray | None = None,
                periods_per_year: float = PERIODS_PER_YEAR) -> dict[str, float]:
    """Total and annualised return, annualised volatility, Sharpe, Sortino, maximum drawdown,
    and with `positions` the turnover (units per year) and hit rate (share of invested days that gained).

    Args:
        returns: the strategy's return per period.
        positions: the position held in each period (None: no turnover or hit rate).
        periods_per_year: periods in a year, to annualise.

    Returns:
        The figures by name.

    Examples:
        >>> performance(np.array([0.1, -0.5, 0.2]))["max_drawdown"]
        -0.5
    """
    returns = np.asarray(returns, dtype=np.float64)
    equity = np.cumprod(1 + returns)
    years = len(returns) / periods_per_year
    total = float(equity[-1] - 1) if len(returns) else 0.0
    deviation = returns.std(ddof=1) if len(returns) > 1 else 0.0
    downside = np.sqrt(np.mean(np.minimum(returns, 0) ** 2)) if len(returns) else 0.0
    mean = returns.mean() if len(returns) else 0.0
    report = {
        "total_return": total,
        "annual_return": annualised(total, years),
        "annual_volatility": float(deviation * np.sqrt(periods_per_year)),
        "sharpe": float(mean / deviation * np.sqrt(periods_per_year)) if deviation > 0 else 0.0,
        "sortino": float(mean / downside * np.sqrt(periods_per_year)) if downside > 0 else 0.0,
        "max_drawdown": max_drawdown(equity),
    }
    if positions is not None:
        positions = np.asarray(positions, dtype=np.float64)
        invested = positions != 0
        report["turnover_per_year"] = float(np.abs(np.diff(positions, prepend=0.0)).sum() / years) if years else 0.0
        report["exposure"] = float(invested.mean()) if len(positions) else 0.0
        report["hit_rate"] = float((returns[invested] > 0).mean()) if invested.any() else 0.0
    return report


def annualised(total: float, years: float) -> float | None:
    """The yearly rate that compounds to `total` over `years`; -1 for a total loss. None for less
    than a year (the GIPS rule: a few days or hours compounded over a year say nothing; a year of
    250 exchange days counts as one) or a rate too large for a float.

    Examples:
        >>> round(annualised(0.21, 2.0), 6), annualised(0.01, 0.1), annualised(-1.0, 1.0)
        (0.1, None, -1.0)
    """
    if total <= -1:
        return -1.0
    if years < MIN_ANNUALISED_YEARS:
        return None
    exponent = math.log1p(total) / years
    return math.expm1(exponent) if exponent < math.log(np.finfo(np.float64).max) else None


def max_drawdown(equity: np.ndarray) -> float:
    """Largest fall from a running peak of the equity curve, as a negative fraction (0 if none)."""
    equity = np.concatenate([[1.0], np.asarray(equity, dtype=np.float64)])
    peaks = np.maximum.accumulate(equity)
    return float((equity / peaks - 1).min())


def drawdown_curve(returns: np.ndarray) -> np.ndarray:
    """Drawdown after each period: equity over its running peak, minus 1."""
    equity = np.cumprod(1 + np.asarray(returns, dtype=np.float64))
    peaks = np.maximum.accumulate(np.concatenate([[1.0], equity]))[1:]
    return equity / peaks - 1
