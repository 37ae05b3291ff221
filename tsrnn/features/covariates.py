"""Future covariates: columns known in advance (a holiday flag, a planned promotion, the calendar),
fed to the network as values at the times of the targets it forecasts.

A past covariate (an ordinary input, `WindowSpec.feature_columns`) is known up to the window's last
row only. A future covariate `c` (`WindowSpec.future_columns`) becomes one input column per target
step `k`, named `c@t+k`: on the row of a window's end `t` it holds `c` at row `t + k`, so the last
row of every window carries the covariate's values over the whole forecast horizon (and earlier rows
its values a few steps after them, all known in advance too). Calendar encodings
(`WindowSpec.calendar`: hour, day of week, day of month, month) are future covariates computed from
the dates: a sine and a cosine per encoding and step, e.g. `month_sin@t+1`.

The values after the data's last row come from a table of future rows (`future=`): the future
columns on dates after the data. Calendar encodings need only the dates of the rows to come, which
`future_dates` finds from an exchange calendar (`exchange-calendars`, e.g. XNYS: the day after a
Friday or a holiday is the next session) or from the data's own spacing.

Examples:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0], "promo": [0.0, 1.0, 0.0]},
    ...                      index=pd.date_range("2024-01-01", periods=3))
    >>> future = pd.DataFrame({"promo": [1.0]}, index=[pd.Timestamp("2024-01-04")])
    >>> add_future_inputs(frame, ("promo",), (), gap=0, horizon=1, future=future)["promo@t+1"].tolist()
    [1.0, 0.0, 1.0]
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError, DataError
from tsrnn.utils.validation import CALENDAR_ENCODINGS

_DAY = pd.Timedelta(days=1)


def lead_name(column: str, step: int) -> str:
    """The input column that holds `column` at `step` rows after each row: `promo@t+1`."""
    return f"{column}@t+{step}"


def calendar_columns(encodings: Sequence[str]) -> tuple[str, ...]:
    """The columns of the encodings: a sine and a cosine for each.

    Examples:
        >>> calendar_columns(["month"])
        ('month_sin', 'month_cos')
    """
    return tuple(f"{name}_{part}" for name in encodings for part in ("sin", "cos"))


def future_input_names(future_columns: Sequence[str], calendar: Sequence[str], gap: int, horizon: int) -> tuple[str, ...]:
    """Every derived input, step by step: each future column and calendar column at each target step.

    Examples:
        >>> future_input_names(["promo"], ["month"], gap=0, horizon=2)
        ('promo@t+1', 'month_sin@t+1', 'month_cos@t+1', 'promo@t+2', 'month_sin@t+2', 'month_cos@t+2')
    """
    sources = tuple(future_columns) + calendar_columns(calendar)
    return tuple(lead_name(c, step) for step in range(gap + 1, gap + horizon + 1) for c in sources)


def check_encodings(encodings: Sequence[str]) -> tuple[str, ...]:
    """The encodings, checked against `CALENDAR_ENCODINGS`."""
    unknown = [e for e in encodings if e not in CALENDAR_ENCODINGS]
    if unknown:
        raise ConfigError(f"unknown calendar encoding(s) {', '.join(map(repr, unknown))}; "
                          f"choose from {', '.join(CALENDAR_ENCODINGS)}")
    return tuple(dict.fromkeys(encodings))


def default_encodings(index: pd.DatetimeIndex) -> tuple[str, ...]:
    """The encodings that vary for dates spaced like `index`: hour and day of week below a day; day
    of week, day of month and month for days; month for weeks, months and quarters.

    Examples:
        >>> default_encodings(pd.date_range("2020-01-01", periods=10, freq="h"))
        ('hour', 'day_of_week')
        >>> default_encodings(pd.date_range("2020-01-01", periods=10, freq="MS"))
        ('month',)
    """
    index = pd.DatetimeIndex(index)
    if len(index) < 2:
        raise DataError("a calendar needs at least 2 dated rows to see their spacing")
    typical = pd.Series(index[1:] - index[:-1]).median()
    if typical < _DAY:
        return ("hour", "day_of_week")
    if typical < pd.Timedelta(days=7):
        return ("day_of_week", "day_of_month", "month")
    if typical < pd.Timedelta(days=365):
        return ("month",)
    raise DataError("yearly (or sparser) dates have no calendar cycle to encode; drop --calendar")


def encode_dates(dates: pd.DatetimeIndex, encodings: Sequence[str]) -> pd.DataFrame:
    """Sine and cosine of each encoding's position in its cycle, one row per date.

    Args:
        dates: the dates.
        encodings: "hour", "day_of_week", "day_of_month" or "month".

    Returns:
        Two columns per encoding (`{name}_sin`, `{name}_cos`), indexed by the dates.

    Examples:
        >>> encode_dates(pd.DatetimeIndex(["2024-04-01"]), ["month"]).round(6).iloc[0].tolist()  # a quarter of the year
        [1.0, 0.0]
    """
    dates = pd.DatetimeIndex(dates)
    columns = {}
    for name in encodings:
        if name == "hour":
            position, length = dates.hour + dates.minute / 60, 24.0
        elif name == "day_of_week":
            position, length = dates.day_of_week, 7.0
        elif name == "day_of_month":
            position, length = dates.day - 1, dates.days_in_month
        else:
            position, length = dates.month - 1, 12.0
        angle = 2 * np.pi * np.asarray(position, dtype=np.float64) / np.asarray(length, dtype=np.float64)
        columns[f"{name}_sin"], columns[f"{name}_cos"] = np.sin(angle), np.cos(angle)
    return pd.DataFrame(columns, index=dates)


def future_dates(index: pd.DatetimeIndex, count: int, calendar_name: str | None = None) -> pd.DatetimeIndex:
    """The dates of the `count` rows after `index`: the next sessions of exchange `calendar_name`
    (e.g. "XNYS"), or, without one, the data's own spacing (its inferred frequency, business days
    for weekday data, else the usual step).

    Examples:
        >>> future_dates(pd.DatetimeIndex(["2024-07-01", "2024-07-02", "2024-07-03"]), 2, "XNYS").strftime("%a %d").tolist()
        ['Fri 05', 'Mon 08']
    """
    index = pd.DatetimeIndex(index)
    if count <= 0:
        return index[:0]
    if calendar_name:
        return _exchange_sessions(index, count, calendar_name)
    tail = index[-min(len(index), 60):]
    frequency = pd.infer_freq(tail) if len(tail) >= 3 else None
    if frequency is not None:
        return pd.date_range(index[-1], periods=count + 1, freq=frequency)[1:]
    steps = pd.Series(tail[1:] - tail[:-1])
    typical = steps.mode().iloc[0] if len(steps) else _DAY
    if typical == _DAY and (tail.day_of_week < 5).all():
        return pd.bdate_range(index[-1], periods=count + 1, tz=index.tz)[1:] if index[-1].day_of_week < 5 else \
            pd.bdate_range(index[-1] + _DAY, periods=count, tz=index.tz)
    return pd.DatetimeIndex([index[-1] + typical * k for k in range(1, count + 1)])


def _exchange_sessions(index: pd.DatetimeIndex, count: int, calendar_name: str) -> pd.DatetimeIndex:
    last = index[-1].tz_localize(None) if index.tz is not None else index[-1]
    last = last.normalize()
    calendar = exchange_calendar(calendar_name, start_year=last.year - 1)
    if last > calendar.last_session or last < calendar.first_session:
        raise DataError(f"the data ends on {last.date()}, outside the {calendar_name} calendar's sessions "
                        f"({calendar.first_session.date()} .. {calendar.last_session.date()}); "
                        "update exchange-calendars or drop --calendar-name")
    start = last if calendar.is_session(last) else calendar.date_to_session(last, direction="previous")
    sessions = calendar.sessions_window(start, count + 1)[1:]
    if len(sessions) < count:
        raise DataError(f"the {calendar_name} calendar has no sessions after {calendar.last_session.date()}; "
                        "update exchange-calendars")
    dates = pd.DatetimeIndex(sessions.tz_localize(None) if sessions.tz is not None else sessions, freq=None)
    return dates.tz_localize(index.tz) if index.tz is not None else dates


@functools.lru_cache(maxsize=16)
def exchange_calendar(name: str, start_year: int | None = None):
    """The exchange calendar `name` (e.g. "XNYS", "XLON") from the `exchange-calendars` package,
    with sessions from `start_year` on where the calendar reaches that far back (its default: 20 years).
    """
    try:
        import exchange_calendars
    except ImportError as error:
        raise ConfigError("--calendar-name needs the exchange-calendars package: pip install 'tsrnn[calendars]'") from error
    try:
        return exchange_calendars.get_calendar(name, start=pd.Timestamp(year=start_year, month=1, day=1)) \
            if start_year is not None else exchange_calendars.get_calendar(name)
    except exchange_calendars.errors.InvalidCalendarName:
        raise ConfigError(f"unknown exchange calendar {name!r}; choose one of exchange_calendars.get_calendar_names(), "
                          "e.g. XNYS, XLON, XTKS") from None
    except ValueError:  # a start before the calendar's first possible date: its default range
        return exchange_calendars.get_calendar(name)


def add_future_inputs(frame: pd.DataFrame, future_columns: Sequence[str], calendar: Sequence[str], gap: int,
                      horizon: int, future: pd.DataFrame | None = None, calendar_name: str | None = None) -> pd.DataFrame:
    """`frame` with the derived inputs of `future_input_names`: column `c@t+k` holds `c` at `k` rows
    later. Rows after the data come from `future` (dates after the data's last, holding the future
    columns); a lead past what is known is NaN (`missing_future` finds such rows).
    """
    if not future_columns and not calendar:
        return frame
    steps = gap + horizon
    name = frame.attrs.get("source", "data")
    later = _future_rows(frame, future, future_columns, name)
    dates = later.index if len(later) >= steps or future_columns else \
        later.index.append(future_dates(frame.index.append(later.index), steps - len(later), calendar_name))
    values = pd.concat([frame[list(future_columns)], later[list(future_columns)]]) if future_columns else \
        pd.DataFrame(index=frame.index.append(later.index))
    values = values.reindex(frame.index.append(dates))
    if calendar:
        values = pd.concat([values, encode_dates(values.index, calendar).set_axis(values.index)], axis=1)
    derived = {lead_name(column, step): values[column].shift(-step).to_numpy()[: len(frame)]
               for step in range(gap + 1, steps + 1) for column in values.columns}
    result = pd.concat([frame, pd.DataFrame(derived, index=frame.index)], axis=1)
    result.attrs = dict(frame.attrs)
    return result


def written_future_rows(series: pd.DataFrame, target_columns: Sequence[str],
                        future_columns: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """`series` without its trailing rows whose targets are all empty, and those rows (None when
    there are none, or no future covariates): the way a file is often written, with the known
    promotions or holidays below the last observed sale. They serve as the future rows.

    Examples:
        >>> frame = pd.DataFrame({"sales": [5.0, 6.0, None], "promo": [0, 1, 1]},
        ...                      index=pd.date_range("2024-01-01", periods=3))
        >>> known, later = written_future_rows(frame, ["sales"], ["promo"])
        >>> len(known), later.index[0].day, int(later["promo"].iloc[0])
        (2, 3, 1)
    """
    if not future_columns or any(column not in series.columns for column in target_columns):
        return series, None
    observed = np.flatnonzero(series[list(target_columns)].notna().any(axis=1).to_numpy())
    if not len(observed) or observed[-1] == len(series) - 1:
        return series, None
    return series.iloc[: observed[-1] + 1], series.iloc[observed[-1] + 1 :]  # iloc keeps attrs (the source name)


def _future_rows(frame: pd.DataFrame, future, future_columns: Sequence[str], name: str) -> pd.DataFrame:
    if future is None:
        return pd.DataFrame(columns=list(future_columns), index=frame.index[:0], dtype=np.float64)
    if not isinstance(future, pd.DataFrame) or not isinstance(future.index, pd.DatetimeIndex):
        raise DataError("future rows must be a DataFrame indexed by date (or a CSV read like the data)")
    missing = [c for c in future_columns if c not in future.columns]
    if missing:
        raise DataError(f"the future rows lack the future covariate(s) {', '.join(missing)}; "
                        f"give a column for each of {', '.join(future_columns)}")
    later = future[future.index > frame.index[-1]]
    if not later.index.is_monotonic_increasing or later.index.has_duplicates:
        raise DataError("the future rows' dates must be increasing without repeats")
    later = later[list(future_columns)].apply(pd.to_numeric, errors="coerce").astype(np.float64)
    if not np.isfinite(later.to_numpy()).all():
        raise DataError(f"the future rows hold missing or non-numeric values in {', '.join(future_columns)}; "
                        "give every future value")
    return later


def missing_future(frame: pd.DataFrame, derived: Sequence[str], ends: Sequence[int]) -> list[int]:
    """The window ends among `ends` whose derived future inputs are not known (NaN) on their row."""
    if not derived:
        return []
    unknown = ~np.isfinite(frame[list(derived)].to_numpy()).all(axis=1)
    return [int(e) for e in ends if unknown[int(e)]]
