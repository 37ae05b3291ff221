"""The refit: after every choice is made on validation, the forecasting network(s) trained again on
the windows of every row, for the epochs validation chose (`ForecasterParams.refit`), as
scikit-learn's `refit` does after a search; with `refit_members` > 1, several from their own seeds,
averaged (`tsrnn.nn.ensemble`).

Examples:
    >>> from tsrnn.forecasting.params import ForecasterParams, derive_settings
    >>> derive_settings(ForecasterParams(target="y", refit_members=2)).training.refit_members
    2
"""
from __future__ import annotations

from collections.abc import Callable

from tsrnn.features.windowing import WindowSpec
from tsrnn.forecasting.params import TrainingSettings


def member_seeds(seed: int | None, members: int) -> list[int | None]:
    """Each member's seed: `seed`, `seed + 1`, ... (None stays None: every member draws its own).

    Examples:
        >>> member_seeds(7, 3), member_seeds(None, 2)
        ([7, 8, 9], [None, None])
    """
    return [None if seed is None else seed + member for member in range(members)]


def refit_networks(start: Callable, every_row: list, spec: WindowSpec, train: TrainingSettings, epochs: int,
                   outputs: tuple[str, ...] = (), distribution=None):
    """Train `train.refit_members` networks on every row's windows and return what forecasts.

    Each member is built by `start` (the fit's start: the linear path at the validated Ridge
    solution) under its own seed (`member_seeds`), shuffles its windows by that seed, and trains
    for `epochs` with no early stopping (no rows are left to stop on).

    Args:
        start: builds a fresh network (under the current seed).
        every_row: `(scaled rows, window ends, targets)` of every series, up to its last row.
        spec: the window spec.
        train: the training settings (batch size, seed, members, verbosity).
        epochs: the epochs validation chose.
        outputs: the model's outputs that each get the targets (a quantile head's two).
        distribution: the data-parallel distribution, or None.

    Returns:
        `(network, final losses)`: the one network, or the model averaging the members, and each
        member's last training loss.
    """
    from tsrnn.features.batches import window_input
    from tsrnn.nn import training
    from tsrnn.nn.ensemble import average_of

    members, losses = [], []
    for seed in member_seeds(train.seed, train.refit_members):
        training.seed_everything(seed)
        network = start()
        refitted = training.fit_model(
            network, window_input(every_row, spec, train.batch_size, shuffle=True, seed=seed, target_names=outputs),
            None, epochs=epochs, batch_size=train.batch_size, patience=0, restore_best=False,
            distribution=distribution, verbose=train.verbose)
        members.append(network)
        losses.append(float(refitted.history["loss"][-1]))
    return average_of(members), losses
