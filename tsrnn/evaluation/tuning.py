"""Hyperparameter search on Optuna: every trial scored by a walk-forward backtest on the training
part, poor trials pruned after their first folds, the best configuration refitted as a run.

The study lives in Optuna storage (by default `study.db`, SQLite, in the output folder; any
database URL otherwise), so a killed search resumes where it stopped, and several processes (on
one machine or many) given the same storage and study name share its trials. The test split is
never seen: trials are scored on the rows before it, and only the refit of the best configuration
is evaluated there, next to its baselines.

Usage:
    from tsrnn import Forecaster
    from tsrnn.evaluation.tuning import TuneSettings, tune
    result = tune(Forecaster(epochs=5), "datasets/sp500.csv", "runs/tune-sp500", TuneSettings(trials=20))
    result.best_params, result.metrics["test"]["model"]["mase"]
"""
from __future__ import annotations

import json
import math
import os
import shutil
import socket
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.errors import ConfigError, TsrnnError
from tsrnn.evaluation.search_space import check_space, default_space, forecaster_params, sample
from tsrnn.evaluation.walk_forward import backtest, backtest_panel
from tsrnn.features import preparation
from tsrnn.features.splits import split_panel
from tsrnn.features.windowing import split_rows
from tsrnn.forecasting.forecaster import Forecaster
from tsrnn.forecasting.params import derive_settings, read_options, resolve_from_data
from tsrnn.forecasting.plots import tuning_plot
from tsrnn.forecasting.runs import fit_run
from tsrnn.io.panels import is_panel, read_panel
from tsrnn.io.run_dir import library_versions
from tsrnn.io.tables import read_series
from tsrnn.utils.atomic import atomic_write, jsonable, write_json

STUDY_FILE = "study.db"
BEST_RUN = "best"
# A process killed mid-trial leaves it "running"; without a heartbeat for this long it counts as failed.
HEARTBEAT_SECONDS, GRACE_SECONDS = 30, 120
STORAGE_ATTEMPTS = 4
_KNOWN_SCHEMES = {"sqlite", "postgresql", "postgresql+psycopg2", "postgresql+psycopg", "mysql", "mysql+pymysql"}


@dataclass(frozen=True)
class TuneSettings:
    """How a search runs.

    Args:
        trials: finished trials (complete, pruned or failed) the study should hold, counted over
            every process sharing it.
        folds: the folds of the walk-forward backtest that scores a trial (on the rows before the
            test split).
        test_size: rows per fold's test period (default rows / (folds + 1)).
        storage: an Optuna storage URL (e.g. postgresql://...); None: SQLite `study.db` in the
            output folder.
        study_name: the study within the storage.
        space: {parameter: distribution} (`tsrnn.evaluation.search_space`); None: `default_space`.
        seed: the sampler's seed (give each process its own, or none, when several share a study).
        pruning: stop a trial after a fold whose running mean MASE is worse than the median of
            earlier trials at that fold (Optuna's `MedianPruner`, after 3 trials).

    Examples:
        >>> TuneSettings(trials=10).study_name
        'tsrnn'
    """

    trials: int = 20
    folds: int = 3
    test_size: int | None = None
    storage: str | None = None
    study_name: str = "tsrnn"
    space: dict | None = None
    seed: int | None = None
    pruning: bool = True


@dataclass
class TuneResult:
    """What `tune` produced.

    Attributes:
        directory: the output folder.
        best_params: the best trial's parameters.
        best_value: its score (the mean MASE over its folds).
        trials: every trial of the study.
        metrics: the refitted best run's test metrics.

    Examples:
        >>> TuneResult(Path("tuned"), {"lookback": 5}, 0.9, pd.DataFrame(), {}).best_params
        {'lookback': 5}
    """

    directory: Path
    best_params: dict
    best_value: float
    trials: pd.DataFrame
    metrics: dict


