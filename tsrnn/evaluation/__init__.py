"""Evaluation: walk-forward backtests of one series or a panel against the baselines, the trading
report, hyperparameter tuning on Optuna with its search space, and the long-memory tasks that
compare the recurrent bodies.

Public names load from their modules when first used (`tsrnn._lazy`).
"""
from __future__ import annotations

from tsrnn._lazy import lazy_exports

_EXPORTS = {
    "BacktestResult": "walk_forward",
    "PanelBacktestResult": "panel_backtest",
    "TuneResult": "tuning",
    "TuneSettings": "tuning",
    "backtest": "walk_forward",
    "backtest_panel": "walk_forward",
    "default_space": "search_space",
    "performance": "trading",
    "read_space": "search_space",
    "tune": "tuning",
    "walk_forward_folds": "folds",
    "write_backtest": "walk_forward",
    "write_panel_backtest": "panel_backtest",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
