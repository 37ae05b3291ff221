"""`Forecaster.predict` and `Forecaster.evaluate` on a panel: one call for the panel (every series'
windows forecast by one Keras `predict`, `tsrnn.forecasting.series_forecasts`) against one call per
series (one `predict` each: what both methods did before), side by side.

On M4 hourly's validation task (the last 48 rows of each series dropped, as `bench/m4.py
--validation` fits) the bench fits a quick forecaster with the defaults and horizon 48 (one epoch of
50 batches: what a prediction costs does not depend on how well the network learned), then times,
in alternating rounds, `predict(panel)` against `predict({name: frame})` for each series, and
`evaluate(panel, part="validation")` against the same per series, checking that both ways give the
same forecasts and scores; and the forecast beyond the data, `predict(panel, layout="beyond")`
(each series' last window alone) against the last row of each series' `predict(panel)` (every
window forecast, then all but the last dropped: what "beyond" did before).

    python bench/forecaster_predict.py [--series N] [--rounds 2] [--out bench/results/forecaster_predict.json]
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from _machine import publish, result_header, revision
from m4 import side_by_side, validation_bench

from tsrnn.evaluation import m4

QUICK_FIT = {"epochs": 1, "steps_per_epoch": 50}


def main() -> None:
    args, panel = validation_bench(__doc__.splitlines()[0])
    if panel is None:
        return
    from tsrnn import Forecaster

    forecaster = Forecaster(horizon=m4.HOURLY_HORIZON, seed=0, **QUICK_FIT).fit(panel)

    def predict_each():
        return pd.concat([forecaster.predict({name: frame}) for name, frame in panel.items()], ignore_index=True)

    def evaluate_each():
        return {name: forecaster.evaluate({name: frame}, part="validation")["series"][name] for name, frame in panel.items()}

    def beyond_from_every_window():
        return forecaster.predict(panel).groupby("series", sort=False).tail(1)

    ways = {"predict": {"one_call_per_series": predict_each, "one_call_for_the_panel": lambda: forecaster.predict(panel)},
            "evaluate": {"one_call_per_series": evaluate_each,
                         "one_call_for_the_panel": lambda: forecaster.evaluate(panel, part="validation")["series"]},
            "beyond": {"every_window_then_the_last": beyond_from_every_window,
                       "the_last_window_alone": lambda: forecaster.predict(panel, layout="beyond")}}
    seconds, found, speedup = side_by_side(ways, args.rounds)
    together = found["predict"]["one_call_for_the_panel"].set_index(["series", "date"])
    each = found["predict"]["one_call_per_series"].set_index(["series", "date"]).loc[together.index]
    columns = [column for column in together.columns if column.startswith("value_t+")]
    forecast_difference = float(np.max(np.abs(each[columns].to_numpy() - together[columns].to_numpy())
                                       / np.maximum(np.abs(together[columns].to_numpy()), 1.0)))
    mase = {way: np.array([scores[name]["model"]["mase"] for name in panel]) for way, scores in found["evaluate"].items()}
    last_rows = found["beyond"]["every_window_then_the_last"].set_index("series")
    beyond = found["beyond"]["the_last_window_alone"].pivot(index="series", columns="step", values="forecast").loc[last_rows.index]
    beyond_difference = float(np.max(np.abs(last_rows[columns].to_numpy() - beyond.to_numpy())
                                     / np.maximum(np.abs(beyond.to_numpy()), 1.0)))
    publish({**result_header(), "revision": revision(), "task": "M4 hourly validation task (bench/m4.py --validation)",
             "fit": {"horizon": m4.HOURLY_HORIZON, **QUICK_FIT}, "series": len(panel), "predicted_windows": len(together),
             "evaluated_windows": int(sum(scores["windows"] for scores in found["evaluate"]["one_call_for_the_panel"].values())),
             "seconds": seconds, "speedup": speedup, "largest_relative_forecast_difference": forecast_difference,
             "largest_relative_beyond_difference": beyond_difference,
             "largest_mase_difference": float(np.max(np.abs(mase["one_call_per_series"] - mase["one_call_for_the_panel"])))},
            args.out)


if __name__ == "__main__":
    main()
