from __future__ import annotations

import os
import subprocess
import sys

import pytest

from recipe_dash import jobs
from recipe_dash.errors import DataError
from recipe_dash.jobs import JobContext
from recipe_dash.jobs.progress import JobFailure, failure
from recipe_dash.store import Store


def count(context: JobContext) -> dict[str, int]:
    for i in range(context.config["n"]):
        context.progress(i + 1, context.config["n"], f"step {i + 1}", force=True)
        if context.config.get("stop_at") == i:
            jobs.request_stop(context.store, context.job_id)
        context.check_stop()
    if context.config.get("fail"):
        raise RuntimeError("boom")
    if context.config.get("user_error"):
        raise DataError("'x.csv' moved; load it again.")
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


def test_a_failing_job_records_its_error_as_a_bug(store: Store) -> None:
    job_id = jobs.create_job(store, "count", {"n": 1, "fail": True})
    jobs.run_job(store, job_id)
    job = jobs.get_job(store, job_id)
    assert job.status == "failed" and job.error == "RuntimeError: boom"
    assert "Traceback" in job.result["traceback"]
    shown = failure(job)
    assert shown.message.startswith("Internal error, a bug") and shown.message.endswith("RuntimeError: boom")
    assert shown.traceback == job.result["traceback"]


def test_a_user_error_in_a_job_is_shown_as_written(store: Store) -> None:
    job_id = jobs.create_job(store, "count", {"n": 1, "user_error": True})
    jobs.run_job(store, job_id)
    job = jobs.get_job(store, job_id)
    assert failure(job) == JobFailure("'x.csv' moved; load it again.", None)
    done = jobs.create_job(store, "count", {"n": 1})
    jobs.run_job(store, done)
    assert failure(jobs.get_job(store, done)) is None


def test_unknown_kind_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="Unknown job kind 'nope'"):
        jobs.create_job(store, "nope", {})


def test_a_dead_worker_is_noticed_and_a_live_one_is_not(store: Store) -> None:
    job_id = jobs.create_job(store, "count", {"n": 1})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    jobs.runner._update(store, job_id, status="running", pid=dead.pid)
    job = jobs.get_job(store, job_id)
    assert job.status == "failed" and "died" in job.error
    # hard negatives: a worker still running, and a job run in this very process, stay running
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for pid in (live.pid, os.getpid()):
            running = jobs.create_job(store, "count", {"n": 1})
            jobs.runner._update(store, running, status="running", pid=pid)
            job = jobs.get_job(store, running)
            assert (job.status, job.error) == ("running", None)
    finally:
        live.kill()
        live.wait()


def test_list_jobs_filters(store: Store) -> None:
    first = jobs.create_job(store, "count", {"n": 1})
    second = jobs.create_job(store, "count", {"n": 1})
    assert [j.id for j in jobs.list_jobs(store, kind="count")] == [second, first]
    assert jobs.list_jobs(store, kind="other") == []


def test_progress_text_has_percent_elapsed_eta_and_the_step() -> None:
    from datetime import UTC, datetime, timedelta

    from recipe_dash.jobs.progress import describe
    from recipe_dash.store import JobRecord

    start = datetime(2026, 1, 1, 12, 0, 0)  # naive, as SQLite returns it
    job = JobRecord(status="running", done=250, total=1000, message="hashing", started_at=start)
    shown = describe(job, now=start.replace(tzinfo=UTC) + timedelta(seconds=10))
    assert shown.fraction == 0.25 and shown.active
    assert shown.text == "25% · 10 s elapsed · about 30 s left · hashing"
    job.done = 999
    assert describe(job).text.startswith("99% · ")  # never 100% while work is left
    job.status, job.done, job.finished_at, job.message = "done", 1000, start + timedelta(minutes=3), "done"
    finished = describe(job, now=start.replace(tzinfo=UTC) + timedelta(hours=1))
    assert finished.text == "100% · 3 min elapsed" and not finished.active
