"""How the default global model was chosen (issue #27): every `bench/results/m4_validation_*.json`
(written by `bench/m4.py --validation`, scored on the 48 rows before M4's held-out ones, which those
runs never read) as one table, each lever next to seasonal naive on the same rows.

    python bench/m4_validation_table.py [bench/results]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from _machine import cpu

RESULTS = Path(__file__).resolve().parent / "results"


def lever(params: dict) -> str:
    """The parameters a run set besides the defaults of its code, as `name=value` (none: the defaults)."""
    return ", ".join(f"`{name}={value!r}`" for name, value in params.items()) or "the defaults of its code"


def window(choices: dict) -> str:
    """The rows the fitted window read, and its lagged copies of the target where its record lists
    them (`lagged_inputs`; records before it do not: code 92ade8d's defaults read `value@t-120`)."""
    lagged = choices.get("lagged_inputs") or []
    return f"{choices['lookback']} rows" + (f" + {', '.join(lagged)}" if lagged else "")


def epochs(choices: dict) -> str:
    """The validated network's best epoch and the epochs the refit trained ("-": no refit; a record
    without a `best_epoch`: "?")."""
    refit = choices.get("refit") or {}
    return f"{choices.get('best_epoch', '?')}, {refit.get('epochs', '-')}"


def table(results: list[dict]) -> str:
    """Markdown rows: lever, code, machine, window, epochs, MASE, sMAPE, series better than seasonal naive, fit minutes.

    The machine is a column because the same code and seed train another network on another processor
    (its kernels round differently, and training amplifies it): compare rows of one machine.
    """
    lines = ["| run (`bench/m4.py --validation`) | code | machine | window | epochs: best, refit | MASE | sMAPE | "
             "series better than seasonal naive | fit | seasonal naive MASE |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for result in sorted(results, key=lambda r: r["date"]):
        naive = result["baselines"]["seasonal_naive"]["mase"]
        for run in result["runs"]:
            lines.append(f"| {lever(result['task']['params'])}, seed {run['seed']} | {result['revision']} | {cpu(result['machine'])} | "
                         f"{window(run['choices'])} | {epochs(run['choices'])} | "
                         f"{run['mase']:.3f} | "
                         f"{run['smape']:.2f} | {run['series_better_than_seasonal_naive']} of {result['task']['series']} | "
                         f"{run['fit_seconds'] / 60:.1f} min | {naive:.3f} |")
    first = min(results, key=lambda r: r["date"])
    machines = " or ".join(sorted({r["machine"] for r in results}))
    lines += ["", f"Measured {first['date'][:10]} and later on {machines} (TensorFlow {first['versions']['tensorflow']}, "
                  f"Keras {first['versions']['keras']}); every file in `bench/results/m4_validation_*.json`."]
    return "\n".join(lines)


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS
    print(table([json.loads(path.read_text()) for path in sorted(folder.glob("m4_validation_*.json"))]))
