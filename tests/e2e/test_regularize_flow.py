"""A learning curve from the browser: its runs queue in the worker pool, one progress bar follows them, Stop ends
them all."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from recipe_dash import regularize
from recipe_dash.settings import SAMPLE_DATA
from recipe_dash.store import open_store
from tests.e2e.conftest import RESULTS, load_from_server_path

pytestmark = pytest.mark.e2e


def test_a_learning_curve_shows_its_progress_and_stops(dashboard: str, page, isolated_home: Path) -> None:
    load_from_server_path(page, dashboard, SAMPLE_DATA / "digits")
    page.get_by_role("link", name="Regularize").click()
    page.get_by_role("heading", name="Regularize · digits").wait_for()
    page.get_by_text("No learning curve yet.").wait_for()
    page.get_by_role("button", name="Run the learning curve").click()

    bar = page.get_by_test_id("stProgress").first
    bar.wait_for()
    page.get_by_text(re.compile(r"4 runs: .*(running|queued)")).first.wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"4 runs: .*running")).first.wait_for(timeout=120_000)  # a worker took one
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "regularize-running.png"))

    page.get_by_role("button", name="Stop").first.click()
    page.get_by_text("Stopped by the user: the runs that finished are shown.").wait_for(timeout=120_000)
    store = open_store(f"sqlite:///{isolated_home / 'e2e.db'}")  # the dashboard's store
    (dataset,) = store.datasets()
    group = regularize.latest_group(store, dataset.id, "learning_curve")
    assert group is not None and not group.active
    assert {m.status for m in group.members} <= {"cancelled", "done"} and "cancelled" in {
        m.status for m in group.members
    }
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and page.get_by_test_id("stProgress").count():
        page.wait_for_timeout(250)
    assert page.get_by_test_id("stProgress").count() == 0  # polling ended with the group
