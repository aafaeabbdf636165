"""`recipe-dash check-model` and `recipe-dash train`: output, exit codes, and the 60-second target."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recipe_dash.cli import app
from recipe_dash.settings import PROJECT_ROOT, SAMPLE_DATA
from recipe_dash.store import open_store
from recipe_dash.training import runs
from recipe_dash.training.config import TrainConfig

runner = CliRunner()


def invoke(*args: str):  # -> click.testing.Result
    return runner.invoke(app, list(args))


def test_check_model_json_passes_a_correct_model(shapes_folder: Path) -> None:
    result = invoke("check-model", "mlp", "--data", str(shapes_folder), "--json")
    assert result.exit_code == 0, result.output
    checks = json.loads(result.stdout)["checks"]
    assert [c["name"] for c in checks][:2] == ["loss_at_init", "init_well"] and len(checks) == 9
    assert all(set(c) == {"name", "verdict", "evidence"} and c["verdict"] != "fail" for c in checks)


def test_check_model_exits_1_when_a_check_fails(shapes_folder: Path) -> None:
    result = invoke("check-model", "tests.training.zoo:softmax_before_loss", "--data", str(shapes_folder), "--json")
    assert result.exit_code == 1
    failed = {c["name"] for c in json.loads(result.stdout)["checks"] if c["verdict"] == "fail"}
    assert "loss_at_init" in failed


def test_check_model_text_output_names_every_check(shapes_folder: Path) -> None:
    result = invoke("check-model", "tests.training.zoo:frozen_layers", "--data", str(shapes_folder))
    assert result.exit_code == 1
    assert "FAIL  gradient_flow" in result.stdout and "inputs: PASS" in result.stdout
    # the frozen first layer leaves 64 random features, enough to memorize one batch: only gradient_flow fails
    assert "1 failed, 0 warned, 8 passed" in result.stdout


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tests.training.zoo:wrong_shape", "expected float logits shaped (2, 3)"),
        ("tests.training.zoo:raises", "raised RuntimeError: no GPU here"),
        ("missing.py:build", "does not exist"),
        ("cnnn", "is not a model"),
    ],
)
def test_bad_models_exit_2_with_one_line(spec: str, message: str, shapes_folder: Path) -> None:
    result = invoke("check-model", spec, "--data", str(shapes_folder), "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr and "Traceback" not in result.stderr


def test_bad_data_exits_2(tmp_path: Path) -> None:
    result = invoke("check-model", "mlp", "--data", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_check_model_on_the_bundled_digits_with_a_small_cnn_is_under_a_minute() -> None:
    """CPU seconds, not wall-clock: other processes on a shared machine must not fail this test."""
    started = time.process_time()
    result = invoke(
        "check-model",
        str(PROJECT_ROOT / "examples/models/small_cnn.py") + ":build",
        "--data",
        str(SAMPLE_DATA / "digits"),
        "--json",
    )
    spent = time.process_time() - started
    assert result.exit_code == 0, result.output
    assert spent < 60, f"check-model took {spent:.1f} CPU seconds"


def test_train_follows_a_worker_run_and_records_it(table_file: Path) -> None:
    result = invoke("train", str(table_file), "--epochs", "2", "--seed", "4")
    assert result.exit_code == 0, result.output
    assert "epoch   1" in result.stdout and "epoch   2" in result.stdout and "Done: run" in result.stdout
    listed = runs.list_runs(open_store())
    assert listed[["status", "seed", "epochs"]].to_dict("records") == [{"status": "done", "seed": 4, "epochs": 2}]


def test_train_no_sample_losses_reaches_the_run_config(table_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[TrainConfig] = []

    def start_run(store: object, dataset_id: int, config: TrainConfig) -> int:  # no worker: the config is the point
        started.append(config)
        return len(started)

    monkeypatch.setattr(runs, "start_run", start_run)
    assert invoke("train", str(table_file), "--detach").exit_code == 0
    result = invoke("train", str(table_file), "--no-sample-losses", "--detach")
    assert result.exit_code == 0, result.output
    assert [c.sample_losses for c in started] == [True, False]


def test_train_refuses_bad_settings_before_starting(table_file: Path, tmp_path: Path) -> None:
    result = invoke("train", str(table_file), "--lr", "-1")
    assert result.exit_code == 2 and result.stderr == "error: lr must be greater than 0, got -1.0.\n"
    result = invoke("train", str(tmp_path / "not-read.csv"), "--optimizer", "rmsprop")  # checked before loading
    assert result.exit_code == 2 and "Unknown optimizer 'rmsprop'. Choose one of: adam, adamw, sgd." in result.stderr
    assert open_store().datasets() == []
    result = invoke("train", str(table_file), "--model", "nope.py:build")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert runs.list_runs(open_store()).empty


def test_train_kind_overfit_prints_the_verdict_and_json_gives_the_curve(table_file: Path) -> None:
    result = invoke("train", str(table_file), "--kind", "overfit", "--samples", "16", "--lr", "3e-3", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "done" and report["kind"] == "overfit" and report["config"]["overfit_samples"] == 16
    verdict = report["verdict"]
    assert verdict["verdict"] == "pass" and f"at step {verdict['step']}: the model can overfit" in verdict["summary"]
    train = [p for p in report["curve"] if p["split"] == "train"]
    assert [p["step"] for p in train] == list(range(1, verdict["step"] + 1)) and train[-1]["loss"] < 0.01
    assert "Overfitting mlp" in result.stderr  # progress goes to stderr, so stdout is one JSON document


def test_train_exits_0_with_a_stalled_verdict_because_the_run_finished(table_file: Path) -> None:
    result = invoke(
        "train", str(table_file), "--kind", "overfit", "--model", "tests.training.zoo:bottleneck", "--samples", "64",
        "--max-steps", "300",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "FAIL  overfit run 1: Stalled at " in result.stdout and "learning rate 3.0e-04" in result.stdout


def test_train_kind_baseline_prints_the_reference_lines_and_the_verdict(table_file: Path) -> None:
    result = invoke("train", str(table_file), "--kind", "baseline", "--epochs", "3")
    assert result.exit_code == 0, result.output
    assert "reference  majority class: val loss 0.69" in result.stdout
    assert "reference  linear model (logistic regression): val loss" in result.stdout
    assert "PASS  baseline run 1: Zero-input validation loss" in result.stdout


def test_train_refuses_an_unknown_kind_before_reading_the_data(tmp_path: Path) -> None:
    result = invoke("train", str(tmp_path / "not-read.csv"), "--kind", "overfitting")
    assert result.exit_code == 2
    assert result.stderr == "error: Unknown run kind 'overfitting'. Choose one of: baseline, normal, overfit.\n"
