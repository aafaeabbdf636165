"""Two reviewers on one server, at the same time: every decision kept, each sees the other's within 5 s, a
disagreement shown until settled, the report and the manifest agree with the store; a restart loses nothing."""

from __future__ import annotations

import contextlib
import io
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from app_pages._review_widgets import COOKIE
from recipe_dash.analyzers import save_results
from recipe_dash.io import load_dataset
from recipe_dash.review import cleaned_manifest, history, review_status
from recipe_dash.settings import PROJECT_ROOT, SAMPLE_DATA
from recipe_dash.store import Store
from tests.app.test_analysis_pages import sample_results
from tests.e2e.conftest import RESULTS, start_server, stop, watched_context

pytestmark = pytest.mark.e2e
SEEN_WITHIN_MS = 5_000
APP = PROJECT_ROOT / "app.py"


def analyzed_store(home: Path) -> tuple[Store, int]:
    """The store the server will open, holding the digits sample and every check's result."""
    store = Store(f"sqlite:///{home / 'e2e.db'}")
    dataset_id = store.record_dataset(load_dataset(SAMPLE_DATA / "digits"))
    save_results(store, dataset_id, sample_results("digits"))
    return store, dataset_id


@pytest.fixture
def reviewer(request: pytest.FixtureRequest, browser, browser_exceptions: list[str]) -> Iterator[Callable]:
    """`reviewer(url, name)`: a browser of its own (own cookies, own session) on the Label quality page, signed
    with `name`. After the test, each reviewer's page is kept as a screenshot in test-results/ and its text
    printed (pytest shows it when the test failed: all a reader of a failed CI run gets)."""
    pages: dict[str, Any] = {}

    def open_as(url: str, name: str):
        page = watched_context(browser, browser_exceptions, height=1100).new_page()
        page.set_default_timeout(90_000)
        pages[name] = page
        page.goto(f"{url}/label_noise")
        sign(page, name)
        return page

    yield open_as
    RESULTS.mkdir(exist_ok=True)
    for name, page in pages.items():
        with contextlib.suppress(PlaywrightError):  # a page the test broke still lets the others be kept
            page.screenshot(path=str(RESULTS / f"{request.node.name}-{name}.png"), full_page=True)
            text = page.get_by_test_id("stMain").inner_text(timeout=5_000)
            buttons = page.get_by_role("button").all_inner_texts()
            stale = page.locator('[data-stale="true"]').count()
            print(f"--- {name}'s page at the end: buttons {buttons}, {stale} stale element(s) ---\n{text[:3000]}")


def sign(page, name: str) -> None:
    box = page.get_by_role("textbox", name="Your name")
    box.fill(name)
    box.press("Enter")
    page.get_by_text("All flagged samples").wait_for()


def open_gallery(page) -> None:
    page.get_by_role("radio", name="Gallery").click()
    at(page, 1)
    decision_button(page, "drop").wait_for()
    page.wait_for_function(
        "() => ![...document.querySelectorAll('button')].some(b => b.disabled && b.innerText.startsWith('drop'))"
    )


def at(page, position: int) -> str:
    """Wait until the gallery shows item `position`; return its sample id."""
    line = page.get_by_text(re.compile(rf"^{position} of \d+ · "))
    try:
        line.wait_for()
    except PlaywrightTimeout as err:
        shown = page.get_by_text(re.compile(r"^\d+ of \d+ · ")).all_inner_texts()
        raise AssertionError(f"the gallery never showed item {position}; it shows {shown}") from err
    return line.locator("code").inner_text()


def drawn(page) -> None:
    """Wait until no element is stale (drawn by an earlier run, not yet redrawn): the header of the next finding
    comes first, and its buttons and class may still show the previous finding's for a moment."""
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")


def decision_button(page, decision: str):
    return page.get_by_role("button", name=re.compile(rf"^{re.escape(decision)}"))


def click_now(button) -> None:
    """Click without Playwright's waits, so two reviewers' clicks leave within milliseconds of each other."""
    button.evaluate("b => b.click()")


def stored(store: Store, dataset_id: int, n_decisions: int) -> float:
    """Wait until the store holds `n_decisions`; return when (the clock of 'seen within 5 s' starts there)."""
    deadline = time.monotonic() + 60
    while len(history(store, dataset_id)) < n_decisions:
        assert time.monotonic() < deadline, f"the store never reached {n_decisions} decisions"
        time.sleep(0.05)
    return time.monotonic()


