"""Shared fixtures: small real data from the shipped S&P 500 sample, and tiny model settings."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
SP500 = REPO / "datasets" / "sp500.csv"
SHARED = REPO.parent / "shared" / "datasets"

INTEROP_EXTRAS = ("nixtla", "sktime")  # need pandas < 3: CI runs their tests in a venv of their own (TSRNN_REQUIRE_INTEROP=1)


def require_backend(module: str, installed: bool | None = None, extra: str | None = None) -> None:
    """Skip a test whose backend (or optional) package is missing, or fail it when CI requires every
    one (TSRNN_REQUIRE_BACKENDS=1), so a failed install cannot turn those tests into skips. The
    interoperability extras (statsforecast pins pandas < 3) are required where CI installs them, in
    their own virtual environment (TSRNN_REQUIRE_INTEROP=1)."""
    import importlib.util

    if installed is None:
        installed = importlib.util.find_spec(module) is not None
    if installed:
        return
    message = f"the {module} {'package' if extra else 'backend'} is not installed (pip install -e '.[{extra or module}]')"
    required = "TSRNN_REQUIRE_INTEROP" if extra in INTEROP_EXTRAS else "TSRNN_REQUIRE_BACKENDS"
    if os.environ.get(required) == "1":
        pytest.fail(f"{message}, and {required}=1 requires it")
    pytest.skip(message)


def write_folder(panel: dict[str, pd.DataFrame], path: Path) -> Path:
    """A panel as a folder of CSVs, one per series named by its file; returns the folder."""
    for name, frame in panel.items():
        frame.to_csv(path / f"{name}.csv")
    return path


# A forecaster small enough to train in a second or two on 2 cores.
TINY = dict(lookback=10, units=4, epochs=2, batch_size=32, seed=0)


@pytest.fixture
def sp500_slice(tmp_path: Path) -> Path:
    """The first 400 rows of the shipped S&P 500 file, as a CSV in its original layout."""
    path = tmp_path / "sp500_slice.csv"
    with open(SP500) as source:
        lines = [next(source) for _ in range(401)]
    path.write_text("".join(lines))
    return path


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write text to a CSV file in the test's folder and return its path."""

    def write(text: str, name: str = "data.csv") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.fixture
def daily_frame() -> pd.DataFrame:
    """A small positive trending frame with a Date column."""
    dates = pd.bdate_range("2020-01-01", periods=120)
    close = 100 + pd.Series(range(120), dtype=float) * 0.5
    return pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), "Close": close, "Volume": 1000.0 + close})
