"""Models with one planted bug each, and correct ones; builders follow build(input_shape, n_classes).

Importable as `tests.training.zoo:<name>` so the CLI tests load them as a user's package model.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn


def _mlp(input_shape: tuple[int, ...], n_classes: int, *, width: int = 64) -> nn.Sequential:
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), width), nn.ReLU(), nn.Linear(width, n_classes))


# ---- correct models -------------------------------------------------------------------------------


def mlp_log_softmax(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """Ends in log_softmax: log-probabilities are valid logits for cross-entropy."""
    return nn.Sequential(_mlp(input_shape, n_classes), nn.LogSoftmax(dim=1))


def mlp_dropout(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(math.prod(input_shape), 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, n_classes)
    )


def cnn_batchnorm(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """BatchNorm mixes the batch in train mode only; the checks must not call that a bug."""
    return nn.Sequential(
        nn.Conv2d(input_shape[0], 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(64, n_classes),
    )


def mlp_batchnorm(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(math.prod(input_shape), 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, n_classes)
    )


def mlp_batchnorm_dropout(input_shape: tuple[int, ...], n_classes: int, *, dropout: float = 0.0) -> nn.Module:
    """BatchNorm, and dropout after it when asked: the combination the Regularize page warns about."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(math.prod(input_shape), 64),
        nn.BatchNorm1d(64),
        nn.ReLU(),
        *([nn.Dropout(dropout)] if dropout else []),
        nn.Linear(64, n_classes),
    )


def mlp_layernorm(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(math.prod(input_shape), 64), nn.LayerNorm(64), nn.GELU(), nn.Linear(64, n_classes)
    )


class _Residual(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.branch = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.branch(x)


def residual_mlp(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(math.prod(input_shape), 64), _Residual(64), _Residual(64), nn.Linear(64, n_classes)
    )


# ---- buggy models: each comment names the check that must fail -----------------------------------


def _head_times_100(model: nn.Module) -> nn.Module:
    """The last Linear layer initialised 100x too large: confidently wrong before training."""
    head = [module for module in model.modules() if isinstance(module, nn.Linear)][-1]
    with torch.no_grad():
        head.weight.mul_(100.0)
    return model


def head_100x(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # loss_at_init
    return _head_times_100(_mlp(input_shape, n_classes))


def head_100x_batchnorm(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # loss_at_init
    """Fine in eval mode at init (BatchNorm's running statistics do nothing yet), not in training mode."""
    return _head_times_100(mlp_batchnorm(input_shape, n_classes))


def cnn_head_100x(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # loss_at_init
    """A deep default-init net shrinks its features, so 100x on the head only brings the logits to ~1."""
    from recipe_dash.training.builtin_models import cnn

    return _head_times_100(cnn(input_shape, n_classes))


class _BatchMean(nn.Module):
    def __init__(self, input_shape: tuple[int, ...], n_classes: int) -> None:
        super().__init__()
        self.net = _mlp(input_shape, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x - x.mean(dim=0, keepdim=True))  # normalizes with the batch's statistics, even in eval


def batch_mixing_mean(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # batch_independence
    return _BatchMean(input_shape, n_classes)


class _TransposeReshape(nn.Module):
    def __init__(self, input_shape: tuple[int, ...], n_classes: int) -> None:
        super().__init__()
        self.first = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), 32), nn.ReLU())
        self.head = nn.Linear(32, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.first(x)
        return self.head(h.t().reshape(h.shape))  # the classic view bug: features of all samples interleaved


def batch_mixing_reshape(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # batch_independence
    return _TransposeReshape(input_shape, n_classes)


def softmax_before_loss(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # loss_at_init, overfit_one_batch
    return nn.Sequential(_mlp(input_shape, n_classes), nn.Softmax(dim=1))


def huge_init(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # loss_at_init, init_well
    model = _mlp(input_shape, n_classes)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(40.0)
    return model


def frozen_layers(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # gradient_flow
    model = _mlp(input_shape, n_classes)
    for parameter in model[1].parameters():
        parameter.requires_grad_(False)
    return model


class _IgnoresInput(nn.Module):
    def __init__(self, input_shape: tuple[int, ...], n_classes: int) -> None:
        super().__init__()
        self.net = _mlp(input_shape, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(torch.zeros_like(x))  # a wiring bug: the input never reaches the network


def ignores_input(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # input_independent
    return _IgnoresInput(input_shape, n_classes)


class _LogOfInput(nn.Module):
    def __init__(self, input_shape: tuple[int, ...], n_classes: int) -> None:
        super().__init__()
        self.net = _mlp(input_shape, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(torch.log(x))  # log(0) = -inf on every zero pixel or feature


def log_of_input(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # nan_inf
    return _LogOfInput(input_shape, n_classes)


class _UnseededNoise(nn.Module):
    def __init__(self, input_shape: tuple[int, ...], n_classes: int) -> None:
        super().__init__()
        self.net = _mlp(input_shape, n_classes)
        self.rng = np.random.default_rng()  # seeded from the OS: no global seed controls it

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            x = x + torch.from_numpy(self.rng.normal(0, 0.1, size=x.shape).astype(np.float32))
        return self.net(x)


def unseeded_noise(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # reproducible
    return _UnseededNoise(input_shape, n_classes)


# ---- models that must be refused with a clear message --------------------------------------------


def wrong_shape(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    return _mlp(input_shape, n_classes + 1)


def not_a_module(input_shape: tuple[int, ...], n_classes: int) -> object:
    return "a string"


def raises(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    raise RuntimeError("no GPU here")


def bottleneck(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:  # cannot overfit: one tanh unit
    """Every class must be read off one bounded number: too small a model to memorise a batch."""
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), 1), nn.Tanh(), nn.Linear(1, n_classes))
