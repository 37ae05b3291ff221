"""Naive forecasts that every model is reported next to.

Both take the raw target levels `(rows, targets)` and the window ends, and use only rows up to
each window's end, exactly like the model.

Example:
    >>> import numpy as np
    >>> from tsrnn.windowing import WindowSpec
    >>> levels = np.arange(10.0).reshape(-1, 1)
    >>> spec = WindowSpec(lookback=2, horizon=2, target_transform="level", target_columns=("y",))
    >>> last_value(levels, range(3, 5), spec)[:, :, 0].tolist()
    [[3.0, 3.0], [4.0, 4.0]]
    >>> seasonal_naive(levels, range(3, 5), spec, period=2)[:, :, 0].tolist()
    [[2.0, 3.0], [3.0, 4.0]]
"""
from __future__ import annotations

import numpy as np

from tsrnn.windowing import WindowSpec


def last_value(levels: np.ndarray, ends: range, spec: WindowSpec) -> np.ndarray:
    """Forecast every step as the window's last observed value: `(windows, horizon, targets)`."""
    anchors = np.asarray(levels, dtype=np.float64)[np.asarray(ends)]
    return np.repeat(anchors[:, None, :], spec.horizon, axis=1)


def seasonal_naive(levels: np.ndarray, ends: range, spec: WindowSpec, period: int) -> np.ndarray:
    """Forecast each step as the value one season (`period` rows) earlier, seen by the window's end.

    For steps further ahead than a season, the latest observed season repeats.
    """
    steps = spec.gap + np.arange(1, spec.horizon + 1)
    seasons_back = np.ceil(steps / period).astype(int)
    offsets = steps - seasons_back * period  # <= 0: never after the window's end
    rows = np.asarray(ends)[:, None] + offsets
    return np.asarray(levels, dtype=np.float64)[np.clip(rows, 0, None)]
