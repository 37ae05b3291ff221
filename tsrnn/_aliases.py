"""The module paths of tsrnn 0.1.0's flat layout, kept importable for one release.

`import tsrnn.forecaster` (or `from tsrnn.windowing import WindowSpec`) gives the module at its new
place, `tsrnn.forecasting.forecaster`, with a `FutureWarning` that names it (sktime keeps renamed
modules the same way). `tsrnn.zoo` and `tsrnn.errors` are public names and do not warn.
`import tsrnn.backtest` rebinds the public function `tsrnn.backtest` to the old module's path, which
therefore still calls it (`tsrnn.backtest(forecaster, data)` works either way).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
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
FUNCTIONS = {"backtest": "backtest"}  # old paths that are also a public function's name: the module calls it


class _CallingModule(types.ModuleType):
    """An old module path that is also the name of a public function (`tsrnn.backtest`). Importing
    it sets `tsrnn.backtest` to the module (the import system binds a submodule on its package),
    so the module calls that function, and its other names are the moved module's.
    """

    def __init__(self, name: str, target: types.ModuleType, function: str) -> None:
        super().__init__(name, target.__doc__)
        self._moved_to, self._function = target, function

    def __getattr__(self, name: str):
        return getattr(self._moved_to, name)

    def __call__(self, *args, **kwargs):
        return getattr(self._moved_to, self._function)(*args, **kwargs)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str, function: str | None = None) -> None:
        self.target, self.function = target, function

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        return module if self.function is None else _CallingModule(spec.name, module, self.function)

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
        return importlib.util.spec_from_loader(fullname, _AliasLoader(new, FUNCTIONS.get(old)))


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
