"""The report opens in headless chromium with the network cut: every figure draws, no request leaves the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from recipe_dash.review.report import gather_report, write_report
from tests.e2e.conftest import RESULTS
from tests.review.conftest import analyzed
from tests.review.test_report import REPORT_LIMIT, reviewed_digits

pytestmark = pytest.mark.e2e


def test_the_digits_report_opens_offline_with_every_figure(page, tmp_path: Path) -> None:
    review = analyzed("digits")
    reviewed_digits(review)
    path = write_report(tmp_path / "report.html", gather_report(review.store, review.dataset_id, review.dataset))
    assert path.stat().st_size < REPORT_LIMIT

    requests: list[str] = []
    page.context.set_offline(True)
    page.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
    page.goto(path.as_uri())
    page.wait_for_function("document.body.dataset.figures !== undefined", timeout=60_000)
    assert page.evaluate("document.body.dataset.figures") == "ready", page.inner_text("#figures-note")
    n_figures = page.locator("div.figure").count()
    assert n_figures >= 5 and page.locator("div.figure .main-svg").first.is_visible()
    assert page.evaluate("document.querySelectorAll('div.figure.js-plotly-plot').length") == n_figures
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "report-digits.png"), full_page=True)
