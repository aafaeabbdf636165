"""Run the data checks, as a call, a CLI command or a background job, and keep their results.

- `run_checks(dataset, checks=..., executor=...)` -> {check: Result}; `findings_table(results)`.
- `start_analysis(store, dataset_id)` -> job id; `latest_analysis(store, dataset_id)` finds the job
  again after a page reload (`recipe_dash.jobs.progress.describe` gives its bar and ETA).
- `latest_results(store, dataset_id)` -> {check: StoredResult}; replaced only when a run completes.

Names are imported on first use, so `recipe-dash --help` does not load every analyzer.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "JOB_KIND": "jobs",
    "latest_analysis": "jobs",
    "run_analysis_job": "jobs",
    "start_analysis": "jobs",
    "StoredResult": "results",
    "latest_results": "results",
    "save_results": "results",
    "health_table": "overview",
    "findings_table": "run",
    "resolve_checks": "run",
    "run_checks": "run",
}
__all__ = [
    "JOB_KIND",
    "StoredResult",
    "findings_table",
    "health_table",
    "latest_analysis",
    "latest_results",
    "resolve_checks",
    "run_analysis_job",
    "run_checks",
    "save_results",
    "start_analysis",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'recipe_dash.analysis' has no attribute '{name}'")
    return getattr(importlib.import_module(f"recipe_dash.analysis.{_EXPORTS[name]}"), name)
