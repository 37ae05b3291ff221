"""Data in and out: tables read as people write them (CSV or DataFrame), panels of many series,
Yahoo Finance prices, and run directories on disk.

Public names load from their modules when first used (`tsrnn._lazy`).
"""
from __future__ import annotations

from tsrnn._lazy import lazy_exports

_EXPORTS = {
    "ReadOptions": "tables",
    "YahooCache": "yahoo",
    "data_sha256": "tables",
    "download": "yahoo",
    "is_panel": "panels",
    "is_panel_run": "run_dir",
    "read_forecaster_run": "run_dir",
    "read_panel": "panels",
    "read_panel_run": "run_dir",
    "read_series": "tables",
    "read_table": "tables",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
