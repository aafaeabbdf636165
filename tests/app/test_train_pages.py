"""The training pages through AppTest: runs, checks, baselines, LR finder and signals, without tracebacks."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from recipe_dash import jobs, workspace
from recipe_dash.analyzers import label_noise, save_results
from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.findings import findings_frame
from recipe_dash.settings import PROJECT_ROOT
from recipe_dash.store import Store, open_store
from recipe_dash.training import runs
from recipe_dash.training.config import TrainConfig
from tests.training.conftest import make_shapes, make_table

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture
def store() -> Store:
    return open_store()


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def run_inline(store: Store, dataset_id: int, kind: str, config: TrainConfig) -> int:
    job_id = jobs.create_job(store, kind, config.to_dict(), dataset_id)
    jobs.run_job(store, job_id)
    return job_id


def frame_with(at: AppTest, column: str):  # -> pd.DataFrame
    """The first table shown with this column (AppTest does not keep a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def overlay(at: AppTest):  # -> Multiselect
    return next(m for m in at.multiselect if m.label == "Runs to overlay")


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


@pytest.mark.parametrize("page", ["app_pages/train.py", "app_pages/model_checks.py", "app_pages/overfit.py"])
def test_without_a_dataset_the_pages_say_what_to_do(page: str) -> None:
    assert "Load a dataset first" in open_page(page).info[0].value


def test_train_page_shows_a_finished_run(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_shapes(tmp_path / "shapes"))
    run_inline(store, dataset_id, "train", TrainConfig(epochs=2, lr=3e-3))
    at = open_page("app_pages/train.py")
    assert at.title[0].value == "Train · shapes"
    assert frame_with(at, "progress")["status"].tolist() == ["done"]
    assert len(at.get("plotly_chart")) == 2  # curves and prediction dynamics
    assert [m.label for m in at.metric] == ["accuracy ★", "balanced accuracy", "macro f1"]
    assert len(at.get("image")) == 64 + 24  # the first batch just before the net, the 24 highest losses
    assert "Run the data inspection" in " ".join(i.value for i in at.info)


def test_the_hardest_samples_gallery_shows_16_bit_images(store: Store, tmp_path: Path) -> None:
    """st.image cannot encode a 16-bit file (PIL refuses 'I;16' as JPEG); the gallery shows thumbnails."""
    root = make_shapes(tmp_path / "deep")
    for png in root.rglob("*.png"):
        pixels = np.asarray(Image.open(png), dtype=np.uint16) * 257
        Image.fromarray(pixels).save(png)  # mode I;16
    assert Image.open(next(root.rglob("*.png"))).mode == "I;16"
    dataset_id, _ = workspace.open_dataset(store, root)
    run_inline(store, dataset_id, "train", TrainConfig(epochs=1, lr=3e-3))
    at = open_page("app_pages/train.py")
    assert len(at.get("image")) == 64 + 24  # the autouse fixture fails the test on any exception box


def test_a_run_without_per_sample_losses_says_so_instead_of_a_gallery(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_shapes(tmp_path / "shapes"))
    run_inline(store, dataset_id, "train", TrainConfig(epochs=1, sample_losses=False))
    at = open_page("app_pages/train.py")
    assert any("per-sample losses off" in i.value for i in at.info)
    assert len(at.get("image")) == 64  # the first batch only
    assert len(at.get("plotly_chart")) == 2  # prediction dynamics come from validation, still recorded


def test_train_page_compares_losses_with_stored_findings(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_table(tmp_path / "t.csv"))
    flagged = findings_frame(["0", "1", "2"], "label_noise", [0.9, 0.9, 0.9], None, "suspect")
    details = label_noise.Details(excluded_columns=pd.DataFrame(), source="table", n_folds=5, seed=0)
    save_results(store, dataset_id, {"label_noise": Result("label_noise", "warn", "3 suspects", flagged, details)})
    run_inline(store, dataset_id, "train", TrainConfig(epochs=2))
    at = open_page("app_pages/train.py")
    assert "Data findings meet training" in texts(at)
    assert frame_with(at, "auc")["issue_type"].tolist() == ["label_noise"]


def test_several_runs_are_overlaid_in_one_chart(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_table(tmp_path / "t.csv"))
    for lr in (1e-3, 3e-3):
        run_inline(store, dataset_id, "train", TrainConfig(epochs=2, lr=lr))
    at = open_page("app_pages/train.py")
    assert overlay(at).value == [2, 1]
    curves = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = {trace["name"] for trace in curves["data"]}
    assert names == {"run 1 · train", "run 1 · validation", "run 2 · train", "run 2 · validation"}


def test_stop_button_asks_a_running_job_to_stop(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_table(tmp_path / "t.csv"))
    job_id = jobs.create_job(store, "train", TrainConfig().to_dict(), dataset_id)
    jobs.runner._update(store, job_id, status="running", pid=os.getpid(), done=3, total=10, message="epoch 1")
    at = open_page("app_pages/train.py")
    assert at.button(key=f"stop_train_{job_id}")
    at.button(key=f"stop_train_{job_id}").click().run()
    assert not at.exception
    assert jobs.get_job(store, job_id).stop_requested


def test_a_failed_run_shows_its_error_and_the_page_stays_up(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_shapes(tmp_path / "shapes"))
    run_inline(store, dataset_id, "train", TrainConfig(model="tests.training.zoo:log_of_input"))
    at = open_page("app_pages/train.py")
    assert any("became nan" in e.value for e in at.error)


def test_start_run_trains_in_a_worker_process(store: Store, tmp_path: Path) -> None:
    workspace.open_dataset(store, make_table(tmp_path / "t.csv"))
    at = open_page("app_pages/train.py")
    assert "No runs yet" in " ".join(i.value for i in at.info)
    at.number_input(key="run_epochs").set_value(2)
    at.toggle(key="run_sample_losses").set_value(False)
    at.button(key="start_run").click().run()
    assert not at.exception
    (job,) = jobs.list_jobs(store, kind="train")
    assert job.config["epochs"] == 2 and job.config["sample_losses"] is False and job.pid is not None
    deadline = time.monotonic() + 90
    while jobs.get_job(store, job.id).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
    at.run()
    assert frame_with(at, "progress")["status"].tolist() == ["done"]


def test_model_checks_page_shows_verdicts_inputs_and_baselines(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_shapes(tmp_path / "shapes"))
    run_inline(store, dataset_id, "model_checks", TrainConfig(model="tests.training.zoo:frozen_layers"))
    run_inline(store, dataset_id, "baselines", TrainConfig(epochs=2))
    at = open_page("app_pages/model_checks.py")
    page = texts(at)
    assert "**gradient_flow** — 2 of 4 parameters get a gradient" in page
    assert sum(":red-badge[" in m.value for m in at.markdown) >= 1 and "1 failed" in page
    assert len(at.get("image")) == 32  # the batch the checks fed the model, one image per tensor
    table = frame_with(at, "beaten")
    assert table["baseline"].tolist()[-1] == "your model" and len(table) == 4  # small CNN is the model itself


def test_overfit_page_shows_the_lr_finder_and_signals(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_table(tmp_path / "t.csv"))
    run_inline(store, dataset_id, "lr_find", TrainConfig())
    run_inline(store, dataset_id, "signals", TrainConfig(epochs=3))
    at = open_page("app_pages/overfit.py")
    assert len(at.get("plotly_chart")) == 2
    assert "Press Start overfit run" in at.info[0].value  # no overfit run yet
    assert "Suggested learning rate" in at.info[1].value
    assert frame_with(at, "accuracy_gain")["added"].tolist() == ["(none: inputs zeroed)", "signal …", "noise …"]


def test_runs_of_all_three_kinds_share_one_chart_with_the_baselines_reference_lines(
    store: Store, tmp_path: Path
) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_table(tmp_path / "t.csv"))
    run_inline(store, dataset_id, "train", TrainConfig(epochs=2))
    run_inline(store, dataset_id, "train", TrainConfig(epochs=2, kind="baseline"))
    run_inline(store, dataset_id, "train", TrainConfig(kind="overfit", overfit_samples=16, lr=3e-3))
    at = open_page("app_pages/train.py")
    assert frame_with(at, "progress")[["run_id", "kind", "verdict"]].fillna("-").to_dict("records") == [
        {"run_id": 3, "kind": "overfit", "verdict": "pass"},
        {"run_id": 2, "kind": "baseline", "verdict": "pass"},
        {"run_id": 1, "kind": "normal", "verdict": "-"},
    ]
    assert overlay(at).value == [3, 2, 1]
    curves = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = {trace["name"] for trace in curves["data"]}
    assert {"run 3 · overfit 16 · train", "run 2 · baseline · validation", "run 1 · train"} <= names
    assert {"run 2 · baseline · majority class", "run 2 · baseline · linear model (logistic regression)"} <= names
    assert curves["layout"]["xaxis"]["title"]["text"] == "step"
    page = texts(at)
    assert "**Run 3 · overfit 16.** Loss " in page and "the model can overfit" in page
    assert "**Run 2 · baseline.** Zero-input validation loss" in page
    assert at.button(key="find_lr_train_3")  # the LR finder one click from the overfit verdict


