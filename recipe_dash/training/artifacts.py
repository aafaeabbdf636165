"""The files a finished run leaves beside its per-epoch losses, and their readers (no torch needed to read).

`model.pt` holds the final weights (a plain state_dict: another run can start from it, see weights.py),
`val_predictions.npz` the validation probabilities (float16; an ensemble averages them) with the labels and
sample ids they belong to, and `first_layer.npz` the first layer's weights at the start and at the end (to
see edges or noise, and how far training moved them). final.py writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recipe_dash.training.runs import run_dir, save_npz_atomically

WEIGHTS_FILE = "model.pt"
VAL_FILE = "val_predictions.npz"
FIRST_LAYER_FILE = "first_layer.npz"


@dataclass(frozen=True)
class FirstLayer:
    """The weights of the first layer a forward pass runs that has a weight matrix or filter bank."""

    name: str  # the module's name in the model, e.g. "0" or "features.conv1"
    kind: str  # "conv" (weight (out, in, kh, kw)) or "linear" (weight (out, in_features))
    weight: np.ndarray  # float32, at the run's end
    input_shape: tuple[int, ...]  # of one sample, so a linear layer on images can be shown as images
    initial: np.ndarray | None = None  # the same weights before the first step (random init or pretrained)


@dataclass(frozen=True)
class ValPredictions:
    """A final model's validation output, aligned by sample."""

    probabilities: np.ndarray  # (n_val, n_classes) float32
    labels: np.ndarray  # (n_val,) class indices
    sample_ids: np.ndarray  # (n_val,) str


def weights_path(run_id: int) -> Path | None:
    """A finished run's final weights, None before it finished (or for runs older than this file)."""
    path = run_dir(run_id) / WEIGHTS_FILE
    return path if path.is_file() else None


def read_val_predictions(run_id: int) -> ValPredictions | None:
    """The run's final validation probabilities, None when not kept (too many cells, or not finished)."""
    path = run_dir(run_id) / VAL_FILE
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as npz:
        return ValPredictions(npz["probabilities"].astype(np.float32), npz["labels"], npz["sample_ids"])


def read_first_layer(run_id: int) -> FirstLayer | None:
    path = run_dir(run_id) / FIRST_LAYER_FILE
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as npz:
        return FirstLayer(
            name=str(npz["name"]),
            kind=str(npz["kind"]),
            weight=npz["weight"].astype(np.float32),
            input_shape=tuple(int(d) for d in npz["input_shape"]),
            initial=npz["initial"].astype(np.float32) if "initial" in npz.files else None,
        )


def write_first_layer(run_id: int, layer: FirstLayer) -> None:
    save_npz_atomically(
        run_dir(run_id) / FIRST_LAYER_FILE,
        name=np.array(layer.name),
        kind=np.array(layer.kind),
        weight=layer.weight,
        input_shape=np.array(layer.input_shape, dtype=np.int64),
        **({"initial": layer.initial} if layer.initial is not None else {}),
    )


def write_val_predictions(run_id: int, predictions: ValPredictions) -> None:
    save_npz_atomically(
        run_dir(run_id) / VAL_FILE,
        probabilities=predictions.probabilities.astype(np.float16),
        labels=predictions.labels.astype(np.int64),
        sample_ids=np.asarray(predictions.sample_ids, dtype=str),
    )
