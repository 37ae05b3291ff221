"""Ridge regressions of one problem at several shrinkages, sharing one Gram matrix.

`choose_linear` scores eight alphas on every (lookback, anchor, fold) of a panel. scikit-learn's
`Ridge` (its Cholesky solver, the one it picks for dense inputs) centres the inputs and forms
`X'X` again for each alpha; on M4's 414 hourly series that repetition, with scikit-learn's input
checks around each small `predict`, made `choose_linear` take 110 s where it now takes 36 s
(`bench/results/linear_selection.json`, 2026-12-07, 2-core AMD EPYC). The solution is the same closed form: centre `X` and
`y` once, form `X'X` and `X'y` once (summed series by series, so a panel's windows are never
concatenated), and solve `(X'X + alpha I) w = X'y` per alpha.

Examples:
    >>> import numpy as np
    >>> x = np.arange(12.0).reshape(6, 2) ** 0.5
    >>> y = x @ np.array([[1.0], [-2.0]]) + 3.0
    >>> model = RidgePath(x, y).fit(1e-9)
    >>> np.round(model.coef_, 4).tolist(), np.round(model.intercept_, 4).tolist()
    ([[1.0, -2.0]], [3.0])
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg


@dataclass(frozen=True)
class LinearMap:
    """`x @ coef_.T + intercept_`: a fitted regression with scikit-learn's attribute names.

    Attributes:
        coef_: `(outputs, inputs)` weights.
        intercept_: `(outputs,)` offsets.
    """

    coef_: np.ndarray
    intercept_: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The outputs `(rows, outputs)` for inputs `(rows, inputs)`."""
        return x @ self.coef_.T + self.intercept_


class RidgePath:
    """One regression problem, fitted with an intercept (unpenalised) at any alpha.

    Args:
        x: inputs `(rows, inputs)`.
        y: outputs `(rows, outputs)`.

    Example:
        >>> import numpy as np
        >>> path = RidgePath(np.eye(3), np.eye(3))
        >>> [float(np.round(path.fit(alpha).coef_[0, 0], 3)) for alpha in (0.1, 10.0)]
        [0.606, 0.061]
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self._accumulate([(x, y)])

    @classmethod
    def pooled(cls, parts: list[tuple[np.ndarray, np.ndarray]]) -> RidgePath:
        """One problem over the rows of every `(x, y)` part (a panel's series), without concatenating them.

        Args:
            parts: `(inputs, outputs)` pairs with the same columns.

        Returns:
            The `RidgePath` of their rows stacked.

        Example:
            >>> import numpy as np
            >>> x, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)[:, None]
            >>> whole, pooled = RidgePath(x, y).fit(1.0), RidgePath.pooled([(x[:1], y[:1]), (x[1:], y[1:])]).fit(1.0)
            >>> bool(np.allclose(whole.coef_, pooled.coef_) and np.allclose(whole.intercept_, pooled.intercept_))
            True
        """
        path = cls.__new__(cls)
        path._accumulate(parts)
        return path

    def _accumulate(self, parts: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """The means, then the centred Gram matrix `X'X` and `X'y`, summed part by part."""
        parts = [(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)) for x, y in parts]
        rows = sum(len(x) for x, _ in parts)
        self.x_mean = sum(x.sum(axis=0) for x, _ in parts) / rows
        self.y_mean = sum(y.sum(axis=0) for _, y in parts) / rows
        self.gram = np.zeros((len(self.x_mean), len(self.x_mean)))
        self.cross = np.zeros((len(self.x_mean), len(self.y_mean)))
        for x, y in parts:
            centred = x - self.x_mean
            self.gram += centred.T @ centred
            self.cross += centred.T @ (y - self.y_mean)

    def fit(self, alpha: float) -> LinearMap:
        """The regression at shrinkage `alpha` (> 0), as scikit-learn's `Ridge(alpha).fit(x, y)`.

        Args:
            alpha: the L2 penalty on the weights.

        Returns:
            The fitted `LinearMap`.
        """
        system = self.gram.copy()
        system.flat[:: len(system) + 1] += alpha
        coef = linalg.solve(system, self.cross, assume_a="pos", overwrite_a=True).T
        return LinearMap(coef, self.y_mean - self.x_mean @ coef.T)


__all__ = ["LinearMap", "RidgePath"]