def tune(forecaster, data, out: str | os.PathLike, settings: TuneSettings = TuneSettings(),
         on_trial: Callable[[dict], None] | None = None, id_column: str | None = None) -> TuneResult:
    """Search `settings.space` around `forecaster`'s parameters and write the output folder `out`:
    `study.db` (unless `storage` is given), `trials.csv`, `importances.json`, `tuning.png`,
    `tune.json`, and `best/`, an ordinary run directory of the best configuration refitted on the
    whole training part with its test metrics next to the baselines. `on_trial(record)` is called
    as each trial of this process ends.

    A panel is tuned as a panel (`data` a folder, a dict of frames, or a long table
    with `id_column`): each trial is scored by `tsrnn.evaluation.panel_backtest` (the pooled mean of the
    per-series MASE), and the best is refitted as a panel run.

    Args:
        forecaster: the `Forecaster` whose parameters the space is searched around.
        data: one series or a panel.
        out: the output folder (a study already there is continued).
        settings: how the search runs (`TuneSettings`).
        on_trial: called with each finished trial's record.
        id_column: the id column of a long table.

    Returns:
        The `TuneResult`.

    Raises:
        ConfigError: Optuna not installed, a classifier, or an invalid setting or space.

    Examples:
        >>> import tempfile
        >>> from tsrnn import Forecaster
        >>> frame = pd.DataFrame({"y": 100 + np.sin(np.arange(160) / 3)}, index=pd.date_range("2024-01-01", periods=160))
        >>> out = Path(tempfile.mkdtemp()) / "tuned"
        >>> result = tune(Forecaster(units=2, epochs=1, seed=0), frame, out,
        ...               TuneSettings(trials=1, folds=1, space={"lookback": {"choices": [5]}}))
        >>> result.best_params, (out / "best" / "run.json").is_file()
        ({'lookback': 5}, True)
    """
    try:
        import optuna
    except ImportError:
        raise ConfigError("tuning runs on Optuna, which is not installed: pip install 'tsrnn[tune]'") from None

    if forecaster.task != "regression":
        raise ConfigError("tune searches value forecasters (task regression); classifiers are not tuned yet")
    if settings.trials < 1 or settings.folds < 1:
        raise ConfigError(f"trials and folds must be >= 1, got {settings.trials} and {settings.folds}")
    subject = (_PanelSubject if is_panel(data, id_column) else _SeriesSubject)(forecaster, data, id_column)
    space = check_space(settings.space) if settings.space is not None else default_space(*subject.space_hints())
    base = {**forecaster.get_params(), "verbose": 0}
    out = Path(out)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = _study(settings, out, space, base)
    except TsrnnError:
        if created:  # nothing left behind by a search that could not start
            shutil.rmtree(out, ignore_errors=True)
        raise
    finished = _finished(study)
    if finished < settings.trials:
        study.optimize(
            _objective(space, base, subject, settings), n_trials=settings.trials - finished, catch=(TsrnnError,),
            callbacks=[optuna.study.MaxTrialsCallback(settings.trials, states=_finished_states()), _reporter(on_trial)],
            gc_after_trial=True,
        )
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not complete:
        errors = [t.user_attrs.get("error") for t in study.trials if t.user_attrs.get("error")]
        raise TsrnnError(f"no trial completed ({len(study.trials)} tried)"
                         + (f"; the first failed with: {errors[0]}" if errors else ""))
    best = study.best_trial
    best_params = forecaster_params(best.params)
    refit = subject.refit({**forecaster.get_params(), **best_params}, out / BEST_RUN)
    trials = trials_table(study)
    atomic_write(out / "trials.csv", lambda path: trials.to_csv(path, index=False))
    importances = _importances(study)
    atomic_write(out / "importances.json", lambda path: write_json(path, importances))
    atomic_write(out / "tuning.png", lambda path: tuning_plot(trials, importances.get("importances", {}), path))
    summary = {
        "study_name": settings.study_name, "storage": _public_url(settings.storage) or STUDY_FILE,
        "settings": {**asdict(settings), "storage": _public_url(settings.storage), "space": space},
        "trials": trials["state"].value_counts().to_dict(),
        "best": {"trial": best.number, "mean_fold_mase": best.value, "params": best_params,
                 "naive_mean_fold_mase": best.user_attrs.get("naive_mean_fold_mase")},
        "scored_on": subject.scored_on(),
        "test": refit.metrics.get("test"),
        "versions": {**library_versions(), "optuna": optuna.__version__},
    }
    atomic_write(out / "tune.json", lambda path: write_json(path, jsonable(summary)))
    return TuneResult(directory=out, best_params=best_params, best_value=float(best.value), trials=trials,
                      metrics=refit.metrics)


def _targets(resolved: dict) -> list[str]:
    """The resolved target column(s) as a list."""
    return resolved["target"] if isinstance(resolved["target"], list) else [resolved["target"]]


