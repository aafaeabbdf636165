"""`recipe-dash regularize`: the Regularize page's studies for terminals and CI.

Each study queues a group of training runs in the worker pool, follows them (Ctrl-C stops them all), and
prints the verdict; `--json` prints the group and its analysis instead, `--detach` returns at once.
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
    from recipe_dash.regularize.groups import Group, Plan
    from recipe_dash.store import Store
    from recipe_dash.training.config import TrainConfig

regularize_app = typer.Typer(
    help="Regularize (recipe step 4): learning curve, regularizer sweep, pretraining, ensembles, first layer.",
    no_args_is_help=True,
)
_POLL_SECONDS = 1.0

Data = Annotated[Path, typer.Argument(help="Dataset: image folder, .zip, .csv or .parquet.")]
Model = Annotated[str, typer.Option(help="auto, logistic, mlp, cnn, file.py:function or package.module:function.")]
Epochs = Annotated[int, typer.Option(min=1, help="Epochs of the base run.")]
Lr = Annotated[float, typer.Option(help="Constant learning rate.")]
BatchSize = Annotated[int, typer.Option(min=1)]
Seed = Annotated[int, typer.Option(help="Seed of the base run.")]
InputSize = Annotated[int | None, typer.Option(min=1, help="Images: side in pixels (default: most common size).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the group and its analysis as JSON.")]
Detach = Annotated[bool, typer.Option(help="Return once the runs are queued instead of following them.")]
Flip = Annotated[str, typer.Option(help="Augmentation: none, horizontal, vertical or both (never for digits).")]
Shift = Annotated[int, typer.Option(help="Augmentation: largest shift in pixels.")]
Crop = Annotated[float, typer.Option(help="Augmentation: largest share of each side cropped away (0-0.5).")]
Noise = Annotated[float, typer.Option(help="Augmentation: Gaussian noise in standard deviations.")]


@regularize_app.command("curve")
def curve(
    data: Data,
    label_column: LabelColumn = None,
    fractions: Annotated[str, typer.Option(help="Shares of the training split, comma-separated.")] = "0.1,0.25,0.5,1",
    model: Model = "auto",
    epochs: Epochs = 10,
    lr: Lr = 3e-4,
    batch_size: BatchSize = 64,
    seed: Seed = 0,
    input_size: InputSize = None,
    as_json: AsJson = False,
    detach: Detach = False,
) -> None:
    """Learning curve: would more data help? Exit 0 when every run finished, 1 otherwise."""
    from recipe_dash.regularize.plans import learning_curve_plan

    config = _config(model, epochs, lr, batch_size, seed, input_size)
    plan = learning_curve_plan(config, _numbers("fractions", fractions))
    _run(data, label_column, lambda _dataset: plan, as_json=as_json, detach=detach)


@regularize_app.command("sweep")
def sweep(
    data: Data,
    label_column: LabelColumn = None,
    try_: Annotated[
        list[str] | None,
        typer.Option(
            "--try",
            help="KNOB=V1,V2 (knobs: input_size, width, batch_size, dropout, weight_decay, early_stopping, augment); "
            "repeat for several. Default: each once at a sensible value.",
        ),
    ] = None,
    model: Model = "auto",
    epochs: Epochs = 10,
    lr: Lr = 3e-4,
    batch_size: BatchSize = 64,
    seed: Seed = 0,
    input_size: InputSize = None,
    flip: Flip = "none",
    shift: Shift = 2,
    crop: Crop = 0.1,
    noise: Noise = 0.0,
    as_json: AsJson = False,
    detach: Detach = False,
) -> None:
    """Regularizer sweep: each regularizer against the unregularized run, by validation score and gap."""
    from dataclasses import replace

    from recipe_dash.regularize.plans import native_size, sweep_plan

    config = _config(model, epochs, lr, batch_size, seed, input_size)
    augmentation = replace(config, flip=flip, shift=shift, crop=crop, noise=noise)
    choices = _choices(try_) if try_ else None
    _run(
        data,
        label_column,
        lambda dataset: sweep_plan(
            config, dataset.kind, choices=choices, native_size=native_size(dataset), augmentation=augmentation
        ),
        as_json=as_json,
        detach=detach,
    )


@regularize_app.command("ensemble")
def ensemble(
    data: Data,
    label_column: LabelColumn = None,
    models: Annotated[int, typer.Option(help="Seeds of one config, 2 to 5.")] = 5,
    model: Model = "auto",
    epochs: Epochs = 10,
    lr: Lr = 3e-4,
    batch_size: BatchSize = 64,
    seed: Seed = 0,
    input_size: InputSize = None,
    as_json: AsJson = False,
    detach: Detach = False,
) -> None:
    """Ensemble: the averaged models against the best single one."""
    from recipe_dash.regularize.plans import ensemble_plan

    plan = ensemble_plan(_config(model, epochs, lr, batch_size, seed, input_size), models)
    _run(data, label_column, lambda _dataset: plan, as_json=as_json, detach=detach)


@regularize_app.command("pretrain")
def pretrain(
    data: Data,
    weights: Annotated[Path, typer.Option(help="A state_dict file (torch.save(model.state_dict(), path)).")],
    label_column: LabelColumn = None,
    model: Model = "auto",
    epochs: Epochs = 10,
    lr: Lr = 3e-4,
    batch_size: BatchSize = 64,
    seed: Seed = 0,
    input_size: InputSize = None,
    as_json: AsJson = False,
    detach: Detach = False,
) -> None:
    """Pretrain: the same run from your weights and from scratch."""
    from recipe_dash.regularize.plans import pretrain_plan

    plan = pretrain_plan(_config(model, epochs, lr, batch_size, seed, input_size), weights)
    _run(data, label_column, lambda _dataset: plan, as_json=as_json, detach=detach)


@regularize_app.command("first-layer")
def first_layer(
    run_id: Annotated[int, typer.Argument(help="A finished run (its id on the Train page).")],
    out: Annotated[Path | None, typer.Option(help="Write the filters as a PNG mosaic.")] = None,
) -> None:
    """The first layer's weights of a run: edges or noise?"""
    from PIL import Image

    from recipe_dash.errors import OptionError
    from recipe_dash.regularize.first_layer import layer_view
    from recipe_dash.training.artifacts import read_first_layer

    layer = read_first_layer(run_id)
    if layer is None:
        raise OptionError(f"Run {run_id} has no first-layer weights: it has not finished, or does not exist.")
    view = layer_view(layer)
    typer.echo(f"Layer '{view.name}': {view.caption}.\n{view.summary}")
    if out is not None:
        if view.kind != "images":
            raise OptionError("This first layer reads table features: it is a heatmap, shown on the Regularize page.")
        Image.fromarray(view.picture).resize(
            (view.picture.shape[1] * 8, view.picture.shape[0] * 8), Image.Resampling.NEAREST
        ).save(out)
        typer.echo(f"Wrote {out}.")


