"""A job is alive while its worker beats: a frozen worker is lost after the timeout, on any host."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from recipe_dash import jobs
from recipe_dash.analyzers import latest_results, start_analysis
from recipe_dash.jobs.liveness import HOST, START_ALLOWANCE
from recipe_dash.settings import get_settings
from recipe_dash.store import JobRecord, Store
from recipe_dash.workspace import open_dataset
from tests.jobs.conftest import _is_worker, job_rows, wait_for, write_table

TIMEOUT = 5.0  # seconds without a heartbeat before a job counts as lost (workers beat every 0.8 s)


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIPE_DASH_HEARTBEAT_TIMEOUT", str(TIMEOUT))  # worker processes inherit it
    get_settings.cache_clear()


def test_a_frozen_worker_is_marked_failed_after_the_timeout_and_never_saves(
    short_timeout: None, shared_store: Store, tmp_path: Path
) -> None:
    dataset_id, _ = open_dataset(shared_store, write_table(tmp_path / "t.csv", 20_000))
    job_id = start_analysis(shared_store, dataset_id, checks=["imbalance", "duplicates", "outliers", "label_noise"])
    job = wait_for(lambda: (j := jobs.get_job(shared_store, job_id)).done > 0 and j, message="the worker's progress")
    assert job.status == "running" and job.host == HOST and job.heartbeat_at is not None
    pid = job.pid
    frozen_at = freeze(pid, shared_store, job_id)
    # The timeout runs from the last beat, which a loaded machine may have written seconds before the freeze.
    last_beat = jobs.get_job(shared_store, job_id).heartbeat_at
    last_beat = last_beat if last_beat.tzinfo else last_beat.replace(tzinfo=UTC)  # SQLite: naive UTC
    beat_age = (shared_store.now() - last_beat).total_seconds()
    try:
        time.sleep(TIMEOUT / 3)
        assert jobs.get_job(shared_store, job_id).status == "running"  # a late beat is not yet a lost worker
        lost = wait_for(lambda: (j := jobs.get_job(shared_store, job_id)).status != "running" and j, timeout=60)
        silent = time.monotonic() - frozen_at + beat_age
        assert lost.status == "failed" and "stopped answering" in lost.error, lost.error
        # Judged by the timeout since the last beat: not at once, not never.
        assert TIMEOUT / 2 < silent < TIMEOUT + 15, f"lost {silent:.1f} s after its last beat"
        assert _is_worker(pid)  # the process is still there: only its heartbeat said it was gone
    finally:
        os.kill(pid, signal.SIGCONT)
    # Resumed, the worker finds its job is no longer its own: it stops without writing anything.
    wait_for(lambda: not _is_worker(pid), timeout=120, every=0.2, message="the resumed worker to quit")
    job = jobs.get_job(shared_store, job_id)
    assert (job.status, job.error) == ("failed", lost.error)
    assert latest_results(shared_store, dataset_id) == {}


@pytest.mark.parametrize("dead_pid_here", [True, False])
def test_a_job_on_another_host_is_judged_by_its_heartbeat_alone(
    short_timeout: None, store_url: str, dead_pid_here: bool
) -> None:
    """Its process id means nothing here: a live id does not keep it alive, a dead one does not kill it."""
    store = Store(store_url)
    pid = dead_process_id() if dead_pid_here else os.getpid()
    with store.session() as session, session.begin():
        job = JobRecord(kind="analyze", config={}, status="running", host="gpu-box-2.example", pid=pid)
        job.started_at = job.heartbeat_at = store.now()  # a worker there took it and beats
        session.add(job)
    assert jobs.get_job(store, job.id).status == "running"  # a fresh beat: alive, whatever `pid` is here
    jobs.runner._update(store, job.id, heartbeat_at=store.now() - timedelta(seconds=TIMEOUT + 1))
    lost = jobs.get_job(store, job.id)
    assert lost.status == "failed"
    assert lost.error.startswith("The worker on gpu-box-2.example stopped answering: no heartbeat for")


def test_a_worker_that_died_here_is_noticed_at_once(short_timeout: None, store_url: str) -> None:
    """On this host a vanished process needs no timeout."""
    store = Store(store_url)
    with store.session() as session, session.begin():
        job = JobRecord(kind="analyze", config={}, status="running", host=HOST, pid=dead_process_id())
        job.started_at = job.heartbeat_at = store.now()
        session.add(job)
    lost = jobs.get_job(store, job.id)
    assert (lost.status, lost.error) == ("failed", "The worker process died.")


def test_a_claimed_job_whose_worker_never_started_is_lost(short_timeout: None, store_url: str) -> None:
    store = Store(store_url)
    with store.session() as session, session.begin():
        job = JobRecord(kind="analyze", config={}, status="queued")
        session.add(job)
    assert jobs.pool.claim(store) == job.id  # a slot taken, then the server died before starting a worker
    jobs.runner._update(store, job.id, heartbeat_at=store.now() - timedelta(seconds=TIMEOUT + 1))
    assert jobs.get_job(store, job.id).status == "running"  # a worker process may take a while to start
    jobs.runner._update(store, job.id, heartbeat_at=store.now() - timedelta(seconds=TIMEOUT + START_ALLOWANCE + 1))
    assert jobs.get_job(store, job.id).status == "failed"
    assert [r.slot for r in job_rows(store) if r.status == "running"] == []  # the slot is free again


def dead_process_id() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def freeze(pid: int, store: Store, job_id: int) -> float:
    """SIGSTOP the worker, but not in the middle of one of its writes: a writer frozen inside a transaction
    holds SQLite's write lock (or the job's row in PostgreSQL) and would block everyone, which is another
    test's subject. Retried until the store is free right after the freeze; returns when it froze."""
    for _ in range(100):
        os.kill(pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        wait_for(lambda: _stopped(pid), timeout=10, every=0.001, message="the signal to land")  # kill() is async
        if _store_writable(store, job_id):
            return frozen_at
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.013)
    pytest.fail("the worker held the store every time it was frozen")


def _stopped(pid: int) -> bool:
    """Every thread of the process is stopped (state T), not only signalled."""
    states = [(task / "stat").read_text().rsplit(")", 1)[1].split()[0] for task in Path(f"/proc/{pid}/task").iterdir()]
    return all(state == "T" for state in states)


def _store_writable(store: Store, job_id: int) -> bool:
    if store.url.startswith("sqlite:///"):
        connection = sqlite3.connect(store.url.removeprefix("sqlite:///"), timeout=0.3)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.rollback()
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            connection.close()
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with store.engine.connect() as connection:
        try:
            connection.execute(text("SET LOCAL lock_timeout = '300ms'"))
            connection.execute(text("SELECT id FROM jobs WHERE id = :id FOR UPDATE"), {"id": job_id})
            return True
        except OperationalError:
            return False
        finally:
            connection.rollback()
