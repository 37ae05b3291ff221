"""Lazy public names for a package: a name is imported from its module when first used, so
`import tsrnn` and `tsrnn --help` load no Keras (as `darts/utils/_lazy.py` does for Darts).

Examples:
    >>> getattr_, dir_ = lazy_exports("tsrnn.io", {"read_series": "tables"})
    >>> getattr_("read_series").__name__
    'read_series'
"""
from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of `package`, whose public name `NAME` lives in the module
    `package.exports[NAME]`.

    Args:
        package: the package's dotted name (its `__name__`).
        exports: each public name and the submodule (relative to `package`) that defines it.

    Returns:
        `(__getattr__, __dir__)` to assign in the package's `__init__.py`.
    """

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
