"""Future covariates and calendars (`tsrnn.features.covariates`): what the window sees, that nothing after a
window's end other than known-in-advance values reaches the model, forecasts that need future rows,
and dates after the data from an exchange calendar."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import require_backend
from tsrnn import Forecaster
from tsrnn.errors import ConfigError, DataError
from tsrnn.features.covariates import add_future_inputs, default_encodings, encode_dates, future_dates

FAST = dict(model="gru", units=4, epochs=2, batch_size=32, seed=0, lookback=7, target_transform="difference")


def promo_series(rows: int = 400, seed: int = 0, start: str = "2020-01-01") -> pd.DataFrame:
    """Daily sales lifted by 20 on promotion days (known in advance), with a weekly cycle and a past
    covariate (the weather) that does not matter."""
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=rows, freq="D")
    promo = (rng.random(rows) < 0.25).astype(float)
    sales = 100 + 20 * promo + 5 * np.sin(2 * np.pi * index.day_of_week / 7) + rng.normal(0, 1, rows)
    return pd.DataFrame({"sales": sales, "promo": promo, "weather": rng.normal(size=rows)}, index=index)


def test_leads_hold_the_covariate_at_each_target_step_and_future_rows_after_the_data():
    frame = promo_series(10)[["sales", "promo"]]
    future = pd.DataFrame({"promo": [7.0, 8.0]}, index=frame.index[-1] + pd.to_timedelta([1, 2], unit="D"))
    derived = add_future_inputs(frame, ("promo",), (), gap=1, horizon=2, future=future)
    promo = np.r_[frame["promo"].to_numpy(), 7.0, 8.0, np.nan]  # two future rows given, the third unknown
    np.testing.assert_array_equal(derived["promo@t+2"], promo[2:12])
    np.testing.assert_array_equal(derived["promo@t+3"], promo[3:13])
    assert "promo@t+1" not in derived  # a gap step has no target: no input for it
    unknown = add_future_inputs(frame, ("promo",), (), gap=0, horizon=2)["promo@t+2"]
    assert unknown.isna().tolist() == [False] * 8 + [True] * 2


def test_calendar_encodings_follow_the_spacing_and_the_dates():
    assert default_encodings(pd.date_range("2024-01-01", periods=5, freq="30min")) == ("hour", "day_of_week")
    assert default_encodings(pd.bdate_range("2024-01-01", periods=5)) == ("day_of_week", "day_of_month", "month")
    assert default_encodings(pd.date_range("2024-01-01", periods=5, freq="QS")) == ("month",)
    with pytest.raises(DataError, match="yearly"):
        default_encodings(pd.date_range("2000-01-01", periods=5, freq="YS"))
    encoded = encode_dates(pd.DatetimeIndex(["2024-01-01 06:00", "2024-01-03 18:00"]), ["hour", "day_of_week"])
    np.testing.assert_allclose(encoded["hour_sin"], [1.0, -1.0], atol=1e-12)  # 6h and 18h: a quarter and three quarters
    np.testing.assert_allclose(encoded["day_of_week_cos"], np.cos(2 * np.pi * np.array([0, 2]) / 7))


def test_dates_after_the_data_follow_the_exchange_calendar_or_the_spacing():
    require_backend("exchange_calendars", extra="calendars")
    friday = pd.bdate_range("2024-11-18", "2024-11-29")  # Thanksgiving (Thu 28th) inside: the spacing is irregular
    assert future_dates(friday, 3, "XNYS").strftime("%Y-%m-%d").tolist() == ["2024-12-02", "2024-12-03", "2024-12-04"]
    before_holiday = pd.DatetimeIndex(["2024-12-20", "2024-12-23", "2024-12-24"])
    assert future_dates(before_holiday, 2, "XNYS").strftime("%m-%d").tolist() == ["12-26", "12-27"]
    assert future_dates(before_holiday, 2).strftime("%m-%d").tolist() == ["12-25", "12-26"]  # weekdays, no holidays
    assert future_dates(pd.date_range("2024-01-31", periods=3, freq="ME"), 1)[0] == pd.Timestamp("2024-04-30")
    with pytest.raises(ConfigError, match="unknown exchange calendar"):
        future_dates(friday, 1, "NOPE")


@pytest.fixture(scope="module")
def promo_forecasters():
    data = promo_series()
    with_future = Forecaster(target="sales", features=["sales", "weather"], future_features=["promo"], calendar=True,
                             calendar_name=None, **FAST).fit(data)
    without = Forecaster(target="sales", features=["sales", "weather"], **FAST).fit(data)
    return data, with_future, without


def test_a_known_future_covariate_is_used_and_beats_the_model_without_it(promo_forecasters):
    data, with_future, without = promo_forecasters
    assert with_future.window_spec_.inputs == ("sales", "weather", "promo@t+1", "day_of_week_sin@t+1",
                                              "day_of_week_cos@t+1", "day_of_month_sin@t+1", "day_of_month_cos@t+1",
                                              "month_sin@t+1", "month_cos@t+1")
    start = with_future.split_["test_start"]
    covariate = with_future.evaluate(data, start=start)["model"]["mase"]
    plain = without.evaluate(data, start=start)["model"]["mase"]
    assert covariate < 0.5 * plain, (covariate, plain)


def _next_day(frame: pd.DataFrame, promo: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame({"promo": [promo]}, index=[frame.index[-1] + pd.Timedelta(days=1)])


def test_no_past_value_after_a_window_end_reaches_the_model_only_known_future_ones(promo_forecasters):
    data, forecaster, _ = promo_forecasters
    end = 300  # the window ending at row 300 forecasts row 301
    base = forecaster.predict(data.iloc[:340], future=_next_day(data.iloc[:340])).loc[data.index[end]]
    changed = data.iloc[:340].copy()
    changed.iloc[end + 1:, changed.columns.get_loc("sales")] *= 3.0  # targets and the past covariate after the end
    changed.iloc[end + 1:, changed.columns.get_loc("weather")] += 50.0
    changed.iloc[end + 2:, changed.columns.get_loc("promo")] = 1 - changed["promo"].iloc[end + 2:]  # beyond the horizon
    pd.testing.assert_series_equal(forecaster.predict(changed, future=_next_day(changed)).loc[data.index[end]], base)
    flipped = data.iloc[:340].copy()
    flipped.iloc[end + 1, flipped.columns.get_loc("promo")] = 1 - flipped["promo"].iloc[end + 1]  # the target's own day
    moved = forecaster.predict(flipped, future=_next_day(flipped)).loc[data.index[end], "sales_t+1"] - base["sales_t+1"]
    assert abs(moved) > 5.0, moved  # a promotion is worth about 20


def test_forecasts_beyond_the_data_need_the_future_rows(promo_forecasters, tmp_path):
    data, forecaster, _ = promo_forecasters
    with pytest.raises(DataError, match=r"future covariate\(s\) promo .* future"):
        forecaster.predict(data)
    after = data.index[-1] + pd.Timedelta(days=1)
    on = forecaster.predict(data, future=pd.DataFrame({"promo": [1.0]}, index=[after]), dates=True).iloc[-1]
    off = forecaster.predict(data, future=pd.DataFrame({"promo": [0.0]}, index=[after])).iloc[-1]
    assert on["date_t+1"] == after and on["sales_t+1"] - off["sales_t+1"] > 5.0
    with pytest.raises(DataError, match="lack the future covariate"):
        forecaster.predict(data, future=pd.DataFrame({"other": [1.0]}, index=[after]))
    saved = Forecaster.load(forecaster.save(tmp_path / "run"))
    assert saved.window_spec_.calendar == ("day_of_week", "day_of_month", "month")
    future_csv = tmp_path / "future.csv"
    pd.DataFrame({"Date": [after.date()], "promo": [1.0]}).to_csv(future_csv, index=False)
    assert saved.predict(data, future=future_csv).iloc[-1]["sales_t+1"] == pytest.approx(on["sales_t+1"], rel=1e-5)


def test_covariates_are_refused_where_they_cannot_apply(tmp_path):
    data = promo_series(200)
    with pytest.raises(ConfigError, match="classifier takes none"):
        Forecaster(target="sales", task="classification", future_features=["promo"], **FAST).fit(data)
    with pytest.raises(ConfigError, match="both a future covariate and a past input"):
        Forecaster(target="sales", features=["sales", "promo"], future_features=["promo"], **FAST).fit(data)
    with pytest.raises(ConfigError, match="unknown calendar encoding"):
        Forecaster(target="sales", calendar=["weekday"], **FAST).fit(data)
    with pytest.raises(DataError, match="'holiday' not found"):
        Forecaster(target="sales", future_features=["holiday"], **FAST).fit(data)


def test_a_panel_takes_future_covariates_per_series():
    panel = {"a": promo_series(300, seed=1), "b": promo_series(260, seed=2, start="2020-02-01")}
    forecaster = Forecaster(target="sales", future_features=["promo"], **FAST).fit(panel)
    with pytest.raises(DataError, match="series a: forecasts after"):
        forecaster.predict(panel)
    future = {name: pd.DataFrame({"promo": [1.0]}, index=[frame.index[-1] + pd.Timedelta(days=1)])
              for name, frame in panel.items()}
    table = forecaster.predict(panel, future=future, dates=True)
    last = table.groupby("series").tail(1).set_index("series")
    assert last.loc["b", "date_t+1"] == panel["b"].index[-1] + pd.Timedelta(days=1)
    written = {name: pd.concat([frame, future[name]]) for name, frame in panel.items()}  # rows with empty targets
    from_rows = forecaster.predict(written).groupby("series").tail(1).set_index("series")
    pd.testing.assert_series_equal(from_rows["sales_t+1"], last["sales_t+1"])
    pooled = forecaster.evaluate(panel, part="test")["pooled"]
    assert pooled["model"]["mean_mase"] < 0.6 * pooled["naive_last_value"]["mean_mase"]


def test_future_rows_written_in_the_data_below_the_last_target_are_read(promo_forecasters):
    data, forecaster, _ = promo_forecasters
    after = data.index[-1] + pd.Timedelta(days=1)
    given = forecaster.predict(data, future=pd.DataFrame({"promo": [1.0]}, index=[after])).iloc[-1]
    written = pd.concat([data, pd.DataFrame({"promo": [1.0]}, index=[after])])  # sales and weather empty
    assert written["sales"].isna().iloc[-1]
    table = forecaster.predict(written)
    assert table.index[-1] == data.index[-1]
    pd.testing.assert_series_equal(table.iloc[-1], given)
    with pytest.raises(DataError, match="given twice"):
        forecaster.predict(written, future=pd.DataFrame({"promo": [1.0]}, index=[after]))
    with pytest.raises(DataError, match="missing or non-numeric"):
        forecaster.predict(pd.concat([data, pd.DataFrame({"promo": [np.nan]}, index=[after])]))


def test_cli_fits_with_covariates_and_predicts_with_future_rows(tmp_path):
    require_backend("exchange_calendars", extra="calendars")
    data = promo_series(302, start="2023-06-01")  # to Thursday 2024-03-28, the eve of Good Friday
    data = data[data.index.day_of_week < 5]
    data.rename_axis("Date").to_csv(tmp_path / "sales.csv")
    run = tmp_path / "run"
    cli = [sys.executable, "-m", "tsrnn.cli"]
    fitted = subprocess.run(cli + ["fit", str(tmp_path / "sales.csv"), "--target", "sales", "--future-features", "promo",
                                   "--calendar", "--calendar-name", "XNYS", "--lookback", "5", "--units", "4",
                                   "--epochs", "1", "--seed", "0", "-q", "--out", str(run)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert fitted.returncode == 0, fitted.stderr
    assert json.loads((run / "run.json").read_text())["window_spec"]["future_columns"] == ["promo"]
    refused = subprocess.run(cli + ["predict", str(run), str(tmp_path / "sales.csv"), "-o", str(tmp_path / "f.csv")],
                             capture_output=True, text=True, cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and "--future FILE" in refused.stderr
    assert not (tmp_path / "f.csv").exists()
    last = data.index[-1]
    following = future_dates(data.index, 1, "XNYS")[0]
    assert following == pd.Timestamp("2024-04-01")  # after Good Friday and the weekend
    pd.DataFrame({"Date": [following.date()], "promo": [1.0]}).to_csv(tmp_path / "future.csv", index=False)
    done = subprocess.run(cli + ["predict", str(run), str(tmp_path / "sales.csv"), "--future", str(tmp_path / "future.csv"),
                                 "--dates", "-o", str(tmp_path / "f.csv")], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    forecast = pd.read_csv(tmp_path / "f.csv", index_col=0, parse_dates=[0, 2])
    assert forecast.index[-1] == last and forecast["date_t+1"].iloc[-1] == following > last + pd.Timedelta(days=1)
    # the same future row written below the data, with an empty target, instead of --future
    with_row = pd.concat([data, pd.DataFrame({"promo": [1.0]}, index=[following])]).rename_axis("Date")
    with_row.to_csv(tmp_path / "sales_and_future.csv")
    done = subprocess.run(cli + ["predict", str(run), str(tmp_path / "sales_and_future.csv"), "-o", str(tmp_path / "g.csv")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    pd.testing.assert_series_equal(pd.read_csv(tmp_path / "g.csv", index_col=0).iloc[-1],
                                   forecast.iloc[-1].drop("date_t+1").astype(float), check_names=False)


# ---------------------------------------------------------------- static covariates and series embedding
def two_kinds(count: int = 6, rows: int = 400, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Series whose daily changes follow AR(1) with +0.8 (kind 1) or -0.8 (kind -1): from a short
    window one global model cannot tell the kinds apart, a static covariate or a series vector can."""
    rng, panel = np.random.default_rng(seed), {}
    for i in range(count):
        phi = 0.8 if i % 2 == 0 else -0.8
        changes = np.zeros(rows)
        for t in range(1, rows):
            changes[t] = phi * changes[t - 1] + rng.normal()
        panel[f"s{i}"] = pd.DataFrame({"y": 100 + np.cumsum(changes), "kind": np.sign(phi)},
                                      index=pd.date_range("2020-01-01", periods=rows, freq="D"))
    return panel


