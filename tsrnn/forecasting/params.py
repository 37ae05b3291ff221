"""A forecaster's one record of settings, and what it runs on, derived in one function.

`ForecasterParams` is the record: its fields are the `Forecaster`'s constructor arguments (the
Forecaster inherits them), `get_params()` returns them, `run.json` stores them verbatim and
`Forecaster.load` passes them back to the constructor. `derive_settings` checks them and derives
the `WindowSpec`, the `ModelSpec` and the `TrainingSettings`; nothing else restates an option, and
the CLI takes its defaults from these fields.

Some parameters default to None, "found from the data": `target` (Close, else the only numeric
column), `seasonal_period` (from the dates, `tsrnn.features.seasons`), and, chosen on the validation split
by `tsrnn.forecasting.selection`, `lookback` and `target_anchor`. `resolve_from_data` fills in the first two;
the values a fit settled on are stored beside the parameters (`run.json`'s "resolved") so a loaded
forecaster derives exactly the same specs.

Examples:
    >>> settings = derive_settings(ForecasterParams(lookback=10, units=[8, 4]), {"target": "Close", "seasonal_period": 5})
    >>> settings.window.lookback, settings.model.units, settings.training.epochs
    (10, (8, 4), 20)
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tsrnn.errors import ConfigError
from tsrnn.features.covariates import check_encodings, default_encodings
from tsrnn.features.seasons import infer_seasonal_period
from tsrnn.features.windowing import WindowSpec
from tsrnn.io.dates import LOCAL_TIME
from tsrnn.io.tables import ReadOptions, default_target
from tsrnn.nn import zoo
from tsrnn.nn.quantiles import quantiles_for_levels
from tsrnn.utils.validation import (
    FILL_POLICIES,
    REFIT_EPOCHS,
    REFIT_SCHEDULES,
    SPLITS,
    STRATEGIES,
    TARGET_ANCHORS,
    TASKS,
    check_bool,
    check_choice,
    check_fraction,
    check_int,
    check_positive,
)

DEFAULT_LOOKBACK = 30


@dataclass(eq=False)
class ForecasterParams:
    """The parameters of a `Forecaster`: the whole of its configuration.

    Args:
        model: a zoo preset ("lstm", "gru", "simple_rnn", "stacked_lstm", ...) or a `ModelSpec`.
        task: "regression" forecasts values; "classification" predicts whether the (single) target
            rises between the window's last input and `gap + horizon` steps later.
        lookback: input rows per window (see `WindowSpec`); None: one, two or four seasons (30
            rows without a season), chosen on the validation split.
        horizon: steps forecast from each window.
        stride: rows between consecutive training windows (1: every window).
        gap: rows skipped between a window's last input and its first target.
        target: the column(s) to predict (None: Close, else the only numeric column).
        features: input columns (default: the targets).
        future_features: future covariates, columns known in advance (a holiday flag, a planned
            promotion): the network sees their values at the target dates (`tsrnn.features.covariates`);
            forecasts beyond the data need their future rows (`predict(future=...)`).
        calendar: True adds cyclic encodings of the target dates suited to the data's spacing (hour
            and day of week; or day of week, day of month and month; or month), a list names them;
            future covariates computed from the dates.
        target_lag: a copy of each target this many rows back as one more input (`target@t-L`,
            `tsrnn.features.lags`); 0 (default): none. A week less the gap and the horizon (120
            for hourly data 48 steps ahead, `tsrnn.features.lags.week_before_targets`) lets a
            short window see the values a week before its targets. `predict` warns where a series
            has fewer than lookback + L + 1 rows (its last window's lagged values would be filled
            with the series' first value).
        calendar_name: an exchange calendar (e.g. "XNYS") whose sessions date the rows after the
            data (else the data's own spacing): the day after a Friday or a holiday is the next session.
        static_features: (panels) columns constant within each series (a sector code, a size), or
            the columns of a table given to `Forecaster.fit(static=...)`: one value per series,
            scaled across the panel's series and fed at every step.
        series_embedding: (panels) the size of a learned vector per training series fed at every
            step (0: none); a series never seen in training gets the vector learned for unknown series.
        target_transform: "log_return" (default), "difference" or "level".
        input_transforms: {column: transform} for inputs that are not targets ("log_return",
            "log1p_difference", "difference", "level"); the rest are chosen from the training rows
            (under log returns: log returns where positive, log1p differences with zeros,
            differences with negative values).
        target_anchor: targets measured from the window's "last" value or from the value one
            "season" before each target; None chooses on the validation split.
        linear: add a linear path over the window beside the recurrent body, started at the Ridge
            solution chosen on validation (None: on for regression, off for classification).
        scaling: "standard" (default), "minmax", "scale" (divided by the standard deviation, not
            centred, so the network's output 0 is no change from the anchor rather than the training
            rows' mean change) or "none"; fitted on the training rows only.
        quantile_levels: band levels in percent (e.g. [80, 95]) for a quantile head: one output per
            quantile (1 - L) / 2 and (1 + L) / 2, trained with the pinball loss and ordered by
            construction, so bands follow the inputs; conformalised on the validation split (None:
            bands are the point forecast plus a conformal radius).
        calibration_folds: bands are calibrated on the validation windows and, with k > 1, on the
            k - 1 blocks of the same size before them too, each scored by a network fitted on the
            rows before it (cross-validated conformal, as NeuralForecast's `PredictionIntervals(n_windows=k)`):
            k times the calibration windows for k times the training time; never the test rows.
        units: the recurrent layers' sizes, overriding the preset's.
        bidirectional: read every window both ways (overrides the preset).
        dropout: dropout on each recurrent layer's inputs (overrides the preset).
        recurrent_dropout: dropout on each recurrent layer's state (overrides the preset).
        pooling: what the head sees, the body's last state ("last") or the max or mean over time.
        epochs: passes over the training windows (at most, with early stopping); an epoch is at
            most `steps_per_epoch` batches.
        batch_size: windows per training batch.
        steps_per_epoch: batches per epoch at most (Keras's `steps_per_epoch`, GluonTS's
            `num_batches_per_epoch`): a larger training set is walked through over several epochs, each
            going on where the last stopped, so one epoch of a large panel costs what one of a small
            panel does, early stopping checks validation as often, and the fit's time is bounded by
            `epochs` on any panel. On the M4 hourly panel's validation rows 1,000 scored MASE 0.856
            and 291 series better than seasonal naive in 14.8 min at its cap of 20 epochs, against
            whole passes' 0.862, 294 and 11.6 min, whose time follows the epoch early stopping lands
            on (55.1 min on the held-out rows, 12.4 min with 1,000: `bench/m4_validation_table.py`,
            `bench/m4_table.py`). 0: every window, once per epoch.
        learning_rate: Adam's learning rate.
        loss: the training loss on the scaled targets: "mae" (default: absolute errors, as MASE
            counts them; chosen on the M4 hourly panel's validation rows, `bench/m4_validation_table.py`),
            "mse" (the default before 0.2) or "huber".
        patience: early stopping on the validation loss (best weights restored); 0 disables it.
        validation_fraction: the chronological part after training that validates (choices, early
            stopping, band calibration).
        test_fraction: the last chronological part, held out for the test scores.
        refit: after every choice is made on validation, train the forecasting network once more,
            from the same start, on the windows of every row (training, validation and test) for
            the epochs validation chose, as scikit-learn's `refit` does after a search. The test
            and validation scores stay the first network's (it never saw those rows); forecasts,
            the run directory and export use the refitted one. Off where validation kept the
            linear start (no epoch to repeat). None (default): on where the data holds several
            series (on the M4 hourly panel's validation rows it lowered the MASE from 1.035 to
            0.941), off for one series (its few validation windows choose the epochs noisily: no
            gain on the single series of `bench/accuracy.py --beyond`).
        refit_members: with `refit`, how many networks are trained on every row, each from its own
            seed (`seed`, `seed + 1`, ...) and the same start, for the epochs validation chose; the
            forecast averages them (a seed ensemble: every top M4 entry combined several models).
            They train side by side as one model (`tsrnn.nn.ensemble.trained_together`), so two
            take little longer than one on a CPU (`bench/ensemble_training.py`); the combination
            and the bands stay chosen on the first network's validation windows. None (default):
            2 where the forecaster refits (on the M4 hourly panel's validation rows two lowered the
            MASE from 0.844 to 0.835 and raised the series better than seasonal naive from 292 to
            301, `bench/m4_validation_table.py`), else 1. More than 1 needs the refit (one series
            is not refitted by default: pass `refit=True`).
        refit_schedule: the refit's learning rate over its epochs: "constant" (default: Adam's
            `learning_rate` throughout, as the validated network trained) or "cosine" (lowered after
            every batch along half a cosine to 0 at the last, `tsrnn.nn.callbacks.CosineAnnealing`;
            on the M4 hourly panel's validation rows it scored MASE 0.850 and 297 series better than
            seasonal naive against constant's 0.835 and 301, `bench/m4_validation_table.py`).
        refit_epochs: how many epochs the refit trains, read off the validated network's losses:
            "best" (default: the single lowest epoch, the one whose weights the validated network
            keeps) or "smoothed" (the epoch whose validation loss, averaged with its neighbouring
            epochs', is lowest, `tsrnn.nn.training.TrainingResult.smoothed_best_epoch`). A flat,
            noisy validation curve makes the single best epoch a matter of noise: on the M4
            hourly panel's validation rows it chose epoch 3 of a curve flat from there: the
            refit's 3 epochs scored MASE 0.862, the smoothed rule's 6 scored 0.846 and 8 scored
            0.838 (`bench/m4_validation_table.py`; the same first network, one machine). More
            epochs cost time (19.0 min against 11.6 there), and no held-out run has checked the
            smoothed rule within the 20-minute budget yet, so it is an option.
        shrinkage: per series, multiply the forecast's change from its anchor by the weight (0,
            0.25, 0.5, 0.75 or 1) that gives that series' validation windows the lowest absolute
            error: 0 forecasts the anchor alone (seasonal naive with the season anchor, naive with
            the last value), so a series where the global network does worse than the anchor on
            validation leans on the anchor, as FFORMA weighs methods per series. Bands are
            calibrated on the weighted forecasts; export writes each series' weight. A weight is
            kept only where it beats the unweighted forecast by more than one standard error of
            the paired per-window difference. Only for target transforms measured from an anchor
            (not "level"). Where the dates have a longer season than the anchor's (a week of
            sub-daily rows), that season's naive forecast is blended in too, with a second weight
            chosen the same way, and where targets are measured from the value a season earlier,
            the seasonal naive carried on by the last season's drift (the last season's mean over
            the one before's), with a third (`tsrnn.forecasting.combination`). In a panel each series' errors
            relative to its anchor's are averaged with the panel's median of them, with a pooling
            weight (0 to 1) the panel's validation windows choose (earlier half against later half;
            `choices_["combination_pooling"]`). The same split chooses a temperature
            (`choices_["combination_temperature"]`): at 0 each series takes its single best pair;
            above 0 its weights average every pair's by exponential weights, so a series whose
            pairs score alike does not bet on the noisiest winner. One series keeps 0. A series the
            fitted panel never trained on chooses its weights the same way on its own validation
            windows (on M4 hourly's 138 series left out of a fit, MASE 0.872 against 0.987 for the
            network's forecast as it is, validation rows; `bench/m4_unseen.py`). On by default: on the M4 hourly
            panel's validation rows it lowered the MASE from 1.035 to 0.947 (with `refit`, from
            0.941 to 0.920; with the weekly naive too, to 0.853).
        split: how a panel is split (`tsrnn.features.splits`): "date" (the same validation and test
            dates for every series), "series" (each series' own last rows) or "auto" (by date where
            every series ends on the same date, else per series). One series splits alike by each.
        fill: None (refuse NaN), "ffill" or "drop".
        date_column: the column of dates (None: found from the file; `tsrnn.io.tables.ReadOptions`).
        sep: the field separator (None: sniffed).
        decimal: the decimal mark (None: sniffed).
        date_format: how dates are written (None: inferred, day-first where the data says so).
        timezone: "local" keeps the wall-clock time written; a zone name converts to it.
        seed: makes a CPU run repeatable.
        seasonal_period: rows per season, for the seasonal-naive baseline, the seasonal anchor and
            the default lookback (None: inferred from the dates).
        strategy: "mirrored" trains data-parallel on every local device (TensorFlow's
            MirroredStrategy, or Keras's DataParallel on JAX); "none" (default) on one.
        verbose: Keras's progress output (0 silent, 1 bar, 2 one line per epoch).

    Examples:
        >>> ForecasterParams(lookback=10).lookback
        10
    """

    model: str | zoo.ModelSpec = "lstm"
    task: str = "regression"
    lookback: int | None = None
    horizon: int = 1
    target: str | list[str] | None = None
    features: list[str] | None = None
    future_features: list[str] | None = None
    calendar: bool | list[str] = False
    calendar_name: str | None = None
    target_lag: int = 0
    static_features: list[str] | None = None
    series_embedding: int = 0
    stride: int = 1
    gap: int = 0
    target_transform: str = "log_return"
    input_transforms: dict[str, str] | None = None
    target_anchor: str | None = None
    scaling: str = "standard"
    linear: bool | None = None
    quantile_levels: list[float] | None = None
    calibration_folds: int = 1
    units: int | list[int] | None = None
    bidirectional: bool | None = None
    dropout: float | None = None
    recurrent_dropout: float | None = None
    pooling: str | None = None
    epochs: int = 20
    batch_size: int = 64
    steps_per_epoch: int = 1000
    learning_rate: float = 1e-3
    loss: str = "mae"
    patience: int = 5
    validation_fraction: float = 0.15
    test_fraction: float = 0.15
    refit: bool | None = None
    refit_members: int | None = None
    refit_schedule: str = "constant"
    refit_epochs: str = "best"
    shrinkage: bool = True
    split: str = "auto"
    fill: str | None = None
    date_column: str | None = None
    sep: str | None = None
    decimal: str | None = None
    date_format: str | None = None
    timezone: str = LOCAL_TIME
    seed: int | None = None
    seasonal_period: int | None = None
    strategy: str = "none"
    verbose: int = 0

    def get_params(self, deep: bool = False) -> dict:
        """The constructor's arguments, as scikit-learn estimators report them.

        Args:
            deep: unused (scikit-learn's signature; no parameter is an estimator).

        Returns:
            `{parameter: value}`.
        """
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(ForecasterParams)}

    def set_params(self, **params):
        """Change parameters (refit to apply them).

        Args:
            **params: the parameters to change.

        Returns:
            self.

        Raises:
            ConfigError: a name that is not a parameter.
        """
        unknown = set(params) - set(param_names())
        if unknown:
            raise ConfigError(f"unknown Forecaster parameter(s): {', '.join(sorted(unknown))}; "
                              f"choose from {', '.join(param_names())}")
        for name, value in params.items():
            setattr(self, name, value)
        return self


def param_names() -> list[str]:
    """The names of every forecaster parameter, in constructor order."""
    return [field.name for field in dataclasses.fields(ForecasterParams)]


def param_default(name: str):
    """The constructor's default for parameter `name` (the CLI's defaults come from here)."""
    return next(field.default for field in dataclasses.fields(ForecasterParams) if field.name == name)


@dataclass(frozen=True)
class TrainingSettings:
    """How the network is trained (Keras's `fit` and the early-stopping policy)."""

    # No defaults: always derived from a ForecasterParams, whose fields hold them.
    task: str
    epochs: int
    calibration_folds: int
    batch_size: int
    steps_per_epoch: int
    learning_rate: float
    patience: int
    validation_fraction: float
    test_fraction: float
    refit: bool | None
    refit_members: int | None
    refit_schedule: str
    refit_epochs: str
    shrinkage: bool
    split: str
    seed: int | None
    strategy: str
    verbose: int


@dataclass(frozen=True)
class ForecasterSettings:
    """Everything a forecaster runs on, derived from its parameters by `derive_settings`.

    Attributes:
        window: the `WindowSpec`.
        model: the `tsrnn.nn.zoo.ModelSpec`.
        training: the `TrainingSettings`.
        seasonal_period: rows per season (None: none).
        fill: how missing values are filled (None: refused).
        reading: how data files are read (`ReadOptions`).
        calendar_name: the exchange calendar that dates the rows after the data.

    Examples:
        >>> settings = derive_settings(ForecasterParams(target="y", horizon=3))
        >>> settings.window.horizon, settings.model.horizon
        (3, 3)
    """

    window: WindowSpec
    model: zoo.ModelSpec
    training: TrainingSettings
    seasonal_period: int | None
    fill: str | None
    reading: ReadOptions
    calendar_name: str | None = None


RESOLVED = ("target", "seasonal_period", "lookback", "target_anchor", "input_transforms", "calendar")


def resolve_from_data(params: ForecasterParams, series) -> dict:
    """The values of the data-dependent parameters left at None: the target column and the season
    (read from `series`), and a provisional lookback and anchor (`tsrnn.forecasting.selection` chooses them
    on validation during `fit`).

    Examples:
        >>> import pandas as pd
        >>> series = pd.DataFrame({"sales": range(40)}, index=pd.date_range("2020-01-01", periods=40, freq="MS"))
        >>> resolve_from_data(ForecasterParams(), series)
        {'target': 'sales', 'seasonal_period': 12, 'lookback': 24, 'target_anchor': 'last', 'calendar': []}
    """
    period = params.seasonal_period if params.seasonal_period is not None else infer_seasonal_period(series.index)
    lookback = params.lookback
    if lookback is None:
        lookback = 2 * period if period and period > 1 else DEFAULT_LOOKBACK
    return {
        "target": params.target if params.target is not None else default_target(series),
        "seasonal_period": period,
        "lookback": lookback,
        "target_anchor": params.target_anchor or "last",
        "calendar": list(default_encodings(series.index)) if params.calendar is True else [],
    }


def derive_settings(params: ForecasterParams, resolved: dict | None = None) -> ForecasterSettings:
    """Check a forecaster's parameters and derive its window, model and training settings.

    `resolved` fills the parameters left at None that depend on the data (see `resolve_from_data`).
    """
    p = ForecasterParams.get_params(params)
    for name, value in (resolved or {}).items():
        if name not in RESOLVED:
            raise ConfigError(f"{name} is not a parameter resolved from the data")
        if name == "input_transforms":
            p[name] = {**(value or {}), **(p[name] or {})}
        elif name == "calendar":
            p[name] = value if p[name] is True else p[name]
        elif p[name] is None:
            p[name] = value
    if p["target"] is None:
        raise ConfigError("target is found from the data at fit time; name a --target, or call fit(data) first")
    task = check_choice("--task", p["task"], TASKS)
    targets = _column_list("target", p["target"])
    features = _column_list("features", p["features"]) if p["features"] is not None else ()
    future = _column_list("future_features", p["future_features"]) if p["future_features"] else ()
    calendar = _calendar(p["calendar"])
    if (future or calendar) and task != "regression":
        raise ConfigError("future covariates and --calendar feed value forecasts; a classifier takes none")
    if task == "classification" and len(targets) != 1:
        raise ConfigError(
            f"classification predicts the direction of one target, got {len(targets)}: {', '.join(targets)}; "
            "name a single --target"
        )
    period = check_int("--seasonal-period", p["seasonal_period"], 1, optional=True)
    anchor = check_choice("--anchor", p["target_anchor"] or "last", TARGET_ANCHORS)
    if task == "classification" and anchor != "last":
        raise ConfigError("classification predicts a rise from the last value; use target_anchor 'last'")
    linear = task == "regression" if p["linear"] is None else p["linear"]
    if not isinstance(linear, bool):
        raise ConfigError(f"linear must be True, False or None, got {linear!r}")
    if linear and task != "regression":
        raise ConfigError("the linear path forecasts values; a classifier takes linear=False")
    window = WindowSpec(
        lookback=DEFAULT_LOOKBACK if p["lookback"] is None else p["lookback"], horizon=p["horizon"], stride=p["stride"],
        gap=p["gap"], feature_columns=features, target_columns=targets, target_transform=p["target_transform"],
        scaling=p["scaling"], target_anchor=anchor, seasonal_period=period,
        input_transforms=_input_transforms(features or targets, targets, p["target_transform"], p["input_transforms"]),
        future_columns=future, calendar=calendar, target_lag=p["target_lag"],
    )
    training = TrainingSettings(
        task=task,
        epochs=check_int("--epochs", p["epochs"], 1),
        calibration_folds=check_int("--calibration-folds", p["calibration_folds"], 1),
        batch_size=check_int("--batch-size", p["batch_size"], 1),
        steps_per_epoch=check_int("--steps-per-epoch", p["steps_per_epoch"], 0),
        learning_rate=check_positive("--learning-rate", p["learning_rate"]),
        patience=check_int("--patience", p["patience"], 0),
        validation_fraction=check_fraction("--validation-fraction", p["validation_fraction"]),
        test_fraction=check_fraction("--test-fraction", p["test_fraction"]),
        refit=check_bool("--refit", p["refit"], optional=True),
        refit_members=check_int("--refit-members", p["refit_members"], 1, optional=True),
        refit_schedule=check_choice("--refit-schedule", p["refit_schedule"], REFIT_SCHEDULES),
        refit_epochs=check_choice("--refit-epochs", p["refit_epochs"], REFIT_EPOCHS),
        shrinkage=check_bool("--shrinkage", p["shrinkage"]),
        split=check_choice("--split", p["split"], SPLITS),
        seed=check_int("--seed", p["seed"], 0, optional=True),
        strategy=check_choice("--strategy", p["strategy"], STRATEGIES),
        verbose=check_int("--verbose", p["verbose"], 0),
    )
    units = p["units"]
    units = (units,) if isinstance(units, int) else (tuple(units) if units else None)
    model = zoo.resolve(
        p["model"],
        input_shape=(window.lookback, len(window.inputs)),
        head="regression" if task == "regression" else "binary",
        horizon=window.horizon,
        targets=len(targets),
        units=units,
        bidirectional=p["bidirectional"],
        dropout=p["dropout"],
        recurrent_dropout=p["recurrent_dropout"],
        pooling=p["pooling"],
        learning_rate=training.learning_rate,
        loss=p["loss"],
        # Zero head: regression starts from the linear path (or, without it, from the mean change).
        head_initializer="zeros" if task == "regression" else "glorot_uniform",
        linear=linear,
        quantiles=_quantiles(p["quantile_levels"], task),
    )
    return ForecasterSettings(
        window=window,
        model=model,
        training=training,
        seasonal_period=period,
        fill=check_choice("--fill", p["fill"], FILL_POLICIES, optional=True),
        reading=read_options(params),
        calendar_name=_calendar_name(p["calendar_name"]),
    )


def _calendar(value) -> tuple[str, ...]:
    if value is True:
        raise ConfigError("calendar=True is resolved from the data's dates at fit time; call fit(data) first")
    if value is None or value is False:
        return ()
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"calendar must be True, False or a list of encodings, got {value!r}")
    return check_encodings(value)


def _calendar_name(value) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"calendar_name must be an exchange calendar's name such as 'XNYS', got {value!r}")
    return value


def _quantiles(levels, task: str) -> tuple[float, ...]:
    if levels is None:
        return ()
    if task != "regression":
        raise ConfigError("quantile_levels draw bands around value forecasts; a classifier takes none")
    return quantiles_for_levels([levels] if isinstance(levels, (int, float)) else list(levels))


def read_options(params) -> ReadOptions:
    """How the forecaster (or any object with its reading parameters) reads data files.

    Examples:
        >>> read_options(ForecasterParams(sep=";")).sep
        ';'
    """
    return ReadOptions(**{name: getattr(params, name, default) for name, default in
                          (("date_column", None), ("sep", None), ("decimal", None), ("date_format", None),
                           ("timezone", LOCAL_TIME))})


def with_input_transforms(params: ForecasterParams, window: WindowSpec, chosen: dict[str, str]) -> WindowSpec:
    """`window` with the input transforms chosen from the data (the parameters' own win), as
    `derive_settings` sets them from `resolved["input_transforms"]`: the spec the lookback and
    anchor are chosen on, before the one final derivation.

    Args:
        params: the forecaster's parameters.
        window: the window spec derived before the choice.
        chosen: `{input column: transform}` chosen from the data.

    Returns:
        The window spec with those transforms.

    Examples:
        >>> window = derive_settings(ForecasterParams(target="y", features=["y", "v"])).window
        >>> with_input_transforms(ForecasterParams(target="y", features=["y", "v"]), window, {"v": "difference"}).transforms
        ('log_return', 'difference')
    """
    given = ForecasterParams.get_params(params)["input_transforms"] or {}
    return dataclasses.replace(window, input_transforms=_input_transforms(
        window.past_inputs, window.target_columns, window.target_transform, {**chosen, **given}))


def _input_transforms(inputs: tuple[str, ...], targets: tuple[str, ...], target_transform: str, chosen) -> tuple[str, ...]:
    """One transform per input: a target's is the target transform, others as chosen (or the target's).
    Empty when every input follows the target transform.
    """
    if chosen is not None and not isinstance(chosen, dict):
        raise ConfigError(f"input_transforms must be a dict like {{'Volume': 'log1p_difference'}}, got {chosen!r}")
    chosen = chosen or {}
    unknown = [c for c in chosen if c not in inputs or c in targets]
    if unknown:
        others = [c for c in inputs if c not in targets]
        raise ConfigError(f"input_transforms names {', '.join(map(str, unknown))}, which is not an input other than a target; "
                          f"such inputs: {', '.join(others) or 'none (name them with --features)'}")
    transforms = tuple(target_transform if c in targets else chosen.get(c, target_transform) for c in inputs)
    return () if all(t == target_transform for t in transforms) else transforms


def _column_list(name: str, value) -> tuple[str, ...]:
    columns = (value,) if isinstance(value, str) else tuple(value or ())
    if not columns or not all(isinstance(c, str) and c for c in columns):
        raise ConfigError(f"{name} must be a column name or a list of them, got {value!r}")
    return columns


def params_to_json(params: dict) -> dict:
    """Parameters as run.json stores them: verbatim, a `ModelSpec` model as `{"model_spec": {...}}`."""
    model = params["model"]
    return {**params, "model": {"model_spec": model.to_dict()} if isinstance(model, zoo.ModelSpec) else model}


def params_from_json(params: dict) -> dict:
    """The inverse of `params_to_json`."""
    model = params.get("model")
    if isinstance(model, dict):
        params = {**params, "model": zoo.ModelSpec.from_dict(model["model_spec"])}
    return params


def with_identity(settings, identity):
    """The settings with a model that reads the series identity's columns: the static covariates
    after the inputs and, with an embedding, the series id last (`zoo.ModelSpec.series_slots`).
    """
    if not identity.extra_columns:
        return settings
    lookback, features = settings.model.input_shape
    model = dataclasses.replace(settings.model, input_shape=(lookback, features + identity.extra_columns),
                                series_slots=len(identity.slots) + 1 if identity.embedding_dim else 0,
                                series_embedding_dim=identity.embedding_dim)
    return dataclasses.replace(settings, model=model)
