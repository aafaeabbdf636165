"""Submit jobs to worker processes, run them, stop them, and notice workers that died."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from recipe_dash.errors import RecipeDashError
from recipe_dash.jobs.context import JobContext, JobStopped
from recipe_dash.settings import get_settings
from recipe_dash.store import JobRecord, Store
from recipe_dash.store.jobs_model import ACTIVE
from recipe_dash.store.models import utcnow

# kind -> "module:function"; the function takes a JobContext and returns a JSON-able dict (or None).
# Imported lazily so the dashboard does not import torch to list jobs.
JOB_KINDS: dict[str, str] = {}


def register_job_kind(kind: str, target: str) -> None:
    JOB_KINDS[kind] = target


def create_job(store: Store, kind: str, config: dict[str, Any], dataset_id: int | None = None) -> int:
    if kind not in JOB_KINDS:
        raise ValueError(f"Unknown job kind '{kind}'. Choose one of: {', '.join(sorted(JOB_KINDS))}.")
    with store.session() as session, session.begin():
        job = JobRecord(
            kind=kind,
            config=config,
            dataset_id=dataset_id,
            status="queued",
            done=0.0,
            message="queued",
            stop_requested=False,
        )
        session.add(job)
        session.flush()
        return job.id


def submit(store: Store, kind: str, config: dict[str, Any], dataset_id: int | None = None) -> int:
    """Create a job and start a worker process for it; returns at once with the job id."""
    job_id = create_job(store, kind, config, dataset_id)
    log_dir = get_settings().home / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"job-{job_id}.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "recipe_dash.jobs.worker", str(job_id), "--db", store.url],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _update(store, job_id, pid=process.pid)
    return job_id


def run_job(store: Store, job_id: int) -> None:
    """Run a job in this process (the worker's body; tests call it directly)."""
    with store.session() as session:
        job = session.get(JobRecord, job_id)
        if job is None:
            raise ValueError(f"No job #{job_id} in the store.")
        kind, config, dataset_id = job.kind, dict(job.config), job.dataset_id
    _update(store, job_id, status="running", started_at=utcnow(), pid=os.getpid(), message="started")
    context = JobContext(store=store, job_id=job_id, kind=kind, config=config, dataset_id=dataset_id)
    try:
        result = _resolve(JOB_KINDS[kind])(context)
    except JobStopped:
        _update(store, job_id, status="cancelled", finished_at=utcnow(), message="stopped by the user")
    except RecipeDashError as err:  # the user's to fix (a moved file, a bad option): the message as written
        _update(store, job_id, status="failed", finished_at=utcnow(), error=str(err), message="failed")
    except Exception as err:  # a bug: kept with its type and traceback, and shown as a bug, never a crashed app
        _update(
            store,
            job_id,
            status="failed",
            finished_at=utcnow(),
            error=f"{type(err).__name__}: {err}",
            message="failed",
            result={"traceback": traceback.format_exc(limit=20)},
        )
    else:
        _update(store, job_id, status="done", finished_at=utcnow(), result=result, message="done")


def request_stop(store: Store, job_id: int) -> None:
    _update(store, job_id, stop_requested=True)


def get_job(store: Store, job_id: int) -> JobRecord | None:
    """The job as stored; a running job whose worker process is gone is marked failed first."""
    with store.session() as session:
        job = session.get(JobRecord, job_id)
    if job is not None and job.status in ACTIVE and job.pid is not None and not _alive(job.pid):
        _update(store, job_id, status="failed", finished_at=utcnow(), error="The worker process died.")
        with store.session() as session:
            job = session.get(JobRecord, job_id)
    return job


def list_jobs(store: Store, kind: str | None = None, dataset_id: int | None = None) -> list[JobRecord]:
    """Jobs newest first, optionally of one kind and dataset."""
    query = select(JobRecord).order_by(JobRecord.id.desc())
    if kind is not None:
        query = query.where(JobRecord.kind == kind)
    if dataset_id is not None:
        query = query.where(JobRecord.dataset_id == dataset_id)
    with store.session() as session:
        return list(session.scalars(query))


def _update(store: Store, job_id: int, **values: Any) -> None:
    with store.session() as session, session.begin():
        session.execute(update(JobRecord).where(JobRecord.id == job_id).values(**values))


def _resolve(target: str) -> Callable[[JobContext], dict[str, Any] | None]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a finished child of ours lingers as a zombie until reaped
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return finished == 0
    except ChildProcessError:
        return True
