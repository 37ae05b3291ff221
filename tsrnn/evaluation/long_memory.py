"""Long-memory experiments: where do SimpleRNN, LSTM and GRU (and Bidirectional) actually differ?

Synthetic tasks whose answer depends on inputs far back in the sequence:

- `first_sign`: T steps of N(0, 1) noise; is the first value positive? (binary)
- `adding`: T steps of (value, marker); one marker in each half; the sum of the two marked values
  (regression; always predicting the mean scores MSE about 0.167);
- `recall`: a one-hot token out of 4 at step 0, then T - 1 steps of small noise; which token? (4 classes)
- `ends`: is the sum of the first and the last value positive? (binary; a Bidirectional layer
  reads each end last in one direction)

`run_grid` trains each zoo body on each task and length with the same budget and reports test
accuracy (or MSE), parameter counts and seconds per epoch; `input_gradient_norms` measures how
strongly the loss reacts to each input step, so vanishing gradients are seen, not asserted.

Examples:
    >>> x, y = make_task("first_sign", length=5, samples=3, seed=0)
    >>> x.shape, y.tolist() == (x[:, 0, 0] > 0).astype("float32").tolist()
    ((3, 5, 1), True)
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from tsrnn.errors import ConfigError
from tsrnn.nn import zoo

TASKS = {
    "first_sign": ("binary", 1),
    "adding": ("regression", 2),
    "recall": ("multiclass", 4),
    "ends": ("binary", 1),
}
RECALL_CLASSES = 4


def make_task(task: str, length: int, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs `(samples, length, features)` float32 and targets for one of `TASKS`."""
    if task not in TASKS:
        raise ConfigError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if length < 2:
        raise ConfigError(f"length must be >= 2, got {length!r}")
    rng = np.random.default_rng(seed)
    if task in ("first_sign", "ends"):
        x = rng.normal(size=(samples, length, 1)).astype("float32")
        decisive = x[:, 0, 0] + (x[:, -1, 0] if task == "ends" else 0.0)
        return x, (decisive > 0).astype("float32")
    if task == "adding":
        values = rng.uniform(size=(samples, length)).astype("float32")
        markers = np.zeros((samples, length), dtype="float32")
        half = length // 2
        first = rng.integers(0, half, size=samples)
        second = rng.integers(half, length, size=samples)
        markers[np.arange(samples), first] = 1.0
        markers[np.arange(samples), second] = 1.0
        x = np.stack([values, markers], axis=-1)
        return x, (values * markers).sum(axis=1).astype("float32")
    tokens = rng.integers(0, RECALL_CLASSES, size=samples)
    x = rng.normal(0, 0.1, size=(samples, length, RECALL_CLASSES)).astype("float32")
    x[:, 0, :] = np.eye(RECALL_CLASSES, dtype="float32")[tokens]
    return x, tokens.astype("int64")


def _lstm_parameters(units: int, features: int) -> int:
    return 4 * (units * (features + units) + units)


def equal_parameter_units(body: str, reference_units: int, features: int) -> int:
    """Units for `body` whose parameter count is closest to an LSTM of `reference_units`.

    Examples:
        >>> equal_parameter_units("simple_rnn", 32, 1)
        65
    """
    target = _lstm_parameters(reference_units, features)
    gates = {"simple_rnn": 1, "gru": 3, "lstm": 4}[body]
    extra_bias = 2 if body == "gru" else 1  # Keras's GRU (reset_after) has two bias vectors
    # gates * (u * (features + u) + extra_bias * u) = target, solved for u
    b = gates * (features + extra_bias)
    units = (-b + math.sqrt(b * b + 4 * gates * target)) / (2 * gates)
    return max(1, round(units))


@dataclass(frozen=True)
class Trial:
    """One training run of the grid."""

    task: str
    length: int
    body: str
    bidirectional: bool = False
    equal_parameters: bool = False
    seed: int = 0


@dataclass(frozen=True)
class Budget:
    """The same training budget for every body."""

    units: int = 32
    epochs: int = 8
    batch_size: int = 64
    learning_rate: float = 1e-3
    train_samples: int = 2000
    test_samples: int = 1000


