"""Ways of combining one saved M4 fit's forecasts, scored as `bench/m4.py` scores them, without fitting again.

`bench/m4.py --save DIR` keeps a seed's fitted forecaster; this bench reloads it and scores, on the
same rows, the per-series combination the fit chose (it must equal the run's own forecasts) next to
variants of it: each network alone, the two networks averaged, the choice without its
one-standard-error rule, each series' choice made alone (without the panel's pooling), the pair
that beats the anchor on the most validation windows (not on average), the chosen weights shrunk
by 10, 25 and 50 % toward the anchor (what the count of series better than seasonal naive costs
in MASE), every `(weight, long_weight)` pair given to all series alike (per series rows for all but
the fixed pairs), and each series' best pair on the scored rows themselves (`oracle_pair_...`: it
reads the rows it is scored on, so it is a bound on any choice among the pairs, not a method). Each
series' choice is still made on the fit's own validation windows (before the scored rows); the
fixed pairs are read across series, which is why a pair is only ever chosen on a `--validation`
run's figures and then checked once on the held-out rows.

    python bench/m4.py --validation --save runs/m4_validation --out /tmp/m4_validation.json
    python bench/m4_combinations.py runs/m4_validation/seed0 --validation --out bench/results/m4_combinations_validation.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from _machine import publish, result_header, revision
from m4 import DATA, read_panel, summary

from tsrnn.evaluation import m4

SHRUNK_TOWARD_ANCHOR = (0.1, 0.25, 0.5)  # of the chosen pair's weights: the count against seasonal naive vs MASE


def network_changes(forecaster, network, scaled: np.ndarray, ends, fitted) -> np.ndarray:
    """A network's own forecasts for the windows ending at `ends`, as changes from their anchors."""
    from tsrnn.features import preparation

    return preparation.predict_transformed(network, scaled, ends, forecaster.window_spec_, fitted.target_scaler,
                                           max(forecaster.settings_.training.batch_size, 1024))


def linear_path(network):
    """The network's linear path alone (its frozen Ridge map of the window), as a model of the same output
    (an averaged model's first member's: every member starts at the same frozen map)."""
    import keras

    while not any(layer.name == "linear" for layer in network.layers):  # a `refit_members` average: its first member
        network = next(layer for layer in network.layers if isinstance(layer, keras.Model))

    linear = network.get_layer("linear").output
    shape = network.outputs[0].shape[1:]
    return keras.Model(network.inputs, keras.layers.Reshape(tuple(shape))(linear))


def series_variants(forecaster, name: str, frame, linear_network) -> tuple[dict[str, np.ndarray], object, list]:
    """Every variant's forecast of one series after its last row, in the data's units
    (`linear_network`: `linear_path` of the forecasting network), with the holdout network's
    `ChoiceWindows` of the series' validation windows (None: it has none) and its pairs."""
    from tsrnn.features import preparation
    from tsrnn.forecasting.combination import ANCHOR, ChoiceWindows, choose_pooled, combinations, drift_change, long_season_change

    spec, fitted, identity = forecaster.window_spec_, forecaster.series_[name], forecaster.identity_
    features, levels = preparation.arrays(frame, spec)
    scaled = identity.with_id(name, identity.values_of(name, preparation.scaled_steps(fitted.feature_scaler, features, spec)))
    origin = range(len(frame) - 1, len(frame))
    validation = forecaster.data_split_.bounds(frame.index, name).ends("validation", spec)
    holdout = getattr(forecaster, "holdout_model_", None) or forecaster.model_
    refit = network_changes(forecaster, forecaster.model_, scaled, origin, fitted)
    held = network_changes(forecaster, holdout, scaled, origin, fitted)
    linear = network_changes(forecaster, linear_network, scaled, origin, fitted)
    period = fitted.long_period
    long_now = long_season_change(levels, origin, spec, period) if period else np.zeros_like(refit)
    with_drift = "drift" in forecaster.choices_  # a fit that chose with the seasonal naive's drift
    drift_now = drift_change(levels, origin, spec) if with_drift else np.zeros_like(refit)

    def level(change: np.ndarray) -> np.ndarray:
        return preparation.invert(change, levels, origin, spec)[0, :, 0]

    def blend(network: np.ndarray, weight: float, long_weight: float, drift_weight: float = 0.0) -> np.ndarray:
        return level(weight * network + long_weight * long_now + drift_weight * drift_now)

    found = {"chosen": blend(refit, fitted.weight, fitted.long_weight, fitted.drift_weight),
             "network": level(refit), "holdout_network": level(held), "linear_path": level(linear),
             "networks_averaged": level((refit + held) / 2),
             "networks_averaged_chosen": blend((refit + held) / 2, fitted.weight, fitted.long_weight, fitted.drift_weight)}
    windows, pairs = None, combinations(period, with_drift)
    if len(validation):
        predicted = network_changes(forecaster, holdout, scaled, validation, fitted)
        long_validation = long_season_change(levels, validation, spec, period) if period else None
        drift_validation = drift_change(levels, validation, spec) if with_drift else None
        windows = ChoiceWindows(predicted, levels, validation, spec, long_validation, drift_validation)
        errors = windows.errors(pairs)
        found["chosen_without_se_rule"] = blend(refit, *pairs[int(np.argmin([e.mean() for e in errors]))])
        found["chosen_each_series_alone"] = blend(refit, *choose_pooled({name: errors}, {name: pairs}, 0.0)[name])
        anchor_errors = errors[pairs.index(ANCHOR)]
        beats_anchor = [float(np.mean(error < anchor_errors)) for error in errors]
        found["most_windows_beating_the_anchor"] = blend(refit, *pairs[int(np.argmax(beats_anchor))])
    for shrunk in SHRUNK_TOWARD_ANCHOR:
        found[f"chosen_shrunk_{shrunk:g}_toward_the_anchor"] = blend(refit, fitted.weight * (1 - shrunk),
                                                                    fitted.long_weight * (1 - shrunk), fitted.drift_weight * (1 - shrunk))
    for weight, long_weight, drift_weight in combinations(period or 168, with_drift):
        found["fixed_" + "_".join(f"{w:g}" for w in (weight, long_weight, drift_weight)[: 3 if with_drift else 2])] = \
            blend(refit, weight, long_weight, drift_weight)
    return found, windows, pairs


