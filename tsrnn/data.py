"""Reading and validating tabular time series: the edge where user data enters tsrnn.

`read_series` turns a CSV path or a DataFrame into a frame indexed by sorted, unique dates.
`select_columns` then checks the columns a model will use: present, numeric, finite (or filled
by an explicit policy). Every problem is raised once, here, as a `DataError` that names the file,
the column, the rows involved and the fix; code downstream trusts what it gets.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"Date": ["1/4/1999", "1/5/1999"], "Close": [1.0, 2.0]})
    >>> series = read_series(frame)
    >>> series.index[0].isoformat()
    '1999-01-04T00:00:00'
    >>> select_columns(series, ["Close"]).shape
    (2, 1)
"""
from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.errors import DataError
from tsrnn.options import FILL_POLICIES

DATE_COLUMN_NAMES = ("date", "datetime", "timestamp", "time")
_MAX_LISTED = 5


def read_series(source: str | os.PathLike | pd.DataFrame, date_column: str | None = None) -> pd.DataFrame:
    """Read a CSV file or DataFrame into a frame indexed by increasing, unique dates.

    The date column is `date_column` if given, else the first column named like Date, date,
    datetime, timestamp or time (any case), else an unnamed first column (as pandas writes its
    index), else an existing DatetimeIndex.

    Usage:
        read_series("datasets/sp500.csv").index.is_monotonic_increasing
    """
    if isinstance(source, pd.DataFrame):
        name = source.attrs.get("source", "data")
        frame = source.copy()
    else:
        name = str(source)
        frame = _read_csv(Path(source))
    if frame.empty:
        raise DataError(f"{name}: no data rows (only a header?); give a file with one row per date")
    frame = _index_by_date(frame, name, date_column)
    _check_date_order(frame.index, name)
    frame.attrs["source"] = name
    return frame


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"{path}: file not found; check the path")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a CSV file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty; give a CSV with a header and one row per date")
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except PermissionError:
        raise DataError(f"{path}: cannot be read (permission denied); check the file's permissions") from None
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror or error}); check the file") from None
    if b"\x00" in head:
        raise DataError(f"{path}: looks like a binary file, not a CSV; give a comma-separated text file")
    try:
        return pd.read_csv(path)
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; save the file as a UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: file has no columns; give a CSV with a header row") from None
    except pd.errors.ParserError as error:
        detail = str(error).strip().splitlines()[-1]
        raise DataError(f"{path}: not a valid CSV ({detail}); check the separators and quoting") from None


def _index_by_date(frame: pd.DataFrame, name: str, date_column: str | None) -> pd.DataFrame:
    if isinstance(frame.index, pd.DatetimeIndex) and (date_column is None or date_column not in frame.columns):
        return frame
    column = date_column or _find_date_column(frame)
    if column is None:
        raise DataError(
            f"{name}: no date column found among {_listing(frame.columns)}; "
            "name one Date/timestamp/time or pass --date-column"
        )
    if column not in frame.columns:
        raise DataError(f"{name}: date column '{column}' not found; available: {_listing(frame.columns)}")
    raw = frame[column]
    dates = _parse_dates(raw.astype("string"), dayfirst=_day_first(raw, name, column))
    bad = dates.isna()
    if bad.any():
        rows = _rows(np.flatnonzero(bad.to_numpy()))
        examples = ", ".join(repr(str(v)) for v in raw[bad].head(3))
        raise DataError(
            f"{name}: column '{column}' has {int(bad.sum())} unparseable date(s) at {rows} ({examples}); "
            "use a layout like 1999-01-04 or 1/4/1999"
        )
    if dates.dt.tz is not None:
        dates = dates.dt.tz_convert(None)
    frame = frame.drop(columns=[column])
    frame.index = pd.DatetimeIndex(dates, name=str(column) if not str(column).startswith("Unnamed") else "Date")
    return frame


