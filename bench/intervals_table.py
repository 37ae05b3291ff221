"""The README's interval tables from the committed result files. Trains nothing.

    python bench/intervals_table.py                 # conformal (`intervals.json`) against a quantile head
    python bench/intervals_table.py --walk-forward  # the seasonal series walked forward (`intervals_walk_forward.json`)
    python bench/intervals_table.py --m4            # 40 M4 hourly series pooled (`intervals_m4.json`)
"""
from __future__ import annotations

import argparse
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


def walk_forward_table() -> None:
    """Per series: windows walked forward, and coverage (width over the naive band's) of the split,
    adaptive and naive bands at each level."""
    report = json.loads((RESULTS / "intervals_walk_forward.json").read_text())
    print("| series | windows (folds x rows) | model MASE / naive | level | ± 2 SE | split conformal | adaptive (ACI) | naive band |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for series, result in report["series"].items():
        walk = result["walk_forward"]
        for level, methods in walk["intervals"].items():
            naive_width = methods["naive_band"]["width"]
            cells = [f"{methods[m]['coverage']:.3f} ({methods[m]['width'] / naive_width:.2f})"
                     for m in ("model", "model_adaptive", "naive_band")]
            print(f"| {series} | {walk['windows']} ({walk['folds']} x {walk['test_size']}) | "
                  f"{walk['model_mase']:.3f} / {walk['naive_mase']:.3f} | {level} % | ±{walk['two_standard_errors'][level]:.3f} | "
                  f"{' | '.join(cells)} |")


def m4_table() -> None:
    """The pooled summary of the M4 hourly series."""
    report = json.loads((RESULTS / "intervals_m4.json").read_text())
    pooled = report["pooled_m4"]
    print(f"{pooled['series']} series, {pooled['windows']} test windows; the model beats naive on {pooled['beats_naive']}\n")
    print("| level | pooled coverage | ± 2 SE | naive band's pooled coverage | series within 2 SE of nominal | "
          "median width / naive | median interval score / naive | narrower than naive where the model beats it |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for level in (key for key in pooled if key[0].isdigit()):
        row = pooled[level]
        print(f"| {level} % | {row['coverage']:.3f} | ±{row['two_standard_errors']:.3f} | {row['naive_band_coverage']:.3f} | "
              f"{row['series_within_two_standard_errors']} of {pooled['series']} | {row['median_width_ratio']:.2f} | "
              f"{row['median_winkler_ratio']:.2f} | {row['narrower_where_beats_naive']} of {pooled['beats_naive']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walk-forward", action="store_true")
    parser.add_argument("--m4", action="store_true")
    args = parser.parse_args()
    if args.walk_forward:
        return walk_forward_table()
    if args.m4:
        return m4_table()
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
