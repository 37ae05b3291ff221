"""Reading and validating tabular time series: the edge where user data enters tsrnn.

`read_series` turns a CSV path or a DataFrame into a frame indexed by sorted, unique dates.
`select_columns` then checks the columns a model will use: present, numeric, finite (or filled
by an explicit policy). Every problem is raised once, here, as a `DataError` that names the file,
the column, the rows involved and the fix; code downstream trusts what it gets.

Examples:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"Date": ["1/4/1999", "1/5/1999"], "Close": [1.0, 2.0]})
    >>> series = read_series(frame)
    >>> series.index[0].isoformat()
    '1999-01-04T00:00:00'
    >>> select_columns(series, ["Close"]).shape
    (2, 1)
"""
from __future__ import annotations

import csv
import hashlib
import os
import re
import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError, DataError, DataNote
from tsrnn.io.dates import LOCAL_TIME, check_date_format, check_timezone, parse_dates
from tsrnn.io.numbers import parse_numbers
from tsrnn.utils.validation import DECIMAL_MARKS, FILL_POLICIES, check_choice

DATE_COLUMN_NAMES = ("date", "datetime", "timestamp", "time", "ds")  # ds: the Nixtla tools' and Prophet's name
TARGET_NAMES = ("Close", "Price", "y")  # y: the Nixtla tools' and Prophet's name
_MAX_LISTED = 5


@dataclass(frozen=True)
class ReadOptions:
    """How to read a CSV file or frame; every field's None means "found from the data".

    Attributes:
        date_column: the date column (default: found by name).
        sep: field separator (default: sniffed among , ; tab |).
        decimal: decimal mark "." or "," (default: "," when a ;-separated file writes numbers like 1,5).
        date_format: "excel", "epoch", "epoch_ms" or a strftime layout (default: read written dates,
            refuse numbers).
        timezone: for timestamps with UTC offsets: "local" (the wall-clock time as written), "UTC"
            or a zone name.

    Examples:
        >>> ReadOptions(sep=";", decimal=",").decimal
        ','
    """

    date_column: str | None = None
    sep: str | None = None
    decimal: str | None = None
    date_format: str | None = None
    timezone: str = LOCAL_TIME

    def __post_init__(self) -> None:
        if self.sep is not None and (not isinstance(self.sep, str) or len(self.sep) != 1):
            raise ConfigError(f"sep must be one character such as , ; or a tab, got {self.sep!r}")
        check_choice("decimal", self.decimal, DECIMAL_MARKS, optional=True)
        if self.sep is not None and self.sep == self.decimal:
            raise ConfigError(f"sep and decimal cannot both be {self.sep!r}")
        check_date_format(self.date_format)
        check_timezone(self.timezone)


def read_series(source: str | os.PathLike | pd.DataFrame, options: ReadOptions | None = None) -> pd.DataFrame:
    """Read a CSV file or DataFrame into a frame indexed by increasing, unique dates.

    The date column is `options.date_column` if given, else the first column named like Date,
    date, datetime, timestamp or time (any case), else an unnamed first column (as pandas writes
    its index), else an existing DatetimeIndex. Text columns that hold numbers written with
    thousands separators, percentages or K/M/B suffixes become numbers (`tsrnn.io.numbers`); a file
    whose dates run strictly backwards (newest first) is reversed. Each such rule is told once as
    a `DataNote` warning.

    Args:
        source: a CSV path or a DataFrame.
        options: how to read it (`ReadOptions`: date column, separator, decimal mark, date format,
            time zone); None: every one found from the data.

    Returns:
        The frame, indexed by its dates (`attrs["source"]` names where it came from).

    Raises:
        DataError: a file that cannot be read, no date column, dates that are not increasing and
            unique, or columns that cannot be read as numbers (each error says how to fix it).

    Examples:
        >>> frame = pd.DataFrame({"date": ["2024-01-01", "2024-01-02"], "y": ["1,200", "1,300"]})
        >>> read_series(frame)["y"].tolist()
        [1200.0, 1300.0]
    """
    options = options or ReadOptions()
    if isinstance(source, pd.DataFrame) and _read_before(source, options):
        return source  # this very frame came out of read_series with these options: checked already
    if isinstance(source, pd.DataFrame):
        name = source.attrs.get("source", "data")
        frame = source.copy()
        decimal = options.decimal or source.attrs.get("decimal", ".")
    else:
        name = str(source)
        frame, decimal = read_table(Path(source), options)
    if frame.empty:
        raise DataError(f"{name}: no data rows (only a header?); give a file with one row per date")
    frame = _strip_header(frame, name)
    frame = _without_row_numbers(frame, name)
    frame = _index_by_date(frame, name, options)
    frame = _in_date_order(frame, name, options.timezone)
    frame.attrs["source"] = name
    frame.attrs["decimal"] = decimal
    frame.attrs["number_styles"] = {**frame.attrs.get("number_styles", {}), **_numbers_from_text(frame, decimal, name)}
    _READ[id(frame)] = (weakref.ref(frame, lambda _, key=id(frame): _READ.pop(key, None)), options)
    return frame


