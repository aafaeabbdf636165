"""The one training loop behind runs, baselines, checks and signals: seeded, constant learning rate, observable.

A `Recorder` (optional) sees every step and every epoch end; without one the loop does no extra work,
which is what the overhead benchmark compares against. With one, each epoch ends with one no-grad,
eval-mode pass over the training split (unless `sample_losses` is off), so every sample's loss comes
from the same end-of-epoch model on its un-augmented input, comparable across samples and epochs.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from recipe_dash.errors import RecipeDashError
from recipe_dash.training.augment import Augmentation, augment_batch, continuous_features
from recipe_dash.training.config import TrainConfig

EVAL_BATCH = 256  # samples per no-grad forward pass; on CPU 512 was 30-50% slower than 128-256 (cache)


class TrainingDiverged(RecipeDashError):
    """The loss became NaN or infinite; the message says where and what to try."""


@dataclass(frozen=True)
class StepStats:
    step: int  # 1-based optimizer step
    epoch: float  # fractional: 1.5 = halfway through the second epoch
    loss: float  # mean loss of this batch
    accuracy: float  # accuracy on this batch
    lr: float
    grad_norm: float  # L2 norm of all gradients before the step
    wall_time: float  # seconds since training started


@dataclass(frozen=True)
class Evaluation:
    loss: float  # mean cross-entropy
    accuracy: float
    losses: np.ndarray  # per-sample cross-entropy
    predicted: np.ndarray  # per-sample predicted class index


@dataclass(frozen=True)
class EpochEnd:
    epoch: int  # 1-based
    step: int
    wall_time: float
    # Every training sample scored by this epoch's final model: eval mode, no augmentation (zeroed inputs
    # for a zero-input run), training order. None when the run turned the per-sample pass off.
    train: Evaluation | None
    val: Evaluation | None
    last: bool = False  # the run ends after this epoch (epochs or steps spent, or the loss reached its floor)


class Recorder(Protocol):
    def on_first_batch(self, xb: torch.Tensor, index: torch.Tensor) -> None: ...

    def on_step(self, stats: StepStats) -> None: ...

    def on_epoch(self, end: EpochEnd) -> None: ...


@dataclass(frozen=True)
class FitResult:
    losses: list[float]  # mean training loss of every step, in order
    val: Evaluation | None  # on the validation set after the last step (the best epoch's, after early stopping)
    best_epoch: int | None = None  # early stopping: the epoch whose weights the model keeps
    stopped_epoch: int | None = None  # early stopping: the last epoch trained


def set_seed(seed: int) -> None:
    """Seed every generator a model might draw from, and ask cuDNN for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def make_optimizer(
    name: str, parameters: list[nn.Parameter], lr: float, *, weight_decay: float | None = None
) -> torch.optim.Optimizer:
    """`weight_decay=None` keeps each optimizer's default (AdamW decays by 0.01, Adam and SGD do not)."""
    decay = {} if weight_decay is None else {"weight_decay": weight_decay}
    if name == "adam":
        return torch.optim.Adam(parameters, lr=lr, **decay)
    if name == "adamw":
        return torch.optim.AdamW(parameters, lr=lr, **decay)
    return torch.optim.SGD(parameters, lr=lr, momentum=0.9, **decay)


