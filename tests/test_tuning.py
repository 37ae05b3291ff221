"""`tsrnn tune`: the search space, trials scored on the rows before the test split, a study that
resumes after a kill and is shared by two processes, and the best configuration refitted as a run."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn.errors import ConfigError
from tsrnn.evaluation.search_space import check_space, default_space, forecaster_params, read_space

from .conftest import SP500, require_backend


@pytest.fixture(autouse=True)
def _optuna_installed():
    require_backend("optuna", extra="tune")

SPACE = {"units": {"choices": [3, 6]}, "learning_rate": {"low": 0.001, "high": 0.01, "log": True}}
FIXED = ["--lookback", "5", "--epochs", "1", "--patience", "0", "--batch-size", "64", "--seed", "0", "-q"]


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    """The last 330 rows of the shipped S&P 500 file."""
    frame = pd.read_csv(SP500).iloc[-330:]
    path = tmp_path / "prices.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def space_file(tmp_path: Path) -> Path:
    path = tmp_path / "space.json"
    path.write_text(json.dumps(SPACE))
    return path


def _forecaster():
    from tsrnn import Forecaster

    return Forecaster(lookback=5, epochs=1, patience=0, batch_size=64, seed=0)


def _states(database: Path) -> list[str]:
    try:
        with sqlite3.connect(database) as connection:
            return [row[0] for row in connection.execute("SELECT state FROM trials ORDER BY number")]
    except sqlite3.OperationalError:  # the file exists before Optuna has written its tables
        return []


# --------------------------------------------------------------- the space
def test_space_entries_are_checked_with_one_line_each():
    with pytest.raises(ConfigError, match="'unit' is not a Forecaster parameter"):
        check_space({"unit": {"choices": [8]}})
    with pytest.raises(ConfigError, match="needs numbers low < high"):
        check_space({"dropout": {"low": 0.5, "high": 0.1}})
    with pytest.raises(ConfigError, match="log scale needs low > 0"):
        check_space({"learning_rate": {"low": 0, "high": 0.1, "log": True}})
    with pytest.raises(ConfigError, match="'layers' needs 'units'"):
        check_space({"layers": {"low": 1, "high": 3}})
    with pytest.raises(ConfigError, match="must be"):
        check_space({"units": [8, 16]})


def test_a_yaml_space_file_reads_like_json(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text("units:\n  choices: [3, 6]\nlearning_rate: {low: 0.001, high: 0.01, log: true}\n")
    assert read_space(path) == SPACE
    broken = tmp_path / "broken.json"
    broken.write_text("{units: ")
    with pytest.raises(ConfigError, match="broken.json: not a valid search space file"):
        read_space(broken)


def test_layers_become_a_list_of_units_and_the_default_space_follows_the_data():
    assert forecaster_params({"units": 16, "layers": 3, "dropout": 0.1}) == {"units": [16, 16, 16], "dropout": 0.1}
    assert default_space(7, True)["lookback"] == {"choices": [7, 14, 28]}
    assert default_space(None, True)["lookback"] == {"choices": [10, 30, 60]}
    assert "log_return" not in default_space(None, False)["target_transform"]["choices"]
    check_space(default_space(12, True))


# --------------------------------------------------------------- the search
def test_tune_scores_trials_before_the_test_split_and_writes_the_best_run(prices, tmp_path):
    from tsrnn import Forecaster
    from tsrnn.evaluation.tuning import TuneSettings, tune

    seen = []
    result = tune(_forecaster(), prices, tmp_path / "tune", TuneSettings(trials=3, folds=2, space=SPACE, seed=0),
                  on_trial=seen.append)
    out = tmp_path / "tune"
    assert [record["number"] for record in seen] == [0, 1, 2]
    assert {"study.db", "trials.csv", "importances.json", "tuning.png", "tune.json", "best"} <= {p.name for p in out.iterdir()}
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 3 and set(trials["state"]) <= {"complete", "pruned"}
    complete = trials[trials["state"] == "complete"]
    assert result.best_value == pytest.approx(complete["mean_fold_mase"].min())
    best_row = complete.loc[complete["mean_fold_mase"].idxmin()]
    assert result.best_params == {"units": int(best_row["param_units"]), "learning_rate": pytest.approx(best_row["param_learning_rate"])}
    # the best configuration, refitted as an ordinary run, scored on the test split next to the baselines
    best = Forecaster.load(out / "best")
    assert best.units == result.best_params["units"] and best.learning_rate == pytest.approx(result.best_params["learning_rate"])
    assert {"model", "naive_last_value", "ridge"} <= set(result.metrics["test"])
    summary = json.loads((out / "tune.json").read_text())
    assert pd.Timestamp(summary["scored_on"]["last"]) < pd.Timestamp(result.metrics["split"]["test_start"])
    assert summary["trials"] == trials["state"].value_counts().to_dict()


def test_the_test_split_never_reaches_a_trial(prices, tmp_path):
    """Trials score the same whatever the test rows hold; only the refit's test metrics change."""
    from tsrnn.evaluation.tuning import TuneSettings, tune

    frame = pd.read_csv(prices)
    test_rows = int(round(len(frame) * 0.15))
    changed = frame.copy()
    changed.loc[changed.index[-test_rows:], ["Open", "High", "Low", "Close", "Adj Close"]] *= 3.0
    changed_path = tmp_path / "changed.csv"
    changed.to_csv(changed_path, index=False)
    settings = TuneSettings(trials=1, folds=2, space=SPACE, seed=0, pruning=False)
    clean = tune(_forecaster(), prices, tmp_path / "clean", settings)
    other = tune(_forecaster(), changed_path, tmp_path / "changed", settings)
    assert other.best_value == pytest.approx(clean.best_value, rel=1e-6)
    assert other.metrics["test"]["model"]["mae"] > 2 * clean.metrics["test"]["model"]["mae"]


