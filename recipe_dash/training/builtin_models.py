"""The dumb-but-honest models every dataset gets: a linear model, an MLP, and a small CNN for images."""

from __future__ import annotations

import math
from collections.abc import Callable

from torch import nn

Builder = Callable[[tuple[int, ...], int], nn.Module]


def logistic(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """Multinomial logistic regression on the flattened input: the linear baseline."""
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), n_classes))


def mlp(
    input_shape: tuple[int, ...], n_classes: int, *, width: int = 128, depth: int = 2, dropout: float = 0.0
) -> nn.Module:
    """`depth` hidden layers of `width` ReLU units (two of 128 by default: big enough to overfit small tables
    and digits), each followed by dropout when `dropout` > 0."""
    layers: list[nn.Module] = [nn.Flatten()]
    fan_in = math.prod(input_shape)
    for _ in range(depth):
        layers += [nn.Linear(fan_in, width), nn.ReLU(), *_dropout(dropout)]
        fan_in = width
    return nn.Sequential(*layers, nn.Linear(fan_in, n_classes))


def cnn(
    input_shape: tuple[int, ...], n_classes: int, *, width: int = 16, depth: int = 3, dropout: float = 0.0
) -> nn.Module:
    """`depth` conv blocks (`width` channels first, doubling per block), 2x2 max-pooled between blocks while
    the image is 2 pixels or more, then pooled to 4x4 (so any input size works) and a linear head, with
    dropout before the head when `dropout` > 0. The defaults are 16-32-64 channels on three blocks."""
    if len(input_shape) != 3:
        raise ValueError(f"the CNN needs images shaped (channels, height, width), not {input_shape}")
    layers: list[nn.Module] = []
    channels, side = input_shape[0], min(input_shape[1:])
    for block in range(depth):
        out = width * 2**block
        layers += [nn.Conv2d(channels, out, 3, padding=1), nn.ReLU()]
        if block < depth - 1 and side >= 2:
            layers.append(nn.MaxPool2d(2))
            side //= 2
        channels = out
    return nn.Sequential(
        *layers, nn.AdaptiveAvgPool2d(4), nn.Flatten(), *_dropout(dropout), nn.Linear(channels * 16, n_classes)
    )


def _dropout(p: float) -> list[nn.Module]:
    """A dropout layer only when it drops something, so the default models keep their exact layer list."""
    return [nn.Dropout(p)] if p > 0 else []


BUILTIN_MODELS: dict[str, Builder] = {"logistic": logistic, "mlp": mlp, "cnn": cnn}


def builtin_names(kind: str) -> tuple[str, ...]:
    """Built-ins that fit a data kind, the recommended one first."""
    return ("cnn", "mlp", "logistic") if kind == "image" else ("mlp", "logistic")


def default_model(kind: str) -> str:
    return builtin_names(kind)[0]
