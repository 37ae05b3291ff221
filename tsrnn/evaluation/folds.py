"""Walk-forward folds: consecutive test periods over a series' (or a panel's dates') rows, each
with the training rows before it, as `tsrnn.evaluation.walk_forward` and
`tsrnn.evaluation.panel_backtest` both cut them (scikit-learn's `TimeSeriesSplit`).

Examples:
    >>> [(f.train_end, f.test_start, f.test_end) for f in walk_forward_folds(100, folds=2, test_size=10)]
    [(80, 80, 90), (90, 90, 100)]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import TimeSeriesSplit

from tsrnn.errors import ConfigError, DataError
from tsrnn.utils.validation import FOLD_WINDOWS, check_choice


@dataclass(frozen=True)
class Fold:
    """Row ranges of one fold: train `[train_start, train_end)`, test `[test_start, test_end)`."""

    index: int
    train_start: int
    train_end: int
    test_start: int
    test_end: int


def walk_forward_folds(rows: int, folds: int = 5, test_size: int | None = None, window: str = "expanding",
                       train_size: int | None = None, gap: int = 0) -> list[Fold]:
    """Consecutive test periods at the end of the series, each preceded by its training rows.

    Args:
        rows: the series' rows (or a panel's dates).
        folds: the test periods.
        test_size: rows per test period (None: scikit-learn's `TimeSeriesSplit` default).
        window: "expanding" (every earlier row trains) or "sliding" (the last `train_size` rows).
        train_size: rows per training window of a sliding window.
        gap: rows left out between training and test (an embargo).

    Returns:
        The `Fold`s, oldest first.

    Raises:
        ConfigError: an invalid setting, or too few rows for the folds asked for.

    Examples:
        >>> [(f.train_start, f.train_end, f.test_start, f.test_end) for f in walk_forward_folds(10, folds=2, test_size=2, gap=1)]
        [(0, 5, 6, 8), (0, 7, 8, 10)]
    """
    check_choice("window", window, FOLD_WINDOWS)
    if folds < 1:
        raise ConfigError(f"folds must be >= 1, got {folds!r}")
    if window == "sliding" and not train_size:
        raise ConfigError("a sliding window needs train_size (rows per training window)")
    splitter = TimeSeriesSplit(
        n_splits=max(folds, 2) if folds == 1 else folds,
        test_size=test_size,
        gap=gap,
        max_train_size=train_size if window == "sliding" else None,
    )
    try:
        splits = list(splitter.split(np.zeros(rows)))
    except ValueError as error:
        raise DataError(f"{rows} rows are too few for {folds} folds ({error}); use fewer folds or a smaller test size") from None
    splits = splits[-folds:]
    return [
        Fold(index=i, train_start=int(train[0]), train_end=int(train[-1]) + 1, test_start=int(test[0]), test_end=int(test[-1]) + 1)
        for i, (train, test) in enumerate(splits)
    ]


__all__ = ["Fold", "walk_forward_folds"]
