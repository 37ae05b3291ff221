"""The refit: after every choice is made on validation, the forecasting network(s) trained again on
the windows of every row, for the epochs validation chose (`ForecasterParams.refit`), as
scikit-learn's `refit` does after a search; with `refit_members` > 1 (2 by default), several from
their own seeds, trained side by side and averaged (`tsrnn.nn.ensemble`).

Examples:
    >>> from tsrnn.forecasting.params import ForecasterParams, derive_settings
    >>> derive_settings(ForecasterParams(target="y", refit_members=2)).training.refit_members
    2
"""
from __future__ import annotations

from collections.abc import Callable

from tsrnn.errors import ConfigError
from tsrnn.features.windowing import WindowSpec
from tsrnn.forecasting.params import TrainingSettings

DEFAULT_MEMBERS = 2  # where the forecaster refits and `refit_members` is None


def refit_members_for(train: TrainingSettings, refitting: bool) -> int:
    """How many networks the refit trains: `train.refit_members`, or by default 2 where the fit
    refits and 1 where it does not.

    Args:
        train: the training settings.
        refitting: whether this fit refits (a panel by default, or `refit=True`).

    Returns:
        The number of networks.

    Raises:
        ConfigError: more than one member asked for a fit without a refit.

    Examples:
        >>> from tsrnn.forecasting.params import ForecasterParams, derive_settings
        >>> train = derive_settings(ForecasterParams(target="y")).training
        >>> refit_members_for(train, refitting=True), refit_members_for(train, refitting=False)
        (2, 1)
    """
    if train.refit_members is None:
        return DEFAULT_MEMBERS if refitting else 1
    if train.refit_members > 1 and not refitting:
        raise ConfigError(f"--refit-members {train.refit_members} averages refitted networks, and this fit has no "
                          "refit; add --refit (one series and classifiers are not refitted by default)")
    return train.refit_members


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
    solution) under its own seed (`member_seeds`). They train for `epochs` with no early stopping
    (no rows are left to stop on), side by side as one model (`tsrnn.nn.ensemble.trained_together`)
    on the same batches, shuffled by the first seed: each member learns from its own loss alone, so
    member 0 is the network one refit would train, and the others differ by their start. With
    `train.refit_schedule="cosine"` the learning rate falls along half a cosine over those epochs.

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
    from tsrnn.nn.callbacks import CosineAnnealing
    from tsrnn.nn.distribute import scope_of
    from tsrnn.nn.ensemble import average_of, member_losses, trained_together

    members = []
    for seed in reversed(member_seeds(train.seed, train.refit_members)):  # member 0 last: the seed state it trains in
        training.seed_everything(seed)
        members.insert(0, start())
    if len(members) == 1:
        model, names = members[0], outputs
    else:
        with scope_of(distribution):
            model, names = trained_together(members)
    refitted = training.fit_model(
        model, window_input(every_row, spec, train.batch_size, shuffle=True, seed=train.seed, target_names=names,
                            steps_per_epoch=train.steps_per_epoch),
        None, epochs=epochs, batch_size=train.batch_size, patience=0, restore_best=False,
        distribution=distribution, callbacks=[CosineAnnealing()] if train.refit_schedule == "cosine" else None,
        verbose=train.verbose)
    if len(members) == 1:
        return members[0], [float(refitted.history["loss"][-1])]
    for member in members:  # their own optimizers did not train: built, so each saves and loads whole
        member.optimizer.build(member.trainable_variables)
    return average_of(members), member_losses(refitted.history, len(members))
