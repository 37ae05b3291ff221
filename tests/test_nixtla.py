"""The Nixtla tools' long frames, in and out: a `unique_id, ds, y` frame is a panel without options,
and `predict(long=True)` answers in their layout, so utilsforecast scores tsrnn next to
statsforecast's models on one frame."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import require_backend
from tsrnn import Forecaster
from tsrnn.cli import main

HORIZON = 12
TINY = dict(horizon=HORIZON, units=4, epochs=2, batch_size=32, seed=0, verbose=0)


@pytest.fixture(scope="module")
def long() -> pd.DataFrame:
    """Two monthly series of the shipped seasonal data, of different lengths, as one long frame."""
    frames = []
    for name in ("airpassengers", "wineind"):
        frame = pd.read_csv(f"datasets/seasonal/{name}.csv", parse_dates=["Date"])
        frames.append(pd.DataFrame({"unique_id": name, "ds": frame["Date"], "y": frame.iloc[:, 1].astype(float)}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def train_test(long):
    test = long.groupby("unique_id").tail(HORIZON)
    return long.drop(test.index), test


@pytest.fixture(scope="module")
def fitted(train_test):
    train, _ = train_test
    return Forecaster(**TINY).fit(train)  # no id_column, no target, no date column named


def test_a_nixtla_frame_is_a_panel_without_options(fitted, train_test):
    train, _ = train_test
    assert fitted.panel_ and fitted.id_column_ == "unique_id" and set(fitted.series_) == {"airpassengers", "wineind"}
    assert fitted.window_spec_.target_columns == ("y",)
    wide = fitted.predict(train)
    assert set(wide["series"]) == {"airpassengers", "wineind"}


def test_predict_long_is_the_nixtla_layout_of_the_forecast_beyond_the_data(fitted, train_test):
    train, test = train_test
    ours = fitted.predict(train, level=[80, 95], long=True)
    assert list(ours.columns) == ["unique_id", "ds", "tsrnn", "tsrnn-lo-80", "tsrnn-hi-80", "tsrnn-lo-95", "tsrnn-hi-95"]
    merged = test.merge(ours, on=["unique_id", "ds"], how="left")
    assert len(merged) == 2 * HORIZON and merged["tsrnn"].notna().all()  # the steps fall on the held-out dates
    assert (merged["tsrnn-lo-95"] <= merged["tsrnn-lo-80"]).all() and (merged["tsrnn-hi-80"] <= merged["tsrnn-hi-95"]).all()
    wide = fitted.predict(train).groupby("series").tail(1).set_index("series")
    for name, rows in ours.groupby("unique_id"):
        np.testing.assert_allclose(rows["tsrnn"].to_numpy(), wide.loc[name, [f"y_t+{k}" for k in range(1, HORIZON + 1)]]
                                   .to_numpy(dtype=float))


def test_utilsforecast_scores_tsrnn_next_to_statsforecast(fitted, train_test):
    require_backend("statsforecast", extra="nixtla")
    require_backend("utilsforecast", extra="nixtla")
    from statsforecast import StatsForecast
    from statsforecast.models import Naive, SeasonalNaive
    from utilsforecast.evaluation import evaluate
    from utilsforecast.losses import mae, smape

    train, test = train_test
    theirs = StatsForecast(models=[SeasonalNaive(season_length=12), Naive()], freq="MS").forecast(df=train, h=HORIZON)
    ours = fitted.predict(train, long=True)
    frame = test.merge(theirs, on=["unique_id", "ds"]).merge(ours, on=["unique_id", "ds"])
    assert len(frame) == 2 * HORIZON
    scores = evaluate(frame, metrics=[mae, smape])
    assert {"tsrnn", "SeasonalNaive", "Naive"} <= set(scores.columns)
    assert set(scores["unique_id"]) == {"airpassengers", "wineind"} and np.isfinite(scores["tsrnn"]).all()
    by_hand = (frame["y"] - frame["tsrnn"]).abs().groupby(frame["unique_id"]).mean()
    measured = scores[scores["metric"] == "mae"].set_index("unique_id")["tsrnn"]
    np.testing.assert_allclose(measured.sort_index().to_numpy(), by_hand.sort_index().to_numpy())


def test_the_cli_reads_a_nixtla_csv_as_a_panel(train_test, tmp_path):
    train, _ = train_test
    train.to_csv(tmp_path / "long.csv", index=False)
    runner = CliRunner()
    result = runner.invoke(main, ["fit", str(tmp_path / "long.csv"), "--horizon", "3", "--units", "4", "--epochs", "1",
                                  "--seed", "0", "-q", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "airpassengers" in result.output and "wineind" in result.output
