"""Forecast tables in other layouts: the forecast beyond the data, one row per step (for plots),
and the long layout of the Nixtla tools (`unique_id`, `ds`, `tsrnn`, `tsrnn-lo-80`, ...).

Both read the wide table `Forecaster.predict` makes with `dates=True` (one row per window, columns
`{target}_t+{k}`, `{target}_t+{k}_lo_{level}`, `..._hi_{level}` and `date_t+{k}`).

Examples:
    >>> from tsrnn.features.windowing import WindowSpec
    >>> spec = WindowSpec(lookback=2, horizon=2, target_columns=("y",))
    >>> wide = pd.DataFrame({"y_t+1": [1.0], "y_t+2": [2.0], "date_t+1": [pd.Timestamp("2020-01-02")],
    ...                      "date_t+2": [pd.Timestamp("2020-01-03")]})
    >>> nixtla_layout({"a": wide}, spec, []).to_dict("list")["tsrnn"]
    [1.0, 2.0]
"""
from __future__ import annotations

import pandas as pd

from tsrnn.features.windowing import WindowSpec
from tsrnn.forecasting.conformal import level_name


def steps_beyond(table: pd.DataFrame, spec: WindowSpec, coverage: list[float]) -> pd.DataFrame:
    """The last window's forecast of the first target, one row per step, indexed by the step's date.

    Args:
        table: one series' wide forecasts with `date_t+{k}` columns.
        spec: the fitted window spec.
        coverage: the band levels the table holds.

    Returns:
        `forecast` and, per level, `lo_{level}` and `hi_{level}`.
    """
    last, target = table.iloc[-1], spec.target_columns[0]
    steps = range(spec.gap + 1, spec.gap + spec.horizon + 1)
    frame = pd.DataFrame({"forecast": [last[f"{target}_t+{k}"] for k in steps]},
                         index=pd.DatetimeIndex([last[f"date_t+{k}"] for k in steps]))
    for value in coverage:
        frame[f"lo_{value:g}"] = [last[f"{target}_t+{k}_lo_{level_name(value)}"] for k in steps]
        frame[f"hi_{value:g}"] = [last[f"{target}_t+{k}_hi_{level_name(value)}"] for k in steps]
    return frame


def nixtla_layout(tables: dict[str, pd.DataFrame], spec: WindowSpec, coverage: list[float]) -> pd.DataFrame:
    """Every series' forecast beyond its data as the Nixtla tools lay a forecast out.

    Args:
        tables: each series' wide forecasts with `date_t+{k}` columns, by name.
        spec: the fitted window spec (one target).
        coverage: the band levels the tables hold.

    Returns:
        One row per series and step: `unique_id`, `ds`, `tsrnn`, and per level `tsrnn-lo-{level}`
        and `tsrnn-hi-{level}`.
    """
    rows = []
    for name, table in tables.items():
        beyond = steps_beyond(table, spec, coverage)
        part = pd.DataFrame({"unique_id": name, "ds": beyond.index, "tsrnn": beyond["forecast"].to_numpy()})
        for value in coverage:
            part[f"tsrnn-lo-{level_name(value)}"] = beyond[f"lo_{value:g}"].to_numpy()
            part[f"tsrnn-hi-{level_name(value)}"] = beyond[f"hi_{value:g}"].to_numpy()
        rows.append(part)
    return pd.concat(rows, ignore_index=True)
