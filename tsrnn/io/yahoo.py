"""Daily market data from Yahoo Finance (through yfinance), cleaned and cached, in the layout
`tsrnn fit` reads: `Date, Open, High, Low, Close, Adj Close, Volume`.

yfinance is imported only inside `fetch_yahoo`, so the rest of tsrnn works without it. Downloads
are cached per ticker and interval (a CSV of every row fetched so far plus the date ranges it
covers); a request inside a covered range is answered from the cache. Cache files are replaced
atomically. Network trouble, rate limits and unknown tickers become one-line `DataError`s.

Usage:
    prices = download("AAPL", start="2020-01-01", end="2021-01-01")
    list(prices.columns)
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tsrnn.errors import ConfigError, DataError
from tsrnn.utils.atomic import atomic_write

COLUMNS = ["Open", "High", "Low", "Close", "Adj Close", "Volume"]
INTERVALS = ("1d", "5d", "1wk", "1mo", "3mo", "1h", "90m", "60m", "30m", "15m", "5m", "2m", "1m")
CACHE_ENV = "TSRNN_CACHE_DIR"

Fetch = Callable[[str, str, str, str], pd.DataFrame]


class _ErrorLog(logging.Handler):
    """Collects yfinance's error messages, since its download reports failures by logging them."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def fetch_yahoo(ticker: str, start: str, end: str, interval: str) -> pd.DataFrame:
    """One `yfinance.download` call for one ticker: unadjusted OHLC plus Adj Close, raw layout."""
    try:
        import yfinance
    except ImportError:
        raise DataError("downloading needs the yfinance package: pip install yfinance") from None
    logger = logging.getLogger("yfinance")
    errors = _ErrorLog()
    logger.addHandler(errors)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # yfinance's own pandas deprecation notices
            frame = yfinance.download(
                ticker, start=start, end=end, interval=interval, auto_adjust=False, actions=False,
                progress=False, threads=False,
            )
    finally:
        logger.removeHandler(errors)
    if (frame is None or frame.empty) and errors.messages:
        raise ConnectionError(errors.messages[-1].strip().splitlines()[-1])
    return frame if frame is not None else pd.DataFrame()


