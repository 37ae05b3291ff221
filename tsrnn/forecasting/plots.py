"""Plots saved as PNG files (matplotlib, no display needed).

Examples:
    >>> import pandas as pd, tempfile, pathlib
    >>> frame = pd.DataFrame({"actual": [1, 2], "forecast": [1, 2], "naive": [1, 1]},
    ...                      index=pd.date_range("2020", periods=2))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "f.png"
    >>> forecast_plot(frame, path, "Close"); path.stat().st_size > 0
    True
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path: Path, axes=(), dates: bool = True) -> None:
    """Grid every axis, lay out, write the PNG and free the figure."""
    import matplotlib.pyplot as plt

    for axis in axes:
        axis.grid(alpha=0.3)
    if dates:
        figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)


def _fan(axis, frame: pd.DataFrame) -> None:
    """The `lo_{level}` / `hi_{level}` columns of `frame` as a fan of bands, the widest palest."""
    levels = sorted((float(c[3:]) for c in frame.columns if c.startswith("lo_")), reverse=True)
    for shade, level in enumerate(levels):
        name = f"{level:g}"
        axis.fill_between(frame.index, frame[f"lo_{name}"], frame[f"hi_{name}"], color="tab:blue",
                          alpha=0.12 + 0.12 * shade, linewidth=0, label=f"{name}% band")


def forecast_plot(frame: pd.DataFrame, path: Path, target: str, title: str = "") -> None:
    """Actual vs forecast (and the naive forecast) over time, from `Forecaster.forecast_frame`; its
    `lo_{level}` / `hi_{level}` columns, when present, are drawn as a fan (widest band palest).

    Args:
        frame: `Forecaster.forecast_frame`'s table.
        path: the PNG file to write.
        target: the target's name, for the axis.
        title: the plot's title.

    Examples:
        >>> import tempfile
        >>> frame = pd.DataFrame({"actual": [1.0, 2.0], "forecast": [1.1, 1.9], "naive": [1.0, 1.0]},
        ...                      index=pd.date_range("2024-01-01", periods=2))
        >>> path = Path(tempfile.mkdtemp()) / "forecast.png"
        >>> forecast_plot(frame, path, "y")
        >>> path.stat().st_size > 0
        True
    """
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(10, 4.5), dpi=100)
    _fan(axis, frame)
    axis.plot(frame.index, frame["actual"], label="actual", color="black", linewidth=1.2)
    axis.plot(frame.index, frame["forecast"], label="model forecast", color="tab:blue", linewidth=1)
    axis.plot(frame.index, frame["naive"], label="naive (last value)", color="tab:orange", linewidth=0.8, alpha=0.7)
    axis.set_ylabel(target)
    axis.set_title(title or f"{target}: one step ahead, test period")
    axis.legend(loc="best")
    _save(figure, path, [axis])


def future_plot(history: pd.Series, forecast: pd.DataFrame, path: Path, target: str, title: str = "") -> None:
    """The last rows of a series and its forecast beyond the data, every step, with its bands.

    Args:
        history: the target's last values, indexed by date.
        forecast: one row per step, indexed by the step's date, with `forecast` and, per band level,
            `lo_{level}` and `hi_{level}` (as `Forecaster.plot` builds it).
        path: the PNG to write.
        target: the target's name, for the axis.
        title: the figure's title.
    """
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(10, 4.5), dpi=100)
    _fan(axis, forecast)
    axis.plot(history.index, history.to_numpy(), label="data", color="black", linewidth=1.2)
    axis.plot(forecast.index, forecast["forecast"], label="forecast", color="tab:blue", linewidth=1.2, marker=".")
    axis.axvline(history.index[-1], color="grey", linewidth=0.8, linestyle=":")
    axis.set_ylabel(target)
    axis.set_title(title or f"{target}: forecast beyond the data")
    axis.legend(loc="upper left")
    _save(figure, path, [axis])


def direction_plot(probabilities: pd.DataFrame, path: Path, target: str) -> None:
    """A classifier's predicted probability of a rise over time, from `Forecaster.predict`."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(10, 3.5), dpi=100)
    axis.plot(probabilities.index, probabilities.iloc[:, 0], color="tab:blue", linewidth=0.8)
    axis.axhline(0.5, color="black", linewidth=0.6, linestyle="--")
    axis.set_ylim(0, 1)
    axis.set_ylabel(f"P({target} rises)")
    axis.set_title(f"{target}: predicted probability of a rise, test period (dated by last input)")
    _save(figure, path, [axis])


