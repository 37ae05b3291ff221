"""Baselines every model is reported next to, as first-class forecasters.

The functions take the raw target levels `(rows, targets)` and window ends and use only rows up
to each window's end, exactly like the model. The classes wrap them (and a scikit-learn Ridge on
the model's own windows) in the interface `backtest` and `evaluate` use for every forecaster:
`fit(frame)`, `forecast_levels(frame, ends)`, `get_params()`; `to_state`/`baseline_from_state`
store a fitted baseline as plain JSON (a run directory keeps its baselines, nothing pickled).

Examples:
    >>> import numpy as np
    >>> from tsrnn.features.windowing import WindowSpec
    >>> levels = np.arange(10.0).reshape(-1, 1)
    >>> spec = WindowSpec(lookback=2, horizon=2, target_transform="level", target_columns=("y",))
    >>> last_value(levels, range(3, 5), spec)[:, :, 0].tolist()
    [[3.0, 3.0], [4.0, 4.0]]
    >>> seasonal_naive(levels, range(3, 5), spec, period=2)[:, :, 0].tolist()
    [[2.0, 3.0], [3.0, 4.0]]
    >>> drift(levels, range(3, 5), spec)[:, :, 0].tolist()
    [[4.0, 5.0], [5.0, 6.0]]
"""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tsrnn.errors import ConfigError, NotFittedError
from tsrnn.features.seasons import seasonal_indices, seasonality_test
from tsrnn.features.windowing import WindowSpec, input_windows, invert_targets, step_changes, target_values, window_ends


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


def drift(levels: np.ndarray, ends: range, spec: WindowSpec) -> np.ndarray:
    """Last value plus the average change per row since the first row, times the steps ahead."""
    levels = np.asarray(levels, dtype=np.float64)
    positions = np.asarray(ends)
    slope = (levels[positions] - levels[0]) / np.maximum(positions, 1)[:, None]
    steps = (spec.gap + np.arange(1, spec.horizon + 1))[None, :, None]
    return levels[positions][:, None, :] + steps * slope[:, None, :]


def moving_average(levels: np.ndarray, ends: range, spec: WindowSpec, window: int) -> np.ndarray:
    """Every step forecast as the mean of the last `window` values up to the window's end."""
    levels = np.asarray(levels, dtype=np.float64)
    sums = np.vstack([np.zeros((1, levels.shape[1])), np.cumsum(levels, axis=0)])
    positions = np.asarray(ends)
    first = np.maximum(positions + 1 - window, 0)
    means = (sums[positions + 1] - sums[first]) / (positions + 1 - first)[:, None]
    return np.repeat(means[:, None, :], spec.horizon, axis=1)


class Baseline:
    """A rule-based forecaster of `target` on the same windows as the recurrent model.

    Subclasses implement `_forecast(levels, ends, spec)`; `fit` only records the window spec.
    """

    def __init__(self, lookback: int = 30, horizon: int = 1, target: str | list[str] = "Close", gap: int = 0,
                 target_transform: str = "log_return") -> None:
        self.lookback = lookback
        self.horizon = horizon
        self.target = target
        self.gap = gap
        self.target_transform = target_transform

    name = "baseline"

    def get_params(self) -> dict:
        """Constructor parameters of this class and its bases (enough to build an unfitted copy)."""
        params = {}
        for cls in type(self).__mro__:
            if "__init__" not in vars(cls) or cls is object:
                continue
            for name, parameter in inspect.signature(cls.__init__).parameters.items():
                if name != "self" and parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                    params.setdefault(name, getattr(self, name))
        return params

    def make_window_spec(self, data=None) -> WindowSpec:
        """The window spec the current parameters describe (`window_spec_` is the fitted one)."""
        targets = (self.target,) if isinstance(self.target, str) else tuple(self.target)
        return WindowSpec(lookback=self.lookback, horizon=self.horizon, gap=self.gap, target_columns=targets,
                          target_transform=self.target_transform)

    def fit(self, frame: pd.DataFrame) -> Baseline:
        """Record the window spec (a rule learns nothing else).

        Args:
            frame: the training rows.

        Returns:
            self.
        """
        self.window_spec_ = self.make_window_spec()
        return self

    def to_state(self) -> dict:
        """The fitted baseline as JSON-ready data (its kind, parameters and learned values)."""
        if not hasattr(self, "window_spec_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(frame) first")
        params = self.get_params()
        if not isinstance(params["target"], str):
            params["target"] = list(params["target"])
        return {"kind": self.name, "params": params, "learned": self._learned_state()}

    def _learned_state(self) -> dict:
        return {}

    def _restore(self, learned: dict) -> None:
        self.window_spec_ = self.make_window_spec()

    def forecast_levels(self, frame: pd.DataFrame, ends: range) -> np.ndarray:
        """Forecasts `(len(ends), horizon, targets)` in the data's units for windows ending at `ends`."""
        if not hasattr(self, "window_spec_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(frame) first")
        levels = frame[list(self.window_spec_.target_columns)].to_numpy(np.float64)
        return self._forecast(levels, ends, self.window_spec_)

    def _forecast(self, levels, ends, spec):  # pragma: no cover - abstract
        raise NotImplementedError


