"""Baseline and overfit runs from the browser: both curves grow on one chart while the workers train."""

from __future__ import annotations

import time

import pytest

from recipe_dash.settings import SAMPLE_DATA
from tests.e2e.conftest import RESULTS, load_from_server_path

pytestmark = pytest.mark.e2e

# Per training trace of the overlay chart, its number of points; and the runs whose job is still active
# (the page captions "Job N · run M" above the progress bar of an active job).
STATE = """() => {
  const chart = [...document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')]
    .find(c => (c.data || []).some(t => (t.name || '').endsWith(' · train')));
  // _fullData: plotly's decoded traces (the figure JSON ships x as base64 typed arrays), _length = points drawn
  const traces = chart ? chart._fullData.filter(t => t.name.endsWith(' · train') && t.xaxis === 'x') : [];
  const active = [...document.querySelectorAll('[data-testid=stCaptionContainer]')]
    .map(e => e.innerText.trim()).filter(t => /^Job \\d+ · run \\d+$/.test(t)).map(t => t.split(' · ')[1]);
  return {points: Object.fromEntries(traces.map(t => [t.name, t._length])), active};
}"""
BASELINE, OVERFIT = "run 1 · baseline · train", "run 2 · overfit 64 · train"


def test_a_baseline_and_an_overfit_run_grow_side_by_side_on_one_live_chart(dashboard: str, page) -> None:
    load_from_server_path(page, dashboard, SAMPLE_DATA / "digits")
    page.get_by_role("link", name="Train", exact=True).click()
    page.get_by_role("heading", name="Train · digits").wait_for()
    kinds = page.get_by_test_id("stButtonGroup")
    kinds.get_by_text("Baseline (zeroed inputs)").click()
    epochs = page.get_by_role("spinbutton", name="Epochs")
    epochs.fill("5")
    epochs.press("Enter")
    page.get_by_role("button", name="Start run").click()
    page.get_by_text("Baseline (zeroed inputs) run started").wait_for()
    kinds.get_by_text("Overfit a subset").click()
    page.get_by_role("spinbutton", name="Samples to memorise").wait_for()
    page.get_by_role("button", name="Start run").click()
    page.get_by_text("Overfit a subset run started").wait_for()

    grew: dict[str, int] = {BASELINE: 0, OVERFIT: 0}  # updates seen while the run's job was active
    last: dict[str, int] = {}
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        state = page.evaluate(STATE)
        for name, points in state["points"].items():
            run = " ".join(name.split(" ")[:2])  # "run 1"
            if name in grew and points > last.get(name, 0) and run in state["active"]:
                grew[name] += 1
            last[name] = max(points, last.get(name, 0))
        if min(grew.values()) >= 2:
            break
        page.wait_for_timeout(1000)
    assert min(grew.values()) >= 2, (grew, last)  # each curve was redrawn longer at least twice while training

    page.get_by_text("the model can overfit", exact=False).wait_for(timeout=600_000)
    page.get_by_text("Zero-input validation loss", exact=False).wait_for(timeout=600_000)
    final = page.evaluate(STATE)["points"]
    assert final[OVERFIT] >= last[OVERFIT] and final[BASELINE] == 5 * 16  # 1,013 samples, batch 64: 16 steps
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.wait_for_timeout(1500)
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "train-baseline-overfit-digits.png"))