def run_trial(trial: Trial, budget: Budget = Budget()) -> dict:
    """Train one body on one task and length; test metric, parameters and seconds per epoch."""
    import keras

    from tsrnn.nn.callbacks import EpochTimer

    head, features = TASKS[trial.task]
    x_train, y_train = make_task(trial.task, trial.length, budget.train_samples, seed=1000 + trial.seed)
    x_test, y_test = make_task(trial.task, trial.length, budget.test_samples, seed=2000 + trial.seed)
    units = equal_parameter_units(trial.body, budget.units, features) if trial.equal_parameters else budget.units
    keras.utils.set_random_seed(trial.seed)
    model = zoo.build(trial.body, input_shape=(trial.length, features), units=units, bidirectional=trial.bidirectional,
                      head=head, num_classes=RECALL_CLASSES, learning_rate=budget.learning_rate)
    timer = EpochTimer()
    model.fit(x_train, y_train, epochs=budget.epochs, batch_size=budget.batch_size, verbose=0, callbacks=[timer])
    times = timer.seconds
    scores = model.evaluate(x_test, y_test, batch_size=512, verbose=0, return_dict=True)
    return {
        **dataclasses.asdict(trial),
        "units": units,
        "parameters": int(model.count_params()),
        "metric": "mse" if head == "regression" else "accuracy",
        "test_score": float(scores["loss"] if head == "regression" else scores["accuracy"]),
        "seconds_per_epoch": float(np.mean(times[1:] if len(times) > 1 else times)),
    }


def default_trials(tasks, lengths, seeds, equal_parameters: bool = True) -> list[Trial]:
    """Every body on every task and length; Bidirectional LSTM on `ends`; equal-parameter variants."""
    trials = []
    for task in tasks:
        for length in lengths:
            for seed in seeds:
                for body in ("simple_rnn", "lstm", "gru"):
                    trials.append(Trial(task, length, body, seed=seed))
                    if equal_parameters and body != "lstm":
                        trials.append(Trial(task, length, body, equal_parameters=True, seed=seed))
                if task == "ends":
                    trials.append(Trial(task, length, "lstm", bidirectional=True, seed=seed))
    return trials


def run_grid(trials, budget: Budget = Budget(), progress=None) -> list[dict]:
    """`run_trial` for every trial; `progress(result)` after each."""
    results = []
    for trial in trials:
        results.append(run_trial(trial, budget))
        if progress:
            progress(results[-1])
    return results


def summarize(results: list[dict]):
    """Mean and standard deviation of the test score over seeds, one row per task, length and model."""
    import pandas as pd

    frame = pd.DataFrame(results)
    frame["model"] = frame["body"] + np.where(frame["bidirectional"], "+bidirectional", "") + np.where(
        frame["equal_parameters"], " (equal params)", "")
    grouped = frame.groupby(["task", "length", "model"])
    return grouped.agg(score=("test_score", "mean"), spread=("test_score", "std"), seeds=("seed", "count"),
                       parameters=("parameters", "first"), seconds_per_epoch=("seconds_per_epoch", "mean")).reset_index()


def input_gradient_norms(model, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Norm of d(loss)/d(input) at each time step, averaged over the samples: `(length,)`.

    Uses the backend's own autodiff (TensorFlow's GradientTape, torch.autograd or jax.grad) on
    the model's compiled loss.
    """
    import keras

    backend = keras.backend.backend()
    loss_fn = keras.losses.get(model.loss)
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y)
    if y.ndim == 1 and model.output_shape[-1] == 1:
        y = y[:, None].astype("float32")
    if backend == "tensorflow":
        import tensorflow as tf

        inputs = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = keras.ops.mean(loss_fn(y, model(inputs, training=False)))
        gradient = tape.gradient(loss, inputs).numpy()
    elif backend == "torch":
        import torch

        inputs = torch.tensor(x, requires_grad=True)
        loss = keras.ops.mean(loss_fn(torch.as_tensor(y), model(inputs, training=False)))
        loss.backward()
        gradient = inputs.grad.detach().cpu().numpy()
    elif backend == "jax":
        import jax

        def loss_of(inputs):
            return keras.ops.mean(loss_fn(y, model(inputs, training=False)))

        gradient = np.asarray(jax.grad(loss_of)(x))
    else:
        raise ConfigError(f"gradients are not implemented for the {backend} backend")
    return np.linalg.norm(gradient, axis=-1).mean(axis=0) * len(x)  # per-sample scale, mean over samples


def gradient_view(length: int = 100, units: int = 32, epochs: int = 8, seed: int = 0, samples: int = 2000) -> dict:
    """Input-gradient norms per step for a SimpleRNN and an LSTM on `first_sign`, before and after training."""
    import keras

    x, y = make_task("first_sign", length, samples, seed=1000 + seed)
    probe_x, probe_y = x[:256], y[:256]
    views = {}
    for body in ("simple_rnn", "lstm"):
        keras.utils.set_random_seed(seed)
        model = zoo.build(body, input_shape=(length, 1), units=units, head="binary")
        before = input_gradient_norms(model, probe_x, probe_y)
        model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
        after = input_gradient_norms(model, probe_x, probe_y)
        views[body] = {"initial": before.tolist(), "trained": after.tolist()}
    return {"task": "first_sign", "length": length, "units": units, "epochs": epochs, "seed": seed, "norms": views}
