"""Scalers fitted on training rows only, stored as plain JSON (never pickled).

Examples:
    >>> import numpy as np
    >>> scaler = fit_scaler("standard", np.array([[1.0], [3.0]]))
    >>> scaler.transform(np.array([[2.0]])).tolist()
    [[0.0]]
    >>> scaler_from_dict(scaler_to_dict(scaler)).transform(np.array([[3.0]])).tolist()
    [[1.0]]
"""
from __future__ import annotations

import numpy as np
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler

from tsrnn.errors import ConfigError
from tsrnn.utils.validation import SCALINGS

_KINDS = {"standard": StandardScaler, "minmax": MinMaxScaler, "scale": StandardScaler}
_OPTIONS = {"scale": {"with_mean": False}}  # "scale": divided by the standard deviation, not centred
# Learned attributes that fully define each scaler's transform and inverse.
_STATE = {
    "standard": ("mean_", "var_", "scale_", "n_samples_seen_"),
    "minmax": ("min_", "scale_", "data_min_", "data_max_", "data_range_", "n_samples_seen_"),
    "scale": ("mean_", "var_", "scale_", "n_samples_seen_"),
}


def fit_scaler(kind: str, rows: np.ndarray):
    """Fit a scikit-learn scaler of `kind` on `rows`.

    Args:
        kind: "standard", "minmax", "scale" (divided by the standard deviation without centring, so
            0 stays 0) or "none" (the identity).
        rows: the training rows, 2-D.

    Returns:
        The fitted scikit-learn transformer.

    Raises:
        ConfigError: an unknown kind.

    Examples:
        >>> fit_scaler("minmax", np.array([[1.0], [3.0]])).transform(np.array([[2.0]])).tolist()
        [[0.5]]
    """
    rows = np.asarray(rows, dtype=np.float64)
    if kind == "none":
        return FunctionTransformer(validate=False).fit(rows)
    if kind not in _KINDS:
        raise ConfigError(f"scaling must be one of {', '.join(SCALINGS)}; got {kind!r}")
    return _KINDS[kind](**_OPTIONS.get(kind, {})).fit(rows)


def scaler_to_dict(scaler) -> dict:
    """The scaler's kind and learned parameters as JSON-ready lists."""
    kind = _kind_of(scaler)
    state = {"kind": kind}
    for name in _STATE.get(kind, ()):
        value = getattr(scaler, name)
        state[name.rstrip("_")] = value.tolist() if isinstance(value, np.ndarray) else int(value)
    return state


def scaler_from_dict(state: dict):
    """Rebuild a fitted scaler from `scaler_to_dict`'s output."""
    kind = state.get("kind")
    if kind == "none":
        return FunctionTransformer(validate=False).fit(np.zeros((1, 1)))
    if kind not in _KINDS:
        raise ConfigError(f"unknown scaler kind {kind!r} in saved state")
    scaler = _KINDS[kind](**_OPTIONS.get(kind, {}))
    for name in _STATE[kind]:
        value = state[name.rstrip("_")]
        setattr(scaler, name, np.asarray(value, dtype=np.float64) if isinstance(value, list) else value)
    scaler.n_features_in_ = len(state["scale"])
    return scaler


def _kind_of(scaler) -> str:
    if isinstance(scaler, StandardScaler):
        return "standard" if scaler.with_mean else "scale"
    if isinstance(scaler, MinMaxScaler):
        return "minmax"
    return "none"
