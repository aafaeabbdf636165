"""The Regularize page through AppTest: finished studies read back, Start queues a group, Stop stops it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from recipe_dash import jobs, regularize, workspace
from recipe_dash.jobs.liveness import HOST
from recipe_dash.settings import get_settings
from recipe_dash.store import Store, open_store
from recipe_dash.training.config import TrainConfig
from tests.regularize.conftest import run_plan
from tests.training.conftest import make_shapes

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def store() -> Store:
    return open_store()


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/regularize.py").run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for kind in (at.markdown, at.caption, at.info, at.success, at.warning, at.error) for e in kind]
    return "\n".join(parts)


def chart_traces(at: AppTest) -> list[set[str]]:
    return [{t.get("name", "") for t in json.loads(c.proto.spec)["data"]} for c in at.get("plotly_chart")]


def test_finished_studies_show_their_verdicts_charts_and_first_layer(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_shapes(tmp_path / "shapes"))
    base = TrainConfig(model="mlp", epochs=2, lr=3e-3)
    run_plan(store, dataset_id, regularize.learning_curve_plan(base))
    run_plan(store, dataset_id, regularize.sweep_plan(base, "image", choices={"dropout": [0.3]}))
    run_plan(store, dataset_id, regularize.ensemble_plan(base, 2))
    at = open_page()
    shown = texts(at)
    assert "The curve is flat" in shown or "More data would likely help" in shown or "Unclear" in shown
    assert "Unregularized: train/validation gap" in shown
    assert "2 models averaged" in shown
    assert "Training moved the weights" in shown and "each unit's weights shown as a 12x12 image" in shown
    traces = chart_traces(at)
    assert any("validation accuracy" in names for names in traces)  # the learning curve
    assert any({"unregularized · train", "dropout 0.3 · validation"} <= names for names in traces)  # the overlay
    assert any("training (eval mode)" in names for names in traces)  # the gap bars
    assert at.selectbox(key="layer_run").options  # runs to show the first layer of


def test_dropout_beside_batchnorm_is_warned_about_on_the_page(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_shapes(tmp_path / "shapes"))
    base = TrainConfig(model="tests.training.zoo:mlp_batchnorm_dropout", epochs=1)
    run_plan(store, dataset_id, regularize.sweep_plan(base, "image", choices={"dropout": [0.3]}))
    at = open_page()
    assert any("combines dropout" in w.value and "BatchNorm" in w.value for w in at.warning)


def test_start_queues_a_learning_curve_tagged_as_one_group(store: Store, tmp_path: Path) -> None:
    workspace.open_dataset(store, make_shapes(tmp_path / "shapes"))
    at = open_page()
    assert "No learning curve yet." in texts(at)
    at.expander[0].number_input(key="reg_epochs").set_value(1)
    at.button(key="start_curve").click().run()
    assert not at.exception
    queued = jobs.list_jobs(store, kind="train")
    assert len(queued) == 4 and len({j.config["group"]["id"] for j in queued}) == 1
    assert sorted(j.config["train_fraction"] for j in queued) == [0.1, 0.25, 0.5, 1.0]
    group = regularize.latest_group(store, queued[0].dataset_id, "learning_curve")
    regularize.stop_group(store, group)  # leave no worker behind
    deadline = time.monotonic() + 120
    while regularize.latest_group(store, queued[0].dataset_id, "learning_curve").active:
        assert time.monotonic() < deadline
        time.sleep(0.5)


def test_stop_stops_every_run_of_the_group(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIPE_DASH_MAX_WORKERS", "1")  # the one slot is taken: the other two stay queued
    get_settings.cache_clear()
    dataset_id, _ = workspace.open_dataset(store, make_shapes(tmp_path / "shapes"))
    regularize.launch(store, dataset_id, regularize.ensemble_plan(TrainConfig(), 3), start=False)
    first, *rest = sorted(j.id for j in jobs.list_jobs(store, kind="train"))
    jobs.runner._update(
        store, first, status="running", pid=os.getpid(), host=HOST, slot=0, done=3, total=10, message="epoch 1"
    )
    at = open_page()
    assert any("3 runs: 1 running, 2 queued" in (p.proto.text or "") for p in at.get("progress"))
    at.button(key="stop_ensemble").click().run()
    assert not at.exception
    assert jobs.get_job(store, first).stop_requested
    assert {jobs.get_job(store, j).status for j in rest} == {"cancelled"}


def test_weights_of_another_architecture_show_the_layer_on_the_page(store: Store, tmp_path: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, make_shapes(tmp_path / "shapes"))
    path = tmp_path / "other.pt"
    torch.save({"features.0.weight": torch.zeros(4, 4)}, path)
    run_plan(store, dataset_id, regularize.pretrain_plan(TrainConfig(model="mlp", epochs=1), path))
    at = open_page()
    assert any("another architecture than mlp: the model's layer '1.weight'" in e.value for e in at.error)
