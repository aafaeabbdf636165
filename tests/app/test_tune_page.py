"""The Tune page through AppTest: start a study, follow a finished one, turn its best trial into a full run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from recipe_dash import jobs, workspace
from recipe_dash.settings import PROJECT_ROOT
from recipe_dash.store import Store, open_store
from recipe_dash.training.config import TrainConfig
from recipe_dash.tuning import Launch, parse_space, start_study, trials_frame
from recipe_dash.tuning.study import best_config
from tests.training.conftest import make_table

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Store:
    """Workers run inline in the test process, so a study is finished when start_study returns."""

    def inline(store: Store, kind: str, config: dict[str, Any], dataset_id: int | None = None) -> int:
        job_id = jobs.create_job(store, kind, config, dataset_id)
        jobs.run_job(store, job_id)
        return job_id

    monkeypatch.setattr(jobs, "submit", inline)
    return open_store()


def open_tune_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/tune.py").run()
    assert not at.exception, at.exception
    return at


def test_without_a_dataset_the_page_says_what_to_do() -> None:
    assert "Load a dataset first" in open_tune_page().info[0].value


def test_a_study_started_on_the_page_runs_and_is_shown(store: Store, tmp_path: Path) -> None:
    workspace.open_dataset(store, make_table(tmp_path / "signals.csv"))
    at = open_tune_page()
    assert "No study on this dataset yet" in at.info[0].value
    at.text_input(key="tune_name").set_value("from-the-page")
    at.number_input(key="tune_epochs").set_value(2)
    at.number_input(key="tune_trials").set_value(3)
    at.number_input(key="tune_workers").set_value(1)
    at.selectbox(key="tune_sampler").set_value("random")
    at.button(key="start_study").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="tune_study").value == "from-the-page"
    assert [m.value for m in at.metric][:2] == ["3", "3"]  # trials, complete
    (table,) = [d.value for d in at.dataframe if "val_loss" in d.value.columns]
    assert list(table["state"]) == ["COMPLETE"] * 3
    assert {"lr", "weight_decay", "batch_size", "dropout", "width"} <= set(table.columns)  # the MLP's default space


def test_a_finished_study_shows_its_charts_trials_and_best_config_becomes_a_run(store: Store, tmp_path: Path) -> None:
    dataset_id, dataset = workspace.open_dataset(store, make_table(tmp_path / "signals.csv"))
    space = parse_space({"lr": {"low": 1e-4, "high": 3e-2, "log": True}, "width": {"low": 8, "high": 64}})
    base = TrainConfig(model="mlp", epochs=3, sample_losses=False)
    study, _ = start_study(store, dataset_id, dataset, "done", base, space, Launch(sampler="random", n_trials=6))
    at = open_tune_page()
    assert at.selectbox(key="tune_study").value == "done"
    assert len(at.get("plotly_chart")) == 4  # history, per-epoch losses, parallel coordinates, importance
    assert any(m.value.startswith("**Best: trial") for m in at.markdown)
    shown = next(d.value for d in at.dataframe if "val_loss" in d.value.columns)
    assert shown["trial"].tolist() == trials_frame(study)["trial"].tolist()
    before = {job.id for job in jobs.list_jobs(store, kind="train")}
    at.button(key="best_run_done").click().run()
    assert not at.exception, at.exception
    (new,) = [job for job in jobs.list_jobs(store, kind="train") if job.id not in before]
    assert TrainConfig.from_dict(new.config) == best_config(study)
    assert new.config["sample_losses"] is True  # a full run has its per-sample losses again
