"""The search space of `tsrnn tune`: which Forecaster parameters a trial samples, and from what.

A space maps names to distributions: `{"choices": [...]}` for a categorical, `{"low": a, "high": b}`
for a range (integers when both ends are integers; `"log": true` for a log scale, `"step"` for a
grid). A name is a Forecaster parameter, or `layers`: how many recurrent layers of `units` units
each. Parameters the space leaves out keep the forecaster's values. A space file (JSON or YAML)
replaces the whole default space.

Examples:
    >>> space = check_space({"units": {"choices": [16, 32]}, "layers": {"low": 1, "high": 2}})
    >>> forecaster_params({"units": 32, "layers": 2})
    {'units': [32, 32]}
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from tsrnn.errors import ConfigError
from tsrnn.forecasting.params import param_names

LAYERS = "layers"
RANGE_KEYS = {"low", "high", "log", "step"}


def default_space(seasonal_period: int | None, positive_target: bool) -> dict:
    """The documented default space, fitted to the data in two places: the lookbacks are one, two
    and four seasons (10, 30 and 60 rows without a season), and log returns are offered only for a
    target that is positive throughout.

    Args:
        seasonal_period: rows per season (None: no season).
        positive_target: whether the target is positive throughout.

    Returns:
        The space, `{parameter: {"choices": [...]} or {"low", "high", "log"}}`.

    Examples:
        >>> default_space(12, True)["lookback"]
        {'choices': [12, 24, 48]}
        >>> default_space(None, False)["target_transform"]
        {'choices': ['difference', 'level']}
    """
    seasonal = seasonal_period is not None and seasonal_period > 1
    lookbacks = [seasonal_period, 2 * seasonal_period, 4 * seasonal_period] if seasonal else [10, 30, 60]
    transforms = ["log_return", "difference"] if positive_target else ["difference", "level"]
    return {
        "model": {"choices": ["lstm", "gru", "simple_rnn"]},
        "units": {"choices": [16, 32, 64]},
        LAYERS: {"low": 1, "high": 2},
        "bidirectional": {"choices": [False, True]},
        "dropout": {"low": 0.0, "high": 0.3},
        "lookback": {"choices": lookbacks},
        "target_transform": {"choices": transforms},
        "learning_rate": {"low": 1e-4, "high": 1e-2, "log": True},
        "batch_size": {"choices": [32, 64, 128]},
    }


def read_space(path: str | os.PathLike) -> dict:
    """A space from a JSON or YAML file, checked (`check_space`).

    Args:
        path: the file (`.json`, `.yaml` or `.yml`).

    Returns:
        The space.

    Raises:
        ConfigError: a file that cannot be read or parsed, or a space that is not valid.

    Examples:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "space.json"
        >>> _ = path.write_text('{"units": {"choices": [16, 32]}}')
        >>> read_space(path)["units"]
        {'choices': [16, 32]}
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the search space ({error.strerror or error})") from None
    try:
        space = _parse_yaml(text) if path.suffix.lower() in (".yaml", ".yml") else json.loads(text)
    except ValueError as error:
        raise ConfigError(f"{path}: not a valid search space file ({str(error).splitlines()[0]})") from None
    return check_space(space, where=str(path))


def _parse_yaml(text: str):
    """YAML text as Python values; a syntax error is a ValueError like JSON's."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


def check_space(space, where: str = "search space") -> dict:
    """`space` itself when every entry names a parameter and a valid distribution; else one error."""
    if not isinstance(space, dict) or not space:
        raise ConfigError(f"{where}: give a mapping of parameter names to distributions, e.g. "
                          '{"units": {"choices": [16, 32]}, "learning_rate": {"low": 0.0001, "high": 0.01, "log": true}}')
    known = set(param_names()) | {LAYERS}
    for name, distribution in space.items():
        if name not in known:
            raise ConfigError(f"{where}: {name!r} is not a Forecaster parameter; choose from {', '.join(sorted(known))}")
        _check_distribution(name, distribution, where)
    if LAYERS in space and "units" not in space:
        raise ConfigError(f"{where}: 'layers' needs 'units' in the space too (each layer gets that many units)")
    return space


def _check_distribution(name: str, distribution, where: str) -> None:
    if isinstance(distribution, dict) and set(distribution) == {"choices"}:
        choices = distribution["choices"]
        if not isinstance(choices, list) or not choices or not all(
                value is None or isinstance(value, (bool, int, float, str)) for value in choices):
            raise ConfigError(f"{where}: {name}'s choices must be a non-empty list of numbers, strings, booleans or null")
        return
    if isinstance(distribution, dict) and {"low", "high"} <= set(distribution) <= RANGE_KEYS:
        low, high = distribution["low"], distribution["high"]
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high))
        if not numbers or not low < high:
            raise ConfigError(f"{where}: {name} needs numbers low < high, got low={low!r}, high={high!r}")
        if distribution.get("log") and low <= 0:
            raise ConfigError(f"{where}: {name} on a log scale needs low > 0, got {low!r}")
        return
    raise ConfigError(f"{where}: {name} must be {{\"choices\": [...]}} or {{\"low\": ..., \"high\": ...}} "
                      f"(optionally \"log\" and \"step\"), got {distribution!r}")


def sample(trial, space: dict) -> dict:
    """One value per entry of `space`, drawn by an Optuna `trial`."""
    values = {}
    for name, distribution in space.items():
        if "choices" in distribution:
            values[name] = trial.suggest_categorical(name, distribution["choices"])
            continue
        low, high = distribution["low"], distribution["high"]
        log, step = bool(distribution.get("log", False)), distribution.get("step")
        if isinstance(low, int) and isinstance(high, int) and (step is None or isinstance(step, int)):
            values[name] = trial.suggest_int(name, low, high, step=step or 1, log=log)
        else:
            values[name] = trial.suggest_float(name, float(low), float(high), step=step, log=log)
    return values


def forecaster_params(values: dict) -> dict:
    """Sampled values as Forecaster parameters: `layers` becomes that many entries of `units`."""
    params = {name: value for name, value in values.items() if name != LAYERS}
    if LAYERS in values:
        params["units"] = [int(values["units"])] * int(values[LAYERS])
    return params
