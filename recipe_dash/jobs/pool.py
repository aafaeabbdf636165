"""A bounded pool of worker processes: each host runs at most RECIPE_DASH_MAX_WORKERS jobs, the rest wait.

There is no pool process to keep alive. Whoever notices a free slot starts the oldest queued job: the
page or CLI that submits a job, every page or CLI poll, and every worker as it finishes. A claim is one
conditional UPDATE (a job is claimed once), and a unique index over the running jobs' (host, slot)
refuses a second job in a slot, so concurrent claimers on any number of processes never overbook.
"""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from recipe_dash.jobs.liveness import HOST, mark_lost
from recipe_dash.settings import get_settings
from recipe_dash.store import JobRecord, Store
from recipe_dash.store.models import utcnow

_CLAIM_ATTEMPTS = 8  # a claim lost to a concurrent claimer is retried with the next free slot
_children: list[subprocess.Popen[bytes]] = []  # our workers, so finished ones are reaped, not left as zombies


def dispatch(store: Store) -> list[int]:
    """Mark lost workers' jobs failed, then start queued jobs, oldest first, while this host has a free
    slot; returns the ids of the jobs started. Cheap when nothing waits (two reads), safe to call anywhere."""
    _reap_children()
    mark_lost(store)
    started = []
    while (job_id := claim(store)) is not None:
        spawn(store, job_id)
        started.append(job_id)
    return started


def claim(store: Store, *, host: str = HOST) -> int | None:
    """Move the oldest queued job into a free slot of `host` (status 'running', not yet started by a
    worker); None when nothing waits or every slot is taken."""
    limit = get_settings().max_workers
    for _ in range(_CLAIM_ATTEMPTS):
        with store.session() as session:
            if session.scalar(select(JobRecord.id).where(JobRecord.status == "queued").limit(1)) is None:
                return None
            taken = set(
                session.scalars(select(JobRecord.slot).where(JobRecord.status == "running", JobRecord.host == host))
            )
        free = [slot for slot in range(limit) if slot not in taken]
        if not free:
            return None
        oldest = select(JobRecord.id).where(JobRecord.status == "queued").order_by(JobRecord.id).limit(1)
        try:
            with store.session() as session, session.begin():
                claimed = session.scalar(
                    update(JobRecord)
                    .where(JobRecord.id == oldest.scalar_subquery(), JobRecord.status == "queued")
                    .values(
                        status="running",
                        host=host,
                        slot=free[0],
                        pid=None,
                        heartbeat_at=store.now(),  # the timeout runs from the claim: a worker that never starts is lost
                        message="starting a worker",
                    )
                    .returning(JobRecord.id)
                )
        except IntegrityError:  # another process took this slot at the same moment
            continue
        if claimed is not None:
            return int(claimed)
    return None


def spawn(store: Store, job_id: int) -> None:
    """Start a worker process for a claimed job; it outlives this process (its own session)."""
    log_dir = get_settings().home / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        with (log_dir / f"job-{job_id}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "recipe_dash.jobs.worker", str(job_id), "--db", store.url],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
    except OSError as err:  # no process could be started: the job fails, its slot frees
        _set(store, job_id, status="failed", finished_at=utcnow(), error=f"Could not start a worker: {err}.")
        return
    _children.append(process)
    _set(store, job_id, pid=process.pid)


def queue_place(store: Store, job: JobRecord) -> int | None:
    """1 for the next queued job to start, 2 for the one after it, ...; None unless the job is queued."""
    if job.status != "queued":
        return None
    with store.session() as session:
        ahead = session.scalar(
            select(func.count()).select_from(JobRecord).where(JobRecord.status == "queued", JobRecord.id < job.id)
        )
    return int(ahead or 0) + 1


def running_count(store: Store, *, host: str = HOST) -> int:
    with store.session() as session:
        count = session.scalar(
            select(func.count()).select_from(JobRecord).where(JobRecord.status == "running", JobRecord.host == host)
        )
    return int(count or 0)


def _set(store: Store, job_id: int, **values: object) -> None:
    with store.session() as session, session.begin():
        session.execute(update(JobRecord).where(JobRecord.id == job_id, JobRecord.status == "running").values(**values))


def _reap_children() -> None:
    _children[:] = [child for child in _children if child.poll() is None]
