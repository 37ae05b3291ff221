"""Predicting a panel's validation windows: one `predict` call per series against one call over
every series' windows (`tsrnn.features.preparation.predict_transformed_panel`), side by side.

The default fit predicts every series' validation windows once, to choose each series' combination
and calibrate the bands. On M4 hourly's validation task (the last 48 rows of each series dropped,
as `bench/m4.py --validation` fits) this bench plans the default fit (horizon 48), builds its
network (untrained: what a prediction costs does not depend on the weights), and times both ways
in alternating rounds, checking that they give the same forecasts.

    python bench/panel_predict.py [--series N] [--rounds 2] [--out bench/results/panel_predict.json]
"""
from __future__ import annotations

import numpy as np
from _machine import publish, result_header, revision
from m4 import side_by_side, validation_bench

from tsrnn.evaluation import m4
from tsrnn.features import preparation
from tsrnn.forecasting.fitting import plan_fit
from tsrnn.forecasting.params import ForecasterParams


def validation_parts(plan) -> list[tuple]:
    """`(scaled rows, validation ends, target scaler)` of every series, as the fit prepares them."""
    spec = plan.settings.window
    parts = []
    for name, rows in plan.rows.items():
        feature_scaler = preparation.fit_feature_scaler(rows.features, spec, rows.bounds.train_end)
        scaled = plan.identity.with_id(name, plan.identity.values_of(name, preparation.scaled_steps(feature_scaler, rows.features, spec)))
        target_scaler = preparation.fit_target_scaler(rows.levels, rows.bounds.ends("train", spec, stride=spec.stride), spec)
        parts.append((scaled, rows.bounds.ends("validation", spec), target_scaler))
    return parts


def main() -> None:
    args, panel = validation_bench(__doc__.splitlines()[0])
    if panel is None:
        return
    from tsrnn.nn import zoo

    plan = plan_fit(ForecasterParams(horizon=m4.HOURLY_HORIZON, seed=0), panel)
    spec, batch_size = plan.settings.window, max(plan.settings.training.batch_size, 1024)
    parts = validation_parts(plan)
    model = zoo.build(plan.settings.model)

    def each_alone():
        return [preparation.predict_transformed(model, scaled, ends, spec, scaler, batch_size, with_quantiles=True)
                for scaled, ends, scaler in parts]

    def together():
        return preparation.predict_transformed_panel(model, parts, spec, batch_size, with_quantiles=True)

    ways = {"one_call_per_series": each_alone, "one_call_for_the_panel": together}
    for way in ways.values():  # traced once before timing
        way()
    timed, results, speedups = side_by_side({"predict": ways}, args.rounds)
    seconds, found = timed["predict"], results["predict"]
    difference = max(float(np.max(np.abs(a[0] - b[0]))) for a, b in zip(*found.values()) if a[0].size)
    publish({**result_header(), "revision": revision(), "task": "M4 hourly validation windows (bench/m4.py --validation)",
             "series": len(parts), "windows": int(sum(len(ends) for _, ends, _ in parts)), "batch_size": batch_size,
             "seconds": seconds, "speedup": speedups["predict"],
             "largest_forecast_difference": difference}, args.out)


if __name__ == "__main__":
    main()
