"""A bounded pool: RECIPE_DASH_MAX_WORKERS jobs run at once, the rest wait their turn, and Stop empties a place."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from recipe_dash import jobs
from recipe_dash.analyzers import start_analysis
from recipe_dash.jobs import pool
from recipe_dash.jobs.progress import describe
from recipe_dash.settings import get_settings
from recipe_dash.store import Store
from recipe_dash.workspace import open_dataset
from tests.jobs.conftest import job_rows, wait_for, write_table


@pytest.fixture
def two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIPE_DASH_MAX_WORKERS", "2")  # worker processes inherit it
    get_settings.cache_clear()


def test_six_jobs_on_two_workers_all_finish_never_more_than_two_at_once(
    two_workers: None, shared_store: Store, tmp_path: Path
) -> None:
    datasets = [open_dataset(shared_store, write_table(tmp_path / f"t{i}.csv", 300, seed=i))[0] for i in range(7)]
    submitted = [start_analysis(shared_store, d, checks=["imbalance"]) for d in datasets]
    late = job_rows(shared_store)[-1]
    assert late.status == "queued" and jobs.queue_place(shared_store, late) == 5  # two run, four wait ahead
    jobs.request_stop(shared_store, late.id)  # Stop on a job still waiting for a worker

    most = 0

    def settled() -> bool:  # read without get_job: the finishing workers alone must move the queue on
        nonlocal most
        rows = job_rows(shared_store)
        most = max(most, sum(r.status == "running" for r in rows))
        return all(r.status in ("done", "failed", "cancelled") for r in rows)

    wait_for(settled, timeout=180, every=0.02, message="all jobs to end")
    rows = {r.id: r for r in job_rows(shared_store)}
    assert [rows[i].status for i in submitted[:-1]] == ["done"] * 6, [rows[i].error for i in submitted[:-1]]
    assert (rows[late.id].status, rows[late.id].started_at) == ("cancelled", None)  # it never ran
    assert most == 2  # the pool was used (two at a time), never overbooked
    assert {rows[i].slot for i in submitted[:-1]} == {0, 1}
    ran = [(rows[i].started_at, rows[i].finished_at) for i in submitted[:-1]]
    for start, _ in ran:  # the recorded times agree: no job started while two others ran
        assert sum(s <= start < f for s, f in ran) <= 2


def test_queue_places_count_from_the_next_to_start(two_workers: None, shared_store: Store, tmp_path: Path) -> None:
    datasets = [open_dataset(shared_store, write_table(tmp_path / f"t{i}.csv", 50, seed=i))[0] for i in range(3)]
    queued = [jobs.create_job(shared_store, "analyze", {"checks": ["imbalance"]}, d) for d in datasets]
    places = [jobs.queue_place(shared_store, r) for r in job_rows(shared_store)]
    assert places == [1, 2, 3]
    jobs.request_stop(shared_store, queued[0])
    assert [jobs.queue_place(shared_store, r) for r in job_rows(shared_store)] == [None, 1, 2]
    text = describe(job_rows(shared_store)[2], place=2).text
    assert text == "queued · place 2 in line (1 job ahead), waiting for a free worker"
    assert describe(job_rows(shared_store)[1], place=1).text == "queued · next in line for a free worker"


def test_concurrent_claims_never_overbook_a_host(two_workers: None, shared_store: Store, tmp_path: Path) -> None:
    """Many pollers claiming at once (pages, CLI, finishing workers): the slot index admits two."""
    datasets = [open_dataset(shared_store, write_table(tmp_path / f"t{i}.csv", 20, seed=i))[0] for i in range(8)]
    for d in datasets:
        jobs.create_job(shared_store, "analyze", {"checks": ["imbalance"]}, d)
    barrier = threading.Barrier(8)
    claimed: list[int | None] = []

    def poll() -> None:
        barrier.wait()
        claimed.append(pool.claim(shared_store))

    threads = [threading.Thread(target=poll) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    won = [c for c in claimed if c is not None]
    assert len(won) == 2 and len(set(won)) == 2
    assert pool.running_count(shared_store) == 2
    assert pool.claim(shared_store, host="another-server") is not None  # another host has its own slots
    for row in job_rows(shared_store):  # none of them has a worker: end them so no cleanup waits
        jobs.runner._update(shared_store, row.id, status="cancelled")


def test_a_poll_starts_a_queued_job_when_a_slot_is_free(shared_store: Store, tmp_path: Path) -> None:
    """The page that queued a job may be gone; whoever polls next starts it."""
    dataset_id, _ = open_dataset(shared_store, write_table(tmp_path / "t.csv", 100))
    job_id = jobs.create_job(shared_store, "analyze", {"checks": ["imbalance"]}, dataset_id)
    time.sleep(0.1)
    assert job_rows(shared_store)[0].status == "queued"
    wait_for(lambda: jobs.get_job(shared_store, job_id).status == "done", timeout=120, message="the job to run")