# The frames read_series returned (by id, while they live) and the options they were read with, so
# handing one back (a run reads its file once, then fits, scores and plots that frame) checks nothing twice.
_READ: dict[int, tuple[weakref.ref, ReadOptions]] = {}


def _read_before(frame: pd.DataFrame, options: ReadOptions) -> bool:
    entry = _READ.get(id(frame))
    return entry is not None and entry[0]() is frame and entry[1] == options


def read_table(path: Path, options: ReadOptions) -> tuple[pd.DataFrame, str]:
    r"""The raw table of a CSV file (separator and decimal mark sniffed unless given) and its decimal mark.

    Args:
        path: the CSV file.
        options: how to read it (`ReadOptions`).

    Returns:
        `(table, decimal mark)`.

    Raises:
        DataError: every problem reading it (missing, empty, unreadable, not a table), in one line.

    Examples:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "a.csv"
        >>> _ = path.write_text("date;y\n2024-01-01;1,5\n")
        >>> table, decimal = read_table(path, ReadOptions())
        >>> list(table.columns), decimal
        (['date', 'y'], ',')
    """
    if not path.exists():
        raise DataError(f"{path}: file not found; check the path")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a CSV file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty; give a CSV with a header and one row per date")
    try:
        with open(path, "rb") as handle:
            head = handle.read(65536)
    except PermissionError:
        raise DataError(f"{path}: cannot be read (permission denied); check the file's permissions") from None
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror or error}); check the file") from None
    if b"\x00" in head:
        raise DataError(f"{path}: looks like a binary file, not a CSV; give a comma-separated text file")
    try:
        text = head.decode("utf-8-sig", errors="strict" if len(head) < 65536 else "ignore")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; save the file as a UTF-8 CSV") from None
    sep, decimal = sniff_layout(text, options.sep, options.decimal)
    if sep != "," or decimal != ".":
        _note(f"{path}: read with fields separated by {_SEPARATOR_NAMES.get(sep, repr(sep))} and "
              f"{'a decimal comma' if decimal == ',' else 'a decimal point'}")
    try:
        return pd.read_csv(path, sep=sep, decimal=decimal, encoding="utf-8-sig", skipinitialspace=True), decimal
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; save the file as a UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: file has no columns; give a CSV with a header row") from None
    except pd.errors.ParserError as error:
        detail = str(error).strip().splitlines()[-1]
        raise DataError(f"{path}: not a valid CSV ({detail}); check the separators and quoting, "
                        "or pass --sep and --decimal") from None


SEPARATORS = (",", ";", "\t", "|")
_SEPARATOR_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars"}
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d{1,3}(?:\.\d{3})*,\d+\s*[%KMBkmb]?\s*$|^\s*[-+]?\d+,\d+\s*[%KMBkmb]?\s*$")


