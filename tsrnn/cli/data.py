"""`tsrnn download` (Yahoo Finance prices) and `tsrnn zoo` (the model presets).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import click

from tsrnn.cli.main import main
from tsrnn.errors import ConfigError
from tsrnn.nn.backend import load_keras_quietly


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
    from tsrnn.io import yahoo as market

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
    from tsrnn.nn import zoo as model_zoo

    warnings.simplefilter("ignore", model_zoo.SlowPathWarning)  # listing is not training
    for name in model_zoo.names():
        spec = model_zoo.resolve(name)
        count = model_zoo.build(spec, compile=False).count_params()
        click.echo(f"{name:<20}{count:>11,}  {spec.describe()}")
