"""The README's comparison of the two band methods from the committed result files: conformal
bands around the point forecast (`intervals.json`) next to a conformalised quantile head
(`intervals_quantile_head.json`), test coverage and width against the naive band, mean over seeds.
Trains nothing.

    python bench/intervals_table.py
"""
from __future__ import annotations

import json
from pathlib import Path
from statistics import mean

RESULTS = Path(__file__).resolve().parent / "results"
FILES = {"conformal": "intervals.json", "quantile head (CQR)": "intervals_quantile_head.json"}


def summary(name: str) -> dict[str, dict[str, dict[str, float]]]:
    """{series: {level: {"coverage", "width_ratio", "winkler_ratio", "model_mase"}}}, means over seeds."""
    report = json.loads((RESULTS / name).read_text())
    table = {}
    for series, result in report["series"].items():
        runs = result["runs"]
        table[series] = {level: {
            "coverage": mean(r["intervals"][level]["model"]["coverage"] for r in runs),
            "width_ratio": mean(r["intervals"][level]["model"]["width"] / r["intervals"][level]["naive_band"]["width"] for r in runs),
            "winkler_ratio": mean(r["intervals"][level]["model"]["winkler"] / r["intervals"][level]["naive_band"]["winkler"]
                                  for r in runs),
            "model_mase": mean(r["model_mase"] for r in runs),
        } for level in runs[0]["intervals"]}
    return table


def main() -> None:
    tables = {method: summary(name) for method, name in FILES.items()}
    print("| series | method | 80 %: coverage | width / naive | interval score / naive | 95 %: coverage | width / naive "
          "| interval score / naive |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for series in tables["conformal"]:
        for method, table in tables.items():
            if series not in table:
                continue
            cells = [f"{row['coverage']:.3f} | {row['width_ratio']:.2f} | {row['winkler_ratio']:.2f}"
                     for row in (table[series]["80"], table[series]["95"])]
            print(f"| {series} | {method} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
