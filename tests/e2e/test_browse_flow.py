"""The main flow in a real browser: load the bundled sample, see the table and the gallery."""

from __future__ import annotations

import pytest

from recipe_dash.settings import SAMPLE_DATA
from tests.e2e.conftest import RESULTS, load_from_server_path

pytestmark = pytest.mark.e2e


def test_load_sample_then_browse_table_and_gallery(dashboard: str, page) -> None:
    load_from_server_path(page, dashboard, SAMPLE_DATA / "digits")
    page.get_by_role("link", name="Browse it").click()

    page.get_by_role("heading", name="Browse · digits").wait_for()
    table = page.get_by_test_id("stDataFrame")
    table.locator("canvas").first.wait_for()
    page.get_by_role("heading", name="Gallery").wait_for()
    gallery = page.get_by_test_id("stImage")
    gallery.nth(47).wait_for()  # a full first page of 48 thumbnails
    assert gallery.count() == 48
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stImage] img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    page.get_by_test_id("stMetricValue").first.wait_for()
    page.set_viewport_size({"width": 1400, "height": 3000})  # Streamlit scrolls inside; show the whole page
    page.wait_for_timeout(1500)  # the table and the chart draw on canvases after their data arrives
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "browse-digits.png"))


def test_upload_a_table_choose_its_label_and_browse(dashboard: str, page, tmp_path) -> None:
    table = tmp_path / "patients.csv"
    source = (SAMPLE_DATA / "breast_cancer.csv").read_text()
    table.write_text(source.replace("label", "diagnosis", 1))  # no auto-detectable label column
    page.goto(dashboard)
    page.get_by_role("tab", name="Upload").click()
    page.locator("input[type=file]").set_input_files(str(table))
    page.get_by_role("button", name="Load upload").click()
    page.get_by_text("No label column found in 'patients.csv'").wait_for()
    page.get_by_test_id("stSelectbox").filter(has_text="Label column").last.click()
    page.keyboard.type("diagnosis")  # the option list is virtualized: filter it by typing
    page.get_by_role("option", name="diagnosis", exact=True).click()
    page.get_by_role("button", name="Load upload").click()
    page.get_by_text("Loaded patients.csv").wait_for()
    page.get_by_role("link", name="Browse it").click()
    page.get_by_role("heading", name="Browse · patients.csv").wait_for()
    page.get_by_test_id("stDataFrame").locator("canvas").first.wait_for()
    assert page.get_by_role("heading", name="Gallery").count() == 0
