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
"""
from __future__ import annotations

import argparse
import json
import time

from _machine import publish, result_header
from accuracy import SERIES

from tsrnn.backtest import backtest
from tsrnn.forecaster import Forecaster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default=",".join(SERIES))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--levels", default="80,95")
    parser.add_argument("--backtest-folds", type=int, default=5, help="Folds of 250 rows on the prices (0: skip).")
    parser.add_argument("--quantile-head", action="store_true", help="Bands from a quantile head (CQR).")
    parser.add_argument("--calibration-folds", type=int, default=1, help="Validation blocks that calibrate the bands.")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    levels = [float(v) for v in args.levels.split(",")]
    results = {}
    for name in args.series.split(","):
        runs = []
        for seed in (int(s) for s in args.seeds.split(",")):
            started = time.perf_counter()
            forecaster = Forecaster(seed=seed, quantile_levels=levels if args.quantile_head else None,
                                    calibration_folds=args.calibration_folds).fit(SERIES[name])
            test = forecaster.evaluate(SERIES[name], start=forecaster.split_["test_start"], level=levels)
            runs.append({"seed": seed, "seconds": round(time.perf_counter() - started, 1), "test_windows": test["windows"],
                         "validation_windows": forecaster.split_["validation_windows"],
                         "calibration_windows": len(forecaster.calibration_.scores),
                         "model_mase": round(test["model"]["mase"], 4), "naive_mase": round(test["naive_last_value"]["mase"], 4),
                         "intervals": test["intervals"]})
            print(json.dumps({"series": name, **{k: v for k, v in runs[-1].items() if k != "intervals"},
                              **{f"coverage_{lv}": round(test["intervals"][lv]["model"]["coverage"], 3)
                                 for lv in test["intervals"]}}), flush=True)
        results[name] = {"path": SERIES[name], "runs": runs}
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
        "walk_forward_sp500": walk_forward,
    }
    publish(summary, args.out)


if __name__ == "__main__":
    main()
