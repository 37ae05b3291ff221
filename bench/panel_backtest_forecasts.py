"""A panel backtest's forecasts of one fold: every series' windows through one network call
(`Forecaster.forecast_windows`, what `tsrnn.evaluation.walk_forward` does now) against one call
per series, and, with bands, a second call per series for the bands (what it did before), side by side.

On M4 hourly's validation task (the last 48 rows of each series dropped, as `bench/m4.py
--validation` fits) the bench fits a quick forecaster with the defaults and horizon 48 (one epoch of
50 batches: what a forecast costs does not depend on how well the network learned), takes the last
fold of a three-fold panel backtest over the panel's dates (`walk_forward_folds`, the default test
size) and, in alternating rounds, times the model's part of that fold for every series:

- `scores`: the forecasts the fold scores (`forecast_windows` of every series against
  `forecast_levels` per series);
- `scores_and_bands`: the same and the split and adaptive conformal bands at 80 % drawn around them
  (`walk_forward._band_rows` around the one call's forecasts, against `forecast_levels` and then
  `transformed_forecast` per series, each followed by the same band rows).

Reading and checking each series for the fold (`prepare`) is the same either way and timed apart.
Both ways' forecasts and bands are compared.

    python bench/panel_backtest_forecasts.py [--series N] [--rounds 2] [--out bench/results/panel_backtest_forecasts.json]
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
from _machine import publish, result_header, revision
from forecaster_predict import QUICK_FIT
from m4 import side_by_side, validation_bench

from tsrnn.evaluation import m4

FOLDS, LEVEL = 3, 80.0


def main() -> None:
    args, panel = validation_bench(__doc__.splitlines()[0])
    if panel is None:
        return
    from tsrnn import Forecaster
    from tsrnn.evaluation.folds import walk_forward_folds
    from tsrnn.evaluation.walk_forward import _band_rows
    from tsrnn.features.splits import union_of_dates
    from tsrnn.features.windowing import ends_with_targets_in

    fitted = Forecaster(horizon=m4.HOURLY_HORIZON, seed=0, **QUICK_FIT).fit(panel)
    spec = fitted.window_spec_
    dates = union_of_dates(panel)
    fold = walk_forward_folds(len(dates), FOLDS)[-1]
    test_start = dates[fold.test_start]
    started = time.perf_counter()
    cases = {}
    for name, frame in panel.items():
        ends = ends_with_targets_in(len(frame), spec, int(frame.index.searchsorted(test_start)), len(frame))
        if len(ends):
            cases[name] = (fitted.prepare({name: frame}, series=name), ends)
    prepare_seconds = round(time.perf_counter() - started, 2)
    scale = np.ones(len(spec.target_columns))

    def bands_around(forecasts):
        return pd.concat([_band_rows(fitted, data, ends, forecasts[name], fold, [LEVEL], {}, scale, name)
                          for name, (data, ends) in cases.items()], ignore_index=True)

    def scores_each():
        return {name: fitted.forecast_levels(data, ends) for name, (data, ends) in cases.items()}

    def scores_together():
        return {name: found.levels for name, found in fitted.forecast_windows(cases).items()}

    def bands_each():
        class Again:  # what _band_rows read before: the forecasts of transformed_forecast, a second call
            def __init__(self, data, ends):
                self.transformed, self.quantiles = fitted.transformed_forecast(data, ends, with_quantiles=True)
        levels = scores_each()
        return levels, bands_around({name: Again(data, ends) for name, (data, ends) in cases.items()})

    def bands_together():
        found = fitted.forecast_windows(cases)
        return {name: one.levels for name, one in found.items()}, bands_around(found)

    ways = {"scores": {"one_call_per_series": scores_each, "one_call_per_fold": scores_together},
            "scores_and_bands": {"two_calls_per_series": bands_each, "one_call_per_fold": bands_together}}
    seconds, found, speedup = side_by_side(ways, args.rounds)
    each, together = found["scores"]["one_call_per_series"], found["scores"]["one_call_per_fold"]
    forecast_difference = max(float(np.max(np.abs(each[name] - together[name]) / np.maximum(np.abs(together[name]), 1.0)))
                              for name in cases)
    (_, bands_before), (_, bands_now) = found["scores_and_bands"].values()
    band_difference = float(np.max(np.abs(bands_before[["lower", "upper"]].to_numpy() - bands_now[["lower", "upper"]].to_numpy())
                                   / np.maximum(np.abs(bands_now[["lower", "upper"]].to_numpy()), 1.0)))
    publish({**result_header(), "revision": revision(), "task": "M4 hourly validation task (bench/m4.py --validation)",
             "fit": {"horizon": m4.HOURLY_HORIZON, **QUICK_FIT}, "fold": {"folds": FOLDS, "index": fold.index,
                                                                         "test_dates": fold.test_end - fold.test_start},
             "series": len(cases), "windows": int(sum(len(ends) for _, ends in cases.values())), "level": LEVEL,
             "prepare_seconds": prepare_seconds, "seconds": seconds, "speedup": speedup,
             "largest_relative_forecast_difference": forecast_difference, "largest_relative_band_difference": band_difference},
            args.out)


if __name__ == "__main__":
    main()