def test_the_overfit_verdict_offers_a_rerun_at_the_lr_finders_suggestion(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_table(tmp_path / "t.csv"))
    run_inline(store, dataset_id, "train", TrainConfig(kind="overfit", overfit_samples=16, max_steps=30))
    at = open_page("app_pages/overfit.py")
    assert "Learning rate used 3.0e-04" in texts(at)
    at.button(key="find_lr_overfit_run").click().run()
    assert not at.exception
    finder = jobs.list_jobs(store, kind="lr_find")[0]
    assert finder.config["model"] == "auto" and finder.config["kind"] == "normal"
    jobs.request_stop(store, finder.id)
    _wait(store, finder.id)
    run_inline(store, dataset_id, "lr_find", TrainConfig())
    at = open_page("app_pages/overfit.py")
    suggested = jobs.list_jobs(store, kind="lr_find")[0].result["suggested"]
    assert f"the LR finder suggests {suggested:.1e}" in texts(at)
    at.button(key="again_overfit_run").click().run()
    assert not at.exception
    rerun = jobs.list_jobs(store, kind="train")[0]
    assert rerun.config["kind"] == "overfit" and rerun.config["lr"] == pytest.approx(suggested)
    assert rerun.config["overfit_samples"] == 16 and rerun.config["max_steps"] == 30
    _wait(store, rerun.id)


