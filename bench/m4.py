"""The M4 competition's hourly task, scored as the competition scored it, next to its figures.

Reads `../shared/datasets/m4_hourly/m4_hourly.csv.gz` (414 series; prints a message and stops where
it is absent), holds out the last 48 rows of each series, fits one global model on the rows before
them with the defaults a user gets from `tsrnn fit FOLDER --horizon 48` (the only setting given is the
horizon, and the seed), forecasts the 48 rows after each series' in-sample part, and scores it with
`tsrnn.evaluation.m4` (sMAPE, MASE with the seasonal m = 24 scale, OWA against Naive2) per series
and averaged, next to naive, seasonal naive and Naive2 computed here, and the competition's
published figures. Records each seed's fit time and the process's peak resident memory. Choices
inside the fit are made on each series' validation rows (before the held-out 48), never on them.

    python bench/m4.py [--series N] [--seeds 0,1] [--out bench/results/m4_hourly.json]
    python bench/m4_table.py        # the README's table from the result file

Choosing a default (issue #27) is done on validation, never on the held-out rows: `--validation`
drops the last 48 rows of every series before anything else (they are never read) and runs the
same task on what is left, so the scored rows are the 48 before the competition's; `--set
NAME=VALUE` (repeatable) gives the forecaster a parameter other than its default, to compare a
lever with the defaults on those rows:

    python bench/m4.py --validation --out bench/results/m4_validation_default.json
    python bench/m4.py --validation --set lookback=168 --out bench/results/m4_validation_lookback168.json

`--save DIR` keeps each seed's fitted forecaster (`DIR/seed0`, ..., as `Forecaster.save` writes it),
for `bench/m4_combinations.py` to score ways of combining its forecasts without fitting again.
"""
from __future__ import annotations

import argparse
import ast
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from _machine import publish, result_header, revision

from tsrnn.evaluation import m4

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "m4_hourly" / "m4_hourly.csv.gz"


def read_panel(path: Path, series: int | None) -> dict[str, pd.DataFrame]:
    """The M4 hourly series as `{name: frame of value indexed by its (synthetic) dates}`, in the file's order."""
    table = pd.read_csv(path, parse_dates=["Date"])
    names = list(dict.fromkeys(table["series"]))[:series]
    return {name: table.loc[table["series"] == name, ["Date", "value"]].set_index("Date") for name in names}


def validation_panel(series: int | None) -> dict[str, pd.DataFrame] | None:
    """The `--validation` task's panel (each series without its held-out 48 rows, never read), or
    None, with a message, where the shared file is absent: for the benches that time parts of it."""
    if not DATA.exists():
        print(f"{DATA} is absent (the shared M4 hourly file); skipped", file=sys.stderr)
        return None
    return {name: frame.iloc[: -m4.HOURLY_HORIZON] for name, frame in read_panel(DATA, series).items()}


def validation_bench(description: str) -> tuple[argparse.Namespace, dict[str, pd.DataFrame] | None]:
    """The command line (`--series N`, `--rounds`, `--out`) and `validation_panel` of a bench that
    times a part of the `--validation` task side by side in alternating rounds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--series", type=int, default=None, help="the first N series (all 414 by default)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    return args, validation_panel(args.series)


def side_by_side(ways: dict[str, dict[str, Callable[[], object]]], rounds: int) -> tuple[dict, dict, dict]:
    """Each method's two ways timed in alternating rounds (the first way first in even rounds, the
    second first in odd ones): `(seconds per way and round, each way's last result, speedup of the
    second way over the first by the best round of each)`."""
    seconds = {method: {way: [] for way in pair} for method, pair in ways.items()}
    found: dict[str, dict] = {method: {} for method in ways}
    for round_ in range(rounds):
        for method, pair in ways.items():
            for way in (list(pair) if round_ % 2 == 0 else list(pair)[::-1]):
                started = time.perf_counter()
                found[method][way] = pair[way]()
                seconds[method][way].append(round(time.perf_counter() - started, 2))
    speedup = {method: round(min(times[first]) / min(times[second]), 2)
               for method, times in seconds.items() for first, second in [list(times)]}
    return seconds, found, speedup


def fit_and_forecast(panel: dict[str, pd.DataFrame], seed: int, params: dict | None = None,
                     save: Path | None = None) -> tuple[dict[str, np.ndarray], float, dict]:
    """One global model with the CLI's defaults and horizon 48: the forecasts beyond each series,
    the fit's seconds, and what the fit chose (the fitted forecaster saved into `save` where given)."""
    from tsrnn import Forecaster

    started = time.perf_counter()
    forecaster = Forecaster(**{"horizon": m4.HOURLY_HORIZON, "seed": seed, **(params or {})}).fit(panel)
    seconds = time.perf_counter() - started
    if save is not None:
        forecaster.save(save)
    beyond = forecaster.predict(panel, layout="beyond").pivot(index="series", columns="step", values="forecast")
    return {name: beyond.loc[name, range(1, m4.HOURLY_HORIZON + 1)].to_numpy(dtype=np.float64) for name in panel}, \
        seconds, forecaster.choices_


