"""Run directories: written whole or not at all; two runs aimed at one --out never mix their files."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsrnn.errors import RunDirError
from tsrnn.io.run_dir import read_run_json
from tsrnn.utils.atomic import atomic_directory


def test_failure_inside_leaves_nothing(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with atomic_directory(tmp_path / "run") as staging:
            (staging / "model.keras").write_text("half")
            1 / 0
    assert list(tmp_path.iterdir()) == []


def test_two_runs_with_the_same_out_one_wins_whole(tmp_path):
    target = tmp_path / "run"
    first = atomic_directory(target)
    second = atomic_directory(target)
    staging_a = first.__enter__()
    staging_b = second.__enter__()  # both started before either finished
    (staging_a / "owner.txt").write_text("a")
    (staging_b / "owner.txt").write_text("b")
    (staging_b / "extra.txt").write_text("b")
    first.__exit__(None, None, None)
    with pytest.raises(RunDirError, match="another run created it meanwhile; choose another out"):
        second.__exit__(None, None, None)
    assert sorted(p.name for p in target.iterdir()) == ["owner.txt"]
    assert (target / "owner.txt").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_staging_of_a_killed_process_is_removed_but_not_a_live_ones(tmp_path):
    import os
    import subprocess
    import sys

    from tsrnn.utils.atomic import _HOST

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    abandoned = tmp_path / f".run.tmp-{_HOST}-{dead_pid}-abc"
    live = tmp_path / f".run.tmp-{_HOST}-{os.getpid()}-def"
    elsewhere = tmp_path / f".run.tmp-otherhost-{dead_pid}-ghi"
    other_target = tmp_path / f".runs.tmp-{_HOST}-{dead_pid}-jkl"
    for folder in (abandoned, live, elsewhere, other_target):
        folder.mkdir()
        (folder / "model.keras").write_text("half")
    with atomic_directory(tmp_path / "run") as staging:
        (staging / "a.txt").write_text("a")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run", live.name, elsewhere.name, other_target.name])


def test_run_json_format_checks(tmp_path):
    for version in (2, 3):  # format 2 (one series, before panels shared the format) is upgraded on load
        (tmp_path / "run.json").write_text(json.dumps({"format_version": version, "x": 1}))
        assert read_run_json(tmp_path)["x"] == 1
    (tmp_path / "run.json").write_text(json.dumps({"format_version": 4, "tsrnn_version": "0.9.0"}))
    with pytest.raises(RunDirError, match=r"written by tsrnn 0.9.0 in format 4, newer than this tsrnn"):
        read_run_json(tmp_path)
    (tmp_path / "run.json").write_text(json.dumps({"format_version": 1, "tsrnn_version": "0.1.0"}))
    with pytest.raises(RunDirError, match=r"older format 1.*re-run tsrnn fit"):
        read_run_json(tmp_path)


OLD_RUNS = Path(__file__).resolve().parent / "fixtures" / "runs_v0_1_0"


def test_runs_written_by_0_1_0_load_and_forecast_the_same():
    """Runs saved by tsrnn 0.1.0 (the flat layout; `fixtures/runs_v0_1_0/make_runs.py`) still load,
    and forecast what they forecast when they were written."""
    from tsrnn import Forecaster, PanelForecaster

    single = Forecaster.load(OLD_RUNS / "single")
    assert (single.loss, single.steps_per_epoch) == ("mse", 0)  # how 0.1.0 trained: refitting it trains the same way
    expected = pd.read_csv(OLD_RUNS / "single" / "forecast.csv", index_col=0, parse_dates=True)
    got = single.predict(OLD_RUNS / "sp500_400.csv", level=[80]).tail(5)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-5)
    assert list(got.columns) == list(expected.columns)

    expected = pd.read_csv(OLD_RUNS / "panel" / "forecast.csv")
    with pytest.warns(FutureWarning, match="PanelForecaster is deprecated"):
        deprecated = PanelForecaster.load(OLD_RUNS / "panel")
    for panel in (Forecaster.load(OLD_RUNS / "panel"), deprecated):  # panel.json, before runs shared one format
        got = panel.predict(OLD_RUNS / "panel_long.csv", level=[80]).groupby("series").tail(3).reset_index(drop=True)
        assert list(got["series"]) == list(expected["series"])
        np.testing.assert_allclose(got.drop(columns=["series", "date"]).to_numpy(),
                                   expected.drop(columns=["series", "date"]).to_numpy(), rtol=1e-5)


def test_a_run_reads_and_checks_its_data_once(sp500_slice, tmp_path, monkeypatch):
    """fit_run reads the file once and checks the series once: the fit prepares it, and the test
    scores and the forecast plot use what the fit prepared (they read and checked it again before)."""
    from collections import Counter

    from tsrnn import Forecaster
    from tsrnn.features import preparation
    from tsrnn.forecasting.runs import fit_run
    from tsrnn.io import tables

    from .conftest import TINY

    calls = Counter()
    for module, name in [(tables, "read_table"), (tables, "_index_by_date"), (preparation, "select_columns"),
                         (preparation, "check_input_domains")]:
        def spy(*args, _original=getattr(module, name), _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    fit_run(Forecaster(**TINY), sp500_slice, tmp_path / "run", level=[80])
    assert calls == {"read_table": 1, "_index_by_date": 1, "select_columns": 1, "check_input_domains": 1}, calls
