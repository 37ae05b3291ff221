"""The README's architecture is true: the package is laid out in folders by layer, no module imports
a folder above its own (nor a sibling folder of its layer), every subpackage declares its public
names, the CLI's defaults and choices are the library's, and importing the CLI loads no Keras."""
from __future__ import annotations

import ast
import importlib
import inspect
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.conftest import require_backend

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tsrnn"

# The folders, lowest first; folders that share a layer may not import each other. The package's
# own modules (errors, version, the lazy-name and old-path helpers) are the foundation below them all.
LAYERS = [{"utils"}, {"nn"}, {"io"}, {"features"}, {"forecasting", "text"}, {"evaluation"}, {"cli", "integrations"}]
LAYER_OF = {folder: level + 1 for level, folders in enumerate(LAYERS) for folder in folders}
FOUNDATION = 0
_PUBLIC = importlib.import_module("tsrnn")._EXPORTS


def _folder_of(module: str) -> str:
    """The layer folder of a dotted tsrnn module (`tsrnn.io.tables` -> `io`); '' for the foundation."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else ""


def _modules() -> dict[str, Path]:
    """Every module of the package, by dotted name, but the package faces (`__init__.py`)."""
    return {".".join(path.relative_to(ROOT).with_suffix("").parts): path for path in PACKAGE.rglob("*.py")
            if path.name != "__init__.py"}


def _imported_modules(path: Path) -> set[str]:
    """Dotted tsrnn modules or packages that `path` imports (at the top or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "tsrnn":
            for alias in node.names:
                if (PACKAGE.parent / node.module.replace(".", "/") / f"{alias.name}.py").exists():
                    found.add(f"{node.module}.{alias.name}")
                elif node.module == "tsrnn" and alias.name in _PUBLIC:  # a lazy public name: its subpackage
                    found.add(f"tsrnn.{_PUBLIC[alias.name]}")
                else:
                    found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("tsrnn."))
    return found


def _layer(module: str) -> int:
    folder = _folder_of(module)
    return LAYER_OF[folder] if folder else FOUNDATION


