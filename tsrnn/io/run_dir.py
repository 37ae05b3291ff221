"""Run directories, for forecaster runs and sentiment runs alike: written whole or not at all,
and checked (format version, files, model) when read back.

A run directory is staged under a temporary name beside its final place and renamed when
complete, so an interrupted or failed run leaves nothing behind and two runs aimed at the same
`--out` never mix their files. A forecaster run holds `model.keras` and `run.json`; a sentiment
run `model.keras`, `config.json`, `results.json` and its text encoder. Both carry a format version.

Directories are written by `tsrnn.utils.atomic.atomic_directory`.

Examples:
    >>> MODEL_FILE, RUN_FILE, PANEL_FILE
    ('model.keras', 'run.json', 'panel.json')
"""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from tsrnn._version import __version__
from tsrnn.errors import RunDirError
from tsrnn.utils.atomic import write_json

# Format 3: one record for one series or many (every series' state under "series"); format 2 (one
# series, read and upgraded by tsrnn.forecasting.state.upgrade) stored the parameters verbatim; format 1 did not.
FORMAT_VERSION = 3
OLDEST_FORMAT_VERSION = 2


SENTIMENT_FORMAT_VERSION = 1


MODEL_FILE = "model.keras"


RUN_FILE = "run.json"
# The network scored on the validation and test parts, where `refit` trained the forecasting one again on every row.
HOLDOUT_MODEL_FILE = "holdout_model.keras"


PANEL_FILE = "panel.json"


PANEL_FORMAT_VERSION = 1  # panel runs (tsrnn.forecasting.panel_forecaster)


SENTIMENT_CONFIG_FILE = "config.json"


SENTIMENT_RESULTS_FILE = "results.json"


VOCABULARY_FILE = "vocabulary.json"


WORD_INDEX_FILE = "word_index.json"


def load_keras_model(path: Path, rerun: str):
    """Load a `.keras` file with `safe_mode` (no arbitrary code); a bad file is a `RunDirError`
    whose fix is `rerun`.
    """
    from tsrnn.nn.backend import load_keras_quietly

    keras = load_keras_quietly()
    path = Path(path)
    if not path.is_file():
        raise RunDirError(f"{path}: model file missing; {rerun} to recreate it")
    from tsrnn.nn.quantiles import keras_objects

    try:
        return keras.saving.load_model(path, safe_mode=True, custom_objects=keras_objects())
    except Exception as error:  # Keras raises many types for corrupt archives
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RunDirError(f"{path}: cannot load the model ({detail[:160]}); {rerun}") from None


def read_run_json(directory: Path) -> dict:
    """Read and check `run.json` of a forecaster run: present, valid JSON, this tsrnn's format."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RunDirError(f"{directory}: run directory not found; pass the --out directory of a tsrnn fit")
    return _read_versioned(directory / RUN_FILE, FORMAT_VERSION, "tsrnn fit", f"{directory} is not a complete tsrnn run",
                           oldest=OLDEST_FORMAT_VERSION)


def _read_versioned(path: Path, version: int, rerun: str, missing: str, oldest: int | None = None) -> dict:
    """A JSON file with a `format_version` this tsrnn reads; older and newer formats are refused."""
    if not path.is_file():
        raise RunDirError(f"{path}: missing; {missing}, re-run {rerun}")
    try:
        info = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunDirError(f"{path}: not valid JSON ({error}); the file is truncated or corrupt, re-run {rerun}") from None
    if not isinstance(info, dict) or "format_version" not in info:
        raise RunDirError(f"{path}: not a tsrnn run file (no format_version); pass a directory written by {rerun}")
    found = info["format_version"]
    if not isinstance(found, int) or found > version:
        raise RunDirError(
            f"{path}: written by tsrnn {info.get('tsrnn_version', '?')} in format {found}, newer than this "
            f"tsrnn {__version__} reads ({version}); upgrade tsrnn (pip install -U tsrnn)"
        )
    if found < (version if oldest is None else oldest):
        raise RunDirError(
            f"{path}: written by tsrnn {info.get('tsrnn_version', '?')} in the older format {found}, which this tsrnn "
            f"{__version__} no longer reads (format {version}); re-run {rerun} to write it anew"
        )
    return info


def write_forecaster_run(directory: Path, model, info: dict, holdout_model=None) -> None:
    """Write `model.keras` and `run.json` (`info` plus format, versions and backend) into `directory`,
    and `holdout_model.keras` where a refit left the scored network apart from the forecasting one.
    """
    if holdout_model is not None:
        holdout_model.save(Path(directory) / HOLDOUT_MODEL_FILE)
    _write_model_run(directory, model, RUN_FILE, FORMAT_VERSION, info)


def _write_model_run(directory: Path, model, file: str, version: int, info: dict) -> None:
    """The model and its record: `info` between the format and the backend and library versions."""
    model.save(Path(directory) / MODEL_FILE)
    write_json(Path(directory) / file, {"format_version": version, "tsrnn_version": __version__,
                                        **info, "backend": keras_backend(), "versions": library_versions()})


def read_forecaster_run(directory: str | os.PathLike) -> tuple[dict, object]:
    """`run.json` (checked) and the Keras model of a forecaster run directory.

    Args:
        directory: the run directory.

    Returns:
        `(run.json's content, the Keras model)`.

    Raises:
        RunDirError: a missing or incomplete directory, or a format this version cannot read.

    Examples:
        >>> read_forecaster_run("no/such/run")
        Traceback (most recent call last):
        ...
        tsrnn.errors.RunDirError: no/such/run: run directory not found; pass the out directory of a tsrnn fit
    """
    directory = Path(directory)
    info = read_run_json(directory)
    return info, load_keras_model(directory / MODEL_FILE, rerun="re-run tsrnn fit")


def read_panel_run(directory: str | os.PathLike) -> tuple[dict, object]:
    """`panel.json` (checked) and the Keras model of a panel run directory of tsrnn 0.1.

    Args:
        directory: the run directory.

    Returns:
        `(panel.json's content, the Keras model)`.

    Raises:
        RunDirError: a missing or incomplete directory.

    Examples:
        >>> read_panel_run("no/such/run")
        Traceback (most recent call last):
        ...
        tsrnn.errors.RunDirError: no/such/run: run directory not found; pass the out directory of a tsrnn fit on a panel
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise RunDirError(f"{directory}: run directory not found; pass the --out directory of a tsrnn fit on a panel")
    info = _read_versioned(directory / PANEL_FILE, PANEL_FORMAT_VERSION, "tsrnn fit on the panel",
                           f"{directory} is not a complete panel run")
    return info, load_keras_model(directory / MODEL_FILE, rerun="re-run tsrnn fit on the panel")


