"""Every notebook in notebooks/ runs top to bottom (with short settings from the environment)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
QUICK = {"TSRNN_EPOCHS": "1", "TSRNN_ROWS": "600", "TSRNN_SERIES": "3", "TSRNN_FOLDS": "2", "TSRNN_TEST_SIZE": "60", "TSRNN_LENGTHS": "10",
         "TSRNN_SEEDS": "0", "TSRNN_SAMPLES": "128", "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow")}


def cell_errors(notebook, directory: Path) -> list[str]:
    """Run every cell (on past errors too) and return one line per cell that raised."""
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(directory)}})
    client.execute()
    return [f"cell {number}: {output.ename}: {output.evalue}"
            for number, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for output in cell.outputs if output.output_type == "error"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path, monkeypatch):
    for name, value in QUICK.items():
        monkeypatch.setenv(name, value)
    notebook = nbformat.read(path, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), "strip outputs before committing"
    errors = cell_errors(notebook, path.parent)
    assert not errors, errors
    assert all(cell.execution_count for cell in notebook.cells if cell.cell_type == "code")


def test_a_raising_cell_is_reported(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                               nbformat.v4.new_code_cell("raise ValueError('broken cell')")])
    assert cell_errors(notebook, tmp_path) == ["cell 1: ValueError: broken cell"]
