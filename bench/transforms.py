"""Test-split MASE of the default forecaster under each target transform, next to the naive forecasts.

Shows why tsrnn's default is `log_return`: a model of price levels cannot extrapolate once test
prices leave the training range. Prints JSON; run from the repository root:

    python bench/transforms.py [--data datasets/sp500.csv] [--seeds 0,1,2] [--epochs 20] [--out bench/results/transforms.json]
    python bench/transforms.py --former-default --seeds 0,1,2,3 --out bench/results/transforms_former_default.json

Every other setting is the current default (lookback, anchor and linear path chosen on validation).
`--former-default` runs the settings tsrnn defaulted to before the linear path: lookback 30, no
linear path, targets measured from the last value, on the current code.
"""
from __future__ import annotations

import argparse
import json
import time

from _machine import publish, result_header

from tsrnn import Forecaster

FORMER_DEFAULT = {"lookback": 30, "linear": False, "target_anchor": "last"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="datasets/sp500.csv")
    parser.add_argument("--models", default="lstm,gru,simple_rnn")
    parser.add_argument("--transforms", default="log_return,difference,level")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--former-default", action="store_true",
                        help="lookback 30, no linear path, the last value as anchor (the default before the linear path)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    fixed = FORMER_DEFAULT if args.former_default else {}
    rows = []
    for model in args.models.split(","):
        for transform in args.transforms.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                started = time.perf_counter()
                forecaster = Forecaster(model=model, target_transform=transform, epochs=args.epochs, seed=seed, **fixed)
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
                        "mase_drift": round(test["drift"]["mase"], 4),
                        "mase_ridge": round(test["ridge"]["mase"], 4),
                        "chosen": {k: forecaster.choices_[k] for k in ("lookback", "target_anchor", "best_epoch")},
                        "beats_naive": test["model"]["mase"] <= test["naive_last_value"]["mase"],
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    summary = {
        **result_header(),
        "data": args.data,
        "settings": {"horizon": 1, "split": "0.7/0.15/0.15", "epochs": args.epochs, "patience": 5,
                     "other": ("the former default: " + json.dumps(fixed)) if fixed
                     else "defaults: lookback, anchor and linear path chosen on validation"},
        "runs": rows,
    }
    publish(summary, args.out)


if __name__ == "__main__":
    main()
