"""No look-ahead, as properties over random series and window specs (hypothesis)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tsrnn.features.preparation import fit_feature_scaler
from tsrnn.features.windowing import WindowSpec, input_windows, split_rows, step_changes, target_rows, window_ends
from tsrnn.forecasting.baselines import RidgeForecaster


@st.composite
def cases(draw):
    spec = WindowSpec(
        lookback=draw(st.integers(1, 8)),
        horizon=draw(st.integers(1, 4)),
        gap=draw(st.integers(0, 3)),
        target_columns=("a",),
        target_transform=draw(st.sampled_from(["log_return", "difference", "level"])),
    )
    rows = draw(st.integers(spec.min_rows() + 2, 80))
    features = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**31 - 1))
    cut = draw(st.integers(1, rows - 1))
    series = np.exp(np.random.default_rng(seed).normal(0, 0.05, size=(rows, features)).cumsum(axis=0))
    return spec, series, cut, seed


def altered_from(series: np.ndarray, cut: int, seed: int) -> np.ndarray:
    changed = series.copy()
    changed[cut:] *= np.exp(np.random.default_rng(seed + 1).normal(0, 0.5, size=changed[cut:].shape))
    return changed


@settings(max_examples=150, deadline=None)
@given(cases())
def test_changing_values_from_t_on_changes_no_window_ending_before_t(case):
    spec, series, cut, seed = case
    ends = window_ends(len(series), spec, with_targets=False)
    before = range(ends.start, min(ends.stop, cut))
    assume(len(before) > 0)
    original = input_windows(step_changes(series, spec.target_transform), before, spec)
    changed = input_windows(step_changes(altered_from(series, cut, seed), spec.target_transform), before, spec)
    np.testing.assert_array_equal(original, changed)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_every_target_lies_after_its_windows_last_input(case):
    spec, series, _, _ = case
    ends = window_ends(len(series), spec)
    rows = target_rows(ends, spec)
    assert (rows > np.asarray(ends)[:, None] + spec.gap).all()
    assert rows.max(initial=0) < len(series)
    bounds = split_rows(len(series))
    for part, (lower, upper) in {"train": (0, bounds.train_end), "validation": (bounds.train_end, bounds.validation_end),
                                 "test": (bounds.validation_end, len(series))}.items():
        inside = target_rows(bounds.ends(part, spec), spec)
        assert ((inside >= lower) & (inside < upper)).all()


@settings(max_examples=100, deadline=None)
@given(cases(), st.sampled_from(["standard", "minmax", "scale"]))
def test_scalers_fitted_before_t_ignore_values_from_t_on(case, kind):
    # The forecaster's own scaler fit gets the whole series and the end of training, as in fit;
    # values from the end of training on must not move it.
    spec, series, cut, seed = case
    spec = WindowSpec(**{**spec.to_dict(), "scaling": kind})
    assume(cut > spec.warmup)
    first = fit_feature_scaler(series, spec, train_end=cut)
    second = fit_feature_scaler(altered_from(series, cut, seed), spec, train_end=cut)
    steps = step_changes(series, spec.target_transform)[spec.warmup : cut]
    np.testing.assert_array_equal(first.transform(steps), second.transform(steps))


@settings(max_examples=60, deadline=None)
@given(cases())
def test_predictions_from_inputs_before_t_ignore_values_from_t_on(case):
    spec, series, cut, seed = case
    index = pd.bdate_range("2020-01-01", periods=len(series))
    frames = [pd.DataFrame({"a": values[:, 0]}, index=index) for values in (series, altered_from(series, cut, seed))]
    train_rows = max(cut, spec.min_rows())
    assume(train_rows <= cut)  # the model must be fitted before t for the property to apply
    options = dict(lookback=spec.lookback, horizon=spec.horizon, gap=spec.gap, target="a", target_transform=spec.target_transform)
    ends = window_ends(len(series), spec, with_targets=False)
    before = range(ends.start, min(ends.stop, cut))
    assume(len(before) > 0)
    forecasts = [RidgeForecaster(**options).fit(frame.iloc[:cut]).forecast_levels(frame, before) for frame in frames]
    np.testing.assert_allclose(forecasts[0], forecasts[1], rtol=1e-12)
