"""From a checked frame to what a network sees: windows and their alignment rule, splits, input and
target transforms, scaling, covariates, lagged targets, seasons, static covariates and batches cut on the fly.

Public names load from their modules when first used (`tsrnn._lazy`).
"""
from __future__ import annotations

from tsrnn._lazy import lazy_exports

_EXPORTS = {
    "DateSplit": "splits",
    "PanelBatches": "batches",
    "SeriesIdentity": "static",
    "SplitBounds": "windowing",
    "WindowBatches": "batches",
    "WindowSpec": "windowing",
    "add_lagged_targets": "lags",
    "encode_dates": "covariates",
    "fit_scaler": "scaling",
    "infer_seasonal_period": "seasons",
    "split_by_date": "splits",
    "split_rows": "windowing",
    "week_before_targets": "lags",
    "window_ends": "windowing",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
