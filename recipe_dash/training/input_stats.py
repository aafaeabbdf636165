"""What the net sees, in numbers: per-channel or per-feature mean and std after the transform.

Statistics come from the training split only. The verdict warns when inputs are far from unit scale
(not normalized) and when they look standardized with another split's statistics (the validation
split alone, or train and validation pooled) instead of the training split's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from recipe_dash.evidence import Verdict
from recipe_dash.training.data import TensorData

LARGE_MEAN = 2.0  # |mean| above this: inputs are not centred
LARGE_STD = 5.0  # std above this: inputs are not scaled
TINY_STD = 0.01  # std below this (but not constant): the feature is squashed next to the others
DIM_STD = 0.05  # images in [0, 1] whose channel std is below this: dim or low contrast, far from unit scale
STANDARD_TOLERANCE = 0.01  # |mean| and |std - 1| below this: "standardized with these statistics"
_SHOWN = 5  # feature names listed in a sentence


@dataclass(frozen=True)
class InputStats:
    verdict: Verdict
    summary: str  # one sentence the user can act on
    table: pd.DataFrame  # feature, train_mean, train_std, val_mean, val_std


def input_statistics(data: TensorData) -> InputStats:
    """Per-channel (images) or per-feature (tables) statistics of the exact training inputs, with a verdict."""
    train, val = _per_feature(data.x_train, data.kind), _per_feature(data.x_val, data.kind)
    pooled = _per_feature(torch.cat([data.x_train, data.x_val]), data.kind)
    names = _feature_names(data)
    table = pd.DataFrame(
        {"feature": names, "train_mean": train[0], "train_std": train[1], "val_mean": val[0], "val_std": val[1]}
    )
    binary = _is_binary(data.x_train, data.kind)
    scaled = table[~binary]
    train_standard = _standard(train[0], train[1])[~binary]
    for other, label in ((val, "the validation split"), (pooled, "train and validation pooled")):
        leaked = _standard(other[0], other[1])[~binary] & ~train_standard
        if len(scaled) and leaked.sum() >= max(1, len(scaled) // 2):
            return InputStats(
                "warn",
                f"Inputs look standardized with statistics of {label} (mean 0, std 1 there, not on train): "
                "compute the mean and std on the training split only, then apply them to every split.",
                table,
            )
    off = scaled[
        (scaled["train_mean"].abs() > LARGE_MEAN)
        | (scaled["train_std"] > LARGE_STD)
        | ((scaled["train_std"] < (DIM_STD if data.kind == "image" else TINY_STD)) & (scaled["train_std"] > 0))
    ]
    if len(off):
        shown = ", ".join(off["feature"].head(_SHOWN)) + (" …" if len(off) > _SHOWN else "")
        return InputStats(
            "warn",
            f"{len(off)} of {len(table)} input(s) are not normalized ({shown}): standardize them with the "
            "training split's mean and std (the default for tables), or the net learns slowly or not at all.",
            table,
        )
    span = f"means {train[0].min():.2f}…{train[0].max():.2f}, stds {train[1].min():.2f}…{train[1].max():.2f}"
    return InputStats("pass", f"Inputs are on a unit scale on the training split ({span}).", table)


def _per_feature(x: torch.Tensor, kind: str) -> tuple[pd.Series, pd.Series]:
    flat = x.transpose(0, 1).reshape(x.shape[1], -1) if kind == "image" else x.reshape(len(x), -1).T
    flat = flat.double()
    return pd.Series(flat.mean(dim=1).numpy()), pd.Series(flat.std(dim=1, correction=0).numpy())


def _standard(mean: pd.Series, std: pd.Series) -> pd.Series:
    return (mean.abs() < STANDARD_TOLERANCE) & ((std - 1).abs() < STANDARD_TOLERANCE)


def _is_binary(x: torch.Tensor, kind: str) -> pd.Series:
    """One-hot and flag features (only 0 and 1) are exempt: they are on a unit scale by construction."""
    if kind == "image":
        return pd.Series([False] * x.shape[1])
    flat = x.reshape(len(x), -1)
    return pd.Series(((flat == 0) | (flat == 1)).all(dim=0).numpy())


def _feature_names(data: TensorData) -> list[str]:
    if data.kind == "image":
        channels = data.input_shape[0]
        return (
            ["gray"]
            if channels == 1
            else ["red", "green", "blue"]
            if channels == 3
            else [f"channel {i}" for i in range(channels)]
        )
    return list(data.feature_names) or [f"feature {i}" for i in range(data.input_shape[0])]