def test_a_second_call_resumes_the_study_and_another_search_is_refused(prices, tmp_path):
    from tsrnn.evaluation.tuning import TuneSettings, tune

    out = tmp_path / "tune"
    tune(_forecaster(), prices, out, TuneSettings(trials=2, folds=2, space=SPACE, seed=0))
    seen = []
    tune(_forecaster(), prices, out, TuneSettings(trials=3, folds=2, space=SPACE, seed=0), on_trial=seen.append)
    assert [record["number"] for record in seen] == [2]
    assert len(_states(out / "study.db")) == 3
    with pytest.raises(ConfigError, match="was made with another search space"):
        tune(_forecaster(), prices, out, TuneSettings(trials=4, folds=2, space={"units": {"choices": [5, 7]}}))


# --------------------------------------------------------------- the CLI, processes
def _tune_command(prices: Path, space: Path, out: Path, trials: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "tsrnn.cli", "tune", str(prices), "--space", str(space), "--trials", str(trials),
            "--folds", "2", "--out", str(out), *FIXED, *extra]


def test_a_killed_tune_resumes_where_it_stopped(prices, space_file, tmp_path):
    out = tmp_path / "tune"
    process = subprocess.Popen(_tune_command(prices, space_file, out, 3), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if (out / "study.db").exists() and "COMPLETE" in _states(out / "study.db"):
            break
        time.sleep(0.5)
    assert process.poll() is None, "the search ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = _states(out / "study.db").count("COMPLETE")
    assert 1 <= done_before < 3 and not (out / "best").exists()
    completed = subprocess.run(_tune_command(prices, space_file, out, 3), capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    states = _states(out / "study.db")
    finished = [s for s in states if s in ("COMPLETE", "PRUNED", "FAIL")]
    assert len(finished) == 3 and states.count("COMPLETE") >= done_before  # earlier trials kept, not redone
    assert (out / "best" / "run.json").exists()


def test_two_processes_share_one_study(prices, space_file, tmp_path):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    commands = [_tune_command(prices, space_file, tmp_path / f"worker{i}", 6, "--storage", storage, "--study-name", "shared",
                              "--sampler-seed", str(i)) for i in range(2)]
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for command in commands]
    outputs = [process.communicate(timeout=900) for process in processes]
    for process, (_, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr[-2000:]
    trials = pd.read_csv(tmp_path / "worker1" / "trials.csv")
    assert len(trials[trials["state"].isin(["complete", "pruned", "fail"])]) >= 6
    assert trials["worker"].nunique() == 2  # both processes ran trials of the one study


@pytest.mark.parametrize("arguments, message", [
    (["--space", "{missing}"], "cannot read the search space"),
    (["--space", "{bad_space}"], "'unit' is not a Forecaster parameter"),
    (["--storage", "nosuchdb://x"], "storage nosuchdb://x:"),
    (["--task", "classification"], "tune searches value forecasters"),
])
def test_tune_mistakes_are_one_line(prices, tmp_path, arguments, message):
    from tsrnn.cli import main

    bad_space = tmp_path / "bad.json"
    bad_space.write_text(json.dumps({"unit": {"choices": [3]}}))
    arguments = [a.replace("{missing}", str(tmp_path / "none.json")).replace("{bad_space}", str(bad_space)) for a in arguments]
    result = CliRunner().invoke(main, ["tune", str(prices), "--out", str(tmp_path / "tune"), *FIXED, *arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "tune").exists()


def test_tune_searches_a_panel_on_pooled_scores_and_refits_a_panel_run(tmp_path, space_file):
    """A folder of series: trials are panel backtests before the panel's test start; the best is a panel run."""
    from tsrnn.cli import main
    from tsrnn.forecasting.forecaster import Forecaster

    prices = pd.read_csv(SP500, parse_dates=["Date"]).iloc[-330:]
    folder = tmp_path / "panel"
    folder.mkdir()
    for name, scale in (("BIG", 1.0), ("SMALL", 0.01), ("LATE", 0.5)):
        part = prices.iloc[60:] if name == "LATE" else prices
        part.assign(Close=part["Close"] * scale).to_csv(folder / f"{name}.csv", index=False)
    result = CliRunner().invoke(main, ["tune", str(folder), "--space", str(space_file), "--trials", "2", "--folds", "2",
                                       "--out", str(tmp_path / "tune"), *FIXED])
    assert result.exit_code == 0, result.output
    assert "pooled (mean)" in result.output and "SMALL" in result.output
    summary = json.loads((tmp_path / "tune" / "tune.json").read_text())
    assert summary["scored_on"]["series"] == 3
    assert pd.Timestamp(summary["scored_on"]["last"]) < pd.Timestamp(summary["test"]["split"]["test_start"])
    best = Forecaster.load(tmp_path / "tune" / "best")
    assert best.units == summary["best"]["params"]["units"] and set(best.series_) == {"BIG", "SMALL", "LATE"}
    trials = pd.read_csv(tmp_path / "tune" / "trials.csv")
    complete = trials[trials["state"] == "complete"]
    assert summary["best"]["mean_fold_mase"] == pytest.approx(complete["mean_fold_mase"].min())


def test_tune_without_optuna_is_one_line_and_writes_nothing(sp500_slice, tmp_path, monkeypatch):
    import sys

    from click.testing import CliRunner

    from tsrnn.cli import main

    monkeypatch.setitem(sys.modules, "optuna", None)  # as where the tune extra is not installed
    result = CliRunner().invoke(main, ["tune", str(sp500_slice), "--trials", "1", "--out", str(tmp_path / "study")])
    assert result.exit_code == 2 and "pip install 'tsrnn[tune]'" in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "study").exists()