def fit(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 1,
    steps: int | None = None,
    batch_size: int = 64,
    lr: float = 3e-4,
    optimizer: str = "adam",
    seed: int = 0,
    augment: bool | Augmentation | None = False,
    zero_inputs: bool = False,
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    recorder: Recorder | None = None,
    sample_losses: bool = True,
    stop_below: float | None = None,
    eval_every: int = 1,
    weight_decay: float | None = None,
    patience: int | None = None,
) -> FitResult:
    """Train in place for `epochs` (or at most `steps` steps, when given) and evaluate on `val` at the end.

    `zero_inputs` trains on all-zero inputs: the input-independent baseline. `sample_losses` (with a
    recorder) scores the training split at each epoch's end for `EpochEnd.train`. `augment` (True: ±2-px
    shifts) changes each training batch. `stop_below` ends training after the first epoch whose mean batch
    loss is below it (an overfit run's floor); `eval_every` hands the recorder an end-of-epoch pass every
    that many epochs and after the last (an overfit run has one step per epoch). `patience` (with `val`)
    stops early once the validation loss has not improved for that many epochs and puts the best epoch's
    weights back. Raises TrainingDiverged as soon as a batch loss is NaN or infinite.
    """
    set_seed(seed)
    augmentation = Augmentation() if augment is True else augment or None
    continuous = continuous_features(x) if augmentation is not None else None
    stopper = _EarlyStopping(model, patience) if patience is not None and val is not None else None
    if zero_inputs and val is not None:
        val = (torch.zeros_like(val[0]), val[1])
    scored: torch.Tensor | None = None  # the end-of-epoch pass's inputs: as trained on, never augmented
    if recorder is not None and sample_losses:
        scored = torch.zeros_like(x) if zero_inputs else x
    device = device_of(model)
    generator = torch.Generator().manual_seed(seed)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = make_optimizer(optimizer, trainable, lr, weight_decay=weight_decay) if trainable else None
    n = len(x)
    per_epoch = len(_batches(n, batch_size))
    n_epochs = epochs if steps is None else -(-steps // per_epoch)
    losses: list[float] = []
    evaluation: Evaluation | None = None
    start = time.perf_counter()
    model.train()
    for epoch in range(1, n_epochs + 1):
        first_step = len(losses)
        order = torch.randperm(n, generator=generator)
        for b, (lo, hi) in enumerate(_batches(n, batch_size)):
            index = order[lo:hi]
            xb = torch.zeros_like(x[index]) if zero_inputs else x[index]
            if augmentation is not None:
                xb = augment_batch(xb, augmentation, generator, continuous=continuous)
            if recorder is not None and not losses:
                recorder.on_first_batch(xb, index)
            loss_vec, logits = train_step(model, opt, xb.to(device), y[index].to(device))
            loss = float(loss_vec.detach().mean())
            if not np.isfinite(loss):
                raise TrainingDiverged(
                    f"The training loss became {loss} at step {len(losses) + 1} (epoch {epoch}). Lower the learning "
                    f"rate (now {lr:g}), look for NaN/inf in the inputs, or for log(0) or a division in the model."
                )
            losses.append(loss)
            if recorder is not None:
                recorder.on_step(
                    StepStats(
                        step=len(losses),
                        epoch=epoch - 1 + (b + 1) / per_epoch,
                        loss=loss,
                        accuracy=float((logits.detach().argmax(1).cpu() == y[index]).float().mean()),
                        lr=lr,
                        grad_norm=_grad_norm(trainable),
                        wall_time=time.perf_counter() - start,
                    )
                )
            if steps is not None and len(losses) >= steps:
                break
        epoch_loss = sum(losses[first_step:]) / max(len(losses) - first_step, 1)
        last = (
            epoch == n_epochs
            or (steps is not None and len(losses) >= steps)
            or (stop_below is not None and epoch_loss < stop_below)
        )
        evaluation = None
        if recorder is not None and (last or epoch % eval_every == 0):  # per-sample losses for the record
            train = evaluate(model, scored, y) if scored is not None else None
            evaluation = evaluate(model, *val) if val is not None else None
            recorder.on_epoch(EpochEnd(epoch, len(losses), time.perf_counter() - start, train, evaluation, last))
        if stopper is not None:
            assert val is not None
            if stopper.should_stop(epoch, evaluation or evaluate(model, *val)):
                break
        if last:
            break
    if stopper is not None:
        return FitResult(losses, stopper.restore(), stopper.best_epoch, epoch)
    if evaluation is None and val is not None:
        evaluation = evaluate(model, *val)
    return FitResult(losses, evaluation)


class _EarlyStopping:
    """Watch the validation loss epoch by epoch; keep a copy of the best weights to put back at the end."""

    def __init__(self, model: nn.Module, patience: int) -> None:
        self.model, self.patience = model, patience
        self.best_epoch = 0
        self.best: Evaluation | None = None
        self._weights: dict[str, torch.Tensor] = {}

    def should_stop(self, epoch: int, evaluation: Evaluation) -> bool:
        if self.best is None or evaluation.loss < self.best.loss:
            self.best, self.best_epoch = evaluation, epoch
            self._weights = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        return epoch - self.best_epoch >= self.patience

    def restore(self) -> Evaluation | None:
        """Put the best epoch's weights back; its validation evaluation."""
        if self._weights:
            self.model.load_state_dict(self._weights)
        return self.best


def fit_configured(
    config: TrainConfig, model: nn.Module, x: torch.Tensor, y: torch.Tensor, **options: object
) -> FitResult:
    """`fit` with a run's settings (epochs, batch size, lr, optimizer, weight decay, seed, augment, sample
    losses); `options` add or override."""
    settings: dict[str, object] = dict(
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        optimizer=config.optimizer,
        weight_decay=config.weight_decay,
        seed=config.seed,
        augment=Augmentation.of(config),
        sample_losses=config.sample_losses,
        patience=config.early_stopping,
    )
    return fit(model, x, y, **(settings | options))  # type: ignore[arg-type]


def train_step(
    model: nn.Module, optimizer: torch.optim.Optimizer | None, xb: torch.Tensor, yb: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """One forward/backward/update; returns per-sample losses and logits."""
    logits = model(xb)
    loss_vec = F.cross_entropy(logits, yb, reduction="none")
    if optimizer is not None:
        optimizer.zero_grad(set_to_none=True)
        loss_vec.mean().backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    return loss_vec, logits


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch_size: int = EVAL_BATCH) -> Evaluation:
    """Per-sample loss and prediction in eval mode (dropout off, BatchNorm on running statistics)."""
    device = device_of(model)
    was_training = model.training
    model.eval()
    losses, predicted = [], []
    for lo in range(0, len(x), batch_size):
        logits = model(x[lo : lo + batch_size].to(device))
        losses.append(F.cross_entropy(logits, y[lo : lo + batch_size].to(device), reduction="none").cpu())
        predicted.append(logits.argmax(1).cpu())
    model.train(was_training)
    loss_arr = torch.cat(losses).numpy() if losses else np.zeros(0)
    pred_arr = torch.cat(predicted).numpy() if predicted else np.zeros(0, dtype=np.int64)
    accuracy = float((pred_arr == y.numpy()).mean()) if len(y) else float("nan")
    return Evaluation(float(loss_arr.mean()) if len(loss_arr) else float("nan"), accuracy, loss_arr, pred_arr)


def n_batches(n: int, batch_size: int) -> int:
    """Optimizer steps in one epoch of `n` samples."""
    return len(_batches(n, batch_size))


def _batches(n: int, batch_size: int) -> list[tuple[int, int]]:
    """Batch bounds; a last batch of one sample joins the one before (BatchNorm cannot train on one)."""
    bounds = [(lo, min(lo + batch_size, n)) for lo in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds[-2:] = [(bounds[-2][0], n)]
    return bounds


def _grad_norm(parameters: list[nn.Parameter]) -> float:
    grads = [p.grad for p in parameters if p.grad is not None]
    return float(torch.nn.utils.get_total_norm(grads)) if grads else 0.0


def device_of(model: nn.Module) -> torch.device:
    """Where the model lives (CPU for a model without parameters)."""
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")
