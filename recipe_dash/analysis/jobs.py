"""Analyses as background jobs: the page starts one, polls its progress, and reads results from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from recipe_dash.analysis.results import save_results
from recipe_dash.analysis.run import resolve_checks, run_checks
from recipe_dash.jobs import JobContext, get_job, list_jobs, submit
from recipe_dash.modeling.embedding import embedding_from_text
from recipe_dash.store import JobRecord, Store
from recipe_dash.store.jobs_model import ACTIVE
from recipe_dash.workspace import reopen

JOB_KIND = "analyze"


@dataclass(frozen=True)
class AnalysisProgress:
    """What a progress bar shows: counts, a status and an estimate of the time left."""

    job_id: int
    status: str  # queued, running, done, failed, cancelled
    done: float
    total: float | None
    message: str
    eta_seconds: float | None  # None until there is a rate to extrapolate
    error: str | None

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def start_analysis(
    store: Store, dataset_id: int, *, checks: list[str] | None = None, executor: str = "process",
    embedding: str | None = None,
) -> int:
    """Start the checks on a recorded dataset in a worker process; returns the job id at once.

    `embedding` is the user's own vectors as typed: a .npy/Parquet path or comma-separated columns.
    """
    config = {"checks": resolve_checks(checks), "executor": executor, "embedding": embedding}
    return submit(store, JOB_KIND, config, dataset_id)


def analysis_progress(store: Store, job_id: int) -> AnalysisProgress:
    """Progress of an analysis job (a job whose worker died reads as failed)."""
    job = get_job(store, job_id)
    if job is None:
        raise ValueError(f"No job #{job_id} in the store.")
    return AnalysisProgress(job.id, job.status, job.done, job.total, job.message, _eta(job), job.error)


def latest_analysis(store: Store, dataset_id: int) -> AnalysisProgress | None:
    """The newest analysis job of a dataset, so a page reloaded mid-run finds its progress bar again."""
    jobs = list_jobs(store, kind=JOB_KIND, dataset_id=dataset_id)
    return analysis_progress(store, jobs[0].id) if jobs else None


def run_analysis_job(context: JobContext) -> dict[str, Any]:
    """Job kind "analyze": features, checks, then the results replace the stored ones in one go."""
    assert context.dataset_id is not None, "analysis jobs are submitted for a dataset"
    dataset = reopen(context.store, context.dataset_id)

    def progress(done: int, total: int, message: str) -> None:
        context.progress(done, total, message, force=done >= total)  # always show the step names after the pass
        context.check_stop()

    embedding = context.config.get("embedding")
    results = run_checks(dataset, checks=context.config.get("checks"), executor=context.config.get("executor"),
                         progress=progress, embedding=embedding_from_text(embedding) if embedding else None)
    context.check_stop()  # a stop pressed during the last check still keeps the previous results
    context.progress(dataset.n_samples, dataset.n_samples, "saving results", force=True)
    save_results(context.store, context.dataset_id, results, job_id=context.job_id)
    return {name: {"verdict": r.verdict, "n_findings": len(r.findings)} for name, r in results.items()}


def _eta(job: JobRecord) -> float | None:
    if job.status not in ACTIVE or job.started_at is None or not job.total or job.done <= 0:
        return None
    started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=UTC)
    elapsed = (datetime.now(UTC) - started).total_seconds()
    return max(0.0, elapsed * (job.total - job.done) / job.done)
