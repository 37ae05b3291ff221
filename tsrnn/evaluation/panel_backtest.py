"""Walk-forward backtests of a panel: one global model per fold, scored per series and pooled.

Folds cut the union of the panel's dates (`tsrnn.evaluation.folds.walk_forward_folds`), so every series
shares each fold's test period. In every fold a fresh `PanelForecaster` is fitted on the rows
before the test period (its own validation split for early stopping; a series without a training
window there sits the fold out) and scores the windows whose targets lie in the test period, next
to every baseline fitted on the same series' training rows: per series, and pooled (mean of the
per-series MASE, and that mean weighted by windows).

Usage:
    from tsrnn import Forecaster
    result = backtest_panel(Forecaster(epochs=5), "prices/", folds=3)
    result.metrics["overall"]["pooled"]["model"]["mean_mase"]
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError
from tsrnn.evaluation.folds import Fold, walk_forward_folds
from tsrnn.features.splits import union_of_dates
from tsrnn.forecasting.params import read_options
from tsrnn.io.panels import read_panel


@dataclass
class PanelBacktestResult:
    """What a panel's backtest produced.

    Attributes:
        scores: one row per fold, series and forecaster (`windows`, `mase`, ...).
        metrics: `{"overall": per-series and pooled scores, "folds": per fold, "settings": ...}`.

    Examples:
        >>> PanelBacktestResult(pd.DataFrame(), {"overall": {}}).metrics
        {'overall': {}}
    """

    scores: pd.DataFrame
    metrics: dict


def backtest_panel(model, panel, folds: int = 3, test_size: int | None = None, window: str = "expanding",
                   train_size: int | None = None, gap: int = 0, id_column: str | None = None,
                   progress: Callable[[Fold, dict], None] | None = None,
                   level: list[float] | float | None = None, refit_every: int = 1) -> PanelBacktestResult:
    """Walk-forward evaluation of the `PanelForecaster` `model` over `panel` (a folder of CSVs, a
    dict of frames, or a long table with `id_column`); `test_size` and `train_size` count dates of
    the panel. `progress(fold, pooled)` is called after each fold with its pooled scores. With
    `level` (e.g. `[80, 95]`) every fold also scores the model's conformal bands, calibrated on
    that fold's validation windows, and the naive band (`metrics["overall"]["intervals"]`). With
    `refit_every=k` a model is fitted on folds 0, k, 2k, ... and reused, unchanged, on the folds
    between (their scores come from a model that saw none of their rows either).

    Args:
        model: the `Forecaster` whose parameters every fold's fit takes.
        panel: a folder of CSVs, a dict of frames, or a long table with `id_column`.
        folds: the test periods.
        test_size: dates per test period.
        window: "expanding" or "sliding" (with `train_size` dates).
        train_size: dates per sliding training window.
        gap: dates left out between training and test.
        id_column: the id column of a long table.
        progress: called after each fold.
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
    if not isinstance(refit_every, int) or refit_every < 1:
        raise ConfigError(f"refit_every must be >= 1, got {refit_every!r}")
    frames = read_panel(panel, read_options(model), id_column)
    dates = union_of_dates(frames)
    plan = walk_forward_folds(len(dates), folds, test_size, window, train_size, gap)
    params = {**model.get_params(), "test_fraction": 0.0}
    rows, fold_records, band_rows = [], [], []
    for fold in plan:
        train_first, train_end = dates[fold.train_start], dates[fold.train_end]
        test_start = dates[fold.test_start]
        test_end = dates[fold.test_end] if fold.test_end < len(dates) else dates[-1] + pd.Timedelta(seconds=1)
        training = {name: frame[(frame.index >= train_first) & (frame.index < train_end)] for name, frame in frames.items()}
        empty = [name for name, frame in training.items() if not len(frame)]
        if fold.index % refit_every == 0:
            fitted = type(model)(**params).fit({n: f for n, f in training.items() if len(f)}, skip_short=True)
            fitted_on = fold.index
        history = {name: frame[frame.index >= train_first] for name, frame in frames.items() if name in fitted.series_}
        scored = fitted.evaluate(history, period=(test_start, test_end), level=level)
        for name, record in scored["series"].items():
            for band_level, bands in record.get("intervals", {}).items():
                for band, values in bands.items():
                    band_rows.append({"fold": fold.index, "series": name, "level": band_level, "band": band,
                                      "windows": record["windows"], **values})
            for method, values in record.items():
                if isinstance(values, dict) and method != "intervals":
                    rows.append({"fold": fold.index, "series": name, "forecaster": method, "windows": record["windows"],
                                 **values})
        fold_records.append({"fold": fold.index, "train_start": train_first.isoformat(),
                             "test_start": test_start.isoformat(), "test_end": dates[fold.test_end - 1].isoformat(),
                             "fitted_on_fold": fitted_on,
                             "series_scored": len(scored["series"]), "series_skipped": sorted(empty + list(fitted.skipped_)),
                             "pooled": scored["pooled"]})
        if progress:
            progress(fold, scored["pooled"])
    scores = pd.DataFrame(rows)
    settings = {"folds": folds, "test_size": test_size, "window": window, "train_size": train_size, "gap": gap,
                "refit_every": refit_every}
    overall = overall_scores(scores)
    if band_rows:
        overall["intervals"] = overall_band_scores(pd.DataFrame(band_rows))
    return PanelBacktestResult(scores=scores, metrics={"overall": overall, "folds": fold_records, "settings": settings})


