"""The training workbench: the recipe's steps 2 and 3 (skeleton, dumb baselines, model checks, overfit).

    from recipe_dash.io import load_dataset
    from recipe_dash.training import prepare_data, resolve_model, run_model_checks

    data = prepare_data(load_dataset("sample_data/digits"))
    for result in run_model_checks(resolve_model("examples/models/small_cnn.py:build"), data):
        print(result.name, result.verdict, result.evidence)

Names are imported on first use, so `recipe-dash --help` and the job list never import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TrainConfig": "config",
    "TensorData": "data",
    "prepare_data": "data",
    "ModelError": "models",
    "resolve_model": "models",
    "build_model": "models",
    "list_model_specs": "models",
    "fit": "loop",
    "CheckConfig": "probe",
    "CheckResult": "model_checks",
    "MODEL_CHECKS": "checks",
    "run_model_checks": "checks",
    "run_baselines": "baselines",
    "find_lr": "lr_finder",
    "add_signals": "signals",
    "classification_metrics": "metrics",
    "input_statistics": "input_stats",
    "loss_vs_findings": "sample_losses",
    "highest_loss_samples": "sample_losses",
    "start_run": "runs",
    "list_runs": "runs",
    "metrics_frame": "runs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'recipe_dash.training' has no attribute '{name}'")
    return getattr(importlib.import_module(f"recipe_dash.training.{_EXPORTS[name]}"), name)
