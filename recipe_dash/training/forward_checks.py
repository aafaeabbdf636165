"""Checks on one forward/backward pass of a fresh model: loss at init, init well, gradient flow,
batch independence, NaN/inf. Each takes a Probe and returns a CheckResult with its evidence."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from recipe_dash.evidence import Verdict
from recipe_dash.training.initialization import (
    batch_loss,
    describe_layer,
    final_bias_layer,
    head_scale,
    init_bias_from_priors,
    initial_logits,
)
from recipe_dash.training.probe import CheckResult, Probe, prior_entropy, tolerance

# The last layer's weights this many times the spread of PyTorch's default init (kaiming and xavier stay
# within ~2.5x): with a loss at init off target, that is the planted "last layer 100x too large".
OVERSIZED_HEAD = 10.0


def loss_at_init(probe: Probe) -> CheckResult:
    """A fresh model should be unsure: its loss near -log(1/C), or the class priors' entropy.

    Judged on the training inputs in training mode (the loss the first step sees; see `initial_logits`),
    with the eval-mode loss and the last layer's scale against PyTorch's default init as evidence.
    """
    x, y = probe.measure_batch
    model = probe.fresh_model().eval()
    with torch.no_grad():
        eval_loss = batch_loss(model(x), y)  # before the training-mode pass updates BatchNorm's statistics
    logits = initial_logits(model, x, batch_size=probe.config.batch_size, seed=probe.config.seed)
    loss = batch_loss(logits, y)
    uniform, prior = math.log(probe.data.n_classes), prior_entropy(probe.data)
    details: dict[str, Any] = {"uniform": uniform, "prior_entropy": prior, "loss": loss, "eval_loss": eval_loss}
    if _are_probabilities(logits):
        return CheckResult(
            "loss_at_init",
            "fail",
            (
                "The model's outputs are probabilities (non-negative, each row sums to 1), but the loss expects "
                f"logits; remove the final softmax (loss at init {loss:.3f})."
            ),
            details,
        )
    target = uniform if abs(loss - uniform) <= abs(loss - prior) else prior
    evidence = (
        f"Loss at init {loss:.3f} in training mode ({eval_loss:.3f} in eval mode); expected "
        f"-log(1/{probe.data.n_classes}) = {uniform:.3f} or the class priors' entropy {prior:.3f}."
    )
    head = head_scale(model, x, probe.data.n_classes)
    oversized = head is not None and head[1] >= OVERSIZED_HEAD
    if head is not None:
        details |= {"head": head[0], "head_scale": head[1]}
    scale = (
        f" The logits come from {head[0]}, whose weights start {head[1]:.0f}x the spread of PyTorch's default init."
        if oversized and head is not None
        else ""
    )
    if abs(loss - target) <= tolerance(target):
        verdict: Verdict = "warn" if oversized else "pass"
        return CheckResult("loss_at_init", verdict, evidence + scale, details)
    if oversized or loss > max(2 * uniform, uniform + 1.0) or not math.isfinite(loss):
        return CheckResult(
            "loss_at_init",
            "fail",
            evidence
            + scale
            + (
                " The model is confidently wrong before training: initial weights (or the last layer) are far too "
                "large; use the default init or scale the last layer down."
            ),
            details,
        )
    return CheckResult("loss_at_init", "warn", evidence + " Somewhat off: check the init of the last layer.", details)


def init_well(probe: Probe) -> CheckResult:
    """Setting the last bias to the log class priors should bring the loss at init to the priors' entropy."""
    x, y = probe.measure_batch
    c = probe.config
    model = probe.fresh_model().eval()
    prior = prior_entropy(probe.data)
    layer = final_bias_layer(model, x, probe.data.n_classes)
    before = batch_loss(initial_logits(model, x, batch_size=c.batch_size, seed=c.seed), y)
    if layer is None:
        return CheckResult(
            "init_well",
            "warn",
            (
                f"No final layer with a bias of {probe.data.n_classes} outputs found, so the bias cannot be set "
                f"from the class priors (loss at init {before:.3f}, priors' entropy {prior:.3f})."
            ),
            {"before": before, "prior_entropy": prior},
        )
    init_bias_from_priors(layer, probe.data.class_priors())
    after = batch_loss(initial_logits(model, x, batch_size=c.batch_size, seed=c.seed), y)
    details = {"before": before, "after": after, "prior_entropy": prior, "layer": layer[0]}
    evidence = (
        f"Bias of {describe_layer(*layer)} set to the log class priors: loss at init {before:.3f} -> "
        f"{after:.3f}; the priors' entropy is {prior:.3f}."
    )
    if abs(after - prior) <= tolerance(prior):
        return CheckResult("init_well", "pass", evidence, details)
    verdict: Verdict = "fail" if after > max(2 * prior, prior + 1.0) else "warn"
    return CheckResult(
        "init_well",
        verdict,
        evidence
        + (
            " Even with the prior bias the loss stays far above the entropy: the weights dominate the output at "
            "init; scale them down."
        ),
        details,
    )


