"""Panels: many series read as one.

A panel is a folder of CSVs (one series each, named by the file's stem), one long CSV with an id
column, a dict of DataFrames, or a long DataFrame with an id column. Every series is read and
checked like a single series (`tsrnn.io.tables.read_series`), so an error names the series. How
a panel is split is `tsrnn.features.splits`.

Examples:
    >>> import pandas as pd
    >>> long = pd.DataFrame({"ticker": ["A", "A", "B", "B"], "Date": ["2020-01-01", "2020-01-02"] * 2,
    ...                      "Close": [1.0, 2.0, 3.0, 4.0]})
    >>> panel = read_panel(long, id_column="ticker")
    >>> sorted(panel), panel["B"]["Close"].tolist()
    (['A', 'B'], [3.0, 4.0])
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from tsrnn.errors import DataError
from tsrnn.io.tables import ReadOptions, read_series, read_table

NIXTLA_ID = "unique_id"  # the id column of the Nixtla tools' long frames (unique_id, ds, y)


def is_panel(source, id_column: str | None = None) -> bool:
    """Whether `source` is a panel: a dict, a folder, anything given with an id column, or a long
    table in the Nixtla tools' layout (a `unique_id` column).

    Args:
        source: the data as a user gives it.
        id_column: the id column named, if any.

    Returns:
        True for a panel.

    Examples:
        >>> is_panel(pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"], "y": [1.0]}))
        True
    """
    return id_column is not None or isinstance(source, dict) or default_id_column(source) is not None or (
        not isinstance(source, pd.DataFrame) and Path(source).is_dir())


def default_id_column(source, id_column: str | None = None) -> str | None:
    """`id_column` when given; else `unique_id` where `source` (a DataFrame or a CSV file) has that
    column, as the long frames of statsforecast, mlforecast and neuralforecast do; else None.

    Examples:
        >>> default_id_column(pd.DataFrame({"unique_id": ["a"], "ds": ["2020-01-01"], "y": [1.0]}))
        'unique_id'
        >>> default_id_column(pd.DataFrame({"Date": ["2020-01-01"], "y": [1.0]})) is None
        True
    """
    if id_column is not None or isinstance(source, dict):
        return id_column
    if isinstance(source, pd.DataFrame):
        columns = [str(c).strip() for c in source.columns]
    else:
        path = Path(source)
        if path.suffix.lower() != ".csv" or not path.is_file():
            return None
        try:
            with path.open(encoding="utf-8-sig", errors="replace") as file:
                header = file.readline()
        except OSError:
            return None
        columns = [c.strip().strip('"') for c in header.replace(";", ",").replace("\t", ",").split(",")]
    return NIXTLA_ID if NIXTLA_ID in columns else None


def read_series_or_panel(source, options: ReadOptions | None = None,
                         id_column: str | None = None) -> tuple[dict[str, pd.DataFrame], bool, str | None]:
    """Any data a forecaster takes, as `{series name: frame}`, and whether it was given as a panel.

    Args:
        source: one series (a CSV path or a DataFrame), or a panel (see `read_panel`).
        options: how files are read (`tsrnn.io.tables.ReadOptions`).
        id_column: the column that tells the series of a long table apart.

    Returns:
        `(series by name, panel, id column)`: one series is named by its file's stem ("series" for
        a DataFrame); the id column is the one given, `unique_id` for a Nixtla long frame, or None.

    Examples:
        >>> frame = pd.DataFrame({"Date": ["2020-01-01", "2020-01-02"], "Close": [1.0, 2.0]})
        >>> frames, panel, id_column = read_series_or_panel(frame)
        >>> list(frames), panel, id_column
        (['series'], False, None)
    """
    id_column = default_id_column(source, id_column)  # a Nixtla long frame names its series by unique_id
    if is_panel(source, id_column):
        return read_panel(source, options, id_column), True, id_column
    name = "series" if isinstance(source, pd.DataFrame) else Path(source).stem
    return {name: read_series(source, options or ReadOptions())}, False, None


def read_panel(source, options: ReadOptions | None = None, id_column: str | None = None,
               single_without_id: bool = False) -> dict[str, pd.DataFrame]:
    """`{series name: frame indexed by increasing, unique dates}`, in a stable (sorted) order.

    Args:
        source: a folder of CSVs, a long CSV or DataFrame with `id_column`, or a dict of frames.
        options: how files are read (`tsrnn.io.tables.ReadOptions`).
        id_column: the column that tells the series of a long table apart (default: `unique_id`
            where the table has it, as the Nixtla tools' long frames do).
        single_without_id: a CSV or DataFrame without `id_column` is one series, named by its
            file's stem ("series" for a DataFrame): how a fitted panel reads one new series.

    Returns:
        The series by name.

    Raises:
        DataError: an empty folder, a long table without its id column, or a series that does not
            read (the error names it).

    Examples:
        >>> long = pd.DataFrame({"ticker": ["b", "a", "b", "a"], "date": ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-02"],
        ...                      "Close": [1.0, 2.0, 3.0, 4.0]})
        >>> {name: frame["Close"].tolist() for name, frame in read_panel(long, id_column="ticker").items()}
        {'a': [2.0, 4.0], 'b': [1.0, 3.0]}
    """
    id_column = default_id_column(source, id_column)
    options = options or ReadOptions()
    if isinstance(source, dict):
        items = {str(name): frame for name, frame in source.items()}
        panel = {name: read_series(_named(frame, name), options) for name, frame in items.items()}
    elif isinstance(source, pd.DataFrame):
        if single_without_id and not _has_column(source, id_column):
            return {"series": read_series(_named(source, "series"), options)}
        panel = _split_long(source, id_column, "data", options, ".")
    else:
        path = Path(source)
        if path.is_dir():
            files = sorted(path.glob("*.csv"))
            if not files:
                raise DataError(f"{path}: folder holds no .csv file; give one CSV per series")
            panel = {file.stem: read_series(file, options) for file in files}
        else:
            if id_column is None and not single_without_id:
                raise DataError(f"{path}: one series per file; for a long table name its id column with --id-column")
            table, decimal = read_table(path, options)
            if single_without_id and not _has_column(table, id_column):
                table.attrs.update(source=str(path), decimal=decimal)
                return {path.stem: read_series(table, options)}
            panel = _split_long(table, id_column, str(path), options, decimal)
    if not panel:
        raise DataError("the panel holds no series")
    return dict(sorted(panel.items()))


def _has_column(table: pd.DataFrame, column: str | None) -> bool:
    """Whether `table` has `column` among its header names, spaces around them stripped (as `_split_long` reads them)."""
    return column in [str(c).strip() for c in table.columns]


def _named(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame = frame.copy()
    frame.attrs["source"] = f"series {name}"
    return frame


def _split_long(table: pd.DataFrame, id_column: str | None, name: str, options: ReadOptions, decimal: str) -> dict:
    if id_column is None:
        raise DataError(f"{name}: a long table needs its id column (--id-column)")
    columns = [str(c).strip() for c in table.columns]
    table = table.set_axis(columns, axis=1)
    if id_column not in table.columns:
        raise DataError(f"{name}: id column '{id_column}' not found; available: {', '.join(columns)}")
    panel = {}
    for key, group in table.groupby(id_column, sort=True):
        series = group.drop(columns=[id_column]).reset_index(drop=True)
        series.attrs.update(source=f"{name} [{key}]", decimal=decimal)
        panel[str(key)] = read_series(series, options)
    return panel
