"""Yahoo Finance downloads, never touching the network: a fake stands in for the yfinance call."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tsrnn.cli import main
from tsrnn.errors import DataError
from tsrnn.io import yahoo as market
from tsrnn.io.tables import read_series

from .conftest import SP500


def yahoo_layout(ticker: str, rows: int = 300, start: int = 0) -> pd.DataFrame:
    """Rows of the shipped S&P 500 file in the layout recent yfinance returns for one ticker:
    MultiIndex columns (Price, Ticker), a Date index."""
    prices = read_series(SP500).iloc[start : start + rows]
    prices.loc[prices.index[::7], "Adj Close"] = prices["Close"].iloc[::7] * 0.5  # some adjustment to see
    columns = pd.MultiIndex.from_tuples([(c, ticker) for c in prices.columns], names=["Price", "Ticker"])
    return pd.DataFrame(prices.to_numpy(), index=prices.index.rename("Date"), columns=columns)


class FakeYahoo:
    """Answers like yfinance.download would, and counts the calls."""

    def __init__(self, answer):
        self.answer = answer
        self.calls: list[tuple] = []

    def __call__(self, ticker, start, end, interval):
        self.calls.append((ticker, start, end, interval))
        if isinstance(self.answer, Exception):
            raise self.answer
        frame = self.answer(ticker) if callable(self.answer) else self.answer
        return frame[(frame.index >= start) & (frame.index < end)] if not frame.empty else frame


@pytest.fixture
def fake(monkeypatch):
    def install(answer):
        fake_yahoo = FakeYahoo(answer)
        monkeypatch.setattr(market, "fetch_yahoo", fake_yahoo)
        return fake_yahoo

    return install


def test_normalize_flattens_sorts_and_deduplicates():
    raw = yahoo_layout("SPY", rows=20)
    shuffled = pd.concat([raw.iloc[10:], raw.iloc[:10], raw.iloc[[3]]])
    clean = market.normalize(shuffled, "SPY")
    assert list(clean.columns) == market.COLUMNS
    assert clean.index.name == "Date" and clean.index.is_monotonic_increasing and clean.index.is_unique
    assert len(clean) == 20


def test_download_writes_the_layout_fit_reads(fake, tmp_path):
    fake(yahoo_layout("SPY"))
    frame = market.download("SPY", "1999-02-01", "1999-06-01", cache_dir=tmp_path / "cache")
    assert frame.index[0] >= pd.Timestamp("1999-02-01") and frame.index[-1] < pd.Timestamp("1999-06-01")
    path = tmp_path / "spy.csv"
    market.write_csv(frame, path)
    assert path.read_text().splitlines()[0] == "Date,Open,High,Low,Close,Adj Close,Volume"
    assert len(read_series(path)) == len(frame)


def test_cache_answers_covered_ranges_and_refresh_bypasses_it(fake, tmp_path):
    yahoo = fake(yahoo_layout("SPY"))
    cache = tmp_path / "cache"
    first = market.download("SPY", "1999-02-01", "1999-06-01", cache_dir=cache)
    again = market.download("SPY", "1999-02-01", "1999-06-01", cache_dir=cache)
    inner = market.download("SPY", "1999-03-01", "1999-04-01", cache_dir=cache)
    assert len(yahoo.calls) == 1
    pd.testing.assert_frame_equal(first, again, check_freq=False)
    assert inner.index[0] >= pd.Timestamp("1999-03-01") and inner.index[-1] < pd.Timestamp("1999-04-01")
    market.download("SPY", "1999-01-15", "1999-06-01", cache_dir=cache)  # not covered: fetched
    market.download("SPY", "1999-02-01", "1999-06-01", cache_dir=cache, refresh=True)
    assert len(yahoo.calls) == 3
    assert sorted(p.name for p in cache.iterdir()) == ["SPY_1d.csv", "SPY_1d.json"]  # no temporary files left


def test_cache_dir_from_environment(fake, tmp_path, monkeypatch):
    fake(yahoo_layout("SPY"))
    monkeypatch.setenv("TSRNN_CACHE_DIR", str(tmp_path / "env-cache"))
    market.download("SPY", "1999-02-01", "1999-03-01")
    assert (tmp_path / "env-cache" / "SPY_1d.csv").is_file()


def test_adjusted_scales_ohlc_by_adj_close_over_close(fake, tmp_path):
    fake(yahoo_layout("SPY", rows=30))
    raw = market.download("SPY", "1999-01-01", "1999-03-01", cache_dir=tmp_path)
    adjusted = market.download("SPY", "1999-01-01", "1999-03-01", cache_dir=tmp_path, adjusted=True)
    factor = raw["Adj Close"] / raw["Close"]
    assert (factor < 1).any()
    np.testing.assert_allclose(adjusted["Open"], raw["Open"] * factor)
    np.testing.assert_allclose(adjusted["Close"], raw["Adj Close"])
    np.testing.assert_array_equal(adjusted["Volume"], raw["Volume"])


def test_empty_answer_retries_then_names_the_ticker(fake, tmp_path):
    yahoo = fake(pd.DataFrame())
    with pytest.raises(DataError) as caught:
        market.download("NOSUCH", "2020-01-01", "2020-02-01", cache_dir=tmp_path, retries=3, backoff=0)
    assert len(yahoo.calls) == 3
    message = str(caught.value)
    assert message.startswith("NOSUCH: download from Yahoo Finance failed") and "unknown or delisted ticker" in message
    assert not list(tmp_path.iterdir())


def test_network_error_names_the_cause(fake, tmp_path):
    fake(ConnectionError("Could not resolve host: query2.finance.yahoo.com"))
    with pytest.raises(DataError, match=r"SPY: .* \(ConnectionError: Could not resolve host"):
        market.download("SPY", "2020-01-01", "2020-02-01", cache_dir=tmp_path, retries=2, backoff=0)


def test_cli_download_one_and_many(fake, tmp_path):
    fake(lambda ticker: yahoo_layout(ticker))
    runner = CliRunner()
    out = tmp_path / "spy.csv"
    args = ["--start", "1999-02-01", "--end", "1999-05-01", "--cache-dir", str(tmp_path / "cache")]
    result = runner.invoke(main, ["download", "SPY", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "SPY: " in result.output and len(read_series(out)) > 50
    result = runner.invoke(main, ["download", "SPY", "QQQ", *args, "-o", str(tmp_path / "many")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "many").iterdir()) == ["QQQ.csv", "SPY.csv"]
    result = runner.invoke(main, ["download", "SPY", "QQQ", *args, "-o", str(tmp_path / "both.csv")])
    assert result.exit_code == 2 and "need -o DIRECTORY" in result.output


def test_cli_download_failure_is_one_line_and_writes_nothing(fake, tmp_path):
    fake(pd.DataFrame())
    out = tmp_path / "x.csv"
    result = CliRunner().invoke(
        main, ["download", "NOSUCH", "--start", "2020-01-01", "--retries", "1", "-o", str(out), "--cache-dir", str(tmp_path / "c")]
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: NOSUCH: download")
    assert not out.exists()


def test_fit_by_ticker_records_the_source(fake, tmp_path):
    fake(yahoo_layout("SPY", rows=400))
    out = tmp_path / "run"
    result = CliRunner().invoke(main, [
        "fit", "--ticker", "SPY", "--start", "1999-01-01", "--end", "2000-08-01", "--cache-dir", str(tmp_path / "c"),
        "--lookback", "10", "--units", "4", "--epochs", "1", "--seed", "0", "-q", "--out", str(out),
    ])
    assert result.exit_code == 0, result.output
    info = json.loads((out / "run.json").read_text())
    assert info["data_source"] == {"ticker": "SPY", "start": "1999-01-01", "end": "2000-08-01", "adjusted": False}
    assert len(info["data_sha256"]) == 64
    result = CliRunner().invoke(main, ["fit", str(SP500), "--ticker", "SPY"])
    assert result.exit_code == 2 and "either DATA" in result.output


def test_yfinance_is_imported_only_when_downloading():
    code = "import sys, tsrnn, tsrnn.cli, tsrnn.io.tables, tsrnn.io.yahoo; print('yfinance' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
