"""The dumb-but-honest models every dataset gets: a linear model, an MLP, and a small CNN for images."""

from __future__ import annotations

import math
from collections.abc import Callable

from torch import nn

Builder = Callable[[tuple[int, ...], int], nn.Module]


def logistic(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """Multinomial logistic regression on the flattened input: the linear baseline."""
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), n_classes))


def mlp(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """Two hidden layers of 128 ReLU units: big enough to overfit small tables and digits."""
    width = 128
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(math.prod(input_shape), width),
        nn.ReLU(),
        nn.Linear(width, width),
        nn.ReLU(),
        nn.Linear(width, n_classes),
    )


def cnn(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """Three conv blocks and a linear head; pooled to 4x4 so any input size of 8 pixels or more works."""
    if len(input_shape) != 3:
        raise ValueError(f"the CNN needs images shaped (channels, height, width), not {input_shape}")
    channels = input_shape[0]
    return nn.Sequential(
        nn.Conv2d(channels, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(4),
        nn.Flatten(),
        nn.Linear(64 * 16, n_classes),
    )


BUILTIN_MODELS: dict[str, Builder] = {"logistic": logistic, "mlp": mlp, "cnn": cnn}


def builtin_names(kind: str) -> tuple[str, ...]:
    """Built-ins that fit a data kind, the recommended one first."""
    return ("cnn", "mlp", "logistic") if kind == "image" else ("mlp", "logistic")


def default_model(kind: str) -> str:
    return builtin_names(kind)[0]
