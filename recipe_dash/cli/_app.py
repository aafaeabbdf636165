"""The Typer app and its error policy: user errors are one line and exit 2, bugs keep their traceback."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

try:  # Typer 0.2x parses with its own copy of click and raises that copy's exceptions, not click's
    from typer._click import exceptions as click_errors
except ImportError:  # older Typer uses click itself
    from click import exceptions as click_errors  # type: ignore[no-redef]

from recipe_dash.errors import RecipeDashError

USER_ERROR = 2  # exit code of every mistake the user can fix


class _OneLineErrors(TyperGroup):
    """Typer's group, with usage errors and our own user errors printed as one line instead of a box."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        self.epilog = store_note()  # read now, so it names the store this environment uses
        try:
            outcome = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = outcome if isinstance(outcome, int) else 0
        except click_errors.NoArgsIsHelpError as err:
            typer.echo(err.format_message())
            code = USER_ERROR
        except click_errors.UsageError as err:  # unknown flag, missing argument, a value of the wrong type
            where = f" (see '{err.ctx.command_path} --help')" if err.ctx is not None else ""
            typer.echo(f"error: {err.format_message()}{where}", err=True)
            code = USER_ERROR
        except click_errors.ClickException as err:
            typer.echo(f"error: {err.format_message()}", err=True)
            code = err.exit_code
        except typer.Abort:
            typer.echo("Aborted.", err=True)
            code = 1
        except RecipeDashError as err:
            typer.echo(f"error: {err}", err=True)
            code = USER_ERROR
        if standalone_mode:
            sys.exit(code)
        return code


def store_note() -> str:
    """Where this run keeps its store, for `--help`: a user should not have to guess where data goes."""
    from recipe_dash.settings import get_settings

    return f"Store: {get_settings().store_location}."


app = typer.Typer(
    cls=_OneLineErrors,
    help="Walk a dataset and a model through Karpathy's recipe for training neural networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

LabelColumn = Annotated[
    str | None, typer.Option("--label-column", help="Label column of a table (default: label/target/class/y).")
]
