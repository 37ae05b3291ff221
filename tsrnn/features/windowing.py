"""Windows, targets and chronological splits: how a series becomes `(samples, timesteps, features)`.

A window ending at row `t` holds the input rows `t - lookback + 1 .. t`; its targets are rows
`t + gap + 1 .. t + gap + horizon`, so every target lies strictly after the last input it is
predicted from. Windows are strided views of the series (`sliding_window_view`), not copies.

Target transforms keep models sane on trending data: with `log_return` (the default) inputs are
the step-to-step log changes and the targets are the log change from the window's last input
row, so a model that predicts zero reproduces the naive last-value forecast, whatever the price
level. With `target_anchor="season"` targets are measured instead from the value one season
(`seasonal_period` rows) before each target, still seen by the window's end, so predicting zero
reproduces the seasonal-naive forecast. `invert_targets` maps predictions back to the data's units.

Examples:
    >>> import numpy as np
    >>> spec = WindowSpec(lookback=3, horizon=2, target_columns=("y",), target_transform="level")
    >>> series = np.arange(10.0).reshape(-1, 1)
    >>> ends = window_ends(len(series), spec)
    >>> ends
    range(2, 8)
    >>> input_windows(series, ends, spec)[0, :, 0].tolist(), target_values(series, ends, spec)[0, :, 0].tolist()
    ([0.0, 1.0, 2.0], [3.0, 4.0])
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tsrnn.errors import ConfigError
from tsrnn.utils.validation import (
    INPUT_TRANSFORMS,
    SCALINGS,
    TARGET_ANCHORS,
    TARGET_TRANSFORMS,
    check_choice,
    check_int,
    check_record_fields,
    record_dict,
)


@dataclass(frozen=True)
class WindowSpec:
    """How windows are cut from a series.

    Args:
        lookback: input rows per window (>= 1).
        horizon: steps ahead to predict (>= 1); each window has `horizon` values per target.
        stride: rows between the ends of consecutive training windows (>= 1).
        gap: rows skipped between the last input and the first target (>= 0).
        feature_columns: input columns; empty means the target columns.
        target_columns: columns to predict.
        target_transform: "log_return" (default), "difference" or "level".
        scaling: "standard" (default), "minmax", "scale" (divided by the standard deviation, not
            centred: a change of 0 stays 0) or "none"; fitted on training rows only.
        target_anchor: "last" (targets relative to the window's last value) or "season" (relative to
            the value `seasonal_period` rows before each target, seen by the window's end).
        seasonal_period: rows per season (needed by `target_anchor="season"`).
        input_transforms: one transform per past input column (`past_inputs` order): "log_return",
            "log1p_difference" (changes of log(1 + x), for volumes with zero days), "difference" or
            "level"; a target among the inputs takes `target_transform`. Empty: every input takes
            `target_transform`.
        future_columns: future covariates, known in advance; each enters at every target step as
            `column@t+k` (`tsrnn.features.covariates`), as levels.
        calendar: calendar encodings of the target dates ("hour", "day_of_week", "day_of_month",
            "month"), future covariates too.
        target_lag: rows back of a copy of each target that the window reads as one more input
            (`column@t-L`, `tsrnn.features.lags`), taking the target transform; 0: none. A longer
            season less the horizon (120 for hourly data and 48 steps) lines the window's rows up
            with the values a week before its targets.

    Examples:
        >>> WindowSpec.from_dict(WindowSpec(lookback=5).to_dict()) == WindowSpec(lookback=5)
        True
    """

    lookback: int = 30
    horizon: int = 1
    stride: int = 1
    gap: int = 0
    feature_columns: tuple[str, ...] = ()
    target_columns: tuple[str, ...] = ("Close",)
    target_transform: str = "log_return"
    scaling: str = "standard"
    target_anchor: str = "last"
    seasonal_period: int | None = None
    input_transforms: tuple[str, ...] = ()
    future_columns: tuple[str, ...] = ()
    calendar: tuple[str, ...] = ()
    target_lag: int = 0

    def __post_init__(self) -> None:
        from tsrnn.features.covariates import check_encodings

        for name in ("feature_columns", "target_columns", "input_transforms", "future_columns", "calendar"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        check_encodings(self.calendar)
        overlap = [c for c in self.future_columns if c in self.past_inputs or c in self.target_columns]
        if overlap:
            raise ConfigError(f"{', '.join(overlap)} cannot be both a future covariate and a past input or target; "
                              "name each column once")
        for name, minimum in (("lookback", 1), ("horizon", 1), ("stride", 1), ("gap", 0), ("target_lag", 0)):
            check_int("--" + name.replace("_", "-"), getattr(self, name), minimum)  # the CLI names the flag, the library the argument
        if not self.target_columns:
            raise ConfigError("no target column given; name at least one column to predict with --target, e.g. Close")
        check_choice("--transform", self.target_transform, TARGET_TRANSFORMS)
        check_choice("--scaling", self.scaling, SCALINGS)
        check_choice("--anchor", self.target_anchor, TARGET_ANCHORS)
        check_int("--seasonal-period", self.seasonal_period, 1, optional=True)
        if self.target_anchor == "season" and not self.seasonal_period:
            raise ConfigError("--anchor 'season' needs --seasonal-period (rows per season)")
        if self.input_transforms:
            if len(self.input_transforms) != len(self.past_inputs):
                raise ConfigError(f"input_transforms has {len(self.input_transforms)} entries for {len(self.past_inputs)} "
                                  f"input columns ({', '.join(self.past_inputs)}); give one per input")
            for column, transform in zip(self.past_inputs, self.input_transforms, strict=True):
                check_choice(f"the transform of input '{column}'", transform, INPUT_TRANSFORMS)
                if column in self.target_columns and transform != self.target_transform:
                    raise ConfigError(f"input '{column}' is a target: it takes the target transform "
                                      f"{self.target_transform}, got {transform}")

    @property
    def past_inputs(self) -> tuple[str, ...]:
        """The inputs known up to the window's last row: `feature_columns`, or the targets when none are named."""
        return self.feature_columns or self.target_columns

    @property
    def lagged_inputs(self) -> tuple[str, ...]:
        """The lagged copies of the targets (`column@t-L`, none without `target_lag`), derived from the data."""
        from tsrnn.features.lags import lag_name

        return tuple(lag_name(column, self.target_lag) for column in self.target_columns) if self.target_lag else ()

    @property
    def future_inputs(self) -> tuple[str, ...]:
        """The derived inputs of the future covariates and calendar, one per target step (`c@t+k`)."""
        from tsrnn.features.covariates import future_input_names

        return future_input_names(self.future_columns, self.calendar, self.gap, self.horizon)

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every input column the network sees: the past inputs, the lagged targets, then the future inputs."""
        return self.past_inputs + self.lagged_inputs + self.future_inputs

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the spec reads from the data, inputs first, without repeats."""
        return tuple(dict.fromkeys(self.past_inputs + self.target_columns + self.future_columns))

    @property
    def transforms(self) -> tuple[str, ...]:
        """The transform of each input column (`inputs` order): lagged targets take the target
        transform, future inputs enter as levels.
        """
        past = self.input_transforms or (self.target_transform,) * len(self.past_inputs)
        return past + (self.target_transform,) * len(self.lagged_inputs) + ("level",) * len(self.future_inputs)

    @property
    def warmup(self) -> int:
        """Rows consumed before the first step change exists (1 when any input is a change)."""
        return 0 if self.target_transform == "level" and all(t == "level" for t in self.transforms) else 1

    @property
    def first_end(self) -> int:
        """The row of the first window's end: its inputs (and a season back, for that anchor) exist."""
        reach = self.seasonal_period - 1 if self.target_anchor == "season" else 0
        return max(self.warmup + self.lookback - 1, reach)

    def min_rows(self) -> int:
        """Rows needed for a single window with its targets.

        Returns:
            The row count.
        """
        return self.first_end + 1 + self.gap + self.horizon

    def to_dict(self) -> dict:
        """The spec as a JSON-ready dict.

        Returns:
            Every field, tuples as lists.
        """
        return record_dict(self)

    @classmethod
    def from_dict(cls, values: dict) -> WindowSpec:
        """The spec `to_dict` wrote.

        Args:
            values: the fields.

        Returns:
            The `WindowSpec`.

        Raises:
            ConfigError: an unknown field or an invalid value.
        """
        check_record_fields(cls, values)
        return cls(**values)

    def to_json(self) -> str:
        """The spec as JSON text.

        Returns:
            `to_dict()` as JSON.
        """
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> WindowSpec:
        """The spec `to_json` wrote.

        Args:
            text: the JSON text.

        Returns:
            The `WindowSpec`.
        """
        return cls.from_dict(json.loads(text))


def step_changes(values: np.ndarray, transform: str | Sequence[str]) -> np.ndarray:
    """Per-row inputs under `transform` (one for every column, or one per column): levels, or the
    change from the previous row (row 0 is NaN) of the values, their log, or the log of 1 + value.

    Examples:
        >>> step_changes(np.array([[1.0], [3.0]]), "difference")[:, 0].tolist()
        [nan, 2.0]
        >>> step_changes(np.array([[1.0, 0.0], [3.0, np.e - 1]]), ["level", "log1p_difference"])[1].tolist()
        [3.0, 1.0]
    """
    values = np.asarray(values, dtype=np.float64)
    transforms = [transform] * values.shape[1] if isinstance(transform, str) else list(transform)
    if len(transforms) != values.shape[1]:
        raise ConfigError(f"{len(transforms)} transforms for {values.shape[1]} columns; give one per column")
    if all(t == "level" for t in transforms):
        return values
    changes = np.empty_like(values)
    for name in set(transforms):
        columns = [i for i, t in enumerate(transforms) if t == name]
        changes[:, columns] = _changes(values[:, columns], name)
    return changes


def _changes(values: np.ndarray, transform: str) -> np.ndarray:
    if transform == "level":
        return values
    if transform == "log_return":
        values = np.log(values)
    elif transform == "log1p_difference":
        values = np.log1p(values)
    changes = np.empty_like(values)
    changes[0] = np.nan
    np.subtract(values[1:], values[:-1], out=changes[1:])
    return changes


def window_ends(n_rows: int, spec: WindowSpec, with_targets: bool = True, stride: int = 1) -> range:
    """Row positions `t` of the last input row of every window the series allows.

    Args:
        n_rows: the series' rows.
        spec: the window spec.
        with_targets: only windows whose targets all lie inside the series; False: every window
            with complete inputs (to forecast beyond the data).
        stride: rows between consecutive windows.

    Returns:
        The positions, as a range.

    Examples:
        >>> spec = WindowSpec(lookback=3, horizon=2, target_columns=("y",))
        >>> window_ends(10, spec), window_ends(10, spec, with_targets=False)
        (range(3, 8), range(3, 10))
    """
    first = spec.first_end
    last = n_rows - 1 - (spec.gap + spec.horizon if with_targets else 0)
    return range(first, max(first, last + 1), stride)


def input_windows(step_values: np.ndarray, ends: range | np.ndarray, spec: WindowSpec) -> np.ndarray:
    """Windows `(len(ends), lookback, features)` of `step_values`: a view for a range of ends, a
    copy for an array of them (a sample).
    """
    views = sliding_window_view(step_values, spec.lookback, axis=0)  # (rows - lookback + 1, F, lookback)
    if not isinstance(ends, range):
        return np.swapaxes(views[np.asarray(ends, dtype=np.int64) - spec.lookback + 1], 1, 2)
    start = ends.start - spec.lookback + 1
    picked = views[start : start + len(ends) * ends.step : ends.step]
    return np.swapaxes(picked, 1, 2)


def target_rows(ends: range, spec: WindowSpec) -> np.ndarray:
    """Row positions `(len(ends), horizon)` of every window's targets."""
    return np.asarray(ends)[:, None] + spec.gap + np.arange(1, spec.horizon + 1)


def anchor_rows(ends: range, spec: WindowSpec) -> np.ndarray:
    """Row positions `(len(ends), horizon)` each target is measured from: the window's last row, or
    the row one season before the target that the window's end has seen (the seasonal-naive row).

    Examples:
        >>> spec = WindowSpec(lookback=2, horizon=3, target_columns=("y",), target_anchor="season", seasonal_period=2)
        >>> anchor_rows(range(5, 6), spec).tolist()
        [[4, 5, 4]]
    """
    positions = np.asarray(ends)[:, None]
    if spec.target_anchor == "last":
        return np.repeat(positions, spec.horizon, axis=1)
    steps = spec.gap + np.arange(1, spec.horizon + 1)
    return positions + steps - np.ceil(steps / spec.seasonal_period).astype(int) * spec.seasonal_period


def anchor_levels(levels: np.ndarray, ends: range, spec: WindowSpec) -> np.ndarray:
    """The levels `(len(ends), horizon, targets)` each target is measured from (see `anchor_rows`)."""
    return np.asarray(levels, dtype=np.float64)[anchor_rows(ends, spec)]


def target_values(levels: np.ndarray, ends: range, spec: WindowSpec) -> np.ndarray:
    """Targets `(len(ends), horizon, targets)` under the spec's transform, relative to their anchors
    (each window's last value, or the value a season before each target).

    `levels` are the raw target columns `(rows, targets)`.
    """
    levels = np.asarray(levels, dtype=np.float64)
    future = levels[target_rows(ends, spec)]
    anchors = anchor_levels(levels, ends, spec)
    if spec.target_transform == "level":
        return future
    if spec.target_transform == "difference":
        return future - anchors
    return np.log(future) - np.log(anchors)


def rises(levels: np.ndarray, ends: range, spec: WindowSpec) -> np.ndarray:
    """1 where the first target column is higher `gap + horizon` rows after each window's end, else 0.

    Examples:
        >>> rises(np.array([[1.0], [2.0], [1.5]]), range(0, 2), WindowSpec(lookback=1, target_columns=("y",))).tolist()
        [1, 0]
    """
    levels = np.asarray(levels, dtype=np.float64)[:, 0]
    positions = np.asarray(ends)
    return (levels[positions + spec.gap + spec.horizon] > levels[positions]).astype(int)


def invert_targets(values: np.ndarray, anchors: np.ndarray, transform: str) -> np.ndarray:
    """Map transformed targets `(windows, horizon, targets)` back to levels, given their anchors:
    each window's last level `(windows, targets)`, or one anchor per step `(windows, horizon, targets)`.

    Examples:
        >>> invert_targets(np.zeros((1, 2, 1)), np.array([[5.0]]), "log_return")[0, :, 0].tolist()
        [5.0, 5.0]
    """
    anchors = np.asarray(anchors, dtype=np.float64)
    if anchors.ndim == 2:
        anchors = anchors[:, None, :]
    if transform == "level":
        return values
    if transform == "difference":
        return anchors + values
    return anchors * np.exp(values)


@dataclass(frozen=True)
class SplitBounds:
    """Row boundaries of a chronological split: train `[0, train_end)`, validation
    `[train_end, validation_end)`, test `[validation_end, rows)`.

    Attributes:
        rows: the series' rows.
        train_end: the first validation row.
        validation_end: the first test row.

    Examples:
        >>> bounds = SplitBounds(rows=100, train_end=70, validation_end=85)
        >>> bounds.ends("test", WindowSpec(lookback=5, target_columns=("y",)))
        range(84, 99)
    """

    rows: int
    train_end: int
    validation_end: int

    def ends(self, part: str, spec: WindowSpec, stride: int = 1) -> range:
        """The ends of the windows whose targets all fall inside one part.

        Args:
            part: "train", "validation" or "test".
            spec: the window spec.
            stride: rows between training windows (the other parts take every window).

        Returns:
            The row positions of the windows' last inputs.
        """
        lower, upper = {
            "train": (0, self.train_end),
            "validation": (self.train_end, self.validation_end),
            "test": (self.validation_end, self.rows),
        }[part]
        # Later splits keep the training stride's phase irrelevant: evaluate every window.
        return ends_with_targets_in(self.rows, spec, lower, upper, stride if part == "train" else 1)


def ends_with_targets_in(rows: int, spec: WindowSpec, lower: int, upper: int, stride: int = 1) -> range:
    """Ends of the windows of a `rows`-row series whose targets all lie in rows `[lower, upper)`.

    Examples:
        >>> ends_with_targets_in(20, WindowSpec(lookback=3, horizon=2, target_columns=("y",)), 10, 15)
        range(9, 13)
    """
    every = window_ends(rows, spec)
    # Targets of end t span rows t+gap+1 .. t+gap+horizon.
    first = max(every.start, lower - spec.gap - 1)
    last = min(every.stop - 1, upper - 1 - spec.gap - spec.horizon)
    return range(first, max(first, last + 1), stride)


def ends_with_targets_from(index, spec: WindowSpec, start=None) -> range:
    """Ends of the windows with known targets of a series dated by `index` (sorted) whose first
    target is dated on or after `start` (every such window without `start`).
    """
    import pandas as pd

    if start is None:
        return window_ends(len(index), spec)
    first_row = int(index.searchsorted(pd.Timestamp(start)))
    return ends_with_targets_in(len(index), spec, first_row, len(index))


def split_rows(rows: int, validation_fraction: float = 0.15, test_fraction: float = 0.15) -> SplitBounds:
    """Chronological split of `rows` by fractions; training gets the rest, first.

    Args:
        rows: the series' rows.
        validation_fraction: the part after training that validates.
        test_fraction: the last part, held out.

    Returns:
        The `SplitBounds`.

    Raises:
        ConfigError: a fraction outside [0, 1), or fractions that leave no training rows.

    Examples:
        >>> split_rows(100)
        SplitBounds(rows=100, train_end=70, validation_end=85)
    """
    for name, value in (("validation_fraction", validation_fraction), ("test_fraction", test_fraction)):
        if not 0 <= value < 1:
            raise ConfigError(f"{name} must be in [0, 1), got {value!r}")
    if validation_fraction + test_fraction >= 1:
        raise ConfigError(
            f"validation_fraction + test_fraction must be below 1 (got {validation_fraction} + {test_fraction}); "
            "leave rows for training"
        )
    test_rows = int(round(rows * test_fraction))
    validation_rows = int(round(rows * validation_fraction))
    train_end = rows - test_rows - validation_rows
    return SplitBounds(rows=rows, train_end=train_end, validation_end=train_end + validation_rows)


def rows_needed(spec: WindowSpec, validation_fraction: float, test_fraction: float) -> int:
    """The fewest rows for which every non-empty split gets at least one window."""

    def enough(rows: int) -> bool:
        bounds = split_rows(rows, validation_fraction, test_fraction)
        parts = ["train"] + (["validation"] if validation_fraction else []) + (["test"] if test_fraction else [])
        return all(len(bounds.ends(part, spec)) > 0 for part in parts)

    rows = spec.min_rows()
    while not enough(rows):
        rows += 1
    return rows


def columns_of(frame_columns: Sequence[str], wanted: Sequence[str]) -> list[int]:
    """Positions of `wanted` among `frame_columns`."""
    positions = {name: i for i, name in enumerate(frame_columns)}
    return [positions[name] for name in wanted]