def default_cache_dir() -> Path:
    """`$TSRNN_CACHE_DIR`, else `$XDG_CACHE_HOME/tsrnn/yahoo`, else `~/.cache/tsrnn/yahoo`."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "tsrnn" / "yahoo"


def normalize(raw: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """Flat columns `COLUMNS`, a tz-naive `Date` index, sorted, one row per date.

    Accepts yfinance's single-ticker MultiIndex columns (`Price` x `Ticker`) and flat ones.
    """
    frame = raw.copy()
    if isinstance(frame.columns, pd.MultiIndex):
        level = next((i for i, names in enumerate(frame.columns.levels) if "Close" in names), 0)
        tickers = {c for c in frame.columns.get_level_values(1 - level)} if frame.columns.nlevels == 2 else set()
        if len(tickers) > 1:
            upper = ticker.upper()
            frame = frame.xs(upper, axis=1, level=1 - level) if upper in tickers else frame
        frame.columns = frame.columns.get_level_values(level)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    if "Adj Close" not in frame.columns and "Close" in frame.columns:
        frame["Adj Close"] = frame["Close"]
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{ticker}: Yahoo returned no {', '.join(missing)} column(s); got {', '.join(map(str, frame.columns))}")
    index = pd.DatetimeIndex(pd.to_datetime(frame.index))
    if index.tz is not None:
        index = index.tz_localize(None)
    frame.index = index.rename("Date")
    frame = frame[COLUMNS].astype("float64")
    frame.columns.name = None
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    return frame.dropna(how="all")


def adjust(frame: pd.DataFrame) -> pd.DataFrame:
    """Split- and dividend-adjusted Open/High/Low/Close (scaled by Adj Close / Close), as yfinance's
    `auto_adjust` does; Volume unchanged.
    """
    factor = frame["Adj Close"] / frame["Close"]
    adjusted = frame.copy()
    for column in ("Open", "High", "Low", "Close"):
        adjusted[column] = frame[column] * factor
    return adjusted


def _check_range(start: str, end: str | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    try:
        first = pd.Timestamp(start)
        last = pd.Timestamp(end) if end else pd.Timestamp(_dt.date.today())
    except ValueError:
        raise ConfigError(f"dates must look like YYYY-MM-DD, got start={start!r} end={end!r}") from None
    if first >= last:
        raise ConfigError(f"--start {first.date()} must be before --end {last.date()}")
    return first, last


class YahooCache:
    """Per ticker and interval: `<TICKER>_<interval>.csv` (rows) and `.json` (covered [start, end) ranges).

    Args:
        directory: the cache folder.

    Examples:
        >>> import tempfile
        >>> cache = YahooCache(Path(tempfile.mkdtemp()))
        >>> cache.read("SPY", "1d", pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")) is None
        True
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _paths(self, ticker: str, interval: str) -> tuple[Path, Path]:
        stem = f"{ticker.upper().replace('/', '_')}_{interval}"
        return self.directory / f"{stem}.csv", self.directory / f"{stem}.json"

    def read(self, ticker: str, interval: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame | None:
        """Cached rows in [start, end) when a cached range covers it.

        Args:
            ticker: the ticker.
            interval: the bar interval ("1d", ...).
            start: the first date.
            end: the date after the last.

        Returns:
            The rows, or None when no cached range covers [start, end).
        """
        rows_path, ranges_path = self._paths(ticker, interval)
        if not (rows_path.is_file() and ranges_path.is_file()):
            return None
        try:
            ranges = json.loads(ranges_path.read_text())["ranges"]
            if not any(pd.Timestamp(a) <= start and end <= pd.Timestamp(b) for a, b in ranges):
                return None
            rows = pd.read_csv(rows_path, index_col="Date", parse_dates=["Date"])
        except (ValueError, KeyError, OSError, pd.errors.ParserError) as error:
            # A damaged cache is a miss: said once, then refetched and replaced atomically by write().
            warnings.warn(f"damaged market-data cache {rows_path.name}/{ranges_path.name} in {self.directory} "
                          f"({type(error).__name__}); downloading again and replacing it", UserWarning, stacklevel=2)
            return None
        return rows[(rows.index >= start) & (rows.index < end)]

    def write(self, ticker: str, interval: str, rows: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> None:
        """Merge rows fetched for [start, end) into the cache, replacing its files atomically.

        Args:
            ticker: the ticker.
            interval: the bar interval.
            rows: the rows fetched.
            start: the first date asked for.
            end: the date after the last asked for.
        """
        rows_path, ranges_path = self._paths(ticker, interval)
        self.directory.mkdir(parents=True, exist_ok=True)
        ranges: list = []
        if rows_path.is_file() and ranges_path.is_file():
            try:
                old = pd.read_csv(rows_path, index_col="Date", parse_dates=["Date"])
                ranges = json.loads(ranges_path.read_text())["ranges"]
                rows = pd.concat([old[(old.index < start) | (old.index >= end)], rows]).sort_index()
            except (ValueError, KeyError, OSError, pd.errors.ParserError):
                ranges = []  # damaged: replaced whole by the rows just fetched
        ranges.append([start.isoformat(), end.isoformat()])
        atomic_write(rows_path, lambda path: rows.to_csv(path, index_label="Date"))
        atomic_write(ranges_path, lambda path: path.write_text(json.dumps({"ranges": ranges})))


def download(
    ticker: str,
    start: str,
    end: str | None = None,
    interval: str = "1d",
    adjusted: bool = False,
    cache_dir: str | os.PathLike | None = None,
    refresh: bool = False,
    retries: int = 3,
    backoff: float = 1.0,
    fetch: Fetch | None = None,
) -> pd.DataFrame:
    """Clean price rows of `ticker` in [start, end), from the cache or Yahoo Finance.

    Retries `retries` times (waiting `backoff`, then twice as long...) on errors and empty answers,
    then raises a one-line `DataError` naming the ticker and the cause. `adjusted` returns
    split/dividend-adjusted OHLC. `fetch` replaces the yfinance call (tests, other sources).

    Args:
        ticker: the ticker, e.g. "SPY".
        start: the first date.
        end: the date after the last (None: today).
        interval: the bar interval, one of `INTERVALS`.
        adjusted: split- and dividend-adjusted OHLC.
        cache_dir: the cache folder (None: `default_cache_dir()`).
        refresh: fetch again even where the cache covers the range.
        retries: tries after the first, on errors and empty answers.
        backoff: seconds before the first retry, doubled each time.
        fetch: `fetch(ticker, start, end, interval)` in place of yfinance.

    Returns:
        The price rows, indexed by date.

    Raises:
        ConfigError: an unknown interval or an invalid range.
        DataError: nothing could be fetched (the ticker and the cause named).

    Examples:
        >>> import tempfile
        >>> def fetch(ticker, start, end, interval):  # stands in for Yahoo Finance
        ...     dates = pd.date_range("2024-01-01", periods=3, name="Date")
        ...     return pd.DataFrame({column: [1.0, 2.0, 3.0] for column in ("Open", "High", "Low", "Close", "Adj Close", "Volume")},
        ...                         index=dates)
        >>> download("XYZ", "2024-01-01", "2024-01-04", cache_dir=tempfile.mkdtemp(), fetch=fetch)["Close"].tolist()
        [1.0, 2.0, 3.0]
    """
    if interval not in INTERVALS:
        raise ConfigError(f"interval must be one of {', '.join(INTERVALS)}, got {interval!r}")
    first, last = _check_range(start, end)
    cache = YahooCache(Path(cache_dir) if cache_dir else default_cache_dir())
    rows = None if refresh else cache.read(ticker, interval, first, last)
    if rows is None:
        rows = _fetch_with_retries(fetch or fetch_yahoo, ticker, first, last, interval, retries, backoff)
        try:
            cache.write(ticker, interval, rows, first, last)
        except OSError as error:
            logging.getLogger(__name__).warning("could not write the cache in %s: %s", cache.directory, error)
    rows = rows.copy()
    rows.index.name = "Date"
    return adjust(rows) if adjusted else rows


def _fetch_with_retries(fetch: Fetch, ticker, first, last, interval, retries: int, backoff: float) -> pd.DataFrame:
    cause = "no rows returned"
    for attempt in range(max(1, retries)):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            raw = fetch(ticker, first.date().isoformat(), last.date().isoformat(), interval)
        except DataError:
            raise
        except Exception as error:  # yfinance and requests raise many types for network trouble
            detail = str(error).strip().splitlines()[0][:160] if str(error).strip() else ""
            cause = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
            continue
        if raw is not None and not raw.empty:
            rows = normalize(raw, ticker)
            rows = rows[(rows.index >= first) & (rows.index < last)]
            if not rows.empty:
                return rows
        cause = "no rows returned: unknown or delisted ticker, or no trading in that range"
    raise DataError(
        f"{ticker}: download from Yahoo Finance failed for {first.date()}..{last.date()} after {max(1, retries)} "
        f"attempt(s) ({cause}); check the symbol and dates, or your connection, and retry"
    )


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write price rows as `Date,Open,...` atomically."""
    atomic_write(path, lambda staging: frame.to_csv(staging, index_label="Date"))
