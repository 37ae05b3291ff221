"""Training survives a kill: `tsrnn fit --resume` continues from the last completed epoch."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from tsrnn.forecasting.runs import backup_directory

from .conftest import SP500

EPOCHS = 40


def fit_command(out, *extra):
    return [sys.executable, "-m", "tsrnn.cli", "fit", str(SP500), "--out", str(out), "--epochs", str(EPOCHS),
            "--patience", "0", "--lookback", "20", "--units", "16", "--batch-size", "32", "--seed", "0", "-q", *extra]


def test_killed_run_resumes_to_the_full_number_of_epochs(tmp_path):
    out = tmp_path / "run"
    log = backup_directory(out) / "history.csv"
    process = subprocess.Popen(fit_command(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and process.poll() is None:
        if log.is_file() and len(log.read_text().splitlines()) >= 5:  # header + 4 epochs
            break
        time.sleep(0.2)
    if process.poll() is not None:
        pytest.fail("training ended before it could be killed; make the test run longer")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    before = pd.read_csv(log)
    assert 4 <= len(before) < EPOCHS and not out.exists()
    assert len(list(tmp_path.glob(".run.tmp-*"))) == 1  # the killed run's staging directory

    resumed = subprocess.run(fit_command(out, "--resume"), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    history = pd.read_csv(out / "history.csv")
    assert len(history) == EPOCHS  # the same number of epochs as an uninterrupted run
    # Epochs before the last logged one were kept, not retrained (the last may have been cut while
    # its state was being written, and then it is trained again).
    kept = len(before) - 1
    pd.testing.assert_series_equal(history["loss"].iloc[:kept], before["loss"].iloc[:kept], check_names=False)
    assert json.loads((out / "run.json").read_text())["epochs_trained"] == EPOCHS
    assert not backup_directory(out).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # the abandoned staging went too


def test_resume_needs_out(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "tsrnn.cli", "fit", str(SP500), "--resume"], capture_output=True, text=True)
    assert completed.returncode == 2 and "--resume needs the --out" in completed.stderr


def test_unreadable_first_state_trains_from_the_start(sp500_slice, tmp_path):
    from tsrnn import Forecaster

    from .conftest import TINY

    backup = tmp_path / "backup"
    (backup / "state").mkdir(parents=True)
    (backup / "state" / "latest.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n truncated")
    (backup / "state" / "training_metadata.json").write_text('{"epoch": 1, "batch": 0}')
    with pytest.warns(UserWarning, match="unreadable"):
        forecaster = Forecaster(**TINY).fit(sp500_slice, backup_dir=backup)
    assert len(forecaster.history_["loss"]) == TINY["epochs"]


def _stopping_run(folder, x, y, validation, crash_after=None):
    """Train a tiny model with the callbacks Forecaster.fit uses when it keeps a backup."""
    import keras
    import numpy as np

    from tsrnn.nn.callbacks import ResumableEarlyStopping

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == crash_after:
                raise KeyboardInterrupt

    folder.mkdir(exist_ok=True)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(32, activation="tanh"), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    callbacks = [
        keras.callbacks.BackupAndRestore(str(folder / "state"), double_checkpoint=True, delete_checkpoint=False),
        keras.callbacks.CSVLogger(str(folder / "history.csv"), append=True),
        ResumableEarlyStopping(folder / "history.csv", folder / "best.weights.npz", monitor="val_loss", patience=3,
                               restore_best_weights=True),
    ]
    if crash_after is not None:
        callbacks.append(Crash())
    model.fit(x, y, validation_data=validation, epochs=60, batch_size=16, shuffle=False, verbose=0, callbacks=callbacks)
    return [np.asarray(w) for w in model.get_weights()]


def test_early_stopping_patience_and_best_weights_survive_a_resume(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 1))
    x, x_val = rng.normal(size=(32, 4)), rng.normal(size=(32, 4))
    y, y_val = x @ w + rng.normal(size=(32, 1)), x_val @ w + rng.normal(size=(32, 1))  # learnable, then overfit
    x, y, validation = x.astype("float32"), y.astype("float32"), (x_val.astype("float32"), y_val.astype("float32"))
    whole = _stopping_run(tmp_path / "whole", x, y, validation)
    log = pd.read_csv(tmp_path / "whole" / "history.csv")
    best, stopped = int(log["val_loss"].idxmin()), len(log) - 1
    assert stopped < 59 and stopped - best == 3  # it stopped early, patience after the best epoch

    # Killed after the best epoch and one more (wait = 1), then resumed.
    with pytest.raises(KeyboardInterrupt):
        _stopping_run(tmp_path / "resumed", x, y, validation, crash_after=best + 1)
    resumed = _stopping_run(tmp_path / "resumed", x, y, validation)
    resumed_log = pd.read_csv(tmp_path / "resumed" / "history.csv").drop_duplicates("epoch", keep="last")
    assert len(resumed_log) == len(log)  # stopped at the same epoch
    for kept, restored in zip(whole, resumed):
        np.testing.assert_allclose(restored, kept, rtol=1e-6)  # and restored the same best weights


def test_a_resumed_fit_draws_the_windows_an_uninterrupted_one_would(tmp_path):
    """Keras brings back the weights and the epoch; the windows each epoch draws (`EpochOrder`)
    must follow on too, or a resumed run trains on other batches than an uninterrupted one."""
    import keras
    import numpy as np

    from tsrnn.features.batches import WindowBatches
    from tsrnn.features.windowing import WindowSpec
    from tsrnn.nn.training import fit_model

    series = np.random.default_rng(0).normal(size=(300, 1)).astype("float32")
    ends = range(3, 299)

    def data():  # a fresh process builds its data anew
        return WindowBatches(series, ends, WindowSpec(lookback=4), batch_size=16, targets=series[4:300], shuffle=True,
                             seed=0, steps_per_epoch=5)

    def model():
        network = keras.Sequential([keras.Input((4, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
        network.compile("sgd", "mse")
        return network

    class FirstBatches(keras.callbacks.Callback):
        def __init__(self, batches):
            super().__init__()
            self.batches, self.seen = batches, []

        def on_epoch_begin(self, epoch, logs=None):
            self.seen.append(self.batches.order.picked(0).tolist())

    whole = data()
    uninterrupted = FirstBatches(whole)
    fit_model(model(), whole, None, epochs=4, batch_size=16, backup_dir=tmp_path / "whole", callbacks=[uninterrupted])
    first, second = data(), data()
    before, after = FirstBatches(first), FirstBatches(second)
    fit_model(model(), first, None, epochs=2, batch_size=16, backup_dir=tmp_path / "cut", callbacks=[before])
    fit_model(model(), second, None, epochs=4, batch_size=16, backup_dir=tmp_path / "cut", callbacks=[after])
    assert len(before.seen) == 2 and len(after.seen) == 2  # the second session resumed at epoch 2
    assert before.seen + after.seen == uninterrupted.seen
    assert len({tuple(batch) for batch in uninterrupted.seen}) == 4  # each epoch drew other windows