def seen_within(page, text: str, since: float) -> float:
    """Seconds from `since` until `text` shows on `page`, which nobody touches meanwhile."""
    page.get_by_text(text).first.wait_for(timeout=SEEN_WITHIN_MS + 1_000)
    return time.monotonic() - since


def settled(page, decisions: str) -> None:
    """Wait until the Review page has redrawn with this many decisions and is idle (a download started while
    the page redraws is cancelled with it)."""
    metric = page.get_by_test_id("stMetric").filter(has_text="Decisions")
    metric.get_by_text(decisions, exact=True).wait_for()
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
    page.wait_for_timeout(2_000)


def download(page, button: str) -> bytes:
    with page.expect_download() as event:
        page.get_by_role("button", name=button).click(timeout=120_000)
    return Path(event.value.path()).read_bytes()


def test_two_reviewers_decide_at_once_and_see_each_other(reviewer, tmp_path: Path, isolated_home: Path) -> None:
    store, dataset_id = analyzed_store(isolated_home)
    process, url = start_server(APP, isolated_home, tmp_path / "server.log")
    try:
        alice, bob = (
            reviewer(url, "alice"),
            reviewer(url, "bob"),
        )
        open_gallery(alice)
        open_gallery(bob)
        first = at(alice, 1)
        assert at(bob, 1) == first

        # The same finding, decided differently by both within milliseconds: neither saw the other's.
        click_now(decision_button(alice, "drop"))
        click_now(decision_button(bob, "not an issue"))
        second = at(alice, 2)
        assert at(bob, 2) == second

        # alice relabels the second finding; bob, idle on it, sees her decision without reloading.
        drawn(alice)
        target = decision_button(alice, "relabel →").inner_text().split("→")[1].split()[0]
        decision_button(alice, "relabel →").click(no_wait_after=True)
        bob_saw = seen_within(bob, f"relabel → {target} by alice", stored(store, dataset_id, 3))
        third = at(alice, 3)

        # bob decides on the third; alice, idle on it, sees his decision.
        bob.get_by_role("button", name=re.compile("Next")).click()
        assert at(bob, 3) == third
        decision_button(bob, "fixed").click(no_wait_after=True)
        alice_saw = seen_within(alice, "Review: fixed by bob", stored(store, dataset_id, 4))
        print(f"a decision stored was on the other reviewer's page {bob_saw:.1f} s and {alice_saw:.1f} s later")
        assert bob_saw < SEEN_WITHIN_MS / 1000 and alice_saw < SEEN_WITHIN_MS / 1000

        # The disagreement on the first finding shows until alice, having seen both, settles it.
        for position in (2, 1):
            alice.get_by_role("button", name=re.compile("Previous")).click()
            at(alice, position)
        assert at(alice, 1) == first
        dispute = alice.get_by_text("Reviewers disagree:").first
        dispute.wait_for()
        assert "alice: drop" in dispute.inner_text() and "bob: not an issue" in dispute.inner_text()
        decision_button(alice, "drop").click()
        at(alice, 2)

        # bob goes to the Review page (no reload): nothing disputed any more; he decides on three open findings.
        bob.set_viewport_size({"width": 1400, "height": 2600})
        bob.get_by_role("link", name="Review", exact=True).click()
        bob.get_by_role("heading", name="Review · digits").wait_for()
        bob.get_by_text("No disagreement.").wait_for()
        grid = bob.get_by_test_id("stDataFrame").filter(has_text="issue_type").last
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        for row in (1, 2, 3):
            bob.mouse.click(box["x"] + 16, box["y"] + 35 * row + 17)
            bob.wait_for_timeout(800)
        bob.get_by_role("button", name="Decide on these 3").click()
        bob.get_by_text("Recorded confirmed on 3 subject(s)").wait_for()
        # the decided rows leave the table; the selection goes with them instead of sliding onto others
        bob.get_by_role("button", name="Decide on these 3").wait_for(state="detached")

        decisions = history(store, dataset_id)
        assert len(decisions) == 8  # every click, none lost, none twice
        on_first = decisions[decisions["sample_id"] == first].sort_values("seq")
        rows = list(zip(on_first["reviewer"], on_first["decision"], on_first["seq"], on_first["based_on"], strict=True))
        # both first words saw nothing (seen 0), in whichever order the database took them; the third saw both
        assert {r[:2] for r in rows[:2]} == {("alice", "drop"), ("bob", "not_an_issue")}
        assert [r[2:] for r in rows] == [(1, 0), (2, 0), (3, 2)] and rows[2][:2] == ("alice", "drop")
        assert decisions.loc[decisions["sample_id"] == second, ["reviewer", "decision", "label"]].values.tolist() == [
            ["alice", "relabel", target]
        ]
        assert decisions.loc[decisions["sample_id"] == third, ["reviewer", "decision"]].values.tolist() == [
            ["bob", "fixed"]
        ]
        assert (decisions["reviewer"] == "bob").sum() == 5 and (decisions["decision"] == "confirmed").sum() == 3

        # The report lists every current decision; the manifest is the one the store gives.
        settled(bob, "8")
        bob.get_by_role("button", name="Prepare the report and the manifest").click()
        report = download(bob, "Report (HTML)").decode("utf-8")
        for text in (first, second, third, f"relabel → {target}", "fixed", "not an issue", "alice", "bob"):
            assert text in report
        assert "8 decisions by 2 reviewer(s)" in report and "None.</p>" in report.split("Open disagreements")[1][:80]
        manifest = pd.read_csv(io.BytesIO(download(bob, "Cleaned manifest (CSV)")), dtype=str, keep_default_na=False)
        expected = cleaned_manifest(
            load_dataset(SAMPLE_DATA / "digits"), review_status(sample_results("digits"), decisions)
        )
        pd.testing.assert_frame_equal(manifest, expected.astype(str), check_dtype=False)
        rows = manifest.set_index("sample_id")
        assert rows.loc[first, "action"] == "drop" and tuple(rows.loc[second, ["action", "final_label"]]) == (
            "relabel",
            target,
        )

        RESULTS.mkdir(exist_ok=True)
        bob.get_by_role("heading", name="Review · digits").scroll_into_view_if_needed()
        bob.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
        bob.wait_for_timeout(1_000)
        bob.screenshot(path=str(RESULTS / "review-page.png"))
        alice.set_viewport_size({"width": 1400, "height": 2600})
        alice.get_by_role("radio", name="Table").click()
        alice.get_by_text("All flagged samples").scroll_into_view_if_needed()
        alice.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
        alice.wait_for_timeout(1_500)
        alice.screenshot(path=str(RESULTS / "label-noise-decisions.png"))
    finally:
        stop(process)


