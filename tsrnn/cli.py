"""The `tsrnn` command line: thin click wrappers around the library.

User mistakes (`TsrnnError`) print one line on stderr and exit with code 2, without a traceback.
Every forecaster option's default comes from `tsrnn.settings.ForecasterParams` and every choice
list from `tsrnn.options`, so `--help` says what the library does.

Usage:
    $ tsrnn fit datasets/sp500.csv --epochs 5 --out runs/sp500
    $ tsrnn predict runs/sp500 datasets/sp500.csv -o forecast.csv
    $ tsrnn zoo
"""
from __future__ import annotations

import datetime as _dt
import os
import sys
import warnings
from pathlib import Path

import click

from tsrnn import options as allowed
from tsrnn.backend import load_keras_quietly
from tsrnn.errors import ConfigError, TsrnnError
from tsrnn.intervals import check_levels
from tsrnn.settings import param_default


class OneLineErrors:
    """Mixin for click commands: user mistakes (`TsrnnError`, bad options) print one line on stderr
    and exit with code 2, without a traceback or a usage dump."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as error:
            hint = f" (see {error.ctx.command_path} --help)" if error.ctx is not None else ""
            _fail(f"{error.format_message()}{hint}")
        except TsrnnError as error:
            _fail(str(error))
        except (click.Abort, KeyboardInterrupt):
            click.echo("interrupted; nothing was written", err=True)
            sys.exit(130)
        except click.ClickException as error:
            _fail(error.format_message())
        except OSError as error:  # the file system said no (permissions, a full disk, a missing folder)
            where = f"{error.filename}: " if error.filename else ""
            _fail(f"{where}{error.strerror or error}; check the path, its permissions and the free space")
        if standalone_mode:
            sys.exit(code if isinstance(code, int) else 0)
        return code


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


class _Group(OneLineErrors, click.Group):
    """The tsrnn command group."""


class OneLineCommand(OneLineErrors, click.Command):
    """A single click command (e.g. scripts/imdb_sentiment.py) with tsrnn's error handling."""


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(f"warning: {message}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tsrnn")
def main() -> None:
    """Recurrent-network forecasting on Keras: window a series, fit, predict."""
    warnings.showwarning = _show_warning


def _csv_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or None


def _number_list(value: str | None, number: type, option: str, kind: str, example: str) -> list | None:
    """`"64,32"` as numbers of type `number` (int or float); None when not given; one line naming
    `option`, the `kind` of number and an `example` when an item is not such a number."""
    items = _csv_list(value)
    if items is None:
        return None
    try:
        return [number(item) for item in items]
    except ValueError:
        raise ConfigError(f"{option} must be comma-separated {kind} like {example}, got {value!r}") from None


def parse_units(value: str | None) -> list[int] | None:
    units = _number_list(value, int, "--units", "integers", "64,32")
    if units is not None and any(u < 1 for u in units):
        raise ConfigError(f"--units must be positive, got {value!r}")
    return units


