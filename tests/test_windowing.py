"""Window alignment, targets, transforms and chronological splits, checked by hand on small arrays."""
from __future__ import annotations

import numpy as np
import pytest

from tsrnn.errors import ConfigError
from tsrnn.features.windowing import (
    SplitBounds,
    WindowSpec,
    input_windows,
    invert_targets,
    rows_needed,
    split_rows,
    step_changes,
    target_rows,
    target_values,
    window_ends,
)


def level_spec(**changes) -> WindowSpec:
    return WindowSpec(target_columns=("y",), target_transform="level", **changes)


def test_windows_and_targets_hand_checked():
    spec = level_spec(lookback=3, horizon=2)
    series = np.arange(8.0).reshape(-1, 1) * 10
    ends = window_ends(len(series), spec)
    assert list(ends) == [2, 3, 4, 5]
    windows = input_windows(series, ends, spec)
    assert windows.shape == (4, 3, 1)
    assert windows[:, :, 0].tolist() == [[0, 10, 20], [10, 20, 30], [20, 30, 40], [30, 40, 50]]
    assert target_values(series, ends, spec)[:, :, 0].tolist() == [[30, 40], [40, 50], [50, 60], [60, 70]]


def test_windows_are_views_not_copies():
    spec = level_spec(lookback=4)
    series = np.arange(20.0).reshape(-1, 1)
    windows = input_windows(series, window_ends(len(series), spec), spec)
    assert np.shares_memory(windows, series)


def test_gap_and_stride():
    spec = level_spec(lookback=2, horizon=1, gap=2, stride=3)
    series = np.arange(12.0).reshape(-1, 1)
    ends = window_ends(len(series), spec, stride=spec.stride)
    assert list(ends) == [1, 4, 7]
    assert input_windows(series, ends, spec)[:, :, 0].tolist() == [[0, 1], [3, 4], [6, 7]]
    # target of a window ending at t is t + gap + 1
    assert target_values(series, ends, spec)[:, 0, 0].tolist() == [4, 7, 10]


@pytest.mark.parametrize("transform", ["level", "difference", "log_return"])
@pytest.mark.parametrize("gap", [0, 2])
def test_every_target_lies_after_its_last_input(transform, gap):
    spec = WindowSpec(lookback=5, horizon=3, gap=gap, target_columns=("y",), target_transform=transform)
    ends = window_ends(50, spec)
    rows = target_rows(ends, spec)
    assert (rows.min(axis=1) == np.asarray(ends) + gap + 1).all()
    assert rows.max() == 49


def test_multi_feature_windows_keep_column_order():
    spec = WindowSpec(lookback=2, feature_columns=("a", "b"), target_columns=("a",), target_transform="level")
    series = np.column_stack([np.arange(5.0), 100 + np.arange(5.0)])
    windows = input_windows(series, window_ends(5, spec), spec)
    assert windows[0].tolist() == [[0, 100], [1, 101]]


def test_log_return_inputs_and_targets_are_relative_to_the_last_input():
    spec = WindowSpec(lookback=2, horizon=2, target_columns=("y",))
    prices = np.array([[100.0], [110.0], [121.0], [133.1], [146.41]])
    ends = window_ends(len(prices), spec)
    assert list(ends) == [2]  # row 0 has no return, so the first window ends at row 2
    steps = step_changes(prices, "log_return")
    assert np.isnan(steps[0, 0])
    np.testing.assert_allclose(input_windows(steps, ends, spec)[0, :, 0], np.log([1.1, 1.1]))
    targets = target_values(prices, ends, spec)
    np.testing.assert_allclose(targets[0, :, 0], [np.log(1.1), np.log(1.21)])
    np.testing.assert_allclose(invert_targets(targets, prices[[2]], "log_return")[0, :, 0], [133.1, 146.41])


def test_difference_round_trip():
    prices = np.array([[1.0], [4.0], [9.0], [16.0]])
    spec = WindowSpec(lookback=1, horizon=2, target_columns=("y",), target_transform="difference")
    ends = window_ends(len(prices), spec)
    targets = target_values(prices, ends, spec)
    assert targets[0, :, 0].tolist() == [5.0, 12.0]
    assert invert_targets(targets, prices[np.asarray(ends)], "difference")[0, :, 0].tolist() == [9.0, 16.0]


