"""Background work: a job row in the store, a worker process that runs it, pages that poll it.

A job kind is a function `f(context: JobContext) -> dict | None`, registered by name below
(one line per kind) so workers import only what they run. Jobs wait in a queue for one of the host's
RECIPE_DASH_MAX_WORKERS slots (pool.py); workers beat a heartbeat that says they are alive (liveness.py).
"""

from __future__ import annotations

from recipe_dash.jobs.context import JobContext, JobStopped
from recipe_dash.jobs.liveness import process_alive
from recipe_dash.jobs.pool import dispatch, queue_place
from recipe_dash.jobs.runner import (
    JOB_KINDS,
    active_job,
    create_job,
    end_inline,
    get_job,
    list_jobs,
    register_job_kind,
    request_stop,
    run_job,
    start_inline,
    submit,
)

__all__ = [
    "JOB_KINDS",
    "JobContext",
    "JobStopped",
    "active_job",
    "create_job",
    "dispatch",
    "end_inline",
    "get_job",
    "list_jobs",
    "process_alive",
    "queue_place",
    "register_job_kind",
    "request_stop",
    "run_job",
    "start_inline",
    "submit",
]

register_job_kind("train", "recipe_dash.training.worker:train_run")
register_job_kind("model_checks", "recipe_dash.training.worker:model_checks")
register_job_kind("baselines", "recipe_dash.training.worker:baselines")
register_job_kind("lr_find", "recipe_dash.training.worker:lr_find")
register_job_kind("signals", "recipe_dash.training.worker:signals")
register_job_kind("analyze", "recipe_dash.analyzers.jobs:run_analysis_job", one_per_dataset=True)
register_job_kind("tune", "recipe_dash.tuning.workers:tune_worker")
