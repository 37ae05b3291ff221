"""`PanelForecaster`: the panel estimator of tsrnn 0.1, kept for one release.

`tsrnn.Forecaster` now fits one series or many by one code path (`tsrnn.forecasting.fitting`);
`PanelForecaster` is a `Forecaster` that warns (`FutureWarning`) and keeps the 0.1 signatures:
`fit(panel, id_column, skip_short, static)`, `predict(panel, id_column, future, dates, static,
level)` and `evaluate(panel, part="test", ...)`, and always answers in the panel layout (a long
table with a `series` column; per-series and pooled scores), even for one series.

Examples:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     PanelForecaster(lookback=10, units=4).get_params()["lookback"]
    10
"""
from __future__ import annotations

import warnings

import pandas as pd

from tsrnn.forecasting.comparison import pooled_interval_scores, pooled_scores
from tsrnn.forecasting.forecaster import Forecaster


class PanelForecaster(Forecaster):
    """Deprecated: use `tsrnn.Forecaster`, which fits panels too (see the module's docstring).

    Args:
        *args: the `Forecaster`'s parameters, by position.
        **kwargs: the `Forecaster`'s parameters, by name.

    Examples:
        >>> import pytest
        >>> with pytest.warns(FutureWarning, match="tsrnn.Forecaster fits one series or many"):
        ...     forecaster = PanelForecaster(lookback=10)
    """

    _always_panel = True

    def __init__(self, *args, **kwargs) -> None:
        warnings.warn("PanelForecaster is deprecated and will be removed in tsrnn 0.3; tsrnn.Forecaster fits one "
                      "series or many (a folder, a dict of frames, or a long table with id_column)",
                      FutureWarning, stacklevel=2)
        super().__init__(*args, **kwargs)

    def fit(self, panel, id_column: str | None = None, skip_short: bool = False, static=None) -> PanelForecaster:
        """`Forecaster.fit` with the 0.1 argument order.

        Args:
            panel: the data, as in `Forecaster.fit`.
            id_column: as in `Forecaster.fit`.
            skip_short: as in `Forecaster.fit`.
            static: as in `Forecaster.fit`.

        Returns:
            self.
        """
        return super().fit(panel, id_column=id_column, static=static, skip_short=skip_short)

    def predict(self, panel, id_column: str | None = None, future=None, dates: bool = False, static=None,
                level: list[float] | float | None = None) -> pd.DataFrame:
        """`Forecaster.predict` with the 0.1 argument order.

        Args:
            panel: the data, as in `Forecaster.predict`.
            id_column: as in `Forecaster.predict`.
            future: as in `Forecaster.predict`.
            dates: as in `Forecaster.predict`.
            static: as in `Forecaster.predict`.
            level: as in `Forecaster.predict`.

        Returns:
            The forecasts in the long panel layout.
        """
        return super().predict(panel, level=level, future=future, dates=dates, id_column=id_column, static=static)

    def evaluate(self, panel, part: str = "test", id_column: str | None = None,
                 period: tuple[pd.Timestamp, pd.Timestamp] | None = None, static=None,
                 level: list[float] | float | None = None) -> dict:
        """`Forecaster.evaluate` with the 0.1 argument order, on the test part by default.

        Args:
            panel: the data, as in `Forecaster.evaluate`.
            part: as in `Forecaster.evaluate`.
            id_column: as in `Forecaster.evaluate`.
            period: as in `Forecaster.evaluate`.
            static: as in `Forecaster.evaluate`.
            level: as in `Forecaster.evaluate`.

        Returns:
            The per-series and pooled scores.
        """
        return super().evaluate(panel, level=level, part=part if period is None else None, period=period,
                                id_column=id_column, static=static)


__all__ = ["PanelForecaster", "pooled_interval_scores", "pooled_scores"]