def overall_band_scores(bands: pd.DataFrame) -> dict:
    """Over every fold and series, per level and band (the model's, the naive one): the coverage of
    all windows together (each (fold, series) weighted by its windows) and the mean scaled interval score.

    Examples:
        >>> table = pd.DataFrame({"level": ["80", "80"], "band": ["model"] * 2, "windows": [1, 3],
        ...                       "coverage": [1.0, 0.5], "scaled_winkler": [2.0, 4.0]})
        >>> overall_band_scores(table)["80"]["model"]
        {'coverage': 0.625, 'scaled_winkler': 3.5}
    """
    result: dict = {}
    for (band_level, band), group in bands.groupby(["level", "band"], sort=False):
        weights = group["windows"].to_numpy(dtype=np.float64)
        result.setdefault(band_level, {})[band] = {
            "coverage": float((group["coverage"] * weights).sum() / weights.sum()),
            "scaled_winkler": float((group["scaled_winkler"] * weights).sum() / weights.sum())}
    return result


def overall_scores(scores: pd.DataFrame) -> dict:
    """Over every fold: per series, each forecaster's MASE averaged over its folds weighted by
    windows; pooled, the mean of those per-series figures and the windows-weighted mean over all
    (fold, series) pairs.

    Examples:
        >>> table = pd.DataFrame({"fold": [0, 1], "series": ["a", "a"], "forecaster": ["model"] * 2,
        ...                       "windows": [1, 3], "mase": [1.0, 2.0]})
        >>> overall_scores(table)["pooled"]["model"]
        {'mean_mase': 1.75, 'weighted_mase': 1.75, 'series': 1}
    """
    weighted = scores.assign(product=scores["mase"] * scores["windows"])
    by_series = weighted.groupby(["forecaster", "series"])[["product", "windows"]].sum()
    per_series_mase = (by_series["product"] / by_series["windows"]).rename("mase").reset_index()
    totals = weighted.groupby("forecaster")[["product", "windows"]].sum()
    pooled = {}
    for method in scores["forecaster"].unique():  # the model first, as scored
        group = per_series_mase[per_series_mase["forecaster"] == method]
        pooled[method] = {"mean_mase": float(group["mase"].mean()),
                          "weighted_mase": float(totals.loc[method, "product"] / totals.loc[method, "windows"]),
                          "series": int(len(group))}
    series = {name: {row.forecaster: float(row.mase) for row in group.itertuples()}
              for name, group in per_series_mase.groupby("series")}
    return {"pooled": pooled, "series": series}


def write_panel_backtest(result: PanelBacktestResult, out: str | os.PathLike) -> Path:
    """Write `metrics.json` and `scores.csv` into a new directory `out`, atomically.

    Args:
        result: the backtest's result.
        out: the directory to create.

    Returns:
        Its path.

    Raises:
        RunDirError: `out` exists.

    Examples:
        >>> import tempfile
        >>> out = write_panel_backtest(PanelBacktestResult(pd.DataFrame({"mase": [1.0]}), {}), Path(tempfile.mkdtemp()) / "bt")
        >>> sorted(p.name for p in out.iterdir())
        ['metrics.json', 'scores.csv']
    """
    from tsrnn.utils.atomic import atomic_directory, jsonable, write_json

    with atomic_directory(out) as staging:
        write_json(staging / "metrics.json", jsonable(result.metrics))
        result.scores.to_csv(staging / "scores.csv", index=False)
    return Path(out)