def test_forecast_windows_include_the_last_row():
    spec = level_spec(lookback=3, horizon=2)
    assert window_ends(10, spec, with_targets=False)[-1] == 9
    assert window_ends(10, spec)[-1] == 7


def test_split_rows_fractions():
    assert split_rows(100) == SplitBounds(rows=100, train_end=70, validation_end=85)
    assert split_rows(100, 0.0, 0.2) == SplitBounds(rows=100, train_end=80, validation_end=80)


@pytest.mark.parametrize("validation, test", [(0.5, 0.5), (0.6, 0.5), (-0.1, 0.1), (0.1, 1.0)])
def test_split_rejects_bad_fractions(validation, test):
    with pytest.raises(ConfigError):
        split_rows(100, validation, test)


@pytest.mark.parametrize("horizon, gap", [(1, 0), (3, 0), (2, 4)])
def test_split_windows_keep_targets_inside_their_period(horizon, gap):
    spec = WindowSpec(lookback=4, horizon=horizon, gap=gap, target_columns=("y",))
    bounds = split_rows(200)
    train = target_rows(bounds.ends("train", spec), spec)
    validation = target_rows(bounds.ends("validation", spec), spec)
    test = target_rows(bounds.ends("test", spec), spec)
    assert train.max() < bounds.train_end
    assert validation.min() >= bounds.train_end and validation.max() < bounds.validation_end
    assert test.min() >= bounds.validation_end and test.max() == 199
    # training windows' inputs lie before their targets, so inside the training period too
    assert bounds.ends("train", spec)[-1] < bounds.train_end


def test_training_stride_applies_only_to_training_windows():
    spec = WindowSpec(lookback=4, stride=5, target_columns=("y",))
    bounds = split_rows(300)
    assert bounds.ends("train", spec, stride=5).step == 5
    assert bounds.ends("test", spec, stride=5).step == 1


def test_rows_needed_is_the_minimum():
    spec = WindowSpec(lookback=30, horizon=5, target_columns=("y",))
    needed = rows_needed(spec, 0.15, 0.15)
    for rows, expected in ((needed, True), (needed - 1, False)):
        bounds = split_rows(rows, 0.15, 0.15)
        ok = all(len(bounds.ends(part, spec)) for part in ("train", "validation", "test"))
        assert ok is expected


def test_spec_json_round_trip_and_validation():
    spec = WindowSpec(lookback=7, horizon=3, stride=2, gap=1, feature_columns=("a", "b"), target_columns=("b",))
    assert WindowSpec.from_json(spec.to_json()) == spec
    with pytest.raises(ConfigError, match="lookback must be an integer >= 1, got -3"):
        WindowSpec(lookback=-3)
    with pytest.raises(ConfigError, match="horizon must be an integer >= 1, got 0"):
        WindowSpec(horizon=0)
    with pytest.raises(ConfigError, match="target_transform must be one of"):
        WindowSpec(target_transform="logs")
    with pytest.raises(ConfigError, match="unknown WindowSpec field"):
        WindowSpec.from_dict({"lookback": 3, "colour": "red"})
    with pytest.raises(ConfigError) as empty:
        WindowSpec(target_columns=())
    assert str(empty.value) == "no target column given; name at least one column to predict with target, e.g. Close"
    assert empty.value.cli_message().endswith("with --target, e.g. Close")  # the CLI names the flag


def test_scale_scaling_divides_without_centring_and_round_trips():
    from tsrnn.features.scaling import fit_scaler, scaler_from_dict, scaler_to_dict

    rows = np.array([[1.0], [3.0], [5.0]])
    scaler = fit_scaler("scale", rows)
    assert scaler.transform(np.array([[0.0], [4.0]])).ravel().tolist() == pytest.approx([0.0, 4.0 / rows.std()])
    state = scaler_to_dict(scaler)
    assert state["kind"] == "scale"
    again = scaler_from_dict(state)
    np.testing.assert_allclose(again.inverse_transform(scaler.transform(rows)), rows)
    assert scaler_to_dict(fit_scaler("standard", rows))["kind"] == "standard"
