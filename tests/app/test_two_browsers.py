"""Two people on the Overview page of one dataset: one analysis between them, and either can stop it.

Clicks at the very same moment are the store's to settle (tests/jobs/test_one_per_dataset.py); here the
second click comes a moment later, when Bob's page already follows Alice's job.
"""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from recipe_dash import jobs
from recipe_dash.io import load_dataset
from recipe_dash.settings import PROJECT_ROOT, SAMPLE_DATA
from recipe_dash.store import open_store

APP = str(PROJECT_ROOT / "app.py")


def overview() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/overview.py").run()
    return at


def run_checks_button(at: AppTest):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == "Run checks")


def test_the_other_browser_follows_the_same_job_and_stops_it() -> None:
    store = open_store()
    store.record_dataset(load_dataset(SAMPLE_DATA / "breast_cancer.csv"))
    alice, bob = overview(), overview()  # both pages drawn before any job: both show "Run checks"
    run_checks_button(alice).click().run()
    run_checks_button(bob).click().run()  # a moment later: his page now follows Alice's job instead
    (job,) = jobs.list_jobs(store)
    assert job.kind == "analyze"
    stop = bob.button(key=f"stop_{job.id}")  # Bob's page follows the same job ...
    stop.click().run()  # ... and stops it
    deadline = time.monotonic() + 60
    while jobs.get_job(store, job.id).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert jobs.get_job(store, job.id).status == "cancelled"
    alice.run()  # Alice's page says so
    assert any(f"Job #{job.id} was stopped" in w.value for w in alice.warning)
    assert len(jobs.list_jobs(store)) == 1
