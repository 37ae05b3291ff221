"""The exceptions tsrnn raises for the user's mistakes.

Every message is one line that names the bad value and says how to fix it; the CLI prints it and
exits with code 2.

Example:
    >>> from tsrnn.errors import DataError
    >>> str(DataError("prices.csv: column 'Close' not found; available: Open, High"))
    "prices.csv: column 'Close' not found; available: Open, High"
"""
from __future__ import annotations


class TsrnnError(Exception):
    """Base class of every user-facing tsrnn error."""


class DataError(TsrnnError):
    """The input data cannot be used as given (missing file, bad column, NaN, bad dates...)."""


class ConfigError(TsrnnError, ValueError):
    """An option or specification has an invalid value."""


class RunDirError(TsrnnError):
    """A run directory is missing, incomplete, corrupt or from an incompatible version."""


class TrainingError(TsrnnError):
    """Training cannot go on: the loss diverged, or its saved state cannot be written."""


class NotFittedError(TsrnnError):
    """A fitted estimator was required but `fit` has not been called."""


class DataNote(UserWarning):
    """How tsrnn read a file that was not written plainly (a decimal comma, K/M/B suffixes, dates
    newest first...): told once per read, never an error. The CLI prints it as one line."""