def sniff_layout(text: str, sep: str | None = None, decimal: str | None = None) -> tuple[str, str]:
    r"""The field separator and decimal mark of a CSV whose first lines are `text`.

    The separator is the first of , ; tab | that splits the header and every sampled line into the
    same number (two or more) of fields; the decimal mark is "," only when fields are not
    separated by commas and some field reads like 1,5 or 1.234,5.

    Examples:
        >>> sniff_layout("Date;Close\n2020-01-02;1.234,5\n")
        (';', ',')
        >>> sniff_layout('Date,Close\n2020-01-02,"2,184.05"\n')
        (',', '.')
    """
    lines = [line for line in text.splitlines()[:200] if line.strip()]
    if len(lines) > 2 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line short
    if sep is None:
        sep = next((candidate for candidate in SEPARATORS if _splits_evenly(lines, candidate)), ",")
    if decimal is None:
        decimal = "."
        if sep != ",":
            fields = (field for row in csv.reader(lines[1:], delimiter=sep) for field in row)
            decimal = "," if any(_DECIMAL_COMMA.match(field) for field in fields) else "."
    return sep, decimal


def _splits_evenly(lines: list[str], sep: str) -> bool:
    counts = {len(row) for row in csv.reader(lines, delimiter=sep)}
    return len(counts) == 1 and counts.pop() > 1


def _strip_header(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Column names without surrounding whitespace (a header written `Close ` names Close)."""
    stripped = [str(c).strip() if isinstance(c, str) else c for c in frame.columns]
    if stripped == list(frame.columns):
        return frame
    duplicated = pd.Index(stripped)[pd.Index(stripped).duplicated()]
    if len(duplicated):
        raise DataError(f"{name}: columns {', '.join(map(repr, duplicated))} appear twice once spaces are "
                        "removed from the header; rename one")
    return frame.set_axis(stripped, axis=1)


def _numbers_from_text(frame: pd.DataFrame, decimal: str, name: str) -> dict[str, str]:
    """Convert every text column that holds numbers of one style; return {column: style}.

    Columns that are not numbers stay text: `select_columns` reports them if a model uses them.
    """
    styles = {}
    for column in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column]):
            continue
        try:
            values, style = parse_numbers(frame[column], decimal, name, str(column))
        except DataError:
            continue
        frame[column] = values
        if style:
            styles[str(column)] = style
    return styles


def _without_row_numbers(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The frame without the row numbers pandas writes as a nameless first column (`to_csv` of a
    frame with its default index): 0, 1, 2, ... are no data.

    Examples:
        >>> table = pd.DataFrame({"Unnamed: 0": [0, 1, 2], "Date": ["2020-01-01", "2020-01-02", "2020-01-03"]})
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     list(_without_row_numbers(table, "data").columns)
        ['Date']
    """
    first = frame.columns[0] if len(frame.columns) > 1 else None
    if first is None or not (str(first).startswith("Unnamed: 0") or str(first).strip() == ""):
        return frame
    values = pd.to_numeric(frame[first], errors="coerce").to_numpy()
    if len(values) and np.array_equal(values, np.arange(len(values))):
        _note(f"{name}: the first column holds row numbers 0, 1, 2, ... (a pandas index written by to_csv); left out")
        return frame.drop(columns=[first])
    return frame


def _index_by_date(frame: pd.DataFrame, name: str, options: ReadOptions) -> pd.DataFrame:
    date_column = options.date_column
    if isinstance(frame.index, pd.DatetimeIndex) and (date_column is None or date_column not in frame.columns):
        if frame.index.tz is not None:
            frame = frame.set_axis(_one_zone(frame.index, options.timezone), axis=0)
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
    dates = parse_dates(raw, name, str(column), options.date_format, options.timezone)
    bad = dates.isna()
    if bad.any():
        rows = _rows(np.flatnonzero(bad.to_numpy()))
        examples = ", ".join(repr(str(v)) for v in raw[bad].head(3))
        layout = f"the layout {options.date_format}" if options.date_format else "a layout like 1999-01-04 or 1/4/1999"
        raise DataError(
            f"{name}: column '{column}' has {int(bad.sum())} unparseable date(s) at {rows} ({examples}); use {layout}"
        )
    frame = frame.drop(columns=[column])
    frame.index = pd.DatetimeIndex(dates, name=str(column) if not str(column).startswith("Unnamed") else "Date")
    return frame


def _one_zone(index: pd.DatetimeIndex, timezone: str) -> pd.DatetimeIndex:
    """A zone-aware index as naive timestamps: its own wall time ("local") or converted."""
    return index.tz_localize(None) if timezone == LOCAL_TIME else index.tz_convert(timezone).tz_localize(None)


def _find_date_column(frame: pd.DataFrame) -> str | None:
    for column in frame.columns:
        if str(column).strip().lower() in DATE_COLUMN_NAMES:
            return column
    first = frame.columns[0]
    if str(first).startswith("Unnamed: 0") or str(first).strip() == "":
        return first
    return None


def _in_date_order(frame: pd.DataFrame, name: str, timezone: str) -> pd.DataFrame:
    """The frame in increasing date order: as given, or reversed when its dates run strictly backwards."""
    index = frame.index
    duplicated = index.duplicated(keep=False)
    if duplicated.any():
        dates = sorted({d.isoformat() for d in index[duplicated]})[:_MAX_LISTED]
        hint = (" (timestamps are read as the wall-clock time written; across a clock change pass --timezone UTC)"
                if timezone == LOCAL_TIME and (index.hour != 0).any() else "")
        repeating = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
                     and 1 < frame[c].nunique() < len(frame)]
        if repeating:  # a long table of many series read as one
            hint += f"; a table of many series: name the column that tells them apart with --id-column (here: {repeating[0]}?)"
        raise DataError(
            f"{name}: {int(index.duplicated().sum())} duplicate date(s), e.g. {', '.join(dates)}; "
            f"keep one row per date{hint}"
        )
    steps = np.diff(index.asi8)
    if len(steps) > 1 and (steps < 0).all():  # three or more rows, newest first
        _note(f"{name}: dates run newest first; read oldest first ({index[-1].date()} to {index[0].date()})")
        return frame.iloc[::-1]
    if (steps < 0).any():
        position = int(np.flatnonzero(steps < 0)[0]) + 1
        raise DataError(
            f"{name}: dates are not in increasing order ({index[position].date()} at row {position + 1} "
            f"comes after {index[position - 1].date()}); sort the file by date"
        )
    return frame


