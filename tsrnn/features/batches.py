"""Windows cut batch by batch, so a long series never exists as a `rows x lookback x features` copy.

`WindowBatches` is a `keras.utils.PyDataset`: each batch gathers its windows from the scaled
series when Keras asks for it. `as_input` picks it when the windows of a series would take more
than 64 MB (`TSRNN_MAX_WINDOW_MB` changes the limit); smaller data goes to Keras as arrays (the
fastest path).

With `steps_per_epoch`, an epoch is at most that many batches (Keras's `steps_per_epoch`, GluonTS's
`num_batches_per_epoch`): each epoch goes on where the last one stopped in a shuffled order of
every window, and a new order is drawn once all were seen, so a large panel's epoch costs the same
as a small one's and early stopping checks validation as often.

Examples:
    >>> import numpy as np
    >>> from tsrnn.features.windowing import WindowSpec
    >>> series = np.arange(10, dtype="float32").reshape(-1, 1)
    >>> batches = WindowBatches(series, range(2, 10), WindowSpec(lookback=3, target_transform="level"), batch_size=4)
    >>> len(batches), batches[0][0, :, 0].tolist()
    (2, [0.0, 1.0, 2.0])
"""
from __future__ import annotations

import math
import os

import keras
import numpy as np

from tsrnn.errors import ConfigError
from tsrnn.features.windowing import WindowSpec, input_windows

MAX_WINDOW_BYTES = 64 * 2**20


def max_window_bytes() -> float:
    """The size above which windows go to Keras batch by batch: `$TSRNN_MAX_WINDOW_MB` megabytes, or 64."""
    value = os.environ.get("TSRNN_MAX_WINDOW_MB")
    if not value:
        return MAX_WINDOW_BYTES
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = float("nan")
    if not megabytes > 0 or megabytes == float("inf"):
        raise ConfigError(f"TSRNN_MAX_WINDOW_MB must be a positive number of megabytes, got {value!r}; unset it for 64")
    return megabytes * 2**20


def epoch_batches(count: int, batch_size: int, steps_per_epoch: int = 0) -> int:
    """The batches one epoch of `count` windows trains: a pass, or `steps_per_epoch` where fewer.

    Examples:
        >>> epoch_batches(207_000, 64, 1000), epoch_batches(900, 64, 1000), epoch_batches(900, 64)
        (1000, 15, 15)
    """
    passes = math.ceil(count / batch_size)
    return min(passes, steps_per_epoch) if steps_per_epoch else passes


def epoch_is_capped(count: int, batch_size: int, steps_per_epoch: int = 0) -> bool:
    """Whether an epoch of `count` windows trains fewer batches than a pass (`epoch_batches`).

    Examples:
        >>> epoch_is_capped(207_000, 64, 1000), epoch_is_capped(900, 64, 1000)
        (True, False)
    """
    return epoch_batches(count, batch_size, steps_per_epoch) < math.ceil(count / batch_size)


class EpochOrder:
    """The order windows are drawn in, epoch after epoch: a permutation of every window, walked
    `steps` batches per epoch (every batch of a pass where `steps_per_epoch` is 0 or larger).

    Without a cap, each epoch is one pass and, with `shuffle`, a new permutation is drawn after it.
    With a cap, the next epoch starts where the last stopped, and the windows left at the end of a
    permutation go first, followed by a new permutation: every window is seen once before any is
    seen twice (up to the few at that seam).

    Args:
        count: the number of windows.
        batch_size: windows per batch.
        shuffle: draw the windows in a random order (from `seed`) instead of in turn.
        seed: the seed of that order.
        steps_per_epoch: batches per epoch at most; 0: one pass over every window.

    Examples:
        >>> order = EpochOrder(10, batch_size=2, shuffle=False, steps_per_epoch=3)
        >>> order.steps, [order.picked(i).tolist() for i in range(3)]
        (3, [[0, 1], [2, 3], [4, 5]])
        >>> order.next_epoch(); [order.picked(i).tolist() for i in range(3)]
        [[6, 7], [8, 9], [0, 1]]
    """

    def __init__(self, count: int, batch_size: int, shuffle: bool = False, seed: int | None = None,
                 steps_per_epoch: int = 0) -> None:
        self.count, self.batch_size, self.shuffle = count, batch_size, shuffle
        self.rng = np.random.default_rng(seed)
        self.steps = epoch_batches(count, batch_size, steps_per_epoch)
        self.capped = epoch_is_capped(count, batch_size, steps_per_epoch)
        self.order = self._drawn()
        self.start = 0

    def _drawn(self) -> np.ndarray:
        return self.rng.permutation(self.count) if self.shuffle else np.arange(self.count)

    def picked(self, index: int) -> np.ndarray:
        """The windows of batch `index` of this epoch."""
        first = self.start + index * self.batch_size
        return self.order[first : first + self.batch_size]

    def next_epoch(self) -> None:
        """Move on to the next epoch's windows."""
        if not self.capped:
            if self.shuffle:
                self.order = self._drawn()
            return
        self.start += self.steps * self.batch_size
        if self.start + self.steps * self.batch_size > len(self.order):
            self.order = np.concatenate([self.order[self.start :], self._drawn()])
            self.start = 0


