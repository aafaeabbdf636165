"""`recipe-dash tune`: a hyperparameter study whose trials are training runs, on local worker processes.

Registered on the main app in recipe_dash/cli/__init__.py; optuna and torch are imported only when it runs.
The same command with the same study name on another machine (RECIPE_DASH_DB on a shared PostgreSQL)
adds its workers to the same study.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from recipe_dash.cli._app import LabelColumn

if TYPE_CHECKING:
    import optuna
    import pandas as pd

    from recipe_dash.store import Store

_POLL_SECONDS = 1.0
_FINISHED = ("COMPLETE", "PRUNED", "FAIL")


def tune(
    data: Annotated[Path, typer.Argument(help="Dataset: image folder, .zip, .csv or .parquet.")],
    study: Annotated[str, typer.Option("--study", help="Study name: the same name resumes it or joins it.")],
    model: Annotated[
        str, typer.Option(help="auto, logistic, mlp, cnn, file.py:function or package.module:function.")
    ] = "auto",
    space: Annotated[
        Path | None,
        typer.Option(help="Search space, YAML or JSON (default: lr, weight decay, batch size, dropout, width)."),
    ] = None,
    trials: Annotated[int, typer.Option(help="Trials this command adds to the study, over all its workers.")] = 20,
    workers: Annotated[int, typer.Option(help="Local worker processes sharing the study.")] = 1,
    sampler: Annotated[str, typer.Option(help="random, tpe or gp (Gaussian process).")] = "tpe",
    pruner: Annotated[str, typer.Option(help="median (stop trials clearly behind the median) or none.")] = "median",
    objective: Annotated[  # the 3 of tuning.study.LAST_EPOCHS, written out to keep optuna out of the help (tested)
        str,
        typer.Option(
            help="accuracy (balanced when the classes are imbalanced) or loss, on validation, averaged over each "
            "trial's last 3 epochs."
        ),
    ] = "accuracy",
    timeout: Annotated[float | None, typer.Option(help="Seconds after which each worker starts no new trial.")] = None,
    threads: Annotated[
        int | None,
        typer.Option(help="Torch threads per worker (default: this machine's cores shared among the workers)."),
    ] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Epochs of every trial (unless the space varies them).")] = 10,
    seed: Annotated[int, typer.Option(help="Seeds the split, the weights and the sampler.")] = 0,
    label_column: LabelColumn = None,
    detach: Annotated[bool, typer.Option(help="Return once the workers start instead of following them.")] = False,
) -> None:
    """Search hyperparameters with Optuna (random, TPE or GP); every trial is a run on the Train page."""
    import optuna

    from recipe_dash import workspace
    from recipe_dash.cli.training import absolute_spec
    from recipe_dash.store import open_store
    from recipe_dash.training.config import TrainConfig
    from recipe_dash.tuning.space import load_space
    from recipe_dash.tuning.study import OBJECTIVES, Launch, best_trial
    from recipe_dash.tuning.workers import start_study, stop_study, study_jobs
    from recipe_dash.validation import check_choice

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # every option is checked before the dataset is read
    check_choice("objective", objective, OBJECTIVES)
    settings = Launch(
        sampler=sampler, pruner=pruner, seed=seed, n_trials=trials, n_workers=workers, timeout=timeout, threads=threads
    )
    base = TrainConfig(model=absolute_spec(model), epochs=epochs, seed=seed, sample_losses=False)
    declared = load_space(space) if space is not None else None
    store = open_store()
    dataset_id, dataset = workspace.open_dataset(store, data, label_column=label_column)
    found, job_ids = start_study(store, dataset_id, dataset, study, base, declared, settings, objective=objective)
    typer.echo(
        f"Study '{study}' on {dataset.name}: {len(found.trials)} trials so far; adding {trials} with {sampler} "
        f"on {len(job_ids)} worker(s) (jobs {', '.join(map(str, job_ids))}). Trials show on the Tune and Train pages."
    )
    if detach:
        return
    try:
        _follow(store, found, job_ids)
    except KeyboardInterrupt:
        typer.echo(f"Stopping {stop_study(store, study)} worker(s)…", err=True)
        _follow(store, found, job_ids)
    for job in study_jobs(store, study):
        if job.id in job_ids and job.status == "failed":
            typer.echo(f"Worker job {job.id} failed: {job.error}", err=True)
    typer.echo(_summary(found, data, label_column))
    raise typer.Exit(code=0 if best_trial(found) is not None else 1)


def _follow(store: Store, study: optuna.Study, job_ids: list[int]) -> None:
    """Print each trial as it finishes until this launch's workers end; fail trials of dead workers meanwhile."""
    from recipe_dash import jobs
    from recipe_dash.store.jobs_model import ACTIVE
    from recipe_dash.tuning.storage import fail_orphaned_trials, fail_stale_trials
    from recipe_dash.tuning.study import shown_value, trials_frame

    shown = {int(t.number) for t in study.get_trials(deepcopy=False) if t.state.name in _FINISHED}
    while True:
        active = [j for j in job_ids if (job := jobs.get_job(store, j)) is not None and job.status in ACTIVE]
        fail_orphaned_trials(study, store)
        fail_stale_trials(study)
        table = trials_frame(study)
        for row in table[table["state"].isin(_FINISHED) & ~table["trial"].isin(shown)].to_dict("records"):
            typer.echo(_trial_line(row, table.columns, shown_value(study, row["value"])))
            shown.add(int(row["trial"]))
        if not active:
            return
        time.sleep(_POLL_SECONDS)


