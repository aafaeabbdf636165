"""200 decisions written at once by 4 processes on a few shared subjects: none lost, none duplicated, each
subject's history numbered 1..n without a gap, on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from recipe_dash.io import load_dataset
from recipe_dash.review import Verdict, finding_subject, history, record_decisions
from recipe_dash.store import Store

PROCESSES = 4
PER_PROCESS = 50
SUBJECTS = [finding_subject("label_noise", "label_noise", f"train/cat/{i}.png") for i in range(5)]
VERDICTS = [Verdict("drop"), Verdict("not_an_issue"), Verdict("relabel", "dog"), Verdict("confirmed")]


def _write(url: str, dataset_id: int, worker: int, start: multiprocessing.synchronize.Barrier) -> None:
    """One reviewer's process: 50 decisions on the shared subjects, every fifth sent twice (a retry)."""
    store = Store(url)
    start.wait()
    for i in range(PER_PROCESS):
        subject = SUBJECTS[(worker + i) % len(SUBJECTS)]
        uid = f"w{worker}-{i}"
        for _ in range(2 if i % 5 == 0 else 1):
            record_decisions(
                store, dataset_id, [subject], VERDICTS[i % len(VERDICTS)], reviewer=f"reviewer-{worker}", uid=uid
            )


def test_concurrent_writes_are_all_kept_once_in_order(shared_store_url: str, image_folder: Path) -> None:
    """On a SQLite file and on the throwaway PostgreSQL server of tests/_postgres.py."""
    shared_url = shared_store_url
    store = Store(shared_url)
    dataset_id = store.record_dataset(load_dataset(image_folder))
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    workers = [context.Process(target=_write, args=(shared_url, dataset_id, w, start)) for w in range(PROCESSES)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=300)
    assert [p.exitcode for p in workers] == [0] * PROCESSES

    frame = history(store, dataset_id)
    assert len(frame) == PROCESSES * PER_PROCESS  # none lost, no retry stored twice
    assert frame["uid"].is_unique
    per_reviewer = frame.groupby("reviewer").size()
    assert per_reviewer.to_dict() == {f"reviewer-{w}": PER_PROCESS for w in range(PROCESSES)}
    for _, decisions in frame.groupby("subject"):
        assert sorted(decisions["seq"]) == list(range(1, len(decisions) + 1))  # no gap, no seq given twice
    # The database's order agrees with each reviewer's own: a later decision of one process has a later seq.
    for _, decisions in frame.groupby(["reviewer", "subject"]):
        assert decisions.sort_values("id")["seq"].is_monotonic_increasing
