from __future__ import annotations

import os
import subprocess
import sys

import pytest

from recipe_dash import jobs
from recipe_dash.jobs import JobContext
from recipe_dash.store import Store


def count(context: JobContext) -> dict[str, int]:
    for i in range(context.config["n"]):
        context.progress(i + 1, context.config["n"], f"step {i + 1}", force=True)
        if context.config.get("stop_at") == i:
            jobs.request_stop(context.store, context.job_id)
        context.check_stop()
    if context.config.get("fail"):
        raise RuntimeError("boom")
    return {"counted": context.config["n"]}


@pytest.fixture
def store(tmp_path) -> Store:
    jobs.register_job_kind("count", "tests.jobs.test_jobs:count")
    yield Store(f"sqlite:///{tmp_path / 'jobs.db'}")
    jobs.JOB_KINDS.pop("count")


def test_a_job_reports_progress_and_its_result(store: Store) -> None:
    job_id = jobs.create_job(store, "count", {"n": 3})
    jobs.run_job(store, job_id)
    job = jobs.get_job(store, job_id)
    assert (job.status, job.done, job.total, job.result) == ("done", 3, 3, {"counted": 3})
    assert job.started_at is not None and job.finished_at is not None


def test_a_stopped_job_is_cancelled(store: Store) -> None:
    job_id = jobs.create_job(store, "count", {"n": 10, "stop_at": 2})
    jobs.run_job(store, job_id)
    job = jobs.get_job(store, job_id)
    assert job.status == "cancelled" and job.done <= 4  # noticed at the next progress write


def test_a_failing_job_records_its_error(store: Store) -> None:
    job_id = jobs.create_job(store, "count", {"n": 1, "fail": True})
    jobs.run_job(store, job_id)
    job = jobs.get_job(store, job_id)
    assert job.status == "failed" and job.error == "RuntimeError: boom"
    assert "Traceback" in job.result["traceback"]


def test_unknown_kind_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="Unknown job kind 'nope'"):
        jobs.create_job(store, "nope", {})


def test_a_dead_worker_is_noticed(store: Store) -> None:
    job_id = jobs.create_job(store, "count", {"n": 1})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    jobs.runner._update(store, job_id, status="running", pid=dead.pid)
    job = jobs.get_job(store, job_id)
    assert job.status == "failed" and "died" in job.error
    assert os.getpid() != dead.pid


def test_list_jobs_filters(store: Store) -> None:
    first = jobs.create_job(store, "count", {"n": 1})
    second = jobs.create_job(store, "count", {"n": 1})
    assert [j.id for j in jobs.list_jobs(store, kind="count")] == [second, first]
    assert jobs.list_jobs(store, kind="other") == []
