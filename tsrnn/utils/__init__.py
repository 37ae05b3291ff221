"""The lowest layer: checks of choices and numbers shared by every layer, and files written atomically.

Public names load from their modules when first used (`tsrnn._lazy`).
"""
from __future__ import annotations

from tsrnn._lazy import lazy_exports

_EXPORTS = {
    "atomic_directory": "atomic",
    "atomic_write": "atomic",
    "check_choice": "validation",
    "check_fraction": "validation",
    "check_int": "validation",
    "check_positive": "validation",
    "jsonable": "atomic",
    "write_json": "atomic",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
