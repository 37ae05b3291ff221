"""How a `Forecaster` fits: one code path for one series or many, where one series is a panel of one.

`plan_fit` is the planning step: from the parameters and the checked series it resolves what the
data decides (target, season, input transforms, split, series identity, and the lookback and
anchor chosen on validation), so everything after it works from one `FitPlan`. `fit_learned` then
fits every series' scalers on its own training rows, trains one network on the windows of every
series, pools the validation scores that calibrate the bands, and returns the learned state.

Examples:
    >>> import pandas as pd
    >>> from tsrnn.forecasting.params import ForecasterParams
    >>> dates = pd.date_range("2020-01-01", periods=120)
    >>> series = {"a": pd.DataFrame({"y": range(1, 121)}, index=dates, dtype=float)}
    >>> plan = plan_fit(ForecasterParams(lookback=5, target="y", target_transform="level", linear=False), series)
    >>> plan.settings.window.lookback, plan.split.how
    (5, 'date')
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError, DataError
from tsrnn.features import preparation
from tsrnn.features.seasons import infer_long_period, warn_if_seasons_differ
from tsrnn.features.splits import DateSplit, SeriesSplit, split_panel
from tsrnn.features.static import SeriesIdentity
from tsrnn.features.windowing import WindowSpec, rises, target_values, window_ends
from tsrnn.forecasting.combination import combination_choices, combined_validation, has_drift
from tsrnn.forecasting.comparison import default_baselines
from tsrnn.forecasting.conformal import pooled_conformity_scores
from tsrnn.forecasting.metrics import naive_scale
from tsrnn.forecasting.params import ForecasterParams, derive_settings, resolve_from_data, with_identity, with_input_transforms
from tsrnn.forecasting.refitting import refit_members_for, refit_networks
from tsrnn.forecasting.selection import LinearChoice, SeriesRows, choices_record, choose_window
from tsrnn.forecasting.state import SeriesState
from tsrnn.io.tables import data_sha256

_GENERALITY = {"level": 0, "log_return": 1, "log1p_difference": 2, "difference": 3}


@dataclass
class FitPlan:
    """What the planning step resolved from the data, for `fit_learned`.

    Attributes:
        settings: the settings derived from the parameters and `resolved` (with the identity's columns).
        resolved: what the data decided (target, season, input transforms, lookback, anchor).
        split: the split of every series (`tsrnn.features.splits`).
        frames: every series' checked frame of the columns the window reads.
        rows: the series with training windows, as the linear path's selection saw them.
        identity: the series' static covariates and embedding slots.
        choice: the linear path's choice, or None without one.
    """

    settings: object
    resolved: dict
    split: DateSplit | SeriesSplit
    frames: dict[str, pd.DataFrame]
    rows: dict[str, SeriesRows]
    identity: SeriesIdentity
    choice: LinearChoice | None


def check_params_for(params: ForecasterParams, panel: bool, static=None) -> None:
    """Refuse the parameters that the data's shape cannot use, in one line each.

    Args:
        params: the forecaster's parameters.
        panel: whether the data was given as a panel (a folder, a dict, or with an id column).
        static: the static covariate table given to `fit`, or None.

    Raises:
        ConfigError: static covariates or an embedding for one series given alone.

    Examples:
        >>> check_params_for(ForecasterParams(), panel=False, static=pd.DataFrame())
        Traceback (most recent call last):
        ...
        tsrnn.errors.ConfigError: static gives the static covariates of a panel's series; the data is one series
    """
    if not panel and static is not None:
        raise ConfigError("--static gives the static covariates of a panel's series; the data is one series")
    if not panel and (params.static_features or params.series_embedding):
        raise ConfigError("--static-features and --series-embedding describe the series of a panel; give a panel "
                          "(a folder of CSVs, a dict of frames, or a long table with --id-column)")


def plan_fit(params: ForecasterParams, frames: dict[str, pd.DataFrame], static=None, skip_short: bool = False,
             split: DateSplit | SeriesSplit | None = None) -> FitPlan:
    """Resolve once what the data decides, before any network is built.

    Args:
        params: the forecaster's parameters.
        frames: the series read by `tsrnn.io` (one entry for one series).
        static: the static covariate table, or None to read them from constant columns.
        skip_short: leave out a series without a training window instead of refusing it.
        split: the split to fit by (an earlier block's, for `calibration_folds`); None: the one
            the parameters ask for.

    Returns:
        The `FitPlan`.

    Raises:
        ConfigError: a parameter that is not valid.
        DataError: data that the parameters cannot use (each error names its series).
    """
    warn_if_seasons_differ(frames, params.seasonal_period)  # the first series' dates decide the season
    resolved = resolve_from_data(params, next(iter(frames.values())))
    settings = derive_settings(params, resolved)  # every parameter checked before any work
    train = settings.training
    selected = {name: preparation.select_frame(series, settings, check_inputs=False) for name, series in frames.items()}
    given = split is not None
    split = split if given else split_panel(selected, train.split, train.validation_fraction, train.test_fraction)
    resolved = {**resolved, "input_transforms": _input_transforms(selected, settings.window, split)}
    spec = with_input_transforms(params, settings.window, resolved["input_transforms"])
    settings = dataclasses.replace(settings, window=spec)  # what the lookback and anchor are chosen on
    for frame in selected.values():
        preparation.check_input_domains(frame, spec)
    trained = [name for name, frame in selected.items()
               if len(split.bounds(frame.index, name).ends("train", spec, stride=spec.stride)) or not skip_short]
    identity = SeriesIdentity.fit({name: frames[name] for name in trained}, params.static_features, static,
                                  params.series_embedding)
    if identity.static_columns and not identity.static:
        raise DataError("no series has a training window to read its static covariates from")
    rows = {name: _series_rows(name, selected[name], split, spec, identity) for name in trained}
    choice = choose_window(params, settings, list(rows.values()))
    if choice is not None:  # the lookback and anchor the parameters left open, chosen on every series' folds
        resolved = {**resolved, "lookback": choice.lookback, "target_anchor": choice.anchor}
    settings = derive_settings(params, resolved)  # derived once from everything the data decided
    if len(selected) == 1 and not skip_short and not given:
        frame = next(iter(selected.values()))
        preparation.check_rows_for_split(frame, settings.window, train.validation_fraction, train.test_fraction)
    return FitPlan(with_identity(settings, identity), resolved, split, selected, rows, identity, choice)


def fit_learned(params: ForecasterParams, frames: dict[str, pd.DataFrame], panel: bool, static=None,
                skip_short: bool = False, backup_dir=None,
                split: DateSplit | SeriesSplit | None = None) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Fit one network on every series of `frames`; returns the learned attributes (`name_`).

    Args:
        params: the forecaster's parameters.
        frames: the series by name (one entry for one series).
        panel: whether the data was given as a panel; decides the layout of the outputs only.
        static: the static covariate table (see `plan_fit`).
        skip_short: leave out (and list in `skipped_`) a series without a training window.
        backup_dir: where training state is saved after every epoch, to resume from.
        split: the split to fit by (see `plan_fit`).

    Returns:
        The learned state (for `tsrnn.forecasting.state.replace_learned`), and every series' checked
        frame of the columns the window reads.

    Raises:
        ConfigError, DataError: as `plan_fit`; DataError also when no series has a training window.
    """
    from tsrnn.nn.backend import load_keras_quietly

    load_keras_quietly()  # TensorFlow's start-up notes go to /dev/null, in the library as in the CLI
    from tsrnn.features.batches import epoch_batches, window_input
    from tsrnn.nn import training
    from tsrnn.nn.distribute import batch_size_for, check_batch_size, data_parallel, even_ends, replica_count, scope_of

    check_params_for(params, panel, static)
    plan = plan_fit(params, frames, static, skip_short, split)
    settings, split, identity = plan.settings, plan.split, plan.identity
    spec, train = settings.window, settings.training
    regression = train.task == "regression"
    replicas = replica_count(train.strategy)
    check_batch_size(train.batch_size, replicas)
    parts, validation_parts, calibrating, series_state, skipped, directions = [], [], [], {}, [], []
    every_row = []  # every series' windows up to its last row, for the refit
    refitting = regression and (train.refit if train.refit is not None else len(frames) > 1)
    train = dataclasses.replace(train, refit_members=refit_members_for(train, refitting))
    for name, frame in plan.frames.items():
        bounds = split.bounds(frame.index, name)
        # JAX shards every batch evenly over the devices: drop the few oldest windows that would not.
        train_ends = even_ends(bounds.ends("train", spec, stride=spec.stride), replicas)
        validation_ends = even_ends(bounds.ends("validation", spec), replicas)
        if not len(train_ends) or name not in plan.rows:
            if skip_short:  # left out of the selection and the identity too
                skipped.append(name)
                continue
            raise DataError(f"{frame.attrs.get('source', name)}: no training window before its validation part "
                            f"({split.describe()}); drop the series or shorten the lookback")
        features, levels = plan.rows[name].features, plan.rows[name].levels
        feature_scaler = preparation.fit_feature_scaler(features, spec, bounds.train_end)
        if regression:
            target_scaler = preparation.fit_target_scaler(levels, train_ends, spec)
        else:
            target_scaler = preparation.fit_target_scaler(levels[:1], None, spec)
            directions.append(rises(levels, train_ends, spec))
        scaled = identity.with_id(name, identity.values_of(name, preparation.scaled_steps(feature_scaler, features, spec)))

        def targets(ends, target_scaler=target_scaler, levels=levels):
            return preparation.training_targets(target_scaler, levels, ends, spec, train.task)

        parts.append((scaled, train_ends, targets(train_ends)))
        if refitting:
            all_ends = even_ends(window_ends(len(frame), spec, stride=spec.stride), replicas)
            every_row.append((scaled, all_ends, targets(all_ends)))
        if len(validation_ends):
            validation_parts.append((scaled, validation_ends, targets(validation_ends)))
            if regression:
                calibrating.append((name, scaled, levels, validation_ends, target_scaler))
        naive = WindowSpec(**{**spec.to_dict(), "target_anchor": "last"})
        series_state[name] = SeriesState(
            feature_scaler=feature_scaler, target_scaler=target_scaler,
            baselines={b.name: b.fit(frame.iloc[: bounds.train_end]) for b in default_baselines(spec)},
            mase_scale=plan.rows[name].mase_scale,
            naive_residuals=target_values(levels, train_ends, naive) if regression else None,
            windows={"train": len(train_ends), "validation": len(validation_ends)},
            split=preparation.split_summary(frame, bounds, spec, len(train_ends), len(validation_ends)),
            long_period=infer_long_period(frame.index, settings.seasonal_period) if regression else None,
        )
    if not parts:
        raise DataError(f"no series has a training window before its validation part ({split.describe()}); "
                        "give longer series or a shorter lookback")
    outputs = ("forecast", "quantiles") if settings.model.quantiles else ()
    # Validation only predicts: large batches (named in fit too, or Keras would use the training size).
    validation_batch_size = batch_size_for(max(train.batch_size, 1024), replicas)
    train_input = window_input(parts, spec, train.batch_size, shuffle=True, seed=train.seed, target_names=outputs,
                               steps_per_epoch=train.steps_per_epoch)
    validation = (window_input(validation_parts, spec, validation_batch_size, target_names=outputs)
                  if validation_parts else None)
    training.seed_everything(train.seed)
    distribution = data_parallel(train.strategy)
    from tsrnn.nn import zoo


    def start():
        with scope_of(distribution):
            network = zoo.build(settings.model)
            if plan.choice is not None:  # the linear path starts at the Ridge solution validation chose
                network.get_layer("linear").set_weights([plan.choice.coef.astype(np.float32),
                                                         plan.choice.intercept.astype(np.float32)])
        return network

    model = start()
    outcome = training.fit_model(
        model, train_input, validation, epochs=train.epochs, batch_size=train.batch_size,
        validation_batch_size=validation_batch_size, patience=train.patience, restore_best=train.patience > 0,
        backup_dir=backup_dir, distribution=distribution, keep_initial=plan.choice is not None, verbose=train.verbose,
    )
    choices = choices_record(settings, plan.choice, outcome.best_epoch, outcome.initial_validation_loss,
                             epoch_batches(sum(len(ends) for _, ends, _ in parts), train.batch_size, train.steps_per_epoch))
    learned = {}
    if regression:
        validation_forecasts, pooling, temperature, median = combined_validation(model, calibrating, settings, series_state)
        scores, quantile_scores = pooled_conformity_scores(validation_forecasts, spec, settings.model.quantiles)
        blocks = [(scores, quantile_scores)]
        if train.calibration_folds > 1 and scores is not None:
            blocks = earlier_blocks(params, frames, panel, static, split, train.calibration_folds) + blocks
            scores = np.concatenate([block_scores for block_scores, _ in blocks])
            quantile_scores = quantile_scores and {level: np.concatenate([by_level[level] for _, by_level in blocks])
                                                   for level in quantile_scores}
        learned.update(calibration_scores_=scores, quantile_scores_=quantile_scores)
        choices["calibration_blocks"] = len(blocks)
        if train.shrinkage:
            choices.update(combination_choices(list(series_state.values()), pooling, temperature, median, has_drift(spec)))
    else:
        learned["majority_class_"] = int(np.concatenate(directions).mean() >= 0.5)
    forecasting = model
    if every_row and outcome.best_epoch:  # None: no validation chose an epoch; 0: the linear start was kept
        # The same start and seed, every row's windows, the epochs validation chose; no early stopping.
        epochs = outcome.smoothed_best_epoch if train.refit_epochs == "smoothed" else outcome.best_epoch
        forecasting, losses = refit_networks(start, every_row, spec, train, epochs, outputs, distribution)
        choices["refit"] = {"epochs": epochs, "epochs_read": train.refit_epochs, "windows": int(sum(len(ends) for _, ends, _ in every_row)),
                            "final_loss": losses[0], "members": len(losses), "schedule": train.refit_schedule}
        learned["holdout_model_"] = model
    learned.update(
        settings_=settings, resolved_=plan.resolved, choices_=choices, window_spec_=spec, model_spec_=settings.model,
        model_=forecasting, data_split_=split, series_=series_state, history_=outcome.history, panel_=panel,
        skipped_=skipped, identity_=identity,
        split_=(split.to_dict() if panel else next(iter(series_state.values())).split),
        data_columns_=[str(c) for c in next(iter(frames.values())).columns],
        data_sha256_=_sha256_of(plan.frames),
    )
    return learned, plan.frames


def earlier_blocks(params: ForecasterParams, frames: dict[str, pd.DataFrame], panel: bool, static,
                   split: DateSplit | SeriesSplit, folds: int) -> list[tuple[np.ndarray, dict | None]]:
    """The conformity scores of up to `folds - 1` blocks before the validation part, each as large,
    oldest first: each scored by a network fitted the same way on the rows before it (its
    validation part, `split.earlier`), so every score is out of sample (cross-validated conformal,
    as NeuralForecast's `PredictionIntervals(n_windows=k)` refits likewise). Stops at the first
    block with no rows left before it to train on; never reads the test rows.

    Args:
        params: the forecaster's parameters.
        frames: the series as `fit_learned` was given them.
        panel: whether the data is a panel.
        static: the static covariate table, or None.
        split: the fit's split.
        folds: the blocks wanted, the validation part's own included.

    Returns:
        `(scores, {band level: scores} or None)` per earlier block, oldest first.
    """
    earlier_params = ForecasterParams(**{**ForecasterParams.get_params(params), "calibration_folds": 1, "refit": False,
                                         "refit_members": 1, "verbose": 0})
    found = []
    for block in range(1, folds):
        earlier = split.earlier(frames, block)
        if earlier is None:
            break
        kept = {name: frame for name, frame in frames.items()
                if not isinstance(earlier, SeriesSplit) or name in earlier.starts}
        try:
            learned, _ = fit_learned(earlier_params, kept, panel, static, skip_short=True, split=earlier)
        except DataError:
            break
        if learned["calibration_scores_"] is None:
            break
        found.insert(0, (learned["calibration_scores_"], learned["quantile_scores_"]))
    return found


def _sha256_of(frames: dict[str, pd.DataFrame]) -> str:
    """The checksum of one series' frame, or of every series' checksum in order."""
    if len(frames) == 1:
        return data_sha256(next(iter(frames.values())))
    import hashlib

    return hashlib.sha256("".join(f"{name}:{data_sha256(frame)}" for name, frame in frames.items()).encode()).hexdigest()


def _series_rows(name: str, frame: pd.DataFrame, split, spec: WindowSpec, identity: SeriesIdentity) -> SeriesRows:
    """One series as the linear path's selection sees it (`tsrnn.forecasting.selection.SeriesRows`):
    its arrays, split and MASE scale, with its static covariates appended to its scaled steps.
    """
    features, levels = preparation.arrays(frame, spec)
    bounds = split.bounds(frame.index, name)
    return SeriesRows(features, levels, bounds, naive_scale(levels[: bounds.train_end]),
                      extra=lambda scaled: identity.values_of(name, scaled))


def _input_transforms(selected: dict[str, pd.DataFrame], spec, split: DateSplit | SeriesSplit) -> dict[str, str]:
    """One transform per non-target input for every series: each series chooses from its own
    training rows, and the most general choice wins (differences over log1p over log returns).
    """
    chosen: dict[str, str] = {}
    for name, frame in selected.items():
        for column, transform in preparation.choose_input_transforms(frame, spec, split.bounds(frame.index, name).train_end).items():
            if column not in chosen or _GENERALITY[transform] > _GENERALITY[chosen[column]]:
                chosen[column] = transform
    return chosen
