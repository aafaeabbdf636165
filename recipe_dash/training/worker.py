"""Job kinds of the training workbench, run by `python -m recipe_dash.jobs.worker` (never in Streamlit).

Every job's config is a TrainConfig dict (plus `order` for signals); results are JSON for the page.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import torch
from torch import nn

from recipe_dash import workspace
from recipe_dash.evidence import jsonable
from recipe_dash.jobs import JobContext
from recipe_dash.settings import get_settings
from recipe_dash.training.baselines import run_baselines
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.data import TensorData, classes_in_rotation, prepare_data
from recipe_dash.training.final import first_layer, record_final
from recipe_dash.training.initialization import prepared_model
from recipe_dash.training.input_stats import input_statistics
from recipe_dash.training.loop import EpochEnd, FitResult, StepStats, TrainingDiverged, fit_configured, n_batches
from recipe_dash.training.lr_finder import END, START, find_lr, smooth
from recipe_dash.training.model_checks import run_model_checks
from recipe_dash.training.models import ModelSource, configure, pick_device, resolve_model
from recipe_dash.training.probe import CheckConfig, sample_order
from recipe_dash.training.recording import RunRecorder
from recipe_dash.training.run_kinds import (
    OVERFIT_EVAL_STEPS,
    RunVerdict,
    baseline_references,
    baseline_verdict,
    diverged_verdict,
    overfit_subset,
    overfit_verdict,
    switch_off_dropout,
    unfittable,
)
from recipe_dash.training.runs import create_run, save_batch, update_summary, write_partial
from recipe_dash.training.signals import add_signals
from recipe_dash.training.weights import start_from

TRACKED_SAMPLES = 16  # validation samples whose predictions are followed epoch by epoch
PARTIAL_SECONDS = 1.0  # how often the LR finder's growing curve is written for the page


def train_run(context: JobContext) -> dict[str, Any]:
    """A run of any kind (config.kind): train, recording the curve, per-sample losses and final metrics.

    The job's config may carry a `group` (a Regularize study's tag, recipe_dash/regularize/groups.py),
    kept in the run's summary."""
    settings = dict(context.config)
    group = settings.pop("group", None)
    if group:
        _share_cores()
    config, data, source = load_inputs(context, settings)
    if config.kind == "overfit":
        return _overfit_run(context, config, overfit_subset(data, config), source)
    return record_run(context, config, data, source, tags={"group": group} if group else None)


def record_run(
    context: JobContext,
    config: TrainConfig,
    data: TensorData,
    source: ModelSource,
    *,
    tags: dict[str, Any] | None = None,
    watch: Callable[[EpochEnd], None] | None = None,
) -> dict[str, Any]:
    """Train `config` on prepared `data` as the (normal or zero-input baseline) run of the context's job.

    `tags` join the run's summary (a tuning trial names its study there, a Regularize study its group).
    `watch` sees each epoch's end once the loop handed it to the recorder; it may raise to end the run early
    (a pruned trial), and the run keeps the curve it drew.
    """
    zero_inputs = config.kind == "baseline"
    references = baseline_references(data, config, linear=False) if zero_inputs else []  # drawn from the start
    model, start = _fresh_model(config, data, source)  # weights for another model fail before a run exists
    tags = tags or {}
    run_id = _create(context, config, data, source, references=[r.to_json() for r in references], **start, **tags)
    total_steps = n_batches(len(data.x_train), config.batch_size) * config.epochs
    result = _recorded_fit(context, run_id, config, data, model, total_steps, zero_inputs=zero_inputs, watch=watch)
    verdict = None
    if zero_inputs:
        context.progress(total_steps, total_steps, "training the linear baseline", force=True)
        references = baseline_references(data, config)
        assert result.val is not None
        verdict = baseline_verdict(result.val, references, n_classes=data.n_classes, lr=config.lr)
        update_summary(context.store, run_id, references=[r.to_json() for r in references])
    return _finish(context, run_id, config, verdict, _outcome(result))


