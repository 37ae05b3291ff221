"""The long-dependency experiment: SimpleRNN vs LSTM vs GRU (and Bidirectional) against sequence length.

Trains every body on every task and length with the same budget and several seeds, plus
equal-parameter variants, then measures input gradients of a SimpleRNN and an LSTM. Writes
`bench/results/long_memory.json`, `long_memory.png` and `gradients.png` there:

    python bench/long_memory.py                                       # the full grid
    python bench/long_memory.py --lengths 10,20 --seeds 0 --epochs 1  # a quick check of the pipeline
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _machine import result_header

from tsrnn.evaluation import long_memory as experiments
from tsrnn.forecasting.plots import gradient_plot, long_memory_plot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=",".join(experiments.TASKS))
    parser.add_argument("--lengths", default="10,20,50,100,200,500")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--train-samples", type=int, default=2000)
    parser.add_argument("--gradient-length", type=int, default=100)
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--name", default="long_memory", help="stem of the JSON and plot files")
    args = parser.parse_args()
    budget = experiments.Budget(units=args.units, epochs=args.epochs, train_samples=args.train_samples)
    trials = experiments.default_trials(args.tasks.split(","), [int(v) for v in args.lengths.split(",")],
                                        [int(v) for v in args.seeds.split(",")])
    started = time.perf_counter()
    results = experiments.run_grid(trials, budget, progress=lambda r: print(json.dumps(r), flush=True))
    summary = experiments.summarize(results)
    view = experiments.gradient_view(length=args.gradient_length, units=args.units, epochs=args.epochs,
                                     samples=args.train_samples)
    import keras

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {
        **result_header(),
        "backend": keras.backend.backend(),
        "budget": budget.__dict__,
        "total_seconds": round(time.perf_counter() - started),
        "summary": summary.round(4).to_dict(orient="records"),
        "runs": results,
        "gradients": view,
    }
    (out / f"{args.name}.json").write_text(json.dumps(report, indent=1) + "\n")
    long_memory_plot(summary, out / f"{args.name}.png")
    gradient_plot(view, out / f"{args.name}_gradients.png")
    print(summary.to_string(index=False))


if __name__ == "__main__":
    main()
