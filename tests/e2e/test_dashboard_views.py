"""The dashboard as a team lives in it: views in the URL, links that open the same thing, nothing off the server,
and every page on the bundled samples and on a hostile folder, screenshotted for a human to look at."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from recipe_dash.analyzers import ANALYZERS, run_checks, save_results
from recipe_dash.io import load_dataset
from recipe_dash.settings import SAMPLE_DATA
from recipe_dash.store import open_store
from tests.e2e._stress import make_stress_images
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, RESULTS, e2e_db_url, load_from_server_path

pytestmark = pytest.mark.e2e

PAGES = ["", "browse", "overview", *ANALYZERS, "model_checks", "train", "overfit"]  # "" is Load, the default


def settle(page, *, timeout: float = 120_000) -> None:
    """Wait until the run is over, no skeleton stands in for an element, and every image has loaded (or failed)."""
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'",
        timeout=timeout,
    )
    # Charts, tables and images draw after the run ends: a skeleton stands in until then.
    page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')", timeout=timeout)
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=timeout)
    page.wait_for_timeout(800)  # tables and charts draw on canvases after their data arrives


def analyzed(home: Path, path: Path) -> int:
    """Record `path` in the dashboard's store with every check's results; returns its dataset id."""
    store = open_store(e2e_db_url(home))
    dataset = load_dataset(path)
    dataset_id = store.record_dataset(dataset)
    save_results(store, dataset_id, checks_of(path))
    return dataset_id


@cache
def checks_of(path: Path):
    return run_checks(load_dataset(path))


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_reload_and_a_second_browser_open_the_same_dataset_and_view(dashboard: str, page, tmp_path: Path) -> None:
    page.set_default_timeout(120_000)  # other work shares these 2 cores: a slow step is not a wrong one
    load_from_server_path(page, dashboard, SAMPLE_DATA / "digits")
    load_from_server_path(page, dashboard, SAMPLE_DATA / "breast_cancer.csv")  # now the most recent: the default
    settle(page)  # until the run is over, the Recent tab also holds the previous run's stale selectbox
    page.get_by_role("tab", name="Recent").click()
    page.get_by_test_id("stSelectbox").filter(has_text="Datasets loaded before").click()
    page.keyboard.type("digits")  # the option list is virtualized: filter it by typing
    page.get_by_role("option", name=re.compile(r"^digits · in sample_data")).click()
    page.get_by_test_id("stBaseButton-secondary").filter(has_text="Open").click()
    page.get_by_role("heading", name="Browse · digits").wait_for()
    page.get_by_test_id("stMultiSelect").filter(has_text="Split").click()
    page.get_by_role("option", name="test", exact=True).click()
    page.keyboard.press("Escape")
    total = f"of {load_dataset(SAMPLE_DATA / 'digits').n_samples:,} samples match"
    page.get_by_text(re.compile(r"^[\d,]+ " + total)).wait_for()
    settle(page)
    assert query(page)["split"] == ["test"] and query(page)["dataset"]
    matching = page.get_by_text(re.compile(total)).inner_text()
    link = page.url

    page.reload()
    page.get_by_role("heading", name="Browse · digits").wait_for()
    page.get_by_text(matching).wait_for()  # the same filter after a reload

    other = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})  # a colleague's browser
    colleague = other.new_page()
    colleague.set_default_timeout(120_000)
    colleague.goto(link)
    colleague.get_by_role("heading", name="Browse · digits").wait_for()  # not breast_cancer, the default
    colleague.get_by_text(matching).wait_for()
    settle(colleague)
    colleague.screenshot(path=str(RESULTS / "url-second-context.png"))
    colleague.get_by_role("link", name="Overview").click()  # moving on keeps the dataset
    colleague.get_by_role("heading", name="Overview · digits").wait_for()
    assert query(colleague)["dataset"] == query(page)["dataset"]
    other.close()


def test_a_link_with_a_threshold_opens_the_duplicates_page_at_that_threshold(
    dashboard: str, page, isolated_home: Path
) -> None:
    page.set_default_timeout(120_000)  # other work shares these 2 cores: a slow step is not a wrong one
    dataset_id = analyzed(isolated_home, SAMPLE_DATA / "digits")
    slider = page.get_by_role("slider", name=re.compile("Near-copy evidence"))
    page.goto(f"{dashboard}/duplicates?dataset={dataset_id}&threshold=0.9")
    page.get_by_role("heading", name="Duplicates · digits").wait_for()
    settle(page)
    assert float(slider.input_value()) == 0.9
    surest = page.get_by_text(re.compile(r"^At 0.9: ")).inner_text()
    page.goto(f"{dashboard}/duplicates?dataset={dataset_id}&threshold=0.3")
    page.get_by_role("heading", name="Duplicates · digits").wait_for()
    settle(page)
    assert float(slider.input_value()) == 0.3
    weaker = page.get_by_text(re.compile(r"^At 0.3: ")).inner_text()
    assert surest != weaker  # the counts follow the threshold in the link (39 vs 64 clusters on digits)
    page.screenshot(path=str(RESULTS / "duplicates-threshold-link.png"), full_page=True)


SCREENSHOT_SETS = {
    "digits": lambda tmp: SAMPLE_DATA / "digits",
    "table": lambda tmp: SAMPLE_DATA / "breast_cancer.csv",
    "stress": lambda tmp: make_stress_images(tmp / "hostile"),
}


@pytest.mark.parametrize("name", list(SCREENSHOT_SETS))
def test_every_page_stays_on_the_server_and_is_screenshotted(
    name: str, dashboard: str, isolated_home: Path, tmp_path: Path
) -> None:
    """Drive every page with stored results; no request may go anywhere but the server, no page may fail."""
    from playwright.sync_api import sync_playwright

    dataset_id = analyzed(isolated_home, SCREENSHOT_SETS[name](tmp_path))
    folder = RESULTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        page.set_default_timeout(120_000)
        for page_name in PAGES:
            page.goto(f"{dashboard}/{page_name}?dataset={dataset_id}")
            page.get_by_role("heading").first.wait_for()
            settle(page)
            assert page.get_by_test_id("stException").count() == 0, f"{page_name} shows a traceback"
            height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
            page.set_viewport_size({"width": 1400, "height": min(max(1000, height + 100), 6000)})
            page.wait_for_timeout(500)
            page.screenshot(path=str(folder / f"{name}-{page_name or 'load'}.png"))
            page.set_viewport_size({"width": 1400, "height": 1000})
        browser.close()
    elsewhere = sorted({url for url in requests if not url.startswith(dashboard)})
    assert requests and not elsewhere, f"requests left the server: {elsewhere}"