def _overfit_run(context: JobContext, config: TrainConfig, data: TensorData, source: ModelSource) -> dict[str, Any]:
    """The same model on a small fixed subset, regularizers off, until the loss reaches its floor or the
    budget ends; a divergence is the run's finding, so it ends with a verdict instead of failing."""
    conflicts = unfittable(data.x_train, data.y_train)
    per_epoch = n_batches(len(data.x_train), config.batch_size)
    subset = {"n": len(data.y_train), "unfittable": conflicts.to_json()}
    model, start = _fresh_model(config, data, source)
    run_id = _create(context, config, data, source, subset=subset, **start)
    try:
        result = _recorded_fit(
            context,
            run_id,
            config,
            data,
            model,
            config.max_steps,
            regularize=False,
            steps=config.max_steps,
            stop_below=config.loss_floor + conflicts.loss,
            eval_every=max(1, round(OVERFIT_EVAL_STEPS / per_epoch)),
        )
    except TrainingDiverged as err:
        return _finish(context, run_id, config, diverged_verdict(str(err), config), {})
    verdict = overfit_verdict(
        result.losses, per_epoch=per_epoch, config=config, conflicts=conflicts, ids=data.ids_train
    )
    return _finish(context, run_id, config, verdict, _outcome(result) | {"steps": len(result.losses)})


def _recorded_fit(
    context: JobContext,
    run_id: int,
    config: TrainConfig,
    data: TensorData,
    model: nn.Module,
    total_steps: int,
    *,
    regularize: bool = True,
    watch: Callable[[EpochEnd], None] | None = None,
    **options: Any,
) -> FitResult:
    """A fresh model (`_fresh_model`) trained with the config and `options` (`fit` keywords), every step
    and epoch recorded, its end scored and saved for Regularize (`record_final`).

    `regularize=False` (an overfit run) switches off augmentation, weight decay and dropout layers; the
    run's summary says which. `watch`: see `record_run`.
    """
    cpu_start = time.process_time()
    first = first_layer(model, data.x_train)
    if not regularize:
        dropped = switch_off_dropout(model)
        options |= {"augment": False, "weight_decay": 0.0}
        off = ["augmentation", "weight decay", *(["dropout in " + ", ".join(dropped)] if dropped else [])]
        update_summary(context.store, run_id, regularizers_off=off)
    recorder = RunRecorder(context.store, run_id, data, total_steps=total_steps, context=context)
    try:
        result = fit_configured(
            config,
            model,
            data.x_train,
            data.y_train,
            val=(data.x_val, data.y_val),
            recorder=recorder if watch is None else _Watched(recorder, watch),
            **options,
        )
    finally:
        recorder.close()  # a stopped, diverged or pruned run keeps the curve it drew
    stopping = {"best_epoch": result.best_epoch, "stopped_epoch": result.stopped_epoch} if result.best_epoch else {}
    cpu = {"cpu_seconds": time.process_time() - cpu_start}  # this run's training and scoring, in this process
    record_final(context.store, run_id, model, data, first_layer_at_start=first, **stopping, **cpu)
    return result


class _Watched:
    """A RunRecorder whose epoch ends are also shown to `watch`, after they are recorded."""

    def __init__(self, recorder: RunRecorder, watch: Callable[[EpochEnd], None]) -> None:
        self.recorder = recorder
        self.watch = watch

    def on_first_batch(self, xb: torch.Tensor, index: torch.Tensor) -> None:
        self.recorder.on_first_batch(xb, index)

    def on_step(self, stats: StepStats) -> None:
        self.recorder.on_step(stats)

    def on_epoch(self, end: EpochEnd) -> None:
        self.recorder.on_epoch(end)
        self.watch(end)


def _fresh_model(config: TrainConfig, data: TensorData, source: ModelSource) -> tuple[nn.Module, dict[str, Any]]:
    """The run's model at its start, from the config's pretrained weights when it names some, and what the
    run's summary should say about that start (weights used, advice about the architecture)."""
    model = prepared_model(source, data, seed=config.seed, init_bias=config.init_bias_from_priors)
    return model, start_from(model, config, spec=source.spec)