def backtest_forecast_plot(predictions: pd.DataFrame, path: Path, target: str) -> None:
    """Actual vs the model's first-step forecast across all folds, fold boundaries marked."""
    plt = _pyplot()
    first = predictions[(predictions["forecaster"] == "model") & (predictions["target"] == target)]
    first = first[first["step"] == first["step"].min()].sort_values("date")
    figure, axis = plt.subplots(figsize=(11, 4.5), dpi=100)
    axis.plot(first["date"], first["actual"], color="black", linewidth=1.1, label="actual")
    axis.plot(first["date"], first["forecast"], color="tab:blue", linewidth=0.9, label="model forecast")
    for _, fold in first.groupby("fold"):
        axis.axvline(fold["date"].iloc[0], color="gray", linestyle="--", linewidth=0.7)
    axis.set_ylabel(target)
    axis.set_title(f"{target}: walk-forward forecasts (dashed lines: fold starts)")
    axis.legend(loc="best")
    _save(figure, path, [axis])


def equity_plot(equity: pd.DataFrame, path: Path) -> None:
    """Equity curves (top) and drawdowns (bottom) of the strategy, the naive-signal strategy and buy-and-hold."""
    plt = _pyplot()
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 6.5), dpi=100, sharex=True, height_ratios=(2, 1))
    labels = {"model": "model signal", "naive_last_value": "naive signal", "buy_and_hold": "buy and hold"}
    for name, label in labels.items():
        top.plot(equity.index, equity[f"{name}_equity"], linewidth=1, label=label)
        bottom.plot(equity.index, equity[f"{name}_drawdown"], linewidth=0.9, label=label)
    top.set_ylabel("equity (start = 1)")
    top.set_title("Strategy equity after costs, concatenated test periods")
    top.legend(loc="best")
    bottom.set_ylabel("drawdown")
    _save(figure, path, [top, bottom])


def long_memory_plot(summary: pd.DataFrame, path: Path) -> None:
    """Test score against sequence length, one panel per task, one line per model (spread over seeds)."""
    plt = _pyplot()
    tasks = list(dict.fromkeys(summary["task"]))
    figure, axes = plt.subplots(1, len(tasks), figsize=(4.5 * len(tasks), 4), dpi=100, squeeze=False)
    for axis, task in zip(axes[0], tasks):
        rows = summary[summary["task"] == task]
        for model, line in rows.groupby("model", sort=False):
            axis.errorbar(line["length"], line["score"], yerr=line["spread"].fillna(0), marker="o", capsize=3,
                          linewidth=1, label=model)
        axis.set_xscale("log")
        axis.set_xlabel("sequence length T")
        axis.set_ylabel("test MSE (lower is better)" if task == "adding" else "test accuracy")
        axis.set_title(task)
    axes[0][0].legend(fontsize=7)
    _save(figure, path, axes[0], dates=False)


def gradient_plot(view: dict, path: Path) -> None:
    """Norm of the loss gradient with respect to each input step, log scale, before and after training."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(8, 4), dpi=100)
    for body, norms in view["norms"].items():
        for stage, style in (("initial", "--"), ("trained", "-")):
            axis.plot(range(len(norms[stage])), norms[stage], style, linewidth=1, label=f"{body}, {stage}")
    axis.set_yscale("log")
    axis.set_xlabel("input step (0 = first; the answer depends on step 0)")
    axis.set_ylabel("|d loss / d input|")
    axis.set_title(f"Input gradients, {view['task']} task, T = {view['length']}")
    axis.legend(fontsize=8)
    _save(figure, path, [axis], dates=False)


def tuning_plot(trials: pd.DataFrame, importances: dict, path: Path) -> None:
    """Left: each complete trial's mean fold MASE, the best so far and the naive forecast's; right:
    the parameter importances.
    """
    plt = _pyplot()
    figure, (history, bars) = plt.subplots(1, 2, figsize=(11, 4), dpi=100, gridspec_kw={"width_ratios": [3, 2]})
    complete = trials[trials["state"] == "complete"].sort_values("number")
    history.plot(complete["number"], complete["mean_fold_mase"], "o", markersize=4, label="trial")
    history.plot(complete["number"], complete["mean_fold_mase"].cummin(), "-", linewidth=1.5, label="best so far")
    naive = complete["naive_mean_fold_mase"].dropna()
    if len(naive):
        history.axhline(float(naive.median()), linestyle="--", color="gray", linewidth=1, label="naive last value")
    history.set_xlabel("trial")
    history.set_ylabel("mean MASE over the folds (lower is better)")
    history.legend(fontsize=8)
    names = list(importances)[::-1]
    bars.barh(names, [importances[name] for name in names])
    bars.set_xlabel("importance (Optuna)")
    bars.set_title("parameter importances" if names else "parameter importances: too few trials")
    _save(figure, path, [history], dates=False)
