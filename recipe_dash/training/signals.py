"""Add signals one at a time: switch a table's feature groups on in order and measure the gain of each.

Switched-off features are set to zero, which after standardization is the training mean, so the
model's input shape never changes and any model (yours included) can be used. Step 0 has every
feature off: the input-independent baseline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import torch

from recipe_dash.errors import DataError
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.data import TensorData
from recipe_dash.training.initialization import prepared_model
from recipe_dash.training.loop import fit_configured
from recipe_dash.training.models import ModelSource

COLUMNS = ("step", "added", "n_features", "val_loss", "val_accuracy", "accuracy_gain", "loss_gain")


def add_signals(
    data: TensorData,
    source: ModelSource,
    config: TrainConfig,
    *,
    order: Sequence[str] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> pd.DataFrame:
    """Train once per prefix of the feature groups (in `order`, default: column order); one row per step."""
    if data.kind != "table" or not data.feature_groups:
        raise DataError("Signals are added one feature group at a time, so they need a table dataset.")
    groups = dict(data.feature_groups)
    names = list(order) if order is not None else list(groups)
    unknown = [n for n in names if n not in groups]
    if unknown:
        raise DataError(f"Unknown feature group(s): {', '.join(unknown)}. Groups: {', '.join(groups)}.")
    mask = torch.zeros(data.input_shape[0])
    rows = []
    for step, added in enumerate(["(none: inputs zeroed)", *names]):
        if on_progress is not None:
            on_progress(step, len(names) + 1, added)
        if step:
            mask[list(groups[added])] = 1.0
        model = prepared_model(source, data, seed=config.seed, init_bias=config.init_bias_from_priors)
        result = fit_configured(  # no augmentation: each group's gain must not depend on random shifts
            config, model, data.x_train * mask, data.y_train, augment=False, val=(data.x_val * mask, data.y_val)
        )
        assert result.val is not None
        rows.append(
            {
                "step": step,
                "added": added,
                "n_features": int(mask.sum()),
                "val_loss": result.val.loss,
                "val_accuracy": result.val.accuracy,
            }
        )
    table = pd.DataFrame(rows)
    table["accuracy_gain"] = table["val_accuracy"].diff()
    table["loss_gain"] = -table["val_loss"].diff()
    return table[list(COLUMNS)]
