"""How long the default fit's choice of window and shrinkage (`choose_linear`) takes on M4 hourly,
against the way it was computed before `RidgePath`, side by side in one run.

The fit scores eight Ridge alphas and the anchor alone for every (lookback, anchor, fold) of the
panel. Before, each alpha was a scikit-learn `Ridge(alpha).fit` (centring the pooled windows and
forming their Gram matrix again, after concatenating every series' windows) and each series' errors
were unscaled once per alpha. Now one `RidgePath` per problem sums the Gram matrix series by series,
once, and each series' forecasts for every alpha are unscaled together. The current side includes
the chosen candidate's final fit; the previous side does not. Both runs see the same inputs (captured from `plan_fit` on the validation task
that `bench/m4.py --validation` fits: the last 48 rows of each series dropped); the bench checks
that both score every candidate alike and prints their seconds and ratio.

    python bench/linear_selection.py [--series N] [--out bench/results/linear_selection.json]
"""
from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
from _machine import publish, result_header, revision
from m4 import validation_panel
from sklearn.linear_model import Ridge

from tsrnn.evaluation import m4
from tsrnn.forecasting import selection
from tsrnn.forecasting.fitting import plan_fit
from tsrnn.forecasting.params import ForecasterParams


def captured_inputs(panel: dict) -> tuple:
    """The arguments the default fit (horizon 48) passes to `choose_linear` on `panel`."""
    seen = []
    original = selection.choose_linear

    def capture(*args):
        seen.append(args)
        return original(*args)

    selection.choose_linear = capture
    try:
        plan_fit(ForecasterParams(horizon=m4.HOURLY_HORIZON), panel)
    finally:
        selection.choose_linear = original
    return seen[0]


def previous_scores(series, spec, lookbacks, anchors) -> list[float]:
    """Every candidate's selection MASE as computed before `RidgePath`: one scikit-learn Ridge fit
    and one unscaling of each series' forecasts per alpha."""
    folds = [selection.selection_folds(rows.bounds) for rows in series]
    limit = max(selection.MAX_LINEAR_VALUES // len(series), 1)
    scores = []
    for lookback in lookbacks:
        for anchor in anchors:
            candidate = dataclasses.replace(spec, lookback=lookback, target_anchor=anchor)
            errors = {alpha: [0.0, 0] for alpha in (*selection.ALPHAS, None)}
            for back in range(max(len(f) for f in folds), 0, -1):
                problems = [(rows, selection._linear_problem(rows, candidate, f[-back], limit=limit))
                            for rows, f in zip(series, folds) if len(f) >= back]
                problems = [(rows, problem) for rows, problem in problems if problem is not None]
                x = np.concatenate([problem.x_train for _, problem in problems])
                y = np.concatenate([problem.y_train for _, problem in problems])
                zero_target = np.mean([problem.zero_target for _, problem in problems], axis=0)
                for alpha, total in errors.items():
                    model = selection._AnchorOnly(zero_target, x.shape[1]) if alpha is None else Ridge(alpha=alpha).fit(x, y)
                    absolute = np.concatenate([(problem.absolute_errors(model.predict(problem.x_valid)) / selection._scale(rows))
                                               .reshape(-1) for rows, problem in problems])
                    total[0] += float(absolute.sum())
                    total[1] += absolute.size
            scores += [error_sum / max(count, 1) for error_sum, count in errors.values()]
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=None, help="the first N series (all 414 by default)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    panel = validation_panel(args.series)
    if panel is None:
        return
    inputs = captured_inputs(panel)
    started = time.perf_counter()
    choice = selection.choose_linear(*inputs)
    now = time.perf_counter() - started
    started = time.perf_counter()
    before = previous_scores(*inputs)
    then = time.perf_counter() - started
    current = [score["selection_mase"] for score in choice.scores]
    publish({**result_header(), "revision": revision(), "task": "M4 hourly validation rows (bench/m4.py --validation)",
             "series": len(panel), "candidates": len(current), "lookbacks": inputs[2], "anchors": inputs[3],
             "chosen": {"lookback": choice.lookback, "anchor": choice.anchor, "alpha": choice.alpha},
             "seconds": {"ridge_path": round(now, 1), "ridge_per_alpha": round(then, 1)},
             "speedup": round(then / now, 2),
             "largest_score_difference": float(np.max(np.abs(np.subtract(current, before))))}, args.out)


if __name__ == "__main__":
    main()
