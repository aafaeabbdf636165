"""`recipe-dash report` and `recipe-dash manifest`: the team review, exported for people and for training."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from recipe_dash.cli._app import LabelColumn

if TYPE_CHECKING:
    from recipe_dash.io import Dataset
    from recipe_dash.store import Store

StoreUrl = Annotated[
    str | None,
    typer.Option("--store", help="The team's store: a SQLAlchemy URL or a SQLite file (default: RECIPE_DASH_DB)."),
]


def report(
    path: Annotated[Path, typer.Argument(help="Dataset: folder, .zip, .csv or .parquet.")],
    out: Annotated[Path, typer.Option("--out", help="Write the report here (one self-contained .html file).")],
    label_column: LabelColumn = None,
    store_url: StoreUrl = None,
) -> None:
    """One HTML file with the dataset, each check's verdict and worst examples, model checks, runs and decisions."""
    from recipe_dash.review.report import gather_report, write_report

    store, dataset_id, dataset = reviewed_dataset(path, label_column, store_url)
    data = gather_report(store, dataset_id, dataset)
    written = write_report(out, data)
    typer.echo(
        f"Report on {dataset.name} written to {written} ({written.stat().st_size / 1e6:.1f} MB): "
        f"{len(data.results)} checks, {len(data.status.history)} decisions."
    )


def manifest(
    path: Annotated[Path, typer.Argument(help="Dataset: folder, .zip, .csv or .parquet.")],
    out: Annotated[Path, typer.Option("--out", help="Write the cleaned manifest here: .csv or .json.")],
    label_column: LabelColumn = None,
    store_url: StoreUrl = None,
) -> None:
    """Every sample with keep / drop / relabel and its final label, after the team's decisions."""
    from recipe_dash.analyzers.results import latest_results
    from recipe_dash.review import cleaned_manifest, history, manifest_summary, review_status, write_manifest
    from recipe_dash.review.manifest import ACTIONS, manifest_format

    manifest_format(out)  # a wrong suffix is refused before any work
    store, dataset_id, dataset = reviewed_dataset(path, label_column, store_url)
    results = {k: v.result for k, v in latest_results(store, dataset_id).items()}
    status = review_status(results, history(store, dataset_id))
    table = cleaned_manifest(dataset, status)
    write_manifest(out, dataset, table, status)
    summary = manifest_summary(table, status)
    counts = ", ".join(f"{summary[a]:,} {a}" for a in ACTIONS)
    typer.echo(
        f"Manifest of {dataset.name} written to {out}: {counts}; {summary['unreviewed_findings']:,} findings open."
    )


def reviewed_dataset(path: Path, label_column: str | None, store_url: str | None) -> tuple[Store, int, Dataset]:
    """The dataset, its id in the store, and the store; the checks run (and are stored) when none has yet."""
    from recipe_dash.analyzers.results import latest_results, save_results
    from recipe_dash.analyzers.run import run_checks
    from recipe_dash.io import load_dataset
    from recipe_dash.store import open_store

    store = open_store(store_url_of(store_url))
    dataset = load_dataset(path, label_column=label_column)
    dataset_id = store.record_dataset(dataset)
    if not latest_results(store, dataset_id):
        typer.echo(f"No stored analysis of {dataset.name}: running the checks first.", err=True)
        save_results(store, dataset_id, run_checks(dataset))
    return store, dataset_id, dataset


def store_url_of(text: str | None) -> str | None:
    """A SQLAlchemy URL as given, or a file path read as a SQLite file."""
    if text is None or "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"