def _parse_dates(text: pd.Series, dayfirst: bool) -> pd.Series:
    """Dates of `text`, NaT where unparseable: one format inferred for the column (fast), else each
    value on its own (`format="mixed"`, 30x slower on a million rows)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "could not infer format": the fallback below handles it
            return pd.to_datetime(text, errors="raise", dayfirst=dayfirst)
    except (ValueError, TypeError, OverflowError):
        return pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=dayfirst)


_NUMERIC_DATE = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}"


def _day_first(raw: pd.Series, name: str, column) -> bool:
    """Whether numeric dates like 13/04/2020 put the day first: judged over the whole column.

    A first field above 12 anywhere means day-first, a second field above 12 month-first; a column
    where every date reads both ways (all fields 1-12) is taken as month-first, like pandas.
    """
    text = raw.astype("string")
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


def _find_date_column(frame: pd.DataFrame) -> str | None:
    for column in frame.columns:
        if str(column).strip().lower() in DATE_COLUMN_NAMES:
            return column
    first = frame.columns[0]
    if str(first).startswith("Unnamed: 0") or str(first).strip() == "":
        return first
    return None


def _check_date_order(index: pd.DatetimeIndex, name: str) -> None:
    duplicated = index.duplicated(keep=False)
    if duplicated.any():
        dates = sorted({d.isoformat() for d in index[duplicated]})[:_MAX_LISTED]
        raise DataError(
            f"{name}: {int(index.duplicated().sum())} duplicate date(s), e.g. {', '.join(dates)}; "
            "keep one row per date"
        )
    steps = np.diff(index.asi8)
    if (steps < 0).any():
        position = int(np.flatnonzero(steps < 0)[0]) + 1
        raise DataError(
            f"{name}: dates are not in increasing order ({index[position].date()} at row {position + 1} "
            f"comes after {index[position - 1].date()}); sort the file by date"
        )


def default_target(frame: pd.DataFrame) -> str:
    """The column to forecast when none is named: `Close` when present, else the only numeric column.

    Example:
        >>> default_target(pd.DataFrame({"passengers": [112.0, 118.0], "note": ["a", "b"]}))
        'passengers'
    """
    if "Close" in frame.columns:
        return "Close"
    numeric = [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    if len(numeric) == 1:
        return numeric[0]
    name = frame.attrs.get("source", "data")
    if not numeric:
        raise DataError(f"{name}: no numeric column to forecast among {_listing(frame.columns)}; name one with --target")
    raise DataError(f"{name}: {len(numeric)} numeric columns ({_listing(numeric)}) and none named Close; "
                    "choose one with --target")


def select_columns(frame: pd.DataFrame, columns: Sequence[str], fill: str | None = None) -> pd.DataFrame:
    """Return `columns` of `frame` as float64, checked to be present, numeric and finite.

    `fill` chooses what to do with NaN/inf: None refuses them, "ffill" carries the last value
    forward, "drop" removes the rows. Constant columns are reported with a warning.

    Example:
        >>> frame = pd.DataFrame({"a": [1.0, np.nan, 3.0]}, index=pd.date_range("2020", periods=3))
        >>> select_columns(frame, ["a"], fill="ffill")["a"].tolist()
        [1.0, 1.0, 3.0]
    """
    name = frame.attrs.get("source", "data")
    if fill not in (None, *FILL_POLICIES):
        raise DataError(f"unknown fill policy '{fill}'; choose one of {', '.join(FILL_POLICIES)}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{name}: column(s) {', '.join(repr(c) for c in missing)} not found; "
            f"available: {_listing(frame.columns)}"
        )
    selected = pd.DataFrame(index=frame.index)
    for column in columns:
        selected[column] = _numeric(frame[column], name, column)
    selected = _handle_missing(selected, name, fill)
    _warn_constant(selected, name)
    selected.attrs["source"] = name
    return selected


def _numeric(values: pd.Series, name: str, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    converted = pd.to_numeric(values, errors="coerce")
    text = converted.isna() & values.notna()
    if text.any():
        rows = np.flatnonzero(text.to_numpy())
        examples = ", ".join(repr(str(v)) for v in values[text].head(3))
        raise DataError(
            f"{name}: column '{column}' has {int(text.sum())} non-numeric value(s) at {_dated(values.index, rows)} "
            f"({examples}); fix or remove those rows"
        )
    return converted.astype("float64")


def _handle_missing(selected: pd.DataFrame, name: str, fill: str | None) -> pd.DataFrame:
    values = selected.to_numpy()
    bad = ~np.isfinite(values)
    if not bad.any():
        return selected
    if fill is None:
        column = selected.columns[int(np.flatnonzero(bad.any(axis=0))[0])]
        rows = np.flatnonzero(bad.any(axis=1))
        raise DataError(
            f"{name}: {int(bad.sum())} NaN/inf value(s) in column(s) "
            f"{', '.join(repr(c) for c in selected.columns[bad.any(axis=0)])}, first at {_dated(selected.index, rows)} "
            f"(first column '{column}'); clean them or pass --fill ffill|drop"
        )
    cleaned = selected.replace([np.inf, -np.inf], np.nan)
    if fill == "drop":
        cleaned = cleaned.dropna()
    else:
        cleaned = cleaned.ffill()
        leading = cleaned.isna().any(axis=1)
        if leading.any():
            raise DataError(
                f"{name}: {int(leading.sum())} leading row(s) have NaN with no earlier value to carry "
                f"forward (from {cleaned.index[0].date()}); use --fill drop or trim the start"
            )
    if cleaned.empty:
        raise DataError(f"{name}: no rows left after dropping NaN/inf; check the data")
    return cleaned


def _warn_constant(selected: pd.DataFrame, name: str) -> None:
    spread = selected.max() - selected.min()
    constant = [str(c) for c in selected.columns if spread[c] == 0]
    if constant:
        warnings.warn(
            f"{name}: column(s) {', '.join(constant)} are constant; they carry no information "
            "and are left unscaled (scale 1)",
            UserWarning,
            stacklevel=3,
        )


def data_sha256(frame: pd.DataFrame) -> str:
    """A sha256 of the frame's dates and values, stable across reads of the same data.

    Example:
        >>> frame = pd.DataFrame({"a": [1.0]}, index=pd.DatetimeIndex(["2020-01-01"]))
        >>> len(data_sha256(frame))
        64
    """
    digest = hashlib.sha256()
    digest.update(",".join(map(str, frame.columns)).encode())
    digest.update(np.ascontiguousarray(frame.index.asi8).tobytes())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _rows(positions: np.ndarray) -> str:
    shown = ", ".join(str(int(p) + 1) for p in positions[:_MAX_LISTED])
    more = f" and {len(positions) - _MAX_LISTED} more" if len(positions) > _MAX_LISTED else ""
    return f"row(s) {shown}{more}"


def _dated(index: pd.Index, positions: np.ndarray) -> str:
    shown = ", ".join(_label(index[int(p)]) for p in positions[:_MAX_LISTED])
    more = f" and {len(positions) - _MAX_LISTED} more" if len(positions) > _MAX_LISTED else ""
    return f"{shown}{more}"


def _label(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else value.isoformat()
    return str(value)


def _listing(columns: Sequence) -> str:
    return ", ".join(str(c) for c in columns) or "(none)"
