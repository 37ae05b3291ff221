"""Training overhead of tsrnn: `Forecaster.fit` vs a hand-written Keras model on prepared arrays.

The same LSTM(64) on the same 100,000 windows of 30 x 3 (batch 256, 2 epochs), in pairs whose
order alternates (tsrnn first, then Keras first) so that the shared, noisy machine and any warm-up
affect both alike; prints JSON with every wall and CPU time, the median of the pairs' ratios, and
the ratio of each side's fastest run (the least disturbed by other work; goal: within 1.05).
tsrnn's time includes everything `fit` does: validating the frame, transforms, scaling and
windowing. Also times inference: `Forecaster.predict` on 10,000
windows next to `model.predict` on the same arrays.

    python bench/train_overhead.py [--repeats 6] [--windows 100000] [--out bench/results/train_overhead.json]

The forecaster is the current default apart from the split (no validation or test part, so that
both sides train on the same 100,000 windows): its linear path is fitted in closed form (Ridge)
before training, which the hand-written model does not do; that work is part of tsrnn's time.
"""
from __future__ import annotations

import argparse
import statistics
import time

import keras
import numpy as np
import pandas as pd
from _machine import publish, result_header

from tsrnn import Forecaster

LOOKBACK, FEATURES, UNITS = 30, 3, 64


def frame_of(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    values = 100 * np.exp(rng.normal(0, 0.01, size=(rows, FEATURES)).cumsum(axis=0))
    return pd.DataFrame(values, columns=["a", "b", "c"], index=pd.date_range("2000-01-01", periods=rows, freq="h"))


def forecaster(epochs: int, batch_size: int) -> Forecaster:
    return Forecaster(model="lstm", units=UNITS, lookback=LOOKBACK, target="a", features=["a", "b", "c"], epochs=epochs,
                      batch_size=batch_size, validation_fraction=0.0, test_fraction=0.0, patience=0, seed=0)


def hand_written(windows: np.ndarray) -> keras.Model:
    model = keras.Sequential([keras.Input((LOOKBACK, FEATURES)), keras.layers.LSTM(UNITS), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--tf-threads", type=int, default=1, help="TensorFlow intra- and inter-op threads; 0: its defaults")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    if args.tf_threads and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.tf_threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.tf_threads)
    frame = frame_of(args.windows + LOOKBACK + 1)  # log returns use one row; one row for the last target
    rng = np.random.default_rng(1)
    windows = rng.normal(size=(args.windows, LOOKBACK, FEATURES)).astype("float32")
    targets = rng.normal(size=(args.windows, 1)).astype("float32")
    times = {"tsrnn_fit": [], "keras_fit": []}
    cpu = {"tsrnn_fit": [], "keras_fit": []}

    def run_tsrnn():
        fitted = forecaster(args.epochs, args.batch_size).fit(frame)
        assert fitted.split_["train_windows"] == args.windows, fitted.split_
        return fitted

    def run_keras():
        keras.utils.set_random_seed(0)
        model = hand_written(windows)
        model.fit(windows, targets, epochs=args.epochs, batch_size=args.batch_size, shuffle=True, verbose=0)
        return model

    last = {}
    for repeat in range(args.repeats):
        order = [("tsrnn_fit", run_tsrnn), ("keras_fit", run_keras)]
        for name, run in order if repeat % 2 == 0 else order[::-1]:
            started, started_cpu = time.perf_counter(), time.process_time()
            last[name] = run()
            times[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
    fitted, model = last["tsrnn_fit"], last["keras_fit"]
    ratios = [a / b for a, b in zip(times["tsrnn_fit"], times["keras_fit"])]

    inference_frame = frame.iloc[: 10_000 + LOOKBACK]
    fitted.predict(inference_frame)  # warm up
    started = time.perf_counter()
    forecast = fitted.predict(inference_frame)
    tsrnn_predict = time.perf_counter() - started
    sample = windows[: len(forecast)]
    model.predict(sample, batch_size=1024, verbose=0)
    started = time.perf_counter()
    model.predict(sample, batch_size=1024, verbose=0)
    keras_predict = time.perf_counter() - started
    publish({
        **result_header(),
        "linear_path": fitted.model_spec_.linear,
        "windows": args.windows, "epochs": args.epochs, "batch_size": args.batch_size,
        "tf_threads": args.tf_threads or "default",
        "order": "pairs alternate: tsrnn first in even pairs, Keras first in odd",
        "seconds": {k: [round(v, 2) for v in values] for k, values in times.items()},
        "cpu_seconds": {k: [round(v, 2) for v in values] for k, values in cpu.items()},
        "ratio_tsrnn_over_keras": [round(r, 3) for r in ratios],
        "median_ratio": round(statistics.median(ratios), 3),
        "ratio_of_fastest": round(min(times["tsrnn_fit"]) / min(times["keras_fit"]), 3),
        "ratio_of_total_cpu": round(sum(cpu["tsrnn_fit"]) / sum(cpu["keras_fit"]), 3),
        "inference": {
            "windows": len(forecast),
            "tsrnn_predict_windows_per_second": round(len(forecast) / tsrnn_predict),
            "keras_predict_windows_per_second": round(len(sample) / keras_predict),
        },
    }, args.out)


if __name__ == "__main__":
    main()
