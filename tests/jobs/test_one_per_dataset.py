"""Two "Run checks" at the same moment start one analysis; the second joins it, and Stop from either stops it.

The store decides (a partial unique index over active analyses), so it holds for threads in one server,
for separate processes, and on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from recipe_dash import jobs
from recipe_dash.analyzers import latest_analysis, start_analysis
from recipe_dash.store import Store
from recipe_dash.workspace import open_dataset
from tests.jobs.conftest import job_rows, wait_for, write_table

CALLERS = 4
CHECKS = ["imbalance", "duplicates", "outliers", "label_noise"]


def stop_through_the_other_caller_and_check(store: Store, dataset_id: int, ids: list[int]) -> None:
    """Exactly one job exists and runs; the page of caller B stops what caller A's page follows."""
    assert len(set(ids)) == 1, f"each caller got its own job: {ids}"
    (job,) = job_rows(store)
    assert job.id == ids[0] and job.exclusive
    started = wait_for(lambda: (j := jobs.get_job(store, job.id)).started_at is not None and j, message="a worker")
    assert started.status == "running" and started.pid is not None
    jobs.request_stop(store, ids[-1])  # caller B's Stop ...
    followed = latest_analysis(store, dataset_id)  # ... on the job caller A's page follows
    assert followed is not None and followed.id == ids[0]
    ended = wait_for(lambda: (j := jobs.get_job(store, job.id)).status != "running" and j, message="the stop")
    assert ended.status == "cancelled", ended.error
    assert len(job_rows(store)) == 1  # nothing else was started meanwhile


def test_simultaneous_starts_from_threads_make_one_job(shared_store: Store, tmp_path: Path) -> None:
    dataset_id, _ = open_dataset(shared_store, write_table(tmp_path / "t.csv", 20_000))
    barrier = threading.Barrier(CALLERS)
    ids: list[int] = []

    def click() -> None:
        barrier.wait()
        ids.append(start_analysis(shared_store, dataset_id, checks=CHECKS))

    threads = [threading.Thread(target=click) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(ids) == CALLERS
    stop_through_the_other_caller_and_check(shared_store, dataset_id, ids)


_CALLER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from recipe_dash.analyzers import start_analysis
    from recipe_dash.store import Store

    url, dataset_id, ready, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    store = Store(url)
    ready.touch()
    while not go.exists():
        time.sleep(0.001)
    print(start_analysis(store, dataset_id, checks=sys.argv[5].split(",")))
    """
)


def test_simultaneous_starts_from_processes_make_one_job(shared_store: Store, tmp_path: Path) -> None:
    """Separate processes, as two servers on one PostgreSQL store would be."""
    dataset_id, _ = open_dataset(shared_store, write_table(tmp_path / "t.csv", 20_000))
    go = tmp_path / "go"
    callers = []
    for i in range(CALLERS):
        ready = tmp_path / f"ready-{i}"
        command = [
            sys.executable,
            "-c",
            _CALLER,
            shared_store.url,
            str(dataset_id),
            str(ready),
            str(go),
            ",".join(CHECKS),
        ]
        callers.append((subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), ready))
    wait_for(lambda: all(ready.exists() for _, ready in callers), message="the callers to import")
    go.touch()  # all click at once
    ids = []
    for process, _ in callers:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        ids.append(int(out.strip()))
    stop_through_the_other_caller_and_check(shared_store, dataset_id, ids)


def test_a_finished_analysis_frees_the_dataset_for_the_next(shared_store: Store, tmp_path: Path) -> None:
    dataset_id, _ = open_dataset(shared_store, write_table(tmp_path / "t.csv", 200))
    first = jobs.create_job(shared_store, "analyze", {"checks": ["imbalance"]}, dataset_id)
    assert jobs.create_job(shared_store, "analyze", {"checks": ["imbalance"]}, dataset_id) == first  # joins
    other_id, _ = open_dataset(shared_store, write_table(tmp_path / "u.csv", 200, seed=1))
    assert jobs.create_job(shared_store, "analyze", {"checks": ["imbalance"]}, other_id) != first  # other dataset
    jobs.run_job(shared_store, first)
    assert jobs.get_job(shared_store, first).status == "done"
    assert jobs.create_job(shared_store, "analyze", {"checks": ["imbalance"]}, dataset_id) != first
