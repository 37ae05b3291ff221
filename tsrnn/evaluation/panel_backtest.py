"""The results of a panel's walk-forward backtest: per series and pooled.

The fold loop is `tsrnn.evaluation.walk_forward.backtest`, the same for one series and a panel:
folds cut the union of the panel's dates, so every series shares each fold's test period; in every
fold one global model is fitted on the rows before the test period (a series without a training
window there sits the fold out), and every series' windows whose targets lie in the test period
are scored next to the baselines fitted on that series' training rows. This module pools them:
per series, and over the panel (the mean of the per-series MASE, and that mean weighted by windows).

Usage:
    from tsrnn import Forecaster
    from tsrnn.evaluation.walk_forward import backtest
    result = backtest(Forecaster(epochs=5), "prices/", folds=3)
    result.metrics["overall"]["pooled"]["model"]["mean_mase"]
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.forecasting.conformal import interval_scores


@dataclass
class PanelBacktestResult:
    """What a panel's backtest produced.

    Attributes:
        scores: one row per fold, series and forecaster (`windows`, `mase`, ...).
        metrics: `{"overall": per-series and pooled scores, "folds": per fold, "settings": ...}`.
        predictions: one row per series, forecaster, window, step and target (`actual`,
            `forecast`, ...), as a single series' backtest gives them.
        bands: with levels, the bands scored per series, window, step and level.

    Examples:
        >>> PanelBacktestResult(pd.DataFrame(), {"overall": {}}).metrics
        {'overall': {}}
    """

    scores: pd.DataFrame
    metrics: dict
    predictions: pd.DataFrame | None = None
    bands: pd.DataFrame | None = None


def panel_result(folds: list[tuple], predictions: pd.DataFrame, bands: pd.DataFrame | None,
                 settings: dict) -> PanelBacktestResult:
    """A panel backtest's result from its folds' per-series scores.

    Args:
        folds: per fold, `(its row: dates and windows, the fold its model was fitted on, {series:
            {"windows": n, forecaster: metrics}}, the series that sat it out, the pooled scores)`.
        predictions: the per-window predictions of every series and forecaster.
        bands: the bands scored per window (None without levels).
        settings: the backtest's settings.

    Returns:
        The `PanelBacktestResult`.

    Examples:
        >>> row = {"fold": 0, "train_start": pd.Timestamp("2024-01-01"), "test_start": pd.Timestamp("2024-02-01"),
        ...        "test_end": pd.Timestamp("2024-02-10")}
        >>> scored = {"a": {"windows": 2, "model": {"mase": 0.5}, "naive_last_value": {"mase": 1.0}}}
        >>> result = panel_result([(row, 0, scored, [], {})], pd.DataFrame(), None, {})
        >>> result.metrics["overall"]["pooled"]["model"]
        {'mean_mase': 0.5, 'weighted_mase': 0.5, 'series': 1}
    """
    rows, records = [], []
    for row, fitted_on, scored, skipped, pooled in folds:
        for name, record in scored.items():
            rows += [{"fold": row["fold"], "series": name, "forecaster": method, "windows": record["windows"], **values}
                     for method, values in record.items() if isinstance(values, dict)]
        records.append({"fold": row["fold"], "train_start": row["train_start"].isoformat(),
                        "test_start": row["test_start"].isoformat(), "test_end": row["test_end"].isoformat(),
                        "fitted_on_fold": fitted_on, "series_scored": len(scored), "series_skipped": skipped, "pooled": pooled})
    scores = pd.DataFrame(rows)
    overall = overall_scores(scores)
    if bands is not None:
        overall["intervals"] = overall_band_scores(band_scores(bands))
    return PanelBacktestResult(scores=scores, metrics={"overall": overall, "folds": records, "settings": settings},
                               predictions=predictions, bands=bands)


def band_scores(bands: pd.DataFrame) -> pd.DataFrame:
    """Each fold's, series', level's and band's coverage and scaled interval score, with its rows
    (windows times steps) as the weight `overall_band_scores` pools them by.

    Args:
        bands: the bands per window, step and level (`series`, `fold`, `level`, `method`, `actual`,
            `lower`, `upper`, `mase_scale`).

    Returns:
        One row per fold, series, level and band.

    Examples:
        >>> bands = pd.DataFrame({"series": "a", "fold": 0, "level": "80", "method": "model", "actual": [1.0, 3.0],
        ...                       "lower": [0.0, 0.0], "upper": [2.0, 2.0], "mase_scale": 1.0})
        >>> band_scores(bands)[["coverage", "windows"]].to_dict("records")
        [{'coverage': 0.5, 'windows': 2}]
    """
    rows = []
    for (fold, name, band_level, method), group in bands.groupby(["fold", "series", "level", "method"], sort=False):
        scores = interval_scores(group["actual"].to_numpy(), group["lower"].to_numpy(), group["upper"].to_numpy(),
                                 float(band_level), group["mase_scale"].to_numpy())
        rows.append({"fold": fold, "series": name, "level": band_level, "band": method, "windows": len(group),
                     "coverage": scores["coverage"], "scaled_winkler": scores["scaled_winkler"]})
    return pd.DataFrame(rows)


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
    """Write `metrics.json`, `scores.csv`, `predictions.csv` (and `intervals.csv` with bands) into a
    new directory `out`, atomically.

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
        if result.predictions is not None:
            result.predictions.to_csv(staging / "predictions.csv", index=False)
        if result.bands is not None:
            result.bands.to_csv(staging / "intervals.csv", index=False)
    return Path(out)


def __getattr__(name: str):
    """`backtest_panel` moved to `tsrnn.evaluation.walk_forward`, beside the fold loop it calls; its
    old path works for one release with a `FutureWarning`.
    """
    if name != "backtest_panel":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    import warnings

    warnings.warn("tsrnn.evaluation.panel_backtest.backtest_panel moved to tsrnn.evaluation.walk_forward.backtest_panel "
                  "(or call tsrnn.evaluation.backtest, which takes a panel); the old path goes in the next release",
                  FutureWarning, stacklevel=2)
    return importlib.import_module("tsrnn.evaluation.walk_forward").backtest_panel
