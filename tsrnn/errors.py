"""The exceptions tsrnn raises for the user's mistakes.

Every message is one line that names the bad value and says how to fix it; the CLI prints it and
exits with code 2. A message names a setting by its flag (`--date-format`); the CLI shows it so,
and the library shows the argument of that name (`date_format`), since every flag is its
argument's name in kebab case (the CLI's options are made from the library's parameters). The few
flags named otherwise are listed in `ARGUMENT_OF_FLAG`.

Examples:
    >>> from tsrnn.errors import DataError
    >>> error = DataError("prices.csv: no numeric column to forecast; name one with --target")
    >>> str(error)
    'prices.csv: no numeric column to forecast; name one with target'
    >>> error.cli_message()
    'prices.csv: no numeric column to forecast; name one with --target'
"""
from __future__ import annotations

import re

# Flags whose library argument is not the flag's own name in snake case.
ARGUMENT_OF_FLAG = {"--transform": "target_transform", "--anchor": "target_anchor", "--input-transform": "input_transforms"}
_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)")


def argument_of(flag: str) -> str:
    """The library argument a CLI flag sets.

    Examples:
        >>> argument_of("--date-format"), argument_of("--transform")
        ('date_format', 'target_transform')
    """
    return ARGUMENT_OF_FLAG.get(flag, flag[2:].replace("-", "_"))


class TsrnnError(Exception):
    """Base class of every user-facing tsrnn error: its message names arguments in the library and
    flags in the CLI (see the module).

    Examples:
        >>> str(TsrnnError("choose one with --date-format"))
        'choose one with date_format'
    """

    def __str__(self) -> str:
        return _FLAG.sub(lambda match: argument_of(match.group(0)), self.cli_message())

    def cli_message(self) -> str:
        """The message as the CLI prints it, naming flags.

        Returns:
            The message as raised.
        """
        return super().__str__()


class DataError(TsrnnError):
    """The input data cannot be used as given (missing file, bad column, NaN, bad dates...).

    Examples:
        >>> isinstance(DataError("prices.csv: no such file"), TsrnnError)
        True
    """


class ConfigError(TsrnnError, ValueError):
    """An option or specification has an invalid value (also a `ValueError`).

    Examples:
        >>> isinstance(ConfigError("epochs must be an integer >= 1, got 0"), ValueError)
        True
    """


class RunDirError(TsrnnError):
    """A run directory is missing, incomplete, corrupt or from an incompatible version.

    Examples:
        >>> RunDirError("runs/x: no run.json").cli_message()
        'runs/x: no run.json'
    """


class TrainingError(TsrnnError):
    """Training cannot go on: the loss diverged, or its saved state cannot be written."""


class NotFittedError(TsrnnError):
    """A fitted estimator was required but `fit` has not been called.

    Examples:
        >>> from tsrnn import Forecaster
        >>> Forecaster().run_info()
        Traceback (most recent call last):
        ...
        tsrnn.errors.NotFittedError: this Forecaster is not fitted yet; call fit(data) first or Forecaster.load(run_dir)
    """


class DataNote(UserWarning):
    """How tsrnn read a file that was not written plainly (a decimal comma, K/M/B suffixes, dates
    newest first...): told once per read, never an error. The CLI prints it as one line.
    """
