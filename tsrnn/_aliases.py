"""The module paths of tsrnn 0.1.0's flat layout, kept importable for one release.

`import tsrnn.forecaster` (or `from tsrnn.windowing import WindowSpec`) gives the module at its new
place, `tsrnn.forecasting.forecaster`, with a `FutureWarning` that names it (sktime keeps renamed
modules the same way). `tsrnn.zoo` and `tsrnn.errors` are public names and do not warn.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

# old module (below tsrnn.) -> its module now
MOVED = {
    "options": "utils.validation", "runs": "io.run_dir", "plots": "forecasting.plots", "metrics": "forecasting.metrics",
    "backend": "nn.backend", "zoo": "nn.zoo", "quantiles": "nn.quantiles", "training": "nn.training",
    "callbacks": "nn.callbacks", "distribute": "nn.distribute", "data": "io.tables", "dates": "io.dates",
    "numbers": "io.numbers", "panels": "io.panels", "market": "io.yahoo", "windowing": "features.windowing",
    "covariates": "features.covariates", "scaling": "features.scaling", "seasons": "features.seasons",
    "batches": "features.batches", "preparation": "features.preparation", "settings": "forecasting.params",
    "forecaster": "forecasting.forecaster", "panel": "forecasting.panel_forecaster", "selection": "forecasting.selection",
    "baselines": "forecasting.baselines", "comparison": "forecasting.comparison", "intervals": "forecasting.conformal",
    "state": "forecasting.state", "pipeline": "forecasting.runs", "export": "forecasting.export",
    "backtest": "evaluation.walk_forward", "panel_backtest": "evaluation.panel_backtest", "trading": "evaluation.trading",
    "tuning": "evaluation.tuning", "search_space": "evaluation.search_space", "experiments": "evaluation.long_memory",
    "sentiment": "text.sentiment",
}
PUBLIC = {"zoo"}  # old paths that stay public names: no warning


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module) -> None:  # the target module ran when it was imported
        pass


class _MovedModules(importlib.abc.MetaPathFinder):
    """Finds `tsrnn.OLD` as the module that `MOVED` names, warning once per import."""

    def find_spec(self, fullname: str, path=None, target=None):
        package, _, old = fullname.partition(".")
        if package != "tsrnn" or old not in MOVED:
            return None
        new = f"tsrnn.{MOVED[old]}"
        if old not in PUBLIC:
            warnings.warn(f"{fullname} moved to {new}; import it from there ({fullname} goes in the next release)",
                          FutureWarning, stacklevel=_caller_level())
        return importlib.util.spec_from_loader(fullname, _AliasLoader(new))


def _caller_level() -> int:
    """The stack level of the `import` statement that asked for the old path (past importlib's frames)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (frame.f_code.co_filename.startswith("<frozen importlib") or frame.f_globals.get("__name__") == __name__):
        frame, level = frame.f_back, level + 1
    return level


def install() -> None:
    """Put the finder of moved modules on `sys.meta_path` (once)."""
    if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
        sys.meta_path.insert(0, _MovedModules())  # before the editable-install finders, which may know old files
