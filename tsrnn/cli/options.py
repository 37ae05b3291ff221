"""Options shared by the commands: every forecaster parameter as a flag, with the library's
default and allowed values (`tsrnn.forecasting.params`, `tsrnn.utils.validation`), and their parsers.
"""
from __future__ import annotations

import datetime as _dt
import os
import sys
from pathlib import Path

import click

from tsrnn.errors import ConfigError
from tsrnn.forecasting.conformal import check_levels
from tsrnn.forecasting.params import param_default
from tsrnn.utils import validation as allowed


def _csv_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or None


def _number_list(value: str | None, number: type, option: str, kind: str, example: str) -> list | None:
    """`"64,32"` as numbers of type `number` (int or float); None when not given; one line naming
    `option`, the `kind` of number and an `example` when an item is not such a number.
    """
    items = _csv_list(value)
    if items is None:
        return None
    try:
        return [number(item) for item in items]
    except ValueError:
        raise ConfigError(f"{option} must be comma-separated {kind} like {example}, got {value!r}") from None


def parse_units(value: str | None) -> list[int] | None:
    """`--units 64,32` as `[64, 32]` (None stays None); one line for anything else."""
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
    default (shown when not None) and, for `choices`, the library's allowed values.
    """
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
        _param("--target-lag", type=int,
               help="A copy of each target this many rows back as one more input (0: none); a week less the "
                    "gap and the horizon (120 for hourly data and --horizon 48) shows the window the values a week "
                    "before its targets."),
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
        _param("--refit/--no-refit", "refit",
               help="After the choices on validation, train the forecasting network again on every row for the "
                    "chosen epochs; the test scores stay the first network's [default: on for several series, off "
                    "for one]."),
        _param("--refit-members", type=int,
               help="With the refit, train this many networks on every row, each from its own seed, side by side, "
                    "and average their forecasts [default: 2 where the forecaster refits, else 1]."),
        _param("--refit-schedule", choices=allowed.REFIT_SCHEDULES,
               help="The refit's learning rate: constant, or lowered along half a cosine to 0 at its last batch."),
        _param("--refit-epochs", choices=allowed.REFIT_EPOCHS,
               help="The refit's epochs: the single best epoch on validation (best), or where the validation loss, "
                    "averaged with its neighbouring epochs', is lowest (smoothed) [default: best]."),
        _param("--shrinkage/--no-shrinkage", "shrinkage",
               help="Per series, weigh the forecast's change from its anchor by the weight (0 to 1) its validation "
                    "windows prefer, and for sub-daily data blend in last week's values likewise: a series the "
                    "network forecasts worse than the anchor leans on the anchor or on last week."),
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
        _param("--steps-per-epoch",
               help="Batches per epoch at most: a larger training set is walked through over several epochs, each "
                    "going on where the last stopped; 0: every window once per epoch."),
        _param("--learning-rate"),
        _param("--loss", choices=allowed.LOSSES,
               help="Training loss on the scaled targets: squared, absolute (as MASE counts errors) or Huber."),
        _param("--patience", help="Early stopping on validation loss (best weights kept); 0 disables."),
        _param("--validation-fraction"),
        _param("--split", choices=allowed.SPLITS,
               help="Panels: validation and test at the same dates for every series (date), at each series' own "
                    "last rows (series), or auto: by date where every series ends on the same date."),
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
    from tsrnn.io.yahoo import download

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

    Examples:
        >>> parse_calendar("auto"), parse_calendar("month, hour"), parse_calendar(None)
        (True, ['month', 'hour'], False)
    """
    if value in (None, False, "False", ""):
        return False
    if value in (True, "auto", "True"):
        return True
    return _csv_list(value)


def _forecaster(target, features, units, quiet, input_transforms=(), quantile_levels=None,
                future_features=None, calendar=False, static_features=None, **options):
    from tsrnn.forecasting.forecaster import Forecaster

    return Forecaster(target=_csv_list(target), features=_csv_list(features), units=parse_units(units),
                      future_features=_csv_list(future_features), calendar=parse_calendar(calendar),
                      static_features=_csv_list(static_features),
                      input_transforms=parse_input_transforms(input_transforms), quantile_levels=parse_levels(quantile_levels),
                      verbose=0 if quiet else 1, **options)


def _default_out(kind: str, stem: str, model: str) -> Path:
    """`runs/[KIND]STEM-MODEL-TIME`: the kind (tune-, backtest-, panel-) comes first, so that the
    README's `ls -d runs/sp500-lstm-*` finds only the fitted runs of that data and model.

    Examples:
        >>> _default_out("tune-", "sp500", "lstm").name.startswith("tune-sp500-lstm-")
        True
    """
    return Path("runs") / f"{kind}{stem}-{model}-{_dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"


def _levels(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[float, ...]:
    """`--level 80 --level 95` or `--level 80,95` as the checked levels (80.0, 95.0)."""
    numbers = [number for value in values for number in _number_list(value, float, "--level", "percentages", "80,95")]
    return tuple(check_levels(numbers, name="--level"))


def level_option(help: str):
    """The `--level` option of fit, backtest and predict: repeatable, each a percentage or a comma-separated list."""
    return click.option("--level", "levels", multiple=True, callback=_levels, metavar="PERCENT[,PERCENT]", help=help)
