"""Runs through the job machinery: recorded curves, per-sample files, reproducibility, failures, stop."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from recipe_dash import jobs, workspace
from recipe_dash.store import Store, open_store
from recipe_dash.training import runs
from recipe_dash.training.config import TrainConfig


@pytest.fixture
def store() -> Store:
    return open_store()


def run_inline(store: Store, dataset_id: int, config: TrainConfig, kind: str = runs.TRAIN_JOB) -> int:
    job_id = jobs.create_job(store, kind, config.to_dict(), dataset_id)
    jobs.run_job(store, job_id)
    return job_id


def test_a_run_records_its_curve_samples_batch_and_metrics(store: Store, shapes_folder: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, shapes_folder)
    job_id = run_inline(store, dataset_id, TrainConfig(epochs=3, batch_size=32, lr=3e-3, seed=5))
    job = jobs.get_job(store, job_id)
    assert job.status == "done", job.error
    run_id = job.result["run_id"]
    listed = runs.list_runs(store, dataset_id=dataset_id)
    assert listed[["run_id", "status", "seed", "progress"]].to_dict("records") == [
        {"run_id": run_id, "status": "done", "seed": 5, "progress": 1.0}
    ]
    metrics = runs.metrics_frame(store, [run_id])
    train, val = metrics[metrics["split"] == "train"], metrics[metrics["split"] == "val"]
    assert list(train["step"]) == list(range(1, 13))  # 120 samples / 32 = 4 steps per epoch
    assert list(val["epoch"]) == [1.0, 2.0, 3.0] and val["loss"].is_monotonic_decreasing
    assert train["grad_norm"].notna().all() and (train["lr"] == 3e-3).all()
    assert runs.recorded_epochs(run_id) == [1, 2, 3]
    samples = runs.read_sample_losses(run_id)
    assert len(samples) == 150 and set(samples["split"]) == {"train", "val"} and samples["loss"].notna().all()
    summary = runs.get_run(store, run_id).summary
    assert summary["epochs_done"] == 3 and summary["finished"] and summary["n_train"] == 120
    assert {m["metric"] for m in summary["metrics"]["table"]} == {"accuracy", "balanced_accuracy", "macro_f1"}
    assert len(summary["tracked_ids"]) == 16 and summary["input_stats"]["verdict"] == "pass"
    batch = runs.load_batch(runs.run_dir(run_id))
    assert batch["x"].shape == (32, 1, 12, 12) and len(batch["labels"]) == 32
    dynamics = runs.tracked_predictions(run_id, summary["tracked_ids"])
    assert len(dynamics) == 16 * 3


def test_a_run_without_sample_losses_still_records_validation_and_its_dynamics(store: Store, table_file: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, table_file)
    job = jobs.get_job(store, run_inline(store, dataset_id, TrainConfig(epochs=2, sample_losses=False)))
    assert job is not None and job.result is not None, job
    run_id = job.result["run_id"]
    record = runs.get_run(store, run_id)
    assert record is not None and record.config["sample_losses"] is False
    assert set(runs.read_sample_losses(run_id)["split"]) == {"val"}  # validation is scored anyway
    assert len(runs.tracked_predictions(run_id, record.summary["tracked_ids"])) == 16 * 2


def test_same_config_and_seed_give_the_same_curve(store: Store, table_file: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, table_file)
    config = TrainConfig(epochs=2, seed=3)
    first, second = (jobs.get_job(store, run_inline(store, dataset_id, config)).result["run_id"] for _ in range(2))
    curves = runs.metrics_frame(store, [first, second])
    a, b = (
        curves[curves["run_id"] == r][["step", "split", "loss", "accuracy"]].reset_index(drop=True)
        for r in (first, second)
    )
    assert a.equals(b)


def test_a_run_that_hits_nan_fails_with_its_error(store: Store, shapes_folder: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, shapes_folder)
    job = jobs.get_job(store, run_inline(store, dataset_id, TrainConfig(model="tests.training.zoo:log_of_input")))
    assert job.status == "failed" and job.error.startswith("The training loss became nan at step 1")
    assert "traceback" not in (job.result or {})  # the user's to fix (TrainingDiverged), not shown as a bug
    assert runs.list_runs(store, dataset_id=dataset_id)["status"].tolist() == ["failed"]


def test_a_model_that_does_not_build_fails_the_run(store: Store, shapes_folder: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, shapes_folder)
    job = jobs.get_job(store, run_inline(store, dataset_id, TrainConfig(model="tests.training.zoo:wrong_shape")))
    assert job.status == "failed" and "expected float logits shaped (2, 3)" in job.error


def test_a_stopped_run_is_cancelled_and_keeps_what_it_recorded(store: Store, shapes_folder: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, shapes_folder)
    job_id = jobs.create_job(store, runs.TRAIN_JOB, TrainConfig(epochs=500).to_dict(), dataset_id)
    worker = threading.Thread(target=jobs.run_job, args=(store, job_id))
    worker.start()  # Stop is pressed once the run has recorded something
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (run_ids := runs.list_runs(store)["run_id"].dropna().tolist()):
        time.sleep(0.1)
    while time.monotonic() < deadline and runs.metrics_frame(store, [int(run_ids[0])]).empty:
        time.sleep(0.1)
    jobs.request_stop(store, job_id)
    worker.join(timeout=60)
    assert jobs.get_job(store, job_id).status == "cancelled"
    assert len(runs.metrics_frame(store, [int(run_ids[0])])) >= 1


def test_a_run_stopped_while_queued_never_starts(store: Store, shapes_folder: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, shapes_folder)
    job_id = jobs.create_job(store, runs.TRAIN_JOB, TrainConfig(epochs=50).to_dict(), dataset_id)
    jobs.request_stop(store, job_id)
    jobs.run_job(store, job_id)  # a worker that gets to it later leaves it alone
    job = jobs.get_job(store, job_id)
    assert (job.status, job.started_at) == ("cancelled", None)
    assert runs.list_runs(store)["run_id"].isna().all()


def test_a_run_submitted_to_a_worker_process_finishes(store: Store, table_file: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, table_file)
    job_id = runs.start_run(store, dataset_id, TrainConfig(epochs=2))
    deadline = time.monotonic() + 90
    while jobs.get_job(store, job_id).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
    job = jobs.get_job(store, job_id)
    assert job.status == "done", job.error
    assert job.pid is not None and job.result["val_accuracy"] > 0.8


@pytest.mark.parametrize("kind", ["model_checks", "baselines", "lr_find", "signals"])
def test_workbench_jobs_return_json_results(store: Store, table_file: Path, kind: str) -> None:
    dataset_id, _ = workspace.open_dataset(store, table_file)
    job = jobs.get_job(store, run_inline(store, dataset_id, TrainConfig(epochs=2), kind=kind))
    assert job.status == "done", job.error
    expected = {"model_checks": "checks", "baselines": "table", "lr_find": "suggested", "signals": "table"}[kind]
    assert expected in job.result and job.result["model"] == "mlp"


def test_the_lr_finder_writes_its_curve_as_it_ramps(store: Store, table_file: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, table_file)
    job = jobs.get_job(store, run_inline(store, dataset_id, TrainConfig(), kind="lr_find"))
    assert job.status == "done", job.error
    partial = runs.read_partial(job.id)
    assert partial is not None and partial["span"] == [1e-7, 10.0] and len(partial["lrs"]) >= 1
    assert partial["lrs"] == job.result["lrs"][: len(partial["lrs"])]  # the same ramp, cut where it was written
    assert runs.read_partial(job.id + 1) is None


def test_a_batch_write_that_dies_midway_leaves_the_previous_batch_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live page reads batch.npz while the worker rewrites it; it must see the old file or the new one."""
    runs.save_batch(tmp_path, np.zeros((2, 3), np.float32), ["a", "b"], ["s1", "s2"])

    def dies_midway(handle: Any, **arrays: np.ndarray) -> None:
        handle.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", dies_midway)
    with pytest.raises(OSError, match="disk full"):
        runs.save_batch(tmp_path, np.ones((2, 3), np.float32), ["c", "d"], ["s3", "s4"])
    batch = runs.load_batch(tmp_path)
    assert batch is not None and list(batch["labels"]) == ["a", "b"] and not batch["x"].any()
