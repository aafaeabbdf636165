"""`recipe-dash`: the same engine as the dashboard, for terminals and CI."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from recipe_dash.analysis import cli as analysis_cli
from recipe_dash.errors import RecipeDashError
from recipe_dash.settings import PROJECT_ROOT
from recipe_dash.training import cli as training_cli

app = typer.Typer(
    help="Walk a dataset and a model through Karpathy's recipe for training neural networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
F = TypeVar("F", bound=Callable[..., Any])
LabelColumn = Annotated[
    str | None, typer.Option("--label-column", help="Label column of a table (default: label/target/class/y).")
]


def user_errors(command: F) -> F:
    """Turn a RecipeDashError into one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RecipeDashError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(code=2) from None

    return wrapper  # type: ignore[return-value]


@app.command("app")
@user_errors
def run_app(
    path: Annotated[Path | None, typer.Argument(help="Dataset to open: folder, .zip, .csv or .parquet.")] = None,
    label_column: LabelColumn = None,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "localhost",
) -> None:
    """Start the dashboard, optionally on a dataset."""
    from recipe_dash.io import load_dataset
    from recipe_dash.store import open_store

    env = dict(os.environ)
    if path is not None:
        dataset = load_dataset(path, label_column=label_column)
        env["RECIPE_DASH_OPEN_DATASET"] = str(open_store().record_dataset(dataset))
        typer.echo(f"Opening {dataset.name}: {dataset.n_samples} samples, {len(dataset.class_names)} classes.")
    script = PROJECT_ROOT / "app.py"
    if not script.exists():
        raise RecipeDashError(f"The dashboard script {script} is missing; install recipe-dash from its source tree.")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--browser.gatherUsageStats",
        "false",
    ]
    raise typer.Exit(subprocess.call(command, env=env, cwd=PROJECT_ROOT))


def _later(name: str, issue: str, summary: str) -> None:
    """Register a subcommand that a later capability fills in, so `--help` shows the whole product."""

    def command() -> None:
        typer.echo(f"error: '{name}' is not in this version yet ({issue}).", err=True)
        raise typer.Exit(code=2)

    command.__doc__ = summary
    app.command(name)(command)


app.command("analyze")(user_errors(analysis_cli.analyze))
app.command("check-model")(user_errors(training_cli.check_model))
app.command("train")(user_errors(training_cli.train))
_later("tune", "tuning", "Random or Bayesian hyperparameter search (coming).")
_later("report", "team review", "Export the findings report and a cleaned manifest (coming).")


def main() -> None:
    app()
