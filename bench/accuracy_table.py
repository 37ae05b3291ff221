"""Two runs of `bench/accuracy.py` side by side, per series: the model's mean test MASE and its ratio
to the best baseline (mean and worst seed) in each, e.g. the squared-error and absolute-error
losses, or `refit` off and on beyond the data (issue #27):

    python bench/accuracy_table.py bench/results/accuracy_loss_mse.json bench/results/accuracy_loss_mae.json
    python bench/accuracy_table.py bench/results/accuracy_beyond_refit_false.json bench/results/accuracy_beyond_refit_true.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT = [RESULTS / "accuracy_loss_mse.json", RESULTS / "accuracy_loss_mae.json"]


def label(result: dict, other: dict) -> str:
    """The parameters `result` differs from `other` by, as the result files recorded them (runs
    recorded before `loss` was a parameter used the squared error)."""
    mine, theirs = ({"loss": "mse", **r["forecaster"]["params"]} for r in (result, other))
    return ", ".join(f"{name} {mine[name]}" for name in mine if mine[name] != theirs.get(name)) or "defaults"


def table(first: dict, second: dict) -> str:
    """Markdown rows: series, each run's mean MASE and ratio to the best baseline (mean, worst seed)."""
    a, b = label(first, second), label(second, first)
    lines = [f"| series | best baseline | {a}: MASE | {b}: MASE | {a}: / best baseline, mean (worst) | "
             f"{b}: / best baseline, mean (worst) |", "| --- | --- | --- | --- | --- | --- |"]
    for name, one in first["series"].items():
        two = second["series"][name]
        lines.append(f"| {name} | {one['best_baseline']} | {one['model_mase_mean']:.4f} | {two['model_mase_mean']:.4f} | "
                     f"{one['ratio_to_best_baseline_mean']:.4f} ({one['ratio_to_best_baseline_max']:.4f}) | "
                     f"{two['ratio_to_best_baseline_mean']:.4f} ({two['ratio_to_best_baseline_max']:.4f}) |")
    seeds = sorted({run["seed"] for series in first["series"].values() for run in series["runs"]})
    lines += ["", f"Measured {first['date'][:10]} on {first['machine']} (TensorFlow {first['versions']['tensorflow']}, "
                  f"Keras {first['versions']['keras']}); seeds {', '.join(map(str, seeds))}; "
                  f"{'the last 15% of rows as one walk-forward fold' if 'beyond' in first.get('split', '') else 'test-split'} "
                  "MASE, one step ahead."]
    return "\n".join(lines)


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:3]] if len(sys.argv) > 2 else DEFAULT
    print(table(*(json.loads(path.read_text()) for path in paths)))
