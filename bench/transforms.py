"""Test-split MASE of the default forecaster under each target transform, next to the naive forecasts.

Shows why tsrnn's default is `log_return`: a model of price levels cannot extrapolate once test
prices leave the training range. Prints JSON; run from the repository root:

    python bench/transforms.py [--data datasets/sp500.csv] [--seeds 0,1,2] [--epochs 20]
"""
from __future__ import annotations

import argparse
import datetime
import json
import time

from _machine import machine

from tsrnn.forecaster import Forecaster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="datasets/sp500.csv")
    parser.add_argument("--models", default="lstm,gru,simple_rnn")
    parser.add_argument("--transforms", default="log_return,difference,level")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    rows = []
    for model in args.models.split(","):
        for transform in args.transforms.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                started = time.perf_counter()
                forecaster = Forecaster(model=model, target_transform=transform, epochs=args.epochs, seed=seed)
                forecaster.fit(args.data)
                test = forecaster.evaluate(args.data, start=forecaster.split_["test_start"])
                rows.append(
                    {
                        "model": model,
                        "transform": transform,
                        "seed": seed,
                        "epochs_trained": len(forecaster.history_["loss"]),
                        "seconds": round(time.perf_counter() - started, 1),
                        "mase_model": round(test["model"]["mase"], 4),
                        "mase_naive_last_value": round(test["naive_last_value"]["mase"], 4),
                        "mase_seasonal_naive": round(test["seasonal_naive"]["mase"], 4),
                        "beats_naive": test["model"]["mase"] <= test["naive_last_value"]["mase"],
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    summary = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "data": args.data,
        "settings": {"lookback": 30, "horizon": 1, "split": "0.7/0.15/0.15", "epochs": args.epochs, "patience": 5},
        "runs": rows,
    }
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