def test_a_server_restart_between_decisions_loses_nothing(reviewer, tmp_path: Path, isolated_home: Path) -> None:
    store, dataset_id = analyzed_store(isolated_home)
    process, url = start_server(APP, isolated_home, tmp_path / "server.log")
    port = int(url.rsplit(":", 1)[1])
    try:
        alice = reviewer(url, "alice")
        open_gallery(alice)
        first = at(alice, 1)
        decision_button(alice, "drop").click()
        at(alice, 2)
        assert len(history(store, dataset_id)) == 1
        alice.wait_for_function(f"() => document.cookie.includes('{COOKIE}=alice')")  # the browser keeps the name

        stop(process)
        process, url = start_server(APP, isolated_home, tmp_path / "server.log", port=port)
        alice.reload()
        alice.get_by_text("All flagged samples").wait_for()
        # The box is drawn from the name the browser sent; read it as the page settles, not at one instant.
        cookies = [(c["name"], c["value"]) for c in alice.context.cookies()]
        expect(alice.get_by_role("textbox", name="Your name"), f"cookies: {cookies}").to_have_value("alice")
        open_gallery(alice)
        assert at(alice, 1) == first
        alice.get_by_text("Review: drop by alice").wait_for()
        decision_button(alice, "not an issue").click()
        second = at(alice, 2)
        assert history(store, dataset_id)[["sample_id", "decision", "reviewer"]].values.tolist() == [
            [first, "drop", "alice"],
            [first, "not_an_issue", "alice"],
        ]
        assert second != first
    finally:
        stop(process)
