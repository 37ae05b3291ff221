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
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tsrnn.errors import DataError
from tsrnn.forecasting.forecaster import Forecaster
from tsrnn.forecasting.params import read_options
from tsrnn.forecasting.plots import direction_plot, forecast_plot
from tsrnn.io.panels import read_series_or_panel
from tsrnn.utils.atomic import atomic_directory, write_json


@dataclass
class RunResult:
    """What `fit_run` produced.

    Attributes:
        directory: the run directory written.
        forecaster: the fitted forecaster.
        metrics: the test metrics, as `metrics.json` holds them.

    Examples:
        >>> RunResult(Path("runs/x"), None, {}).directory.name
        'x'
    """

    directory: Path
    forecaster: Forecaster
    metrics: dict


def backup_directory(out: str | os.PathLike) -> Path:
    """Where an unfinished run keeps its per-epoch training state: `.<name>.backup` beside `out`."""
    out = Path(out)
    return out.parent / f".{out.name}.backup"


def fit_run(
    forecaster: Forecaster,
    data,
    out: str | os.PathLike,
    provenance: dict | None = None,
    resume: bool = False,
    level: list[float] | None = None,
    overwrite: bool = False,
    id_column: str | None = None,
    static=None,
) -> RunResult:
    """Fit `forecaster` on one series or a panel and write the complete run directory `out` atomically.

    Args:
        forecaster: the (unfitted) forecaster.
        data: one series (a CSV or a DataFrame) or a panel (a folder of CSVs, a dict of frames, a
            long table with `id_column`).
        out: the run directory to create.
        provenance: recorded in `run.json` as `data_source` (e.g. the ticker and dates of downloaded
            data); by default the file's path.
        resume: continue an interrupted run from its per-epoch training state, kept in
            `backup_directory(out)` (otherwise a stale backup is discarded; the backup is removed
            once the run directory is complete).
        level: band levels (e.g. `[80, 95]`) scored on the test split; `forecast.png` draws these
            (default 80 and 95 %) as a fan.
        overwrite: replace an existing `out` once the new run is complete.
        id_column: the id column of a long table.
        static: a panel's static covariate table (see `Forecaster.fit`).

    Returns:
        The `RunResult`. The directory holds `model.keras`, `run.json`, `metrics.json` (the split
        and the test split's metrics of the model next to every baseline: naive, seasonal naive,
        drift, moving average, Ridge, in the data's units; for a panel per series and pooled; a
        classifier next to the majority class), `history.csv`, and for one series `forecast.png`.

    Examples:
        >>> import pandas as pd, tempfile
        >>> rows = pd.read_csv("datasets/sp500.csv").iloc[:300]
        >>> out = Path(tempfile.mkdtemp()) / "run"
        >>> result = fit_run(Forecaster(lookback=10, units=4, epochs=1, verbose=0), rows, out)  # doctest: +SKIP
    """
    out = Path(out)
    backup = backup_directory(out)
    if backup.exists() and not resume:
        shutil.rmtree(backup)
    with atomic_directory(out, overwrite=overwrite) as staging:
        frames, panel, id_column = read_series_or_panel(data, read_options(forecaster), id_column)  # read once
        prepared = forecaster.fit_frames(frames, panel, backup_dir=backup, static=static, id_column=id_column)
        regression = forecaster.settings_.training.task == "regression"
        metrics = {"split": forecaster.split_, "choices": forecaster.choices_}
        if forecaster.panel_:
            metrics["series"] = list(forecaster.series_)
            try:
                metrics["test"] = forecaster.evaluate(frames, part="test", static=static, level=level if regression else None)
            except DataError:
                metrics["test"] = None  # no series reaches the test period
        elif forecaster.split_["test_windows"]:
            metrics["test"] = forecaster.evaluate(prepared, start=forecaster.split_["test_start"],
                                                  level=level if regression else None)
        source = provenance or {"path": str(data) if isinstance(data, (str, os.PathLike)) else None,
                                **({"id_column": id_column} if id_column else {})}
        forecaster.save_into(staging, extra={"data_source": source})
        write_json(staging / "metrics.json", metrics)
        _write_history(forecaster.history_, staging)
        if not forecaster.panel_:
            _plot(forecaster, prepared, level, staging)
    shutil.rmtree(backup, ignore_errors=True)
    return RunResult(directory=out, forecaster=forecaster, metrics=metrics)


def _plot(forecaster: Forecaster, prepared, level, directory: Path) -> None:
    """`forecast.png` of one series: the test split's one-step forecasts with their bands (a
    classifier: its rise probabilities).
    """
    split = forecaster.split_
    plot_start = split["test_start"] or split["validation_start"] or split["train_start"]
    target = forecaster.window_spec_.target_columns[0]
    if forecaster.settings_.training.task == "regression":
        fan = (level or [80, 95]) if forecaster.calibration_scores_ is not None else None
        forecast_plot(forecaster.forecast_frame(prepared, start=plot_start, level=fan), directory / "forecast.png", target)
    else:
        probabilities = forecaster.predict(prepared)
        direction_plot(probabilities[probabilities.index >= plot_start], directory / "forecast.png", target)


def fit_panel_run(forecaster, data, out: str | os.PathLike, id_column: str | None = None,
                  overwrite: bool = False, static=None, level: list[float] | None = None) -> RunResult:
    """Deprecated (tsrnn 0.1): `fit_run` fits panels too; this calls it with a `FutureWarning`.

    Args:
        forecaster: as in `fit_run`.
        data: as in `fit_run`.
        out: as in `fit_run`.
        id_column: as in `fit_run`.
        overwrite: as in `fit_run`.
        static: as in `fit_run`.
        level: as in `fit_run`.

    Returns:
        `fit_run`'s `RunResult`.

    Examples:
        >>> import pytest
        >>> with pytest.warns(FutureWarning, match="call fit_run"), pytest.raises(Exception):
        ...     fit_panel_run(Forecaster(), {}, "never/written")
    """
    warnings.warn("fit_panel_run is deprecated; call fit_run, which fits one series or a panel", FutureWarning, stacklevel=2)
    return fit_run(forecaster, data, out, level=level, overwrite=overwrite, id_column=id_column, static=static)


def _write_history(history: dict, directory: Path) -> None:
    """`history.csv`: the loss and metrics of every epoch, numbered from 1."""
    table = pd.DataFrame(history)
    table.index.name = "epoch"
    table.index += 1
    table.to_csv(directory / "history.csv")
