"""The recipe's model checks: silent bugs a training curve hides, each a verdict with its evidence.

`run_model_checks(source, data)` runs them all in order (the registry below, one line per check); the
checks live in forward_checks.py (one pass of a fresh model) and training_checks.py (short trainings).
"""

from __future__ import annotations

from collections.abc import Callable

from recipe_dash.training.data import TensorData
from recipe_dash.training.forward_checks import batch_independence, gradient_flow, init_well, loss_at_init, nan_inf
from recipe_dash.training.models import ModelSource, pick_device
from recipe_dash.training.probe import CheckConfig, CheckResult, Probe
from recipe_dash.training.training_checks import decreasing_loss, input_independent, overfit_one_batch, reproducible

__all__ = ["MODEL_CHECKS", "CheckResult", "run_model_checks"]

MODEL_CHECKS: dict[str, Callable[[Probe], CheckResult]] = {
    "loss_at_init": loss_at_init,
    "init_well": init_well,
    "input_independent": input_independent,
    "overfit_one_batch": overfit_one_batch,
    "decreasing_loss": decreasing_loss,
    "gradient_flow": gradient_flow,
    "batch_independence": batch_independence,
    "nan_inf": nan_inf,
    "reproducible": reproducible,
}


def run_model_checks(
    source: ModelSource,
    data: TensorData,
    *,
    config: CheckConfig | None = None,
    on_check: Callable[[int, int, str], None] | None = None,
) -> list[CheckResult]:
    """Every check in order; a model that does not build raises ModelError, a crashing check fails alone."""
    probe = Probe(source, data, config or CheckConfig(), device=pick_device())
    probe.fresh_model()  # ModelError here is the user's to fix before any check means anything
    results = []
    for i, (name, check) in enumerate(MODEL_CHECKS.items()):
        if on_check is not None:
            on_check(i, len(MODEL_CHECKS), name)
        try:
            results.append(check(probe))
        except Exception as err:  # the user's model failing inside a check is that check's evidence
            results.append(CheckResult(name, "fail", f"The check crashed: {type(err).__name__}: {err}"))
    return results
