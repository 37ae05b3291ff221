"""Walk-forward backtests of one series or a panel: the model and every baseline, retrained as
time moves on, scored on consecutive test periods, with a trading report for one series.

Folds come from scikit-learn's `TimeSeriesSplit` over the rows (expanding window, or sliding with
`train_size`, and an optional `gap` of embargoed rows between training and test). In every fold,
every forecaster is fitted on the fold's training rows only (so scalers see nothing later), and
forecasts the windows whose targets all lie in the test period in one batched call, from a frame
cut at the end of that period. A panel's model forecasts every series' windows of a fold with one
network call (`Forecaster.forecast_windows`), and draws the bands around those same forecasts.

Usage:
    from tsrnn import Forecaster
    result = backtest(Forecaster(epochs=5), "datasets/sp500.csv", folds=5)
    result.metrics["overall"]["model"]["mase"], result.metrics["overall"]["naive_last_value"]["mase"]
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError, DataError
from tsrnn.evaluation.folds import Fold, walk_forward_folds
from tsrnn.evaluation.panel_backtest import PanelBacktestResult, panel_result, write_panel_backtest
from tsrnn.evaluation.trading import drawdown_curve, performance, positions_from_forecast, strategy_returns_from
from tsrnn.features.preparation import PreparedData
from tsrnn.features.seasons import periods_per_year
from tsrnn.features.splits import union_of_dates
from tsrnn.features.windowing import ends_with_targets_in, target_rows, target_values
from tsrnn.forecasting.comparison import compare, default_baselines, forecasts_of, pooled_scores
from tsrnn.forecasting.conformal import adaptive_radii, band, check_levels, conformity_scores, interval_scores, level_name, volatility
from tsrnn.forecasting.metrics import forecast_metrics, naive_scale
from tsrnn.forecasting.params import read_options
from tsrnn.forecasting.series_forecasts import WindowForecasts
from tsrnn.io.panels import read_series_or_panel
from tsrnn.io.tables import select_columns
from tsrnn.utils.atomic import jsonable

PRICE_NAMES = ("close", "adj close", "adj_close", "open", "high", "low", "price")  # traded by default


@dataclass
class BacktestResult:
    """Everything a backtest of one series produced.

    Attributes:
        predictions: one row per forecaster, window, step and target (`actual`, `forecast`, ...).
        folds: one row per fold, each forecaster's scores in columns.
        metrics: `{"overall", "folds", "trading", "settings"}` (and `"intervals"` with levels).
        equity: the trading report's equity and drawdown curves (empty when skipped).
        bands: the bands scored per window, step and level (None without levels).

    Examples:
        >>> BacktestResult(pd.DataFrame(), pd.DataFrame(), {}, pd.DataFrame()).bands is None
        True
    """

    predictions: pd.DataFrame
    folds: pd.DataFrame
    metrics: dict
    equity: pd.DataFrame
    bands: pd.DataFrame | None = None


def _fresh(forecaster):
    """An unfitted copy with the same parameters (a backtest never reuses a template's state)."""
    params = forecaster.get_params()
    if "test_fraction" in params:
        params["test_fraction"] = 0.0  # the fold's test period is the test split
    return type(forecaster)(**params)


def backtest(
    model,
    data: str | os.PathLike | pd.DataFrame,
    folds: int = 5,
    test_size: int | None = None,
    window: str = "expanding",
    train_size: int | None = None,
    gap: int = 0,
    refit_every: int = 1,
    baselines: Sequence | None = None,
    cost_bps: float = 5.0,
    threshold: float = 0.0,
    rule: str = "long_flat",
    progress: Callable[[Fold, dict], None] | None = None,
    level: list[float] | float | None = None,
    trading: bool | None = None,
    id_column: str | None = None,
):
    """Walk-forward evaluation of `model` and `baselines` (default: `tsrnn.forecasting.comparison.default_baselines`
    on the model's window spec, with the model's seasonal period).

    `refit_every=k` refits every forecaster at folds 0, k, 2k, ...; in between, the last fitted
    model (with its scalers) forecasts the later data unchanged. `progress(fold, scores)` is called
    after each fold with that fold's row of the folds table (e.g. `scores["model_mase"]`); an
    exception it raises stops the backtest (a tuner prunes a poor trial that way).

    With `level` (e.g. `[80, 95]`) the model's bands are scored too: split conformal (calibrated on
    each fold's validation part), adaptive conformal inference carried across the folds, and the
    naive forecast's empirical band (`metrics["intervals"]`, `intervals`).

    The trading report (`metrics["trading"]`, `equity`) trades the first target as a price. By
    default (`trading=None`) only a target named like a price (Close, Adj Close, Open, High, Low,
    Price) is traded; `trading=True` trades any target. With `trading=False`, or where that target
    is zero or negative in a test period (returns are then undefined: a temperature, a net flow),
    it is left out: `metrics["trading"]` holds `"skipped"`, the reason, and `equity` is empty.

    A panel (a folder of CSVs, a dict of frames, or a long table with `id_column`) goes through the
    same fold loop: the folds cut the union of its dates, one global model is fitted per fold on every
    series' training rows (a series without a training window sits the fold out), and each series is
    forecast, scored and banded as one series is, next to the default baselines fitted on its own
    training rows. It returns a `tsrnn.evaluation.panel_backtest.PanelBacktestResult` (per series
    and pooled, with every series' predictions and bands; no trading report, no `baselines` argument).

    Args:
        model: the forecaster (a `Forecaster`, or a baseline) whose parameters each fold's fit takes.
        data: one series (a CSV or a DataFrame) or a panel.
        folds: the test periods.
        test_size: rows per test period.
        window: "expanding" or "sliding" (with `train_size` rows).
        train_size: rows per sliding training window.
        gap: rows left out between training and test.
        refit_every: refit at every k-th fold only.
        baselines: the forecasters compared (None: the defaults).
        cost_bps: the trading report's cost per unit of turnover, in basis points.
        threshold: the trading rule's minimum forecast return to take a position.
        rule: "long_flat" or "long_short".
        progress: called after each fold.
        level: band coverages to score.
        trading: trade the first target (None: only a price-named one).
        id_column: the id column of a long table (a panel).

    Returns:
        A `BacktestResult` (a `PanelBacktestResult` for a panel).

    Raises:
        ConfigError: an invalid setting.
        DataError: data that cannot be read, or a fold without a window.

    Examples:
        >>> from tsrnn.forecasting.baselines import NaiveForecaster
        >>> frame = pd.DataFrame({"y": np.arange(1.0, 61.0)}, index=pd.date_range("2024-01-01", periods=60))
        >>> result = backtest(NaiveForecaster(lookback=1, target="y"), frame, folds=2, test_size=10)
        >>> result.metrics["overall"]["model"]["mase"], result.metrics["trading"]["skipped"][:25]
        (1.0, "target 'y' is not named l")
    """
    coverage = check_levels(level)
    if coverage and not hasattr(model, "forecast_windows"):
        raise ConfigError("bands need a Forecaster as the model (baselines draw no calibrated bands)")
    if not isinstance(refit_every, int) or refit_every < 1:
        raise ConfigError(f"refit_every must be >= 1, got {refit_every!r}")
    if getattr(model, "task", "regression") != "regression":
        raise ConfigError("a backtest scores value forecasts; use task='regression'")
    frames, panel, _ = read_series_or_panel(data, read_options(model), id_column)
    if panel and baselines is not None:
        raise ConfigError("a panel's backtest scores the default baselines of every series; leave baselines out")
    spec = model.make_window_spec(next(iter(frames.values())))
    selected = {name: select_columns(frame, spec.columns, getattr(model, "fill", None)) for name, frame in frames.items()}
    model_frames = frames if panel else selected  # a panel's model also reads static covariate columns
    templates = default_baselines(spec) if baselines is None else list(baselines)
    dates = union_of_dates(selected)
    plan = walk_forward_folds(len(dates), folds, test_size, window, train_size, gap)
    records, fold_rows, band_records, adaptive_state, panel_folds = [], [], [], {}, []
    for fold in plan:
        first, train_end, test_start = dates[fold.train_start], dates[fold.train_end], dates[fold.test_start]
        test_end = dates[fold.test_end] if fold.test_end < len(dates) else dates[-1] + pd.Timedelta(seconds=1)
        train_rows = _rows_between(selected, first, train_end)
        training = _rows_between(model_frames, first, train_end) if panel else train_rows
        empty = [name for name, rows in train_rows.items() if not len(rows)]
        refit = fold.index % refit_every == 0
        if refit:
            kept = {name: frame for name, frame in training.items() if len(frame)}
            fitted = _fresh(model).fit(kept, skip_short=True) if panel else _fresh(model).fit(kept[next(iter(kept))])
            baselines_of = {name: {b.name: _fresh(b).fit(train_rows[name]) for b in templates}
                            for name in kept if not panel or name in fitted.series_}
            fitted_on = fold.index
        cases = {}
        for name, frame in selected.items():
            if name not in baselines_of:
                continue  # no training rows in this fold (or too few for a window): it sits the fold out
            history = frame[frame.index < test_end]
            ends = ends_with_targets_in(len(history), spec, int(history.index.searchsorted(test_start)), len(history))
            if not len(ends):
                if panel:
                    continue
                raise DataError(
                    f"fold {fold.index}: test period of {fold.test_end - fold.test_start} rows holds no window with "
                    f"horizon {spec.horizon} and gap {spec.gap}; use fewer folds or a larger test size")
            # A Forecaster reads and checks each series' rows once, for its forecasts and its bands.
            model_data = (fitted.prepare({name: model_frames[name][model_frames[name].index < test_end]}, series=name)
                          if panel else fitted.prepare(history) if hasattr(fitted, "prepare") else history)
            cases[name] = (history, ends, model_data)
        # A Forecaster forecasts every series' windows of the fold with one network call, for the
        # scores and the bands alike; another model (a baseline) forecasts each series.
        found = (fitted.forecast_windows({name: (data, ends) for name, (_, ends, data) in cases.items()})
                 if hasattr(fitted, "forecast_windows") else None)
        scored = {}
        for name, (history, ends, model_data) in cases.items():
            scale = naive_scale(train_rows[name][list(spec.target_columns)].to_numpy(np.float64))
            model_forecast = found[name].levels if found is not None else fitted.forecast_levels(model_data, ends)
            forecasts = {"model": model_forecast, **forecasts_of(baselines_of[name], history, ends)}
            scores = compare({"model": fitted, **baselines_of[name]}, history, ends, spec, scale, forecasts=forecasts,
                             by_step=panel)
            scored[name] = {"windows": len(ends), **scores}
            levels = history[list(spec.target_columns)].to_numpy(np.float64)
            for method in scores:
                records.append(_prediction_rows(method, fold, history.index, ends, spec, levels[np.asarray(ends)],
                                                levels[target_rows(ends, spec)], forecasts[method], scale, name if panel else None))
            if coverage:
                band_records.append(_band_rows(fitted, model_data, ends, found[name], fold, coverage,
                                               adaptive_state.setdefault(name, {}), scale, name if panel else None))
        if not scored:
            raise DataError(f"fold {fold.index}: no series has a window in {test_start.date()} .. {dates[fold.test_end - 1].date()}; "
                            "use fewer folds, a larger test size or longer series")
        row = {"fold": fold.index, "train_start": first, "train_end": dates[fold.train_end - 1],
               "test_start": test_start, "test_end": dates[fold.test_end - 1], "windows": sum(s["windows"] for s in scored.values()),
               "refit": refit}
        if panel:
            pooled = pooled_scores(scored)
            panel_folds.append((row, fitted_on, scored, sorted(empty + list(fitted.skipped_)), pooled))
            if progress:
                progress(fold, pooled)
            continue
        for name, metrics in next(iter(scored.values())).items():
            if isinstance(metrics, dict):
                row.update({f"{name}_{key}": value for key, value in metrics.items()})
        fold_rows.append(row)
        if progress:
            progress(fold, row)
    predictions = pd.concat(records, ignore_index=True)
    bands = pd.concat(band_records, ignore_index=True) if band_records else None
    settings = {"target": spec.target_columns[0], "folds": folds, "test_size": test_size, "window": window,
                "train_size": train_size, "gap": gap, "refit_every": refit_every}
    if panel:
        return panel_result(panel_folds, predictions, bands, settings)
    folds_table = pd.DataFrame(fold_rows)
    metrics = {"overall": _overall_metrics(predictions, spec), "folds": folds_table.to_dict(orient="records")}
    if trading is None:
        trading = spec.target_columns[0].strip().lower() in PRICE_NAMES
        skipped = f"target {spec.target_columns[0]!r} is not named like a price; pass trading=True to trade it"
    else:
        skipped = "not asked for (trading=False)"
    frame = next(iter(selected.values()))
    equity, metrics["trading"] = (_trading(predictions, frame, spec, cost_bps, threshold, rule) if trading else
                                  (pd.DataFrame(), {"skipped": skipped}))
    if bands is not None:
        metrics["intervals"] = _interval_metrics(bands)
    metrics["settings"] = {**settings, "cost_bps": cost_bps, "threshold": threshold, "rule": rule}
    return BacktestResult(predictions=predictions, folds=folds_table, metrics=jsonable(metrics), equity=equity, bands=bands)


def backtest_panel(model, panel, folds: int = 3, test_size: int | None = None, window: str = "expanding",
                   train_size: int | None = None, gap: int = 0, id_column: str | None = None,
                   progress: Callable[[Fold, dict], None] | None = None,
                   level: list[float] | float | None = None, refit_every: int = 1) -> PanelBacktestResult:
    """`backtest` of a panel, with a panel backtest's defaults (three folds; the tuner calls it).

    Args:
        model: the `Forecaster` whose parameters every fold's fit takes.
        panel: a folder of CSVs, a dict of frames, or a long table with `id_column`.
        folds: the test periods.
        test_size: dates per test period.
        window: "expanding" or "sliding" (with `train_size` dates).
        train_size: dates per sliding training window.
        gap: dates left out between training and test.
        id_column: the id column of a long table.
        progress: called after each fold with its pooled scores.
        level: band coverages to score.
        refit_every: fit on every k-th fold only.

    Returns:
        The `PanelBacktestResult`.

    Raises:
        ConfigError: an invalid setting.
        DataError: a panel that cannot be read, or folds without windows.

    Examples:
        >>> from tsrnn import Forecaster
        >>> frame = pd.DataFrame({"y": np.arange(1.0, 61.0)}, index=pd.date_range("2024-01-01", periods=60))
        >>> result = backtest_panel(Forecaster(lookback=5, units=2, epochs=1, seed=0), {"a": frame, "b": 2 * frame},
        ...                         folds=2, test_size=10)
        >>> result.metrics["overall"]["pooled"]["model"]["series"], len(result.metrics["folds"])
        (2, 2)
    """
    return backtest(model, panel, folds=folds, test_size=test_size, window=window, train_size=train_size, gap=gap,
                    id_column=id_column, progress=progress, level=level, refit_every=refit_every)


def _rows_between(frames: dict[str, pd.DataFrame], start: pd.Timestamp, end: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """Every series' rows dated in `[start, end)` (a fold's training rows)."""
    return {name: frame[(frame.index >= start) & (frame.index < end)] for name, frame in frames.items()}


def _band_rows(model, prepared: PreparedData, ends: range, forecasts: WindowForecasts, fold: Fold, coverage: list[float],
               adaptive_state: dict, scale: np.ndarray, series: str | None = None) -> pd.DataFrame:
    """One series' bands of one fold in long format, around the model's `forecasts` of its windows:
    split conformal, adaptive conformal (its miscoverage rates carried in `adaptive_state` from fold
    to fold) and the naive empirical band, per level (with a `series` column for a panel's).
    """
    spec = model.window_spec_  # the fitted spec: the lookback and anchor the fold's fit chose
    levels = prepared.levels
    calibration = model.calibration_for(prepared)
    transformed, quantiles = forecasts.transformed, forecasts.quantiles
    volatility_at_ends = volatility(levels, spec)[np.asarray(ends)]
    test_scores = conformity_scores(transformed, target_values(levels, ends, spec), volatility_at_ends)
    actual = levels[target_rows(ends, spec)]
    methods = {"model": calibration.model_bands(transformed, levels, ends, coverage, quantiles),
               "naive_band": calibration.naive_bands(levels, ends, coverage), "model_adaptive": {}}
    for value in coverage:
        radii, adaptive_state[value] = adaptive_radii(calibration.scores, test_scores, value, adaptive_state.get(value),
                                                       delay=1 + spec.gap)
        methods["model_adaptive"][value] = band(transformed, radii, volatility_at_ends, levels, ends, spec)
    positions = np.asarray(ends)
    shape = actual.shape
    window_columns = {"origin": prepared.frame.index[_long(positions[:, None, None], shape)],
                      "step": _long(spec.gap + 1 + np.arange(spec.horizon)[None, :, None], shape),
                      "target": np.asarray(spec.target_columns, dtype=object)[_long(np.arange(shape[2]), shape)],
                      "actual": _long(actual, shape)}
    table = pd.concat([pd.DataFrame({"method": method, "level": level_name(value), "fold": fold.index, **window_columns,
                                     "lower": _long(lower, shape), "upper": _long(upper, shape), "mase_scale": _long(scale, shape)})
                       for method, bands in methods.items() for value, (lower, upper) in bands.items()], ignore_index=True)
    if series is not None:
        table.insert(0, "series", series)
    return table


def _long(values: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """`values` broadcast to `(windows, horizon, targets)`, flattened in a long table's row order:
    step by step, target by target within a step, window by window within a target.

    Examples:
        >>> _long(np.arange(4).reshape(2, 2, 1), (2, 2, 1)).tolist()  # two windows, two steps
        [0, 2, 1, 3]
    """
    return np.transpose(np.broadcast_to(values, shape), (1, 2, 0)).ravel()


def _interval_metrics(bands: pd.DataFrame) -> dict:
    """Interval scores per level and method, over all folds and per fold."""
    result: dict = {}
    for (level, method), group in bands.groupby(["level", "method"], sort=False):
        scores = interval_scores(group["actual"].to_numpy(), group["lower"].to_numpy(), group["upper"].to_numpy(),
                                 float(level), group["mase_scale"].to_numpy())
        per_fold = {int(fold): interval_scores(part["actual"].to_numpy(), part["lower"].to_numpy(), part["upper"].to_numpy(),
                                               float(level), part["mase_scale"].to_numpy())["coverage"]
                    for fold, part in group.groupby("fold")}
        result.setdefault(level, {})[method] = {**scores, "coverage_per_fold": per_fold}
    return result


def _prediction_rows(name, fold, index, ends, spec, anchors, actual, forecast, scale, series=None) -> pd.DataFrame:
    """Long format: one row per forecaster, window, step and target (and a `series` column for a panel's)."""
    positions, shape = np.asarray(ends), actual.shape
    table = pd.DataFrame({"forecaster": name, "fold": fold.index,
                          "origin": index[_long(positions[:, None, None], shape)],
                          "origin_row": _long(positions[:, None, None], shape),
                          "date": index[_long(positions[:, None, None] + spec.gap + 1 + np.arange(spec.horizon)[None, :, None], shape)],
                          "step": _long(spec.gap + 1 + np.arange(spec.horizon)[None, :, None], shape),
                          "target": np.asarray(spec.target_columns, dtype=object)[_long(np.arange(shape[2]), shape)],
                          "last_value": _long(anchors[:, None, :], shape), "actual": _long(actual, shape),
                          "forecast": _long(forecast, shape), "mase_scale": _long(scale, shape)})
    if series is not None:
        table.insert(0, "series", series)
    return table


def _overall_metrics(predictions: pd.DataFrame, spec) -> dict:
    overall = {}
    for name, group in predictions.groupby("forecaster", sort=False):
        actual = group["actual"].to_numpy()
        forecast = group["forecast"].to_numpy()
        scale = group["mase_scale"].to_numpy()
        errors = np.abs(actual - forecast)
        metrics = forecast_metrics(actual, forecast, 1.0)
        metrics["mase"] = float((errors / scale).mean())
        anchors = group["last_value"].to_numpy()
        metrics["directional_accuracy"] = float(np.mean(np.sign(actual - anchors) == np.sign(forecast - anchors)))
        overall[name] = metrics
    return overall


def _trading(predictions, frame, spec, cost_bps, threshold, rule):
    """Strategy driven by the model's first-step forecast of the first target, next to the same rule
    driven by the naive forecast and to buy-and-hold, over the concatenated test periods.
    """
    target = spec.target_columns[0]
    first_step = predictions[(predictions["step"] == spec.gap + 1) & (predictions["target"] == target)]
    prices = frame[target].to_numpy(np.float64)
    curves, report = {}, {"overall": {}, "folds": []}
    model_rows = first_step[first_step["forecaster"] == "model"].sort_values("origin_row")
    origins = model_rows["origin_row"].to_numpy()
    if (prices[np.concatenate([origins, origins + 1])] <= 0).any():
        return pd.DataFrame(), {"skipped": f"{target} is zero or negative in a test period, so it has no returns to "
                                           "trade; the trading report needs a positive price"}
    # A position decided at the close of the origin day earns that next day's return, and only it:
    # origins may skip days (at fold boundaries when horizon > 1), so no return spans two days.
    next_day = prices[origins + 1] / prices[origins] - 1
    signals = {"model": model_rows["forecast"].to_numpy(), "naive_last_value": prices[origins]}
    returns = {}
    for name, forecast in signals.items():
        positions = positions_from_forecast(prices[origins], forecast, threshold, rule)
        returns[name] = (strategy_returns_from(next_day, positions, cost_bps), positions)
    buy_and_hold = np.ones(len(origins))
    returns["buy_and_hold"] = (strategy_returns_from(next_day, buy_and_hold, 0.0), buy_and_hold)
    per_year = periods_per_year(frame.index)
    report["periods_per_year"] = per_year
    for name, (values, positions) in returns.items():
        report["overall"][name] = performance(values, positions, per_year)
        curves[f"{name}_equity"] = np.cumprod(1 + values)
        curves[f"{name}_drawdown"] = drawdown_curve(values)
    folds = model_rows["fold"].to_numpy()
    for fold in np.unique(folds):
        mask = folds == fold
        report["folds"].append({"fold": int(fold), **{name: performance(values[mask], positions[mask], per_year)
                                                      for name, (values, positions) in returns.items()}})
    equity = pd.DataFrame(curves, index=frame.index[origins + 1])
    equity.index.name = "date"
    equity["fold"] = folds
    return equity, report


def write_backtest(result, out: str | os.PathLike, target: str | None = None) -> None:
    """Write `metrics.json`, `folds.csv`, `predictions.csv`, `equity.csv` and the plots into a new
    directory `out`, atomically (no `equity.csv` or `equity.png` when the trading report was skipped);
    a panel's result: `metrics.json` and `scores.csv` (`tsrnn.evaluation.panel_backtest.write_panel_backtest`).

    Args:
        result: the backtest's result.
        out: the directory to create.
        target: the target plotted (None: the backtest's).

    Raises:
        RunDirError: `out` exists.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tsrnn.forecasting.baselines import NaiveForecaster
        >>> frame = pd.DataFrame({"y": np.arange(1.0, 61.0)}, index=pd.date_range("2024-01-01", periods=60))
        >>> out = Path(tempfile.mkdtemp()) / "backtest"
        >>> write_backtest(backtest(NaiveForecaster(lookback=1, target="y"), frame, folds=2, test_size=10), out)
        >>> sorted(p.name for p in out.iterdir())
        ['folds.csv', 'forecast.png', 'metrics.json', 'predictions.csv']
    """
    from tsrnn.forecasting.plots import backtest_forecast_plot, equity_plot
    from tsrnn.utils.atomic import atomic_directory, write_json

    if not isinstance(result, BacktestResult):
        write_panel_backtest(result, out)
        return
    target = target or result.metrics["settings"]["target"]

    with atomic_directory(out) as staging:
        write_json(staging / "metrics.json", result.metrics)
        result.folds.to_csv(staging / "folds.csv", index=False)
        result.predictions.to_csv(staging / "predictions.csv", index=False)
        if not result.equity.empty:
            result.equity.to_csv(staging / "equity.csv")
        if result.bands is not None:
            result.bands.to_csv(staging / "intervals.csv", index=False)
        backtest_forecast_plot(result.predictions, staging / "forecast.png", target)
        if not result.equity.empty:
            equity_plot(result.equity, staging / "equity.png")
