"""Run directories: written whole or not at all, and checked when read back.

A run directory is staged under a temporary name beside its final place and renamed when
complete, so an interrupted or failed run leaves nothing behind and two runs aimed at the same
`--out` never mix their files.

Example:
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

from tsrnn import __version__
from tsrnn.errors import RunDirError

FORMAT_VERSION = 1
MODEL_FILE = "model.keras"
RUN_FILE = "run.json"


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a staging directory that becomes `target` only when the block completes.

    Refuses an existing `target` unless `overwrite`; on any error the staging directory is removed.
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
    """Call `write(staging_path)`, then rename the staged file onto `path` (nothing half-written)."""
    path = Path(path)
    staging = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(staging)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def load_keras_model(path: Path, rerun: str):
    """Load a `.keras` file with `safe_mode` (no arbitrary code); a bad file is a `RunDirError`
    whose fix is `rerun`."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise RunDirError(f"{path}: model file missing; {rerun} to recreate it")
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many types for corrupt archives
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RunDirError(f"{path}: cannot load the model ({detail[:160]}); {rerun}") from None


def write_json(path: Path, payload: dict) -> None:
    """Write `payload` as indented JSON."""
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")


def read_run_json(directory: Path) -> dict:
    """Read and check `run.json` of a run directory: present, valid JSON, a compatible format."""
    if not directory.is_dir():
        raise RunDirError(f"{directory}: run directory not found; pass the --out directory of a tsrnn fit")
    path = directory / RUN_FILE
    if not path.is_file():
        raise RunDirError(f"{path}: missing; {directory} is not a complete tsrnn run, re-run tsrnn fit")
    try:
        info = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunDirError(f"{path}: not valid JSON ({error}); the file is truncated or corrupt, re-run tsrnn fit") from None
    if not isinstance(info, dict) or "format_version" not in info:
        raise RunDirError(f"{path}: not a tsrnn run file (no format_version); pass a directory written by tsrnn fit")
    version = info["format_version"]
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RunDirError(
            f"{path}: written by tsrnn {info.get('tsrnn_version', '?')} in run format {version}, newer than this "
            f"tsrnn {__version__} reads ({FORMAT_VERSION}); upgrade tsrnn (pip install -U tsrnn)"
        )
    return info
