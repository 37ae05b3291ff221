"""`RidgePath`: scikit-learn's Ridge at every alpha from one Gram matrix, and the window choice it
serves scoring every candidate as one scikit-learn Ridge fit per alpha would."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from tsrnn.features.windowing import WindowSpec, split_rows
from tsrnn.forecasting import selection
from tsrnn.forecasting.metrics import naive_scale
from tsrnn.forecasting.ridge_path import RidgePath


@pytest.mark.parametrize("rows, inputs, outputs", [(200, 12, 3), (7, 12, 2), (50, 1, 1)])
def test_every_alpha_matches_scikit_learns_ridge(rows, inputs, outputs):
    rng = np.random.default_rng(rows)
    x = rng.normal(3.0, 2.0, size=(rows, inputs))
    y = x @ rng.normal(size=(inputs, outputs)) + rng.normal(0, 0.5, size=(rows, outputs)) + 4.0
    path = RidgePath(x, y)
    for alpha in selection.ALPHAS:
        expected = Ridge(alpha=alpha).fit(x, y)
        found = path.fit(alpha)
        np.testing.assert_allclose(found.coef_, np.reshape(expected.coef_, (outputs, inputs)), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(found.intercept_, np.reshape(expected.intercept_, outputs), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(found.predict(x[:5]), expected.predict(x[:5]).reshape(5, outputs), rtol=1e-6, atol=1e-9)


def _panel() -> list[selection.SeriesRows]:
    """Three seasonal series of different lengths and levels, as `plan_fit` hands them over."""
    rng = np.random.default_rng(0)
    found = []
    for length, level in ((240, 10.0), (200, 300.0), (160, 2.0)):
        steps = np.arange(length)
        levels = (level * (1.5 + np.sin(2 * np.pi * steps / 12)) * np.exp(rng.normal(0, 0.05, length)))[:, None]
        bounds = split_rows(length)
        found.append(selection.SeriesRows(levels, levels, bounds, naive_scale(levels[: bounds.train_end])))
    return found


def test_the_window_choice_scores_every_candidate_as_one_ridge_fit_per_alpha():
    series = _panel()
    spec = WindowSpec(lookback=12, target_columns=("y",), horizon=3, seasonal_period=12)
    choice = selection.choose_linear(series, spec, [12, 24], ["last", "season"])
    folds = [selection.selection_folds(rows.bounds) for rows in series]
    expected = []
    for lookback in (12, 24):
        for anchor in ("last", "season"):
            candidate = dataclasses.replace(spec, lookback=lookback, target_anchor=anchor)
            for alpha in (*selection.ALPHAS, None):
                total, count = 0.0, 0
                for back in (3, 2, 1):
                    problems = [(rows, selection._linear_problem(rows, candidate, f[-back], limit=10**9))
                                for rows, f in zip(series, folds)]
                    x = np.concatenate([p.x_train for _, p in problems])
                    y = np.concatenate([p.y_train for _, p in problems])
                    for rows, problem in problems:
                        if alpha is None:
                            predicted = np.tile(np.mean([p.zero_target for _, p in problems], axis=0), (len(problem.x_valid), 1))
                        else:
                            predicted = Ridge(alpha=alpha).fit(x, y).predict(problem.x_valid)
                        errors = problem.absolute_errors(predicted) / rows.mase_scale
                        total, count = total + errors.sum(), count + errors.size
                expected.append(total / count)
    np.testing.assert_allclose([score["selection_mase"] for score in choice.scores], expected, rtol=1e-9)
    best = int(np.argmin(expected))
    assert (choice.lookback, choice.anchor) == ((12, 24)[best // 18], ("last", "season")[best // 9 % 2])
