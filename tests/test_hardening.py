"""The last tracebacks made one line, training state that is not lost, and files that cannot run code."""
from __future__ import annotations

import json
import os
import pickle
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn.cli import main
from tsrnn.errors import DataError, RunDirError, TrainingError
from tsrnn.io import yahoo as market
from tsrnn.io.tables import read_series
from tsrnn.nn.training import fit_model
from tsrnn.text import imdb as text
from tsrnn.text.sentiment import predict as sentiment_predict

from .test_bad_input import TINY, check_one_line_error, series_text, trained_run  # noqa: F401 (a fixture)
from .test_market import yahoo_layout


def test_predict_into_a_missing_folder_is_one_line(trained_run, tmp_path):  # noqa: F811 (the fixture)
    run, data = trained_run
    before = set(tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["predict", str(run), str(data), "-o", str(tmp_path / "missing" / "dir" / "f.csv")])
    check_one_line_error(result, "does not exist; create it", tmp_path, before)


def test_a_bad_window_memory_limit_is_one_line(tmp_path, monkeypatch):
    data = tmp_path / "data.csv"
    data.write_text(series_text(80))
    monkeypatch.setenv("TSRNN_MAX_WINDOW_MB", "abc")
    before = set(tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["fit", str(data), "--out", str(tmp_path / "run"), *TINY])
    check_one_line_error(result, "TSRNN_MAX_WINDOW_MB must be a positive number of megabytes, got 'abc'", tmp_path, before)


def test_a_nan_learning_rate_is_refused_before_training(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text(series_text(80))
    before = set(tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["fit", str(data), "--out", str(tmp_path / "run"), *TINY, "--learning-rate", "nan"])
    check_one_line_error(result, "--learning-rate must be a finite number > 0, got nan", tmp_path, before)


def test_a_diverging_loss_stops_training_with_the_epoch_and_the_fixes():
    x = np.random.default_rng(0).normal(size=(256, 4)).astype("float32")
    y = (x @ np.arange(1, 5, dtype="float32"))[:, None] * 1e3
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e6), loss="mse")
    with pytest.raises(TrainingError, match=r"loss became (nan|inf) in epoch 1 .*learning_rate"):
        fit_model(model, (x, y), epochs=3, batch_size=32)


def test_an_unreadable_csv_is_one_line(tmp_path, monkeypatch):
    import tsrnn.io.tables

    path = tmp_path / "prices.csv"
    path.write_text(series_text(10))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(tsrnn.io.tables, "open", refuse, raising=False)
    with pytest.raises(DataError, match="cannot be read \\(permission denied\\)"):
        read_series(path)


def test_a_full_disk_during_resumable_training_keeps_the_saved_state(tmp_path, monkeypatch):
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    saves = {"count": 0}
    original = keras.callbacks.BackupAndRestore.on_epoch_end

    def full_disk_at_the_second_save(self, epoch, logs=None):
        saves["count"] += 1
        if saves["count"] == 2:
            raise OSError(28, "No space left on device")
        return original(self, epoch, logs)

    monkeypatch.setattr(keras.callbacks.BackupAndRestore, "on_epoch_end", full_disk_at_the_second_save)
    backup = tmp_path / "backup"
    with pytest.raises(TrainingError, match="No space left on device.*kept there.*resume"):
        fit_model(model, (x, y), (x, y), epochs=4, batch_size=16, backup_dir=backup)
    assert any((backup / "state").iterdir())  # the first epoch's state is still there
    assert len(pd.read_csv(backup / "history.csv")) >= 1


def test_a_damaged_market_cache_is_named_and_replaced(monkeypatch, tmp_path):
    calls = []

    def fake_fetch(ticker, start, end, interval):
        calls.append(ticker)
        frame = yahoo_layout(ticker)
        return frame[(frame.index >= start) & (frame.index < end)]

    monkeypatch.setattr(market, "fetch_yahoo", fake_fetch)
    cache = tmp_path / "cache"
    market.download("SPY", "1999-02-01", "1999-06-01", cache_dir=cache)
    (cache / "SPY_1d.csv").write_text("garbage\x00, not a csv")
    with pytest.warns(UserWarning, match="damaged market-data cache SPY_1d.csv"):
        frame = market.download("SPY", "1999-02-01", "1999-06-01", cache_dir=cache)
    assert len(calls) == 2 and len(frame) > 50
    assert read_series(cache / "SPY_1d.csv").index.is_monotonic_increasing  # replaced whole
    assert sorted(p.name for p in cache.iterdir()) == ["SPY_1d.csv", "SPY_1d.json"]


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_a_crafted_npz_cannot_run_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "imdb.npz"
    np.savez(path, x_train=np.array([[1, 2], [3]], dtype=object), y_train=np.array([0, 1]),
             x_test=np.array([[4], [5, 6]], dtype=object), y_test=np.array([1, 0]))
    # Replace x_train's pickled payload with one that runs a command when unpickled.
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    header = members["x_train.npy"][: members["x_train.npy"].index(b"\n") + 1]
    members["x_train.npy"] = header + pickle.dumps(np.array([_RunsCode()], dtype=object), protocol=3)
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(DataError, match="refused to unpickle"):
        text.load_imdb_npz(path)
    assert not (tmp_path / "PWNED").exists()


def test_a_corrupt_word_index_beside_an_npz_or_a_run_is_one_line(tmp_path):
    path = tmp_path / "imdb.npz"
    np.savez(path, x_train=np.array([[1, 2], [3]], dtype=object), y_train=np.array([0, 1]),
             x_test=np.array([[4], [5, 6]], dtype=object), y_test=np.array([1, 0]))
    (tmp_path / "imdb_word_index.json").write_text("{not json")
    with pytest.raises(DataError, match="imdb_word_index.json: not valid JSON"):
        text.load_imdb_npz(path)
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"format_version": 1, "vocab_size": 100}))
    for name in ("vocabulary.json", "word_index.json"):
        (run / name).write_text("[truncated")
        with pytest.raises(RunDirError, match=f"{name}: not valid JSON"):
            sentiment_predict(run, ["a fine film"])
        (run / name).unlink()
