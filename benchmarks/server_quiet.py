"""A quiet server: the log size over a working session, and the server's CPU while one tab sits idle.

    python benchmarks/server_quiet.py [--minutes 10] [--idle-minutes 3]

Starts the dashboard exactly as `recipe-dash app` does (same flags: no file watcher, warnings-only log) with
a fresh store, then drives a headless chromium (Debian's /usr/bin/chromium) through a session: load the
bundled digits, run every data check from the Overview page and wait for them, start a training run on
the Train page and wait for it, open every page; then one tab stays open on the Overview page, idle,
until `--minutes` have passed since the start. Everything the server and its worker processes print
goes to one log file, as in a terminal.

Printed: the log's size (target < 1 MB over a 10-minute session), the server process's own CPU seconds
over the whole session, and over the idle window (target ~0: an idle tab must not make the server
poll). Worker processes' CPU is not the server's and is not counted. Timings are noisy on a shared
machine; the CPU figures are counts of CPU seconds, which other load does not inflate much.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from recipe_dash.cli.dashboard import streamlit_command
from recipe_dash.settings import PROJECT_ROOT, SAMPLE_DATA

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
PAGES = ["browse", "overview", "duplicates", "corruption", "imbalance", "label_noise", "outliers", "biases"]
PAGES += ["distributions", "local_global", "model_checks", "train", "overfit"]
LOG_TARGET = 1024**2
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (not its children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str) -> None:
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


def settle(page) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'",
        timeout=180_000,
    )


def wait_for_jobs(*, started: float, timeout: float = 1200) -> None:
    """Until the store (this process shares the server's RECIPE_DASH_HOME) has a job and none is active."""
    from recipe_dash.jobs import list_jobs
    from recipe_dash.store import open_store
    from recipe_dash.store.jobs_model import ACTIVE

    while time.monotonic() - started < timeout:
        found = list_jobs(open_store())
        if found and found[0].kind != "analyze" and not any(job.status in ACTIVE for job in found):
            return
        time.sleep(2)
    raise TimeoutError("the training run did not finish")


def session(url: str, minutes: float, idle_minutes: float, server_pid: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(600_000)
        page.goto(url)
        path_box = page.get_by_label("Path on the server")
        path_box.fill(str(SAMPLE_DATA / "digits"))
        path_box.press("Enter")
        page.get_by_role("button", name="Load", exact=True).click()
        page.get_by_text("Loaded digits").wait_for()
        page.get_by_role("link", name="Overview").click()
        page.get_by_role("button", name="Run checks").click()
        page.get_by_role("heading", name="Health").wait_for()
        checks_done = time.monotonic() - started
        page.get_by_role("link", name="Train", exact=True).click()
        page.get_by_role("button", name="Start run").click()
        wait_for_jobs(started=time.monotonic())
        run_done = time.monotonic() - started
        for name in PAGES:
            page.goto(f"{url}/{name}?{page.url.split('?', 1)[1] if '?' in page.url else ''}")
            settle(page)
        page.goto(page.url.replace(f"/{PAGES[-1]}", "/overview"))
        settle(page)
        idle_from = max(time.monotonic(), started + (minutes - idle_minutes) * 60)
        time.sleep(max(0.0, idle_from - time.monotonic()))
        cpu_before_idle = cpu_seconds(server_pid)
        time.sleep(idle_minutes * 60)
        idle_cpu = cpu_seconds(server_pid) - cpu_before_idle
        browser.close()
    return {"checks_s": checks_done, "run_s": run_done, "idle_cpu_s": idle_cpu, "idle_s": idle_minutes * 60}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="whole session, idle window included")
    parser.add_argument("--idle-minutes", type=float, default=3.0, help="one tab open, nothing running")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        port = free_port()
        os.environ["RECIPE_DASH_HOME"] = home  # this process reads the same store, to wait for the run
        os.environ.pop("RECIPE_DASH_DB", None)
        env = dict(os.environ)
        log_path = Path(home) / "server.log"
        command = streamlit_command(PROJECT_ROOT / "app.py", port=port, host="127.0.0.1", headless=True)
        with log_path.open("wb") as log:
            server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                url = f"http://127.0.0.1:{port}"
                wait_healthy(url)
                figures = session(url, args.minutes, args.idle_minutes, server.pid)
                total_cpu = cpu_seconds(server.pid)
            finally:
                server.terminate()
                server.wait(timeout=30)
        size = log_path.stat().st_size
        lines = log_path.read_text().splitlines()
        checks, run, idle = figures["checks_s"], figures["run_s"], figures["idle_cpu_s"]
        print(f"session: {args.minutes:g} min; checks done after {checks:.0f} s, training run after {run:.0f} s")
        print(f"log: {size:,} bytes ({size / LOG_TARGET:.1%} of the 1 MB target), {len(lines)} lines")
        print(f"server CPU: {total_cpu:.1f} s over the session; {idle:.2f} s over {figures['idle_s']:.0f} s idle")
        tail = log_path.read_text().splitlines()[-15:]
        print("log tail:\n  " + "\n  ".join(tail))


if __name__ == "__main__":
    main()
