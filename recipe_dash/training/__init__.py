"""The training workbench: the recipe's steps 2 and 3 (skeleton, dumb baselines, model checks, overfit).

    from recipe_dash.io import load_dataset
    from recipe_dash.training import prepare_data, resolve_model, run_model_checks

    data = prepare_data(load_dataset("sample_data/digits"))
    for result in run_model_checks(resolve_model("examples/models/small_cnn.py:build"), data):
        print(result.name, result.verdict, result.evidence)

Runs train in a worker process and are recorded in the store; `kind=` picks a baseline or an overfit run:

    from recipe_dash import workspace
    from recipe_dash.store import open_store
    from recipe_dash.training import TrainConfig, run_report, start_run

    store = open_store()
    dataset_id, _ = workspace.open_dataset(store, "sample_data/digits")
    job_id = start_run(store, dataset_id, TrainConfig(model="cnn", kind="overfit", overfit_samples=64))
    # once the job is done: run_report(store, run_id)["verdict"]["summary"]

Names are imported on first use, so `recipe-dash --help` and the job list never import torch.
"""

from __future__ import annotations

from recipe_dash._lazy import lazy_exports

_EXPORTS = {
    "TrainConfig": "config",
    "RUN_KINDS": "config",
    "TensorData": "data",
    "prepare_data": "data",
    "ModelError": "models",
    "resolve_model": "models",
    "build_model": "models",
    "list_model_specs": "models",
    "fit": "loop",
    "CheckConfig": "probe",
    "CheckResult": "model_checks",
    "MODEL_CHECKS": "model_checks",
    "run_model_checks": "model_checks",
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
    "run_report": "runs",
    "overlay": "runs",
    "RunVerdict": "run_kinds",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
