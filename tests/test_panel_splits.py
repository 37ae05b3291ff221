"""Panels whose series end at different times: split per series by default (each series' own last
rows), so every series with enough rows is validated and scored; split by date on request, where a
series that ends early is named with the reason it is not scored; the printed table says so."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn.cli import main
from tsrnn.cli.tables import _panel_notes
from tsrnn.errors import ConfigError
from tsrnn.features.splits import DateSplit, SeriesSplit, split_from_dict, split_panel
from tsrnn.features.windowing import target_rows
from tsrnn.forecasting.forecaster import Forecaster
from tsrnn.forecasting.runs import fit_run
from tsrnn.io.tables import read_series

TINY = dict(lookback=10, units=4, epochs=2, batch_size=32, seed=0)


@pytest.fixture(scope="module")
def ragged() -> dict[str, pd.DataFrame]:
    """Two series over 400 business days and one that stops 260 rows (about a year) earlier."""
    prices = read_series("datasets/sp500.csv").iloc[:400][["Close"]]
    steps = np.random.default_rng(3).normal(0, 0.01, 140)
    early = pd.DataFrame({"Close": 20 * np.exp(np.cumsum(steps))}, index=prices.index[:140])
    return {"SPX": prices, "HALF": prices * 0.5, "EARLY": early}


def test_auto_splits_by_date_when_the_series_end_together_and_per_series_when_not(ragged):
    together = {name: frame for name, frame in ragged.items() if name != "EARLY"}
    assert isinstance(split_panel(together, "auto", 0.15, 0.15), DateSplit)
    split = split_panel(ragged, "auto", 0.15, 0.15)
    assert isinstance(split, SeriesSplit)
    early = split.bounds(ragged["EARLY"].index, "EARLY")
    assert (early.train_end, early.validation_end, early.rows) == (98, 119, 140)  # its own last 15 % and 15 %
    with pytest.raises(ConfigError, match="split must be one of"):
        split_panel(ragged, "by_date", 0.15, 0.15)


def test_a_series_split_round_trips_and_keeps_each_series_at_its_dates(ragged):
    split = split_panel(ragged, "series", 0.15, 0.15)
    again = split_from_dict(json.loads(json.dumps(split.to_dict())))
    assert again == split
    longer = read_series("datasets/sp500.csv").iloc[:450][["Close"]]  # the same series, 50 rows later
    assert again.bounds(longer.index, "SPX").train_end == split.bounds(ragged["SPX"].index, "SPX").train_end
    assert split_from_dict({"validation_start": "2020-01-01", "test_start": "2020-02-01"}) == DateSplit(
        pd.Timestamp("2020-01-01"), pd.Timestamp("2020-02-01"))  # runs written by 0.1.0


def test_a_series_that_ends_a_year_early_is_validated_and_scored_and_nothing_leaks_within_a_series(ragged, tmp_path):
    result = fit_run(Forecaster(**TINY), ragged, tmp_path / "run")
    test = result.metrics["test"]
    assert set(test["series"]) == set(ragged) and test["not_scored"] == {}
    forecaster = Forecaster.load(tmp_path / "run")
    assert forecaster.series_["EARLY"].windows["validation"] > 0
    spec = forecaster.window_spec_
    for name, frame in ragged.items():
        bounds = forecaster.data_split_.bounds(frame.index, name)
        last_training_target = target_rows(bounds.ends("train", spec), spec).max()
        first_test_target = target_rows(bounds.ends("test", spec), spec).min()
        assert last_training_target < bounds.train_end <= bounds.validation_end <= first_test_target


def test_split_by_date_names_the_early_series_and_why_it_is_not_scored(ragged):
    fitted = Forecaster(**TINY, split="date").fit(ragged)
    test = fitted.evaluate(ragged, part="test")
    assert set(test["series"]) == {"SPX", "HALF"}
    assert test["not_scored"] == {"EARLY": f"its rows end {ragged['EARLY'].index[-1].date()}, before the test period"}


def test_the_cli_table_says_how_it_split_and_names_what_it_could_not_score(ragged, tmp_path):
    folder = tmp_path / "panel"
    folder.mkdir()
    for name, frame in ragged.items():
        frame.to_csv(folder / f"{name}.csv")
    args = ["--lookback", "10", "--units", "4", "--epochs", "2", "--batch-size", "32", "--seed", "0", "-q"]
    result = CliRunner().invoke(main, ["fit", str(folder), "--out", str(tmp_path / "auto"), *args])
    assert result.exit_code == 0, result.output
    assert "each series' own last 15% and 15% of rows" in result.output and "EARLY" in result.output
    result = CliRunner().invoke(main, ["fit", str(folder), "--split", "date", "--out", str(tmp_path / "date"), *args])
    assert result.exit_code == 0, result.output
    assert "not scored: EARLY (its rows end" in result.output
    result = CliRunner().invoke(main, ["fit", str(folder), "--split", "dates", "--out", str(tmp_path / "bad"), *args])
    assert result.exit_code == 2 and "--split" in result.output and not (tmp_path / "bad").exists()


def test_the_panel_table_notes_when_the_model_loses_to_a_baseline():
    def scores(model, naive):
        return {"model": {"mase": model}, "naive_last_value": {"mase": naive}}

    test = {"series": {"a": scores(1.2, 1.0), "b": scores(0.9, 1.0)},
            "pooled": {"model": {"mean_mase": 1.05}, "naive_last_value": {"mean_mase": 1.0}}, "not_scored": {}}
    assert _panel_notes(test) == ["note: the model did not beat the best baseline, naive (mean MASE 1.050 vs 1.000; "
                                  "better on 1 of 2 series)"]
    test["pooled"]["model"]["mean_mase"] = 0.95
    assert _panel_notes(test) == []
