"""Helpers for tests that start real worker processes: small tables, a store they share, and waiting."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from recipe_dash import jobs
from recipe_dash.store import JobRecord, Store

T = TypeVar("T")


def write_table(path: Path, n_rows: int, seed: int = 0) -> Path:
    """A two-class table with a few numeric columns; every seed gives other rows."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n_rows, 4))
    frame = pd.DataFrame(features, columns=["a", "b", "c", "d"])
    frame["label"] = np.where(features[:, 0] + rng.normal(size=n_rows) > 0, "yes", "no")
    frame.to_csv(path, index=False)
    return path


def wait_for(what: Callable[[], T], *, timeout: float = 90, every: float = 0.05, message: str = "") -> T:
    """Poll until `what()` is truthy; its value. Fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout} s waiting for {message or what}")


def job_rows(store: Store) -> list[JobRecord]:
    """Every job as stored, read without the housekeeping `get_job` does (which would start queued jobs)."""
    with store.session() as session:
        return list(session.scalars(select(JobRecord).order_by(JobRecord.id)))


@pytest.fixture
def shared_store(shared_store_url: str) -> Iterator[Store]:
    """A store on a SQLite file or PostgreSQL that worker processes open too; afterwards every job still
    active is stopped and any worker process left (a frozen one) is killed."""
    store = Store(shared_store_url)
    yield store
    for job in job_rows(store):
        if job.status in ("queued", "running"):
            jobs.request_stop(store, job.id)
    deadline = time.monotonic() + 30
    for job in job_rows(store):
        if job.pid is not None and _is_worker(job.pid):
            os.kill(job.pid, signal.SIGCONT)  # a frozen worker cannot exit
            while _is_worker(job.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _is_worker(job.pid):
                os.killpg(job.pid, signal.SIGKILL)  # a worker leads its own process group (and pool)
    store.engine.dispose()


def _is_worker(pid: int) -> bool:
    """True while `pid` is one of our worker processes (not a reused id, not a zombie)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"recipe_dash.jobs.worker" in command and "State:\tZ" not in status
