"""The README's architecture is true: every module sits in its layer, no lower layer imports an upper
one, the CLI's defaults and choices are the library's, and importing the CLI loads no Keras."""
from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tsrnn"

# Lowest first. A module may import modules of its own layer or of lower ones, never of higher ones.
LAYERS = [
    ("foundation", {"errors", "options", "backend"}),
    ("data in, storage, numerics", {"data", "numbers", "dates", "quantiles", "panels", "market", "text", "runs",
                                    "windowing", "covariates", "scaling", "metrics", "trading",
                                    "distribute", "seasons"}),
    ("models and baselines", {"zoo", "batches", "callbacks", "baselines", "preparation", "intervals"}),
    ("settings, training, comparison", {"settings", "training", "comparison", "selection", "state", "experiments", "search_space",
                                        "sentiment"}),
    ("forecaster and plots", {"forecaster", "panel", "plots"}),
    ("evaluation and runs", {"backtest", "panel_backtest", "pipeline", "export", "tuning"}),
    ("interfaces", {"cli"}),
]
LAYER_OF = {module: level for level, (_, modules) in enumerate(LAYERS) for module in modules}


def _imported_modules(path: Path) -> set[str]:
    """tsrnn modules `path` imports (at the top or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "tsrnn":
            if node.module == "tsrnn":
                found.update(alias.name for alias in node.names if (PACKAGE / f"{alias.name}.py").exists())
            else:
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("tsrnn."))
    return found


def test_every_module_has_a_layer():
    modules = {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    assert modules == set(LAYER_OF), f"unplaced: {modules - set(LAYER_OF)}; gone: {set(LAYER_OF) - modules}"


@pytest.mark.parametrize("module", sorted(LAYER_OF))
def test_no_module_imports_an_upper_layer(module):
    upward = {name: LAYERS[LAYER_OF[name]][0] for name in _imported_modules(PACKAGE / f"{module}.py")
              if LAYER_OF.get(name, -1) > LAYER_OF[module]}
    assert not upward, f"tsrnn.{module} ({LAYERS[LAYER_OF[module]][0]}) imports upper layers: {upward}"


def test_the_layer_check_catches_an_upward_import(tmp_path):
    fake = tmp_path / "windowing.py"
    fake.write_text("from tsrnn.forecaster import Forecaster\n")
    assert "forecaster" in _imported_modules(fake) and LAYER_OF["forecaster"] > LAYER_OF["windowing"]


def test_readme_architecture_lists_every_module():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    missing = [module for module in LAYER_OF if f"tsrnn.{module}" not in section]
    assert not missing, f"README's architecture section lacks {missing}"


def test_cli_defaults_and_choices_are_the_librarys():
    import click

    from tsrnn import options
    from tsrnn.cli import fit
    from tsrnn.settings import param_default, param_names

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
    for path in PACKAGE.glob("*.py"):
        if path.stem == "options":
            continue
        source = path.read_text()
        for values in (options_tuple for options_tuple in _choice_tuples()):
            literal = repr(values)
            if literal in source or repr(list(values)) in source:
                typed.append((path.name, values))
    assert not typed, typed


def _choice_tuples():
    from tsrnn import options

    return [value for name, value in vars(options).items() if name.isupper() and isinstance(value, tuple)]


def test_importing_the_cli_and_forecaster_loads_no_keras():
    code = "import sys, tsrnn.cli, tsrnn.forecaster, tsrnn.settings; print('keras' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"


def test_forecaster_coordinates_and_does_not_train_save_or_score_by_itself():
    source = inspect.getsource(__import__("tsrnn.forecaster", fromlist=["x"]))
    for call in (".fit(", "model.save(", "forecast_metrics(", "json.dump", "EarlyStopping", "BackupAndRestore"):
        if call == ".fit(":
            assert "model.fit(" not in source
        else:
            assert call not in source, call
    assert len(source.splitlines()) <= 335
