"""Is a job's worker still there? The worker writes a heartbeat; a running job whose heartbeat is too old
has lost its worker, whichever host it ran on.

A process id says nothing on another host (a PostgreSQL store shared by several servers) and can be
reused on this one, so the heartbeat decides. The process id only makes a quicker call on this host:
a worker whose process is gone is lost at once, without waiting for the timeout.
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError

from recipe_dash.settings import get_settings
from recipe_dash.store import JobRecord, Store
from recipe_dash.store.models import utcnow

HOST = socket.gethostname()  # recorded on every job this host runs
# A claimed job's worker process is still starting (importing pandas, scikit-learn, opening the store):
# on a loaded machine that alone can take longer than a short heartbeat timeout.
START_ALLOWANCE = 60.0


def heartbeat_every() -> float:
    """Seconds between beats: several beats fit in the timeout, so one slow write is no false alarm."""
    return min(max(get_settings().heartbeat_timeout / 6, 0.1), 10.0)


def beat(store: Store, job_id: int) -> bool:
    """Stamp the job's heartbeat; False once the job is no longer running (finished, or judged lost)."""
    with store.session() as session, session.begin():
        written = session.execute(
            update(JobRecord)
            .where(JobRecord.id == job_id, JobRecord.status == "running")
            .values(heartbeat_at=store.now())
        )
    return bool(written.rowcount)  # type: ignore[attr-defined]


class Heartbeat:
    """A daemon thread that beats for a job while the job's code runs in the main thread.

    A thread, not the job's own progress calls: one long step (a model fit) would otherwise look dead.
    A frozen (SIGSTOP) or killed process stops all its threads, so it stops beating too.
    """

    def __init__(self, store: Store, job_id: int) -> None:
        self._store, self._job_id = store, job_id
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        every = heartbeat_every()
        while not self._stopped.wait(every):
            try:
                if not beat(self._store, self._job_id):
                    return
            except Exception:  # a busy database: the next beat tries again, the timeout allows for several
                continue


def lost_jobs(store: Store) -> dict[int, str]:
    """Running jobs whose worker is gone, with why: {job id: error for the user}."""
    with store.session() as session:
        running = list(session.scalars(select(JobRecord).where(JobRecord.status == "running")))
    if not running:
        return {}
    now = store.now()
    reasons = {job.id: lost_reason(job, now=now) for job in running}
    return {job_id: reason for job_id, reason in reasons.items() if reason is not None}


def lost_reason(job: JobRecord, *, now: datetime) -> str | None:
    """Why a running job's worker counts as gone, or None while it is alive."""
    host, pid = job.host, job.pid
    on_this_host = host == HOST or host is None  # None: recorded before hosts were (this store's own host)
    if on_this_host and pid is not None and not process_alive(pid):
        return "The worker process died."
    timeout = get_settings().heartbeat_timeout
    allowed = timeout if job.started_at is not None else timeout + START_ALLOWANCE
    last_sign = job.heartbeat_at or job.started_at or job.created_at  # no beat yet: since it started
    silent = (now - _aware(last_sign)).total_seconds()
    if silent > allowed:
        where = f" on {host}" if host else ""
        return f"The worker{where} stopped answering: no heartbeat for {silent:.0f} s (timeout {timeout:g} s)."
    return None


def mark_lost(store: Store) -> list[int]:
    """Mark failed every running job whose worker is gone; their slots free up. Returns their ids."""
    return [job_id for job_id, reason in lost_jobs(store).items() if mark_failed(store, job_id, reason)]


def mark_failed(store: Store, job_id: int, reason: str) -> bool:
    """End a running job as failed, unless it finished meanwhile; False also when its row is locked by a
    worker frozen in the middle of a write (PostgreSQL), so a page's poll never waits on it."""
    try:
        with store.session() as session, session.begin():
            if store.engine.dialect.name == "postgresql":
                session.execute(text("SET LOCAL lock_timeout = '2s'"))
            written = session.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id, JobRecord.status == "running")
                .values(status="failed", finished_at=utcnow(), error=reason, message="failed")
            )
    except OperationalError:  # locked: the next poll tries again
        return False
    return bool(written.rowcount)  # type: ignore[attr-defined]


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; we store UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def process_alive(pid: int) -> bool:
    """Whether a process of this machine still runs (a reaped or never-reaped zombie does not)."""
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
