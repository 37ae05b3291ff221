"""Test-split MASE of the default forecaster next to every baseline, on the shipped prices and the
seasonal series, over several seeds.

The forecaster is `Forecaster(seed=s)` with nothing else chosen (target, season, lookback and the
linear path are found from the data and the validation split), fitted on the first 70% of rows and
scored on the last 15%, exactly as `tsrnn fit DATA` does. Writes JSON (date, machine and library
versions read from the process); run from the repository root:

    python bench/accuracy.py [--series sp500,airpassengers,...] [--seeds 0,1,2] [--out bench/results/accuracy.json]

`--beyond` scores what `refit` and `shrinkage` change, the forecasts beyond the data a fit saw: the
last 15% of rows are one walk-forward fold's test period (`tsrnn.evaluation.walk_forward.backtest`,
`folds=1`), the model and every baseline fitted on the rows before it and scored on it; compare
runs with `--options '{"refit": false}'` and `'{"refit": true}'`.

`--validation` runs the same on each series without its test rows (the last 15 %, dropped unread
before anything), so a detail is weighed on validation rows, never on the test split; with
`--beyond`, the fold scored is then the validation part of the full series.

`--m4 K` also runs K series drawn (with a fixed seed) from the M4 hourly panel in
`../shared/datasets/m4_hourly/` (not shipped): series the defaults were not developed on.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _machine import publish, result_header, revision

from tsrnn import Forecaster

SERIES = {
    "sp500": "datasets/sp500.csv",
    "airpassengers": "datasets/seasonal/airpassengers.csv",
    "wineind": "datasets/seasonal/wineind.csv",
    "ausbeer": "datasets/seasonal/ausbeer.csv",
    "woolyrnq": "datasets/seasonal/woolyrnq.csv",
    "taylor": "datasets/seasonal/taylor.csv",
}
BASELINES = ("naive_last_value", "seasonal_naive", "drift", "ridge")
M4_HOURLY = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "m4_hourly" / "m4_hourly.csv.gz"


def m4_series(count: int, folder: Path) -> dict[str, str]:
    """`count` M4 hourly series drawn with a fixed seed, each written as a CSV in `folder`."""
    panel = pd.read_csv(M4_HOURLY, parse_dates=["Date"])
    names = sorted(panel["series"].unique(), key=lambda name: int(name[1:]))
    chosen = np.random.default_rng(2026).choice(names, size=count, replace=False)
    paths = {}
    for name in chosen:
        path = folder / f"m4_{name}.csv"
        panel[panel["series"] == name][["Date", "value"]].to_csv(path, index=False)
        paths[f"m4_{name}"] = str(path)
    return paths


def without_test_rows(series: dict[str, str], folder: Path) -> dict[str, str]:
    """Each series' CSV without the rows of its default test split, written in `folder`."""
    from tsrnn.features.windowing import split_rows

    shorter = {}
    for name, path in series.items():
        table = pd.read_csv(path)
        path = folder / f"{name}.csv"
        table.iloc[: split_rows(len(table)).validation_end].to_csv(path, index=False)
        shorter[name] = str(path)
    return shorter


def run_one(path: str, seed: int, options: dict, beyond: bool = False) -> dict:
    started = time.perf_counter()
    if beyond:
        return run_beyond(path, seed, options, started)
    forecaster = Forecaster(seed=seed, **options).fit(path)
    test = forecaster.evaluate(path, start=forecaster.split_["test_start"])
    mase = {name: round(test[name]["mase"], 4) for name in ("model", *BASELINES, "moving_average")}
    best = min(BASELINES, key=lambda name: mase[name])
    choices = forecaster.choices_
    return {
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 1),
        "test_windows": test["windows"],
        "mase": mase,
        "best_baseline": best,
        "ratio_to_best_baseline": round(mase["model"] / mase[best], 4),
        "chosen": {key: choices.get(key) for key in ("seasonal_period", "lookback", "target_anchor", "best_epoch")}
                  | {"alpha": (choices.get("linear_path") or {}).get("alpha")},
        "epochs_trained": len(forecaster.history_.get("loss", [])),
    }


def run_beyond(path: str, seed: int, options: dict, started: float) -> dict:
    """One walk-forward fold whose test period is the last 15% of rows: scored with the network that forecasts."""
    from tsrnn.evaluation.walk_forward import backtest
    from tsrnn.io.tables import read_series

    rows = len(read_series(path))
    result = backtest(Forecaster(seed=seed, **options), path, folds=1, test_size=int(0.15 * rows), trading=False)
    overall = result.metrics["overall"]
    mase = {name: round(overall[name]["mase"], 4) for name in ("model", *BASELINES, "moving_average")}
    best = min(BASELINES, key=lambda name: mase[name])
    return {"seed": seed, "seconds": round(time.perf_counter() - started, 1), "test_windows": int(result.folds["windows"].iloc[0]),
            "mase": mase, "best_baseline": best, "ratio_to_best_baseline": round(mase["model"] / mase[best], 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default=",".join(SERIES))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--options", default="{}", help="Extra Forecaster arguments as JSON, e.g. '{\"linear\": false}'.")
    parser.add_argument("--m4", type=int, default=0, help="Also run this many M4 hourly series (from ../shared).")
    parser.add_argument("--out", default=None, help="Write the result JSON here too.")
    parser.add_argument("--beyond", action="store_true",
                        help="Score the last 15%% of rows as one walk-forward fold (the forecasting network), not the test split.")
    parser.add_argument("--validation", action="store_true",
                        help="Drop each series' test rows (the last 15%%) unread first: weigh a detail on validation rows.")
    args = parser.parse_args()
    options = json.loads(args.options)
    series = {name: SERIES[name] for name in args.series.split(",") if name}
    if args.m4:
        series.update(m4_series(args.m4, Path(tempfile.mkdtemp())))
    if args.validation:
        series = without_test_rows(series, Path(tempfile.mkdtemp()))
    results = {}
    for name, path in series.items():
        runs = []
        for seed in (int(s) for s in args.seeds.split(",")):
            runs.append(run_one(path, seed, options, args.beyond))
            print(json.dumps({"series": name, **runs[-1]}), flush=True)
        ratios = [run["ratio_to_best_baseline"] for run in runs]
        results[name] = {
            "path": SERIES.get(name, "M4 hourly, ../shared/datasets/m4_hourly"),  # the file read, before --validation
            "model_mase_mean": round(statistics.mean(run["mase"]["model"] for run in runs), 4),
            "model_mase_min": min(run["mase"]["model"] for run in runs),
            "model_mase_max": max(run["mase"]["model"] for run in runs),
            "baselines_mase": {b: runs[0]["mase"][b] for b in (*BASELINES, "moving_average")},
            "best_baseline": runs[0]["best_baseline"],
            "ratio_to_best_baseline_mean": round(statistics.mean(ratios), 4),
            "ratio_to_best_baseline_max": max(ratios),
            "runs": runs,
        }
    summary = {
        **result_header(),
        "forecaster": {"params": Forecaster(**options).get_params(), "note": "defaults except seed"},
        "split": ("beyond: the last 15% of rows as one walk-forward fold, fitted on the rows before it (its own "
                  "0.70 / 0.15 / 0.15 split inside), MASE scaled by those rows' one-step naive error" if args.beyond else
                  "0.70 / 0.15 / 0.15 by rows, test MASE scaled by the training rows' one-step naive error"),
        "rows": ("validation: each series without its test rows (the last 15 %, dropped unread)" if args.validation
                 else "every row of each series"),
        "revision": revision(),
        "series": results,
    }
    publish(summary, args.out)


if __name__ == "__main__":
    main()
