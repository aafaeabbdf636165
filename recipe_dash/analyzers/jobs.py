"""Analyses as background jobs: the page starts one, polls its progress, and reads results from the store."""

from __future__ import annotations

from typing import Any

from recipe_dash.analyzers._models.embedding import check_embedding, embedding_from_text
from recipe_dash.analyzers._progress import StagedProgress
from recipe_dash.analyzers.results import latest_results, save_results
from recipe_dash.analyzers.run import check_executor, resolve_checks, run_checks
from recipe_dash.errors import OptionError
from recipe_dash.jobs import JobContext, get_job, list_jobs, submit
from recipe_dash.store import JobRecord, Store
from recipe_dash.workspace import reopen

JOB_KIND = "analyze"


def start_analysis(
    store: Store,
    dataset_id: int,
    *,
    checks: list[str] | None = None,
    executor: str = "process",
    embedding: str | None = None,
) -> int:
    """Start the checks on a recorded dataset in a worker process; returns the job id at once.

    `embedding` is the user's own vectors as typed: a .npy/Parquet path or comma-separated columns.
    Options are checked here, so a typo fails at once and not in the worker.
    """
    names = resolve_checks(checks)
    if not isinstance(executor, str):
        raise OptionError(f"executor must be a name (a worker process cannot be handed an object), got {executor!r}.")
    check_executor(executor)
    if embedding is not None:
        if not isinstance(embedding, str):
            raise OptionError(f"embedding must be text (a .npy/Parquet path or col1,col2,...), got {embedding!r}.")
        check_embedding(embedding_from_text(embedding))
    config = {"checks": names, "executor": executor, "embedding": embedding}
    return submit(store, JOB_KIND, config, dataset_id)


def latest_analysis(store: Store, dataset_id: int) -> JobRecord | None:
    """The newest analysis job of a dataset, so a page reloaded mid-run finds its progress bar again.

    `recipe_dash.jobs.progress.describe(job)` turns it into a progress bar's fraction and text.
    """
    jobs = list_jobs(store, kind=JOB_KIND, dataset_id=dataset_id)
    return get_job(store, jobs[0].id) if jobs else None


def run_analysis_job(context: JobContext) -> dict[str, Any]:
    """Job kind "analyze": features, checks, then the results replace the stored ones in one go."""
    assert context.dataset_id is not None, "analysis jobs are submitted for a dataset"
    dataset = reopen(context.store, context.dataset_id)

    def report(done: float, total: float, message: str, *, force: bool = False) -> None:
        context.progress(done, total, message, force=force)
        context.check_stop()

    checks = resolve_checks(context.config.get("checks"))
    last_time = latest_results(context.store, context.dataset_id, checks=checks)
    seconds = {name: stored.result.seconds for name, stored in last_time.items() if stored.result.seconds is not None}
    progress = StagedProgress(report, checks, n_samples=dataset.n_samples, seconds=seconds)
    embedding = context.config.get("embedding")
    results = run_checks(
        dataset,
        checks=checks,
        executor=context.config.get("executor"),
        progress=progress,
        embedding=embedding_from_text(embedding) if embedding else None,
    )
    context.check_stop()  # a stop pressed during the last check still keeps the previous results
    progress.finish("saving results")
    save_results(context.store, context.dataset_id, results, job_id=context.job_id)
    return {name: {"verdict": r.verdict, "n_findings": len(r.findings)} for name, r in results.items()}
