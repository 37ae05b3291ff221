"""The README's IMDB table from the committed result files: test accuracy next to the validation
accuracy of the epoch whose weights were kept (the one with the lowest validation loss), and which
run validation picks. Reads `bench/results/imdb.json` and `imdb_pooling.json`; trains nothing.

    python bench/imdb_table.py
"""
from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def kept_runs() -> list[dict]:
    runs = []
    for name in ("imdb.json", "imdb_pooling.json"):
        for run in json.loads((RESULTS / name).read_text())["runs"]:
            kept = run["restored_epoch"]
            runs.append({"file": name, "name": run["name"], "test_accuracy": run["test_accuracy"], "kept_epoch": kept,
                         "kept_val_accuracy": run["val_accuracy"][kept - 1], "max_val_accuracy": max(run["val_accuracy"])})
    return runs


def main() -> None:
    runs = kept_runs()
    for run in runs:
        print(json.dumps(run))
    presets = [r for r in runs if r["file"] == "imdb.json" and "_maxlen" not in r["name"]]
    picked_preset = max(presets, key=lambda r: r["kept_val_accuracy"])
    picked = max(runs, key=lambda r: r["kept_val_accuracy"])
    print(json.dumps({"validation_picks_among_presets": picked_preset["name"], "its_test_accuracy": picked_preset["test_accuracy"],
                      "validation_picks_overall": picked["name"], "overall_test_accuracy": picked["test_accuracy"]}))


if __name__ == "__main__":
    main()
