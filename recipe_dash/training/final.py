"""A run's end: score the final model in eval mode on train and on validation (the train/validation gap the
Regularize step compares, free of dropout and augmentation), and leave its weights, validation
probabilities and first layer on disk (artifacts.py reads them back).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from recipe_dash.store import Store
from recipe_dash.training.artifacts import (
    WEIGHTS_FILE,
    FirstLayer,
    ValPredictions,
    write_first_layer,
    write_val_predictions,
)
from recipe_dash.training.data import TensorData
from recipe_dash.training.loop import EVAL_BATCH, device_of
from recipe_dash.training.metrics import balanced_accuracy
from recipe_dash.training.recording import trusted_metrics
from recipe_dash.training.runs import run_dir, update_summary

VAL_PROBS_CAP = 20_000_000  # validation cells (samples x classes) kept as float16 probabilities: 40 MB at most


def record_final(
    store: Store,
    run_id: int,
    model: nn.Module,
    data: TensorData,
    *,
    first_layer_at_start: FirstLayer | None = None,
    **summary: Any,
) -> dict[str, Any]:
    """Score, save and summarize the model a run ends with; `summary` joins the run's summary. Returns the
    final scores: {"train": {...}, "val": {...}} with loss, accuracy and balanced_accuracy each."""
    train_logits = logits_of(model, data.x_train)
    val_logits = logits_of(model, data.x_val)
    final = {
        "train": _scores(train_logits, data.y_train, data.n_classes),
        "val": _scores(val_logits, data.y_val, data.n_classes),
    }
    folder = run_dir(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (WEIGHTS_FILE + ".partial")
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, partial)
    partial.replace(folder / WEIGHTS_FILE)
    if val_logits.numel() <= VAL_PROBS_CAP:
        probabilities = val_logits.softmax(dim=1).numpy()
        write_val_predictions(run_id, ValPredictions(probabilities, data.y_val.numpy(), np.array(data.ids_val)))
    layer = first_layer(model, data.x_train[:2])
    if layer is not None:
        start = first_layer_at_start
        if start is not None and start.name == layer.name and start.weight.shape == layer.weight.shape:
            layer = replace(layer, initial=start.weight)
        write_first_layer(run_id, layer)
    predicted = val_logits.argmax(dim=1).numpy()
    update_summary(store, run_id, final=final, metrics=trusted_metrics(data, predicted), **summary)
    return final


@torch.no_grad()
def logits_of(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Eval-mode logits on the CPU, EVAL_BATCH samples at a time."""
    device = device_of(model)
    was_training = model.training
    model.eval()
    chunks = [model(x[lo : lo + EVAL_BATCH].to(device)).float().cpu() for lo in range(0, len(x), EVAL_BATCH)]
    model.train(was_training)
    return torch.cat(chunks) if chunks else torch.zeros(0, 0)


def first_layer(model: nn.Module, example: torch.Tensor) -> FirstLayer | None:
    """The first module a forward pass runs whose weight is a filter bank (conv, 4-D) or a matrix (linear,
    2-D); None when there is none (the order of running, not of declaration, decides)."""
    names = {module: name for name, module in model.named_modules()}
    called: list[nn.Module] = []
    hooks = [
        module.register_forward_hook(lambda m, _inputs, _output: called.append(m))
        for module in model.modules()
        if isinstance(getattr(module, "weight", None), nn.Parameter) and module.weight.ndim in (2, 4)
    ]
    try:
        with torch.no_grad():
            was_training = model.training
            model.eval()(example[:2].to(device_of(model)))
            model.train(was_training)
    finally:
        for hook in hooks:
            hook.remove()
    if not called:
        return None
    weight = called[0].weight.detach().float().cpu().numpy().copy()  # a copy: training goes on in place
    return FirstLayer(
        name=names[called[0]] or "model",
        kind="conv" if weight.ndim == 4 else "linear",
        weight=weight,
        input_shape=tuple(int(d) for d in example.shape[1:]),
    )


def _scores(logits: torch.Tensor, y: torch.Tensor, n_classes: int) -> dict[str, float]:
    if not len(y):
        return {"loss": float("nan"), "accuracy": float("nan"), "balanced_accuracy": float("nan")}
    predicted = logits.argmax(dim=1)
    return {
        "loss": float(F.cross_entropy(logits, y)),
        "accuracy": float((predicted == y).float().mean()),
        "balanced_accuracy": balanced_accuracy(y.numpy(), predicted.numpy(), n_classes=n_classes),
    }
