"""`tsrnn tune`: wall time of N trials in one process against two processes sharing one study
(one SQLite storage), side by side in one run.

Both variants run the same `tsrnn tune` command on the same data and search space, without
pruning (so every trial costs the same work) and with the same fixed forecaster settings; only the
number of processes differs. On a machine of C cores the one process gets every core and each of
the two processes half of them (TensorFlow's intra-op threads), so both variants use the same
hardware. The study's trials table records which process ran each trial.

    python bench/tune.py [--trials 8] [--rows 1000] [--out bench/results/tune.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import pandas as pd
from _machine import publish, result_header

ROOT = Path(__file__).resolve().parents[1]
SPACE = {"model": {"choices": ["lstm", "gru"]}, "units": {"choices": [8, 16]},
         "learning_rate": {"low": 0.0005, "high": 0.005, "log": True}}
FIXED = ["--lookback", "20", "--epochs", "3", "--patience", "0", "--batch-size", "64", "--seed", "0", "--folds", "3",
         "--no-pruning", "-q"]


def run_processes(count: int, data: Path, folder: Path, trials: int) -> dict:
    """`count` concurrent `tsrnn tune` processes sharing one study; wall time and trials per process."""
    storage = f"sqlite:///{folder / f'study{count}.db'}"
    threads = str(max(1, (os.cpu_count() or 1) // count))
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": "1"}
    space = folder / "space.json"
    space.write_text(json.dumps(SPACE))
    started = time.perf_counter()
    processes = [
        subprocess.Popen([sys.executable, "-m", "tsrnn.cli", "tune", str(data), "--space", str(space), "--trials", str(trials),
                          "--storage", storage, "--study-name", "bench", "--sampler-seed", str(index),
                          "--out", str(folder / f"out{count}-{index}"), *FIXED],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for index in range(count)
    ]
    for process in processes:
        _, stderr = process.communicate()
        if process.returncode:
            raise SystemExit(f"tsrnn tune failed:\n{stderr[-3000:]}")
    seconds = time.perf_counter() - started
    table = pd.read_csv(folder / f"out{count}-0" / "trials.csv")
    finished = table[table["state"].isin(["complete", "pruned", "fail"])]
    return {"processes": count, "intra_op_threads_each": int(threads), "wall_seconds": round(seconds, 1),
            "finished_trials": len(finished), "trials_per_process": finished["worker"].value_counts().tolist(),
            "median_trial_seconds": round(float(finished["seconds"].median()), 2),
            "best_mean_fold_mase": round(float(finished["mean_fold_mase"].min()), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--rows", type=int, default=1000, help="the last rows of datasets/sp500.csv")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "prices.csv"
        pd.read_csv(ROOT / "datasets" / "sp500.csv").iloc[-args.rows:].to_csv(data, index=False)
        one = run_processes(1, data, folder, args.trials)
        two = run_processes(2, data, folder, args.trials)
    header = result_header()
    header["versions"]["optuna"] = version("optuna")
    summary = {
        **header,
        "data": f"datasets/sp500.csv, last {args.rows} rows",
        "command": "tsrnn tune DATA --space SPACE --trials N --storage sqlite:///... " + " ".join(FIXED),
        "space": SPACE,
        "trials": args.trials,
        "one_process": one,
        "two_processes": two,
        "speedup_two_over_one": round(one["wall_seconds"] / two["wall_seconds"], 2),
    }
    publish(summary, args.out)


if __name__ == "__main__":
    main()
