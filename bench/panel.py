"""Panels: one global model over many series, against the same rows as one long series and against
a loop of per-series models, side by side in one run.

Synthetic random walks (`--series` x `--rows`, levels and volatilities differing by series). Each
variant runs in its own process, so its peak resident memory (`ru_maxrss`) is its own:

- `global`: one `Forecaster` over the panel (per-series scalers, batches mixing series);
- `one_long_series`: the same rows end to end as one series, one `Forecaster`;
- `per_series_loop`: one `Forecaster` per series, fitted one after another.

All use the same network (LSTM(16), lookback 30, one epoch, batch 256, no linear path, the last
value as anchor) so that only the data layout differs. Prints JSON; run from the repository root:

    python bench/panel.py [--series 500] [--rows 2500] [--out bench/results/panel.json]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from _machine import publish, result_header

# steps_per_epoch=0: the epoch is one pass over every window, each way (the default caps it at 1,000 batches).
SETTINGS = dict(model="lstm", units=16, lookback=30, epochs=1, batch_size=256, steps_per_epoch=0, patience=0, linear=False,
                target_anchor="last", seed=0)


def synthetic_panel(series: int, rows: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(0)
    index = pd.bdate_range("2000-01-03", periods=rows)
    panel = {}
    for i in range(series):
        steps = rng.normal(0, rng.uniform(0.005, 0.03), rows)
        panel[f"S{i:04d}"] = pd.DataFrame({"Close": rng.uniform(5, 500) * np.exp(np.cumsum(steps))}, index=index)
    return panel


def run_variant(variant: str, series: int, rows: int) -> dict:
    from tsrnn import Forecaster

    panel = synthetic_panel(series, rows)
    started = time.perf_counter()
    if variant == "global":
        fitted = Forecaster(**SETTINGS).fit(panel)
        windows = sum(s.windows["train"] for s in fitted.series_.values())
    elif variant == "one_long_series":
        values = np.concatenate([frame["Close"].to_numpy() for frame in panel.values()])
        long = pd.DataFrame({"Close": values}, index=pd.bdate_range("1900-01-01", periods=len(values)))
        fitted = Forecaster(**SETTINGS).fit(long)
        windows = fitted.split_["train_windows"]
    else:
        windows = 0
        for frame in panel.values():
            windows += Forecaster(**SETTINGS).fit(frame).split_["train_windows"]
    seconds = time.perf_counter() - started
    return {"variant": variant, "seconds": round(seconds, 2), "train_windows": int(windows),
            "train_windows_per_second": round(windows / seconds), "peak_rss_mb": round(_peak_mb())}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--rows", type=int, default=2500)
    parser.add_argument("--variant", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.series, args.rows)))
        return
    results = {}
    for variant in ("global", "one_long_series", "per_series_loop"):
        completed = subprocess.run([sys.executable, __file__, "--variant", variant, "--series", str(args.series),
                                    "--rows", str(args.rows)], capture_output=True, text=True, check=True)
        results[variant] = json.loads(completed.stdout.strip().splitlines()[-1])
        print(json.dumps(results[variant]), file=sys.stderr, flush=True)
    publish({
        **result_header(),
        "series": args.series, "rows_per_series": args.rows, "settings": SETTINGS,
        "results": results,
        "global_vs_loop_time_ratio": round(results["global"]["seconds"] / results["per_series_loop"]["seconds"], 3),
        "global_vs_long_series_windows_per_second_ratio": round(
            results["global"]["train_windows_per_second"] / results["one_long_series"]["train_windows_per_second"], 3),
        "global_vs_long_series_peak_memory_ratio": round(
            results["global"]["peak_rss_mb"] / results["one_long_series"]["peak_rss_mb"], 3),
    }, args.out)


if __name__ == "__main__":
    main()
