"""Coverage and width of the default forecaster's prediction bands on the test split, next to the
naive forecast's empirical band, on the shipped prices and the seasonal series, over several seeds;
and a walk-forward backtest of the prices comparing split and adaptive conformal bands.

Writes JSON (date, machine and library versions read from the process); run from the repository root:

    python bench/intervals.py [--series ...] [--seeds 0,1,2] [--levels 80,95] [--out bench/results/intervals.json]
    python bench/intervals.py --quantile-head --backtest-folds 0 --out bench/results/intervals_quantile_head.json

With `--quantile-head` the forecaster trains a quantile head for the levels (`quantile_levels`),
and its bands are the conformalised quantiles (CQR) instead of the conformal radius around the
point forecast. With `--calibration-folds k` the bands are calibrated on the validation block and
the k - 1 blocks before it, each scored by a forecaster fitted on the rows before it:

    python bench/intervals.py --series airpassengers,wineind,ausbeer,woolyrnq --calibration-folds 3 \
        --backtest-folds 0 --out bench/results/intervals_calibration_folds.json

The short seasonal series have 18 to 32 test windows, where one window moves coverage by 3 to 6
points. `--walk-forward` also scores each series walk-forward (8 folds over the last 60 % of its
rows, at most 150 rows a fold), for four to five times as many outcomes; `--m4 N` runs the default on
N M4 hourly series (from ../shared, drawn with a fixed seed; series nobody tuned on) and pools them:

    python bench/intervals.py --series airpassengers,wineind,ausbeer,woolyrnq,taylor --seeds 0 --walk-forward \
        --backtest-folds 0 --out bench/results/intervals_walk_forward.json
    python bench/intervals.py --series none --m4 40 --seeds 0 --backtest-folds 0 --out bench/results/intervals_m4.json
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from pathlib import Path

from _machine import publish, result_header
from accuracy import SERIES, m4_series

from tsrnn import Forecaster
from tsrnn.evaluation.walk_forward import backtest
from tsrnn.io.tables import read_series

WALK_FORWARD_SHARE = 0.6  # of the rows, walked forward in --walk-forward
WALK_FORWARD_FOLDS = 8
WALK_FORWARD_MAX_FOLD = 150


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default=",".join(SERIES))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--levels", default="80,95")
    parser.add_argument("--backtest-folds", type=int, default=5, help="Folds of 250 rows on the prices (0: skip).")
    parser.add_argument("--quantile-head", action="store_true", help="Bands from a quantile head (CQR).")
    parser.add_argument("--calibration-folds", type=int, default=1, help="Validation blocks that calibrate the bands.")
    parser.add_argument("--walk-forward", action="store_true", help="Also score each series walk-forward.")
    parser.add_argument("--m4", type=int, default=0, help="Also run this many M4 hourly series (from ../shared).")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    levels = [float(v) for v in args.levels.split(",")]
    paths = {name: SERIES[name] for name in args.series.split(",") if name != "none"}
    folder = tempfile.TemporaryDirectory()
    if args.m4:
        paths.update(m4_series(args.m4, Path(folder.name)))
    results = {}
    for name, path in paths.items():
        runs = []
        for seed in (int(s) for s in args.seeds.split(",")):
            started = time.perf_counter()
            forecaster = Forecaster(seed=seed, quantile_levels=levels if args.quantile_head else None,
                                    calibration_folds=args.calibration_folds).fit(path)
            test = forecaster.evaluate(path, start=forecaster.split_["test_start"], level=levels)
            runs.append({"seed": seed, "seconds": round(time.perf_counter() - started, 1), "test_windows": test["windows"],
                         "validation_windows": forecaster.split_["validation_windows"],
                         "calibration_windows": len(forecaster.calibration_.scores),
                         "model_mase": round(test["model"]["mase"], 4), "naive_mase": round(test["naive_last_value"]["mase"], 4),
                         "intervals": test["intervals"]})
            print(json.dumps({"series": name, **{k: v for k, v in runs[-1].items() if k != "intervals"},
                              **{f"coverage_{lv}": round(test["intervals"][lv]["model"]["coverage"], 3)
                                 for lv in test["intervals"]}}), flush=True)
        results[name] = {"path": path if name in SERIES else "M4 hourly, ../shared/datasets/m4_hourly", "runs": runs}
        if args.walk_forward:
            results[name]["walk_forward"] = walk_forward_scores(path, levels, seed=runs[0]["seed"])
            print(json.dumps({"series": name, "walk_forward": {lv: round(v["model"]["coverage"], 3) for lv, v in
                                                               results[name]["walk_forward"]["intervals"].items()}}), flush=True)
    walk_forward = None
    if args.backtest_folds:
        started = time.perf_counter()
        result = backtest(Forecaster(seed=0), SERIES["sp500"], folds=args.backtest_folds, test_size=250, level=levels)
        walk_forward = {"data": SERIES["sp500"], "folds": args.backtest_folds, "test_size": 250,
                        "seconds": round(time.perf_counter() - started, 1), "intervals": result.metrics["intervals"]}
    summary = {
        **result_header(),
        "levels": levels,
        "method": ("a quantile head (pinball loss, ordered quantiles) conformalised on the validation windows (CQR)"
                   if args.quantile_head else
                   "split conformal on the validation windows, scores normalised by an EWMA volatility (lambda 0.94)"),
        "calibration_folds": args.calibration_folds,
        "series": results,
        **({"pooled_m4": pooled({k: v for k, v in results.items() if k.startswith("m4_")}, levels)} if args.m4 else {}),
        "walk_forward_sp500": walk_forward,
    }
    publish(summary, args.out)


def walk_forward_scores(path: str, levels: list[float], seed: int) -> dict:
    """The default forecaster walked forward over the last 60 % of the rows (8 folds, at most 150
    rows each, every fold calibrated on its own validation part): split, adaptive and naive bands."""
    rows = len(read_series(path))
    test_size = min(WALK_FORWARD_MAX_FOLD, int(rows * WALK_FORWARD_SHARE) // WALK_FORWARD_FOLDS)
    started = time.perf_counter()
    result = backtest(Forecaster(seed=seed), path, folds=WALK_FORWARD_FOLDS, test_size=test_size, level=levels)
    windows = WALK_FORWARD_FOLDS * test_size
    return {"folds": WALK_FORWARD_FOLDS, "test_size": test_size, "windows": windows,
            "seconds": round(time.perf_counter() - started, 1),
            "two_standard_errors": {f"{lv:g}": round(two_standard_errors(lv / 100, windows), 4) for lv in levels},
            "model_mase": round(result.metrics["overall"]["model"]["mase"], 4),
            "naive_mase": round(result.metrics["overall"]["naive_last_value"]["mase"], 4),
            "intervals": result.metrics["intervals"]}


def pooled(results: dict, levels: list[float]) -> dict:
    """Over many series (first seed each): coverage of all their test windows together, the share of
    series whose coverage is within two binomial standard errors of nominal, and the median width and
    interval score over the naive band's, overall and where the point forecast beats naive."""
    runs = [result["runs"][0] for result in results.values()]
    windows = sum(run["test_windows"] for run in runs)
    summary = {"series": len(runs), "windows": windows,
               "beats_naive": sum(run["model_mase"] < run["naive_mase"] for run in runs)}
    for level in (f"{lv:g}" for lv in levels):
        nominal = float(level) / 100
        bands = [(run["intervals"][level]["model"], run["intervals"][level]["naive_band"], run) for run in runs]
        widths = [model["width"] / naive["width"] for model, naive, _ in bands]
        summary[level] = {
            "coverage": sum(model["coverage"] * run["test_windows"] for model, _, run in bands) / windows,
            "naive_band_coverage": sum(naive["coverage"] * run["test_windows"] for _, naive, run in bands) / windows,
            "two_standard_errors": two_standard_errors(nominal, windows),
            "series_within_two_standard_errors": sum(abs(model["coverage"] - nominal) <= two_standard_errors(
                nominal, run["test_windows"]) for model, _, run in bands),
            "median_width_ratio": statistics.median(widths),
            "median_winkler_ratio": statistics.median([model["winkler"] / naive["winkler"] for model, naive, _ in bands]),
            "narrower_where_beats_naive": sum(width < 1 for width, run in zip(widths, runs)
                                              if run["model_mase"] < run["naive_mase"]),
        }
    return summary


def two_standard_errors(nominal: float, windows: int) -> float:
    """Twice the binomial standard error of a coverage of `nominal` measured on `windows` outcomes."""
    return 2 * math.sqrt(nominal * (1 - nominal) / windows)


if __name__ == "__main__":
    main()
