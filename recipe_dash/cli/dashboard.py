"""`recipe-dash app`: start the dashboard, optionally on a dataset."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from recipe_dash.cli._app import LabelColumn
from recipe_dash.errors import RecipeDashError
from recipe_dash.settings import get_settings


def run_app(
    path: Annotated[Path | None, typer.Argument(help="Dataset to open: folder, .zip, .csv or .parquet.")] = None,
    label_column: LabelColumn = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8501,
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 serves every network (see the README's team server).")
    ] = "localhost",
    dev: Annotated[
        bool, typer.Option("--dev", help="Show tracebacks in the browser (developing only, never on a shared server).")
    ] = False,
) -> None:
    """Start the dashboard, optionally on a dataset."""
    from recipe_dash.io import load_dataset
    from recipe_dash.store import open_store

    env = dict(os.environ)
    if path is not None:
        dataset = load_dataset(path, label_column=label_column)
        env["RECIPE_DASH_OPEN_DATASET"] = str(open_store().record_dataset(dataset))
        typer.echo(f"Opening {dataset.name}: {dataset.n_samples} samples, {len(dataset.class_names)} classes.")
    script = dashboard_script()
    command = streamlit_command(script, port=port, host=host, dev=dev)
    raise typer.Exit(subprocess.call(command, env=env, cwd=script.parent.parent))


# What .streamlit/config.toml says, as flags, since an installed package runs from a folder without that file:
# watch no files (watching the tree covered .venv/ and the store: inotify overflows, a noisy log, CPU while
# idle), no telemetry (the app makes no request beyond its own server), warnings and errors only in the log,
# no tracebacks in browsers (they name server files) unless developing.
SERVER_FLAGS = {
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "minimal",
    "server.showEmailPrompt": "false",  # a first run would otherwise wait for an email address on stdin
    "logger.level": "warning",
}


def streamlit_command(script: Path, *, port: int, host: str, headless: bool = False, dev: bool = False) -> list[str]:
    """The `streamlit run` command line for the dashboard (the tests start their server with it too)."""
    flags = {
        **SERVER_FLAGS,
        "server.port": str(port),
        "server.address": host,
        "client.showErrorDetails": "full" if dev else "none",
        "server.maxUploadSize": str(get_settings().max_upload_mb),
    }
    if headless:
        flags["server.headless"] = "true"
    return [sys.executable, "-m", "streamlit", "run", str(script), *(f"--{k}={v}" for k, v in flags.items())]


def dashboard_script() -> Path:
    """The router the installed package ships (app_pages/navigation.py), wherever it was installed."""
    import app_pages

    script = Path(app_pages.__file__).resolve().parent / "navigation.py"
    if not script.exists():
        raise RecipeDashError(f"The dashboard's router {script} is missing; reinstall recipe-dash.")
    return script
