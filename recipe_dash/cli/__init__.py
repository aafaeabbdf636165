"""`recipe-dash`: the same engine as the dashboard, for terminals and CI; one module per command group.

Every error the user can fix (a `RecipeDashError`, an unknown flag, a bad option value) is one line
on stderr and exit code 2; anything else is a bug and keeps its traceback. Commands import their
engine on first use, so `recipe-dash --help` stays fast.
"""

from __future__ import annotations

from recipe_dash.cli._app import app
from recipe_dash.cli.analyze import analyze
from recipe_dash.cli.dashboard import run_app
from recipe_dash.cli.regularize import regularize_app
from recipe_dash.cli.review import manifest, report
from recipe_dash.cli.training import check_model, train
from recipe_dash.cli.tune import tune

app.command("app")(run_app)
app.command("analyze")(analyze)
app.command("check-model")(check_model)
app.command("train")(train)
app.command("tune")(tune)
app.command("report")(report)
app.command("manifest")(manifest)
app.add_typer(regularize_app, name="regularize")


def main() -> None:
    app()


__all__ = ["app", "main"]
