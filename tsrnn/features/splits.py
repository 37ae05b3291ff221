"""Splits of a panel by date: one validation and test start for every series.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsrnn.features.windowing import SplitBounds, split_rows


@dataclass(frozen=True)
class DateSplit:
    """Where the validation and test periods start, for every series of a panel."""

    validation_start: pd.Timestamp
    test_start: pd.Timestamp

    def bounds(self, index: pd.DatetimeIndex) -> SplitBounds:
        """This series' row boundaries: rows before `validation_start` train, and so on."""
        train_end = int(index.searchsorted(self.validation_start))
        validation_end = int(index.searchsorted(self.test_start))
        return SplitBounds(rows=len(index), train_end=train_end, validation_end=validation_end)

    def to_dict(self) -> dict:
        return {"validation_start": self.validation_start.isoformat(), "test_start": self.test_start.isoformat()}

    @classmethod
    def from_dict(cls, values: dict) -> DateSplit:
        return cls(pd.Timestamp(values["validation_start"]), pd.Timestamp(values["test_start"]))


def split_by_date(panel: dict[str, pd.DataFrame], validation_fraction: float = 0.15, test_fraction: float = 0.15) -> DateSplit:
    """The dates that cut the union of the panel's dates by the fractions (training first).

    Example:
        >>> dates = pd.date_range("2020-01-01", periods=100)
        >>> split = split_by_date({"a": pd.DataFrame(index=dates), "b": pd.DataFrame(index=dates[50:])})
        >>> str(split.validation_start.date()), str(split.test_start.date())
        ('2020-03-11', '2020-03-26')
    """
    dates = np.unique(np.concatenate([frame.index.to_numpy(dtype="datetime64[ns]") for frame in panel.values()]))
    rows = split_rows(len(dates), validation_fraction, test_fraction)  # the single-series split of the union

    def at(position: int) -> pd.Timestamp:  # past the last date: an empty period
        return pd.Timestamp(dates[position]) if position < len(dates) else pd.Timestamp(dates[-1]) + pd.Timedelta(seconds=1)

    return DateSplit(validation_start=at(rows.train_end), test_start=at(rows.validation_end))
