"""Job kinds of the training workbench, run by `python -m recipe_dash.jobs.worker` (never in Streamlit).

Every job's config is a TrainConfig dict (plus `order` for signals); results are JSON for the page.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from recipe_dash import workspace
from recipe_dash.evidence import jsonable
from recipe_dash.jobs import JobContext
from recipe_dash.settings import get_settings
from recipe_dash.training.baselines import run_baselines
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.data import TensorData, prepare_data
from recipe_dash.training.initialization import prepared_model
from recipe_dash.training.input_stats import input_statistics
from recipe_dash.training.loop import fit_configured, n_batches
from recipe_dash.training.lr_finder import find_lr
from recipe_dash.training.model_checks import run_model_checks
from recipe_dash.training.models import ModelSource, pick_device, resolve_model
from recipe_dash.training.probe import CheckConfig, sample_order
from recipe_dash.training.recording import RunRecorder
from recipe_dash.training.runs import create_run, save_batch, update_summary
from recipe_dash.training.signals import add_signals

TRACKED_SAMPLES = 16  # validation samples whose predictions are followed epoch by epoch


def train_run(context: JobContext) -> dict[str, Any]:
    """A run: train with the config, recording the curve, per-sample losses and final metrics."""
    config, data, source = _load(context, context.config)
    model = prepared_model(source, data, seed=config.seed, init_bias=config.init_bias_from_priors)
    run_id = create_run(
        context.store,
        job_id=context.job_id,
        dataset_id=context.dataset_id,
        config=config,
        summary=_data_summary(data) | {"device": str(pick_device()), "model_spec": source.spec},
    )
    total_steps = n_batches(len(data.x_train), config.batch_size) * config.epochs
    recorder = RunRecorder(context.store, run_id, data, total_steps=total_steps, context=context)
    try:
        result = fit_configured(
            config, model, data.x_train, data.y_train, val=(data.x_val, data.y_val), recorder=recorder
        )
    finally:
        recorder.close()  # a stopped or diverged run keeps the curve it drew
    assert result.val is not None
    update_summary(context.store, run_id, finished=True)
    outcome = {"val_loss": result.val.loss, "val_accuracy": result.val.accuracy, "train_loss": result.losses[-1]}
    return {"run_id": run_id, **jsonable(outcome)}


def model_checks(context: JobContext) -> dict[str, Any]:
    """All model checks, the input statistics, and the exact batch the checks fed the model."""
    config, data, source = _load(context, context.config)
    check_config = CheckConfig(seed=config.seed)
    results = run_model_checks(
        source, data, config=check_config, on_check=lambda i, n, name: context.progress(i, n, name, force=True)
    )
    index = sample_order(len(data.x_train), check_config.seed)[: check_config.batch_size]
    labels = [data.class_names[int(i)] for i in data.y_train[index]]
    folder = get_settings().home / "checks" / str(context.job_id)
    save_batch(folder, data.x_train[index].numpy(), labels, [data.ids_train[int(i)] for i in index])
    return {
        "checks": [jsonable(asdict(r)) for r in results],
        "model": source.spec,
        "job_id": context.job_id,
        **_data_summary(data),
    }


def baselines(context: JobContext) -> dict[str, Any]:
    config, data, source = _load(context, context.config)
    table = run_baselines(data, source, config, on_progress=lambda i, n, name: context.progress(i, n, name, force=True))
    return {"table": jsonable(table.to_dict("records")), "model": source.spec, "val_source": data.val_source}


def lr_find(context: JobContext) -> dict[str, Any]:
    config, data, source = _load(context, context.config)
    curve = find_lr(
        source,
        data,
        optimizer=config.optimizer,
        batch_size=config.batch_size,
        seed=config.seed,
        on_step=lambda i, n: context.progress(i, n, "ramping the learning rate"),
    )
    return {**jsonable(asdict(curve)), "model": source.spec}


def signals(context: JobContext) -> dict[str, Any]:
    settings = dict(context.config)
    order = settings.pop("order", None)
    config, data, source = _load(context, settings)
    table = add_signals(
        data,
        source,
        config,
        order=order,
        on_progress=lambda i, n, name: context.progress(i, n, f"adding {name}", force=True),
    )
    return {"table": jsonable(table.to_dict("records")), "model": source.spec}


def _load(context: JobContext, settings: dict[str, Any]) -> tuple[TrainConfig, TensorData, ModelSource]:
    config = TrainConfig.from_dict(settings)
    context.progress(0, None, "preparing data", force=True)
    assert context.dataset_id is not None, "training jobs need a dataset"
    dataset = workspace.reopen(context.store, context.dataset_id)
    data = prepare_data(dataset, **config.data_options())
    return config, data, resolve_model(config.model, kind=data.kind)


def _data_summary(data: TensorData) -> dict[str, Any]:
    stats = input_statistics(data)
    return {
        "transform": data.transform,
        "val_source": data.val_source,
        "notes": list(data.notes),
        "n_skipped": data.n_skipped,
        "n_train": len(data.y_train),
        "n_val": len(data.y_val),
        "class_names": list(data.class_names),
        "input_shape": list(data.input_shape),
        "tracked_ids": _tracked_ids(data),
        "input_stats": {
            "verdict": stats.verdict,
            "summary": stats.summary,
            "table": jsonable(stats.table.to_dict("records")),
        },
    }


def _tracked_ids(data: TensorData) -> list[str]:
    """Validation samples for prediction dynamics, classes in rotation so every class shows."""
    per_class = [[i for i, y in enumerate(data.y_val.tolist()) if y == c] for c in range(data.n_classes)]
    chosen: list[int] = []
    for rank in range(max(map(len, per_class), default=0)):
        chosen += [members[rank] for members in per_class if rank < len(members)]
        if len(chosen) >= TRACKED_SAMPLES:
            break
    return [data.ids_val[i] for i in chosen[:TRACKED_SAMPLES]]
