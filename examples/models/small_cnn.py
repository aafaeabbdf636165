"""A small CNN with BatchNorm: a correct model to run the recipe's checks and training on.

Use it from the dashboard (it lives in a model folder) or the CLI:
    recipe-dash check-model examples/models/small_cnn.py:build --data sample_data/digits
"""

from __future__ import annotations

from torch import nn


def build(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """Two conv-BatchNorm-ReLU blocks, pooled to 4x4, then a linear layer to the logits."""
    channels = input_shape[0]
    return nn.Sequential(
        nn.Conv2d(channels, 16, 3, padding=1, bias=False),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, bias=False),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(4),
        nn.Flatten(),
        nn.Linear(32 * 16, n_classes),
    )
