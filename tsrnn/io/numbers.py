"""Numbers written as people write them: thousands separators, a decimal comma, percentages and
K/M/B suffixes, read by one rule per column.

`parse_numbers` reads a column of text under the file's decimal mark. Each column has one style:
plain numbers (thousands separators allowed), percentages (`0.52%` is 0.0052), or numbers with
K/M/B suffixes (`3.38M` is 3,380,000; a bare zero is allowed). A column that mixes styles, or holds
text that is no number, raises one `DataError` naming its rows. A lone `-` is a missing value, as
financial websites write one.

Examples:
    >>> values, style = parse_numbers(pd.Series(["2,184.05", "998.10"]), decimal=".")
    >>> values.tolist(), style
    ([2184.05, 998.1], "thousands separators ','")
    >>> parse_numbers(pd.Series(["3.38M", "950.2K", "0"]), decimal=".")[0].tolist()
    [3380000.0, 950200.0, 0.0]
    >>> parse_numbers(pd.Series(["1.234,5", "-0,25%"]), decimal=",")[1]
    Traceback (most recent call last):
    ...
    tsrnn.errors.DataError: data: column 'value' mixes percentages (row 2: '-0,25%') with plain numbers (row 1: '1.234,5'); write the column one way
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from tsrnn.errors import DataError
from tsrnn.utils.validation import DECIMAL_MARKS

SUFFIXES = {"K": 1e3, "M": 1e6, "B": 1e9}
MISSING_TEXT = ("-", "—", "–")


def _pattern(decimal: str) -> re.Pattern:
    thousands = re.escape("," if decimal == "." else ".")
    point = re.escape(decimal)
    return re.compile(
        rf"^(?P<sign>[-+]?)(?P<number>(?:\d{{1,3}}(?:{thousands}\d{{3}})+|\d+)(?:{point}\d*)?|{point}\d+)"
        r"(?:[eE](?P<exponent>[-+]?\d+))?\s*(?P<unit>[%KMBkmb]?)$"
    )


def parse_numbers(values: pd.Series, decimal: str = ".", name: str = "data", column: str = "value") -> tuple[pd.Series, str | None]:
    """`values` as float64 and the column's style (None for plain numbers), or a `DataError`.

    Already-numeric columns pass through unchanged. Missing values (NaN, empty, `-`) stay NaN.
    """
    if decimal not in DECIMAL_MARKS:
        raise DataError(f"decimal mark must be '.' or ',', got {decimal!r}")
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64"), None
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), None
    text = values.astype("string").str.strip()
    missing = text.isna() | (text == "") | text.isin(MISSING_TEXT)
    parts = text.where(~missing).str.extract(_pattern(decimal))
    unreadable = ~missing & parts["number"].isna()
    if unreadable.any():
        rows = np.flatnonzero(unreadable.to_numpy())
        examples = ", ".join(repr(str(v)) for v in values[unreadable].head(3))
        raise DataError(f"{name}: column '{column}' has {int(unreadable.sum())} non-numeric value(s) at {_rows(values.index, rows)} "
                        f"({examples}); fix or remove those rows")
    thousands = "," if decimal == "." else "."
    digits = parts["number"].str.replace(thousands, "", regex=False).str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(parts["sign"].fillna("") + digits, errors="coerce").astype("float64")
    exponent = pd.to_numeric(parts["exponent"], errors="coerce").fillna(0.0).to_numpy()
    numbers = numbers * np.power(10.0, exponent)
    unit = parts["unit"].fillna("").str.upper()
    present = ~missing
    percent, suffixed = present & (unit == "%"), present & unit.isin(list(SUFFIXES))
    bare = present & (unit == "")
    _check_one_style(values, name, column, percent, suffixed, bare, numbers)
    if percent.any():
        return (numbers / 100.0).where(present), "percentages (1% = 0.01)"
    if suffixed.any():
        scale = unit.map(SUFFIXES).fillna(1.0).astype("float64")
        return (numbers * scale).where(present), "K/M/B suffixes (3.38M = 3,380,000)"
    has_thousands = parts["number"].str.contains(thousands, regex=False).fillna(False)
    styles = []
    if decimal == ",":
        styles.append("decimal comma")
    if has_thousands.any():
        styles.append(f"thousands separators '{thousands}'")
    return numbers.where(present), (", ".join(styles) or None)


def _check_one_style(values, name, column, percent, suffixed, bare, numbers) -> None:
    """One style per column: percentages, K/M/B suffixes (bare zeros allowed), or plain numbers."""
    styles = {"percentages": percent, "K/M/B suffixes": suffixed, "plain numbers": bare}
    if suffixed.any():
        styles["plain numbers"] = bare & (numbers != 0)
    used = [style for style, mask in styles.items() if mask.any()]
    if len(used) < 2:
        return
    first, second = used[0], used[1]
    a, b = int(np.flatnonzero(styles[first].to_numpy())[0]), int(np.flatnonzero(styles[second].to_numpy())[0])
    raise DataError(f"{name}: column '{column}' mixes {first} ({_rows(values.index, [a])}: {str(values.iloc[a])!r}) "
                    f"with {second} ({_rows(values.index, [b])}: {str(values.iloc[b])!r}); write the column one way")


def _rows(index: pd.Index, positions) -> str:
    labels = []
    for p in list(positions)[:5]:
        label = index[int(p)]
        labels.append(str(label.date()) if isinstance(label, pd.Timestamp) and label == label.normalize()
                      else (str(label) if isinstance(label, pd.Timestamp) else f"row {int(p) + 1}"))
    more = f" and {len(positions) - 5} more" if len(positions) > 5 else ""
    return ", ".join(labels) + more
