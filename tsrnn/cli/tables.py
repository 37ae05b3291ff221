"""The tables and lines the commands print: test scores next to the baselines, panels, backtests,
bands and tuning trials.
"""
from __future__ import annotations

from tsrnn.features.splits import split_from_dict


def _panel_table(metrics: dict) -> str:
    test = metrics.get("test")
    split = metrics["split"]
    lines = [f"panel of {len(metrics['series'])} series; {split_from_dict(split).describe()}"]
    chosen = _choices_line(metrics.get("choices"))
    if chosen:
        lines.append(chosen)
    if not test:
        return "\n".join([*lines, "no series reaches the test period: no test scores"])
    methods = [m for m in test["pooled"] if m != "intervals"]
    lines.append(f"{'test MASE':<20}" + "".join(f"{labels_of(m):>18}" for m in methods))
    for name, scores in test["series"].items():
        lines.append(f"{name:<20}" + "".join(f"{scores[m]['mase']:>18.3f}" for m in methods))
    lines.append(f"{'pooled (mean)':<20}" + "".join(f"{test['pooled'][m]['mean_mase']:>18.3f}" for m in methods))
    lines.append(f"{'pooled (weighted)':<20}" + "".join(f"{test['pooled'][m]['weighted_mase']:>18.3f}" for m in methods))
    if all("owa" in test["pooled"][m] for m in methods):
        lines.append(f"{'OWA (vs naive2)':<20}" + "".join(f"{test['pooled'][m]['owa']:>18.3f}" for m in methods))
    lines += _panel_step_lines(test["pooled"])
    lines += _panel_band_lines(test["pooled"].get("intervals"), "mean over the series")
    lines += _panel_notes(test)
    return "\n".join(lines)


def _panel_step_lines(pooled: dict) -> list[str]:
    """With a horizon over 1, the mean over the series of each step's MASE: the model's and the best baseline's."""
    if "mean_mase_by_step" not in pooled["model"]:
        return []
    from tsrnn.forecasting.comparison import best_baseline  # scikit-learn loads with it: not at CLI start-up

    best = best_baseline({m: v for m, v in pooled.items() if m != "intervals"}, metric="mean_mase")
    steps = pooled["model"]["mean_mase_by_step"]
    lines = [f"the rows above pool all {len(steps)} steps; mean MASE over the series, by step:"]
    for name in ("model", best):
        lines.append(f"  {labels_of(name):<18}" + " ".join(f"{value:.3f}" for value in pooled[name]["mean_mase_by_step"]))
    return lines


def _panel_notes(test: dict) -> list[str]:
    """The series left unscored, each with its reason, and a plain note when the model's mean MASE
    does not beat the best baseline's.
    """
    lines = [f"not scored: {name} ({reason})" for name, reason in test.get("not_scored", {}).items()]
    return lines + _losing_note(test["pooled"], {name: {method: scores[method]["mase"] for method in scores
                                                        if isinstance(scores[method], dict) and "mase" in scores[method]}
                                                 for name, scores in test["series"].items()})


def _losing_note(pooled: dict, series_mase: dict[str, dict[str, float]]) -> list[str]:
    """A plain note when the model's mean MASE does not beat the best baseline's, with the series it
    beats that baseline on (`series_mase`: each series' MASE per forecaster).
    """
    from tsrnn.forecasting.comparison import best_baseline  # scikit-learn loads with it: not at CLI start-up

    best = best_baseline(pooled, metric="mean_mase")
    if pooled["model"]["mean_mase"] <= pooled[best]["mean_mase"]:
        return []
    better = sum(scores["model"] < scores[best] for scores in series_mase.values() if best in scores)
    return [f"note: the model did not beat the best baseline, {labels_of(best)} (mean MASE "
            f"{pooled['model']['mean_mase']:.3f} vs {pooled[best]['mean_mase']:.3f}; better on {better} "
            f"of {len(series_mase)} series)"]


def _panel_band_lines(intervals: dict | None, how: str) -> list[str]:
    """The bands' coverage and scaled interval score, the model's next to the naive band's."""
    if not intervals:
        return []
    lines = [f"\nbands ({how}){'coverage':>17}{'naive band':>12}{'interval score':>16}{'naive band':>12}"]
    for level, bands in intervals.items():
        model, naive = bands["model"], bands["naive_band"]
        lines.append(f"{level + '%':<33}{model['coverage']:>8.3f}{naive['coverage']:>12.3f}"
                     f"{model['scaled_winkler']:>16.3f}{naive['scaled_winkler']:>12.3f}")
    return lines


def labels_of(method: str) -> str:
    """Short column labels of the panel table."""
    return {"naive_last_value": "naive", "seasonal_naive": "seasonal naive", "moving_average": "moving average"}.get(method, method)


def _trial_line(record: dict) -> str:
    """One line per ended trial: its state, score next to the naive forecast's, and parameters."""
    params = ", ".join(f"{name} {value:.3g}" if isinstance(value, float) else f"{name} {value}"
                       for name, value in record["params"].items())
    if record["state"] == "complete":
        naive = f" (naive {record['naive']:.4f})" if record.get("naive") is not None else ""
        return f"trial {record['number']}: mean fold MASE {record['value']:.4f}{naive}; {params}"
    if record["state"] == "fail":
        return f"trial {record['number']} failed: {record.get('error') or 'see the log'}; {params}"
    return f"trial {record['number']} {record['state']}; {params}"


