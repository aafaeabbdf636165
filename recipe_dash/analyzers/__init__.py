"""The data checks, registered in one place: registry key = module name = page file name.

A check is `analyze(dataset, features, **options) -> Result`, options keyword-only with defaults
and validated before any work; `features` is `recipe_dash.features.compute_features(dataset)`.
Adding a check is one module here, one line in ANALYZERS and its page `app_pages/<key>.py`.

Around the checks, in this package:
- `run`: `run_checks(dataset, checks=..., executor=...)` -> {key: Result}; `findings_table(results)`.
- `results`: each check's latest complete result in the store (`save_results`, `latest_results`).
- `jobs`: the checks as a background job (`start_analysis`, `latest_analysis`).
- `health`: one row per check for the Overview page; `findings`: the findings table and its filters.
- `_search/` (hash index, row join, links, clusters) and `_models/` (the scikit-learn models of the
  data: model input, out-of-fold probabilities, single-feature power) are the checks' machinery.

Runner names are imported on first use, so importing the registry stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from recipe_dash.analyzers import (
    biases,
    corruption,
    distributions,
    duplicates,
    imbalance,
    label_noise,
    local_global,
    outliers,
)
from recipe_dash.analyzers.base import Result

ANALYZERS: dict[str, Callable[..., Result]] = {
    "duplicates": duplicates.analyze,
    "corruption": corruption.analyze,
    "imbalance": imbalance.analyze,
    "label_noise": label_noise.analyze,
    "outliers": outliers.analyze,
    "biases": biases.analyze,
    "distributions": distributions.analyze,
    "local_global": local_global.analyze,
}

_EXPORTS = {
    "findings_table": "run",
    "resolve_checks": "run",
    "run_checks": "run",
    "StoredResult": "results",
    "latest_results": "results",
    "save_results": "results",
    "JOB_KIND": "jobs",
    "latest_analysis": "jobs",
    "run_analysis_job": "jobs",
    "start_analysis": "jobs",
    "health_table": "health",
    "filter_findings": "findings",
    "with_samples": "findings",
}
__all__ = ["ANALYZERS", "Result", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'recipe_dash.analyzers' has no attribute '{name}'")
    return getattr(importlib.import_module(f"recipe_dash.analyzers.{_EXPORTS[name]}"), name)
