"""tsrnn: recurrent-network forecasting and sequence classification on Keras 3.

The public API is declared here once. Names load lazily, so `import tsrnn` and `tsrnn --help` load
no Keras. The package is laid out by layers, lowest first, each importing only from those below:
`utils` < `nn` < `io` < `features` < `forecasting`, `text` < `evaluation` < `cli`.

Examples:
    >>> import tsrnn
    >>> spec = tsrnn.WindowSpec(lookback=30, horizon=1, target_columns=("Close",))
    >>> spec.lookback
    30
"""
from __future__ import annotations

from tsrnn import _aliases
from tsrnn._lazy import lazy_exports
from tsrnn._version import __version__
from tsrnn.errors import ConfigError, DataError, NotFittedError, RunDirError, TsrnnError

_EXPORTS = {
    "Forecaster": "forecasting",
    "PanelForecaster": "forecasting",
    "fit_run": "forecasting",
    "ModelSpec": "nn",
    "WindowSpec": "features",
    "read_series": "io",
    "read_panel": "io",
    "backtest": "evaluation",
    "tune": "evaluation",
    "TuneSettings": "evaluation",
    "zoo": "nn",
}
__all__ = ["ConfigError", "DataError", "NotFittedError", "RunDirError", "TsrnnError", "__version__", *sorted(_EXPORTS)]

_getattr, _dir = lazy_exports(__name__, _EXPORTS)


def __getattr__(name: str):
    # `zoo` is a module of tsrnn.nn, the rest are names its subpackages export.
    if name == "zoo":
        from tsrnn.nn import zoo

        return zoo
    return _getattr(name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_dir()})


_aliases.install()