def _panel_backtest_table(metrics: dict) -> str:
    overall = metrics["overall"]
    methods = list(overall["pooled"])
    lines = [f"{len(metrics['folds'])} folds; MASE per series over every fold (weighted by windows)",
             f"{'series':<20}" + "".join(f"{labels_of(m):>18}" for m in methods)]
    for name, scores in overall["series"].items():
        lines.append(f"{name:<20}" + "".join(f"{scores.get(m, float('nan')):>18.3f}" for m in methods))
    lines.append(f"{'pooled (mean)':<20}" + "".join(f"{overall['pooled'][m]['mean_mase']:>18.3f}" for m in methods))
    lines.append(f"{'pooled (weighted)':<20}" + "".join(f"{overall['pooled'][m]['weighted_mase']:>18.3f}" for m in methods))
    if all("owa" in overall["pooled"][m] for m in methods):
        lines.append(f"{'OWA (vs naive2)':<20}" + "".join(f"{overall['pooled'][m]['owa']:>18.3f}" for m in methods))
    lines += _panel_band_lines(overall.get("intervals"), "every fold's windows")
    skipped = sorted({name for fold in metrics["folds"] for name in fold["series_skipped"]})
    if skipped:
        lines.append(f"sat out a fold for lack of training rows: {', '.join(skipped)}")
    lines += _losing_note(overall["pooled"], overall["series"])
    return "\n".join(lines)


def _backtest_table(metrics: dict) -> str:
    overall = metrics["overall"]
    lines = [f"{'forecaster':<20}{'MAE':>11}{'RMSE':>11}{'sMAPE':>9}{'MASE':>8}{'direction':>11}"]
    for name, row in overall.items():
        lines.append(f"{name:<20}{row['mae']:>11.4f}{row['rmse']:>11.4f}{row['smape']:>8.2%}{row['mase']:>8.3f}"
                     f"{row['directional_accuracy']:>11.3f}")
    trading = metrics["trading"]
    if "skipped" in trading:
        lines.append(f"\nno trading report: {trading['skipped']}")
    else:
        lines.append(f"\n{'strategy':<20}{'total':>9}{'annual':>9}{'Sharpe':>8}{'max DD':>9}{'turnover/yr':>13}")
        for name, row in trading["overall"].items():
            annual = "n/a" if row["annual_return"] is None else _percent(row["annual_return"])
            lines.append(f"{name:<20}{_percent(row['total_return']):>9}{annual:>9}{row['sharpe']:>8.2f}"
                         f"{_percent(row['max_drawdown']):>9}{row['turnover_per_year']:>13.1f}")
    lines += _interval_lines(metrics.get("intervals"))
    if overall["model"]["mase"] > overall["naive_last_value"]["mase"]:
        lines.append("warning: the model did not beat the naive last-value forecast on MASE")
    return "\n".join(lines)


def _percent(value: float) -> str:
    """A return as a percentage of at most 8 characters, to fit its column: 12.3%, or 3e+07% from 10,000%.

    Examples:
        >>> _percent(0.123), _percent(-99.9), _percent(293589.36134)
        ('12.3%', '-9990.0%', '3e+07%')
    """
    return f"{value:.1%}" if abs(value) < 100 else f"{value * 100:.0e}%"


def _metrics_table(metrics: dict) -> str:
    test = metrics.get("test")
    if not test:
        return "no test split (test fraction 0): nothing to evaluate"
    lines = [f"test split: {test['windows']} windows, targets {test['first_target'][:10]} .. {test['last_target'][:10]}"]
    if "majority_class" in test:
        lines.append(f"{'classifier':<20}{'accuracy':>10}{'balanced':>10}")
        for name, label in (("model", "model"), ("majority_class", "majority class")):
            row = test[name]
            lines.append(f"{label:<20}{row['accuracy']:>10.3f}{row['balanced_accuracy']:>10.3f}")
        if test["model"]["accuracy"] <= test["majority_class"]["accuracy"]:
            lines.append("note: the classifier did not beat always predicting the majority class")
        return "\n".join(lines)
    lines.append(f"{'forecast':<20}{'MAE':>12}{'RMSE':>12}{'MAPE':>10}{'MASE':>9}")
    labels = {"model": "model", "naive_last_value": "naive (last value)", "seasonal_naive": "seasonal naive",
              "drift": "drift", "moving_average": "moving average", "ridge": "ridge"}
    for name in [name for name in test if isinstance(test[name], dict) and "mase" in test[name]]:
        row = test[name]
        lines.append(f"{labels.get(name, name):<20}{row['mae']:>12.4f}{row['rmse']:>12.4f}{row['mape']:>9.2%}{row['mase']:>9.3f}")
    from tsrnn.forecasting.comparison import best_baseline

    best = best_baseline(test)
    if "mase_by_step" in test["model"]:  # a horizon over 1: the rows above pool every step
        steps = len(test["model"]["mase_by_step"])
        lines.append(f"the rows above pool all {steps} steps; MASE by step:")
        for name in ("model", best):
            lines.append(f"  {labels.get(name, name):<18}" + " ".join(f"{value:.3f}" for value in test[name]["mase_by_step"]))
    lines += _interval_lines(test.get("intervals"))
    if test["model"]["mase"] > test[best]["mase"]:
        lines.append(f"note: the model did not beat the best baseline, {labels.get(best, best)} "
                     f"(MASE {test['model']['mase']:.3f} vs {test[best]['mase']:.3f})")
    return "\n".join(lines)


