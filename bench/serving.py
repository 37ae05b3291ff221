"""Serving latency and throughput of one fitted forecaster's network, side by side in one run:
Keras `model.predict`, a direct call `model(x)`, and the exported ONNX model under onnxruntime.

Single-window latency (p50 and p99 over `--calls` calls, after a warm-up) and batch throughput
(windows per second on `--batch` windows). Run from the repository root:

    python bench/serving.py [--calls 300] [--batch 4096] [--out bench/results/serving.json]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from _machine import publish, result_header

from tsrnn import Forecaster
from tsrnn.forecasting.export import export_run


def timed(call, repeats: int) -> list[float]:
    call()  # warm-up
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    import onnxruntime

    with tempfile.TemporaryDirectory() as folder:
        forecaster = Forecaster(model="lstm", lookback=30, epochs=1, seed=0, features=["Close", "Volume"]).fit("datasets/sp500.csv")
        forecaster.save(Path(folder) / "run")
        export_run(Path(folder) / "run", Path(folder) / "serving")
        session = onnxruntime.InferenceSession(str(Path(folder) / "serving" / "model.onnx"), providers=["CPUExecutionProvider"])
    model = forecaster.model_
    name = session.get_inputs()[0].name
    rng = np.random.default_rng(0)
    one = rng.normal(size=(1, 30, 2)).astype("float32")
    many = rng.normal(size=(args.batch, 30, 2)).astype("float32")
    ways = {
        "keras_predict": (lambda x: model.predict(x, verbose=0, batch_size=1024)),
        "keras_direct_call": (lambda x: np.asarray(model(x, training=False))),
        "onnxruntime": (lambda x: session.run(None, {name: x})[0]),
    }
    reference = ways["keras_predict"](many)
    results = {}
    for way, run in ways.items():
        latency = np.array(timed(lambda run=run: run(one), args.calls)) * 1000
        throughput = timed(lambda run=run: run(many), 5)
        results[way] = {
            "single_window_ms_p50": round(float(np.percentile(latency, 50)), 3),
            "single_window_ms_p99": round(float(np.percentile(latency, 99)), 3),
            "batch_windows_per_second": round(args.batch / float(np.median(throughput))),
            "max_abs_difference_to_keras_predict": float(np.abs(run(many) - reference).max()),
        }
    publish({
        **result_header(),
        "model": forecaster.model_spec_.describe(),
        "calls": args.calls, "batch": args.batch, "onnxruntime": onnxruntime.__version__,
        "results": results,
        "p50_speedup_onnx_vs_keras_predict": round(results["keras_predict"]["single_window_ms_p50"]
                                                   / results["onnxruntime"]["single_window_ms_p50"], 1),
    }, args.out)


if __name__ == "__main__":
    main()
