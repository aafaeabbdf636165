"""What the recipe's baseline and overfit runs change in an ordinary run, and what each one concludes.

An overfit run trains the chosen model on a small fixed subset of the training split (classes in
rotation, seeded) with every regularizer we control off (augmentation, dropout, weight decay) until the
mean training loss of one pass over the subset falls below a floor, or its step budget ends. A model
that cannot memorise 64 samples has a bug, too little capacity or a bad learning rate, and no amount
of data will fix that. Identical inputs with different labels cannot be memorised by any model: their
least possible loss is allowed on top of the floor, and the verdict names them.

A baseline run trains the chosen model on zeroed inputs (the input-independent baseline: it can only
learn the label frequencies); the majority class and a linear model on the real inputs are its
reference lines, the numbers any real run must beat.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from recipe_dash.evidence import Evidence, Verdict
from recipe_dash.training.baselines import majority_class, trained_evaluation
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.data import TensorData, classes_in_rotation
from recipe_dash.training.loop import Evaluation
from recipe_dash.training.models import resolve_model
from recipe_dash.training.probe import sample_order

OVERFIT_EVAL_STEPS = 25  # an overfit run validates (and scores its subset) about every this many steps
FALLING_HORIZON = 3.0  # "still falling": at its recent pace the loss reaches the floor within 3 more budgets
BASELINE_TOLERANCE = 0.05  # a converged zero-input run ends this close to the majority class's loss
_DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)


@dataclass(frozen=True, kw_only=True)
class Reference(Evidence):
    """A dumb baseline's validation numbers, drawn as a flat line beside the curves."""

    name: str
    val_loss: float
    val_accuracy: float


@dataclass(frozen=True, kw_only=True)
class RunVerdict(Evidence):
    """What a baseline or overfit run concluded, in one sentence the user can act on."""

    verdict: Verdict
    summary: str
    lr: float  # the learning rate the run used, shown beside the LR finder's suggestion
    step: int | None = None  # overfit: the step the training loss reached its floor
    loss: float | None = None  # overfit: the last training loss; baseline: the final validation loss


@dataclass(frozen=True, kw_only=True)
class Unfittable(Evidence):
    """Identical inputs with different labels in a subset: no model can give each its own label."""

    groups: list[list[int]]  # indices into the subset, one list per set of identical inputs
    loss: float  # the least mean loss they force on the subset: their label entropy, averaged over all samples


def overfit_subset(data: TensorData, config: TrainConfig) -> TensorData:
    """The fixed subset an overfit run memorises: `config.subset_size` training samples, classes in
    rotation in a seeded order (so every class is there and the same seed picks the same samples)."""
    n = min(config.subset_size, len(data.y_train))
    order = sample_order(len(data.y_train), config.seed)
    index = torch.tensor(classes_in_rotation(data.y_train, n, n_classes=data.n_classes, order=order))
    return replace(
        data,
        x_train=data.x_train[index],
        y_train=data.y_train[index],
        ids_train=tuple(data.ids_train[int(i)] for i in index),
    )


def unfittable(x: torch.Tensor, y: torch.Tensor) -> Unfittable:
    """Groups of byte-identical inputs (as the net sees them) that carry more than one label."""
    groups: dict[bytes, list[int]] = defaultdict(list)
    for i, row in enumerate(x.reshape(len(x), -1).numpy()):
        groups[row.tobytes()].append(i)
    labels = y.tolist()
    conflicting = [members for members in groups.values() if len({labels[i] for i in members}) > 1]
    total = sum(len(members) * _entropy([labels[i] for i in members]) for members in conflicting)
    return Unfittable(groups=conflicting, loss=total / max(len(x), 1))


def switch_off_dropout(model: nn.Module) -> list[str]:
    """Set every dropout layer's rate to 0 (dropout written into `forward` by hand cannot be reached);
    returns the layers switched off."""
    names = []
    for name, module in model.named_modules():
        if isinstance(module, _DROPOUT) and module.p > 0:
            module.p = 0.0
            names.append(name)
    return names