class WindowBatches(keras.utils.PyDataset):
    """Batches of windows `(batch, lookback, features)` ending at `ends`, with optional targets
    (an array, or `{output name: array}` for a model with several outputs).

    With `shuffle`, the order of windows is redrawn after every epoch from `seed`; with
    `steps_per_epoch`, an epoch is at most that many batches (`EpochOrder`).

    Args:
        series: the scaled rows `(rows, features)`.
        ends: the windows' last rows.
        spec: the window spec.
        batch_size: windows per batch.
        targets: the targets, `(len(ends), ...)`, or None to predict.
        shuffle: redraw the order after every epoch.
        seed: the shuffling's seed.
        steps_per_epoch: batches per epoch at most (0: every window, once).

    Examples:
        >>> from tsrnn.features.windowing import WindowSpec
        >>> batches = WindowBatches(np.zeros((10, 2), np.float32), range(3, 10), WindowSpec(lookback=3), batch_size=4)
        >>> len(batches), batches[0].shape
        (2, (4, 3, 2))
    """

    def __init__(self, series: np.ndarray, ends: range, spec: WindowSpec, batch_size: int, targets: np.ndarray | None = None,
                 shuffle: bool = False, seed: int | None = None, steps_per_epoch: int = 0) -> None:
        super().__init__()
        self.series = series
        self.ends = np.asarray(ends)
        self.offsets = np.arange(1 - spec.lookback, 1)
        self.targets = targets
        self.order = EpochOrder(len(self.ends), batch_size, shuffle, seed, steps_per_epoch)

    def __len__(self) -> int:
        return self.order.steps

    def __getitem__(self, index: int):
        picked = self.order.picked(index)
        windows = self.series[self.ends[picked][:, None] + self.offsets]
        if self.targets is None:
            return windows
        if isinstance(self.targets, dict):  # a model with several outputs (a quantile head)
            return windows, {name: values[picked] for name, values in self.targets.items()}
        return windows, self.targets[picked]

    def on_epoch_end(self) -> None:
        """Move on to the next epoch's windows (`EpochOrder.next_epoch`)."""
        self.order.next_epoch()


class PanelBatches(keras.utils.PyDataset):
    """Batches of windows drawn from many series at once (a panel), each cut from its own series'
    scaled rows on the fly: no window is copied before its batch, and no series is concatenated
    with another.

    `parts` is a list of `(scaled rows, window ends, targets or None)`, one per series. With
    `shuffle`, windows of every series are mixed in a new order after every epoch. With
    `target_names` (a model of several outputs, e.g. `("forecast", "quantiles")` for a quantile
    head), each batch's targets are given to every named output. With `steps_per_epoch`, an epoch
    is at most that many batches (`EpochOrder`).

    Args:
        parts: `(scaled rows, window ends, targets or None)` per series.
        spec: the window spec.
        batch_size: windows per batch.
        shuffle: mix the windows of every series in a new order after every epoch.
        seed: the shuffling's seed.
        target_names: the model's outputs, each given the targets.
        steps_per_epoch: batches per epoch at most (0: every window, once).

    Examples:
        >>> from tsrnn.features.windowing import WindowSpec
        >>> parts = [(np.zeros((6, 1), np.float32), range(2, 6), None), (np.ones((5, 1), np.float32), range(2, 5), None)]
        >>> batches = PanelBatches(parts, WindowSpec(lookback=2), batch_size=4)
        >>> len(batches), batches[1][:, -1, 0].tolist()
        (2, [1.0, 1.0, 1.0])
    """

    def __init__(self, parts: list[tuple[np.ndarray, range, np.ndarray | None]], spec: WindowSpec, batch_size: int,
                 shuffle: bool = False, seed: int | None = None, target_names: tuple[str, ...] = (),
                 steps_per_epoch: int = 0) -> None:
        super().__init__()
        self.target_names = tuple(target_names)
        self.series = [np.asarray(scaled) for scaled, _, _ in parts]
        self.targets = [targets for _, _, targets in parts]
        self.which = np.concatenate([np.full(len(ends), i, dtype=np.int64) for i, (_, ends, _) in enumerate(parts)])
        self.ends = np.concatenate([np.asarray(ends, dtype=np.int64) for _, ends, _ in parts])
        self.position = np.concatenate([np.arange(len(ends)) for _, ends, _ in parts])
        self.offsets = np.arange(1 - spec.lookback, 1)
        self.order = EpochOrder(len(self.ends), batch_size, shuffle, seed, steps_per_epoch)
        self.with_targets = all(t is not None for t in self.targets) and len(parts) > 0

    def __len__(self) -> int:
        return self.order.steps

    def __getitem__(self, index: int):
        picked = self.order.picked(index)
        which, ends, positions = self.which[picked], self.ends[picked], self.position[picked]
        first = self.series[0]
        windows = np.empty((len(picked), len(self.offsets), first.shape[1]), dtype=first.dtype)
        targets = None
        for series in np.unique(which):
            rows = which == series
            windows[rows] = self.series[series][ends[rows][:, None] + self.offsets]
            if self.with_targets:
                values = self.targets[series][positions[rows]]
                if targets is None:
                    targets = np.empty((len(picked), *values.shape[1:]), dtype=values.dtype)
                targets[rows] = values
        if not self.with_targets:
            return windows
        return (windows, {name: targets for name in self.target_names} if self.target_names else targets)

    def on_epoch_end(self) -> None:
        """Move on to the next epoch's windows (`EpochOrder.next_epoch`)."""
        self.order.next_epoch()


