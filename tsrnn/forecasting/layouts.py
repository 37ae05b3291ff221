"""Forecast tables in other layouts: the long layout (one row per window, step and target), the
forecast beyond the data alone, one row per step (for plots), and the long layout of the Nixtla
tools (`unique_id`, `ds`, `tsrnn`, `tsrnn-lo-80`, ...). `arrange` picks one by the name `predict`'s
`layout` argument takes.

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

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError
from tsrnn.features.windowing import WindowSpec
from tsrnn.forecasting.conformal import level_name
from tsrnn.utils.validation import LAYOUTS, check_choice


def arrange(tables: dict[str, pd.DataFrame], spec: WindowSpec, coverage: list[float], layout: str, panel: bool,
            regression: bool = True) -> pd.DataFrame:
    """The forecasts in one of the layouts of `predict` other than "wide".

    Args:
        tables: each series' wide forecasts with `date_t+{k}` columns, by name.
        spec: the fitted window spec.
        coverage: the band levels the tables hold.
        layout: "long" (`long_layout`, every window), "beyond" (the same for the forecast beyond
            the data alone) or "nixtla" (`nixtla_layout`).
        panel: whether the forecaster answers as a panel (a `series` column first).
        regression: whether the tables hold value forecasts (a classifier has only "wide").

    Returns:
        The table.

    Raises:
        ConfigError: an unknown layout, a classifier, or "nixtla" for more than one target.

    Examples:
        >>> spec = WindowSpec(lookback=2, horizon=2, target_columns=("y",))
        >>> wide = pd.DataFrame({"y_t+1": [1.0, 3.0], "y_t+2": [2.0, 4.0],
        ...                      "date_t+1": pd.to_datetime(["2020-01-02", "2020-01-03"]),
        ...                      "date_t+2": pd.to_datetime(["2020-01-03", "2020-01-04"])},
        ...                     index=pd.to_datetime(["2020-01-01", "2020-01-02"]))
        >>> arrange({"a": wide}, spec, [], "beyond", panel=False)[["step", "date", "forecast"]].to_dict("list")
        {'step': [1, 2], 'date': [Timestamp('2020-01-03 00:00:00'), Timestamp('2020-01-04 00:00:00')], 'forecast': [3.0, 4.0]}
    """
    check_choice("layout", layout, LAYOUTS)
    if not regression:
        raise ConfigError(f"layout {layout!r} lays out value forecasts; a classifier's predictions come in the wide layout")
    if layout == "nixtla":
        if len(spec.target_columns) != 1:
            raise ConfigError("the Nixtla tools' layout holds one forecast target; fit one --target, or choose another layout")
        return nixtla_layout(tables, spec, coverage)
    return long_layout(tables, spec, coverage, beyond_only=layout == "beyond", panel=panel)


def long_layout(tables: dict[str, pd.DataFrame], spec: WindowSpec, coverage: list[float], beyond_only: bool = False,
                panel: bool = True) -> pd.DataFrame:
    """One row per window, step and target: the long form of the forecasts.

    Args:
        tables: each series' wide forecasts with `date_t+{k}` columns, by name.
        spec: the fitted window spec.
        coverage: the band levels the tables hold.
        beyond_only: only each series' last window, the forecast beyond its data.
        panel: a `series` column first.

    Returns:
        Columns (`series`,) `origin` (the date of the window's last input row), `step`, `date` (the
        step's date), `target`, `forecast` and, per level, `lo_{level}` and `hi_{level}`; ordered by
        series (in the order of `tables`), origin, step and target.
    """
    picked = [table.iloc[-1:] if beyond_only else table for table in tables.values()]
    wide = pd.concat(picked)
    position, parts = np.arange(len(wide)), []  # each window's place: series by series, then by origin
    for step in range(spec.gap + 1, spec.gap + spec.horizon + 1):
        for target in spec.target_columns:
            part = pd.DataFrame({"position": position, "origin": wide.index, "step": step,
                                 "date": wide[f"date_t+{step}"].to_numpy(), "target": target,
                                 "forecast": wide[f"{target}_t+{step}"].to_numpy()})
            for value in coverage:
                part[f"lo_{level_name(value)}"] = wide[f"{target}_t+{step}_lo_{level_name(value)}"].to_numpy()
                part[f"hi_{level_name(value)}"] = wide[f"{target}_t+{step}_hi_{level_name(value)}"].to_numpy()
            parts.append(part)
    # Parts come step by step, target by target: a stable sort by position keeps that order within each window.
    rows = pd.concat(parts, ignore_index=True).sort_values("position", kind="stable")
    if panel:
        names = np.repeat(np.array(list(tables), dtype=object), [len(table) for table in picked])
        rows.insert(0, "series", names[rows["position"].to_numpy()])
    return rows.drop(columns="position").reset_index(drop=True)


def steps_beyond(table: pd.DataFrame, spec: WindowSpec, coverage: list[float]) -> pd.DataFrame:
    """The last window's forecast of the first target, one row per step, indexed by the step's date.

    Args:
        table: one series' wide forecasts with `date_t+{k}` columns.
        spec: the fitted window spec.
        coverage: the band levels the table holds.

    Returns:
        `forecast` and, per level, `lo_{level}` and `hi_{level}`.
    """
    rows = long_layout({"series": table}, spec, coverage, beyond_only=True, panel=False)
    first = rows[rows["target"] == spec.target_columns[0]]
    columns = ["forecast", *(f"{side}_{level_name(value)}" for value in coverage for side in ("lo", "hi"))]
    return first.set_index(pd.DatetimeIndex(first["date"]))[columns].rename_axis(None)


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
    rows = long_layout(tables, spec, coverage, beyond_only=True)
    names = {"series": "unique_id", "date": "ds", "forecast": "tsrnn"}
    names.update({f"{side}_{level_name(value)}": f"tsrnn-{side}-{level_name(value)}" for value in coverage for side in ("lo", "hi")})
    return rows.rename(columns=names)[list(names.values())]