def overfit_verdict(
    losses: list[float], *, per_epoch: int, config: TrainConfig, conflicts: Unfittable, ids: tuple[str, ...]
) -> RunVerdict:
    """Memorised (and at which step), still falling when the budget ended, or stalled."""
    passes = [float(np.mean(losses[lo : lo + per_epoch])) for lo in range(0, len(losses), per_epoch)]
    target = config.loss_floor + conflicts.loss
    final = passes[-1]
    note = _conflict_note(conflicts, ids, len(ids))
    reached = next((k for k, loss in enumerate(passes) if loss < target), None)
    if reached is not None:
        step = min((reached + 1) * per_epoch, len(losses))
        return RunVerdict(
            verdict="pass",
            summary=f"Loss {_loss(final)} at step {step}: the model can overfit; now grow the data and regularize."
            + note,
            lr=config.lr,
            step=step,
            loss=final,
        )
    remaining = _steps_to_reach(passes, target) * per_epoch
    if remaining <= FALLING_HORIZON * len(losses):
        return RunVerdict(
            verdict="warn",
            summary=(
                f"Still falling at {_loss(final)} when the budget of {len(losses)} steps ended (floor "
                f"{_loss(target)}); at its recent pace it needs about {remaining:.0f} more steps: raise the "
                f"budget or the learning rate ({config.lr:.1e})."
            )
            + note,
            lr=config.lr,
            loss=final,
        )
    return RunVerdict(
        verdict="fail",
        summary=(
            f"Stalled at {_loss(final)} after {len(losses)} steps (floor {_loss(target)}): too small a model, "
            f"a bug, or the learning rate ({config.lr:.1e})."
        )
        + note,
        lr=config.lr,
        loss=final,
    )


def diverged_verdict(message: str, config: TrainConfig) -> RunVerdict:
    """An overfit run whose loss became NaN or infinite: that is its finding, not a crash."""
    return RunVerdict(verdict="fail", summary=f"Diverged. {message}", lr=config.lr)


def baseline_references(data: TensorData, config: TrainConfig, *, linear: bool = True) -> list[Reference]:
    """The majority class (instant) and, with `linear`, logistic regression on the real inputs trained with
    the run's settings."""
    references = [_reference("majority class", majority_class(data))]
    if linear:
        evaluation = trained_evaluation(data, resolve_model("logistic"), config, zero_inputs=False)
        references.append(_reference("linear model (logistic regression)", evaluation))
    return references


def baseline_verdict(val: Evaluation, references: list[Reference], *, n_classes: int, lr: float) -> RunVerdict:
    """Did the zero-input run learn the label frequencies (and nothing more, which it cannot)?

    With every input zero the model's output is one constant, so its validation loss can only approach
    the class priors' cross-entropy (the majority-class line): log(n_classes) when classes are balanced.
    """
    majority = references[0]
    bar = max(references, key=lambda r: r.val_accuracy)
    numbers = (
        f"Zero-input validation loss {val.loss:.3f} (accuracy {val.accuracy:.1%}); the class priors give "
        f"{majority.val_loss:.3f}, log({n_classes}) = {math.log(n_classes):.3f}."
    )
    beat = f" Any run must beat the {bar.name}: {bar.val_accuracy:.1%}, loss {bar.val_loss:.3f}."
    if val.loss <= majority.val_loss + BASELINE_TOLERANCE:
        return RunVerdict(
            verdict="pass",
            summary=numbers + " From labels alone the model learns their frequencies, as it should." + beat,
            lr=lr,
            loss=val.loss,
        )
    return RunVerdict(
        verdict="warn",
        summary=numbers
        + (
            " It has not reached the priors' loss: train longer, or check the learning rate and that the last "
            "layer has a bias."
        )
        + beat,
        lr=lr,
        loss=val.loss,
    )


def _steps_to_reach(passes: list[float], target: float) -> float:
    """Passes the loss needs to reach `target` at the pace of its last quarter (a least-squares line)."""
    recent = passes[-max(2, len(passes) // 4) :]
    if len(recent) < 2:
        return math.inf
    slope = float(np.polyfit(np.arange(len(recent)), recent, 1)[0])
    return (passes[-1] - target) / -slope if slope < 0 else math.inf


def _reference(name: str, evaluation: Evaluation) -> Reference:
    return Reference(name=name, val_loss=evaluation.loss, val_accuracy=evaluation.accuracy)


def _conflict_note(conflicts: Unfittable, ids: tuple[str, ...], n: int) -> str:
    if not conflicts.groups:
        return ""
    members = [i for group in conflicts.groups for i in group]
    shown = ", ".join(ids[i] for i in members[:6]) + (" …" if len(members) > 6 else "")
    return (
        f" {len(members)} of {n} samples are identical inputs with different labels ({shown}): no model can fit "
        f"them, so their least loss ({conflicts.loss:.3f}) is allowed on top of the floor; see Duplicates."
    )


def _entropy(labels: list[int]) -> float:
    counts = np.array(list(Counter(labels).values()), dtype=float)
    shares = counts / counts.sum()
    return float(-(shares * np.log(shares)).sum())


def _loss(value: float) -> str:
    """Two significant digits: 0.0098 stays below 0.01 when printed, 1.2 reads as 1.2."""
    return f"{value:.2g}"
