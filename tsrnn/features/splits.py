"""Splits of a panel into training, validation and test rows, for every series.

Two ways, chosen by the `split` parameter:

- "date": the validation and test periods start at the same dates for every series (the
  single-series split of the union of the panel's dates), so no training target of any series lies
  in another series' validation or test period. Right when the series share a calendar.
- "series": each series' own last rows, as NeuralForecast's `val_size` / `test_size` count them:
  the single-series split (`tsrnn.features.windowing.split_rows`) applied to every series, so a
  series that ends earlier than the others (a delisted ticker; M4's series, whose dates are
  synthetic) still gets validation and test windows and is scored.
- "auto" (the default): "date" when every series ends on the same date (they share a calendar's
  end), "series" otherwise. One series is split the same way by either.

Examples:
    >>> dates = pd.date_range("2020-01-01", periods=100)
    >>> ragged = {"a": pd.DataFrame(index=dates), "b": pd.DataFrame(index=dates[:60])}
    >>> split = split_panel(ragged, "auto", 0.15, 0.15)
    >>> split.how, split.bounds(ragged["b"].index, "b").validation_end
    ('series', 51)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tsrnn.features.windowing import SplitBounds, split_rows
from tsrnn.utils.validation import SPLITS, check_choice


def _start(index: pd.DatetimeIndex, position: int) -> pd.Timestamp:
    """The date at row `position`, or just past the last date (an empty period)."""
    return pd.Timestamp(index[position]) if position < len(index) else pd.Timestamp(index[-1]) + pd.Timedelta(seconds=1)


@dataclass(frozen=True)
class DateSplit:
    """Where the validation and test periods start, the same dates for every series of a panel.

    Attributes:
        validation_start: the first validation date.
        test_start: the first test date.

    Examples:
        >>> split = DateSplit(pd.Timestamp("2020-03-01"), pd.Timestamp("2020-04-01"))
        >>> split.bounds(pd.date_range("2020-01-01", "2020-04-30"))
        SplitBounds(rows=121, train_end=60, validation_end=91)
    """

    validation_start: pd.Timestamp
    test_start: pd.Timestamp
    how = "date"

    def bounds(self, index: pd.DatetimeIndex, name: str | None = None) -> SplitBounds:
        """This series' row boundaries: rows before `validation_start` train, and so on.

        Args:
            index: the series' dates.
            name: the series' name (unused: every series splits at the same dates).

        Returns:
            The series' `SplitBounds`.
        """
        train_end = int(index.searchsorted(self.validation_start))
        validation_end = int(index.searchsorted(self.test_start))
        return SplitBounds(rows=len(index), train_end=train_end, validation_end=validation_end)

    def describe(self) -> str:
        """One line for the printed tables.

        Returns:
            Where the validation and test periods start.
        """
        return f"validation from {self.validation_start.date()}, test from {self.test_start.date()}"

    def earlier(self, panel: dict[str, pd.DataFrame], blocks: int) -> DateSplit | None:
        """The split whose validation period is the block of as many dates `blocks` blocks before
        this one's (its test part: every later row, which a fit leaves unread), for
        cross-validated calibration; None where no date is left before it to train on.

        Args:
            panel: the series the split was made for.
            blocks: how many validation periods to step back (1: the one just before).

        Returns:
            The earlier `DateSplit`, or None.

        Examples:
            >>> dates = pd.date_range("2020-01-01", periods=100)
            >>> split = split_by_date({"a": pd.DataFrame(index=dates)})
            >>> earlier = split.earlier({"a": pd.DataFrame(index=dates)}, 1)
            >>> earlier.bounds(dates), earlier.test_start == split.validation_start
            (SplitBounds(rows=100, train_end=55, validation_end=70), True)
        """
        dates = union_of_dates(panel)
        train_end, validation_end = int(dates.searchsorted(self.validation_start)), int(dates.searchsorted(self.test_start))
        shift = blocks * (validation_end - train_end)
        if train_end - shift <= 0 or validation_end == train_end:
            return None
        return DateSplit(_start(dates, train_end - shift), _start(dates, validation_end - shift))

    def to_dict(self) -> dict:
        """The split as `run.json` stores it.

        Returns:
            A JSON-ready dict.
        """
        return {"how": "date", "validation_start": self.validation_start.isoformat(), "test_start": self.test_start.isoformat()}

    @classmethod
    def from_dict(cls, values: dict) -> DateSplit:
        """The split `to_dict` wrote.

        Args:
            values: the stored fields.

        Returns:
            The `DateSplit`.
        """
        return cls(pd.Timestamp(values["validation_start"]), pd.Timestamp(values["test_start"]))


@dataclass(frozen=True)
class SeriesSplit:
    """Each series' own last rows for validation and test, by the single-series fractions.

    The fitted series keep the dates where their validation and test parts started (`starts`), so a
    longer copy of a series given later is split where it was; a series never seen is split by
    the fractions of its own rows.
    """

    validation_fraction: float
    test_fraction: float
    starts: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=dict)
    how = "series"

    def bounds(self, index: pd.DatetimeIndex, name: str | None = None) -> SplitBounds:
        """This series' row boundaries (see the class).

        Args:
            index: the series' dates.
            name: the series' name; a fitted series is split at its recorded dates.

        Returns:
            The series' `SplitBounds`.
        """
        if name in self.starts:
            validation_start, test_start = self.starts[name]
            return SplitBounds(rows=len(index), train_end=int(index.searchsorted(validation_start)),
                               validation_end=int(index.searchsorted(test_start)))
        return split_rows(len(index), self.validation_fraction, self.test_fraction)

    def earlier(self, panel: dict[str, pd.DataFrame], blocks: int) -> SeriesSplit | None:
        """The split whose validation part is, in every series, the block of as many rows `blocks`
        blocks before its own (see `DateSplit.earlier`); a series without a row left before that
        block to train on is not in it (`starts`). None where no series is left.

        Args:
            panel: the series the split was made for.
            blocks: how many validation parts to step back.

        Returns:
            The earlier `SeriesSplit`, or None.
        """
        starts = {}
        for name, frame in panel.items():
            bounds = self.bounds(frame.index, name)
            shift = blocks * (bounds.validation_end - bounds.train_end)
            if bounds.train_end - shift > 0 and shift:
                starts[name] = (_start(frame.index, bounds.train_end - shift), _start(frame.index, bounds.validation_end - shift))
        return SeriesSplit(self.validation_fraction, self.test_fraction, starts) if starts else None

    def describe(self) -> str:
        """One line for the printed tables.

        Returns:
            The fractions each series keeps for validation and test.
        """
        return (f"validation and test: each series' own last {self.validation_fraction:.0%} and {self.test_fraction:.0%} "
                "of rows (the series end at different dates)")

    def to_dict(self) -> dict:
        """The split as `run.json` stores it.

        Returns:
            A JSON-ready dict.
        """
        return {"how": "series", "validation_fraction": self.validation_fraction, "test_fraction": self.test_fraction,
                "starts": {name: [start.isoformat() for start in pair] for name, pair in self.starts.items()}}

    @classmethod
    def from_dict(cls, values: dict) -> SeriesSplit:
        """The split `to_dict` wrote.

        Args:
            values: the stored fields.

        Returns:
            The `SeriesSplit`.
        """
        return cls(values["validation_fraction"], values["test_fraction"],
                   {name: (pd.Timestamp(a), pd.Timestamp(b)) for name, (a, b) in values["starts"].items()})


def union_of_dates(panel: dict[str, pd.DataFrame]) -> pd.DatetimeIndex:
    """Every date of any series of `panel`, sorted, once.

    Examples:
        >>> dates = pd.date_range("2020-01-01", periods=3)
        >>> len(union_of_dates({"a": pd.DataFrame(index=dates), "b": pd.DataFrame(index=dates[1:])}))
        3
    """
    return pd.DatetimeIndex(np.unique(np.concatenate([frame.index.to_numpy(dtype="datetime64[ns]") for frame in panel.values()])))


def split_by_date(panel: dict[str, pd.DataFrame], validation_fraction: float = 0.15, test_fraction: float = 0.15) -> DateSplit:
    """The dates that cut the union of the panel's dates by the fractions (training first).

    Args:
        panel: the series, each a frame indexed by its dates.
        validation_fraction: the part of the union of dates before the test part.
        test_fraction: the last part of the union of dates.

    Returns:
        The `DateSplit`.

    Examples:
        >>> dates = pd.date_range("2020-01-01", periods=100)
        >>> split = split_by_date({"a": pd.DataFrame(index=dates), "b": pd.DataFrame(index=dates[50:])})
        >>> str(split.validation_start.date()), str(split.test_start.date())
        ('2020-03-11', '2020-03-26')
    """
    dates = union_of_dates(panel)
    rows = split_rows(len(dates), validation_fraction, test_fraction)  # the single-series split of the union
    return DateSplit(validation_start=_start(dates, rows.train_end), test_start=_start(dates, rows.validation_end))


def split_by_series(panel: dict[str, pd.DataFrame], validation_fraction: float = 0.15,
                    test_fraction: float = 0.15) -> SeriesSplit:
    """Each series' own last rows (see `SeriesSplit`).

    Args:
        panel: the series, each a frame indexed by its dates.
        validation_fraction: the part of each series' rows before its test part.
        test_fraction: the last part of each series' rows.

    Returns:
        The `SeriesSplit`, with the dates where each series' validation and test parts start.
    """
    starts = {}
    for name, frame in panel.items():
        rows = split_rows(len(frame), validation_fraction, test_fraction)
        starts[name] = (_start(frame.index, rows.train_end), _start(frame.index, rows.validation_end))
    return SeriesSplit(validation_fraction, test_fraction, starts)


def shares_calendar(panel: dict[str, pd.DataFrame]) -> bool:
    """Whether every series of `panel` ends on the same date (the rule "auto" splits by).

    Examples:
        >>> dates = pd.date_range("2020-01-01", periods=10)
        >>> shares_calendar({"a": pd.DataFrame(index=dates), "b": pd.DataFrame(index=dates[3:])})
        True
    """
    return len({frame.index[-1] for frame in panel.values()}) == 1


def split_panel(panel: dict[str, pd.DataFrame], how: str, validation_fraction: float,
                test_fraction: float) -> DateSplit | SeriesSplit:
    """The panel's split the `split` parameter asks for ("auto", "date" or "series"; see the module).

    Args:
        panel: the series, each a frame indexed by its dates.
        how: "auto" (by date where every series ends on the same date, else per series), "date"
            or "series".
        validation_fraction: the part held out before the test part.
        test_fraction: the last part held out.

    Returns:
        A `DateSplit` or a `SeriesSplit`.

    Raises:
        ConfigError: `how` is none of the choices.
    """
    how = check_choice("split", how, SPLITS)
    if how == "auto":
        how = "date" if shares_calendar(panel) else "series"
    if how == "date":
        return split_by_date(panel, validation_fraction, test_fraction)
    return split_by_series(panel, validation_fraction, test_fraction)


def split_from_dict(values: dict) -> DateSplit | SeriesSplit:
    """The split written by `to_dict` (runs of 0.1.0 hold a date split without "how")."""
    return SeriesSplit.from_dict(values) if values.get("how") == "series" else DateSplit.from_dict(values)


def why_not_scored(bounds: SplitBounds, part: str, spec, index: pd.DatetimeIndex) -> str:
    """Why a series has no window in `part` of its split, in one phrase for the tables.

    Args:
        bounds: the series' split.
        part: "train", "validation" or "test".
        spec: the window spec (`tsrnn.features.windowing.WindowSpec`).
        index: the series' dates.

    Returns:
        The reason.

    Examples:
        >>> from tsrnn.features.windowing import WindowSpec
        >>> dates = pd.date_range("2020-01-01", periods=40)
        >>> why_not_scored(SplitBounds(rows=40, train_end=40, validation_end=40), "test", WindowSpec(lookback=5), dates)
        'its rows end 2020-02-09, before the test period'
    """
    first, last = {"train": (0, bounds.train_end), "validation": (bounds.train_end, bounds.validation_end),
                   "test": (bounds.validation_end, bounds.rows)}[part]
    if last <= first:
        return f"its rows end {index[-1].date()}, before the {part} period"
    return (f"{last - first} rows in its {part} part after {first} earlier rows: too few for a window of "
            f"lookback {spec.lookback} with {spec.gap + spec.horizon} target rows")
