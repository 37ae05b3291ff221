"""`tsrnn fit`, `tsrnn backtest` and `tsrnn tune`: each a thin call into the library that prints
its table.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from tsrnn.cli.main import main
from tsrnn.cli.options import _data_options, _default_out, _forecaster, _forecaster_options, _load_data, _param, level_option
from tsrnn.cli.tables import _backtest_table, _choices_line, _metrics_table, _panel_backtest_table, _panel_table, _trial_line
from tsrnn.errors import ConfigError
from tsrnn.nn.backend import load_keras_quietly
from tsrnn.utils import validation as allowed


@main.command()
@_data_options
@_forecaster_options
@_param("--test-fraction")
@click.option("--out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Run directory to create [default: runs/<data>-<model>-<time>].")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run with the same --out from its last completed epoch.")
@level_option(help="Score prediction bands of this coverage (percent) on the test split; repeat, or comma-separate, for several.")
@click.option("--id-column", default=None,
              help="DATA is a long table of many series told apart by this column: fit one global model (a panel).")
@click.option("--static", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Panels: a CSV of static covariates, one row per series (first column: the series name).")
def fit(data, ticker, start, end, adjusted, cache_dir, out, resume, levels, id_column, static, **options) -> None:
    """Train a forecaster on DATA (a CSV with a date column; a folder of CSVs, or a long CSV with
    --id-column, trains one global model over the series), or on --ticker, and write a run directory.
    """
    from tsrnn.io.panels import is_panel

    panel = data is not None and is_panel(data, id_column)  # names the default output folder only
    if resume and out is None:
        raise ConfigError("--resume needs the --out of the interrupted run")
    data, stem, provenance = _load_data(data, ticker, start, end, adjusted, cache_dir)
    load_keras_quietly()
    from tsrnn.forecasting.runs import fit_run

    forecaster = _forecaster(**options)
    result = fit_run(forecaster, data, out or _default_out("panel-" if panel else "", stem, options["model"]),
                     provenance=provenance, resume=resume, level=list(levels) or None, id_column=id_column, static=static)
    click.echo(_panel_table(result.metrics) if forecaster.panel_ else _fit_table(result.metrics))
    click.echo(f"run written to {result.directory}")


def _fit_table(metrics: dict) -> str:
    """The `chosen:` line (when the fit chose a window) above the metrics table of one series."""
    chosen = _choices_line(metrics.get("choices"))
    return f"{chosen}\n{_metrics_table(metrics)}" if chosen else _metrics_table(metrics)


@main.command()
@_data_options
@_forecaster_options
@click.option("--folds", default=5, show_default=True, type=int, help="Consecutive test periods.")
@click.option("--test-size", default=None, type=int, help="Rows per test period [default: rows / (folds + 1)].")
@click.option("--window", default="expanding", show_default=True, type=click.Choice(allowed.FOLD_WINDOWS),
              help="Training rows: everything before the test period, or the last --train-size rows.")
@click.option("--train-size", default=None, type=int, help="Rows per training window (sliding).")
@click.option("--embargo", default=0, show_default=True, type=int, help="Rows left out between training and test.")
@click.option("--refit-every", default=1, show_default=True, type=int, help="Refit every k folds; reuse the model between.")
@click.option("--cost-bps", default=5.0, show_default=True, type=float, help="Trading cost per unit of turnover, in bps.")
@click.option("--threshold", default=0.0, show_default=True, type=float, help="Forecast return needed to go long.")
@click.option("--rule", default="long_flat", show_default=True, type=click.Choice(allowed.TRADING_RULES))
@click.option("--trading/--no-trading", default=None,
              help="Trade the first target as a price [default: when it is named like one: Close, Adj Close, Open, "
                   "High, Low, Price; left out by itself where it is zero or negative].")
@level_option(help="Score prediction bands of this coverage (percent): split and adaptive conformal; repeat, or comma-separate, for several.")
@click.option("--out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to create [default: runs/backtest-<data>-<model>-<time>].")
@click.option("--id-column", default=None,
              help="DATA is a long table of many series told apart by this column: backtest one global model per fold.")
def backtest(data, ticker, start, end, adjusted, cache_dir, folds, test_size, window, train_size, embargo, refit_every,
             cost_bps, threshold, rule, trading, levels, out, id_column, **options) -> None:
    """Walk-forward backtest of the forecaster and the baselines on DATA (or --ticker), with a trading
    report; on a panel (a folder of CSVs, or a long CSV with --id-column), one global model per fold,
    scored per series and pooled.
    """
    from tsrnn.io.panels import is_panel

    panel = data is not None and is_panel(data, id_column)  # names the default output folder only
    data, stem, provenance = _load_data(data, ticker, start, end, adjusted, cache_dir)
    load_keras_quietly()
    from tsrnn.evaluation.walk_forward import backtest as run_backtest
    from tsrnn.evaluation.walk_forward import write_backtest

    quiet = options["quiet"]
    forecaster = _forecaster(**{**options, "quiet": True})
    if forecaster.task != "regression":
        raise ConfigError("backtest evaluates value forecasts; use --task regression")
    out = out or _default_out("panel-backtest-" if panel else "backtest-", stem, options["model"])
    if out.exists():
        raise ConfigError(f"{out}: already exists; choose another --out or remove it first")
    with click.progressbar(length=folds, label="folds", file=sys.stderr, hidden=quiet) as bar:
        result = run_backtest(forecaster, data, folds=folds, test_size=test_size, window=window, train_size=train_size,
                              gap=embargo, refit_every=refit_every, cost_bps=cost_bps, threshold=threshold, rule=rule,
                              progress=lambda fold, scores: bar.update(1), level=list(levels) or None,
                              trading=trading, id_column=id_column)
    result.metrics["data_source"] = provenance or {"path": str(data), **({"id_column": id_column} if id_column else {})}
    write_backtest(result, out)
    pooled = "pooled" in result.metrics["overall"]
    click.echo(_panel_backtest_table(result.metrics) if pooled else _backtest_table(result.metrics))
    click.echo(f"backtest written to {out}")


@main.command()
@_data_options
@_forecaster_options
@_param("--test-fraction")
@click.option("--trials", default=20, show_default=True, type=int,
              help="Finished trials the study should hold, counted over every process that shares it.")
@click.option("--folds", default=3, show_default=True, type=int,
              help="Walk-forward folds scoring each trial, on the rows before the test split.")
@click.option("--test-size", default=None, type=int, help="Rows per fold's test period [default: rows / (folds + 1)].")
@click.option("--space", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="A JSON or YAML search space replacing the default one (see the README).")
@click.option("--storage", default=None,
              help="Optuna storage URL shared by several processes, e.g. postgresql://user@host/db "
                   "[default: sqlite study.db in --out].")
@click.option("--study-name", default="tsrnn", show_default=True, help="The study within the storage.")
@click.option("--no-pruning", is_flag=True, help="Score every trial on every fold.")
@click.option("--sampler-seed", default=None, type=int,
              help="Seed of Optuna's sampler (give each process sharing a study its own).")
@click.option("--out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder; give an existing one to resume its study [default: runs/tune-<data>-<model>-<time>].")
@click.option("--id-column", default=None, help="DATA is a long table of many series told apart by this column (a panel).")
def tune(data, ticker, start, end, adjusted, cache_dir, trials, folds, test_size, space, storage, study_name, no_pruning,
         sampler_seed, out, id_column, **options) -> None:
    """Search hyperparameters on Optuna: each trial scored by a walk-forward backtest on the rows
    before the test split; the best configuration refitted as a run in OUT/best, next to its baselines.
    On a panel (a folder of CSVs, or a long CSV with --id-column), trials are panel backtests scored
    by the pooled mean MASE.
    """
    data, stem, _ = _load_data(data, ticker, start, end, adjusted, cache_dir)
    from tsrnn.evaluation.search_space import read_space

    chosen_space = read_space(space) if space is not None else None
    load_keras_quietly()
    from tsrnn.evaluation.tuning import TuneSettings
    from tsrnn.evaluation.tuning import tune as run_tune

    quiet = options["quiet"]
    forecaster = _forecaster(**{**options, "quiet": True})
    settings = TuneSettings(trials=trials, folds=folds, test_size=test_size, storage=storage, study_name=study_name,
                            space=chosen_space, seed=sampler_seed, pruning=not no_pruning)
    out = out or _default_out("tune-", stem, options["model"])

    def show(record: dict) -> None:
        if not quiet:
            click.echo(_trial_line(record), err=True)

    result = run_tune(forecaster, data, out, settings, on_trial=show, id_column=id_column)
    click.echo(f"best trial: mean fold MASE {result.best_value:.4f}; " +
               ", ".join(f"{name} {value}" for name, value in result.best_params.items()))
    click.echo(_panel_table(result.metrics) if "series" in result.metrics else _metrics_table(result.metrics))
    click.echo(f"tuning written to {result.directory} (best run: {result.directory / 'best'})")
