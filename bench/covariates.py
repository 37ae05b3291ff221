"""Test-split MASE with and without covariates known in advance, next to the baselines, over seeds.

Two cases:
- `taylor`: half-hourly electricity demand (shipped, 12 weeks). The default lookback (two days)
  cannot see the weekly cycle; `calendar=True` adds the hour and day of week of the target.
- `promo`: a synthetic daily series lifted by 20 on promotion days known in advance (a random
  quarter of the days), with a weekly cycle and noise; `future_features=["promo"]` feeds the
  promotion flag of the target day. It is generated from each seed, so no constant is tuned to it.

Everything else is the default forecaster (`Forecaster(seed=s)` plus the covariate options). Writes
JSON with the date, machine and library versions; run from the repository root:

    python bench/covariates.py [--seeds 0,1,2] [--out bench/results/covariates.json]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from _machine import publish, result_header

from tsrnn import Forecaster

BASELINES = ("naive_last_value", "seasonal_naive", "drift", "ridge")


def promo_series(seed: int, rows: int = 730) -> pd.DataFrame:
    """Daily sales: 100, plus 20 on promotion days, plus a weekly cycle of amplitude 5, plus noise."""
    rng = np.random.default_rng(1000 + seed)
    index = pd.date_range("2022-01-01", periods=rows, freq="D")
    promo = (rng.random(rows) < 0.25).astype(float)
    sales = 100 + 20 * promo + 5 * np.sin(2 * np.pi * index.day_of_week / 7) + rng.normal(0, 2, rows)
    return pd.DataFrame({"sales": sales, "promo": promo}, index=index.rename("Date"))


CASES = {
    "taylor": (lambda seed: "datasets/seasonal/taylor.csv", {}, {"calendar": True}),
    "promo": (promo_series, {"target": "sales"}, {"future_features": ["promo"]}),
}


def run_case(name: str, seed: int) -> dict:
    make_data, common, covariates = CASES[name]
    data = make_data(seed)
    row = {"series": name, "seed": seed}
    for variant, extra in (("without", {}), ("with", covariates)):
        started = time.perf_counter()
        forecaster = Forecaster(seed=seed, **common, **extra).fit(data)
        scores = forecaster.evaluate(data, start=forecaster.split_["test_start"])
        row[variant] = {"mase": scores["model"]["mase"], "seconds": round(time.perf_counter() - started, 1),
                        "inputs": list(forecaster.window_spec_.inputs)}
        for baseline in BASELINES:  # the baselines see the target only, so they are the same either way
            row[baseline] = scores[baseline]["mase"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--out", default="bench/results/covariates.json")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = [run_case(name, seed) for name in args.cases.split(",") for seed in seeds]
    summary = {}
    for name in args.cases.split(","):
        rows = [r for r in runs if r["series"] == name]
        summary[name] = {"mase_without": statistics.mean(r["without"]["mase"] for r in rows),
                         "mase_with": statistics.mean(r["with"]["mase"] for r in rows),
                         **{b: statistics.mean(r[b] for r in rows) for b in BASELINES},
                         "seeds": len(rows)}
    publish({**result_header(), "settings": "Forecaster defaults (seed s) with and without the covariates; "
             "test-split MASE", "summary": summary, "runs": runs}, args.out)


if __name__ == "__main__":
    main()
