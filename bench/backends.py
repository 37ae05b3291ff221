"""Seconds per epoch of the `lstm` preset on every installed Keras backend, in one run.

IMDB-shaped data (token ids `(samples, 200)`, vocabulary 10,000), batch 64; each backend runs in
its own process (Keras picks its backend once per process), and the second epoch is timed:

    python bench/backends.py [--samples 4000] > bench/results/backends.json
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys

from _machine import result_header

CHILD = """
import json, sys, numpy as np, keras
from tsrnn.nn import zoo
from tsrnn.nn.callbacks import EpochTimer
samples, batch_size = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
x = rng.integers(1, 10000, size=(samples, 200)).astype("int32")
y = rng.integers(0, 2, size=samples).astype("float32")
model = zoo.build("lstm")
timer = EpochTimer()
model.fit(x, y, epochs=2, batch_size=batch_size, callbacks=[timer], verbose=0)
import importlib
backend = keras.backend.backend()
print(json.dumps({"backend": backend, "backend_version": importlib.import_module(backend).__version__,
                  "seconds_first_epoch": timer.seconds[0], "seconds_per_epoch": timer.seconds[1]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    results = {}
    for backend, module in (("tensorflow", "tensorflow"), ("torch", "torch"), ("jax", "jax")):
        if importlib.util.find_spec(module) is None:
            results[backend] = "not installed"
            continue
        completed = subprocess.run([sys.executable, "-c", CHILD, str(args.samples), str(args.batch_size)],
                                   capture_output=True, text=True, env={**os.environ, "KERAS_BACKEND": backend})
        if completed.returncode:
            results[backend] = f"failed: {completed.stderr.strip().splitlines()[-1][:200]}"
            continue
        record = json.loads(completed.stdout.strip().splitlines()[-1])
        record["seconds_per_epoch_20000_reviews"] = round(record["seconds_per_epoch"] * 20000 / args.samples, 1)
        results[backend] = {k: round(v, 2) if isinstance(v, float) else v for k, v in record.items()}
    timed = {k: v["seconds_per_epoch"] for k, v in results.items() if isinstance(v, dict)}
    print(json.dumps({
        **result_header(),
        "samples": args.samples,
        "batch_size": args.batch_size,
        "results": results,
        "fastest": min(timed, key=timed.get) if timed else None,
    }, indent=1))


if __name__ == "__main__":
    main()
