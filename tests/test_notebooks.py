"""Every notebook in notebooks/ runs top to bottom (with short settings from the environment)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
QUICK = {"TSRNN_EPOCHS": "1", "TSRNN_ROWS": "600", "TSRNN_FOLDS": "2", "TSRNN_TEST_SIZE": "60",
         "TSRNN_LENGTHS": "10", "TSRNN_SEEDS": "0", "TSRNN_SAMPLES": "128", "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow")}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path, monkeypatch):
    for name, value in QUICK.items():
        monkeypatch.setenv(name, value)
    notebook = nbformat.read(path, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), "strip outputs before committing"
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert not errors
    assert any(cell.outputs for cell in notebook.cells if cell.cell_type == "code")
