"""One call from data to a complete run directory: fit, evaluate on the test split, save artifacts.

The CLI's `tsrnn fit` is a thin wrapper around `fit_run`, so a notebook calling it gets the same
run directory: `model.keras`, `run.json`, `metrics.json`, `history.csv` and `forecast.png`.

Usage:
    from tsrnn import Forecaster
    result = fit_run(Forecaster(epochs=2), "datasets/sp500.csv", "runs/demo")
    result.metrics["test"]["model"]["mase"] <= result.metrics["test"]["naive_last_value"]["mase"]
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tsrnn.errors import DataError
from tsrnn.forecasting.forecaster import Forecaster
from tsrnn.forecasting.params import read_options
from tsrnn.forecasting.plots import direction_plot, forecast_plot
from tsrnn.io.tables import read_series
from tsrnn.utils.atomic import atomic_directory, write_json


@dataclass
class RunResult:
    """What `fit_run` produced."""

    directory: Path
    forecaster: Forecaster
    metrics: dict


def backup_directory(out: str | os.PathLike) -> Path:
    """Where an unfinished run keeps its per-epoch training state: `.<name>.backup` beside `out`."""
    out = Path(out)
    return out.parent / f".{out.name}.backup"


def fit_run(
    forecaster: Forecaster,
    data: str | os.PathLike | pd.DataFrame,
    out: str | os.PathLike,
    provenance: dict | None = None,
    resume: bool = False,
    level: list[float] | None = None,
    overwrite: bool = False,
) -> RunResult:
    """Fit `forecaster` on `data` and write the complete run directory `out` atomically.

    `provenance` (e.g. ticker and date range of downloaded data) is recorded in `run.json` as
    `data_source`; by default that is the file's path. Training state is saved after every epoch
    in `backup_directory(out)`; `resume=True` continues an interrupted run from there (otherwise a
    stale backup is discarded). The backup is removed once the run directory is complete.

    `metrics.json` holds the test split's metrics of the model next to every baseline (naive,
    seasonal naive, drift, moving average, Ridge; in the data's units; a classifier: next to the
    majority class), and the split's dates; with `level` (e.g. `[80, 95]`) also the test split's
    interval scores. `forecast.png` draws the bands of `level` (default 80 and 95 %) as a fan.
    `overwrite=True` replaces an existing `out` once the new run is complete.
    """
    out = Path(out)
    backup = backup_directory(out)
    if backup.exists() and not resume:
        shutil.rmtree(backup)
    with atomic_directory(out, overwrite=overwrite) as staging:
        series = read_series(data, read_options(forecaster))  # read and checked once: the fit prepares it for the rest
        prepared = forecaster.fit_series(series, backup_dir=backup)
        metrics = {"split": forecaster.split_, "choices": forecaster.choices_}
        test_start = forecaster.split_["test_start"]
        if forecaster.split_["test_windows"]:
            metrics["test"] = forecaster.evaluate(prepared, start=test_start,
                                                  level=level if forecaster.settings_.training.task == "regression" else None)
        source = provenance or {"path": str(data) if not isinstance(data, pd.DataFrame) else None}
        forecaster.save_into(staging, extra={"data_source": source})
        write_json(staging / "metrics.json", metrics)
        _write_history(forecaster.history_, staging)
        plot_start = test_start or forecaster.split_["validation_start"] or forecaster.split_["train_start"]
        target = forecaster.window_spec_.target_columns[0]
        if forecaster.settings_.training.task == "regression":
            fan = (level or [80, 95]) if forecaster.calibration_.scores is not None else None
            forecast_plot(forecaster.forecast_frame(prepared, start=plot_start, level=fan), staging / "forecast.png", target)
        else:
            probabilities = forecaster.predict(prepared)
            direction_plot(probabilities[probabilities.index >= plot_start], staging / "forecast.png", target)
    shutil.rmtree(backup, ignore_errors=True)
    return RunResult(directory=out, forecaster=forecaster, metrics=metrics)


def fit_panel_run(forecaster, data, out: str | os.PathLike, id_column: str | None = None,
                  overwrite: bool = False, static=None, level: list[float] | None = None) -> RunResult:
    """Fit a `PanelForecaster` on a panel and write its run directory atomically: `model.keras`,
    `panel.json`, `metrics.json` (the test period of every series next to its baselines, and
    pooled) and `history.csv`. `overwrite=True` replaces an existing `out` once the new run is complete.
    `static`: the static covariate table (see `PanelForecaster.fit`); `level`: band levels scored on
    the test period (coverage and interval score per series and pooled)."""
    out = Path(out)
    with atomic_directory(out, overwrite=overwrite) as staging:
        forecaster.fit(data, id_column=id_column, static=static)
        metrics = {"split": forecaster.split_.to_dict(), "series": list(forecaster.series_), "choices": forecaster.choices_}
        try:
            metrics["test"] = forecaster.evaluate(data, part="test", id_column=id_column, static=static, level=level)
        except DataError:
            metrics["test"] = None  # no series reaches the test period
        forecaster.save_into(staging)
        write_json(staging / "metrics.json", metrics)
        _write_history(forecaster.history_, staging)
    return RunResult(directory=out, metrics=metrics, forecaster=forecaster)


def _write_history(history: dict, directory: Path) -> None:
    """`history.csv`: the loss and metrics of every epoch, numbered from 1."""
    table = pd.DataFrame(history)
    table.index.name = "epoch"
    table.index += 1
    table.to_csv(directory / "history.csv")