def gradient_flow(probe: Probe) -> CheckResult:
    """Every parameter must receive a non-zero gradient; frozen, dead or unused ones are named."""
    x, y = probe.batch
    model = probe.fresh_model().train()
    F.cross_entropy(model(x), y).backward()  # type: ignore[no-untyped-call]
    rows: list[dict[str, Any]] = []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            status, norm = "frozen", 0.0
        elif param.grad is None:
            status, norm = "unused", 0.0
        else:
            norm = float(param.grad.norm())
            status = "dead" if norm == 0.0 else "ok"
        rows.append({"parameter": name, "status": status, "grad_norm": norm})
    details = {"parameters": rows}
    bad = {s: [r["parameter"] for r in rows if r["status"] == s] for s in ("frozen", "dead", "unused")}
    if not rows:
        return CheckResult("gradient_flow", "fail", "The model has no parameters to train.", details)
    if bad["frozen"] or bad["dead"]:
        parts = [f"{s} ({', '.join(names)})" for s, names in bad.items() if names]
        return CheckResult(
            "gradient_flow",
            "fail",
            (
                f"{len(rows) - sum(map(len, bad.values()))} of {len(rows)} parameters get a gradient; not: "
                f"{'; '.join(parts)}. Frozen = requires_grad is False; dead = gradient exactly zero (input "
                "detached, multiplied by zero, or dead activations)."
            ),
            details,
        )
    if bad["unused"]:
        return CheckResult(
            "gradient_flow",
            "warn",
            (f"Parameters not used in the forward pass: {', '.join(bad['unused'])}. Remove them or wire them in."),
            details,
        )
    return CheckResult("gradient_flow", "pass", f"All {len(rows)} parameters receive a non-zero gradient.", details)


def batch_independence(probe: Probe) -> CheckResult:
    """The gradient of sample i's loss w.r.t. sample j's input must be zero (eval mode, so BatchNorm is fine)."""
    x, y = probe.batch
    n = min(probe.config.dependency_size, len(x))
    x, y = x[:n].clone().requires_grad_(True), y[:n]
    model = probe.fresh_model().eval()
    logits = model(x)
    dependency = torch.zeros(n, n)
    for i in range(n):
        if not logits.requires_grad:
            break
        (grad,) = torch.autograd.grad(
            F.cross_entropy(logits[i : i + 1], y[i : i + 1]), x, retain_graph=True, allow_unused=True
        )
        if grad is not None:
            dependency[i] = grad.reshape(n, -1).abs().sum(1).cpu()
    own, cross = dependency.diagonal(), dependency - torch.diag(dependency.diagonal())
    details = {"dependency": dependency.tolist()}
    if cross.max() > 0:
        pairs = [(int(i), int(j)) for i, j in torch.nonzero(cross)[:3]]
        return CheckResult(
            "batch_independence",
            "fail",
            (
                f"{int((cross > 0).sum())} of {n * (n - 1)} sample pairs depend on each other in eval mode, e.g. loss "
                f"of sample {pairs[0][0]} has a gradient w.r.t. the input of sample {pairs[0][1]}. The model mixes "
                "the batch: look for a view/reshape across the batch dimension or a reduction over dim 0."
            ),
            details,
        )
    if own.max() == 0:
        return CheckResult(
            "batch_independence",
            "warn",
            (
                "No sample's loss depends on any input, so the batch cannot be charted: the output ignores the "
                "input (see input_independent)."
            ),
            details,
        )
    return CheckResult(
        "batch_independence",
        "pass",
        (f"Backprop from each of {n} samples reaches only its own input (eval mode)."),
        details,
    )


def nan_inf(probe: Probe) -> CheckResult:
    """Inputs, outputs, loss and gradients must stay finite, at init and through the short training."""
    bad_inputs = int((~torch.isfinite(probe.data.x_train)).sum())
    if bad_inputs:
        return CheckResult(
            "nan_inf", "fail", f"The training inputs hold {bad_inputs} NaN/inf value(s): fix the data pipeline."
        )
    x, y = probe.batch
    model = probe.fresh_model().train()
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()  # type: ignore[no-untyped-call]
    bad_grads = [n for n, p in model.named_parameters() if p.grad is not None and not torch.isfinite(p.grad).all()]
    problems = [
        what
        for what, ok in (
            ("outputs", bool(torch.isfinite(logits).all())),
            ("loss", math.isfinite(float(loss.detach()))),
            ("gradients", not bad_grads),
        )
        if not ok
    ]
    if problems:
        return CheckResult(
            "nan_inf",
            "fail",
            f"Non-finite {', '.join(problems)} at init"
            + (f" (gradients of {', '.join(bad_grads[:5])})" if bad_grads else "")
            + ": look for log(0), division by zero or exp overflow in the forward pass.",
        )
    if probe.short_run.diverged:
        return CheckResult("nan_inf", "fail", probe.short_run.diverged)
    return CheckResult(
        "nan_inf",
        "pass",
        (f"Inputs, outputs, loss and gradients finite at init and over {probe.config.steps} training steps."),
    )


def _are_probabilities(logits: torch.Tensor) -> bool:
    rows = logits.sum(dim=1)
    return bool((logits >= 0).all() and (logits <= 1).all() and ((rows - 1).abs() < 1e-3).all())