class _SeriesSubject:
    """One series: trials are walk-forward backtests on the rows before the test split that
    `Forecaster.fit` would make; the best is refitted by `fit_run`.
    """

    def __init__(self, forecaster: Forecaster, data, id_column: str | None = None):
        self.series = read_series(data, read_options(forecaster))
        self.resolved = resolve_from_data(forecaster, self.series)
        settings = derive_settings(forecaster, self.resolved)
        frame = preparation.select_frame(self.series, settings, check_inputs=False)
        bounds = split_rows(len(frame), settings.training.validation_fraction, settings.training.test_fraction)
        self.history = frame.iloc[: bounds.validation_end]

    def space_hints(self) -> tuple[int | None, bool]:
        targets = _targets(self.resolved)
        return self.resolved["seasonal_period"], bool((self.history[targets].to_numpy() > 0).all())

    def score(self, params: dict, settings: TuneSettings, after_fold: Callable[[int, float, float], None]) -> None:
        backtest(Forecaster(**params), self.history, folds=settings.folds, test_size=settings.test_size,
                 progress=lambda fold, scores: after_fold(fold.index, scores["model_mase"], scores["naive_last_value_mase"]))

    def refit(self, params: dict, out: Path):
        return fit_run(Forecaster(**params), self.series, out, overwrite=True)

    def scored_on(self) -> dict:
        return {"rows": len(self.history), "first": str(self.history.index[0]), "last": str(self.history.index[-1])}


class _PanelSubject:
    """A panel: trials are panel backtests on every series' rows before its test part;
    the best is refitted by `fit_run`.
    """

    def __init__(self, forecaster: Forecaster, data, id_column: str | None = None):
        self.data, self.id_column = data, id_column
        frames = read_panel(data, read_options(forecaster), id_column)
        split = split_panel(frames, forecaster.split, forecaster.validation_fraction, forecaster.test_fraction)
        self.history = {name: frame.iloc[: split.bounds(frame.index, name).validation_end] for name, frame in frames.items()}
        self.resolved = resolve_from_data(forecaster, next(iter(frames.values())))

    def space_hints(self) -> tuple[int | None, bool]:
        targets = _targets(self.resolved)
        positive = all((frame[targets].to_numpy() > 0).all() for frame in self.history.values())
        return self.resolved["seasonal_period"], positive

    def score(self, params: dict, settings: TuneSettings, after_fold: Callable[[int, float, float], None]) -> None:
        backtest_panel(Forecaster(**params), self.history, folds=settings.folds, test_size=settings.test_size,
                       progress=lambda fold, pooled: after_fold(fold.index, pooled["model"]["mean_mase"],
                                                                pooled["naive_last_value"]["mean_mase"]))

    def refit(self, params: dict, out: Path):
        return fit_run(Forecaster(**params), self.data, out, id_column=self.id_column, overwrite=True)

    def scored_on(self) -> dict:
        return {"series": len(self.history), "first": str(min(f.index[0] for f in self.history.values() if len(f))),
                "last": str(max(f.index[-1] for f in self.history.values() if len(f)))}


def _finished_states():
    import optuna

    state = optuna.trial.TrialState
    return (state.COMPLETE, state.PRUNED, state.FAIL)


def _finished(study) -> int:
    return len(study.get_trials(deepcopy=False, states=_finished_states()))


def _study(settings: TuneSettings, out: Path, space: dict, base: dict):
    """Create the study, or load it when it exists; one made for another search is refused."""
    import optuna
    from optuna.storages import RDBStorage

    url = settings.storage or f"sqlite:///{(out / STUDY_FILE).resolve()}"
    engine = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    for attempt in range(STORAGE_ATTEMPTS):
        try:
            with warnings.catch_warnings():  # the heartbeat is marked experimental
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                storage = RDBStorage(url, engine_kwargs=engine, heartbeat_interval=HEARTBEAT_SECONDS,
                                     grace_period=GRACE_SECONDS)
            break
        except Exception as error:  # SQLAlchemy reports a bad URL or an unreachable database in its own types
            # Processes starting together race to create a new storage's tables; the loser retries.
            if attempt + 1 < STORAGE_ATTEMPTS and "://" in url and url.split("://")[0] in _KNOWN_SCHEMES:
                time.sleep(1.0 + attempt)
                continue
            raise ConfigError(f"storage {_public_url(url)}: {str(error).splitlines()[0]}; give a database URL such as "
                              "sqlite:///study.db or postgresql://user@host/db") from None
    pruner = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=0) if settings.pruning else optuna.pruners.NopPruner()
    study = optuna.create_study(study_name=settings.study_name, storage=storage, load_if_exists=True, direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=settings.seed), pruner=pruner)
    # One attribute, set at once: processes starting together see it absent, or whole.
    recorded = {"space": _canonical(space), "base": _canonical(base)}
    previous = study.user_attrs.get("search")
    if previous is None:
        study.set_user_attr("search", recorded)
    elif previous != recorded:
        differs = [key for key in recorded if previous.get(key) != recorded[key]]
        raise ConfigError(f"study {settings.study_name!r} in {_public_url(url)} was made with another "
                          f"{' and '.join('search space' if k == 'space' else 'forecaster settings' for k in differs)}; "
                          "resume with the same options, or choose another --study-name or --out")
    return study


