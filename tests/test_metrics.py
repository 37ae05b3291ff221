"""Every forecast and classification metric against a hand-computed case."""
from __future__ import annotations

import numpy as np
import pytest

from tsrnn.forecasting.metrics import classification_metrics, directional_accuracy, forecast_metrics, naive_scale, smape


def test_forecast_metrics_hand_computed():
    actual = np.array([[[100.0]], [[110.0]], [[90.0]]])
    forecast = np.array([[[102.0]], [[105.0]], [[90.0]]])
    anchors = np.array([[101.0], [100.0], [95.0]])
    metrics = forecast_metrics(actual, forecast, mase_scale=[2.0], anchors=anchors)
    assert metrics["mae"] == pytest.approx((2 + 5 + 0) / 3)
    assert metrics["rmse"] == pytest.approx(np.sqrt((4 + 25 + 0) / 3))
    assert metrics["mape"] == pytest.approx((2 / 100 + 5 / 110 + 0) / 3)
    assert metrics["smape"] == pytest.approx((4 / 202 + 10 / 215 + 0) / 3)
    assert metrics["mase"] == pytest.approx((2 + 5 + 0) / 3 / 2)
    # signs of change from the anchors: actual (-, +, -), forecast (+, +, -)
    assert metrics["directional_accuracy"] == pytest.approx(2 / 3)


def test_naive_scale_is_the_in_sample_one_step_error():
    assert naive_scale(np.array([[1.0, 10.0], [4.0, 10.0], [2.0, 10.0]])).tolist() == [2.5, 1.0]  # constant -> 1


def test_smape_and_direction_edge_cases():
    assert smape(np.array([0.0]), np.array([0.0])) == 0.0
    assert directional_accuracy(np.array([[[5.0]]]), np.array([[[5.0]]]), np.array([[5.0]])) == 1.0


def test_classification_metrics_hand_computed():
    metrics = classification_metrics(np.array([1, 1, 1, 0]), np.array([1, 1, 0, 0]))
    assert metrics["accuracy"] == 0.75
    assert metrics["balanced_accuracy"] == pytest.approx((2 / 3 + 1) / 2)
