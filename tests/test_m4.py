"""The M4 competition's protocol: Naive2 reproduces the competition's hourly figures from the shared
files, the seasonal indices are R's `decompose`, and the scores are M4's sMAPE, MASE and OWA."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsrnn.errors import DataError
from tsrnn.evaluation import m4

from .conftest import SHARED

M4_HOURLY = SHARED / "m4_hourly" / "m4_hourly.csv.gz"


@pytest.mark.skipif(not M4_HOURLY.exists(), reason="needs ../shared/datasets/m4_hourly")
def test_naive2_and_the_naive_forecasts_reproduce_the_competitions_hourly_figures():
    table = pd.read_csv(M4_HOURLY)
    panel = {name: group["value"].to_numpy() for name, group in table.groupby("series", sort=False)}
    insample, actual = m4.holdout(panel, m4.HOURLY_HORIZON)
    forecasts = {"naive": {name: m4.naive(values, 48) for name, values in insample.items()},
                 "seasonal_naive": {name: m4.seasonal_naive(values, 48, 24) for name, values in insample.items()}}
    scores = m4.score(insample, actual, forecasts, m4.HOURLY_PERIOD)
    assert len(scores["naive2"]["series"]) == 414
    assert (round(scores["naive2"]["mase"], 3), round(scores["naive2"]["smape"], 3)) == (2.395, 18.383)
    assert (round(scores["naive"]["mase"], 3), round(scores["naive"]["smape"], 3)) == (11.608, 43.003)
    assert round(scores["seasonal_naive"]["mase"], 3) == 1.193 and scores["naive2"]["owa"] == 1.0


def test_seasonal_indices_recover_a_multiplicative_season_and_naive2_follows_it():
    pattern = np.array([0.8, 1.0, 1.3, 0.9])
    rows = np.arange(4 * 30)
    values = (100 + 0.5 * rows) * pattern[rows % 4]
    indices = m4.seasonal_indices(values, 4)
    np.testing.assert_allclose(indices[:4], pattern / pattern.mean(), rtol=2e-3)
    forecast = m4.naive2(values, 6, 4)
    deseasonalised_last = values[-1] / indices[-1]
    np.testing.assert_allclose(forecast, deseasonalised_last * indices[-4:][np.arange(6) % 4])
    assert m4.seasonality_test(values, 4) and not m4.seasonality_test(values[:11], 4)  # fewer than three seasons
    flat = np.random.default_rng(1).normal(100, 1, 200)
    np.testing.assert_array_equal(m4.naive2(flat, 3, 4), np.full(3, flat[-1]))  # no season found: plain naive


def test_a_constant_series_has_no_season_and_its_naive2_is_its_value():
    """A series flat over its training rows (a sensor at rest, a price held) made the
    autocorrelation divide by zero; it has no season, so Naive2 forecasts its last value."""
    from tsrnn.forecasting.baselines import Naive2Forecaster

    assert not m4.seasonality_test(np.full(40, 3.0), 4)
    frame = pd.DataFrame({"y": np.full(40, 3.0)})
    np.testing.assert_array_equal(Naive2Forecaster(period=4, lookback=4, horizon=2, target="y").fit(frame)
                                  .forecast_levels(frame, range(30, 32))[:, :, 0], np.full((2, 2), 3.0))


def test_the_naive2_baseline_forecasts_as_m4s_naive2_and_survives_a_run_directory():
    import pandas as pd

    from tsrnn.forecasting.baselines import Naive2Forecaster, baseline_from_state

    pattern = np.array([0.8, 1.0, 1.3, 0.9])
    rows = np.arange(4 * 30 + 3)  # the last row is not the season's end
    values = (100 + 0.5 * rows) * pattern[rows % 4]
    flat = np.random.default_rng(1).normal(100, 1, len(rows))
    for series in (values, flat):
        frame = pd.DataFrame({"y": series})
        baseline = Naive2Forecaster(period=4, lookback=4, horizon=6, target="y").fit(frame)
        last = range(len(frame) - 1, len(frame))
        np.testing.assert_allclose(baseline.forecast_levels(frame, last)[0, :, 0], m4.naive2(series, 6, 4), rtol=1e-12)
        again = baseline_from_state(baseline.to_state())
        np.testing.assert_array_equal(again.forecast_levels(frame, range(20, 40)), baseline.forecast_levels(frame, range(20, 40)))


def test_a_panel_reports_owa_against_naive2():
    SPLIT = {"how": "date", "validation_start": "2024-01-01T00:00:00", "test_start": "2024-02-01T00:00:00"}
    from tsrnn.cli.tables import _panel_table
    from tsrnn.forecasting.comparison import pooled_scores

    per_series = {"a": {"windows": 2, "model": {"mase": 1.0, "smape": 0.1}, "naive2": {"mase": 2.0, "smape": 0.1}},
                  "b": {"windows": 2, "model": {"mase": 2.0, "smape": 0.3}, "naive2": {"mase": 2.0, "smape": 0.3}}}
    pooled = pooled_scores(per_series)
    assert pooled["model"]["owa"] == 0.5 * (0.2 / 0.2 + 1.5 / 2.0) and pooled["naive2"]["owa"] == 1.0
    table = _panel_table({"series": ["a", "b"], "split": SPLIT,
                          "test": {"series": per_series, "pooled": pooled}})
    assert "OWA (vs naive2)                  0.875             1.000" in table
    renamed = {name: {("seasonal_naive" if k == "naive2" else k): v for k, v in s.items()} for name, s in per_series.items()}
    assert "OWA" not in _panel_table({"series": ["a", "b"], "split": SPLIT,
                                      "test": {"series": renamed, "pooled": pooled_scores(renamed)}})  # no Naive2, no OWA


def test_the_scores_are_m4s_and_refuse_forecasts_of_the_wrong_shape():
    insample = {"a": np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), "b": np.array([10.0, 12.0, 11.0, 13.0, 12.0, 14.0])}
    actual = {"a": np.array([7.0, 8.0]), "b": np.array([10.0, 12.0])}
    perfect = {"perfect": {name: values.copy() for name, values in actual.items()},
               "naive2": {name: np.full(2, values[-1]) for name, values in insample.items()}}
    scores = m4.score(insample, actual, perfect, period=2)
    assert scores["perfect"]["mase"] == 0 and scores["perfect"]["owa"] == 0
    # a's seasonal differences (lag 2) are all 2; the naive forecast 6 misses 7 and 8 by 1 and 2
    assert scores["naive2"]["series"]["a"]["mase"] == pytest.approx((1 + 2) / 2 / 2)
    assert scores["naive2"]["series"]["a"]["smape"] == pytest.approx(np.mean([200 * 1 / 13, 200 * 2 / 14]))
    with pytest.raises(DataError, match="has \\(3,\\) forecasts, the task asks for \\(2,\\)"):
        m4.score(insample, actual, {"bad": {"a": np.ones(3), "b": np.ones(2)}}, period=2)
    with pytest.raises(DataError, match="no forecast for 1 series"):
        m4.score(insample, actual, {"bad": {"a": np.ones(2)}}, period=2)
    with pytest.raises(DataError, match="b: its in-sample values repeat every 2 rows"):
        m4.score({**insample, "b": np.array([10.0, 12.0] * 3)}, actual, perfect, period=2)
    with pytest.raises(DataError, match="no more than 6 rows"):
        m4.holdout(insample, 6)


@pytest.mark.skipif(not M4_HOURLY.exists(), reason="needs ../shared/datasets/m4_hourly")
def test_a_saved_m4_fit_reloads_to_the_same_scores_and_its_variants(tmp_path):
    """`bench/m4.py --save` then `bench/m4_combinations.py`, reduced to three series and one epoch:
    the reloaded fit's own combination scores what the run scored."""
    import json
    import subprocess
    import sys

    from .conftest import REPO

    fit = [sys.executable, "bench/m4.py", "--series", "3", "--validation", "--set", "epochs=1", "--set", "units=2",
           "--save", str(tmp_path / "saved"), "--out", str(tmp_path / "run.json")]
    completed = subprocess.run(fit, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-2000:]
    reload = [sys.executable, "bench/m4_combinations.py", str(tmp_path / "saved" / "seed0"), "--validation",
              "--out", str(tmp_path / "variants.json")]
    completed = subprocess.run(reload, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-2000:]
    run, variants = (json.loads((tmp_path / name).read_text()) for name in ("run.json", "variants.json"))
    assert variants["fit"]["params"] == {"epochs": 1, "units": 2} and variants["series"] == 3
    assert variants["variants"]["chosen"]["mase"] == run["runs"][0]["mase"]
    assert variants["combination_pooling"] == run["runs"][0]["choices"]["combination_pooling"]
    assert variants["combination_temperature"] == run["runs"][0]["choices"]["combination_temperature"]
    assert variants["variants"]["fixed_0_0"]["series_equal_to_seasonal_naive"] == 3 or \
        run["runs"][0]["choices"]["target_anchor"] != "season"  # with the season's anchor, (0, 0) is seasonal naive
    assert variants["variants"]["network"]["mase"] == variants["variants"]["fixed_1_0"]["mase"]
