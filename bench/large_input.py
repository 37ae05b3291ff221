"""Peak memory of `tsrnn fit` on a million-row CSV: windows cut batch by batch vs one array.

Writes a 1,000,000-row series (minute bars of a random walk), then runs `tsrnn fit` on it twice
in fresh processes, once on the default path (windows over 64 MB go to Keras as batches cut on
the fly) and once with the limit raised so the windows go as one array, and prints JSON with each
run's peak resident memory and seconds:

    python bench/large_input.py [--rows 1000000] [--epochs 1]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _machine import result_header


def peak_rss_of(command: list[str], environment: dict) -> tuple[float, float, int]:
    """Run `command`, return (peak RSS in MB, seconds, exit code). Linux reports ru_maxrss in KB."""
    started = time.perf_counter()
    code = subprocess.call(command, env=environment, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, seconds, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tsrnn-large-"))
    data = folder / "series.csv"
    rng = np.random.default_rng(0)
    close = 100 * np.exp(rng.normal(0, 1e-3, args.rows).cumsum())
    pd.DataFrame({"Date": pd.date_range("2000-01-01", periods=args.rows, freq="min"), "Close": close}).to_csv(data, index=False)
    fit = [sys.executable, "-m", "tsrnn.cli", "fit", str(data), "--epochs", str(args.epochs), "--batch-size", "1024",
           "--units", "8", "--lookback", "30", "--patience", "0", "-q", "--seed", "0"]
    windows_mb = args.rows * 30 * 4 / 2**20
    results = {}
    # Each measurement in its own child: RUSAGE_CHILDREN keeps the maximum over finished children,
    # so the smaller (batches) run goes first.
    for name, limit in (("batches", None), ("one_array", "1000000")):
        environment = dict(os.environ)
        if limit:
            environment["TSRNN_MAX_WINDOW_MB"] = limit
        rss, seconds, code = peak_rss_of([*fit, "--out", str(folder / name)], environment)
        results[name] = {"peak_rss_mb": round(rss), "seconds": round(seconds, 1), "exit_code": code}
    print(json.dumps({
        **result_header(),
        "rows": args.rows,
        "csv_mb": round(data.stat().st_size / 2**20),
        "full_window_copy_mb": round(windows_mb),
        "epochs": args.epochs,
        "runs": results,
    }, indent=1))


if __name__ == "__main__":
    main()
