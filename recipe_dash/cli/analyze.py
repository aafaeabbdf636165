"""`recipe-dash analyze`: the data checks headless, findings as JSON lines for CI and scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from recipe_dash.cli._app import LabelColumn
from recipe_dash.errors import RecipeDashError
from recipe_dash.evidence import VERDICT_WORDS


def analyze(
    path: Annotated[Path, typer.Argument(help="Dataset: folder, .zip, .csv or .parquet.")],
    out: Annotated[Path, typer.Option("--out", help="Write findings here, one JSON object per line.")],
    checks: Annotated[
        str | None, typer.Option("--checks", help="Comma-separated checks (default: all), e.g. duplicates,corruption.")
    ] = None,
    label_column: LabelColumn = None,
    executor: Annotated[
        str, typer.Option(help="Where the feature pass runs: process (local pool) or dask.")
    ] = "process",
    embedding: Annotated[
        str | None,
        typer.Option(help="Your own vectors for label_noise/outliers: a .npy or Parquet path, or col1,col2,..."),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="tcp://HOST:PORT of a running Dask scheduler (implies --executor dask).")
    ] = None,
) -> None:
    """Run the data checks and write findings (sample_id, issue_type, score, group, detail) as JSON lines."""
    from recipe_dash.analyzers._models.embedding import check_embedding, embedding_from_text
    from recipe_dash.analyzers.run import check_executor, findings_table, resolve_checks, run_checks
    from recipe_dash.errors import OptionError
    from recipe_dash.io import load_dataset, path_text, shown

    names = resolve_checks(checks)  # every option is checked before the dataset is read
    if scheduler is not None:
        if not scheduler.startswith("tcp://"):
            raise OptionError(f"scheduler must be a Dask scheduler address tcp://HOST:PORT, got {scheduler!r}.")
        executor = scheduler
    check_executor(executor)
    source = embedding_from_text(embedding) if embedding is not None else None
    check_embedding(source)
    dataset = load_dataset(path, label_column=label_column)
    typer.echo(f"Analyzing {shown(dataset.name)}: {dataset.n_samples} samples, checks: {', '.join(names)}", err=True)
    for note in dataset.load_notes:  # rows, files or columns left out, so the counts below add up
        typer.echo(f"note: {shown(note)}", err=True)
    results = run_checks(dataset, checks=names, executor=executor, progress=_progress_line, embedding=source)
    sys.stderr.write("\n")
    findings = findings_table(results)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            for record in findings.astype(object).where(findings.notna(), None).to_dict("records"):
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as err:
        raise RecipeDashError(f"Cannot write findings to '{shown(path_text(out))}': {err.strerror or err}.") from None
    width = max(len(n) for n in results)
    typer.echo(f"{'check':<{width}}  {'verdict':<12}  findings  summary")
    for name, result in results.items():
        verdict = VERDICT_WORDS[result.verdict]
        typer.echo(f"{name:<{width}}  {verdict:<12}  {len(result.findings):>8}  {shown(result.summary)}")
    typer.echo(f"{len(findings)} findings written to {shown(path_text(out))}")


def _progress_line(done: int, total: int, message: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r{message[:100]:<100}")
        sys.stderr.flush()