def _canonical(value) -> str:
    return json.dumps(jsonable(value), sort_keys=True)


def _objective(space: dict, base: dict, subject, settings: TuneSettings):
    import keras
    import optuna

    def objective(trial) -> float:
        params = {**base, **forecaster_params(sample(trial, space))}
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        fold_mase, naive_mase = [], []

        def after_fold(index: int, model: float, naive: float) -> None:
            fold_mase.append(float(model))
            naive_mase.append(float(naive))
            trial.report(float(np.mean(fold_mase)), index)
            if trial.should_prune():
                trial.set_user_attr("fold_mase", fold_mase)
                raise optuna.TrialPruned(f"mean MASE {np.mean(fold_mase):.4f} after fold {index}")

        try:
            subject.score(params, settings, after_fold)
        except TsrnnError as error:
            trial.set_user_attr("error", str(error))
            raise
        finally:
            keras.backend.clear_session()
        trial.set_user_attr("fold_mase", fold_mase)
        trial.set_user_attr("naive_mean_fold_mase", float(np.mean(naive_mase)))
        value = float(np.mean(fold_mase))
        if not math.isfinite(value):
            trial.set_user_attr("error", "the forecasts were not finite")
            raise TsrnnError(f"trial {trial.number}: the forecasts were not finite")
        return value

    return objective


def _reporter(on_trial: Callable[[dict], None] | None):
    """An Optuna callback that hands each ended trial to `on_trial` as a plain record."""

    def report(study, trial) -> None:
        if on_trial is not None:
            on_trial(trial_record(trial))

    return report


def trial_record(trial) -> dict:
    """One trial as plain values: number, state, mean fold MASE, parameters and any error."""
    return {"number": trial.number, "state": trial.state.name.lower(), "value": trial.value,
            "params": forecaster_params(trial.params), "error": trial.user_attrs.get("error"),
            "naive": trial.user_attrs.get("naive_mean_fold_mase")}


def trials_table(study) -> pd.DataFrame:
    """Every trial of the study: number, state, mean fold MASE, naive MASE, seconds, parameters."""
    rows = []
    for trial in study.trials:
        seconds = (trial.datetime_complete - trial.datetime_start).total_seconds() \
            if trial.datetime_complete and trial.datetime_start else None
        rows.append({"number": trial.number, "state": trial.state.name.lower(), "mean_fold_mase": trial.value,
                     "naive_mean_fold_mase": trial.user_attrs.get("naive_mean_fold_mase"),
                     "folds_scored": len(trial.intermediate_values), "seconds": seconds,
                     **{f"param_{name}": value for name, value in trial.params.items()},
                     "worker": trial.user_attrs.get("worker"), "error": trial.user_attrs.get("error")})
    return pd.DataFrame(rows)


def _importances(study) -> dict:
    """Optuna's parameter importances (its default evaluator) over the complete trials, or why there
    are none.
    """
    import optuna

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            values = optuna.importance.get_param_importances(study)
        except (ValueError, RuntimeError) as error:
            return {"importances": {}, "note": str(error).splitlines()[0]}
    record = {"importances": {name: float(value) for name, value in values.items()},
              "method": f"optuna.importance.get_param_importances (Optuna {optuna.__version__}'s default evaluator) "
                        "over the complete trials"}
    if caught:
        record["note"] = str(caught[0].message)
    return record


def _public_url(url: str | None) -> str | None:
    """A storage URL without its password."""
    if not url or "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"
