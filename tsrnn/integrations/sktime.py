"""tsrnn as an sktime forecaster: `TsrnnForecaster`, a `sktime` `BaseForecaster` around
`tsrnn.Forecaster`, so sktime's pipelines, grid searches and evaluation call tsrnn like any other
of its forecasters (`pip install 'tsrnn[sktime]'`).

What it maps:

- `fit(y, X, fh)`: `y` (one or more columns) are the targets; `X` are future covariates, known at
  the dates forecast (sktime passes their future rows to `predict`), so tsrnn's `future_features`.
  The horizon is the farthest step of `fh`. Integer and period indexes are read as days and
  periods' start dates; the forecasts come back on sktime's own index.
- `predict(fh, X)`: the forecast beyond the data sktime holds (after `update`, the longer data).
- `predict_interval(fh, X, coverage)` and `predict_quantiles`: tsrnn's conformal bands
  (`tsrnn.forecasting.conformal`), calibrated on the validation rows.

Examples:
    >>> TsrnnForecaster(lookback=3, epochs=1).get_params()["lookback"]
    3
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon

from tsrnn.forecasting.params import param_default

_ORIGIN = pd.Timestamp("2000-01-01")


class TsrnnForecaster(BaseForecaster):
    """A `tsrnn.Forecaster` behind sktime's forecaster interface.

    Args:
        model: a zoo preset ("lstm", "gru", "simple_rnn", ...).
        lookback: input rows per window (None: chosen on validation).
        units: recurrent units per layer (None: the preset's).
        epochs: training passes at most.
        batch_size: windows per batch.
        learning_rate: the optimizer's learning rate.
        loss: "mae" (the default, as tsrnn's), "mse" or "huber".
        patience: early stopping on the validation loss (0: off).
        validation_fraction: the last part of `y` that validates (choices, early stopping, bands).
        target_transform: "log_return", "difference" or "level" (None: log returns where every
            value is positive, else differences).
        seasonal_period: rows per season (None: from the dates; no season for an integer index).
        linear: the linear path beside the network (None: on).
        seed: makes a CPU run repeatable.

    Examples:
        >>> import pandas as pd
        >>> from tsrnn.integrations.sktime import TsrnnForecaster
        >>> y = pd.Series(100.0 + pd.Series(range(60)).mod(7).to_numpy(), index=pd.period_range("2020-01", periods=60, freq="M"))
        >>> forecaster = TsrnnForecaster(lookback=6, units=4, epochs=1, seed=0).fit(y, fh=[1, 2, 3])
        >>> forecaster.predict().index.astype(str).tolist()
        ['2025-01', '2025-02', '2025-03']
    """

    _tags = {
        "authors": ["tsrnn developers"],
        "maintainers": ["tsrnn developers"],
        "python_dependencies": ["keras"],
        "y_inner_mtype": "pd.DataFrame",
        "X_inner_mtype": "pd.DataFrame",
        "capability:multivariate": True,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": False,
        "capability:categorical_in_X": False,
        "requires-fh-in-fit": True,
        "X-y-must-have-same-index": True,
    }
    # predict forecasts from the data sktime holds (self._y, longer after update): keep storing it.
    _config = {"remember_data": True}

    # The parameters tsrnn's Forecaster also has default to its values, stated once in ForecasterParams.
    def __init__(self, model: str = param_default("model"), lookback: int | None = None, units=None,
                 epochs: int = param_default("epochs"), batch_size: int = param_default("batch_size"),
                 learning_rate: float = param_default("learning_rate"), loss: str = param_default("loss"),
                 patience: int = param_default("patience"), validation_fraction: float = param_default("validation_fraction"),
                 target_transform: str | None = None,
                 seasonal_period: int | None = None, linear: bool | None = None, seed: int | None = None) -> None:
        self.model = model
        self.lookback = lookback
        self.units = units
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.loss = loss
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.target_transform = target_transform
        self.seasonal_period = seasonal_period
        self.linear = linear
        self.seed = seed
        super().__init__()

    # ------------------------------------------------------------------ sktime's private interface
    def _fit(self, y: pd.DataFrame, X: pd.DataFrame | None = None, fh=None):
        from tsrnn.errors import DataError
        from tsrnn.forecasting.forecaster import Forecaster

        steps = self._steps(fh)
        self._targets = [f"y{i}" for i in range(y.shape[1])]
        self._covariates = [] if X is None else [f"x{i}" for i in range(X.shape[1])]
        frame = self._frame(y, X)
        transform = self.target_transform or ("log_return" if (y.to_numpy() > 0).all() else "difference")
        dated = isinstance(y.index, (pd.DatetimeIndex, pd.PeriodIndex))
        params = dict(
            model=self.model, lookback=self.lookback, units=self.units, epochs=self.epochs, batch_size=self.batch_size,
            learning_rate=self.learning_rate, loss=self.loss, patience=self.patience, horizon=int(max(steps)),
            target=self._targets, features=self._targets, future_features=self._covariates or None,
            target_transform=transform, validation_fraction=self.validation_fraction, test_fraction=0.0,
            seasonal_period=self.seasonal_period if self.seasonal_period is not None or dated else 1,
            linear=self.linear, seed=self.seed, verbose=0,
        )
        try:
            self.forecaster_ = Forecaster(**params).fit(frame)
        except DataError as error:
            if "too few" not in str(error) or not self.validation_fraction:
                raise
            # A series too short to validate on is fitted without validation rows (no early stopping, no bands).
            self.forecaster_ = Forecaster(**{**params, "validation_fraction": 0.0}).fit(frame)
        return self

    def _predict(self, fh, X: pd.DataFrame | None = None) -> pd.DataFrame:
        table, steps = self._last_forecast(fh, X, level=None)
        values = np.array([[table.loc[(step, target), "forecast"] for target in self._targets] for step in steps], dtype=float)
        return pd.DataFrame(values, index=self._index(fh), columns=self._y.columns)

    def _predict_interval(self, fh, X: pd.DataFrame | None = None, coverage=(0.9,)) -> pd.DataFrame:
        levels = [round(100.0 * float(c), 6) for c in coverage]
        table, steps = self._last_forecast(fh, X, level=levels)
        columns, values = [], []
        for name, target in zip(self._y.columns, self._targets):
            for share, level in zip(coverage, levels):
                for side, key in (("lower", "lo"), ("upper", "hi")):
                    columns.append((name, share, side))
                    values.append([table.loc[(step, target), f"{key}_{level:g}"] for step in steps])
        return pd.DataFrame(np.array(values, dtype=float).T, index=self._index(fh),
                            columns=pd.MultiIndex.from_tuples(columns))

    # ----------------------------------------------------------------------------- helpers
    def _last_forecast(self, fh, X, level):
        """The forecast beyond the data sktime holds now (its last window alone: `layout="beyond"`),
        indexed by step and target, and the steps `fh` asks for.
        """
        steps = self._steps(fh)
        if max(steps) > self.forecaster_.window_spec_.horizon:
            raise ValueError(f"fh reaches step {max(steps)}, beyond the {self.forecaster_.window_spec_.horizon} steps "
                             "this forecaster was fitted for; fit it with that fh")
        future = None if X is None or not self._covariates else self._covariate_frame(X, max(steps))
        table = self.forecaster_.predict(self._frame(self._y, self._X), level=level, future=future, layout="beyond")
        return table.set_index(["step", "target"]), steps

    def _steps(self, fh) -> list[int]:
        steps = [int(step) for step in fh.to_relative(self.cutoff)]
        if min(steps) < 1:
            raise ValueError("tsrnn forecasts after the data only (capability:insample is False); give fh >= 1")
        return steps

    def _index(self, fh) -> pd.Index:
        return fh.to_absolute_index(self.cutoff)

    def _frame(self, y: pd.DataFrame, X: pd.DataFrame | None) -> pd.DataFrame:
        """`y` (and `X` on the same rows) as tsrnn reads a series: named columns, indexed by dates."""
        frame = pd.DataFrame(y.to_numpy(dtype=float), index=_dates(y.index), columns=self._targets)
        if X is not None and self._covariates:
            frame[self._covariates] = X.loc[y.index].to_numpy(dtype=float)
        return frame

    def _covariate_frame(self, X: pd.DataFrame, horizon: int) -> pd.DataFrame:
        """The covariates' future rows on every step up to `horizon` after the data: sktime gives them
        at the steps of `fh` only, so a step between takes the nearest given row's values.
        """
        given = pd.DataFrame(X.to_numpy(dtype=float), index=_dates(X.index), columns=self._covariates)
        every = _dates(ForecastingHorizon(list(range(1, horizon + 1))).to_absolute_index(self.cutoff))
        return given.reindex(given.index.union(every)).ffill().bfill().loc[every]

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Tiny forecasters for sktime's estimator checks (seconds each on a CPU).

        Args:
            parameter_set: sktime's name of the parameter set (only "default").

        Returns:
            Two parameter sets: an LSTM with its linear path, and a GRU without.
        """
        return [{"lookback": 3, "units": 4, "epochs": 1, "batch_size": 16, "seed": 0, "patience": 0},
                {"model": "gru", "lookback": 4, "units": 3, "epochs": 2, "batch_size": 8, "seed": 1, "linear": False,
                 "patience": 0}]


def _dates(index: pd.Index) -> pd.DatetimeIndex:
    """Sktime's time index as dates: dates as they are, periods by their start, integers as days."""
    if isinstance(index, pd.DatetimeIndex):
        return index.tz_localize(None) if index.tz is not None else index
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp()
    return pd.DatetimeIndex(_ORIGIN + pd.to_timedelta(np.asarray(index, dtype=np.int64), unit="D"))


__all__ = ["TsrnnForecaster"]
