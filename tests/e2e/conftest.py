"""A real dashboard server on a free port, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from recipe_dash.cli.dashboard import streamlit_command
from recipe_dash.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
RESULTS = PROJECT_ROOT / "test-results"
# Without these, chromium keeps trying to reach Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dashboard exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"the dashboard did not answer at {url} within {timeout}s")


@pytest.fixture(autouse=True)
def server_log_on_failure(tmp_path: Path) -> Iterator[None]:
    """Print the end of the server's log after the test: pytest shows it when the test failed (CI's output
    is all a reader of a failed run gets)."""
    yield
    log = tmp_path / "server.log"
    if log.exists():
        print("--- the end of the server's log ---\n" + log.read_text(errors="replace")[-6000:])


def e2e_db_url(home: Path) -> str:
    """The store the dashboard under test reads (a test can fill it before opening a page)."""
    return f"sqlite:///{home / 'e2e.db'}"


@pytest.fixture
def dashboard(tmp_path: Path, isolated_home: Path) -> Iterator[str]:
    """Start `streamlit run app.py` as `recipe-dash app` does (same flags), with its own store; yield its base URL."""
    yield from serve(PROJECT_ROOT / "app.py", tmp_path, isolated_home)


def serve(script: Path, tmp_path: Path, home: Path) -> Iterator[str]:
    """`streamlit run SCRIPT` from the project folder (so with its .streamlit/config.toml); its base URL."""
    process, url = start_server(script, home, tmp_path / "server.log")
    try:
        yield url
    finally:
        stop(process)


def start_server(script: Path, home: Path, log: Path, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start `streamlit run SCRIPT` on the store in `home` (on `port`, else a free one); return the process and
    its URL once it answers. `stop` it; a test may start it again on the same port and store (a restart)."""
    port = port or _free_port()
    env = {**os.environ, "RECIPE_DASH_HOME": str(home), "RECIPE_DASH_DB": e2e_db_url(home)}
    with log.open("ab") as output:
        process = subprocess.Popen(
            streamlit_command(script, port=port, host="127.0.0.1", headless=True),  # as `recipe-dash app` does
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process)
    except BaseException:
        stop(process)
        raise
    return process, url


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=20)


# Reports every exception box Streamlit draws (a traceback, or the redacted notice of one), on every page
# the test visits, to `reportException`; the page fixture fails the test if any was drawn.
_WATCH_EXCEPTIONS = """
new MutationObserver(() => {
  for (const box of document.querySelectorAll('[data-testid="stException"]')) {
    if (!box.dataset.reported) { box.dataset.reported = "1"; window.reportException(box.innerText); }
  }
}).observe(document, {childList: true, subtree: true});
"""


@pytest.fixture
def browser_exceptions() -> Iterator[list[str]]:
    """The text of every exception box the browser drew during the test; it must stay empty."""
    shown: list[str] = []
    yield shown
    assert not shown, "a traceback reached the browser:\n" + "\n---\n".join(shown)


@pytest.fixture
def browser() -> Iterator[object]:
    """Debian's headless chromium; a test that plays several users opens one `watched_context` per user."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run scripts/test.sh, which installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watched_context(browser, exceptions: list[str], *, height: int = 1000):
    """A browser context of its own (cookies, session) whose every exception box lands in `exceptions`."""
    context = browser.new_context(viewport={"width": 1400, "height": height})
    context.expose_function("reportException", lambda text: exceptions.append(text))
    context.add_init_script(_WATCH_EXCEPTIONS)
    return context


@pytest.fixture
def page(request: pytest.FixtureRequest, browser, browser_exceptions: list[str]) -> Iterator[object]:
    """A fresh chromium page; on failure a screenshot is kept in test-results/ for a human to look at.
    Every exception box it shows lands in `browser_exceptions`, which fails the test."""
    context = watched_context(browser, browser_exceptions)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / f"{request.node.name}-last.png"), full_page=True)
        context.close()


def load_from_server_path(page, dashboard: str, path: Path) -> None:
    """Open the dashboard and load `path` the way a user does on the Load page."""
    page.goto(dashboard)
    path_box = page.get_by_label("Path on the server")
    path_box.fill(str(path))
    path_box.press("Enter")
    page.get_by_role("button", name="Load", exact=True).click()
    page.get_by_text(f"Loaded {path.name}").wait_for()
