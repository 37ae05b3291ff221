"""Seconds to train k networks of a seed ensemble: one after another, or side by side as one model.

`refit_members` trains its networks together (`tsrnn.nn.ensemble.trained_together`). This bench
times that next to training the same k networks one at a time (what `refit_members` did before),
and next to one network alone, on the same windows: the M4 hourly refit's network
(`zoo.build` of its saved spec: LSTM(64), lookback 48, one input, horizon 48, linear path, MAE),
batch 64, synthetic windows. The three are timed in rounds whose order rotates, so that the
shared, noisy machine affects each alike; prints JSON with every time, and each one's ratio to
one network alone (the median over rounds).

    python bench/ensemble_training.py [--members 2,3] [--windows 40000] [--rounds 3] [--out bench/results/ensemble_training.json]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from _machine import publish, result_header, revision

from tsrnn.nn import training, zoo
from tsrnn.nn.ensemble import trained_together

SPEC = zoo.ModelSpec(body="lstm", units=(64,), input_shape=(48, 1), horizon=48, head_initializer="zeros", linear=True,
                     loss="mae")


def network(seed: int):
    training.seed_everything(seed)
    return zoo.build(SPEC)


def train_alone(windows: np.ndarray, targets: np.ndarray, members: int, batch_size: int) -> float:
    started = time.perf_counter()
    for seed in range(members):
        network(seed).fit(windows, targets, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)
    return time.perf_counter() - started


def train_together(windows: np.ndarray, targets: np.ndarray, members: int, batch_size: int) -> float:
    started = time.perf_counter()
    model, names = trained_together([network(seed) for seed in range(members)])
    model.fit(windows, {name: targets for name in names}, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", default="2,3", help="Comma-separated ensemble sizes.")
    parser.add_argument("--windows", type=int, default=40_000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    measured = revision()
    rng = np.random.default_rng(0)
    windows = rng.normal(size=(args.windows, *SPEC.input_shape)).astype("float32")
    targets = rng.normal(size=(args.windows, SPEC.horizon)).astype("float32")
    train_alone(windows[: 10 * args.batch_size], targets[: 10 * args.batch_size], 1, args.batch_size)  # warm-up
    runs = {"one network": lambda: train_alone(windows, targets, 1, args.batch_size)}
    for members in [int(k) for k in args.members.split(",")]:
        runs[f"{members} one after another"] = lambda k=members: train_alone(windows, targets, k, args.batch_size)
        runs[f"{members} side by side"] = lambda k=members: train_together(windows, targets, k, args.batch_size)
    seconds = {name: [] for name in runs}
    names = list(runs)
    for round_ in range(args.rounds):
        for name in names[round_ % len(names):] + names[: round_ % len(names)]:
            seconds[name].append(round(runs[name](), 2))
    ratios = {name: round(statistics.median(t / one for t, one in zip(times, seconds["one network"])), 3)
              for name, times in seconds.items()}
    publish({**result_header(), "revision": measured,
             "task": {"network": SPEC.describe(),
                      "windows": args.windows, "batch_size": args.batch_size, "epochs": 1, "rounds": args.rounds},
             "seconds": seconds, "ratio_to_one_network": ratios}, args.out)


if __name__ == "__main__":
    main()