def _interval_lines(intervals: dict | None) -> list[str]:
    """The band table: coverage, mean width and interval score of each band, per level."""
    if not intervals:
        return []
    lines = [f"\n{'band':<20}{'level':>7}{'coverage':>10}{'width':>12}{'interval score':>16}"]
    for level, bands in intervals.items():
        for name, row in bands.items():
            label = {"model": "model (conformal)", "naive_band": "naive (empirical)", "model_adaptive": "model (adaptive)"}.get(name, name)
            lines.append(f"{label:<20}{level + '%':>7}{row['coverage']:>10.3f}{row['width']:>12.4f}{row['winkler']:>16.4f}")
    return lines


def _blended(member: str, weights: dict[str, int], about: str) -> str | None:
    """How many series blend a member of the combination in, with which weights (`weights`: series
    per weight, as `choices_` counts them); None where none does.
    """
    blended = {weight: count for weight, count in weights.items() if count and weight != "0"}
    if not blended:
        return None
    if sum(weights.values()) == 1:
        return f"{member} blended in with weight {about}{next(iter(blended))}"
    return (f"{member} blended in for {sum(blended.values())} series (" +
            ", ".join(f"weight {about}{weight} for {count}" for weight, count in blended.items()) + ")")


def _choices_line(choices: dict | None) -> str | None:
    """One line on what the fit found in the data and chose on validation."""
    if not choices:
        return None
    anchor = {"last": "the last value", "season": "the value a season earlier"}[choices["target_anchor"]]
    parts = [f"target {', '.join(choices['target'])}", f"season {choices['season']}", f"lookback {choices['lookback']}",
             f"targets measured from {anchor}"]
    linear = choices.get("linear_path")
    if linear:
        parts.append("linear path: the anchor alone" if linear["alpha"] is None else f"linear path alpha {linear['alpha']:g}")
    if choices.get("best_epoch") == 0:
        parts.append("the network did not improve on its linear start on validation, so the forecast is the linear path's")
    batches = choices.get("batches_per_epoch")  # an epoch's batches: a pass over the windows, or steps_per_epoch
    epoch = f"best epoch {choices.get('best_epoch')}" + (f", epochs of {batches:,} batches" if batches else "")
    if choices.get("best_epoch") and linear:
        parts.append(f"the network improved on its linear start on validation ({epoch})")
    elif choices.get("best_epoch"):
        parts.append(epoch)
    inputs = choices.get("input_transforms")
    if inputs:
        parts.append("inputs " + ", ".join(f"{column} {transform}" for column, transform in inputs.items()))
    if choices.get("lagged_inputs"):
        parts.append("the window also reads " + ", ".join(choices["lagged_inputs"]) + " (the target that many rows back)")
    weights = {weight: count for weight, count in (choices.get("shrinkage") or {}).items() if count}
    about = "about " if choices.get("combination_temperature") else ""  # exponential weights: counted to the nearest quarter
    if set(weights) - {"1"}:  # some series lean on their anchor
        parts.append(f"the forecast's change from its anchor weighted {about}{next(iter(weights))}" if sum(weights.values()) == 1 else
                     "per-series weight on the forecast's change from its anchor: " +
                     ", ".join(f"{about}{weight} for {count} series" for weight, count in weights.items()))
    if choices.get("combination_pooling"):
        parts.append(f"each series' choice pooled with the panel's median (weight {choices['combination_pooling']:g})")
    if choices.get("combination_temperature"):
        parts.append(f"each series' pairs averaged by exponential weights (temperature {choices['combination_temperature']:g})")
    long = choices.get("long_season")
    for member, counts in ((long and f"{long['period']}-row seasonal naive", long),
                           ("seasonal naive with drift", choices.get("drift"))):
        blended = _blended(member, (counts or {}).get("weights", {}), about)
        if blended:
            parts.append(blended)
    refit = choices.get("refit")
    if refit:
        members = f", {refit['members']} networks averaged" if refit.get("members", 1) > 1 else ""
        members += ", the learning rate annealed along a cosine" if refit.get("schedule") == "cosine" else ""
        smoothed = refit.get("epochs_read") == "smoothed" and refit["epochs"] != choices.get("best_epoch")
        epochs = f"{refit['epochs']} epochs" + (": where the smoothed validation loss is lowest" if smoothed else "")
        parts.append(f"then refitted on every row ({refit['windows']} windows, {epochs}{members}) to "
                     "forecast; the test scores are the first network's")
    return "chosen: " + "; ".join(parts)