def _select_backend(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Set KERAS_BACKEND before Keras is first imported (it cannot change afterwards)."""
    if value is None:
        return None
    import importlib.util

    module = value  # the backend's name is its package's
    if importlib.util.find_spec(module) is None:
        raise ConfigError(f"--backend {value} needs the {module} package: pip install {module}")
    if "keras" in sys.modules and os.environ.get("KERAS_BACKEND", "tensorflow") != value:
        raise ConfigError(f"Keras is already loaded with another backend; set KERAS_BACKEND={value} before starting")
    os.environ["KERAS_BACKEND"] = value
    return value


_backend_option = click.option(
    "--backend", type=click.Choice(allowed.BACKENDS), default=None, expose_value=False, is_eager=True,
    callback=_select_backend, help="Keras backend [default: $KERAS_BACKEND or tensorflow].",
)


def _data_options(command):
    """DATA or --ticker: where the series comes from."""
    for option in reversed([
        click.argument("data", type=click.Path(path_type=Path), required=False),
        click.option("--ticker", default=None, help="Use Yahoo Finance data of this ticker instead of DATA."),
        click.option("--start", default=None, help="With --ticker: first date, YYYY-MM-DD."),
        click.option("--end", default=None, help="With --ticker: end date (exclusive) [default: today]."),
        click.option("--adjusted", is_flag=True, help="With --ticker: split/dividend-adjusted prices."),
        click.option("--cache-dir", default=None, type=click.Path(file_okay=False),
                     help="With --ticker: download cache [default: $TSRNN_CACHE_DIR or ~/.cache/tsrnn/yahoo]."),
    ]):
        command = option(command)
    return command


def _param(flag: str, name: str | None = None, choices=None, **kwargs):
    """A click option for the Forecaster parameter `name` (default: the flag's), with the library's
    default (shown when not None) and, for `choices`, the library's allowed values."""
    name = name or flag.split("/")[0].lstrip("-").replace("-", "_")
    default = param_default(name)
    if choices is not None:
        kwargs["type"] = click.Choice(choices)
    elif "type" not in kwargs and default is not None and not isinstance(default, (str, bool)):
        kwargs["type"] = type(default)
    return click.option(flag, name, default=default, show_default=default is not None, **kwargs)


def _forecaster_options(command):
    """Every Forecaster parameter as an option (shared by fit and backtest)."""
    for option in reversed([
        _param("--target", help="Column(s) to predict, comma-separated [default: Close, else the only numeric column]."),
        _param("--features", help="Input columns, comma-separated [default: the targets]."),
        _param("--future-features",
               help="Future covariates: columns known in advance (holidays, promotions), comma-separated; the model "
                    "sees their values at the target dates, and predict needs their rows after the data (--future)."),
        click.option("--calendar", "calendar", is_flag=False, flag_value="auto", default=param_default("calendar"), type=str,
                     metavar="[ENCODINGS]",
                     help="Cyclic encodings of the target dates as future covariates: alone, those suited to the "
                          f"data's spacing; or a comma-separated choice of {', '.join(allowed.CALENDAR_ENCODINGS)}."),
        _param("--static-features",
               help="Panels: columns constant within each series (or of the --static table), comma-separated; "
                    "one value per series, fed at every step."),
        _param("--series-embedding", type=int,
               help="Panels: size of a learned vector per series fed at every step (0: none)."),
        _param("--calendar-name",
               help="Exchange calendar (e.g. XNYS) that dates the rows after the data: the next trading session "
                    "after a Friday or a holiday [default: the data's own spacing]."),
        _param("--date-column", help="Date column [default: found by name]."),
        _param("--sep", help="Field separator [default: sniffed among , ; tab |]."),
        _param("--decimal", choices=allowed.DECIMAL_MARKS,
               help="Decimal mark [default: ',' when a file not separated by commas writes numbers like 1,5]."),
        _param("--date-format",
               help="Dates written as numbers: excel (serial days), epoch (Unix seconds) or epoch_ms; "
                    "or a layout like %d.%m.%Y [default: written dates, found from the file]."),
        _param("--timezone",
               help="Timestamps with UTC offsets: local (the wall-clock time written, e.g. the exchange's), "
                    "UTC, or a zone like America/New_York."),
        _param("--lookback", type=int,
               help="Input rows per window [default: one, two or four seasons (30 rows without one), chosen on validation]."),
        _param("--horizon", help="Steps ahead to predict."),
        _param("--stride", help="Rows between training windows."),
        _param("--gap", help="Rows skipped between inputs and targets."),
        _param("--transform", "target_transform", choices=allowed.TARGET_TRANSFORMS, help="What the model learns to predict."),
        click.option("--input-transform", "input_transforms", multiple=True, default=None, metavar="COLUMN=TRANSFORM",
                     help=f"Transform of an input that is not a target ({', '.join(allowed.INPUT_TRANSFORMS)}); repeat "
                          "for several [default: chosen per column from the training rows]."),
        _param("--anchor", "target_anchor", choices=allowed.TARGET_ANCHORS,
               help="Targets measured from the window's last value or from the value a season before each target "
                    "[default: chosen on validation when the data have a season]."),
        _param("--linear/--no-linear", "linear",
               help="A linear path over the window beside the recurrent body, started at the Ridge solution "
                    "chosen on validation [default: on for regression]."),
        _param("--scaling", choices=allowed.SCALINGS, help="Scaler fitted on the training rows only."),
        _param("--quantile-levels",
               help="A quantile head for bands of these levels, e.g. 80,95: pinball loss, ordered quantiles, "
                    "conformalised on validation [default: conformal bands around the point forecast]."),
        _param("--calibration-folds",
               help="Calibrate bands on the validation block and the k - 1 blocks before it, each scored by a "
                    "network fitted on the rows before it (k times the training time)."),
        _param("--model", help="Zoo preset (see `tsrnn zoo`)."),
        _param("--task", choices=allowed.TASKS, help="Forecast values, or classify whether the target rises over the horizon."),
        _param("--units", help="Units per recurrent layer, e.g. 64,32 [default: the preset's]."),
        _param("--bidirectional/--no-bidirectional", "bidirectional", help="Wrap the body in Bidirectional."),
        _param("--dropout", type=float, help="Input dropout of each recurrent layer."),
        _param("--recurrent-dropout", type=float, help="Recurrent dropout (slow path on GPU)."),
        _param("--pooling", choices=allowed.POOLINGS,
               help="What the head sees: the body's last state, or the max or mean over time [default: last]."),
        _param("--epochs"),
        _param("--batch-size"),
        _param("--learning-rate"),
        _param("--patience", help="Early stopping on validation loss (best weights kept); 0 disables."),
        _param("--validation-fraction"),
        _param("--fill", choices=allowed.FILL_POLICIES, help="Policy for NaN/inf values."),
        _param("--seed", type=int, help="Seed for a repeatable CPU run."),
        _param("--seasonal-period", type=int,
               help="Rows per season (seasonal naive, seasonal anchor, default lookback) [default: from the dates]."),
        _param("--strategy", choices=allowed.STRATEGIES,
               help="mirrored: data-parallel over every local device (TensorFlow or JAX backend; on JAX "
                    "--batch-size must divide by the device count)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar."),
        _backend_option,
    ]):
        command = option(command)
    return command


def _load_data(data, ticker, start, end, adjusted, cache_dir):
    """(data, short name, provenance) from DATA or a Yahoo Finance download."""
    if (data is None) == (ticker is None):
        raise ConfigError("give either DATA (a CSV file) or --ticker SYMBOL --start YYYY-MM-DD, not both or neither")
    if ticker is None:
        return data, data.stem, None
    if start is None:
        raise ConfigError("--ticker needs --start YYYY-MM-DD (and optionally --end)")
    from tsrnn.market import download

    frame = download(ticker, start, end, adjusted=adjusted, cache_dir=cache_dir)
    frame.attrs["source"] = f"{ticker} (Yahoo Finance)"
    provenance = {"ticker": ticker, "start": start, "end": end or str(frame.index[-1].date()), "adjusted": adjusted}
    return frame, ticker, provenance


def parse_input_transforms(values: tuple[str, ...]) -> dict[str, str] | None:
    """`("Volume=log1p_difference", ...)` as {column: transform}; None when empty."""
    chosen = {}
    for value in values:
        column, sep, transform = value.partition("=")
        if not sep or not column.strip() or transform.strip() not in allowed.INPUT_TRANSFORMS:
            raise ConfigError(f"--input-transform takes COLUMN=TRANSFORM with TRANSFORM one of "
                              f"{', '.join(allowed.INPUT_TRANSFORMS)}, got {value!r}")
        chosen[column.strip()] = transform.strip()
    return chosen or None


def parse_levels(value: str | None) -> list[float] | None:
    """`"80,95"` as [80.0, 95.0]; None when not given."""
    return _number_list(value, float, "--quantile-levels", "percentages", "80,95")


def parse_calendar(value) -> bool | list[str]:
    """`--calendar` as the `calendar` parameter: alone ("auto") True, a list of encodings, or False.

    Example:
        >>> parse_calendar("auto"), parse_calendar("month, hour"), parse_calendar(None)
        (True, ['month', 'hour'], False)
    """
    if value in (None, False, "False", ""):
        return False
    if value in (True, "auto", "True"):
        return True
    return _csv_list(value)


def _forecaster(target, features, units, quiet, input_transforms=(), quantile_levels=None, panel=False,
                future_features=None, calendar=False, static_features=None, **options):
    if panel:
        from tsrnn.panel import PanelForecaster as Forecaster
    else:
        from tsrnn.forecaster import Forecaster

    return Forecaster(target=_csv_list(target), features=_csv_list(features), units=parse_units(units),
                      future_features=_csv_list(future_features), calendar=parse_calendar(calendar),
                      static_features=_csv_list(static_features),
                      input_transforms=parse_input_transforms(input_transforms), quantile_levels=parse_levels(quantile_levels),
                      verbose=0 if quiet else 1, **options)


def _default_out(kind: str, stem: str, model: str) -> Path:
    return Path("runs") / f"{stem}-{model}-{kind}{_dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"


@main.command()
@_data_options
@_forecaster_options
@_param("--test-fraction")
@click.option("--out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Run directory to create [default: runs/<data>-<model>-<time>].")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run with the same --out from its last completed epoch.")
@click.option("--level", "levels", multiple=True, type=float,
              help="Score prediction bands of this coverage (percent) on the test split; repeat for several.")
@click.option("--id-column", default=None,
              help="DATA is a long table of many series told apart by this column: fit one global model (a panel).")
@click.option("--static", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Panels: a CSV of static covariates, one row per series (first column: the series name).")
def fit(data, ticker, start, end, adjusted, cache_dir, out, resume, levels, id_column, static, **options) -> None:
    """Train a forecaster on DATA (a CSV with a date column; a folder of CSVs, or a long CSV with
    --id-column, trains one global model over the series), or on --ticker, and write a run directory."""
    from tsrnn.panels import is_panel

    if data is not None and is_panel(data, id_column):
        _fit_panel(data, out, resume, levels, id_column, options, static)
        return
    if static is not None:
        raise ConfigError("--static gives the static covariates of a panel's series; DATA is one series")
    if data is not None and data.is_dir():
        raise ConfigError(f"{data}: is a directory; give a CSV file (a folder of CSVs is a panel: it needs .csv files)")
    data, stem, provenance = _load_data(data, ticker, start, end, adjusted, cache_dir)
    load_keras_quietly()
    from tsrnn.pipeline import fit_run

    if resume and out is None:
        raise ConfigError("--resume needs the --out of the interrupted run")
    forecaster = _forecaster(**options)
    result = fit_run(forecaster, data, out or _default_out("", stem, options["model"]), provenance=provenance, resume=resume,
                     level=check_levels(list(levels)) or None)
    chosen = _choices_line(result.metrics.get("choices"))
    if chosen:
        click.echo(chosen)
    click.echo(_metrics_table(result.metrics))
    click.echo(f"run written to {result.directory}")


def _fit_panel(data: Path, out, resume, levels, id_column, options, static=None) -> None:
    """`tsrnn fit` on a panel: one global model, per-series and pooled scores."""
    if resume:
        raise ConfigError("--resume is not built for panels yet; fit the panel without it")
    load_keras_quietly()
    from tsrnn.pipeline import fit_panel_run

    forecaster = _forecaster(**options, panel=True)
    result = fit_panel_run(forecaster, data, out or _default_out("panel-", data.stem, options["model"]), id_column=id_column,
                           static=static, level=check_levels(list(levels)) or None)
    click.echo(_panel_table(result.metrics))
    click.echo(f"run written to {result.directory}")


def _panel_table(metrics: dict) -> str:
    test = metrics.get("test")
    split = metrics["split"]
    lines = [f"panel of {len(metrics['series'])} series; validation from {split['validation_start'][:10]}, "
             f"test from {split['test_start'][:10]}"]
    choices = metrics.get("choices") or {}
    linear = choices.get("linear_path")
    if linear:
        kept = "; no training epoch beat the linear start on validation" if choices.get("kept_initial") else ""
        alpha = "the anchor alone" if linear["alpha"] is None else f"alpha {linear['alpha']:g}"
        score = "" if linear["selection_mase"] is None else f" (pooled validation MASE {linear['selection_mase']:.3f})"
        anchor = "the season before" if choices.get("target_anchor") == "season" else "the last value"
        lines.append(f"chosen: lookback {choices['lookback']}; targets from {anchor}; linear path {alpha}{score}{kept}")
    if not test:
        return "\n".join([*lines, "no series reaches the test period: no test scores"])
    methods = [m for m in test["pooled"] if m != "intervals"]
    lines.append(f"{'test MASE':<20}" + "".join(f"{labels_of(m):>18}" for m in methods))
    for name, scores in test["series"].items():
        lines.append(f"{name:<20}" + "".join(f"{scores[m]['mase']:>18.3f}" for m in methods))
    lines.append(f"{'pooled (mean)':<20}" + "".join(f"{test['pooled'][m]['mean_mase']:>18.3f}" for m in methods))
    lines.append(f"{'pooled (weighted)':<20}" + "".join(f"{test['pooled'][m]['weighted_mase']:>18.3f}" for m in methods))
    lines += _panel_band_lines(test["pooled"].get("intervals"), "mean over the series")
    return "\n".join(lines)


def _panel_band_lines(intervals: dict | None, how: str) -> list[str]:
    """The bands' coverage and scaled interval score, the model's next to the naive band's."""
    if not intervals:
        return []
    lines = [f"\nbands ({how}){'coverage':>17}{'naive band':>12}{'interval score':>16}{'naive band':>12}"]
    for level, bands in intervals.items():
        model, naive = bands["model"], bands["naive_band"]
        lines.append(f"{level + '%':<33}{model['coverage']:>8.3f}{naive['coverage']:>12.3f}"
                     f"{model['scaled_winkler']:>16.3f}{naive['scaled_winkler']:>12.3f}")
    return lines


def labels_of(method: str) -> str:
    """Short column labels of the panel table."""
    return {"naive_last_value": "naive", "seasonal_naive": "seasonal naive", "moving_average": "moving average"}.get(method, method)


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
@click.option("--trading/--no-trading", default=True, show_default=True,
              help="Trade the first target as a price (left out by itself where it is zero or negative).")
@click.option("--level", "levels", multiple=True, type=float,
              help="Score prediction bands of this coverage (percent): split and adaptive conformal; repeat for several.")
@click.option("--out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to create [default: runs/<data>-<model>-backtest-<time>].")
@click.option("--id-column", default=None,
              help="DATA is a long table of many series told apart by this column: backtest one global model per fold.")
def backtest(data, ticker, start, end, adjusted, cache_dir, folds, test_size, window, train_size, embargo, refit_every,
             cost_bps, threshold, rule, trading, levels, out, id_column, **options) -> None:
    """Walk-forward backtest of the forecaster and the baselines on DATA (or --ticker), with a trading
    report; on a panel (a folder of CSVs, or a long CSV with --id-column), one global model per fold,
    scored per series and pooled."""
    from tsrnn.panels import is_panel

    if data is not None and is_panel(data, id_column):
        _backtest_panel(data, folds, test_size, window, train_size, embargo, refit_every, levels, out, id_column, options)
        return
    if data is not None and data.is_dir():
        raise ConfigError(f"{data}: is a directory; give a CSV file (a folder of CSVs is a panel: it needs .csv files)")
    data, stem, provenance = _load_data(data, ticker, start, end, adjusted, cache_dir)
    load_keras_quietly()
    from tsrnn.backtest import backtest as run_backtest
    from tsrnn.backtest import write_backtest

    quiet = options["quiet"]
    forecaster = _forecaster(**{**options, "quiet": True})
    if forecaster.task != "regression":
        raise ConfigError("backtest evaluates value forecasts; use --task regression")
    out = out or _default_out("backtest-", stem, options["model"])
    if out.exists():
        raise ConfigError(f"{out}: already exists; choose another --out or remove it first")
    with click.progressbar(length=folds, label="folds", file=sys.stderr, hidden=quiet) as bar:
        result = run_backtest(forecaster, data, folds=folds, test_size=test_size, window=window, train_size=train_size,
                              gap=embargo, refit_every=refit_every, cost_bps=cost_bps, threshold=threshold, rule=rule,
                              progress=lambda fold, scores: bar.update(1), level=check_levels(list(levels)) or None,
                              trading=trading)
    result.metrics["data_source"] = provenance or {"path": str(data)}
    write_backtest(result, out, result.metrics["settings"]["target"])
    click.echo(_backtest_table(result.metrics))
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
              help="Output folder; give an existing one to resume its study [default: runs/<data>-<model>-tune-<time>].")
@click.option("--id-column", default=None, help="DATA is a long table of many series told apart by this column (a panel).")
def tune(data, ticker, start, end, adjusted, cache_dir, trials, folds, test_size, space, storage, study_name, no_pruning,
         sampler_seed, out, id_column, **options) -> None:
    """Search hyperparameters on Optuna: each trial scored by a walk-forward backtest on the rows
    before the test split; the best configuration refitted as a run in OUT/best, next to its baselines.
    On a panel (a folder of CSVs, or a long CSV with --id-column), trials are panel backtests scored
    by the pooled mean MASE."""
    from tsrnn.panels import is_panel

    panel = data is not None and is_panel(data, id_column)
    if data is not None and data.is_dir() and not panel:
        raise ConfigError(f"{data}: is a directory; give a CSV file (a folder of CSVs is a panel: it needs .csv files)")
    data, stem, _ = _load_data(data, ticker, start, end, adjusted, cache_dir)
    from tsrnn.search_space import read_space

    chosen_space = read_space(space) if space is not None else None
    load_keras_quietly()
    from tsrnn.tuning import TuneSettings
    from tsrnn.tuning import tune as run_tune

    quiet = options["quiet"]
    forecaster = _forecaster(**{**options, "quiet": True}, panel=panel)
    settings = TuneSettings(trials=trials, folds=folds, test_size=test_size, storage=storage, study_name=study_name,
                            space=chosen_space, seed=sampler_seed, pruning=not no_pruning)
    out = out or _default_out("tune-", stem, options["model"])

    def show(record: dict) -> None:
        if not quiet:
            click.echo(_trial_line(record), err=True)

    result = run_tune(forecaster, data, out, settings, on_trial=show, id_column=id_column)
    click.echo(f"best trial: mean fold MASE {result.best_value:.4f}; " +
               ", ".join(f"{name} {value}" for name, value in result.best_params.items()))
    click.echo(_panel_table(result.metrics) if panel else _metrics_table(result.metrics))
    click.echo(f"tuning written to {result.directory} (best run: {result.directory / 'best'})")


def _trial_line(record: dict) -> str:
    """One line per ended trial: its state, score next to the naive forecast's, and parameters."""
    params = ", ".join(f"{name} {value:.3g}" if isinstance(value, float) else f"{name} {value}"
                       for name, value in record["params"].items())
    if record["state"] == "complete":
        naive = f" (naive {record['naive']:.4f})" if record.get("naive") is not None else ""
        return f"trial {record['number']}: mean fold MASE {record['value']:.4f}{naive}; {params}"
    if record["state"] == "fail":
        return f"trial {record['number']} failed: {record.get('error') or 'see the log'}; {params}"
    return f"trial {record['number']} {record['state']}; {params}"


def _backtest_panel(data: Path, folds, test_size, window, train_size, embargo, refit_every, levels, out, id_column,
                    options) -> None:
    """`tsrnn backtest` on a panel: a global model per fold, per-series and pooled scores."""
    load_keras_quietly()
    from tsrnn.panel_backtest import backtest_panel, write_panel_backtest

    forecaster = _forecaster(**{**options, "quiet": True}, panel=True)
    out = out or _default_out("panel-backtest-", data.stem, options["model"])
    if out.exists():
        raise ConfigError(f"{out}: already exists; choose another --out or remove it first")
    with click.progressbar(length=folds, label="folds", file=sys.stderr, hidden=options["quiet"]) as bar:
        result = backtest_panel(forecaster, data, folds=folds, test_size=test_size, window=window, train_size=train_size,
                                gap=embargo, id_column=id_column, progress=lambda fold, pooled: bar.update(1),
                                level=check_levels(list(levels)) or None, refit_every=refit_every)
    result.metrics["data_source"] = {"path": str(data), "id_column": id_column}
    write_panel_backtest(result, out)
    click.echo(_panel_backtest_table(result.metrics))
    click.echo(f"backtest written to {out}")


def _panel_backtest_table(metrics: dict) -> str:
    overall = metrics["overall"]
    methods = list(overall["pooled"])
    lines = [f"{len(metrics['folds'])} folds; MASE per series over every fold (weighted by windows)",
             f"{'series':<20}" + "".join(f"{labels_of(m):>18}" for m in methods)]
    for name, scores in overall["series"].items():
        lines.append(f"{name:<20}" + "".join(f"{scores.get(m, float('nan')):>18.3f}" for m in methods))
    lines.append(f"{'pooled (mean)':<20}" + "".join(f"{overall['pooled'][m]['mean_mase']:>18.3f}" for m in methods))
    lines.append(f"{'pooled (weighted)':<20}" + "".join(f"{overall['pooled'][m]['weighted_mase']:>18.3f}" for m in methods))
    lines += _panel_band_lines(overall.get("intervals"), "every fold's windows")
    skipped = sorted({name for fold in metrics["folds"] for name in fold["series_skipped"]})
    if skipped:
        lines.append(f"sat out a fold for lack of training rows: {', '.join(skipped)}")
    return "\n".join(lines)


def _backtest_table(metrics: dict) -> str:
    overall = metrics["overall"]
    lines = [f"{'forecaster':<20}{'MAE':>11}{'RMSE':>11}{'sMAPE':>9}{'MASE':>8}{'direction':>11}"]
    for name, row in overall.items():
        lines.append(f"{name:<20}{row['mae']:>11.4f}{row['rmse']:>11.4f}{row['smape']:>8.2%}{row['mase']:>8.3f}"
                     f"{row['directional_accuracy']:>11.3f}")
    trading = metrics["trading"]
    if "skipped" in trading:
        lines.append(f"\nno trading report: {trading['skipped']}")
    else:
        lines.append(f"\n{'strategy':<20}{'total':>9}{'annual':>9}{'Sharpe':>8}{'max DD':>9}{'turnover/yr':>13}")
        for name, row in trading["overall"].items():
            annual = "n/a" if row["annual_return"] is None else f"{row['annual_return']:.1%}"
            lines.append(f"{name:<20}{row['total_return']:>8.1%}{annual:>9}{row['sharpe']:>8.2f}"
                         f"{row['max_drawdown']:>9.1%}{row['turnover_per_year']:>13.1f}")
    lines += _interval_lines(metrics.get("intervals"))
    if overall["model"]["mase"] > overall["naive_last_value"]["mase"]:
        lines.append("warning: the model did not beat the naive last-value forecast on MASE")
    return "\n".join(lines)


def _metrics_table(metrics: dict) -> str:
    test = metrics.get("test")
    if not test:
        return "no test split (test fraction 0): nothing to evaluate"
    lines = [f"test split: {test['windows']} windows, targets {test['first_target'][:10]} .. {test['last_target'][:10]}"]
    if "majority_class" in test:
        lines.append(f"{'classifier':<20}{'accuracy':>10}{'balanced':>10}")
        for name, label in (("model", "model"), ("majority_class", "majority class")):
            row = test[name]
            lines.append(f"{label:<20}{row['accuracy']:>10.3f}{row['balanced_accuracy']:>10.3f}")
        if test["model"]["accuracy"] <= test["majority_class"]["accuracy"]:
            lines.append("note: the classifier did not beat always predicting the majority class")
        return "\n".join(lines)
    lines.append(f"{'forecast':<20}{'MAE':>12}{'RMSE':>12}{'MAPE':>10}{'MASE':>9}")
    labels = {"model": "model", "naive_last_value": "naive (last value)", "seasonal_naive": "seasonal naive",
              "drift": "drift", "moving_average": "moving average", "ridge": "ridge"}
    for name in [name for name in test if isinstance(test[name], dict) and "mase" in test[name]]:
        row = test[name]
        lines.append(f"{labels.get(name, name):<20}{row['mae']:>12.4f}{row['rmse']:>12.4f}{row['mape']:>9.2%}{row['mase']:>9.3f}")
    lines += _interval_lines(test.get("intervals"))
    from tsrnn.comparison import best_baseline

    best = best_baseline(test)
    if test["model"]["mase"] > test[best]["mase"]:
        lines.append(f"note: the model did not beat the best baseline, {labels.get(best, best)} "
                     f"(MASE {test['model']['mase']:.3f} vs {test[best]['mase']:.3f})")
    return "\n".join(lines)


def _interval_lines(intervals: dict | None) -> list[str]:
    """The band table: coverage, mean width and interval score of each band, per level."""
    if not intervals:
        return []
    lines = [f"\n{'band':<20}{'level':>7}{'coverage':>10}{'width':>12}{'interval score':>16}"]
    for level, bands in intervals.items():
        for name, row in bands.items():
            label = {"model": "model (conformal)", "naive_band": "naive (empirical)", "model_adaptive": "model (adaptive)"}.get(name, name)
            lines.append(f"{label:<20}{level + '%':>7}{row['coverage']:>10.3f}{row['width']:>12.4f}{row['winkler']:>16.4f}")
    return lines


def _choices_line(choices: dict | None) -> str | None:
    """One line on what the fit found in the data and chose on validation."""
    if not choices:
        return None
    anchor = {"last": "the last value", "season": "the value a season earlier"}[choices["target_anchor"]]
    parts = [f"target {', '.join(choices['target'])}", f"season {choices['season']}", f"lookback {choices['lookback']}",
             f"targets measured from {anchor}"]
    linear = choices.get("linear_path")
    if linear:
        parts.append("linear path: the anchor alone" if linear["alpha"] is None else f"linear path alpha {linear['alpha']:g}")
    if choices.get("best_epoch") == 0:
        parts.append("no training epoch beat the linear start on validation")
    elif choices.get("best_epoch"):
        parts.append(f"best epoch {choices['best_epoch']}")
    inputs = choices.get("input_transforms")
    if inputs:
        parts.append("inputs " + ", ".join(f"{column} {transform}" for column, transform in inputs.items()))
    return "chosen: " + "; ".join(parts)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV to write [default: print to stdout].")
@click.option("--level", "levels", multiple=True, type=float,
              help="Add a prediction band of this coverage (percent): COLUMN_lo_LEVEL, COLUMN_hi_LEVEL; repeat for several.")
@click.option("--sep", default=None, help="Field separator of DATA [default: the run's, else sniffed].")
@click.option("--decimal", default=None, type=click.Choice(allowed.DECIMAL_MARKS), help="Decimal mark of DATA [default: the run's].")
@click.option("--date-format", default=None, help="excel, epoch, epoch_ms or a layout like %d.%m.%Y [default: the run's].")
@click.option("--timezone", default=None, help="Zone for timestamps with UTC offsets [default: the run's].")
@click.option("--future", type=click.Path(path_type=Path), default=None,
              help="CSV (for a panel: a folder, or a long CSV with the id column) of the future covariates on the "
                   "dates after DATA; needed by runs fitted with --future-features.")
@click.option("--static", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Panels: static covariates of series the run never saw, one row per series (first column: its name).")
@click.option("--per-series", "per_series", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Panels: write one CSV per series into this new folder (SERIES.csv) instead of one long table.")
@click.option("--dates", is_flag=True,
              help="Add date_t+K columns: each step's date (after the data, the run's --calendar-name sessions, "
                   "else the data's spacing).")
@_backend_option
def predict(run_dir: Path, data: Path, output: Path | None, levels: tuple[float, ...], future: Path | None,
            static: Path | None, per_series: Path | None, dates: bool, **reading) -> None:
    """Forecast with the run in RUN_DIR for every window of DATA, in the data's units.

    Each row is dated by the window's last input row; the last row forecasts beyond the data.
    """
    load_keras_quietly()
    from tsrnn.forecaster import Forecaster

    if output is not None and not output.parent.is_dir():
        raise ConfigError(f"-o {output}: the folder {output.parent} does not exist; create it or write elsewhere")
    from tsrnn.runs import is_panel_run

    panel = is_panel_run(run_dir)
    if panel:
        from tsrnn.panel import PanelForecaster as Forecaster
    if per_series is not None and (not panel or output is not None or per_series.exists()):
        raise ConfigError(f"--per-series {per_series}: give it instead of -o, for a panel run, as a folder that does not "
                          "exist yet")
    forecaster = Forecaster.load(run_dir)
    forecaster.set_params(**{name: value for name, value in reading.items() if value is not None})
    if panel:
        forecast = forecaster.predict(data, future=future, dates=dates, static=static,
                                      level=check_levels(list(levels)) or None).set_index(["series", "date"])
    else:
        if static is not None:
            raise ConfigError("--static gives the static covariates of a panel's series; this run forecasts one series")
        forecast = forecaster.predict(data, level=check_levels(list(levels)) or None, future=future, dates=dates)
    if per_series is not None:
        from tsrnn.runs import atomic_directory

        with atomic_directory(per_series) as staging:
            for name, table in forecast.groupby(level="series", sort=False):
                table.droplevel("series").to_csv(staging / f"{name}.csv")
        click.echo(f"{len(forecast)} forecasts of {forecast.index.get_level_values('series').nunique()} series "
                   f"written to {per_series}", err=True)
        return
    if output is None:
        click.echo(forecast.to_csv(), nl=False)
        return
    from tsrnn.runs import atomic_write

    atomic_write(output, forecast.to_csv)
    click.echo(f"{len(forecast)} forecasts written to {output}", err=True)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="onnx", show_default=True, type=click.Choice(allowed.EXPORT_FORMATS),
              help="onnx (served by onnxruntime and NumPy alone) or a TensorFlow SavedModel.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to create: the model and serving.json (window, scalers, transforms).")
@_backend_option
def export(run_dir: Path, fmt: str, out: Path) -> None:
    """Export the run in RUN_DIR for serving: the network plus serving.json (see scripts/serve_onnx.py)."""
    load_keras_quietly()
    from tsrnn.export import export_run

    export_run(run_dir, out, fmt)
    click.echo(f"{fmt} export written to {out}")


@main.command()
@click.argument("tickers", nargs=-1, required=True)
@click.option("--start", required=True, help="First date, YYYY-MM-DD.")
@click.option("--end", default=None, help="End date, exclusive, YYYY-MM-DD [default: today].")
@click.option("--interval", default="1d", show_default=True, help="Bar interval: 1d, 1wk, 1mo, 1h, ...")
@click.option("--adjusted", is_flag=True,
              help="Split/dividend-adjusted Open/High/Low/Close (scaled by Adj Close / Close); default: as traded.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="OUT.csv (one ticker) or a directory (one TICKER.csv each) [default: ./TICKER.csv].")
@click.option("--cache-dir", default=None, type=click.Path(file_okay=False),
              help="Cache folder [default: $TSRNN_CACHE_DIR or ~/.cache/tsrnn/yahoo].")
@click.option("--refresh", is_flag=True, help="Ignore the cache and download again.")
@click.option("--retries", default=3, show_default=True, type=int, help="Attempts per ticker before giving up.")
def download(tickers, start, end, interval, adjusted, output, cache_dir, refresh, retries) -> None:
    """Download daily prices of TICKERS from Yahoo Finance as CSVs that `tsrnn fit` reads."""
    from tsrnn import market

    if len(tickers) > 1 and output is not None and output.suffix.lower() == ".csv":
        raise ConfigError(f"{len(tickers)} tickers need -o DIRECTORY (one CSV per ticker), not {output}")
    frames = {
        ticker: market.download(ticker, start, end, interval=interval, adjusted=adjusted, cache_dir=cache_dir,
                                refresh=refresh, retries=retries)
        for ticker in tickers
    }
    # Every ticker fetched before anything is written: a failure leaves no file behind.
    if output is None:
        targets = {ticker: Path(f"{ticker}.csv") for ticker in tickers}
    elif output.suffix.lower() == ".csv":
        targets = {tickers[0]: output}
    else:
        output.mkdir(parents=True, exist_ok=True)
        targets = {ticker: output / f"{ticker}.csv" for ticker in tickers}
    for ticker, path in targets.items():
        market.write_csv(frames[ticker], path)
        frame = frames[ticker]
        click.echo(f"{ticker}: {len(frame)} rows {frame.index[0].date()} .. {frame.index[-1].date()} -> {path}")


@main.command()
def zoo() -> None:
    """List the model presets: the body of each, in its reference setting, with the parameter count."""
    load_keras_quietly()
    from tsrnn import zoo as model_zoo

    warnings.simplefilter("ignore", model_zoo.SlowPathWarning)  # listing is not training
    for name in model_zoo.names():
        spec = model_zoo.resolve(name)
        count = model_zoo.build(spec, compile=False).count_params()
        click.echo(f"{name:<20}{count:>11,}  {spec.describe()}")


if __name__ == "__main__":
    main()
