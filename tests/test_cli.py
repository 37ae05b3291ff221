"""The `tsrnn` command line: fit then predict on a slice of the shipped data, and one-line errors."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn.cli import main

TINY_ARGS = ["--lookback", "10", "--units", "4", "--epochs", "2", "--batch-size", "32", "--seed", "0", "-q"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_fit_then_predict(sp500_slice, tmp_path):
    out = tmp_path / "run"
    result = run("fit", sp500_slice, "--out", out, "--horizon", "2", *TINY_ARGS)
    assert result.exit_code == 0, result.output
    assert "naive (last value)" in result.output and "seasonal naive" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["forecast.png", "history.csv", "metrics.json", "model.keras", "run.json"]
    info = json.loads((out / "run.json").read_text())
    assert info["window_spec"]["lookback"] == 10 and info["model_spec"]["units"] == [4]
    assert info["params"]["seed"] == 0 and len(info["data_sha256"]) == 64
    (state,) = info["series"].values()  # one series, under its file's name
    assert state["feature_scaler"]["kind"] == "standard"
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"model", "naive_last_value", "seasonal_naive", "drift", "ridge"} <= set(metrics["test"])
    assert len(pd.read_csv(out / "history.csv")) == 2
    assert (out / "forecast.png").read_bytes()[:4] == b"\x89PNG"

    forecast_path = tmp_path / "forecast.csv"
    result = run("predict", out, sp500_slice, "-o", forecast_path)
    assert result.exit_code == 0, result.output
    forecast = pd.read_csv(forecast_path, index_col=0)
    assert list(forecast.columns) == ["Close_t+1", "Close_t+2"]
    assert len(forecast) == 400 - 10
    assert not list(tmp_path.glob(".*tmp*"))

    beyond_path = tmp_path / "beyond.csv"  # the forecast beyond the data alone, one row per step
    result = run("predict", out, sp500_slice, "--layout", "beyond", "--level", "80", "-o", beyond_path)
    assert result.exit_code == 0, result.output
    beyond = pd.read_csv(beyond_path)
    assert list(beyond.columns) == ["origin", "step", "date", "target", "forecast", "lo_80", "hi_80"]
    assert beyond["step"].tolist() == [1, 2] and (pd.to_datetime(beyond["date"]) > pd.to_datetime(beyond["origin"])).all()
    assert beyond["forecast"].tolist() == pytest.approx(forecast.iloc[-1].tolist())


def test_seeded_cli_runs_give_the_same_metrics(sp500_slice, tmp_path):
    for name in ("a", "b"):
        assert run("fit", sp500_slice, "--out", tmp_path / name, *TINY_ARGS).exit_code == 0
    first, second = (json.loads((tmp_path / n / "metrics.json").read_text()) for n in ("a", "b"))
    assert first == second


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "Price"], "'Price' not found; available: Open, High, Low, Close, Adj Close, Volume"),
        (["--lookback", "-3"], "--lookback must be an integer >= 1, got -3"),
        (["--horizon", "0"], "--horizon must be an integer >= 1, got 0"),
        (["--lookback", "390"], "too few for lookback 390"),
        (["--validation-fraction", "0.5", "--test-fraction", "0.5"], "must be below 1"),
        (["--model", "transformer"], "unknown model 'transformer'; choose one of"),
        (["--units", "64,x"], "--units must be comma-separated integers"),
    ],
)
def test_fit_errors_are_one_line_exit_2_and_leave_nothing(sp500_slice, tmp_path, args, message):
    out = tmp_path / "run"
    result = run("fit", sp500_slice, "--out", out, *args, "-q")
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not list(tmp_path.glob(".run.tmp-*"))


def test_missing_file_and_bad_run_dir(tmp_path, sp500_slice):
    result = run("fit", tmp_path / "nope.csv")
    assert result.exit_code == 2 and "nope.csv: file not found" in result.output
    result = run("predict", tmp_path / "norun", sp500_slice)
    assert result.exit_code == 2 and "run directory not found" in result.output
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "run.json").write_text('{"format_version": 1, "window')
    result = run("predict", tmp_path / "broken", sp500_slice)
    assert result.exit_code == 2 and "not valid JSON" in result.output
    (tmp_path / "future").mkdir()
    (tmp_path / "future" / "run.json").write_text('{"format_version": 99, "tsrnn_version": "9.0"}')
    result = run("predict", tmp_path / "future", sp500_slice)
    assert result.exit_code == 2 and "upgrade tsrnn" in result.output


def test_corrupt_model_file_and_wrong_columns(sp500_slice, tmp_path):
    out = tmp_path / "run"
    assert run("fit", sp500_slice, "--out", out, *TINY_ARGS).exit_code == 0
    other = tmp_path / "other.csv"
    other.write_text("Date,Price\n2020-01-01,1\n")
    result = run("predict", out, other)
    assert result.exit_code == 2 and "'Close' not found; available: Price" in result.output
    (out / "model.keras").write_bytes(b"not a zip archive")
    result = run("predict", out, sp500_slice)
    assert result.exit_code == 2 and "cannot load the model" in result.output
    assert "Traceback" not in result.output


def test_existing_out_is_refused(sp500_slice, tmp_path):
    (tmp_path / "run").mkdir()
    result = run("fit", sp500_slice, "--out", tmp_path / "run", "-q")
    assert result.exit_code == 2 and "already exists" in result.output


def test_zoo_lists_presets_with_parameter_counts():
    result = run("zoo")
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert "1,329,473" in lines["lstm"]
    assert set(lines) >= {"simple_rnn", "lstm", "gru", "stacked_lstm", "bidirectional_lstm", "lstm_dropout"}


def test_fit_classification_reports_majority_class(sp500_slice, tmp_path):
    result = run("fit", sp500_slice, "--task", "classification", "--model", "gru", "--out", tmp_path / "run", *TINY_ARGS)
    assert result.exit_code == 0, result.output
    assert "majority class" in result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert {"accuracy", "balanced_accuracy"} == set(metrics["test"]["model"])


@pytest.mark.parametrize("option", ["--bidirectional", "--dropout=0.2", "--units=6,3", "--model=simple_rnn", "--model=stacked_lstm"])
def test_fit_accepts_every_body_option(sp500_slice, tmp_path, option):
    out = tmp_path / "run"
    result = run("fit", sp500_slice, option, "--out", out, *[a for a in TINY_ARGS if a not in ("--units", "4")])
    assert result.exit_code == 0, result.output
    spec = json.loads((out / "run.json").read_text())["model_spec"]
    key, _, value = option.lstrip("-").partition("=")
    expected = {
        "bidirectional": ("bidirectional", True),
        "dropout": ("dropout", 0.2),
        "units": ("units", [6, 3]),
        "model": ("units", [64, 32] if value == "stacked_lstm" else [64]),
    }[key]
    assert spec[expected[0]] == expected[1]
    assert spec["head"] == "regression"


def test_backend_option_selects_the_keras_backend(sp500_slice, tmp_path):
    import importlib.util
    import subprocess
    import sys

    for backend in ("torch", "jax"):
        out = tmp_path / backend
        command = [sys.executable, "-m", "tsrnn.cli", "fit", str(sp500_slice), "--backend", backend, "--out", str(out), *TINY_ARGS]
        completed = subprocess.run(command, capture_output=True, text=True, env={**__import__("os").environ, "KERAS_BACKEND": ""})
        if importlib.util.find_spec(backend) is None:
            if __import__("os").environ.get("TSRNN_REQUIRE_BACKENDS") == "1":
                pytest.fail(f"the {backend} backend is not installed, and TSRNN_REQUIRE_BACKENDS=1 requires it")
            assert completed.returncode == 2 and f"--backend {backend} needs the {backend} package" in completed.stderr
            continue
        assert completed.returncode == 0, completed.stderr[-2000:]
        assert json.loads((out / "run.json").read_text())["backend"] == backend


def test_the_default_folders_of_tune_backtest_and_panels_do_not_match_the_readmes_glob_of_fitted_runs():
    from fnmatch import fnmatch

    from tsrnn.cli.options import _default_out

    assert fnmatch(_default_out("", "sp500", "lstm").name, "sp500-lstm-*")  # README: ls -d runs/sp500-lstm-* | tail -1
    for kind in ("tune-", "backtest-", "panel-", "panel-backtest-"):
        assert not fnmatch(_default_out(kind, "sp500", "lstm").name, "sp500-lstm-*"), kind


def test_the_chosen_line_says_plainly_whether_the_network_improved_on_its_linear_start():
    from tsrnn.cli.tables import _choices_line

    base = {"target": ["Close"], "season": "5 rows", "lookback": 20, "target_anchor": "last",
            "linear_path": {"alpha": 10.0}}
    kept = _choices_line({**base, "best_epoch": 0})
    assert kept.endswith("the network did not improve on its linear start on validation, so the forecast is the linear path's")
    assert _choices_line({**base, "best_epoch": 7}).endswith("the network improved on its linear start on validation (best epoch 7)")
    assert _choices_line({**base, "linear_path": None, "best_epoch": 7}).endswith("; best epoch 7")
    assert _choices_line({**base, "best_epoch": 7, "batches_per_epoch": 1000}).endswith(
        "the network improved on its linear start on validation (best epoch 7, epochs of 1,000 batches)")


def test_the_chosen_line_names_the_shrinkage_weights_only_where_a_series_leans_on_its_anchor():
    from tsrnn.cli.tables import _choices_line

    base = {"target": ["value"], "season": "24 rows", "lookback": 48, "target_anchor": "season", "best_epoch": 3}
    none = {"1": 1, "0.75": 0, "0.5": 0, "0.25": 0, "0": 0}
    assert "anchor weighted" not in _choices_line({**base, "shrinkage": none})
    assert _choices_line({**base, "shrinkage": {**none, "1": 0, "0.5": 1}}).endswith(
        "the forecast's change from its anchor weighted 0.5")
    panel = _choices_line({**base, "shrinkage": {"1": 228, "0.75": 72, "0.5": 0, "0.25": 27, "0": 28}})
    assert panel.endswith("per-series weight on the forecast's change from its anchor: 1 for 228 series, 0.75 for 72 series, "
                          "0.25 for 27 series, 0 for 28 series")
    weekly = {"period": 168, "weights": {"0": 300, "0.25": 40, "0.5": 0, "0.75": 30, "1": 44}}
    assert _choices_line({**base, "shrinkage": none, "long_season": weekly}).endswith(
        "168-row seasonal naive blended in for 114 series (weight 0.25 for 40, weight 0.75 for 30, weight 1 for 44)")
    assert _choices_line({**base, "shrinkage": none, "long_season": {"period": 168, "weights": {"0": 1, "1": 0}}}).endswith(
        "best epoch 3")  # no series blends it in
    drift = {"weights": {"0": 300, "0.25": 40, "0.5": 0, "0.75": 0, "1": 2}}
    assert _choices_line({**base, "shrinkage": none, "drift": drift}).endswith(
        "seasonal naive with drift blended in for 42 series (weight 0.25 for 40, weight 1 for 2)")
    assert _choices_line({**base, "shrinkage": none, "drift": {"weights": {"0": 0, "0.5": 1}}}).endswith(
        "seasonal naive with drift blended in with weight 0.5")
    assert "drift" not in _choices_line({**base, "shrinkage": none, "drift": {"weights": {"0": 5}}})


def test_the_chosen_line_names_the_pooling_weight_only_where_series_borrow_from_the_panel():
    from tsrnn.cli.tables import _choices_line

    base = {"target": ["value"], "season": "24 rows", "lookback": 48, "target_anchor": "season", "best_epoch": 3,
            "shrinkage": {"1": 300, "0.75": 14, "0.5": 0, "0.25": 0, "0": 100}}
    assert _choices_line({**base, "combination_pooling": 0.25}).endswith(
        "0 for 100 series; each series' choice pooled with the panel's median (weight 0.25)")
    assert "pooled" not in _choices_line({**base, "combination_pooling": 0.0})


def test_the_chosen_line_names_the_temperature_and_rounds_the_weights_only_where_pairs_are_averaged():
    from tsrnn.cli.tables import _choices_line

    base = {"target": ["value"], "season": "24 rows", "lookback": 48, "target_anchor": "season", "best_epoch": 3,
            "shrinkage": {"1": 300, "0.75": 14, "0.5": 0, "0.25": 0, "0": 100}}
    assert _choices_line({**base, "combination_temperature": 0.05}).endswith(
        "about 1 for 300 series, about 0.75 for 14 series, about 0 for 100 series; "
        "each series' pairs averaged by exponential weights (temperature 0.05)")
    assert "about" not in _choices_line({**base, "combination_temperature": 0.0})
