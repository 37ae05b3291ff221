"""Dates as files write them: ISO or numeric layouts (day-first judged over the whole column),
timestamps with UTC offsets, and dates written as numbers.

`parse_dates` turns a date column into naive timestamps. Timestamps with offsets (e.g.
`2017-03-10T00:00:00-05:00`, then `-04:00` after the clock change, as APIs and intraday downloads
write them) are read in one zone: `timezone="local"` (the default) keeps the wall-clock time the
file was written in (for exchange data, the exchange's), "UTC" or any IANA zone name converts every
instant to that zone. Numbers are dates only under an explicit `date_format` ("excel" serial days,
"epoch" seconds, "epoch_ms"); any other `date_format` is a strftime layout like "%d.%m.%Y".

Examples:
    >>> stamps = pd.Series(["2017-03-10T00:00:00-05:00", "2017-03-13T00:00:00-04:00"])
    >>> [str(d) for d in parse_dates(stamps, timezone="local")]
    ['2017-03-10 00:00:00', '2017-03-13 00:00:00']
    >>> [str(d) for d in parse_dates(stamps, timezone="UTC")]
    ['2017-03-10 05:00:00', '2017-03-13 04:00:00']
    >>> [str(d.date()) for d in parse_dates(pd.Series([42804, 42805]), date_format="excel")]
    ['2017-03-10', '2017-03-11']
"""
from __future__ import annotations

import warnings
import zoneinfo

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError, DataError

NUMBER_DATE_FORMATS = ("excel", "epoch", "epoch_ms")
LOCAL_TIME = "local"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_NUMERIC_DATE = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}"
_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
_OFFSET = r"\s*(?:[+-]\d{2}(?::?\d{2})?|Z|UTC)$"  # after a time of day: 09:30:00-05:00, 14:30Z
_NUMBER = r"^\s*[-+]?\d+(?:\.\d*)?\s*$"


def check_timezone(timezone: str) -> str:
    """`timezone` if it is "local", "UTC" or an IANA zone name, else a `ConfigError`.

    Examples:
        >>> check_timezone("America/New_York")
        'America/New_York'
    """
    if timezone == LOCAL_TIME or timezone == "UTC":
        return timezone
    try:
        zoneinfo.ZoneInfo(str(timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(f"timezone must be 'local', 'UTC' or a zone name like America/New_York, got {timezone!r}") from None
    return timezone


def check_date_format(date_format: str | None) -> str | None:
    """`date_format` if it is None, one of excel/epoch/epoch_ms, or a strftime layout with a '%'."""
    if date_format is None or date_format in NUMBER_DATE_FORMATS or (isinstance(date_format, str) and "%" in date_format):
        return date_format
    raise ConfigError(f"date_format must be {', '.join(NUMBER_DATE_FORMATS)} or a layout like %d.%m.%Y, got {date_format!r}")


def parse_dates(raw: pd.Series, name: str = "data", column: str = "Date", date_format: str | None = None,
                timezone: str = LOCAL_TIME) -> pd.Series:
    """Naive timestamps of the date column `raw` (NaT where a value is unparseable).

    Numbers without `date_format` raise a `DataError` that names the option.
    """
    if date_format in NUMBER_DATE_FORMATS:
        return _from_numbers(raw, name, column, date_format)
    text = raw.astype("string").str.strip()
    if date_format is not None:
        return pd.Series(pd.to_datetime(text, format=date_format, errors="coerce"), index=raw.index)
    sample = text.dropna().head(1000)
    if len(sample) and sample.str.fullmatch(_NUMBER).all() and not sample.str.fullmatch(r"(?:19|20)\d{6}").all():
        raise DataError(f"{name}: column '{column}' holds numbers ({sample.iloc[0]!r}), not dates; pass --date-format excel "
                        "(spreadsheet serial days), --date-format epoch (Unix seconds) or epoch_ms")
    with_offset = text.str.contains(f"(?:{_TIME}){_OFFSET}", regex=True).fillna(False).astype(bool)
    if with_offset.any():
        return _from_offsets(text, with_offset, name, column, timezone)
    return _parse(text, dayfirst=_day_first(text, raw, name, column))


def _from_numbers(raw: pd.Series, name: str, column: str, date_format: str) -> pd.Series:
    numbers = pd.to_numeric(raw, errors="coerce")
    if numbers.notna().sum() == 0:
        raise DataError(f"{name}: column '{column}' holds no numbers, so --date-format {date_format} does not apply; "
                        "leave --date-format out for written dates")
    if date_format == "excel":
        return _EXCEL_EPOCH + pd.to_timedelta(numbers, unit="D")
    return pd.to_datetime(numbers, unit="s" if date_format == "epoch" else "ms", errors="coerce")


def _from_offsets(text: pd.Series, with_offset: pd.Series, name: str, column: str, timezone: str) -> pd.Series:
    naive = text.notna() & ~with_offset
    if naive.any():
        a, b = int(np.flatnonzero(with_offset.to_numpy())[0]), int(np.flatnonzero(naive.to_numpy())[0])
        raise DataError(f"{name}: column '{column}' mixes timestamps with a UTC offset (row {a + 1}: {text.iloc[a]!r}) "
                        f"and without (row {b + 1}: {text.iloc[b]!r}); write every timestamp one way")
    if timezone == LOCAL_TIME:  # the wall-clock time as written
        return _parse(text.str.replace(f"({_TIME}){_OFFSET}", r"\1", regex=True), dayfirst=False)
    instants = pd.to_datetime(text, utc=True, errors="coerce", format="mixed" if not _one_layout(text) else None)
    return instants.dt.tz_convert(timezone).dt.tz_localize(None)


def _one_layout(text: pd.Series) -> bool:
    lengths = text.dropna().str.len()
    return bool(lengths.nunique() <= 1)


def _parse(text: pd.Series, dayfirst: bool) -> pd.Series:
    """Dates of `text`, NaT where unparseable: one format inferred for the column (fast), else each
    value on its own (`format="mixed"`, 30x slower on a million rows).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "could not infer format": the fallback below handles it
            dates = pd.to_datetime(text, errors="raise", dayfirst=dayfirst)
    except (ValueError, TypeError, OverflowError):
        dates = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=dayfirst)
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_convert(None)
    return dates


def _day_first(text: pd.Series, raw: pd.Series, name: str, column) -> bool:
    """Whether numeric dates like 13/04/2020 put the day first: judged over the whole column.

    A first field above 12 anywhere means day-first, a second field above 12 month-first; a column
    where every date reads both ways (all fields 1-12) is taken as month-first, like pandas.
    """
    if not text.head(1000).str.match(_NUMERIC_DATE).any():  # ISO and other layouts: nothing to judge
        return False
    fields = text.str.extract(_NUMERIC_DATE).dropna().astype(int)
    if fields.empty:
        return False
    day_first, month_first = bool((fields[0] > 12).any()), bool((fields[1] > 12).any())
    if day_first and month_first:
        row = int(np.flatnonzero((fields[0] > 12).to_numpy())[0])
        other = int(np.flatnonzero((fields[1] > 12).to_numpy())[0])
        raise DataError(
            f"{name}: column '{column}' mixes day-first ({raw.iloc[fields.index[row]]!r}) and month-first "
            f"({raw.iloc[fields.index[other]]!r}) dates; write every date one way, e.g. 1999-01-04"
        )
    return day_first
