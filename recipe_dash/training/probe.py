"""A model and its data under test, the short trainings several checks share (each done once, lazily),
and what every check returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import torch
from torch import nn

from recipe_dash.evidence import Verdict
from recipe_dash.training.config import OPTIMIZERS
from recipe_dash.training.data import TensorData, classes_in_rotation
from recipe_dash.training.loop import FitResult, TrainingDiverged, fit
from recipe_dash.training.models import ModelSource, build_model
from recipe_dash.validation import check_choice, check_number, check_order, check_seed


@dataclass(frozen=True)
class CheckConfig:
    """Budgets of the checks: small, so all of them finish in seconds on a CPU."""

    # Mini-batch of the short trainings, and the batch the gradient checks look at.
    batch_size: int = 32
    # Samples the loss at init is measured on: enough that the batch's class mix matches the priors.
    measure_size: int = 512
    # Short budgets need a brisker step than the 3e-4 default to show progress within them.
    lr: float = 1e-3
    optimizer: str = "adam"
    # Length of the short training behind decreasing_loss, input_independent and nan_inf.
    steps: int = 150
    # "Overfit one batch": this many samples (classes in rotation) ...
    overfit_size: int = 16
    # ... trained this many steps (it stops as soon as the loss is near zero) ...
    overfit_steps: int = 400
    # ... and on, while the loss still falls steadily, up to this many (a linear model's margin grows slowly).
    overfit_max_steps: int = 2000
    # Steps trained twice with the same seed to test reproducibility.
    repeat_steps: int = 20
    # Samples whose mutual gradients batch_independence charts (n backward passes).
    dependency_size: int = 8
    seed: int = 0

    def __post_init__(self) -> None:
        check_number("batch_size", self.batch_size, low=1, integer=True)
        check_number("measure_size", self.measure_size, low=1, integer=True)
        check_order("batch_size", self.batch_size, "measure_size", self.measure_size)  # batch is its first rows
        check_number("lr", self.lr, low=0, low_open=True)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_number("steps", self.steps, low=1, integer=True)
        check_number("overfit_size", self.overfit_size, low=1, integer=True)
        check_number("overfit_steps", self.overfit_steps, low=1, integer=True)
        check_number("overfit_max_steps", self.overfit_max_steps, low=1, integer=True)
        check_order("overfit_steps", self.overfit_steps, "overfit_max_steps", self.overfit_max_steps)
        check_number("repeat_steps", self.repeat_steps, low=1, integer=True)
        check_number("dependency_size", self.dependency_size, low=2, integer=True, why="pairs of samples")
        check_order("dependency_size", self.dependency_size, "batch_size", self.batch_size)  # taken from the batch
        check_seed(self.seed)


@dataclass(frozen=True)
class ShortRun:
    """A short training, or how it diverged."""

    result: FitResult | None
    diverged: str | None  # the TrainingDiverged message, when the loss became NaN/inf


class Probe:
    """The user's model spec with its data; `fresh_model()` gives identical weights every time."""

    def __init__(self, source: ModelSource, data: TensorData, config: CheckConfig, *, device: torch.device) -> None:
        self.source = source
        self.data = data
        self.config = config
        self.device = device

    def fresh_model(self) -> nn.Module:
        return build_model(
            self.source,
            self.data.input_shape,
            self.data.n_classes,
            seed=self.config.seed,
            example=self.data.x_train,
            device=self.device,
        )

    @cached_property
    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """A seeded random training batch of `batch_size` (classes mixed), on the device."""
        x, y = self.measure_batch
        return x[: self.config.batch_size], y[: self.config.batch_size]

    @cached_property
    def measure_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Up to `measure_size` seeded random training samples, for losses measured without training;
        its first `batch_size` samples are `batch`."""
        index = sample_order(len(self.data.x_train), self.config.seed)[: self.config.measure_size]
        return self.data.x_train[index].to(self.device), self.data.y_train[index].to(self.device)

    @cached_property
    def small_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """`overfit_size` training samples taking classes in rotation, so the batch has every class it can."""
        y = self.data.y_train
        index = torch.tensor(classes_in_rotation(y, self.config.overfit_size, n_classes=self.data.n_classes))
        return self.data.x_train[index].to(self.device), y[index].to(self.device)

    @cached_property
    def short_run(self) -> ShortRun:
        return self.train(self.config.steps)

    @cached_property
    def zero_run(self) -> ShortRun:
        """The same model and budget with every input set to zero: what it learns from labels alone."""
        return self.train(self.config.steps, zero_inputs=True)

    def train(self, steps: int, *, zero_inputs: bool = False, validate: bool = True) -> ShortRun:
        """A fresh model trained for `steps` with the checks' budgets; a divergence is returned, not raised,
        because for a check it is evidence."""
        c = self.config
        try:
            result = fit(
                self.fresh_model(),
                self.data.x_train,
                self.data.y_train,
                steps=steps,
                batch_size=c.batch_size,
                lr=c.lr,
                optimizer=c.optimizer,
                seed=c.seed,
                zero_inputs=zero_inputs,
                val=(self.data.x_val, self.data.y_val) if validate else None,
            )
        except TrainingDiverged as err:
            return ShortRun(None, str(err))
        return ShortRun(result, None)


@dataclass(frozen=True)
class CheckResult:
    name: str
    verdict: Verdict
    evidence: str  # what was measured, and what to do when it is not a pass
    details: dict[str, Any] = field(default_factory=dict)  # JSON-able numbers for a plot


def sample_order(n: int, seed: int) -> torch.Tensor:
    """The seeded order in which the checks draw training samples (so a page can show the same batch)."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


def prior_entropy(data: TensorData) -> float:
    """Entropy of the training class priors: the loss of a model that predicts just the priors."""
    priors = data.class_priors()
    return float(-(priors * priors.log()).sum())


def tolerance(target: float) -> float:
    """How far a measured loss may sit from the loss expected at init before it is called off."""
    return 0.25 * target + 0.1