def check_choice(forecaster, windows: dict, pairs: dict) -> None:
    """Raise where the public `choose_pooling` and `choose_pooled`, given the reloaded fit's
    validation windows, choose other weights than the fit did (a run saved by other code)."""
    from tsrnn.forecasting.combination import choose_pooled, choose_pooling

    pooling, temperature = choose_pooling(windows, pairs)
    fit_chose = forecaster.choices_.get("combination_pooling", 0.0), forecaster.choices_.get("combination_temperature", 0.0)
    if (pooling, temperature) != fit_chose:
        raise RuntimeError(f"the reloaded fit chooses pooling {pooling} and temperature {temperature}, the fit chose "
                           f"{fit_chose[0]} and {fit_chose[1]}; was it saved by this code?")
    errors = {name: series.errors(pairs[name]) for name, series in windows.items()}
    for name, pair in choose_pooled(errors, pairs, pooling, temperature).items():
        fitted = forecaster.series_[name]
        if pair != (fitted.weight, fitted.long_weight, fitted.drift_weight):
            raise RuntimeError(f"{name}: the reloaded fit chooses other weights than the fit did; was it saved by this code?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="A forecaster saved by bench/m4.py --save (DIR/seedN).")
    parser.add_argument("--validation", action="store_true",
                        help="The run was fitted with bench/m4.py --validation (score the same rows it scored).")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    if not DATA.exists():
        print(f"bench/m4_combinations.py needs {DATA} (the shared M4 hourly file); skipped", file=sys.stderr)
        return
    from tsrnn import Forecaster

    forecaster = Forecaster.load(args.run)
    written = Path(args.run).parent / "fit.json"
    fit = json.loads(written.read_text()) if written.exists() else None
    frames = read_panel(DATA, None)
    if args.validation:
        frames = {name: frame.iloc[: -m4.HOURLY_HORIZON] for name, frame in frames.items()}
    frames = {name: frame for name, frame in frames.items() if name in forecaster.series_}
    insample, actual = m4.holdout({name: frame["value"].to_numpy() for name, frame in frames.items()}, m4.HOURLY_HORIZON)
    forecasts: dict[str, dict[str, np.ndarray]] = {
        "seasonal_naive": {name: m4.seasonal_naive(values, m4.HOURLY_HORIZON, m4.HOURLY_PERIOD)
                           for name, values in insample.items()}}
    linear_network = linear_path(forecaster.model_)
    windows, pairs = {}, {}
    for name, frame in frames.items():
        prepared = forecaster.prepare({name: frame.iloc[: -m4.HOURLY_HORIZON]}, series=name)
        found, windows[name], pairs[name] = series_variants(forecaster, name, prepared.frame, linear_network)
        for variant, values in found.items():
            forecasts.setdefault(variant, {})[name] = values
    check_choice(forecaster, {name: w for name, w in windows.items() if w is not None}, pairs)
    forecasts["oracle_pair_reads_the_scored_rows"] = {  # a bound on what choosing among the pairs can reach, not a method
        name: min((values[name] for variant, values in forecasts.items() if variant.startswith("fixed_")),
                  key=lambda values: float(np.mean(np.abs(values - actual[name])))) for name in frames}
    scores = m4.score(insample, actual, forecasts, m4.HOURLY_PERIOD)
    seasonal = scores["seasonal_naive"]["series"]
    variants = {}
    for variant, result in scores.items():
        if variant in ("seasonal_naive", "naive2"):
            continue
        rows = result["series"]
        variants[variant] = {**summary(result), "series_better_than_seasonal_naive": sum(
            rows[name]["mase"] < seasonal[name]["mase"] for name in rows), "series_equal_to_seasonal_naive": sum(
            rows[name]["mase"] == seasonal[name]["mase"] for name in rows)}
    publish({**result_header(), "revision": revision(), "run": str(args.run), "fit": fit,
             "scored_rows": "validation (the 48 before the held-out)" if args.validation else "the held-out 48",
             "series": len(frames), "combination_pooling": forecaster.choices_.get("combination_pooling", 0.0),
             "combination_temperature": forecaster.choices_.get("combination_temperature", 0.0),
             "seasonal_naive": summary(scores["seasonal_naive"]), "variants": variants,
             "per_series": {method: {name: {k: round(v, 4) for k, v in row.items()} for name, row in result["series"].items()}
                            for method, result in scores.items() if not method.startswith("fixed_")}}, args.out)


if __name__ == "__main__":
    main()
