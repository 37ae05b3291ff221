"""`tsrnn predict` and `tsrnn export`: forecasting with a saved run and exporting it for serving.
"""
from __future__ import annotations

from pathlib import Path

import click

from tsrnn.cli.main import main
from tsrnn.cli.options import _backend_option, level_option
from tsrnn.errors import ConfigError
from tsrnn.nn.backend import load_keras_quietly
from tsrnn.utils import validation as allowed


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV to write [default: print to stdout].")
@level_option(help="Add a prediction band of this coverage (percent): COLUMN_lo_LEVEL, COLUMN_hi_LEVEL; repeat, or comma-separate, for several.")
@click.option("--sep", default=None, help="Field separator of DATA [default: the run's, else sniffed].")
@click.option("--decimal", default=None, type=click.Choice(allowed.DECIMAL_MARKS), help="Decimal mark of DATA [default: the run's].")
@click.option("--date-format", default=None, help="excel, epoch, epoch_ms or a layout like %d.%m.%Y [default: the run's].")
@click.option("--timezone", default=None, help="Zone for timestamps with UTC offsets [default: the run's].")
@click.option("--future", type=click.Path(path_type=Path), default=None,
              help="CSV (for a panel: a folder, or a long CSV with the id column) of the future covariates on the "
                   "dates after DATA; needed by runs fitted with --future-features.")
@click.option("--static", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Panels: static covariates of series the run never saw, one row per series (first column: its name).")
@click.option("--id-column", default=None,
              help="Panels: the column that tells the series of DATA apart [default: the run's; a CSV without it is one "
                   "series, named by the file].")
@click.option("--per-series", "per_series", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Panels: write one CSV per series into this new folder (SERIES.csv) instead of one long table.")
@click.option("--dates", is_flag=True,
              help="Add date_t+K columns: each step's date (after the data, the run's --calendar-name sessions, "
                   "else the data's spacing).")
@click.option("--layout", default="wide", show_default=True, type=click.Choice(allowed.LAYOUTS),
              help="wide: a row per window, a column per step; long: a row per window, step and target (origin, step, "
                   "date, forecast, bands); beyond: those rows for the forecast beyond the data only; nixtla: the "
                   "forecast beyond the data as the Nixtla tools lay it out (unique_id, ds, tsrnn).")
@_backend_option
def predict(run_dir: Path, data: Path, output: Path | None, levels: tuple[float, ...], future: Path | None,
            static: Path | None, id_column: str | None, per_series: Path | None, dates: bool, layout: str, **reading) -> None:
    """Forecast with the run in RUN_DIR for every window of DATA, in the data's units.

    Each row is dated by the window's last input row; the last row forecasts beyond the data
    (--layout beyond writes that forecast alone, one row per step).
    """
    load_keras_quietly()
    from tsrnn.forecasting.forecaster import Forecaster

    if output is not None and not output.parent.is_dir():
        raise ConfigError(f"-o {output}: the folder {output.parent} does not exist; create it or write elsewhere")
    forecaster = Forecaster.load(run_dir)
    if not forecaster.panel_ and (static is not None or id_column is not None or per_series is not None):
        flag = "--static" if static is not None else "--id-column" if id_column is not None else "--per-series"
        raise ConfigError(f"{flag} is for a panel's series; this run forecasts one series")
    if per_series is not None and (output is not None or per_series.exists()):
        raise ConfigError(f"--per-series {per_series}: give it instead of -o, as a folder that does not exist yet")
    if per_series is not None and layout != "wide":
        raise ConfigError(f"--per-series writes the wide layout; leave out --layout {layout}, or write one table with -o")
    forecaster.set_params(**{name: value for name, value in reading.items() if value is not None})
    forecast = forecaster.predict(data, level=list(levels) or None, future=future, dates=dates, id_column=id_column,
                                  static=static, layout=layout)
    if layout != "wide":
        forecast = forecast.set_index(forecast.columns[0])  # series, origin or unique_id
    elif forecaster.panel_:
        forecast = forecast.set_index(["series", "date"])
    if per_series is not None:
        from tsrnn.utils.atomic import atomic_directory

        with atomic_directory(per_series) as staging:
            for name, table in forecast.groupby(level="series", sort=False):
                table.droplevel("series").to_csv(staging / f"{name}.csv")
        click.echo(f"{len(forecast)} forecasts of {forecast.index.get_level_values('series').nunique()} series "
                   f"written to {per_series}", err=True)
        return
    if output is None:
        click.echo(forecast.to_csv(), nl=False)
        return
    from tsrnn.utils.atomic import atomic_write

    atomic_write(output, forecast.to_csv)
    click.echo(f"{len(forecast)} forecasts written to {output}", err=True)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="onnx", show_default=True, type=click.Choice(allowed.EXPORT_FORMATS),
              help="onnx (served by onnxruntime and NumPy alone) or a TensorFlow SavedModel.")
@click.option("--out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to create: the model and serving.json (window, scalers, transforms) "
                   "[default: serving/<run name>].")
@_backend_option
def export(run_dir: Path, fmt: str, out: Path | None) -> None:
    """Export the run in RUN_DIR for serving: the network plus serving.json (see scripts/serve_onnx.py)."""
    load_keras_quietly()
    from tsrnn.forecasting.export import export_run

    out = out or Path("serving") / run_dir.resolve().name
    export_run(run_dir, out, fmt)
    click.echo(f"{fmt} export written to {out}")
