"""Hyperparameter search (the recipe's step 5) on Optuna: studies whose trials are training runs like any other.

    from recipe_dash.tuning import Launch, parse_space, start_study

    space = parse_space({"lr": {"low": 1e-4, "high": 1e-2, "log": True}, "batch_size": [32, 64, 128]})
    study, job_ids = start_study(store, dataset_id, dataset, "digits-lr", TrainConfig(epochs=5), space,
                                 Launch(sampler="tpe", n_trials=20, n_workers=2))

Modules: space (declared search spaces, the default one), storage (journal file or PostgreSQL, dead
workers), study (spec, samplers, pruners, results), objective (a trial as a run), workers (the processes).
Names are imported on first use, so the CLI's help and the job list import neither optuna nor torch.
"""

from __future__ import annotations

from recipe_dash._lazy import lazy_exports

_EXPORTS = {
    "SearchSpace": "space",
    "parse_space": "space",
    "load_space": "space",
    "default_space": "space",
    "study_storage": "storage",
    "fail_orphaned_trials": "storage",
    "Launch": "study",
    "StudySpec": "study",
    "open_study": "study",
    "trials_frame": "study",
    "state_counts": "study",
    "best_trial": "study",
    "best_config": "study",
    "start_study": "workers",
    "stop_study": "workers",
    "study_jobs": "workers",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
