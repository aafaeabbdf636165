"""`recipe-dash regularize`: studies through the worker pool, their verdicts, and one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from recipe_dash import jobs, workspace
from recipe_dash.cli import app
from recipe_dash.store import open_store
from recipe_dash.training.config import TrainConfig
from tests.regularize.conftest import saturated_table

runner = CliRunner()


def invoke(*args: str):  # -> click.testing.Result
    return runner.invoke(app, ["regularize", *args])


def test_curve_runs_in_workers_and_prints_its_verdict_as_json(tmp_path: Path) -> None:
    table = saturated_table(tmp_path / "t.csv", n_train=400, n_val=400)
    result = invoke("curve", str(table), "--model", "logistic", "--epochs", "3", "--lr", "3e-3", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["study"] == "learning_curve" and report["conclusion"] in ("flat", "unclear")
    assert [p["n_train"] for p in report["points"]] == [40, 100, 200, 400]
    assert all(p["status"] == "done" for p in report["points"])
    assert "4 runs: 4 done" in result.stderr
    assert {j.pid is not None for j in jobs.list_jobs(open_store(), kind="train")} == {True}  # worker processes


def test_sweep_prints_each_run_and_the_comparison(tmp_path: Path) -> None:
    table = saturated_table(tmp_path / "t.csv", n_train=200, n_val=200)
    result = invoke("sweep", str(table), "--epochs", "2", "--try", "dropout=0.2", "--try", "weight_decay=0.01")
    assert result.exit_code == 0, result.output
    assert "unregularized" in result.stdout and "dropout 0.2" in result.stdout and "weight decay 0.01" in result.stdout
    assert "Unregularized: train/validation gap" in result.stdout


def test_bad_options_exit_2_with_one_line_before_anything_runs(tmp_path: Path) -> None:
    table = saturated_table(tmp_path / "t.csv", n_train=100, n_val=50)
    cases = [
        (("curve", str(table), "--fractions", "0.5,1"), "at least 3 different fractions"),
        (("curve", str(table), "--fractions", "half,1"), "fractions must be numbers separated by commas"),
        (("sweep", str(table), "--try", "mixup=0.2"), "Unknown regularizer(s) mixup"),
        (("sweep", str(table), "--try", "dropout"), "--try takes KNOB=V1,V2"),
        (("sweep", str(table), "--flip", "diagonal"), "Unknown flip 'diagonal'"),
        (("ensemble", str(table), "--models", "9"), "n_models must be between 2 and 5"),
        (("pretrain", str(table), "--weights", str(tmp_path / "none.pt")), "does not exist or is not a regular file"),
        (("first-layer", "99"), "Run 99 has no first-layer weights"),
    ]
    for args, message in cases:
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    assert jobs.list_jobs(open_store()) == []


def test_first_layer_writes_the_mosaic(shapes_folder: Path, tmp_path: Path) -> None:
    store = open_store()
    dataset_id, _ = workspace.open_dataset(store, shapes_folder)
    job_id = jobs.create_job(store, "train", TrainConfig(model="mlp", epochs=2).to_dict(), dataset_id)
    jobs.run_job(store, job_id)
    run_id = jobs.get_job(store, job_id).result["run_id"]
    result = runner.invoke(app, ["regularize", "first-layer", str(run_id), "--out", str(tmp_path / "w.png")])
    assert result.exit_code == 0, result.output
    assert "64 of 128 units, each unit's weights shown as a 12x12 image" in result.stdout
    assert Image.open(tmp_path / "w.png").size == (8 * (8 * 12 + 7), 8 * (8 * 12 + 7))