def read_holdout_model(directory: str | os.PathLike):
    """The network a refitted run scored its validation and test parts with.

    Args:
        directory: the run directory.

    Returns:
        The Keras model.

    Raises:
        RunDirError: the file is missing or unreadable.
    """
    path = Path(directory) / HOLDOUT_MODEL_FILE
    if not path.is_file():
        raise RunDirError(f"{path}: missing; the run was refitted, so it needs the network it scored with: re-run tsrnn fit")
    return load_keras_model(path, rerun="re-run tsrnn fit")


def read_run(directory: str | os.PathLike) -> tuple[dict, object, str]:
    """The record, the Keras model and the record's file name of any forecaster run: `run.json`, or
    the `panel.json` of a panel run written before format 3.
    """
    if (Path(directory) / PANEL_FILE).is_file():
        return (*read_panel_run(directory), PANEL_FILE)
    return (*read_forecaster_run(directory), RUN_FILE)


def is_panel_run(directory: str | os.PathLike) -> bool:
    """Whether `directory` holds a panel run: `panel.json` (before format 3), or a `run.json` fitted on a panel.

    Args:
        directory: the run directory.

    Returns:
        True for a panel run.

    Examples:
        >>> is_panel_run("no/such/run")
        False
    """
    directory = Path(directory)
    if (directory / PANEL_FILE).is_file():
        return True
    try:
        return bool(json.loads((directory / RUN_FILE).read_text()).get("panel"))
    except (OSError, ValueError, AttributeError):
        return False


def write_sentiment_run(directory: Path, model, config: dict, results: dict, vocabulary: list | None = None,
                        word_index: dict | None = None) -> None:
    """Write a sentiment run: the model, its configuration, results and text encoder."""
    directory = Path(directory)
    model.save(directory / MODEL_FILE)
    write_json(directory / SENTIMENT_CONFIG_FILE,
               {"format_version": SENTIMENT_FORMAT_VERSION, "tsrnn_version": __version__, **config})
    write_json(directory / SENTIMENT_RESULTS_FILE, results)
    if vocabulary is not None:
        write_json(directory / VOCABULARY_FILE, {"vocabulary": vocabulary})
    elif word_index is not None:
        write_json(directory / WORD_INDEX_FILE, word_index)


def read_sentiment_run(directory: str | os.PathLike) -> tuple[dict, dict, object]:
    """The checked configuration, the text encoder (`{"vocabulary": [...]}` or `{"word_index": {...}}`)
    and the Keras model of a sentiment run directory.
    """
    directory = Path(directory)
    rerun = "the training (imdb_sentiment.py --out)"
    config = _read_versioned(directory / SENTIMENT_CONFIG_FILE, SENTIMENT_FORMAT_VERSION, rerun,
                             "pass a directory written by imdb_sentiment.py --out")
    for name in ("format_version", "tsrnn_version"):
        config.pop(name, None)
    encoder = None
    for file, key in ((VOCABULARY_FILE, "vocabulary"), (WORD_INDEX_FILE, "word_index")):
        path = directory / file
        if path.is_file():
            try:
                loaded = json.loads(path.read_text())
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise RunDirError(f"{path}: not valid JSON ({error}); the file is corrupt, re-run {rerun}") from None
            value = loaded.get("vocabulary") if key == "vocabulary" and isinstance(loaded, dict) else loaded
            if not isinstance(value, list if key == "vocabulary" else dict):
                raise RunDirError(f"{path}: not a {key.replace('_', ' ')}; the file is corrupt, re-run {rerun}")
            encoder = {key: value}
            break
    if encoder is None:
        raise RunDirError(
            f"{directory}: no text encoder saved (vocabulary.json or word_index.json); train from review CSVs, "
            "or from an imdb.npz with imdb_word_index.json beside it, to score raw texts"
        )
    return config, encoder, load_keras_model(directory / MODEL_FILE, rerun=f"re-run {rerun}")


def keras_backend() -> str:
    """The Keras backend this process runs on."""
    import keras

    return keras.backend.backend()


def library_versions() -> dict:
    """Versions of Python and the libraries a run or result depends on, read from this process."""
    import keras
    import numpy
    import pandas
    import sklearn

    versions = {
        "tsrnn": __version__,
        "python": platform.python_version(),
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "scikit-learn": sklearn.__version__,
    }
    backend = keras_backend()
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend)
    if module:
        import importlib

        versions[module] = importlib.import_module(module).__version__
    return versions
