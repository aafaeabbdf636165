"""Dumb baselines in one table: what a model must beat before its numbers mean anything.

Majority class (no training), the chosen model on zeroed inputs (input-independent), logistic
regression, and the small MLP/CNN, each trained with the chosen config; then the chosen model itself.
"Beats" compares the metric to trust (balanced accuracy when classes are imbalanced), the validation
loss breaking ties.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from recipe_dash.training.builtin_models import default_model
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.data import TensorData
from recipe_dash.training.initialization import prepared_model
from recipe_dash.training.loop import Evaluation, fit_configured
from recipe_dash.training.metrics import classification_metrics, is_imbalanced
from recipe_dash.training.models import ModelSource, resolve_model

YOUR_MODEL = "your model"
COLUMNS = ("baseline", "model", "val_loss", "val_accuracy", "balanced_accuracy", "beaten")


def run_baselines(
    data: TensorData,
    source: ModelSource,
    config: TrainConfig,
    *,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> pd.DataFrame:
    """One row per baseline plus the chosen model; `beaten` says whether the chosen model beats that row."""
    small = default_model(data.kind)
    plan: list[tuple[str, ModelSource | None, bool]] = [
        ("majority class", None, False),
        ("input-independent (zeroed inputs)", source, True),
        *[
            (name, resolve_model(spec), False)
            for name, spec in (("logistic regression", "logistic"), (f"small {small.upper()}", small))
            if spec != source.spec
        ],  # a baseline that is the chosen model is its own row below
        (YOUR_MODEL, source, False),
    ]
    rows = []
    for i, (name, model_source, zero_inputs) in enumerate(plan):
        if on_progress is not None:
            on_progress(i, len(plan), name)
        evaluation = (
            majority_class(data)
            if model_source is None
            else trained_evaluation(data, model_source, config, zero_inputs=zero_inputs)
        )
        balanced = (
            classification_metrics(data.y_val.numpy(), evaluation.predicted, n_classes=data.n_classes, n_boot=0)
            .set_index("metric")
            .loc["balanced_accuracy", "value"]
        )
        rows.append(
            {
                "baseline": name,
                "model": model_source.spec if model_source else "-",
                "val_loss": evaluation.loss,
                "val_accuracy": evaluation.accuracy,
                "balanced_accuracy": float(balanced),
            }
        )
    table = pd.DataFrame(rows)
    primary = "balanced_accuracy" if is_imbalanced(data.y_val.numpy(), n_classes=data.n_classes) else "val_accuracy"
    mine = table.iloc[-1]
    table["beaten"] = [
        None
        if row.baseline == YOUR_MODEL
        else bool(
            mine[primary] > getattr(row, primary)
            or (mine[primary] == getattr(row, primary) and mine.val_loss < row.val_loss)
        )
        for row in table.itertuples()
    ]
    return table[list(COLUMNS)]


def majority_class(data: TensorData) -> Evaluation:
    """Predict the training majority class, with the training priors as probabilities."""
    priors = data.class_priors().numpy()
    y = data.y_val.numpy()
    losses = -np.log(priors[y])
    predicted = np.full(len(y), int(priors.argmax()))
    return Evaluation(float(losses.mean()), float((predicted == y).mean()), losses, predicted)


def trained_evaluation(data: TensorData, source: ModelSource, config: TrainConfig, *, zero_inputs: bool) -> Evaluation:
    """A fresh model trained with the config; its evaluation on the validation split."""
    model = prepared_model(source, data, seed=config.seed, init_bias=config.init_bias_from_priors)
    result = fit_configured(
        config, model, data.x_train, data.y_train, zero_inputs=zero_inputs, val=(data.x_val, data.y_val)
    )
    assert result.val is not None
    return result.val
