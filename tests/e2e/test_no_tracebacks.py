"""In a real browser: bad paths are one-line messages, and even a bug shows no traceback or server path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recipe_dash.settings import SAMPLE_DATA
from tests.e2e.conftest import RESULTS, serve

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (str(SAMPLE_DATA / ("x" * 300)), "cannot be opened: File name too long."),
        ("/etc/passwd", "is outside the folders this server may read"),
    ],
)
def test_bad_paths_on_the_load_page_are_one_line(dashboard: str, page, typed: str, message: str) -> None:
    page.goto(dashboard)
    path_box = page.get_by_label("Path on the server")
    path_box.fill(typed)
    path_box.press("Enter")
    alert = page.get_by_test_id("stAlertContentError")
    alert.wait_for()
    assert message in alert.inner_text() and "Traceback" not in page.content()
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"load-bad-path-{len(typed)}.png"))


@pytest.fixture
def buggy_app(tmp_path: Path, isolated_home: Path) -> Iterator[str]:
    script = tmp_path / "buggy.py"
    script.write_text("raise RuntimeError('a bug in /srv/secret/module.py')\n")
    yield from serve(script, tmp_path, isolated_home)


def test_a_bug_shows_the_redacted_notice_only(buggy_app: str, page, browser_exceptions: list[str]) -> None:
    """The shipped .streamlit/config.toml hides error details: the browser gets Streamlit's generic
    notice (which the watcher in conftest.py reports, proving it sees such boxes), never the message."""
    page.goto(buggy_app)
    page.get_by_test_id("stException").wait_for()
    page.wait_for_timeout(500)  # let the watcher report it
    assert len(browser_exceptions) == 1 and "redacted" in browser_exceptions[0]
    assert "secret" not in page.content() and "Traceback" not in page.content()
    browser_exceptions.clear()  # seen and expected here
