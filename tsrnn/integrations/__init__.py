"""Integrations: tsrnn behind other libraries' interfaces. `sktime` holds `TsrnnForecaster`, an
sktime forecaster (`pip install 'tsrnn[sktime]'`). Nothing here is imported until used.

Examples:
    >>> import tsrnn.integrations
    >>> "TsrnnForecaster" in tsrnn.integrations.__all__
    True
"""
from __future__ import annotations

from tsrnn._lazy import lazy_exports

_EXPORTS = {"TsrnnForecaster": "sktime"}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
