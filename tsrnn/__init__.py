"""tsrnn: recurrent-network forecasting and sequence classification on Keras 3.

Keras is imported lazily, so `import tsrnn` and `tsrnn --help` stay fast.

Example:
    >>> import tsrnn
    >>> spec = tsrnn.WindowSpec(lookback=30, horizon=1, target_columns=("Close",))
    >>> spec.lookback
    30
"""
from __future__ import annotations

__version__ = "0.1.0"

from tsrnn.errors import ConfigError, DataError, NotFittedError, RunDirError, TsrnnError
from tsrnn.windowing import WindowSpec

__all__ = [
    "ConfigError",
    "DataError",
    "Forecaster",
    "ModelSpec",
    "NotFittedError",
    "RunDirError",
    "TsrnnError",
    "TuneSettings",
    "WindowSpec",
    "read_series",
    "tune",
    "__version__",
]


def __getattr__(name: str):
    # Heavy modules (Keras, TensorFlow) load only when first asked for.
    if name == "Forecaster":
        from tsrnn.forecaster import Forecaster

        return Forecaster
    if name == "ModelSpec":
        from tsrnn.zoo import ModelSpec

        return ModelSpec
    if name in ("tune", "TuneSettings"):
        from tsrnn import tuning

        return getattr(tuning, name)
    if name == "read_series":
        from tsrnn.data import read_series

        return read_series
    raise AttributeError(f"module 'tsrnn' has no attribute {name!r}")
