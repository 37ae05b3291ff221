"""The `tsrnn` command line: one module per command group, each command a thin call into the
library that prints what it returns.

User mistakes (`TsrnnError`) print one line on stderr and exit with code 2, without a traceback.
Every forecaster option's default comes from `tsrnn.forecasting.params.ForecasterParams` and every
choice list from `tsrnn.utils.validation`, so `--help` says what the library does.

Modules: `main` (the group and its error handling), `options` (shared flags and their parsers),
`tables` (what the commands print), `train` (fit, backtest, tune), `serve` (predict, export),
`data` (download, zoo).

Usage:
    $ tsrnn fit datasets/sp500.csv --epochs 5 --out runs/sp500
    $ tsrnn predict runs/sp500 datasets/sp500.csv -o forecast.csv
    $ tsrnn zoo
"""
from __future__ import annotations

from tsrnn.cli.data import download, zoo
from tsrnn.cli.main import OneLineCommand, OneLineErrors, main
from tsrnn.cli.options import parse_calendar, parse_input_transforms, parse_levels, parse_units
from tsrnn.cli.serve import export, predict
from tsrnn.cli.train import backtest, fit, tune

__all__ = ["OneLineCommand", "OneLineErrors", "backtest", "download", "export", "fit", "main", "parse_calendar",
           "parse_input_transforms", "parse_levels", "parse_units", "predict", "tune", "zoo"]