class NaiveForecaster(Baseline):
    """The last observed value, for every step ahead.

    Args:
        lookback: input rows per window (as the model's).
        horizon: steps forecast from each window.
        target: the column(s) forecast.
        gap: rows skipped between a window's last input and its first target.
        target_transform: the transform the model's targets are under.

    Examples:
        >>> frame = pd.DataFrame({"y": [1.0, 2.0, 4.0]})
        >>> NaiveForecaster(lookback=1, target="y").fit(frame).forecast_levels(frame, range(2, 3))[:, 0, 0].tolist()
        [4.0]
    """

    name = "naive_last_value"

    def _forecast(self, levels, ends, spec):
        return last_value(levels, ends, spec)


class SeasonalNaiveForecaster(Baseline):
    """The value one season earlier.

    Args:
        period: rows per season.
        **window: the window, as the model's (`Baseline`: lookback, horizon, target, gap, target_transform).

    Raises:
        ConfigError: a period below 1.

    Examples:
        >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0]})
        >>> SeasonalNaiveForecaster(period=2, lookback=2, target="y").fit(frame).forecast_levels(frame, range(3, 4))[:, 0, 0].tolist()
        [3.0]
    """

    name = "seasonal_naive"

    def __init__(self, period: int = 5, **window) -> None:
        super().__init__(**window)
        if period < 1:
            raise ConfigError(f"period must be >= 1, got {period!r}")
        self.period = period

    def _forecast(self, levels, ends, spec):
        return seasonal_naive(levels, ends, spec, self.period)


class Naive2Forecaster(SeasonalNaiveForecaster):
    """M4's Naive2: the last value with its season taken out, the season put back at each step
    (classical multiplicative seasonal indices of the training rows, R's `decompose`), where M4's 90 %
    autocorrelation test finds a season in them; else the naive forecast. The benchmark M4 scores
    every method against (its OWA). It takes the seasonal naive forecaster's parameters.

    Args:
        period: rows per season.
        **window: the window, as the model's (`Baseline`: lookback, horizon, target, gap, target_transform).

    Raises:
        ConfigError: a period below 1.

    Examples:
        >>> t = np.arange(48)
        >>> frame = pd.DataFrame({"y": 100 * (1 + 0.2 * np.sin(2 * np.pi * t / 4))})
        >>> naive2 = Naive2Forecaster(period=4, lookback=4, target="y", horizon=2).fit(frame)
        >>> naive2.forecast_levels(frame, range(45, 46))[0, :, 0].round(1).tolist(), frame["y"][46:48].round(1).tolist()
        ([100.0, 80.0], [100.0, 80.0])
    """

    name = "naive2"

    def fit(self, frame: pd.DataFrame) -> Naive2Forecaster:
        """Find each target's seasonal indices in the training rows (all ones where no season is found).

        Args:
            frame: the training rows; their first row is position 0 of the season.

        Returns:
            self.
        """
        spec = self.make_window_spec()
        levels = frame[list(spec.target_columns)].to_numpy(np.float64)
        self.indices_ = np.column_stack([self._season(levels[:, column]) for column in range(levels.shape[1])])
        self.window_spec_ = spec
        return self

    def _season(self, values: np.ndarray) -> np.ndarray:
        """One target's indices by position in the season (ones without a season, or where they are unusable)."""
        if self.period < 2 or not seasonality_test(values, self.period):
            return np.ones(self.period)
        with np.errstate(divide="ignore", invalid="ignore"):
            indices = seasonal_indices(values, self.period)[: self.period]
        return indices if np.isfinite(indices).all() and (indices > 0).all() else np.ones(self.period)

    def _forecast(self, levels, ends, spec):
        positions = np.asarray(ends)
        later = positions[:, None] + spec.gap + np.arange(1, spec.horizon + 1)
        adjusted = np.asarray(levels, dtype=np.float64)[positions] / self.indices_[positions % self.period]
        return adjusted[:, None, :] * self.indices_[later % self.period]

    def _learned_state(self) -> dict:
        return {"indices": self.indices_.tolist()}

    def _restore(self, learned: dict) -> None:
        self.indices_ = np.asarray(learned["indices"], dtype=np.float64)
        super()._restore(learned)


class DriftForecaster(Baseline):
    """The last value extended by the average change per row of the history so far.

    Args:
        lookback: input rows per window (as the model's).
        horizon: steps forecast from each window.
        target: the column(s) forecast.
        gap: rows skipped between a window's last input and its first target.
        target_transform: the transform the model's targets are under.

    Examples:
        >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0]})
        >>> DriftForecaster(lookback=1, target="y", horizon=2).fit(frame).forecast_levels(frame, range(2, 3))[0, :, 0].tolist()
        [4.0, 5.0]
    """

    name = "drift"

    def _forecast(self, levels, ends, spec):
        return drift(levels, ends, spec)


