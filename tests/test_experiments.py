"""The long-memory experiment, reduced: tasks are what they say, and the pipeline runs end to end."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tsrnn.errors import ConfigError
from tsrnn.evaluation import long_memory as experiments
from tsrnn.nn import zoo


def test_tasks_hold_their_answer_where_they_say():
    x, y = experiments.make_task("first_sign", 30, 200, seed=0)
    assert np.array_equal(y, (x[:, 0, 0] > 0).astype("float32"))
    x, y = experiments.make_task("ends", 30, 200, seed=0)
    assert np.array_equal(y, (x[:, 0, 0] + x[:, -1, 0] > 0).astype("float32"))
    x, y = experiments.make_task("adding", 30, 200, seed=0)
    markers = x[:, :, 1]
    assert (markers[:, :15].sum(axis=1) == 1).all() and (markers[:, 15:].sum(axis=1) == 1).all()
    np.testing.assert_allclose(y, (x[:, :, 0] * markers).sum(axis=1), rtol=1e-6)
    x, y = experiments.make_task("recall", 30, 200, seed=0)
    assert np.array_equal(x[:, 0, :].argmax(axis=1), y) and set(y) <= {0, 1, 2, 3}
    with pytest.raises(ConfigError, match="task must be one of"):
        experiments.make_task("parity", 10, 5, seed=0)


@pytest.mark.parametrize("body", ["simple_rnn", "gru"])
def test_equal_parameter_variant_matches_the_lstm_count(body):
    lstm = zoo.build("lstm", input_shape=(10, 2), units=32, head="regression").count_params()
    units = experiments.equal_parameter_units(body, 32, 2)
    other = zoo.build(body, input_shape=(10, 2), units=units, head="regression").count_params()
    assert abs(other - lstm) / lstm < 0.05


def test_gradient_norms_have_one_value_per_step():
    model = zoo.build("simple_rnn", input_shape=(12, 1), units=4, head="binary")
    x, y = experiments.make_task("first_sign", 12, 32, seed=0)
    norms = experiments.input_gradient_norms(model, x, y)
    assert norms.shape == (12,) and (norms > 0).all()
    assert norms[-1] > norms[0]  # a fresh SimpleRNN reacts most to the latest input


def test_reduced_benchmark_runs_end_to_end(tmp_path):
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "bench/long_memory.py", "--lengths", "10", "--seeds", "0", "--epochs", "1",
               "--units", "4", "--train-samples", "128", "--gradient-length", "10", "--out", str(tmp_path)]
    completed = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads((tmp_path / "long_memory.json").read_text())
    models = {row["model"] for row in report["summary"]}
    assert {"simple_rnn", "lstm", "gru", "lstm+bidirectional", "simple_rnn (equal params)"} <= models
    assert {row["task"] for row in report["summary"]} == set(experiments.TASKS)
    assert len(report["gradients"]["norms"]["lstm"]["trained"]) == 10
    assert (tmp_path / "long_memory.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "long_memory_gradients.png").read_bytes()[:4] == b"\x89PNG"