# A learning rate above the default: under the absolute-error loss the validation loss stays flat for
# the first epochs after the linear start, longer than early stopping's patience on this small toy.
KINDS = dict(target="y", lookback=3, target_transform="difference", model="gru", units=8, epochs=15, seed=0, batch_size=32,
             learning_rate=3e-3)


@pytest.fixture(scope="module")
def kinds_fitted():
    panel = two_kinds()
    return panel, {name: Forecaster(**KINDS, **extra).fit(panel) for name, extra in
                   (("plain", {}), ("static", {"static_features": ["kind"]}), ("embedding", {"series_embedding": 2}))}


def test_a_static_covariate_or_a_series_embedding_tells_the_series_apart(kinds_fitted):
    panel, fitted = kinds_fitted
    mase = {name: forecaster.evaluate(panel)["pooled"]["model"]["mean_mase"] for name, forecaster in fitted.items()}
    assert mase["static"] < 0.92 * mase["plain"] and mase["embedding"] < 0.92 * mase["plain"], mase
    assert fitted["static"].identity_.mean == (0.0,) and fitted["static"].identity_.scale == (1.0,)
    assert fitted["embedding"].holdout_model_.get_layer("series_embedding").slots == 7  # six series and the unknown one


def test_static_covariates_reach_the_model_and_unseen_series_need_theirs(kinds_fitted, tmp_path):
    panel, fitted = kinds_fitted
    forecaster = fitted["static"]
    new = {"new": panel["s0"].drop(columns="kind")}
    with pytest.raises(DataError, match="series new: static covariate"):
        forecaster.predict(new)
    table = tmp_path / "static.csv"
    pd.DataFrame({"series": ["new"], "kind": [1.0]}).to_csv(table, index=False)
    as_kind = forecaster.predict(new, static=table)
    # the same unseen series with its kind in a constant column (s0's own rows: s0's own forecast would
    # also carry the combination weights its validation windows chose)
    pd.testing.assert_frame_equal(as_kind, forecaster.predict({"new": panel["s0"]}))
    other = forecaster.predict(new, static=pd.DataFrame({"kind": [-1.0]}, index=["new"]))
    assert np.abs(other["y_t+1"] - as_kind["y_t+1"]).mean() > 0.1
    changing = {"bad": panel["s1"].assign(kind=np.arange(len(panel["s1"])))}
    with pytest.raises(DataError, match="takes 400 values over time"):
        Forecaster(**{**KINDS, "epochs": 1}, static_features=["kind"]).fit({**panel, **changing})
    with pytest.raises(ConfigError, match="describe the series of a panel; give a panel"):
        Forecaster(target="y", static_features=["kind"]).fit(panel["s0"])


