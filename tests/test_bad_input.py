"""Every user mistake through every command: one line on stderr, exit code 2, no traceback, nothing left behind."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import keras
import pytest
from click.testing import CliRunner

from tsrnn.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import imdb_sentiment  # noqa: E402

TINY = ["--lookback", "5", "--units", "2", "--epochs", "1", "-q"]
HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"


def rows(count: int, close=lambda i: 100 + i) -> str:
    return "".join(f"2020-01-{1 + i // 28:02d}-{1 + i % 28:02d},1,1,1,{close(i)},1,1\n".replace("-01-0", "-0", 1)
                   for i in range(count))


def series_text(count: int = 60) -> str:
    import pandas as pd

    dates = pd.bdate_range("2020-01-01", periods=count)
    return HEADER + "".join(f"{d.date()},1,1,1,{100 + i},1,1\n" for i, d in enumerate(dates))


def with_line(line_number: int, text: str, count: int = 60) -> str:
    lines = series_text(count).splitlines(keepends=True)
    lines[line_number] = text
    return "".join(lines)


FIT_CASES = {
    "missing file": (None, [], "file not found"),
    "empty file": ("", [], "file is empty"),
    "binary file": (b"\x00\x01\x02PK\x03\x04", [], "looks like a binary file"),
    "not a CSV": ('{\n  "prices": [1, 2, 3],\n  "dates": ["a", "b"]\n}\n', [], "no date column found among {"),
    "header only": (HEADER, [], "no data rows"),
    "unknown column": (series_text(), ["--target", "Price"], "'Price' not found; available: Open, High, Low, Close"),
    "text in numeric column": (with_line(5, "2020-01-07,1,1,1,abc,1,1\n"), [], "non-numeric value(s) at 2020-01-07 ('abc')"),
    "NaN": (with_line(5, "2020-01-07,1,1,1,,1,1\n"), [], "NaN/inf value(s)"),
    "inf": (with_line(5, "2020-01-07,1,1,1,inf,1,1\n"), [], "--fill ffill|drop"),
    "unsorted dates": (with_line(5, "2019-06-01,1,1,1,100,1,1\n"), [], "not in increasing order"),
    "duplicate dates": (with_line(5, with_line(4, "x").splitlines(keepends=True)[5]), [], "duplicate date"),
    "unparseable date": (with_line(5, "someday,1,1,1,100,1,1\n"), [], "unparseable date"),
    "too few rows": (series_text(8), [], "too few for lookback 5"),
    "negative lookback": (series_text(), ["--lookback", "-3"], "--lookback must be an integer >= 1, got -3"),
    "zero horizon": (series_text(), ["--horizon", "0"], "--horizon must be an integer >= 1, got 0"),
    "fractions not below 1": (series_text(), ["--validation-fraction", "0.6", "--test-fraction", "0.4"], "must be below 1"),
    "unknown model": (series_text(), ["--model", "transformer"], "unknown model 'transformer'"),
    "bad option value": (series_text(), ["--epochs", "many"], "'many' is not a valid integer"),
    "negative values with log returns": (with_line(5, "2020-01-07,1,1,1,-5,1,1\n"), [], "--transform difference"),
    "percent among plain numbers": (with_line(5, "2020-01-07,1,1,1,1.5%,1,1\n"), [],
                                    "column 'Close' mixes percentages (2020-01-07: '1.5%') with plain numbers"),
    "K/M/B suffix among plain numbers": (with_line(5, "2020-01-07,1,1,1,3.5M,1,1\n"), [],
                                         "column 'Close' mixes K/M/B suffixes (2020-01-07: '3.5M') with plain numbers"),
    "dates written as numbers": (HEADER + "".join(f"{43831 + i},1,1,1,{100 + i},1,1\n" for i in range(60)), [],
                                 "column 'Date' holds numbers ('43831'), not dates; pass --date-format excel"),
    "UTC offsets mixed with naive times": (with_line(5, "2020-01-07T00:00:00-05:00,1,1,1,100,1,1\n"), [],
                                           "mixes timestamps with a UTC offset"),
    "unknown time zone": (series_text(), ["--timezone", "Mars/Olympus"], "timezone must be 'local', 'UTC' or a zone name"),
    "bad input transform": (series_text(), ["--input-transform", "Volume"], "--input-transform takes COLUMN=TRANSFORM"),
    "input transform of a target": (series_text(), ["--input-transform", "Close=level"],
                                    "input_transforms names Close, which is not an input other than a target"),
    "separator equal to the decimal mark": (series_text(), ["--sep", ",", "--decimal", ","], "sep and decimal cannot both be ','"),
}


def check_one_line_error(result, message: str, folder: Path, before: set) -> None:
    assert result.exit_code == 2, result.output
    assert message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.output + result.stderr
    assert set(folder.rglob("*")) == before  # nothing written, no temporary leftovers


@pytest.mark.parametrize("case", list(FIT_CASES))
def test_fit_answers_every_mistake(case, tmp_path):
    content, options, message = FIT_CASES[case]
    data = tmp_path / "data.csv"
    if isinstance(content, bytes):
        data.write_bytes(content)
    elif content is not None:
        data.write_text(content)
    before = set(tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["fit", str(data), "--out", str(tmp_path / "run"), *TINY, *options])
    check_one_line_error(result, message, tmp_path, before)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    data = folder / "data.csv"
    data.write_text(series_text(80))
    result = CliRunner().invoke(main, ["fit", str(data), "--out", str(folder / "run"), *TINY])
    assert result.exit_code == 0, result.output
    return folder / "run", data


def damage(run: Path, how: str, data: Path) -> list[str]:
    """Apply one kind of damage to a copy of a run; return the predict arguments."""
    if how == "missing run.json":
        (run / "run.json").unlink()
    elif how == "truncated run.json":
        text = (run / "run.json").read_text()
        (run / "run.json").write_text(text[: len(text) // 2])
    elif how == "foreign run.json":
        (run / "run.json").write_text(json.dumps({"name": "something else"}))
    elif how == "newer tsrnn":
        info = json.loads((run / "run.json").read_text())
        info["format_version"] = 99
        (run / "run.json").write_text(json.dumps(info))
    elif how == "missing model":
        (run / "model.keras").unlink()
    elif how == "corrupt model":
        (run / "model.keras").write_bytes(b"PK\x03\x04 truncated zip")
    elif how == "foreign model":
        other = keras.Sequential([keras.Input((7, 3)), keras.layers.GRU(2), keras.layers.Dense(1)])
        other.save(run / "model.keras")
    elif how == "columns differ":
        (data.parent / "other.csv").write_text("Date,Price\n2020-01-01,1\n")
        return [str(run), str(data.parent / "other.csv")]
    elif how == "missing run directory":
        shutil.rmtree(run)
    return [str(run), str(data)]


PREDICT_CASES = {
    "missing run directory": "run directory not found",
    "missing run.json": "run.json: missing",
    "truncated run.json": "not valid JSON",
    "foreign run.json": "not a tsrnn run file",
    "newer tsrnn": "upgrade tsrnn",
    "missing model": "model file missing",
    "corrupt model": "cannot load the model",
    "foreign model": "does not match run.json's window",
    "columns differ": "'Close' not found; available: Price",
}


@pytest.mark.parametrize("case", list(PREDICT_CASES))
def test_predict_answers_every_damaged_run(case, trained_run, tmp_path):
    source, data = trained_run
    run = tmp_path / "run"
    shutil.copytree(source, run)
    shutil.copy(data, tmp_path / "data.csv")
    arguments = damage(run, case, tmp_path / "data.csv")
    before = set(tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["predict", *arguments, "-o", str(tmp_path / "forecast.csv")])
    check_one_line_error(result, PREDICT_CASES[case], tmp_path, before)


OTHER_CASES = {
    "backtest: too many folds": (["backtest", "{data}", "--folds", "40", "--test-size", "20", *TINY], "too few for 40 folds"),
    "backtest: bad window": (["backtest", "{data}", "--window", "rolling"], "'rolling' is not one of"),
    "backtest: sliding without size": (["backtest", "{data}", "--window", "sliding", *TINY], "needs train_size"),
    "download: bad dates": (["download", "SPY", "--start", "2021-01-01", "--end", "2020-01-01"], "must be before --end"),
    "download: bad interval": (["download", "SPY", "--start", "2020-01-01", "--interval", "7d"], "interval must be one of"),
    "zoo: unexpected argument": (["zoo", "extra"], "unexpected extra argument"),
    "unknown command": (["fitt"], "No such command 'fitt'"),
    "fit: neither data nor ticker": (["fit"], "give either DATA"),
}


@pytest.mark.parametrize("case", list(OTHER_CASES))
def test_other_commands_answer_mistakes(case, tmp_path):
    arguments, message = OTHER_CASES[case]
    data = tmp_path / "data.csv"
    data.write_text(series_text(60))
    before = set(tmp_path.rglob("*"))
    result = CliRunner().invoke(main, [a.replace("{data}", str(data)) for a in arguments])
    check_one_line_error(result, message, tmp_path, before)


IMDB_CASES = {
    "missing npz": (["--data", "{folder}/missing.npz"], "missing.npz: file not found"),
    "not an npz": (["--data", "{folder}/fake.npz"], "not a readable .npz file"),
    "train CSV without test": (["--data", "{folder}/train.csv"], "needs its test CSV"),
    "CSV without text column": (["--data", "{folder}/bad.csv", "--test", "{folder}/bad.csv"], "column(s) text not found"),
    "unknown model": (["--model", "cnn", "--data", "{folder}/fake.npz"], "unknown model 'cnn'"),
    "zero maxlen": (["--maxlen", "0"], "maxlen must be an integer >= 1"),
    "score without texts": (["--predict", "{folder}"], "give the texts to score"),
}


@pytest.mark.parametrize("case", list(IMDB_CASES))
def test_imdb_script_answers_mistakes(case, tmp_path):
    (tmp_path / "fake.npz").write_text("not numpy")
    (tmp_path / "bad.csv").write_text("review,label\ngood,1\n")
    arguments, message = IMDB_CASES[case]
    before = set(tmp_path.rglob("*"))
    result = CliRunner().invoke(imdb_sentiment.main, [a.replace("{folder}", str(tmp_path)) for a in arguments] + ["-q"])
    check_one_line_error(result, message, tmp_path, before)


def test_a_mistake_names_the_argument_in_the_library_and_the_flag_in_the_cli(write_csv):
    """One message, two audiences: `target` for a library caller, `--target` on the command line."""
    from tsrnn import Forecaster
    from tsrnn.errors import DataError

    path = write_csv("Date,a,b\n" + "".join(f"2020-01-{day:02d},{day},{2 * day}\n" for day in range(1, 29)))
    with pytest.raises(DataError) as raised:
        Forecaster(lookback=5, epochs=1).fit(path)
    assert str(raised.value).endswith("; choose one with target") and "--" not in str(raised.value)
    result = CliRunner().invoke(main, ["fit", str(path), "--lookback", "5", "--epochs", "1", "-q"])
    assert result.exit_code == 2 and result.output.strip().endswith("; choose one with --target"), result.output
