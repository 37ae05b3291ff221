"""Lagged targets: a copy of each target, `L` rows back, as one more input of every window.

A window of `lookback` rows ending at row `t` sees the targets up to `t`. For hourly data forecast 48
steps ahead, the values a week before the targets (rows `t + 1 - 168` to `t + 48 - 168`) tell which
day of the week is coming, but they lie outside a window of two days. The column `value@t-120`
holds `value` 120 rows earlier: on the window's rows `t - lookback + 1 .. t` it carries the rows a
week before the targets and the rows just before them, at the cost of one more input column
instead of a window three and a half times as long (the recurrent body's time grows with the
window's rows, hardly with its columns).

`week_before_targets` gives that lag, the longer season (`tsrnn.features.seasons.infer_long_period`:
a week of sub-daily rows) less the gap and the horizon. A row with no value `L` rows back (the
series' first `L` rows) holds the series' first value: a change of zero, as the first row's change
is. No row reads a value after itself.

It is not on by default (`Forecaster(target_lag=0)`): on the M4 hourly validation rows it improved
the linear path and the network alone, but not the forecast once each series' combination with
last week's values (`tsrnn.forecasting.combination`) was chosen, and the longer window the linear
path then chose more than doubled the fit (the panels guide has the figures).

Examples:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0]}, index=pd.date_range("2024-01-01", periods=4, freq="h"))
    >>> add_lagged_targets(frame, ("y",), 2)["y@t-2"].tolist()
    [1.0, 1.0, 1.0, 2.0]
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd

from tsrnn.features.seasons import infer_long_period


def lag_name(column: str, rows: int) -> str:
    """The input column that holds `column` `rows` rows earlier.

    Examples:
        >>> lag_name("value", 120)
        'value@t-120'
    """
    return f"{column}@t-{rows}"


def week_before_targets(index: pd.DatetimeIndex, seasonal_period: int | None, horizon: int, gap: int = 0) -> int:
    """The `target_lag` that lines a window's rows up with the values a longer season before its
    targets: the longer season less the gap and the horizon, or 0 where the data has no longer
    season or the horizon reaches past it.

    Args:
        index: the series' dates.
        seasonal_period: the anchor's season (a longer season is one the data holds several of).
        horizon: steps ahead.
        gap: rows skipped between the inputs and the targets.

    Returns:
        The lag in rows (0: none).

    Examples:
        >>> hours = pd.date_range("2024-01-01", periods=400, freq="h")
        >>> week_before_targets(hours, 24, horizon=48), week_before_targets(hours, 24, horizon=1)
        (120, 167)
        >>> week_before_targets(pd.date_range("2024-01-01", periods=400, freq="D"), 7, horizon=14)
        0
    """
    period = infer_long_period(index, seasonal_period)
    return max(period - gap - horizon, 0) if period else 0


def add_lagged_targets(frame: pd.DataFrame, targets: Sequence[str], rows: int) -> pd.DataFrame:
    """`frame` with the column `lag_name(c, rows)` for each target `c`: `c` `rows` rows earlier, the
    first value of `c` where the frame holds no such row.

    Args:
        frame: the series (its target columns filled).
        targets: the target columns.
        rows: the lag (0: `frame` unchanged).

    Returns:
        The frame with the lagged columns appended.

    Examples:
        >>> frame = pd.DataFrame({"y": [5.0, 6.0, 7.0]}, index=pd.date_range("2024-01-01", periods=3, freq="h"))
        >>> add_lagged_targets(frame, ("y",), 1).columns.tolist()
        ['y', 'y@t-1']
    """
    if not rows:
        return frame
    lagged = {lag_name(column, rows): frame[column].shift(rows).fillna(frame[column].iloc[0]) for column in targets}
    result = pd.concat([frame, pd.DataFrame(lagged, index=frame.index)], axis=1)
    result.attrs = dict(frame.attrs)
    return result


def rows_for_exact_lags(lookback: int, rows: int, warmup: int = 1) -> int:
    """The rows a forecast's last window needs for its lagged inputs to be the data's own values
    (fewer, and the earliest of them are the series' first value, as `add_lagged_targets` fills).

    Args:
        lookback: the window's rows.
        rows: the lag (`target_lag`); 0 for none.
        warmup: rows consumed before the first step change (`WindowSpec.warmup`).

    Returns:
        The rows needed (`lookback + warmup` where there is no lag).

    Examples:
        >>> rows_for_exact_lags(lookback=48, rows=120)
        169
    """
    return lookback + rows + warmup


def warn_if_lags_lack_rows(name: str, rows: int, spec) -> None:
    """Warn (`UserWarning`) where a series given to `predict` has fewer rows than its last window's
    lagged inputs need (`rows_for_exact_lags`); nothing without a `target_lag`.

    Args:
        name: the series.
        rows: its rows.
        spec: the fitted `WindowSpec`.

    Examples:
        >>> from tsrnn.features.windowing import WindowSpec
        >>> warn_if_lags_lack_rows("a", 10, WindowSpec(lookback=4, horizon=1, target_columns=("y",)))  # no lag: silent
    """
    needed = rows_for_exact_lags(spec.lookback, spec.target_lag, spec.warmup)
    if spec.target_lag and rows < needed:
        warnings.warn(f"series {name}: {rows} rows, but the last window reads {', '.join(spec.lagged_inputs)} and needs "
                      f"{needed} rows for them (target_lag={spec.target_lag}); the missing rows take the series' first "
                      f"value. Give at least {needed} rows", UserWarning, stacklevel=4)