def window_bytes(ends: range, spec: WindowSpec, features: int, itemsize: int = 4) -> int:
    """Bytes a full copy of the windows would take."""
    return len(ends) * spec.lookback * features * itemsize


def needs_batches(ends: range, spec: WindowSpec, features: int) -> bool:
    """Whether the windows are too large to hand to Keras as one array."""
    limit = max_window_bytes()
    return window_bytes(ends, spec, features) > limit


def as_input(series: np.ndarray, ends: range, spec: WindowSpec, batch_size: int, targets=None, shuffle=False, seed=None,
             steps_per_epoch: int = 0):
    """Arrays for small data (`(x, y)` or `x`), a `WindowBatches` for large data or for more
    batches than an epoch takes (`steps_per_epoch`).
    """
    if epoch_is_capped(len(ends), batch_size, steps_per_epoch) or needs_batches(ends, spec, series.shape[1]):
        return WindowBatches(series, ends, spec, batch_size, targets, shuffle, seed, steps_per_epoch)
    windows = input_windows(series, ends, spec)
    return windows if targets is None else (windows, targets)


def window_input(parts: list[tuple[np.ndarray, range, np.ndarray | None]], spec: WindowSpec, batch_size: int,
                 shuffle: bool = False, seed: int | None = None, target_names: tuple[str, ...] = (),
                 steps_per_epoch: int = 0):
    """What Keras trains or validates on for the windows of one series or many.

    One series goes through `as_input` (arrays when small, the fastest path; `WindowBatches` when
    large); many series through `PanelBatches`, each batch cut from every series on the fly.

    Args:
        parts: `(scaled rows, window ends, targets or None)`, one per series.
        spec: the window spec.
        batch_size: windows per batch.
        shuffle: redraw the order of the windows after every epoch (from `seed`).
        seed: the seed of that order.
        target_names: the model's outputs that each get the targets (e.g. a quantile head's two).
        steps_per_epoch: batches per epoch at most (`EpochOrder`; 0: every window, once).

    Returns:
        `(x, y)` arrays, `x` alone, or a `keras.utils.PyDataset`.

    Examples:
        >>> series = np.arange(10, dtype="float32").reshape(-1, 1)
        >>> x, y = window_input([(series, range(2, 10), series[2:, 0])], WindowSpec(lookback=3), batch_size=4)
        >>> x.shape, y.shape
        ((8, 3, 1), (8,))
    """
    if len(parts) == 1:
        scaled, ends, targets = parts[0]
        if targets is not None and target_names:
            targets = {name: targets for name in target_names}
        return as_input(scaled, ends, spec, batch_size, targets, shuffle=shuffle, seed=seed, steps_per_epoch=steps_per_epoch)
    return PanelBatches(parts, spec, batch_size, shuffle=shuffle, seed=seed, target_names=target_names,
                        steps_per_epoch=steps_per_epoch)
