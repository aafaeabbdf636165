"""Checks that train briefly: the model must use its input, overfit one batch, lower its loss and repeat
itself with the same seed. Each takes a Probe and returns a CheckResult with its evidence."""

from __future__ import annotations

import math

from recipe_dash.training.loop import evaluate, make_optimizer, train_step
from recipe_dash.training.probe import CheckResult, Probe

NEAR_ZERO_LOSS = 0.05  # "overfit one batch" succeeds when the batch's loss falls below this
# Still falling: the batch's loss at most this share of its value 100 steps earlier. Memorizing models fall
# by a third or more per 100 steps (linear ones too); a softmax before the loss or an ignored input: < 3%.
FALLING = 0.9
_EVERY = 25  # steps between evaluations of the batch


def input_independent(probe: Probe) -> CheckResult:
    """The model must do better with its inputs than the same model trained on zeroed inputs.

    "Better" is a higher validation accuracy (by more than two standard errors) or a validation loss
    at least 10% lower: on noisy labels a model that uses its input can still end with a high loss.
    """
    real, zero = probe.short_run, probe.zero_run
    if real.result is None or zero.result is None or real.result.val is None or zero.result.val is None:
        return CheckResult("input_independent", "fail", "Could not compare: training diverged (see nan_inf).")
    r, z = real.result.val, zero.result.val
    details = {"real": {"loss": r.loss, "accuracy": r.accuracy}, "zeroed": {"loss": z.loss, "accuracy": z.accuracy}}
    evidence = (
        f"After {probe.config.steps} steps, validation loss {r.loss:.3f} (accuracy {r.accuracy:.1%}) "
        f"with real inputs vs {z.loss:.3f} ({z.accuracy:.1%}) with zeroed inputs."
    )
    standard_error = math.sqrt(max(z.accuracy * (1 - z.accuracy), 0.25 / len(probe.data.y_val)) / len(probe.data.y_val))
    if r.accuracy > z.accuracy + 2 * standard_error or r.loss < 0.9 * z.loss:
        return CheckResult("input_independent", "pass", evidence, details)
    if r.accuracy > z.accuracy or r.loss < z.loss:
        return CheckResult("input_independent", "warn", evidence + " Barely better than no input at all.", details)
    return CheckResult(
        "input_independent",
        "fail",
        evidence
        + (
            " The model does no better than without its input: it ignores the input, or the inputs carry "
            "no signal (check the data pipeline and the forward pass)."
        ),
        details,
    )


def overfit_one_batch(probe: Probe) -> CheckResult:
    """A model that cannot drive one small batch's loss to ~0 has a bug (or a loss it cannot reach).

    The loss of a model that memorizes falls geometrically; a small or linear model gets there later
    (its margin must grow), a bug never (a softmax before the loss, an ignored input: the loss levels
    off). So training runs `overfit_steps`, then on while the loss still falls by FALLING per 100 steps,
    up to `overfit_max_steps`; only a loss that levelled off above zero fails.
    """
    c = probe.config
    x, y = probe.small_batch
    model = probe.fresh_model().train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(c.optimizer, params, c.lr) if params else None
    curve: list[float] = []
    evaluation = evaluate(model, x.cpu(), y.cpu())
    measured: dict[int, float] = {0: evaluation.loss}
    falling = True
    for step in range(1, c.overfit_max_steps + 1):
        loss_vec, _ = train_step(model, optimizer, x, y)
        curve.append(float(loss_vec.detach().mean()))
        if step % _EVERY and step != c.overfit_max_steps:
            continue
        evaluation = evaluate(model, x.cpu(), y.cpu())
        measured[step] = evaluation.loss
        falling = _still_falling(measured, step)
        if evaluation.loss < NEAR_ZERO_LOSS or not math.isfinite(evaluation.loss):
            break
        if step >= c.overfit_steps and not falling:
            break
    first = curve[0] if curve else float("nan")
    details = {"losses": curve, "final_loss": evaluation.loss, "final_accuracy": evaluation.accuracy}
    evidence = (
        f"{len(x)} samples, {len(curve)} steps: loss {first:.3f} -> {evaluation.loss:.4f}, "
        f"accuracy {evaluation.accuracy:.0%} on the batch (eval mode)."
    )
    if evaluation.loss < NEAR_ZERO_LOSS:
        return CheckResult("overfit_one_batch", "pass", evidence, details)
    if falling and math.isfinite(evaluation.loss):
        return CheckResult(
            "overfit_one_batch",
            "warn",
            evidence + " Still falling steadily (a small or linear model needs more steps): train longer.",
            details,
        )
    if evaluation.loss < max(0.25, 0.1 * first):
        return CheckResult(
            "overfit_one_batch", "warn", evidence + " Close to zero but not there; train longer.", details
        )
    return CheckResult(
        "overfit_one_batch",
        "fail",
        evidence
        + (
            " The loss levelled off: it cannot memorize a handful of samples. Look for a softmax before the loss, "
            "frozen or too small layers, labels shuffled against inputs, or a learning rate far off."
        ),
        details,
    )


def _still_falling(measured: dict[int, float], step: int) -> bool:
    """Whether the loss fell by at least 1 - FALLING over the last 100 steps (or since the start)."""
    earlier = measured.get(step - 100, measured[0])
    return measured[step] <= FALLING * earlier


def decreasing_loss(probe: Probe) -> CheckResult:
    """The training loss must go down over a short training."""
    run = probe.short_run
    if run.result is None:
        return CheckResult("decreasing_loss", "fail", f"Training diverged: {run.diverged}")
    losses = run.result.losses
    k = max(1, len(losses) // 10)
    first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
    details = {"losses": losses}
    evidence = f"Mean loss of the first {k} steps {first:.3f}, of the last {k} {last:.3f} ({len(losses)} steps)."
    if last < 0.8 * first:
        return CheckResult("decreasing_loss", "pass", evidence, details)
    if last < first:
        return CheckResult(
            "decreasing_loss", "warn", evidence + " It falls slowly: try a larger learning rate.", details
        )
    return CheckResult(
        "decreasing_loss",
        "fail",
        evidence
        + (
            " The loss does not fall: check the learning rate, that the optimizer gets the model's parameters, "
            "and that gradients reach them (gradient_flow)."
        ),
        details,
    )


def reproducible(probe: Probe) -> CheckResult:
    """Same seed, same losses: otherwise no two runs can be compared."""
    c = probe.config
    runs = [probe.train(c.repeat_steps, validate=False) for _ in range(2)]
    first, second = (run.result.losses if run.result is not None else str(run.diverged) for run in runs)
    if isinstance(first, str) or isinstance(second, str):
        same = first == second
        return CheckResult(
            "reproducible",
            "pass" if same else "fail",
            "Both runs diverged identically." if same else "Same seed, different outcomes: one run diverged.",
        )
    diffs = [abs(a - b) for a, b in zip(first, second, strict=True)]
    worst = max(diffs)
    details = {"first": first, "second": second}
    if worst <= 1e-6 * max(1.0, max(abs(v) for v in first)):
        return CheckResult(
            "reproducible", "pass", f"Two runs of {len(first)} steps with seed {c.seed} give identical losses.", details
        )
    step = diffs.index(worst) + 1
    return CheckResult(
        "reproducible",
        "fail",
        (
            f"Two runs with seed {c.seed} differ (by {worst:.2e} at step {step}): look for randomness the seed does "
            "not control (a numpy/random generator created in the model, time-based seeds) or nondeterministic "
            "GPU kernels."
        ),
        details,
    )