def _note(message: str) -> None:
    warnings.warn(message, DataNote, stacklevel=3)


def default_target(frame: pd.DataFrame) -> str:
    """The column to forecast when none is named: `Close` (else `Price`, as financial websites name
    it, else `y`, as the Nixtla tools and Prophet name it) when present, else the only numeric column.

    Examples:
        >>> default_target(pd.DataFrame({"passengers": [112.0, 118.0], "note": ["a", "b"]}))
        'passengers'
    """
    named = next((column for column in TARGET_NAMES if column in frame.columns), None)
    if named is not None:
        return named
    numeric = [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    if len(numeric) == 1:
        return numeric[0]
    name = frame.attrs.get("source", "data")
    if not numeric:
        raise DataError(f"{name}: no numeric column to forecast among {_listing(frame.columns)}; name one with --target")
    raise DataError(f"{name}: {len(numeric)} numeric columns ({_listing(numeric)}) and none named Close or Price; "
                    "choose one with --target")


def select_columns(frame: pd.DataFrame, columns: Sequence[str], fill: str | None = None) -> pd.DataFrame:
    """Return `columns` of `frame` as float64, checked to be present, numeric and finite.

    `fill` chooses what to do with NaN/inf: None refuses them, "ffill" carries the last value
    forward, "drop" removes the rows. Constant columns are reported with a warning.

    Examples:
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
    styles = frame.attrs.get("number_styles", {})
    for column in columns:
        selected[column] = parse_numbers(frame[column], frame.attrs.get("decimal", "."), name, column)[0]
        if column in styles:
            _note(f"{name}: column '{column}' read as numbers with {styles[column]}")
    selected = _handle_missing(selected, name, fill)
    _warn_constant(selected, name)
    selected.attrs["source"] = name
    return selected


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

    Args:
        frame: the series.

    Returns:
        The hex digest.

    Examples:
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
