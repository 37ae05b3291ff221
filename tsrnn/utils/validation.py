"""Allowed values, written once: every choice list and every integer or fraction check that the
library and the command line share.

The CLI builds its `click.Choice` lists from these tuples, and the library's checks raise the
same one-line `ConfigError`, so `--help` and the library cannot drift apart.

Examples:
    >>> check_choice("task", "regression", TASKS)
    'regression'
    >>> check_int("epochs", 0, minimum=1)
    Traceback (most recent call last):
    ...
    tsrnn.errors.ConfigError: epochs must be an integer >= 1, got 0
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from tsrnn.errors import ConfigError

TASKS = ("regression", "classification")
TARGET_TRANSFORMS = ("log_return", "difference", "level")
INPUT_TRANSFORMS = ("log_return", "log1p_difference", "difference", "level")
DECIMAL_MARKS = (".", ",")
EXPORT_FORMATS = ("onnx", "savedmodel")
TARGET_ANCHORS = ("last", "season")
SCALINGS = ("standard", "minmax", "scale", "none")
FILL_POLICIES = ("ffill", "drop")
STRATEGIES = ("none", "mirrored")
BODIES = ("simple_rnn", "lstm", "gru")
POOLINGS = ("last", "max", "mean")
HEADS = ("regression", "binary", "multiclass")
OPTIMIZERS = ("adam", "rmsprop", "sgd", "adamw")
LOSSES = ("mse", "mae", "huber")  # of a regression head, on the scaled targets
FOLD_WINDOWS = ("expanding", "sliding")
SPLITS = ("auto", "date", "series")
REFIT_SCHEDULES = ("constant", "cosine")  # the refit's learning rate over its epochs
REFIT_EPOCHS = ("best", "smoothed")  # how the refit's epochs are read off the validation losses
LAYOUTS = ("wide", "long", "beyond", "nixtla")  # of predict's table (tsrnn.forecasting.layouts)
TRADING_RULES = ("long_flat", "long_short")
BACKENDS = ("tensorflow", "jax", "torch")
CALENDAR_ENCODINGS = ("hour", "day_of_week", "day_of_month", "month")


def check_choice(name: str, value, allowed: Sequence, optional: bool = False):
    """`value` if it is one of `allowed`, else a `ConfigError` listing them.

    Args:
        name: the setting's name, for the message.
        value: the value given.
        allowed: the choices.
        optional: None is allowed too.

    Returns:
        `value`.

    Raises:
        ConfigError: a value that is not a choice.

    Examples:
        >>> check_choice("split", "by_date", SPLITS)
        Traceback (most recent call last):
        ...
        tsrnn.errors.ConfigError: split must be one of auto, date, series, got 'by_date'
    """
    if (optional and value is None) or value in allowed:
        return value
    raise ConfigError(f"{name} must be one of {', '.join(map(str, allowed))}, got {value!r}")


def check_int(name: str, value, minimum: int = 0, optional: bool = False) -> int | None:
    """`value` if it is an integer (not a bool) >= `minimum`.

    Args:
        name: the setting's name, for the message.
        value: the value given.
        minimum: the smallest allowed.
        optional: None is allowed too.

    Returns:
        `value` as an `int` (None where optional and None).

    Raises:
        ConfigError: anything else.

    Examples:
        >>> check_int("epochs", 5, minimum=1)
        5
    """
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) and not _is_numpy_int(value) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_fraction(name: str, value, upper_inclusive: bool = False, optional: bool = False) -> float | None:
    """`value` if it is a finite number in [0, 1) (or [0, 1] with `upper_inclusive`).

    Args:
        name: the setting's name, for the message.
        value: the value given.
        upper_inclusive: 1 is allowed too.
        optional: None is allowed too.

    Returns:
        `value` as a `float` (None where optional and None).

    Raises:
        ConfigError: anything else.

    Examples:
        >>> check_fraction("test_fraction", 1)
        Traceback (most recent call last):
        ...
        tsrnn.errors.ConfigError: test_fraction must be in [0, 1), got 1
    """
    if optional and value is None:
        return None
    bad = isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
    if bad or value < 0 or (value > 1 if upper_inclusive else value >= 1):
        raise ConfigError(f"{name} must be in [0, {'1]' if upper_inclusive else '1)'}, got {value!r}")
    return float(value)


def check_positive(name: str, value, optional: bool = False) -> float | None:
    """`value` if it is a finite number > 0 (learning rates, scales).

    Args:
        name: the setting's name, for the message.
        value: the value given.
        optional: None is allowed too.

    Returns:
        `value` as a `float` (None where optional and None).

    Raises:
        ConfigError: anything else.

    Examples:
        >>> check_positive("learning_rate", 1e-3)
        0.001
    """
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def check_bool(name: str, value, optional: bool = False) -> bool | None:
    """`value` if it is True or False (NumPy's booleans too).

    Args:
        name: the setting's name, for the message.
        value: the value given.
        optional: None is allowed too.

    Returns:
        `value` as a `bool` (None where optional and None).

    Raises:
        ConfigError: anything else (1, "yes"; None unless optional).

    Examples:
        >>> check_bool("refit", True), check_bool("refit", None, optional=True)
        (True, None)
    """
    if optional and value is None:
        return None
    if type(value).__name__ not in ("bool", "bool_"):
        raise ConfigError(f"{name} must be {'True, False or None' if optional else 'True or False'}, got {value!r}")
    return bool(value)


def record_dict(record) -> dict:
    """A settings dataclass as a JSON-ready dict (tuples become lists).

    Examples:
        >>> @dataclasses.dataclass
        ... class Spec:
        ...     columns: tuple = ("a",)
        >>> record_dict(Spec())
        {'columns': ['a']}
    """
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(record).items()}


def check_record_fields(cls, values: dict) -> None:
    """Refuse, in one line, keys of a stored record that are not fields of the dataclass `cls`."""
    unknown = set(values) - {field.name for field in dataclasses.fields(cls)}
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} field(s): {', '.join(sorted(unknown))}")


def _is_numpy_int(value) -> bool:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency
        return False
    return isinstance(value, np.integer)