def test_the_overfit_page_starts_an_overfit_run(store: Store, tmp_path: Path) -> None:
    workspace.open_dataset(store, make_table(tmp_path / "t.csv"))
    at = open_page("app_pages/overfit.py")
    at.number_input(key="overfit_samples").set_value(16)
    at.number_input(key="overfit_max_steps").set_value(50)
    at.button(key="start_overfit").click().run()
    assert not at.exception
    (job,) = jobs.list_jobs(store, kind="train")
    assert {k: job.config[k] for k in ("kind", "overfit_samples", "max_steps", "lr")} == {
        "kind": "overfit",
        "overfit_samples": 16,
        "max_steps": 50,
        "lr": 3e-4,
    }
    _wait(store, job.id)
    at.run()
    assert (
        len(at.get("plotly_chart")) == 1
        and "run 1 · overfit 16" in json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["name"]
    )
    assert any("Compare run 1 · overfit 16" in link.proto.label for link in at.get("page_link"))


def test_the_lr_finder_draws_its_curve_while_it_runs(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_table(tmp_path / "t.csv"))
    job_id = jobs.create_job(store, "lr_find", TrainConfig().to_dict(), dataset_id)
    jobs.runner._update(store, job_id, status="running", pid=os.getpid(), done=30, total=100, message="ramping")
    curve = {"lrs": [1e-7, 1e-6, 1e-5], "losses": [0.7, 0.69, 0.6], "smoothed": [0.7, 0.66, 0.62], "span": [1e-7, 10]}
    runs.write_partial(job_id, curve)
    at = open_page("app_pages/overfit.py")
    lr_chart = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert lr_chart["data"][0]["x"] == [1e-7, 1e-6, 1e-5] and "3 steps so far" in texts(at)
    assert lr_chart["layout"]["xaxis"]["range"] == [-7, 1]  # the whole ramp: the curve grows left to right
    assert not any(trace["name"].startswith("suggested") for trace in lr_chart["data"])  # only at the end


def test_model_checks_link_the_baselines_table_to_baseline_runs(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_shapes(tmp_path / "shapes"))
    run_inline(store, dataset_id, "baselines", TrainConfig(epochs=2))
    at = open_page("app_pages/model_checks.py")
    assert frame_with(at, "beaten")["beaten"].tolist() == ["beaten", "beaten", "beaten", "(your model)"]
    assert not at.get("page_link") or not any("Baseline runs" in p.proto.label for p in at.get("page_link"))
    at.number_input(key="baseline_epochs").set_value(2).run()
    at.button(key="start_baseline_run").click().run()
    assert not at.exception
    (job,) = jobs.list_jobs(store, kind="train")
    assert job.config["kind"] == "baseline" and job.config["epochs"] == 2 and job.config["model"] == "cnn"
    _wait(store, job.id)
    at = open_page("app_pages/model_checks.py")
    (link,) = [p for p in at.get("page_link") if "Baseline runs" in p.proto.label]
    assert link.proto.label == "Baseline runs on the Train page: run 1" and link.proto.query_string == "show_runs=1"


def test_a_link_with_show_runs_puts_those_runs_on_the_chart(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_table(tmp_path / "t.csv"))
    for _ in range(4):
        run_inline(store, dataset_id, "train", TrainConfig(epochs=1))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/train.py")
    at.query_params["show_runs"] = "1"
    at.run()
    assert not at.exception
    assert overlay(at).value == [1, 4, 3, 2]
    overlay(at).unselect(1).run()  # the link asked once: the user may take it off again
    assert overlay(at).value == [4, 3, 2]


def _wait(store: Store, job_id: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while jobs.get_job(store, job_id).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
