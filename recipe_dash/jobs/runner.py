"""Submit jobs to the worker pool, run them, stop them, and notice workers that are gone."""

from __future__ import annotations

import importlib
import os
import time
import traceback
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from recipe_dash.errors import RecipeDashError, StoreError
from recipe_dash.jobs.context import JobContext, JobStopped
from recipe_dash.jobs.liveness import HOST, Heartbeat, lost_reason, mark_failed
from recipe_dash.jobs.pool import dispatch
from recipe_dash.store import JobRecord, Store
from recipe_dash.store.jobs_model import ACTIVE, FINISHED
from recipe_dash.store.models import utcnow

# kind -> "module:function"; the function takes a JobContext and returns a JSON-able dict (or None).
# Imported lazily so the dashboard does not import torch to list jobs.
JOB_KINDS: dict[str, str] = {}
# Kinds of which a dataset has at most one active job (the store enforces it); a second submit joins it.
EXCLUSIVE_KINDS: set[str] = set()
_TEND_SECONDS = 1.0  # polls look for lost workers and free slots at most this often per store
_last_tended: dict[str, float] = {}  # store URL -> when this process last did


def register_job_kind(kind: str, target: str, *, one_per_dataset: bool = False) -> None:
    JOB_KINDS[kind] = target
    if one_per_dataset:
        EXCLUSIVE_KINDS.add(kind)


def create_job(store: Store, kind: str, config: dict[str, Any], dataset_id: int | None = None) -> int:
    """Queue a job; for a one-per-dataset kind with an active job on the dataset, that job's id instead.

    The check is the database's: a partial unique index over active exclusive jobs refuses the second
    insert, whichever process or host makes it, and the loser reads the winner's id.
    """
    if kind not in JOB_KINDS:
        raise ValueError(f"Unknown job kind '{kind}'. Choose one of: {', '.join(sorted(JOB_KINDS))}.")
    exclusive = kind in EXCLUSIVE_KINDS and dataset_id is not None
    for _ in range(5):  # the active job may finish between our failed insert and our read: insert again
        try:
            with store.session() as session, session.begin():
                job = JobRecord(
                    kind=kind,
                    config=config,
                    dataset_id=dataset_id,
                    status="queued",
                    done=0.0,
                    message="queued",
                    stop_requested=False,
                    exclusive=exclusive,
                )
                session.add(job)
                session.flush()
                return job.id
        except IntegrityError:
            if not exclusive:
                raise
        active = active_job(store, kind, dataset_id)
        if active is not None:
            return active.id
    raise StoreError(f"Could not queue a '{kind}' job for dataset #{dataset_id}: the store kept refusing it.")


def active_job(store: Store, kind: str, dataset_id: int | None) -> JobRecord | None:
    """The queued or running job of this kind on this dataset, if any (the newest)."""
    query = (
        select(JobRecord)
        .where(JobRecord.kind == kind, JobRecord.dataset_id == dataset_id, JobRecord.status.in_(ACTIVE))
        .order_by(JobRecord.id.desc())
        .limit(1)
    )
    with store.session() as session:
        return session.scalar(query)


def submit(store: Store, kind: str, config: dict[str, Any], dataset_id: int | None = None) -> int:
    """Queue a job and start it if this host has a free worker slot; returns at once with the job id."""
    job_id = create_job(store, kind, config, dataset_id)
    dispatch(store)
    return job_id


def run_job(store: Store, job_id: int) -> None:
    """Run a job in this process: the worker's body; tests and the CLI call it directly on a queued job,
    which then runs outside the pool. A job stopped or claimed elsewhere before it started is left alone."""
    taken = _take(store, job_id)
    if taken is None:
        return
    kind, config, dataset_id = taken
    context = JobContext(store=store, job_id=job_id, kind=kind, config=config, dataset_id=dataset_id)
    with Heartbeat(store, job_id):
        try:
            context.check_stop()  # Stop pressed while it waited for a worker
            result = _resolve(JOB_KINDS[kind])(context)
        except JobStopped:  # also when the job was judged lost meanwhile: _finish then writes nothing
            _finish(store, job_id, status="cancelled", message="stopped by the user")
        except RecipeDashError as err:  # the user's to fix (a moved file, a bad option): the message as written
            _finish(store, job_id, status="failed", error=str(err), message="failed")
        except Exception as err:  # a bug: kept with its type and traceback, and shown as a bug, never a crashed app
            traceback.print_exc()  # into the job's log, for an admin whose browsers are not shown tracebacks
            _finish(
                store,
                job_id,
                status="failed",
                error=f"{type(err).__name__}: {err}",
                message="failed",
                result={"traceback": traceback.format_exc(limit=20)},
            )
        else:
            _finish(store, job_id, status="done", result=result, message="done")


