"""Files and folders written atomically (a crash leaves the old one or none), and JSON that
NumPy values can be written as.

Examples:
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_directory(root / "run") as staging:
    ...     write_json(staging / "a.json", {"x": 1})
    >>> sorted(p.name for p in (root / "run").iterdir())
    ['a.json']
"""
from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tsrnn.errors import RunDirError


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a staging directory that becomes `target` only when the block completes.

    Args:
        target: the directory to create.
        overwrite: replace an existing `target` (else it is refused).

    Returns:
        A context manager yielding the staging directory; on any error in the block the staging
        directory is removed and `target` is left as it was.

    Raises:
        RunDirError: `target` exists (without `overwrite`), or another process created it meanwhile.

    Examples:
        >>> import tempfile, pathlib
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> with atomic_directory(root / "out") as staging:
        ...     _ = (staging / "a.txt").write_text("x")
        >>> (root / "out" / "a.txt").read_text()
        'x'
    """
    target = Path(target)
    if target.exists() and not overwrite:
        raise RunDirError(f"{target}: already exists; choose another --out or remove it first")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_staging(target)
    staging = Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(target)}{_HOST}-{os.getpid()}-", dir=target.parent))
    try:
        yield staging
        if overwrite and target.exists():
            shutil.rmtree(target)
        try:
            os.rename(staging, target)
        except OSError:
            raise RunDirError(
                f"{target}: another run created it meanwhile; choose another --out"
            ) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


_HOST = socket.gethostname().replace("-", "_")


def _staging_prefix(target: Path) -> str:
    return f".{target.name}.tmp-"


def remove_abandoned_staging(target: str | os.PathLike) -> list[Path]:
    """Remove staging directories of `target` left by killed processes of this host; return them.

    A staging name carries its host and process id; one whose process no longer runs on this host
    was abandoned mid-run (say, by SIGKILL). Others' (other hosts, live processes) are kept.
    """
    target = Path(target)
    prefix = _staging_prefix(target)
    removed = []
    for staging in target.parent.glob(f"{glob.escape(prefix)}*"):
        host, _, rest = staging.name[len(prefix):].partition("-")
        pid = rest.partition("-")[0]
        if host == _HOST and pid.isdigit() and not _alive(int(pid)) and staging.is_dir():
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def atomic_write(path: Path, write) -> None:
    """Call `write(staging_path)`, then rename the staged file onto `path` (nothing half-written).

    Args:
        path: the file to write.
        write: a function that writes a file at the path it is given.

    Examples:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
        >>> atomic_write(path, lambda staging: staging.write_text("done"))
        >>> path.read_text()
        'done'
    """
    path = Path(path)
    staging = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(staging)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def jsonable(value):
    """`value` with NumPy scalars, timestamps and objects that have `to_dict` made plain JSON values.

    Args:
        value: a value, dict or list, nested.

    Returns:
        The same structure in plain JSON values.

    Examples:
        >>> import numpy as np
        >>> jsonable({"a": np.float32(0.5), "b": (np.int64(2), np.bool_(True))})
        {'a': 0.5, 'b': [2, True]}
    """
    import numpy as np

    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if hasattr(value, "isoformat") and hasattr(value, "tzinfo"):  # pandas and datetime timestamps
        return value.isoformat()
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return jsonable(value.to_dict())
    return value


def write_json(path: Path, payload: dict) -> None:
    """Write `payload` as indented JSON.

    Args:
        path: the file.
        payload: JSON-ready data (see `jsonable`).

    Examples:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.json"
        >>> write_json(path, {"x": 1})
        >>> json.loads(path.read_text())
        {'x': 1}
    """
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