def _outcome(result: FitResult) -> dict[str, Any]:
    assert result.val is not None
    return {"val_loss": result.val.loss, "val_accuracy": result.val.accuracy, "train_loss": result.losses[-1]}


def _create(context: JobContext, config: TrainConfig, data: TensorData, source: ModelSource, **summary: Any) -> int:
    return create_run(
        context.store,
        job_id=context.job_id,
        dataset_id=context.dataset_id,
        config=config,
        summary=_data_summary(data) | {"device": str(pick_device()), "model_spec": source.spec} | summary,
    )


def _finish(
    context: JobContext, run_id: int, config: TrainConfig, verdict: RunVerdict | None, outcome: dict[str, Any]
) -> dict[str, Any]:
    """Mark the run finished with its verdict; the job's result repeats both for the CLI."""
    found = {"verdict": verdict.to_json()} if verdict is not None else {}
    update_summary(context.store, run_id, finished=True, **found)
    return {"run_id": run_id, "kind": config.kind, **found, **jsonable(outcome)}


def _share_cores() -> None:
    """A group's runs arrive together and fill every worker slot, so each takes its share of the cores:
    RECIPE_DASH_MAX_WORKERS processes of torch's default (a thread per core) would fight over them."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    torch.set_num_threads(max(1, cores // get_settings().max_workers))


def model_checks(context: JobContext) -> dict[str, Any]:
    """All model checks, the input statistics, and the exact batch the checks fed the model."""
    config, data, source = load_inputs(context, context.config)
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
    config, data, source = load_inputs(context, context.config)
    table = run_baselines(data, source, config, on_progress=lambda i, n, name: context.progress(i, n, name, force=True))
    return {"table": jsonable(table.to_dict("records")), "model": source.spec, "val_source": data.val_source}


def lr_find(context: JobContext) -> dict[str, Any]:
    """The LR finder; its curve so far is written every PARTIAL_SECONDS, so the page draws it as it grows."""
    config, data, source = load_inputs(context, context.config)
    written = -math.inf

    def on_step(step: int, steps: int, lrs: list[float], losses: list[float]) -> None:
        nonlocal written
        context.progress(step, steps, "ramping the learning rate")
        if time.monotonic() - written >= PARTIAL_SECONDS:
            written = time.monotonic()
            write_partial(
                context.job_id, {"lrs": lrs, "losses": losses, "smoothed": smooth(losses), "span": [START, END]}
            )

    curve = find_lr(
        source, data, optimizer=config.optimizer, batch_size=config.batch_size, seed=config.seed, on_step=on_step
    )
    return {**jsonable(asdict(curve)), "model": source.spec}


def signals(context: JobContext) -> dict[str, Any]:
    settings = dict(context.config)
    order = settings.pop("order", None)
    config, data, source = load_inputs(context, settings)
    table = add_signals(
        data,
        source,
        config,
        order=order,
        on_progress=lambda i, n, name: context.progress(i, n, f"adding {name}", force=True),
    )
    return {"table": jsonable(table.to_dict("records")), "model": source.spec}


def load_inputs(context: JobContext, settings: dict[str, Any]) -> tuple[TrainConfig, TensorData, ModelSource]:
    """A job's TrainConfig, its dataset prepared as the config says, and the model builder with its knobs."""
    config = TrainConfig.from_dict(settings)
    context.progress(0, None, "preparing data", force=True)
    assert context.dataset_id is not None, "training jobs need a dataset"
    dataset = workspace.reopen(context.store, context.dataset_id)
    data = prepare_data(dataset, **config.data_options())
    return config, data, configure(resolve_model(config.model, kind=data.kind), config.model_options())


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
    return [data.ids_val[i] for i in classes_in_rotation(data.y_val, TRACKED_SAMPLES, n_classes=data.n_classes)]