def test_every_folder_is_a_layer_and_the_root_holds_only_the_foundation():
    folders = {path.name for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"}
    assert folders == set(LAYER_OF), f"unplaced folders: {folders - set(LAYER_OF)}; gone: {set(LAYER_OF) - folders}"
    root = {path.stem for path in PACKAGE.glob("*.py")}
    assert root == {"__init__", "_aliases", "_lazy", "_version", "errors"}, root


@pytest.mark.parametrize("module", sorted(_modules()))
def test_no_module_imports_a_folder_above_or_beside_its_own(module):
    own = _folder_of(module)
    wrong = {name for name in _imported_modules(_modules()[module])
             if name != "tsrnn" and _folder_of(name) != own and _layer(name) >= _layer(module)}
    assert not wrong, f"{module} (layer {_layer(module)}) imports from its layer or above: {sorted(wrong)}"


def test_the_layer_check_catches_an_upward_import(tmp_path):
    fake = tmp_path / "windowing.py"
    fake.write_text("from tsrnn.forecasting.forecaster import Forecaster\nfrom tsrnn.cli import main\n")
    imported = _imported_modules(fake)
    assert imported == {"tsrnn.forecasting.forecaster", "tsrnn.cli.main"}
    assert all(_layer(name) > _layer("tsrnn.features.windowing") for name in imported)


@pytest.mark.parametrize("folder", sorted(LAYER_OF))
def test_every_subpackage_declares_its_public_names_and_they_resolve(folder):
    package = importlib.import_module(f"tsrnn.{folder}")
    assert package.__all__, f"tsrnn.{folder} has no __all__"
    if folder == "integrations":  # each name needs its library (sktime): tested where it is installed
        require_backend("sktime", extra="sktime")
    for name in package.__all__:
        assert getattr(package, name) is not None, f"tsrnn.{folder}.{name}"


def test_the_public_api_is_declared_once_and_resolves():
    import tsrnn

    for name in tsrnn.__all__:
        assert getattr(tsrnn, name) is not None, name
    assert tsrnn.zoo is importlib.import_module("tsrnn.nn.zoo")


def test_old_module_paths_still_work_for_one_release_with_a_future_warning():
    from tsrnn import _aliases

    code = ("import warnings, sys; warnings.simplefilter('error', FutureWarning)\n"
            "try:\n    import tsrnn.forecaster\nexcept FutureWarning as w:\n    print(w)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "tsrnn.forecaster moved to tsrnn.forecasting.forecaster" in result.stdout
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for old, new in _aliases.MOVED.items():
            alias, moved = importlib.import_module(f"tsrnn.{old}"), importlib.import_module(f"tsrnn.{new}")
            if old in _aliases.FUNCTIONS:  # also a public function's name: a module of the moved one's names that calls it
                assert callable(alias) and all(getattr(alias, name) is value for name, value in vars(moved).items()
                                               if not name.startswith("__")), old
            else:
                assert alias is moved, old
        from tsrnn.windowing import WindowSpec

        from tsrnn.features.windowing import WindowSpec as moved
    assert WindowSpec is moved


def test_readme_architecture_lists_every_folder_and_module():
    section = (ROOT / "docs" / "architecture.md").read_text()  # the manual's architecture page
    missing = [module for module in _modules() if not module.split(".")[-1].startswith("_")
               and module.split(".")[-1] not in section]
    missing += [f"tsrnn/{folder}/" for folder in LAYER_OF if f"{folder}/" not in section]
    assert not missing, f"docs/architecture.md lacks {missing}"


def test_cli_defaults_and_choices_are_the_librarys():
    import click

    from tsrnn.cli import fit
    from tsrnn.forecasting.params import param_default, param_names
    from tsrnn.utils import validation as options

    by_name = {param.name: param for param in fit.params}
    for name in param_names():
        if name in ("verbose",):  # -q/--quiet
            continue
        assert name in by_name, f"tsrnn fit has no option for Forecaster parameter {name}"
        assert by_name[name].default == param_default(name), name
    choices = {name: by_name[name].type.choices for name in by_name if isinstance(by_name[name].type, click.Choice)}
    assert tuple(choices["target_transform"]) == options.TARGET_TRANSFORMS
    assert tuple(choices["task"]) == options.TASKS and tuple(choices["pooling"]) == options.POOLINGS


def test_no_choice_list_is_typed_twice():
    typed = []
    for path in PACKAGE.rglob("*.py"):
        if path.stem == "validation":
            continue
        source = path.read_text()
        for values in (options_tuple for options_tuple in _choice_tuples()):
            literal = repr(values)
            if literal in source or repr(list(values)) in source:
                typed.append((path.name, values))
    assert not typed, typed


def _choice_tuples():
    from tsrnn.utils import validation as options

    return [value for name, value in vars(options).items() if name.isupper() and isinstance(value, tuple)]


def test_importing_the_cli_and_forecaster_loads_no_keras():
    code = "import sys, tsrnn.cli, tsrnn.forecasting.forecaster, tsrnn.forecasting.params; print('keras' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"


def test_forecaster_coordinates_and_does_not_train_save_or_score_by_itself():
    for module, most_lines in (("tsrnn.forecasting.forecaster", 300), ("tsrnn.forecasting.fitting", 220)):
        source = inspect.getsource(__import__(module, fromlist=["x"]))
        for call in (".fit(", "model.save(", "forecast_metrics(", "json.dump", "EarlyStopping", "BackupAndRestore"):
            if call == ".fit(":
                assert "model.fit(" not in source
            else:
                assert call not in source, (module, call)
        assert _code_lines(source) <= most_lines, module  # docstrings (Args, Returns, Examples) aside


def _code_lines(source: str) -> int:
    """Lines of `source` outside its docstrings."""
    import ast

    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and ast.get_docstring(node):
            first = node.body[0]
            docstrings.update(range(first.lineno, first.end_lineno + 1))
    return sum(1 for number, line in enumerate(source.splitlines(), start=1) if number not in docstrings and line.strip())


def test_a_library_fit_prints_no_tensorflow_start_up_log(tmp_path):
    code = ("import pandas as pd; from tsrnn import Forecaster; "
            "rows = pd.read_csv('datasets/sp500.csv').iloc[:200]; "
            "Forecaster(lookback=10, units=4, epochs=1, seed=0, verbose=0).fit(rows)")
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=environment,
                            check=True)
    noise = [line for line in result.stderr.splitlines() if "oneDNN" in line or "cuda" in line.lower()
             or line.startswith(("E0000", "W0000", "I0000"))]
    assert not noise, noise[:3]