def test_the_one_series_methods_read_an_unseen_series_static_covariates_as_predict_does(kinds_fitted):
    """forecast_levels, transformed_forecast, forecast_windows and forecast_frame forecast a series
    training did not see from its own constant column, as predict does (they raised that it had none)."""
    panel, fitted = kinds_fitted
    forecaster, new = fitted["static"], {"new": panel["s1"]}
    ends = range(300, 310)
    predicted = forecaster.predict(new).set_index("date")["y_t+1"].loc[panel["s1"].index[ends.start:ends.stop]]
    np.testing.assert_allclose(forecaster.forecast_levels(new, ends)[:, 0, 0], predicted.to_numpy(), rtol=1e-6)
    found = forecaster.forecast_windows({"new": (new, ends), "seen": ({"s0": panel["s0"]}, ends)})
    np.testing.assert_allclose(found["new"].levels[:, 0, 0], predicted.to_numpy(), rtol=1e-6)
    assert forecaster.forecast_frame(new)["forecast"].notna().all()


def test_an_embedded_panel_saves_loads_and_forecasts_an_unseen_series(kinds_fitted, tmp_path):
    panel, fitted = kinds_fitted
    forecaster = fitted["embedding"]
    loaded = Forecaster.load(forecaster.save(tmp_path / "run"))
    pd.testing.assert_frame_equal(loaded.predict(panel), forecaster.predict(panel))
    unseen = loaded.predict({"new": panel["s2"]})
    seen = loaded.predict(panel).query("series == 's2'")
    assert np.isfinite(unseen["y_t+1"]).all()
    assert not np.allclose(unseen["y_t+1"].to_numpy(), seen["y_t+1"].to_numpy())  # slot 0, not s2's vector


