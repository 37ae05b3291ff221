"""The `tsrnn` command group and its error handling: user mistakes (`TsrnnError`, bad options)
print one line on stderr and exit with code 2, without a traceback.
"""
from __future__ import annotations

import sys
import warnings

import click

from tsrnn.errors import TsrnnError


class OneLineErrors:
    """Mixin for click commands: user mistakes (`TsrnnError`, bad options) print one line on stderr
    and exit with code 2, without a traceback or a usage dump.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """The click `main`, with user mistakes turned into one line and exit code 2."""
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as error:
            hint = f" (see {error.ctx.command_path} --help)" if error.ctx is not None else ""
            _fail(f"{error.format_message()}{hint}")
        except TsrnnError as error:
            _fail(error.cli_message())
        except (click.Abort, KeyboardInterrupt):
            click.echo("interrupted; nothing was written", err=True)
            sys.exit(130)
        except click.ClickException as error:
            _fail(error.format_message())
        except OSError as error:  # the file system said no (permissions, a full disk, a missing folder)
            where = f"{error.filename}: " if error.filename else ""
            _fail(f"{where}{error.strerror or error}; check the path, its permissions and the free space")
        if standalone_mode:
            sys.exit(code if isinstance(code, int) else 0)
        return code


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


class _Group(OneLineErrors, click.Group):
    """The tsrnn command group."""


class OneLineCommand(OneLineErrors, click.Command):
    """A single click command (e.g. scripts/imdb_sentiment.py) with tsrnn's error handling."""


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(f"warning: {message}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tsrnn")
def main() -> None:
    """Recurrent-network forecasting on Keras: window a series, fit, predict."""
    warnings.showwarning = _show_warning