def request_stop(store: Store, job_id: int) -> None:
    """Stop a job: a queued one is cancelled at once, a running one stops at its worker's next check."""
    with store.session() as session, session.begin():
        session.execute(update(JobRecord).where(JobRecord.id == job_id).values(stop_requested=True))
        session.execute(
            update(JobRecord)
            .where(JobRecord.id == job_id, JobRecord.status == "queued")
            .values(status="cancelled", finished_at=utcnow(), message="stopped before it started")
        )


def start_inline(store: Store, kind: str, config: dict[str, Any], dataset_id: int | None = None, **values: Any) -> int:
    """A job the calling process runs itself, inside a job of its own (each trial of a study is a training run
    its study's worker drives): recorded as running here from the start, so no worker ever picks it up."""
    with store.session() as session, session.begin():
        job = JobRecord(
            kind=kind,
            config=config,
            dataset_id=dataset_id,
            status="running",
            done=0.0,
            stop_requested=False,
            pid=os.getpid(),
            host=HOST,
            started_at=store.now(),
            heartbeat_at=store.now(),  # the caller beats for it (liveness.Heartbeat) while it runs
            **({"message": "started"} | values),
        )
        session.add(job)
        session.flush()
        return job.id


def end_inline(store: Store, job_id: int, status: str, **values: Any) -> None:
    """End a job started with `start_inline` (done, failed or cancelled), as `run_job` ends its own."""
    assert status in FINISHED, status
    _finish(store, job_id, status=status, **values)


def get_job(store: Store, job_id: int) -> JobRecord | None:
    """The job as stored, after housekeeping: a running job whose worker is gone is marked failed, and
    free worker slots start queued jobs (so a queue moves on even when nobody's worker finishes)."""
    _tend(store)
    with store.session() as session:
        job = session.get(JobRecord, job_id)
    if job is not None and job.status == "running":
        reason = lost_reason(job, now=store.now())
        if reason is not None and mark_failed(store, job_id, reason):
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


def _take(store: Store, job_id: int) -> tuple[str, dict[str, Any], int | None] | None:
    """Mark the job started by this process: a queued job (run inline), or one a dispatcher claimed for
    this worker. None if it was stopped, finished, or started by someone else."""
    now = store.now()
    with store.session() as session, session.begin():
        written = session.execute(
            update(JobRecord)
            .where(
                JobRecord.id == job_id,
                (JobRecord.status == "queued")
                | ((JobRecord.status == "running") & JobRecord.started_at.is_(None) & (JobRecord.host == HOST)),
            )
            .values(status="running", started_at=now, heartbeat_at=now, pid=os.getpid(), host=HOST, message="started")
        )
        if not written.rowcount:  # type: ignore[attr-defined]
            if session.get(JobRecord, job_id) is None:
                raise ValueError(f"No job #{job_id} in the store.")
            return None
        job = session.get(JobRecord, job_id)
        assert job is not None
        return job.kind, dict(job.config), job.dataset_id


def _finish(store: Store, job_id: int, *, status: str, **values: Any) -> None:
    """End a running job; a job already ended (judged lost while its worker was frozen) stays as it is."""
    with store.session() as session, session.begin():
        session.execute(
            update(JobRecord)
            .where(JobRecord.id == job_id, JobRecord.status == "running")
            .values(status=status, finished_at=utcnow(), **values)
        )


def _tend(store: Store) -> None:
    """Housekeeping at most every _TEND_SECONDS per store: pages poll several jobs each second."""
    now = time.monotonic()
    if now - _last_tended.get(store.url, -_TEND_SECONDS) < _TEND_SECONDS:
        return
    _last_tended[store.url] = now
    dispatch(store)


def _update(store: Store, job_id: int, **values: Any) -> None:
    with store.session() as session, session.begin():
        session.execute(update(JobRecord).where(JobRecord.id == job_id).values(**values))


def _resolve(target: str) -> Callable[[JobContext], dict[str, Any] | None]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]
