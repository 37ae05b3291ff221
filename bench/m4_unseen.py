"""Series the global model never trained on: M4 hourly's task with a third of its series left out
of the fit, forecast afterwards as new series, with and without their own combination choice.

One global model is fitted (the defaults of `tsrnn fit FOLDER --horizon 48`) on two thirds of the
414 series (drawn with a fixed seed); the other third are then forecast as series it never saw, the
way a user forecasts a new series with a fitted panel (`Forecaster.predict`). Two ways, from the
same fit:

- `chosen` (the library): each new series' weights on the network's change and on the weekly
  naive change chosen on its own validation windows by the rule the fit chose for its panel
  (`tsrnn.forecasting.series_forecasts.unseen_states`);
- `network_as_is` (before code that added this bench): the network's forecast as it is (weight 1,
  no weekly naive), which this bench gets by replacing the choice with `(1, 0)`.

Both are scored with the competition's MASE and sMAPE on the 48 rows after each series' in-sample
part, next to seasonal naive, for the unseen third and (for reference) the trained two thirds.
`--validation` drops the last 48 rows of every series first (never read), so the scored rows are
the 48 before the competition's held-out ones: the way to choose, as `bench/m4.py --validation`.

    python bench/m4_unseen.py --validation --out bench/results/m4_unseen_validation.json
    python bench/m4_unseen.py --out bench/results/m4_unseen.json
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from unittest import mock

import numpy as np
from _machine import publish, result_header, revision
from m4 import DATA, read_panel

from tsrnn.evaluation import m4


def forecasts_beyond(forecaster, frames) -> dict[str, np.ndarray]:
    """The 48 steps beyond each series' rows."""
    beyond = forecaster.predict(frames, layout="beyond").pivot(index="series", columns="step", values="forecast")
    return {name: beyond.loc[name, range(1, m4.HOURLY_HORIZON + 1)].to_numpy(dtype=np.float64) for name in frames}


def group_scores(scores: dict, names: list[str]) -> dict:
    """Each method's mean MASE and sMAPE over `names`, and on how many it beats seasonal naive."""
    seasonal = scores["seasonal_naive"]["series"]
    found = {"series": len(names)}
    for method, result in scores.items():
        rows = result["series"]
        found[method] = {"mase": round(float(np.mean([rows[n]["mase"] for n in names])), 4),
                         "smape": round(float(np.mean([rows[n]["smape"] for n in names])), 3),
                         "better_than_seasonal_naive": int(sum(rows[n]["mase"] < seasonal[n]["mase"] for n in names))}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validation", action="store_true", help="Score the 48 rows before the held-out ones.")
    parser.add_argument("--seed", type=int, default=0, help="The fit's seed.")
    parser.add_argument("--draw", type=int, default=7, help="The seed that draws the unseen third.")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    if not DATA.exists():
        print(f"bench/m4_unseen.py needs {DATA} (the shared M4 hourly file); skipped", file=sys.stderr)
        return
    from tsrnn import Forecaster

    measured = revision()
    frames = read_panel(DATA, None)
    if args.validation:
        frames = {name: frame.iloc[: -m4.HOURLY_HORIZON] for name, frame in frames.items()}
    insample_frames = {name: frame.iloc[: -m4.HOURLY_HORIZON] for name, frame in frames.items()}
    names = list(frames)
    unseen = sorted(np.random.default_rng(args.draw).choice(names, size=len(names) // 3, replace=False), key=names.index)
    seen = [name for name in names if name not in set(unseen)]
    started = time.perf_counter()
    forecaster = Forecaster(horizon=m4.HOURLY_HORIZON, seed=args.seed).fit({name: insample_frames[name] for name in seen})
    seconds = time.perf_counter() - started
    print(f"fit {seconds:.0f} s", file=sys.stderr, flush=True)
    new = {name: insample_frames[name] for name in unseen}
    chosen = forecaster._states_of(new)
    with mock.patch("tsrnn.forecasting.series_forecasts.choose_for_unseen", return_value=(1.0, 0.0, 0.0)):
        as_is = forecasts_beyond(forecaster, insample_frames)
    chosen_forecasts = forecasts_beyond(forecaster, insample_frames)
    insample, actual = m4.holdout({name: frame["value"].to_numpy() for name, frame in frames.items()}, m4.HOURLY_HORIZON)
    scores = m4.score(insample, actual, {
        "chosen": chosen_forecasts, "network_as_is": as_is,
        "seasonal_naive": {name: m4.seasonal_naive(values, m4.HOURLY_HORIZON, m4.HOURLY_PERIOD) for name, values in insample.items()},
    }, m4.HOURLY_PERIOD)
    publish({
        **result_header(),
        "revision": measured,
        "task": {"data": "M4 hourly (shared/datasets/m4_hourly)", "series": len(names), "unseen": len(unseen),
                 "unseen_drawn_with": args.draw, "horizon": m4.HOURLY_HORIZON,
                 "settings": "Forecaster(horizon=48, seed=SEED).fit(the seen series' rows), every other default",
                 "scored_rows": ("validation: the 48 rows before the held-out 48 (those dropped unread)" if args.validation
                                 else "the held-out 48 (the competition's test rows)")},
        "fit_seconds": round(seconds, 1),
        "choices": {key: forecaster.choices_.get(key) for key in ("combination_pooling", "combination_temperature", "shrinkage")},
        "unseen_weights": {",".join(f"{w:g}" for w in weights): count for weights, count in
                           Counter((round(s.weight * 4) / 4, round(s.long_weight * 4) / 4, round(s.drift_weight * 4) / 4)
                                   for s in chosen.values()).most_common()},
        "seen_forecasts_alike_both_ways": all(np.allclose(as_is[name], chosen_forecasts[name]) for name in seen),
        "unseen": group_scores(scores, unseen),
        "seen": group_scores(scores, seen),
    }, args.out)


if __name__ == "__main__":
    main()
