"""Every public class, function and method of the API reference has the sections a reader needs:
`Args:` (or `Attributes:` for a record) where it takes arguments, `Returns:` where it returns a
value, and `Examples:` with a runnable `>>>` line for every class and function (the doctests run
them). The public API is what `tsrnn` and each subpackage declare in `__all__`."""
from __future__ import annotations

import importlib
import inspect

import pytest

PACKAGES = ("tsrnn", "tsrnn.io", "tsrnn.features", "tsrnn.nn", "tsrnn.forecasting", "tsrnn.evaluation", "tsrnn.text",
            "tsrnn.utils")


def public_api() -> dict[str, object]:
    """`{module.qualname: object}` of every class and function named in a public `__all__`, and the
    public methods those classes define themselves."""
    found: dict[str, object] = {}
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            value = getattr(module, name)
            if (inspect.isclass(value) or inspect.isfunction(value)) and value.__module__.startswith("tsrnn"):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    for key, value in list(found.items()):
        if inspect.isclass(value):
            for name, member in vars(value).items():
                function = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                if not name.startswith("_") and inspect.isfunction(function):
                    found[f"{key}.{name}"] = function
    return found


def missing_sections(value) -> list[str]:
    """The sections `value`'s docstring lacks (see the module)."""
    doc = inspect.getdoc(value) or ""
    missing = []
    try:
        parameters = [p for p in inspect.signature(value).parameters if p not in ("self", "cls")]
    except (TypeError, ValueError):
        parameters = []
    if inspect.isclass(value) and issubclass(value, BaseException):
        parameters = []  # an exception takes its message
    if parameters and "Args:" not in doc and "Attributes:" not in doc:
        missing.append("Args")
    if inspect.isfunction(value):
        returns = inspect.signature(value).return_annotation
        if returns not in ("None", None, inspect.Signature.empty) and "Returns:" not in doc and "Yields:" not in doc:
            missing.append("Returns")
    is_method = inspect.isfunction(value) and "." in value.__qualname__
    if not is_method and ">>>" not in doc:
        missing.append("Examples")
    return missing


API = public_api()


def test_the_public_api_is_large_enough_to_mean_something():
    assert len(API) > 100 and "tsrnn.forecasting.forecaster.Forecaster.predict" in API


@pytest.mark.parametrize("name", sorted(API))
def test_every_public_docstring_has_its_sections(name):
    assert not missing_sections(API[name]), f"{name}: docstring lacks {', '.join(missing_sections(API[name]))}"
