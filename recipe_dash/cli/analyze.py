"""`recipe-dash analyze`: the data checks headless, findings as JSON lines for CI and scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from recipe_dash.cli._app import LabelColumn
from recipe_dash.errors import RecipeDashError
from recipe_dash.evidence import VERDICT_WORDS

if TYPE_CHECKING:
    from recipe_dash.analyzers.base import Result
    from recipe_dash.io import Dataset
    from recipe_dash.review.gate import Gate


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
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on", help="CI gate: exit 1 when any of these issue types or checks is found, e.g. leakage,corrupt."
        ),
    ] = None,
    limits: Annotated[
        list[str] | None,
        typer.Option(
            "--max",
            help="CI gate: exit 1 when more than this share of the samples has the issue, e.g. label_noise=0.05 "
            "(repeat or separate with commas).",
        ),
    ] = None,
    store_url: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="The team's store (SQLAlchemy URL or SQLite file): findings its review marked 'not an issue' "
            "do not count in the gate.",
        ),
    ] = None,
) -> None:
    """Run the data checks and write findings (sample_id, issue_type, score, group, detail) as JSON lines.

    With --fail-on or --max it is a CI gate: exit 1 (listing each violation) when a listed issue is
    found or a share is over its limit, exit 0 otherwise.
    """
    from recipe_dash.analyzers._models.embedding import check_embedding, embedding_from_text
    from recipe_dash.analyzers.run import check_executor, findings_table, resolve_checks, run_checks
    from recipe_dash.errors import OptionError
    from recipe_dash.io import load_dataset, path_text, shown
    from recipe_dash.review.gate import parse_gate, require_checks

    names = resolve_checks(checks)  # every option is checked before the dataset is read
    gate = parse_gate(fail_on, limits or ())
    require_checks(gate, names)
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
    if gate:
        violations = gate_violations(gate, results, dataset, store_url)
        for line in violations:
            typer.echo(f"gate: {shown(line)}")
        typer.echo(f"gate: {'FAILED' if violations else 'passed'}")
        if violations:
            raise typer.Exit(code=1)


def gate_violations(gate: Gate, results: dict[str, Result], dataset: Dataset, store_url: str | None) -> list[str]:
    """The gate's violations; with a store, on the findings as the team's review left them."""
    from recipe_dash.io import path_text, shown
    from recipe_dash.review.gate import evaluate_gate, gate_findings

    findings = gate_findings(results)
    if store_url is not None:
        from recipe_dash.cli.review import store_url_of
        from recipe_dash.review import history, review_status
        from recipe_dash.store import open_store
        from recipe_dash.workspace import recorded_id

        store = open_store(store_url_of(store_url))
        dataset_id = recorded_id(store, dataset)
        if dataset_id is None:
            raise RecipeDashError(
                f"The store {store_url} has no review of {shown(dataset.name)} ({shown(path_text(dataset.source))}): "
                "open the dataset "
                "there first, or leave out --store."
            )
        findings = review_status(results, history(store, dataset_id)).findings
    return evaluate_gate(gate, results, findings, dataset.n_samples)


def _progress_line(done: int, total: int, message: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r{message[:100]:<100}")
        sys.stderr.flush()