def _run(data: Path, label_column: str | None, make_plan: Any, *, as_json: bool, detach: bool) -> None:
    """Open the dataset, build the plan (`make_plan(dataset)`), queue it, follow it, print the verdict."""
    from recipe_dash import workspace
    from recipe_dash.regularize.groups import launch, read_group, stop_group
    from recipe_dash.store import open_store

    store = open_store()
    dataset_id, dataset = workspace.open_dataset(store, data, label_column=label_column)
    plan: Plan = make_plan(dataset)
    for note in plan.notes:
        typer.echo(f"note: {note}", err=True)
    group_id = launch(store, dataset_id, plan)
    typer.echo(f"Queued {len(plan.members)} runs as group {group_id}; follow them on the Regularize page.", err=True)
    if detach:
        return
    try:
        group = _follow(store, dataset_id, group_id)
    except KeyboardInterrupt:
        stop_group(store, read_group(store, dataset_id, group_id))
        typer.echo("Stopping…", err=True)
        group = _follow(store, dataset_id, group_id)
    summary, details = _analysis(store, group)
    if as_json:
        typer.echo(json.dumps({"group": group_id, "study": group.study, "summary": summary, **details}, default=str))
    else:
        for member in group.members:
            error = f" ({member.error})" if member.error else ""
            typer.echo(f"{member.status:<9} {member.label:<28} run {member.run_id}{error}")
        typer.echo(summary)
    raise typer.Exit(code=0 if all(m.status == "done" for m in group.members) else 1)


def _follow(store: Store, dataset_id: int, group_id: str) -> Group:
    """One line on stderr whenever a member's status changes, until none is queued or running."""
    from recipe_dash.regularize.groups import read_group

    shown = ""
    while True:
        group = read_group(store, dataset_id, group_id)
        line = f"{group.progress_text()} · {group.progress:.0%}"
        if line != shown:
            typer.echo(line, err=True)
            shown = line
        if not group.active:
            return group
        time.sleep(_POLL_SECONDS)


def _analysis(store: Store, group: Group) -> tuple[str, dict[str, Any]]:
    from recipe_dash.evidence import jsonable
    from recipe_dash.regularize import compare_to_reference, ensemble_result, learning_curve, pretrain_summary

    if group.study == "learning_curve":
        curve = learning_curve(group)
        slope = None if curve.slope is None else vars(curve.slope)
        details = {"conclusion": curve.conclusion, "metric": curve.metric, "slope_per_doubling": slope}
        return curve.summary, jsonable(details | {"points": curve.points.to_dict("records")})
    if group.study == "ensemble":
        result = ensemble_result(group)
        details = {"metric": result.metric, "ensemble": result.ensemble, "best_single": result.best_single}
        return result.summary, jsonable(details | {"members": result.members.to_dict("records")})
    comparison = compare_to_reference(group)
    summary = pretrain_summary(store, group) if group.study == "pretrain" else comparison.summary
    summary = " ".join([summary, *comparison.warnings])
    return summary, jsonable({"metric": comparison.metric, "runs": comparison.table.to_dict("records")})


def _config(model: str, epochs: int, lr: float, batch_size: int, seed: int, input_size: int | None) -> TrainConfig:
    from recipe_dash.cli.training import absolute_spec
    from recipe_dash.training.config import TrainConfig

    return TrainConfig(  # every option is checked before the dataset is read
        model=absolute_spec(model),
        lr=lr,
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        input_size=(input_size, input_size) if input_size else None,
    )


def _numbers(name: str, text: str) -> list[float]:
    from recipe_dash.errors import OptionError

    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise OptionError(f"{name} must be numbers separated by commas, got {text!r}.") from None


def _choices(items: list[str]) -> dict[str, list[float]]:
    from recipe_dash.errors import OptionError

    choices: dict[str, list[float]] = {}
    for item in items:
        knob, equals, values = item.partition("=")
        if not equals and knob.strip() != "augment":
            raise OptionError(f"--try takes KNOB=V1,V2 (e.g. dropout=0.1,0.3), got {item!r}.")
        choices[knob.strip()] = _numbers(f"--try {knob.strip()}", values) if equals else []
    return choices
