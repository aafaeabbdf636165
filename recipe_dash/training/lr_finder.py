"""Learning-rate finder: raise the rate exponentially each step and watch where the loss falls fastest.

The suggestion is the rate where the smoothed loss (a centred moving average, so it does not lag the
ramp) falls most steeply per decade of rate, before its minimum. The ramp stops once a running
average of the loss exceeds BLOW_UP times its minimum.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from recipe_dash.training.data import TensorData
from recipe_dash.training.initialization import prepared_model
from recipe_dash.training.loop import device_of, make_optimizer, set_seed, train_step
from recipe_dash.training.models import ModelSource

START, END = 1e-7, 10.0  # the ramp's first and last learning rate
SMOOTHING = 0.9  # exponential moving average of the loss (bias-corrected) that decides when to stop
BLOW_UP = 4.0  # stop once that average exceeds this multiple of its minimum
WINDOW = 7  # points in the centred moving average behind the plot and the suggestion
_SKIP = 3  # first points ignored for the suggestion: the model has barely moved yet


@dataclass(frozen=True)
class LrCurve:
    lrs: list[float]
    losses: list[float]  # raw batch losses
    smoothed: list[float]
    suggested: float
    note: str  # one sentence: the suggestion and how it compares with the default 3e-4


def find_lr(
    source: ModelSource,
    data: TensorData,
    *,
    optimizer: str = "adam",
    batch_size: int = 64,
    seed: int = 0,
    start: float = START,
    end: float = END,
    steps: int = 100,
    on_step: Callable[[int, int, list[float], list[float]], None] | None = None,
) -> LrCurve:
    """Ramp the rate from `start` to `end` over at most `steps` batches of a fresh model; `on_step` sees
    the step, the budget and the curve so far (rates and losses), so a page can draw it as it grows."""
    set_seed(seed)
    model = prepared_model(source, data, seed=seed, init_bias=True).train()
    device = device_of(model)
    opt = make_optimizer(optimizer, [p for p in model.parameters() if p.requires_grad], start)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(data.x_train), generator=generator)
    lrs: list[float] = []
    losses: list[float] = []
    average, lowest = 0.0, math.inf
    for step in range(steps):
        lr = start * (end / start) ** (step / max(steps - 1, 1))
        for group in opt.param_groups:
            group["lr"] = lr
        lo = (step * batch_size) % max(len(order) - batch_size + 1, 1)
        index = order[lo : lo + batch_size]
        loss_vec, _ = train_step(model, opt, data.x_train[index].to(device), data.y_train[index].to(device))
        loss = float(loss_vec.detach().mean())
        if not math.isfinite(loss):
            break
        lrs.append(lr)
        losses.append(loss)
        if on_step is not None:
            on_step(step + 1, steps, lrs, losses)
        average = SMOOTHING * average + (1 - SMOOTHING) * loss
        lowest = min(lowest, average / (1 - SMOOTHING ** (step + 1)))
        if average / (1 - SMOOTHING ** (step + 1)) > BLOW_UP * lowest:
            break
    smoothed = smooth(losses)
    suggested = _steepest(lrs, smoothed)
    return LrCurve(lrs, losses, smoothed, suggested, _note(suggested, lrs, smoothed))


def smooth(losses: list[float]) -> list[float]:
    """Centred moving average of WINDOW points: it does not lag the ramp."""
    return pd.Series(losses, dtype="float64").rolling(WINDOW, center=True, min_periods=1).mean().tolist()


def _steepest(lrs: list[float], smoothed: list[float]) -> float:
    """Rate of the steepest fall of the smoothed loss per decade, before its minimum."""
    if len(lrs) < _SKIP + 3:
        return lrs[int(np.argmin(smoothed))] / 10 if lrs else float("nan")
    lowest = int(np.argmin(smoothed))
    x, y = np.log10(lrs[: lowest + 1]), np.array(smoothed[: lowest + 1])
    if len(x) < _SKIP + 3:
        return lrs[lowest] / 10
    slopes = np.gradient(y[_SKIP:], x[_SKIP:])
    return float(10 ** x[_SKIP + int(np.argmin(slopes))])


def _note(suggested: float, lrs: list[float], smoothed: list[float]) -> str:
    if not lrs:
        return "The loss was not finite even at the smallest rate: fix nan_inf first."
    lowest = lrs[int(np.argmin(smoothed))]
    default = 3e-4
    if default < suggested / 10:
        advice = "Adam's default 3e-4 lies below it: safe but slow; try the suggestion"
    elif default > lowest:
        advice = "Adam's default 3e-4 lies past the lowest loss: lower the rate"
    else:
        advice = "Adam's default 3e-4 lies inside it"
    return (
        f"Suggested learning rate {suggested:.1e}, where the loss falls fastest (falling region "
        f"{suggested / 10:.0e} to {lowest:.0e}). {advice}, and keep it constant while the skeleton is built."
    )
