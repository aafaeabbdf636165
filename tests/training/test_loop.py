"""The loop: same seed same curve, divergence stops it, recorders see every step and epoch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recipe_dash.training import loop
from recipe_dash.training.data import TensorData
from recipe_dash.training.loop import EpochEnd, Evaluation, StepStats, TrainingDiverged, evaluate, fit, n_batches
from recipe_dash.training.models import build_model, resolve_model


def model_for(data: TensorData, spec: str = "mlp", seed: int = 0) -> torch.nn.Module:
    return build_model(
        resolve_model(spec, kind=data.kind), data.input_shape, data.n_classes, seed=seed, example=data.x_train
    )


class Collect:
    def __init__(self) -> None:
        self.first: list[int] = []
        self.steps: list[StepStats] = []
        self.epochs: list[EpochEnd] = []

    def on_first_batch(self, xb: torch.Tensor, index: torch.Tensor) -> None:
        self.first = index.tolist()

    def on_step(self, stats: StepStats) -> None:
        self.steps.append(stats)

    def on_epoch(self, end: EpochEnd) -> None:
        self.epochs.append(end)


def test_same_seed_same_curve_and_another_seed_another(shapes: TensorData) -> None:
    def curve(seed: int) -> list[float]:
        return fit(
            model_for(shapes, seed=seed), shapes.x_train, shapes.y_train, epochs=2, batch_size=16, seed=seed
        ).losses

    assert curve(0) == curve(0)
    assert curve(0) != curve(1)


def test_training_lowers_the_loss_and_validation_is_measured(shapes: TensorData) -> None:
    model = model_for(shapes, "cnn")
    before = evaluate(model, shapes.x_val, shapes.y_val)
    result = fit(
        model, shapes.x_train, shapes.y_train, epochs=8, batch_size=16, lr=3e-3, val=(shapes.x_val, shapes.y_val)
    )
    assert result.val is not None and result.val.loss < 0.5 * before.loss and result.val.accuracy > 0.9


def test_recorder_sees_each_step_and_epoch_with_per_sample_losses(shapes: TensorData) -> None:
    collect = Collect()
    fit(
        model_for(shapes),
        shapes.x_train,
        shapes.y_train,
        epochs=2,
        batch_size=50,
        val=(shapes.x_val, shapes.y_val),
        recorder=collect,
    )
    per_epoch = n_batches(120, 50)
    assert per_epoch == 3 and [s.step for s in collect.steps] == list(range(1, 2 * per_epoch + 1))
    assert collect.steps[-1].epoch == 2.0 and all(s.grad_norm > 0 and s.lr == 3e-4 for s in collect.steps)
    assert len(collect.first) == 50
    assert [e.epoch for e in collect.epochs] == [1, 2]
    last = collect.epochs[-1]
    assert last.train is not None and len(last.train.losses) == 120 and not np.isnan(last.train.losses).any()
    assert last.val is not None and len(last.val.losses) == 30


class Rescore(Collect):
    """Scores the training inputs itself at each epoch's end, with the model as it stands then."""

    def __init__(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
        super().__init__()
        self.model, self.x, self.y = model, x, y
        self.expected: list[Evaluation] = []

    def on_epoch(self, end: EpochEnd) -> None:
        super().on_epoch(end)
        self.expected.append(evaluate(self.model, self.x, self.y))


@pytest.mark.parametrize(
    ("spec", "augment", "zero_inputs"),
    [
        ("tests.training.zoo:cnn_batchnorm", True, False),  # BatchNorm and shifts: train mode differs from eval
        ("tests.training.zoo:mlp_dropout", False, False),
        ("mlp", False, True),
    ],
)
def test_each_epoch_scores_every_training_sample_with_its_final_model(
    shapes: TensorData, spec: str, augment: bool, zero_inputs: bool
) -> None:
    """Per-sample losses are one eval-mode pass of the end-of-epoch model over un-augmented inputs
    (zeroed for a zero-input run), not each sample's training forward pass during the epoch."""
    model = model_for(shapes, spec)
    x = torch.zeros_like(shapes.x_train) if zero_inputs else shapes.x_train
    rescore = Rescore(model, x, shapes.y_train)
    fit(
        model,
        shapes.x_train,
        shapes.y_train,
        epochs=2,
        batch_size=16,
        lr=3e-3,
        augment=augment,
        zero_inputs=zero_inputs,
        recorder=rescore,
    )
    assert len(rescore.epochs) == 2
    for end, expected in zip(rescore.epochs, rescore.expected, strict=True):
        assert end.train is not None
        np.testing.assert_allclose(end.train.losses, expected.losses, rtol=0, atol=1e-5)
        np.testing.assert_array_equal(end.train.predicted, expected.predicted)
        assert end.train.loss == pytest.approx(expected.loss, abs=1e-5)


def test_the_end_of_epoch_pass_runs_only_with_a_recorder_and_when_asked(
    shapes: TensorData, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[int] = []

    def counted(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> Evaluation:
        passes.append(len(x))
        return evaluate(model, x, y)

    monkeypatch.setattr(loop, "evaluate", counted)
    val = (shapes.x_val, shapes.y_val)

    def run(recorder: Collect | None = None, sample_losses: bool = True) -> list[int]:
        passes.clear()
        model = model_for(shapes)
        fit(model, shapes.x_train, shapes.y_train, epochs=2, val=val, recorder=recorder, sample_losses=sample_losses)
        return list(passes)

    assert run() == [30]  # no recorder: validation once, at the end
    assert run(recorder=Collect()) == [120, 30, 120, 30]  # per epoch: the training split, then validation
    collect = Collect()
    assert run(recorder=collect, sample_losses=False) == [30, 30]
    assert [e.train for e in collect.epochs] == [None, None] and all(e.val is not None for e in collect.epochs)


def test_a_last_batch_of_one_joins_the_previous_so_batchnorm_trains(shapes: TensorData) -> None:
    assert n_batches(121, 40) == 3 and n_batches(122, 40) == 4
    x, y = shapes.x_train[:41], shapes.y_train[:41]
    fit(model_for(shapes, "tests.training.zoo:cnn_batchnorm"), x, y, epochs=1, batch_size=20)  # 20 + 21


def test_nan_loss_stops_training_with_a_message(shapes: TensorData) -> None:
    with pytest.raises(TrainingDiverged, match=r"became nan at step 1 .*Lower the learning rate"):
        fit(model_for(shapes, "tests.training.zoo:log_of_input"), shapes.x_train, shapes.y_train, epochs=1)


def test_zeroed_inputs_learn_only_the_priors(shapes: TensorData) -> None:
    result = fit(
        model_for(shapes),
        shapes.x_train,
        shapes.y_train,
        epochs=5,
        batch_size=16,
        lr=3e-3,
        zero_inputs=True,
        val=(shapes.x_val, shapes.y_val),
    )
    assert result.val is not None and result.val.accuracy <= 0.4  # three balanced classes: chance


def test_stop_below_ends_at_the_first_pass_under_the_floor_and_eval_every_thins_the_passes(
    shapes: TensorData,
) -> None:
    """An overfit run: one batch per epoch, evaluated every 10 epochs and at the end, stopped at its floor."""
    x, y = shapes.x_train[:12], shapes.y_train[:12]
    collect = Collect()
    result = fit(
        model_for(shapes),
        x,
        y,
        steps=2000,
        batch_size=12,
        lr=3e-3,
        stop_below=0.05,
        eval_every=10,
        val=(shapes.x_val, shapes.y_val),
        recorder=collect,
    )
    steps = len(result.losses)
    assert steps < 2000 and result.losses[-1] < 0.05 and all(loss >= 0.05 for loss in result.losses[:-1])
    ends = [e.step for e in collect.epochs]
    assert ends == [*range(10, steps, 10), steps] or ends == list(range(10, steps + 1, 10))
    assert [e.last for e in collect.epochs] == [False] * (len(ends) - 1) + [True]


def test_weight_decay_zero_switches_off_adamw_default_decay(shapes: TensorData) -> None:
    parameters = list(model_for(shapes).parameters())
    assert loop.make_optimizer("adamw", parameters, 1e-3).param_groups[0]["weight_decay"] == 0.01
    assert loop.make_optimizer("adamw", parameters, 1e-3, weight_decay=0.0).param_groups[0]["weight_decay"] == 0.0
