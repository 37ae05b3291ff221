"""Making windows: tsrnn vs keras.utils.timeseries_dataset_from_array vs a Python loop, in one run.

A 1,000,000 x 5 float32 series, lookback 30, horizon 1. Each method produces every window and its
target; the Keras dataset is iterated fully (that is when its windows exist). Each method is
timed without tracemalloc (which slows Python-object-heavy code, Keras's dataset iteration and the
loop, far more than NumPy), then run again under tracemalloc for its peak memory alone. Prints
JSON; the lead ratio is the like-for-like one (every batch gathered, `tsrnn_batches` vs Keras):

    python bench/windowing.py [--rows 1000000] [--loop-rows 200000] [--out bench/results/windowing.json]

The Python loop runs on `--loop-rows` rows and is scaled up linearly, since it is the slow one.
tsrnn makes views: its "windows" cost nothing until a batch is gathered, so it is timed twice:
the view alone, and the view plus gathering every batch of 256 (what training reads).
"""
from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
from _machine import publish, result_header

from tsrnn.features.batches import WindowBatches
from tsrnn.features.windowing import WindowSpec, input_windows, target_values, window_ends


def measure(function):
    """Seconds of a run without tracing, then the peak traced memory of a second, traced run."""
    started = time.perf_counter()
    count = function()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": round(seconds, 4), "peak_mb": round(peak / 2**20, 1), "windows": int(count)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    lookback, features = 30, 5
    series = np.random.default_rng(0).normal(size=(args.rows, features)).astype("float32")
    spec = WindowSpec(lookback=lookback, horizon=1, target_columns=("y",), target_transform="level")

    def tsrnn_views():
        ends = window_ends(len(series), spec)
        windows = input_windows(series, ends, spec)
        targets = target_values(series[:, :1], ends, spec)
        return len(windows) + 0 * len(targets)

    def tsrnn_batches():
        ends = window_ends(len(series), spec)
        targets = target_values(series[:, :1], ends, spec).astype("float32")
        batches = WindowBatches(series, ends, spec, args.batch_size, targets)
        return sum(len(batches[i][0]) for i in range(len(batches)))

    import keras  # imported before timing: only the windowing is measured

    def keras_dataset():
        dataset = keras.utils.timeseries_dataset_from_array(
            series[:-1], series[lookback:, 0], sequence_length=lookback, batch_size=args.batch_size, shuffle=False
        )
        return sum(int(x.shape[0]) for x, _ in dataset)

    loop_series = series[: args.loop_rows]

    def python_loop():
        windows, targets = [], []
        for end in range(lookback - 1, len(loop_series) - 1):
            windows.append(loop_series[end - lookback + 1 : end + 1])
            targets.append(loop_series[end + 1, 0])
        stacked = np.array(windows)
        return len(stacked) + 0 * len(targets)

    results = {
        "tsrnn_views": measure(tsrnn_views),
        "tsrnn_batches": measure(tsrnn_batches),
        "keras_timeseries_dataset": measure(keras_dataset),
    }
    loop = measure(python_loop)
    scale = (args.rows - lookback) / (args.loop_rows - lookback)
    results["python_loop"] = {**loop, "seconds_scaled_to_rows": round(loop["seconds"] * scale, 2), "measured_on_rows": args.loop_rows}
    keras_seconds = results["keras_timeseries_dataset"]["seconds"]
    publish({
        **result_header(),
        "rows": args.rows, "features": features, "lookback": lookback, "batch_size": args.batch_size,
        "timing": "without tracemalloc; peak_mb from a second, traced run",
        "like_for_like_speedup_vs_keras (every batch gathered)": round(keras_seconds / results["tsrnn_batches"]["seconds"], 1),
        "results": results,
        "speedup_vs_keras": {
            "tsrnn_views": round(keras_seconds / max(results["tsrnn_views"]["seconds"], 1e-6), 1),
            "tsrnn_batches": round(keras_seconds / results["tsrnn_batches"]["seconds"], 1),
            "python_loop": round(keras_seconds / results["python_loop"]["seconds_scaled_to_rows"], 2),
        },
        "full_copy_mb": round(args.rows * lookback * features * 4 / 2**20),
    }, args.out)


if __name__ == "__main__":
    main()