class MovingAverageForecaster(Baseline):
    """The mean of the last `window` values.

    Args:
        window: the values averaged.
        **window_options: the window, as the model's (`Baseline`).

    Raises:
        ConfigError: a window below 1.

    Examples:
        >>> frame = pd.DataFrame({"y": [1.0, 2.0, 6.0]})
        >>> MovingAverageForecaster(window=2, lookback=2, target="y").fit(frame).forecast_levels(frame, range(2, 3))[:, 0, 0].tolist()
        [4.0]
    """

    name = "moving_average"

    def __init__(self, window: int = 20, **window_options) -> None:
        super().__init__(**window_options)
        if window < 1:
            raise ConfigError(f"window must be >= 1, got {window!r}")
        self.window = window

    def _forecast(self, levels, ends, spec):
        return moving_average(levels, ends, spec, self.window)


class RidgeForecaster(Baseline):
    """scikit-learn Ridge regression on the flattened windows of the target (the model's inputs and
    targets under the same transform), standardised on the training windows.

    Args:
        alpha: Ridge's shrinkage.
        **window: the window, as the model's (`Baseline`: lookback, horizon, target, gap, target_transform).

    Examples:
        >>> frame = pd.DataFrame({"y": np.exp(np.linspace(0, 1, 60))})
        >>> ridge = RidgeForecaster(lookback=3, target="y", alpha=0.1).fit(frame)
        >>> bool(abs(ridge.forecast_levels(frame, range(50, 51))[0, 0, 0] / frame["y"][51] - 1) < 0.01)
        True
    """

    name = "ridge"

    def __init__(self, alpha: float = 1.0, **window) -> None:
        super().__init__(**window)
        self.alpha = alpha

    def fit(self, frame: pd.DataFrame) -> RidgeForecaster:
        """Fit the regression on every window of `frame`.

        Args:
            frame: the training rows.

        Returns:
            self.

        Raises:
            DataError: too few rows for one window.
        """
        spec = self.make_window_spec()
        levels = frame[list(spec.target_columns)].to_numpy(np.float64)
        ends = window_ends(len(levels), spec)
        if not len(ends):
            raise ConfigError(f"Ridge baseline: {len(levels)} training rows are too few for lookback {spec.lookback}")
        inputs = self._inputs(levels, ends, spec)
        targets = target_values(levels, ends, spec).reshape(len(ends), -1)
        self.model_ = make_pipeline(StandardScaler(), Ridge(alpha=self.alpha)).fit(inputs, targets)
        self.window_spec_ = spec
        return self

    @staticmethod
    def _inputs(levels, ends, spec):
        steps = np.nan_to_num(step_changes(levels, spec.target_transform), nan=0.0)
        return input_windows(steps, ends, spec).reshape(len(ends), -1)

    def _forecast(self, levels, ends, spec):
        predicted = self.model_.predict(self._inputs(levels, ends, spec)).reshape(len(ends), spec.horizon, -1)
        return invert_targets(predicted, levels[np.asarray(ends)], spec.target_transform)

    def _learned_state(self) -> dict:
        scaler, ridge = self.model_[0], self.model_[-1]
        return {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(), "var": scaler.var_.tolist(),
                "coef": np.atleast_2d(ridge.coef_).tolist(), "intercept": np.atleast_1d(ridge.intercept_).tolist()}

    def _restore(self, learned: dict) -> None:
        scaler, ridge = StandardScaler(), Ridge(alpha=self.alpha)
        scaler.mean_, scaler.scale_, scaler.var_ = (np.asarray(learned[k], dtype=np.float64) for k in ("mean", "scale", "var"))
        scaler.n_features_in_ = len(scaler.mean_)
        scaler.n_samples_seen_ = 1
        ridge.coef_ = np.asarray(learned["coef"], dtype=np.float64)
        ridge.intercept_ = np.asarray(learned["intercept"], dtype=np.float64)
        ridge.n_features_in_ = scaler.n_features_in_
        self.model_ = make_pipeline(scaler, ridge)
        super()._restore(learned)


BASELINES = {
    cls.name: cls
    for cls in (NaiveForecaster, SeasonalNaiveForecaster, Naive2Forecaster, DriftForecaster, MovingAverageForecaster,
                RidgeForecaster)
}


def baseline_from_state(state: dict) -> Baseline:
    """Rebuild a fitted baseline from `Baseline.to_state()`.

    Examples:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"y": [1.0, 2.0, 4.0, 3.0, 5.0, 6.0]})
        >>> ridge = RidgeForecaster(lookback=2, target="y").fit(frame)
        >>> again = baseline_from_state(ridge.to_state())
        >>> bool((again.forecast_levels(frame, range(2, 5)) == ridge.forecast_levels(frame, range(2, 5))).all())
        True
    """
    try:
        baseline = BASELINES[state["kind"]](**state["params"])
        baseline._restore(state.get("learned", {}))
    except (KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"invalid saved baseline ({error!r})") from None
    return baseline
