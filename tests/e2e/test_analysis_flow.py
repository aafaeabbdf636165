"""Run the data checks from the browser: a worker does the work, the page polls it, results show."""

from __future__ import annotations

import re

import pytest

from recipe_dash.settings import SAMPLE_DATA
from tests.e2e.conftest import RESULTS, load_from_server_path

pytestmark = pytest.mark.e2e


def test_run_checks_watch_progress_then_open_duplicates(dashboard: str, page) -> None:
    load_from_server_path(page, dashboard, SAMPLE_DATA / "digits")

    RESULTS.mkdir(exist_ok=True)
    page.get_by_role("link", name="Overview").click()
    page.get_by_role("button", name="Run checks").click()
    page.get_by_test_id("stProgress").wait_for()  # the page polls the worker's progress ...
    page.get_by_text(re.compile(r"\d+% · \d+ s elapsed")).wait_for()  # ... with percent done and time
    page.screenshot(path=str(RESULTS / "overview-running.png"))
    page.get_by_role("heading", name="Health").wait_for(timeout=180_000)  # shown once the worker is done
    for check in ("Duplicates", "Corruption", "Label quality", "Outliers"):  # named as their pages
        page.get_by_role("link", name=check, exact=True).last.wait_for()
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(RESULTS / "overview-digits.png"))

    page.get_by_role("main").get_by_role("link", name="Duplicates", exact=True).click()
    page.get_by_role("heading", name="Duplicates · digits").wait_for()
    page.get_by_text("leaks across splits").first.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stImage] img')].length >= 8"
        " && [...document.querySelectorAll('[data-testid=stImage] img')].every(i => i.complete)"
    )
    page.screenshot(path=str(RESULTS / "duplicates-digits.png"))
