"""The README's M4 hourly table, printed from the held-out runs of the defaults (written by
`bench/m4.py`): tsrnn's default global model, one row per result file (its processor, code and
epochs), next to naive, seasonal naive and Naive2 (computed by the bench from the same files) and
the competition's published figures.

    python bench/m4_table.py [bench/results/m4_hourly.json ...]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from _machine import cpu

RESULTS = [Path(__file__).resolve().parent / "results" / name for name in (
    "m4_hourly.json", "m4_hourly_amd_epyc.json", "m4_hourly_steps_per_epoch_amd_epyc.json",
    "m4_hourly_exponential_weights_amd_epyc.json", "m4_hourly_ridge_path_amd_epyc.json", "m4_hourly_drift_amd_epyc.json")]


def table(results: list[dict]) -> str:
    """Markdown rows: forecaster, MASE, sMAPE, OWA, series better than seasonal naive, fit, source.

    Args:
        results: `bench/m4.py` result files of the same task; the baselines and the competition's
            figures are read from the first.

    Returns:
        A line per result file (date, machine, versions, code), a blank line, then the table.
    """
    first = results[0]
    series = first["task"]["series"]
    lines = [f"Measured {result['date'][:10]} on {result['machine']} (TensorFlow {result['versions']['tensorflow']}, "
             f"Keras {result['versions']['keras']}; code {result.get('revision', 'unrecorded')}); {series} series, "
             f"horizon {first['task']['horizon']}." for result in results]
    lines += ["", "| forecaster | MASE | sMAPE | OWA | series better than seasonal naive (MASE) | fit | source |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for result in results:
        for run in result["runs"]:
            epochs = run["choices"].get("refit", {}).get("epochs", run["choices"].get("best_epoch"))
            batches = run["choices"].get("batches_per_epoch")  # recorded since steps_per_epoch joined the defaults
            epochs = f"{epochs} epochs of {batches:,} batches" if batches else f"{epochs} epochs"
            lines.append(f"| tsrnn default global model (`--horizon 48`, seed {run['seed']}; {cpu(result['machine'])}, code "
                         f"{result.get('revision', 'unrecorded')}, {epochs}) | {run['mase']:.3f} | "
                         f"{run['smape']:.2f} | {run['owa']:.3f} | {run['series_better_than_seasonal_naive']} of {series} | "
                         f"{run['fit_seconds'] / 60:.1f} min | `bench/m4.py` |")
    names = {"naive": "naive", "seasonal_naive": "seasonal naive", "naive2": "Naive2"}
    for key, name in names.items():
        scores = first["baselines"][key]
        lines.append(f"| {name} | {scores['mase']:.3f} | {scores['smape']:.2f} | {scores['owa']:.3f} | | | `bench/m4.py` |")
    for name, figures in first["reference"].items():
        if name != "Naive2":
            lines.append(f"| {name} | {figures['mase']:.3f} | {figures['smape']:.2f} | {figures['owa']:.3f} | | | "
                         "M4's results table |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table([json.loads(Path(path).read_text()) for path in (sys.argv[1:] or RESULTS)]))
