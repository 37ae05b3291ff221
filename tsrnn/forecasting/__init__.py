"""Forecasters: the parameters and what is resolved from the data, the `Forecaster` of one series
and the `PanelForecaster` of many, the choices made on validation, the baselines, conformal
bands, learned state, metrics, plots, complete run directories and export for serving.

Public names load from their modules when first used (`tsrnn._lazy`).
"""
from __future__ import annotations

from tsrnn._lazy import lazy_exports

_EXPORTS = {
    "Calibration": "conformal",
    "DriftForecaster": "baselines",
    "Forecaster": "forecaster",
    "ForecasterParams": "params",
    "ForecasterSettings": "params",
    "MovingAverageForecaster": "baselines",
    "Naive2Forecaster": "baselines",
    "NaiveForecaster": "baselines",
    "PanelForecaster": "panel_forecaster",
    "RidgeForecaster": "baselines",
    "RunResult": "runs",
    "SeasonalNaiveForecaster": "baselines",
    "export_run": "export",
    "fit_panel_run": "runs",
    "fit_run": "runs",
    "forecast_metrics": "metrics",
    "forecast_plot": "plots",
    "naive_scale": "metrics",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
