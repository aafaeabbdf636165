"""`recipe-dash check-model` and `recipe-dash train`: the training workbench for terminals and CI.

Registered on the main app in recipe_dash/cli/__init__.py; torch is imported only when a command runs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from recipe_dash.cli._app import LabelColumn

if TYPE_CHECKING:
    from recipe_dash.store import Store

_SYMBOL = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "not_measured": "N/A "}
_POLL_SECONDS = 1.0

Data = Annotated[Path, typer.Option("--data", help="Dataset: image folder, .zip, .csv or .parquet.")]
Spec = Annotated[
    str, typer.Argument(help="Model: logistic, mlp, cnn, path/to/file.py:function or package.module:function.")
]


def check_model(
    spec: Spec,
    data: Data,
    label_column: LabelColumn = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"checks": [{"name", "verdict", "evidence"}]}.')
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the model's weights and the short trainings.")] = 0,
) -> None:
    """Check a PyTorch model for silent bugs: exit 0 when no check fails, 1 when one does, 2 on bad input."""
    from recipe_dash.io import load_dataset
    from recipe_dash.training.data import prepare_data
    from recipe_dash.training.input_stats import input_statistics
    from recipe_dash.training.model_checks import run_model_checks
    from recipe_dash.training.models import resolve_model
    from recipe_dash.training.probe import CheckConfig

    config = CheckConfig(seed=seed)  # every option is checked before the dataset is read
    dataset = load_dataset(data, label_column=label_column)
    tensors = prepare_data(dataset, seed=seed)
    source = resolve_model(spec, kind=tensors.kind)
    started = time.perf_counter()
    results = run_model_checks(
        source,
        tensors,
        config=config,
        on_check=lambda i, n, name: typer.echo(f"[{i + 1}/{n}] {name}", err=True),
    )
    failed = any(r.verdict == "fail" for r in results)
    if as_json:
        typer.echo(
            json.dumps({"checks": [{"name": r.name, "verdict": r.verdict, "evidence": r.evidence} for r in results]})
        )
        raise typer.Exit(code=1 if failed else 0)
    typer.echo(f"{source.spec} on {dataset.name}: {tensors.transform}. {tensors.val_source}")
    for note in tensors.notes:
        typer.echo(f"note: {note}")
    stats = input_statistics(tensors)
    typer.echo(f"inputs: {_SYMBOL[stats.verdict]} {stats.summary}")
    for result in results:
        typer.echo(f"{_SYMBOL[result.verdict]}  {result.name:<20} {result.evidence}")
    typer.echo(
        f"{sum(r.verdict == 'fail' for r in results)} failed, {sum(r.verdict == 'warn' for r in results)} "
        f"warned, {sum(r.verdict == 'pass' for r in results)} passed in {time.perf_counter() - started:.1f} s."
    )
    raise typer.Exit(code=1 if failed else 0)


def train(
    data: Annotated[Path, typer.Argument(help="Dataset: image folder, .zip, .csv or .parquet.")],
    label_column: LabelColumn = None,
    model: Annotated[
        str,
        typer.Option(
            help="auto (CNN for images, MLP for tables), logistic, mlp, cnn, file.py:function or "
            "package.module:function."
        ),
    ] = "auto",
    kind: Annotated[
        str,
        typer.Option(
            help="normal; baseline (the model on zeroed inputs, beside the majority class and a linear model); "
            "overfit (the model on --samples training samples, regularizers off, until the loss reaches "
            "--loss-floor or --max-steps)."
        ),
    ] = "normal",
    samples: Annotated[
        int | None, typer.Option(min=1, help="Overfit runs: samples in the fixed subset (default: one batch).")
    ] = None,
    max_steps: Annotated[int, typer.Option(min=1, help="Overfit runs: the step budget.")] = 1000,
    loss_floor: Annotated[float, typer.Option(help="Overfit runs: the training loss that counts as memorised.")] = 0.01,
    epochs: Annotated[int, typer.Option(min=1)] = 10,
    lr: Annotated[float, typer.Option(help="Constant learning rate.")] = 3e-4,
    batch_size: Annotated[int, typer.Option(min=1)] = 64,
    optimizer: Annotated[str, typer.Option(help="adam, adamw or sgd (momentum 0.9).")] = "adam",
    weight_decay: Annotated[float, typer.Option(help="Weight decay of the optimizer (0: none).")] = 0.0,
    dropout: Annotated[float, typer.Option(help="Dropout probability of the built-in MLP and CNN (0: none).")] = 0.0,
    width: Annotated[
        int | None, typer.Option(help="MLP hidden units or the CNN's first channels (default: the model's own).")
    ] = None,
    depth: Annotated[
        int | None, typer.Option(help="MLP hidden layers or CNN conv blocks (default: the model's own).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Recorded with the run: same config and seed, same curve.")] = 0,
    input_size: Annotated[
        int | None, typer.Option(min=1, help="Images: resize to this many pixels square (default: most common size).")
    ] = None,
    augment: Annotated[bool, typer.Option(help="Random shifts of up to 2 pixels (images).")] = False,
    sample_losses: Annotated[
        bool,
        typer.Option(help="Score every training sample at each epoch's end (one no-grad pass) for Highest losses."),
    ] = True,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the run as JSON at the end: kind, verdict, reference lines, the curve."),
    ] = False,
    detach: Annotated[bool, typer.Option(help="Return once the worker starts instead of following the run.")] = False,
) -> None:
    """Train in a worker process and record the run in the store; the Train page shows it live.

    Exit 0 when the run finished (whatever a baseline or overfit run's verdict), 1 when it failed or was
    stopped, 2 on bad input.
    """
    from recipe_dash import jobs, workspace
    from recipe_dash.store import open_store
    from recipe_dash.training.config import TrainConfig
    from recipe_dash.training.models import configure, resolve_model
    from recipe_dash.training.runs import run_report, start_run

    spec = absolute_spec(model)
    config = TrainConfig(  # every option is checked before the dataset is read
        model=spec,
        optimizer=optimizer,
        lr=lr,
        batch_size=batch_size,
        weight_decay=weight_decay,
        dropout=dropout,
        width=width,
        depth=depth,
        epochs=epochs,
        seed=seed,
        input_size=(input_size, input_size) if input_size else None,
        augment=augment,
        sample_losses=sample_losses,
        kind=kind,
        overfit_samples=samples,
        max_steps=max_steps,
        loss_floor=loss_floor,
    )
    store = open_store()
    dataset_id, dataset = workspace.open_dataset(store, data, label_column=label_column)
    source = resolve_model(spec, kind=dataset.kind)  # a bad spec fails here, not in the worker
    configure(source, config.model_options())  # and so do knobs a model file cannot take
    job_id = start_run(store, dataset_id, config)
    what = {"normal": "Training", "baseline": "Zero-input baseline of", "overfit": "Overfitting"}[kind]
    typer.echo(
        f"{what} {source.spec} on {dataset.name} (job {job_id}, seed {seed}); follow it on the Train page.",
        err=as_json,
    )
    if detach:
        return
    try:
        status, run_id = _follow(store, job_id, err=as_json)
    except KeyboardInterrupt:
        jobs.request_stop(store, job_id)
        typer.echo("Stopping…", err=True)
        status, run_id = _follow(store, job_id, err=as_json)
    report = run_report(store, run_id) if run_id is not None else None
    if as_json:
        typer.echo(json.dumps({"job_id": job_id, "status": status, **(report or {"run_id": None})}))
    elif report is not None:
        _print_verdict(report)
    raise typer.Exit(code=0 if status == "done" else 1)


def _follow(store: Store, job_id: int, *, err: bool) -> tuple[str, int | None]:
    """Print each validation pass until the job ends (to stderr with `err`); returns its status and run."""
    from recipe_dash import jobs
    from recipe_dash.jobs.progress import failure
    from recipe_dash.training.runs import list_runs, metrics_frame

    shown = 0
    while True:
        job = jobs.get_job(store, job_id)
        assert job is not None
        runs = list_runs(store)
        run_ids = runs.loc[runs["job_id"] == job_id, "run_id"].dropna().astype(int).tolist()
        if run_ids:
            metrics = metrics_frame(store, run_ids)
            val = metrics[metrics["split"] == "val"]
            for row in val.iloc[shown:].itertuples():
                train_loss = (
                    metrics[(metrics["split"] == "train") & (metrics["step"] <= row.step)]["loss"].tail(10).mean()
                )
                typer.echo(
                    f"epoch {row.epoch:>3.0f}  step {row.step:>5}  train loss {train_loss:.4f}  val loss "
                    f"{row.loss:.4f}  val accuracy {row.accuracy:.1%}  ({row.wall_time:.1f} s)",
                    err=err,
                )
            shown = len(val)
        if job.status in ("done", "failed", "cancelled"):
            failed = failure(job)
            if failed is not None:
                typer.echo(f"Run failed: {failed.message}", err=True)
                if failed.traceback:
                    typer.echo(failed.traceback, err=True)
            elif job.status != "done":
                typer.echo(f"Run {job.status}: {job.message}", err=True)
            else:
                typer.echo(f"Done: run {run_ids[0] if run_ids else '?'}.", err=err)
            return job.status, run_ids[0] if run_ids else None
        time.sleep(_POLL_SECONDS)


def _print_verdict(report: dict[str, Any]) -> None:
    for reference in report["references"]:
        typer.echo(
            f"reference  {reference['name']}: val loss {reference['val_loss']:.3f}, "
            f"val accuracy {reference['val_accuracy']:.1%}"
        )
    verdict = report["verdict"]
    if verdict is not None:
        typer.echo(f"{_SYMBOL[verdict['verdict']]}  {report['kind']} run {report['run_id']}: {verdict['summary']}")
        typer.echo(f"learning rate {verdict['lr']:.1e}")


def absolute_spec(spec: str) -> str:
    """A model file given relative to the current folder, made absolute so the run record stays meaningful."""
    target, colon, name = spec.rpartition(":")
    if colon and target.endswith(".py"):
        return f"{Path(target).expanduser().resolve()}:{name}"
    return spec