def summary(scores: dict) -> dict:
    """A method's averages, without its per-series rows."""
    return {key: (round(value, 4) if isinstance(value, float) else [round(v, 4) for v in value])
            for key, value in scores.items() if key != "series"}


def _literal(value: str):
    """`--set`'s value: a Python literal (168, 0.5, None, [24, 168]), or else the word itself."""
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=None, help="The first N series only (a quick check).")
    parser.add_argument("--seeds", default="0", help="Comma-separated seeds; one fit each.")
    parser.add_argument("--out", default=None)
    parser.add_argument("--validation", action="store_true",
                        help="Score the 48 rows before the held-out ones (the held-out rows are dropped unread).")
    parser.add_argument("--save", default=None, metavar="DIR",
                        help="Keep each seed's fitted forecaster in DIR/seedN (for bench/m4_combinations.py).")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="A Forecaster parameter other than its default (a Python literal, or else a word), "
                             "e.g. lookback=168 or refit_schedule=cosine.")
    args = parser.parse_args()
    params = {name: _literal(value) for name, _, value in (item.partition("=") for item in args.set)}
    if not DATA.exists():
        print(f"bench/m4.py needs {DATA} (the shared M4 hourly file); skipped", file=sys.stderr)
        return
    measured = revision()  # the code as it was when the run began
    frames = read_panel(DATA, args.series)
    if args.validation:
        frames = {name: frame.iloc[: -m4.HOURLY_HORIZON] for name, frame in frames.items()}
    insample_frames = {name: frame.iloc[: -m4.HOURLY_HORIZON] for name, frame in frames.items()}
    insample, actual = m4.holdout({name: frame["value"].to_numpy() for name, frame in frames.items()}, m4.HOURLY_HORIZON)
    forecasts = {"naive": {name: m4.naive(values, m4.HOURLY_HORIZON) for name, values in insample.items()},
                 "seasonal_naive": {name: m4.seasonal_naive(values, m4.HOURLY_HORIZON, m4.HOURLY_PERIOD)
                                    for name, values in insample.items()}}
    runs = []
    if args.save:  # what bench/m4_combinations.py reports of the fit it reloads
        Path(args.save).mkdir(parents=True, exist_ok=True)
        (Path(args.save) / "fit.json").write_text(json.dumps({"revision": measured, "validation": args.validation,
                                                              "params": params}) + "\n")
    for seed in [int(s) for s in args.seeds.split(",")]:
        forecasts[f"tsrnn_seed{seed}"], seconds, choices = fit_and_forecast(
            insample_frames, seed, params, Path(args.save) / f"seed{seed}" if args.save else None)
        runs.append({"seed": seed, "fit_seconds": round(seconds, 1), "choices": choices,
                     # the process's peak so far: the fits up to this one, and (with --save) their saving
                     "peak_rss_mb_after_fit": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})
        print(f"seed {seed}: fit {seconds:.0f} s", file=sys.stderr, flush=True)
    scores = m4.score(insample, actual, forecasts, m4.HOURLY_PERIOD)
    seasonal = scores["seasonal_naive"]["series"]
    for run in runs:
        mine = scores[f"tsrnn_seed{run['seed']}"]
        run.update(summary(mine), series_better_than_seasonal_naive=sum(
            mine["series"][name]["mase"] < seasonal[name]["mase"] for name in seasonal))
    publish({
        **result_header(),
        "revision": measured,
        "task": {"data": "M4 hourly (shared/datasets/m4_hourly)", "series": len(frames), "horizon": m4.HOURLY_HORIZON,
                 "season": m4.HOURLY_PERIOD, "settings": "tsrnn fit FOLDER --horizon 48 --seed SEED (every other default)",
                 "scored_rows": ("validation: the 48 rows before the held-out 48 (those dropped unread)" if args.validation
                                 else "the held-out 48 (the competition's test rows)"),
                 "params": params, "saved_fit": bool(args.save)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "baselines": {name: summary(scores[name]) for name in ("naive", "seasonal_naive", "naive2")},
        "runs": runs,
        "reference": {name: {**figures, "owa": round(m4.reference_owa(figures), 3)}
                      for name, figures in m4.HOURLY_REFERENCE.items()},
        "per_series": {method: {name: {k: round(v, 4) for k, v in row.items()} for name, row in result["series"].items()}
                       for method, result in scores.items()},
    }, args.out)


if __name__ == "__main__":
    main()
