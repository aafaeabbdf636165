"""Pretrain from the user's own weights: a `state_dict` file read with `torch.load(weights_only=True)`, which
unpickles tensors and plain containers only, never code (a finished run's `model.pt` is one).

Every layer must match by name and shape (strict), so weights of another architecture are refused with
the first layer that differs, in the model's own order, instead of a half-loaded model.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from recipe_dash.training.architecture import dropout_batchnorm_warning
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.models import ModelError

_CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model")  # where common checkpoints keep the weights
_LISTED = 3  # layer names quoted in a message


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a weights file, by layer name; a clear ModelError for anything else."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise ModelError(f"Weights file '{path}' does not exist or is not a regular file.")
    try:
        loaded = torch.load(file, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        reason = _unpickler_reason(str(err))
        if "Unsupported global" in reason:
            raise ModelError(
                f"'{file.name}' is not a plain state_dict: it refers to code or objects other than tensors "
                f"({reason}), which torch.load(weights_only=True) refuses to run. Save the weights alone with "
                "torch.save(model.state_dict(), path)."
            ) from None
        raise ModelError(f"'{file.name}' is not a PyTorch weights file ({reason}).") from None
    except Exception as err:  # a truncated zip, a text file, another format: the file's fault, not ours
        raise ModelError(f"'{file.name}' is not a PyTorch weights file ({type(err).__name__}: {err}).") from None
    if isinstance(loaded, Mapping):
        nested = next((loaded[k] for k in _CHECKPOINT_KEYS if isinstance(loaded.get(k), Mapping)), None)
        loaded = nested if nested is not None else loaded
    if not isinstance(loaded, Mapping) or not loaded or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise ModelError(
            f"'{file.name}' holds {_what(loaded)}, not a state_dict (layer names mapped to tensors). "
            "Save one with torch.save(model.state_dict(), path)."
        )
    return {str(k): v for k, v in loaded.items()}


def load_weights(model: nn.Module, path: str | Path, *, spec: str) -> str:
    """Copy a weights file into `model` (every layer, strictly); returns the file's SHA-256 for the record.

    Raises ModelError naming the first mismatched layer: one the file lacks, one shaped differently, or,
    when the model's layers are all there, the first one the model does not have.
    """
    weights = read_state_dict(path)
    name = Path(path).name
    expected = model.state_dict()
    for key, tensor in expected.items():
        if key not in weights:
            theirs = ", ".join(f"'{k}'" for k in list(weights)[:_LISTED])
            raise ModelError(
                f"'{name}' holds weights for another architecture than {spec}: the model's layer '{key}' "
                f"{tuple(tensor.shape)} is not in the file (its first layers: {theirs}). "
                "Pick weights saved from this model, or train from scratch."
            )
        if tuple(weights[key].shape) != tuple(tensor.shape):
            raise ModelError(
                f"'{name}' does not fit {spec}: layer '{key}' is shaped {tuple(weights[key].shape)} in the file "
                f"but {tuple(tensor.shape)} in the model. Same model, same settings (width, depth, input size, "
                "classes) as the weights were saved with, or train from scratch."
            )
    extra = [k for k in weights if k not in expected]
    if extra:
        raise ModelError(
            f"'{name}' holds weights for another architecture than {spec}: layer '{extra[0]}' is in the file but "
            f"not in the model ({len(extra)} such layer(s)). Pick weights saved from this model."
        )
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in weights.items()})
    return hashlib.sha256(Path(path).expanduser().read_bytes()).hexdigest()


def start_from(model: nn.Module, config: TrainConfig, *, spec: str) -> dict[str, Any]:
    """Put the config's pretrained weights into a fresh model; what the run's summary should say about its
    start: the weights file and its hash, and warnings about the architecture."""
    notes: dict[str, Any] = {}
    if config.pretrained:
        digest = load_weights(model, config.pretrained, spec=spec)
        notes["pretrained"] = {"path": config.pretrained, "sha256": digest}
    warning = dropout_batchnorm_warning(model)
    if warning:
        notes["warnings"] = [warning]
    return notes


def _unpickler_reason(text: str) -> str:
    """The line of torch's long refusal that says what it met (PyTorch's advice to load unsafely is left out)."""
    found = re.search(r"WeightsUnpickler error:\s*(.+?)(?:\. Please use|\n|$)", text.strip(), flags=re.DOTALL)
    return found.group(1).strip() if found else "the unpickler refused it"


def _what(value: object) -> str:
    if isinstance(value, Mapping):
        return "an empty mapping" if not value else "a mapping with values other than tensors"
    return f"a {type(value).__name__}"