def _trial_line(row: dict[str, Any], columns: pd.Index, value: str) -> str:
    fixed = {"trial", "state", "value", "val_loss", "val_accuracy", "epochs", "seconds", "run_id", "job_id"}
    params = ", ".join(f"{c}={_short(row[c])}" for c in columns if c not in fixed | {"worker", "error"})
    head = f"trial {row['trial']:>3}  {row['state']:<8}"
    if row["state"] == "FAIL":
        return f"{head} {params}: {row['error']}"
    if row["state"] == "PRUNED":
        return f"{head} {value} after epoch {row['epochs']}  {params}"
    loss = f" (loss {row['val_loss']:.4f})" if _finite(row["val_loss"]) else ""
    return f"{head} {value}{loss}  {params}  ({row['seconds']:.0f} s, run {row['run_id']})"


def _summary(study: optuna.Study, data: Path, label_column: str | None) -> str:
    from recipe_dash.tuning.study import (
        best_config,
        best_trial,
        metric_name,
        shown_value,
        state_counts,
        value_meaning,
    )

    counts = state_counts(study)
    states = ", ".join(f"{n} {s.lower()}" for s, n in counts.items() if n)
    lines = [
        f"Study '{study.study_name}': {sum(counts.values())} trials ({states or 'none'}).",
        f"Values: {value_meaning(study)}.",
    ]
    best = best_trial(study)
    config = best_config(study)
    if best is None or config is None:
        lines.append("No trial completed, so there is no best config yet.")
        return "\n".join(lines)
    loss = best.user_attrs.get("val_loss")
    lines.append(
        f"Best: trial {best.number}, {metric_name(study)} {shown_value(study, best.value)}"
        + (f" (loss {loss:.4f})" if _finite(loss) and "loss" not in metric_name(study) else "")
        + ": "
        + ", ".join(f"{k}={_short(v)}" for k, v in best.params.items())
        + "."
    )
    lines.append("Full run of the best config: " + _train_command(config, data, label_column))
    return "\n".join(lines)


def _train_command(config: Any, data: Path, label_column: str | None) -> str:
    """The `recipe-dash train` command that repeats the best config with per-sample losses on."""
    import shlex

    from recipe_dash.training.config import TrainConfig

    default = TrainConfig()
    parts = ["recipe-dash", "train", str(data), "--model", config.model]
    for name in ("lr", "batch_size", "weight_decay", "dropout", "width", "depth", "epochs", "seed", "optimizer"):
        value = getattr(config, name)
        if value != getattr(default, name) or name in ("lr", "epochs"):
            parts += [f"--{name.replace('_', '-')}", repr(value) if isinstance(value, float) else str(value)]
    if config.augment:
        parts.append("--augment")
    if label_column:
        parts += ["--label-column", label_column]
    return shlex.join(parts)


def _short(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