def test_cli_fits_a_panel_with_static_covariates_and_an_embedding(tmp_path):
    folder = tmp_path / "panel"
    folder.mkdir()
    for name, frame in two_kinds(4, 200).items():
        frame.rename_axis("Date").to_csv(folder / f"{name}.csv")
    cli = [sys.executable, "-m", "tsrnn.cli"]
    run = tmp_path / "run"
    fitted = subprocess.run(cli + ["fit", str(folder), "--target", "y", "--static-features", "kind", "--series-embedding", "2",
                                   "--lookback", "3", "--units", "4", "--epochs", "1", "-q", "--out", str(run)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert fitted.returncode == 0, fitted.stderr
    identity = json.loads((run / "run.json").read_text())["identity"]
    assert identity["static_columns"] == ["kind"] and sorted(identity["slots"].values()) == [1, 2, 3, 4]
    new = tmp_path / "new"
    new.mkdir()
    two_kinds(1, 60, seed=5)["s0"].drop(columns="kind").rename_axis("Date").to_csv(new / "fresh.csv")
    refused = subprocess.run(cli + ["predict", str(run), str(new)], capture_output=True, text=True, cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and "series fresh: static covariate" in refused.stderr
    pd.DataFrame({"series": ["fresh"], "kind": [1.0]}).to_csv(tmp_path / "static.csv", index=False)
    done = subprocess.run(cli + ["predict", str(run), str(new), "--static", str(tmp_path / "static.csv")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    forecast = pd.read_csv(io.StringIO(done.stdout))
    assert set(forecast["series"]) == {"fresh"} and np.isfinite(forecast["y_t+1"]).all()


def test_future_rows_may_carry_their_date_column_as_the_data_does():
    index = pd.date_range("2020-01-01", periods=200)
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"Date": index, "sales": 100 + rng.normal(0, 1, 200).cumsum(),
                         "promo": rng.integers(0, 2, 200).astype(float)})
    forecaster = Forecaster(target="sales", future_features=["promo"], lookback=10, units=4, epochs=1, seed=0).fit(data)
    dated = pd.DataFrame({"Date": [index[-1] + pd.Timedelta(days=1)], "promo": [1.0]})
    with_column = forecaster.predict(data, future=dated).iloc[-1]
    pd.testing.assert_series_equal(with_column, forecaster.predict(data, future=dated.set_index("Date")).iloc[-1])
