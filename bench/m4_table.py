"""The README's M4 hourly table, printed from `bench/results/m4_hourly.json` (written by `bench/m4.py`):
tsrnn's default global model next to naive, seasonal naive and Naive2 (computed by the bench from the
same files) and the competition's published figures.

    python bench/m4_table.py [bench/results/m4_hourly.json]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

RESULT = Path(__file__).resolve().parent / "results" / "m4_hourly.json"


def table(result: dict) -> str:
    """Markdown rows: forecaster, MASE, sMAPE, OWA, series better than seasonal naive, source."""
    header = result["date"][:10], result["machine"], result["versions"]["tensorflow"], result["versions"]["keras"]
    series = result["task"]["series"]
    lines = [f"Measured {header[0]} on {header[1]} (TensorFlow {header[2]}, Keras {header[3]}; code "
             f"{result.get('revision', 'unrecorded')}); {series} series, horizon {result['task']['horizon']}.", "",
             "| forecaster | MASE | sMAPE | OWA | series better than seasonal naive (MASE) | fit | source |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for run in result["runs"]:
        lines.append(f"| tsrnn default global model (`--horizon 48`, seed {run['seed']}) | {run['mase']:.3f} | "
                     f"{run['smape']:.2f} | {run['owa']:.3f} | {run['series_better_than_seasonal_naive']} of {series} | "
                     f"{run['fit_seconds'] / 60:.1f} min | `bench/m4.py` |")
    names = {"naive": "naive", "seasonal_naive": "seasonal naive", "naive2": "Naive2"}
    for key, name in names.items():
        scores = result["baselines"][key]
        lines.append(f"| {name} | {scores['mase']:.3f} | {scores['smape']:.2f} | {scores['owa']:.3f} | | | `bench/m4.py` |")
    for name, figures in result["reference"].items():
        if name != "Naive2":
            lines.append(f"| {name} | {figures['mase']:.3f} | {figures['smape']:.2f} | {figures['owa']:.3f} | | | "
                         "M4's results table |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(json.loads(Path(sys.argv[1] if len(sys.argv) > 1 else RESULT).read_text())))
