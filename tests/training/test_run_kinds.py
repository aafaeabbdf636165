"""Baseline and overfit runs: what they change in a run, and verdicts checked on models whose answer is known."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from recipe_dash import jobs, workspace
from recipe_dash.errors import OptionError
from recipe_dash.io import load_dataset
from recipe_dash.settings import SAMPLE_DATA
from recipe_dash.store import Store, open_store
from recipe_dash.training import runs
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.data import TensorData, prepare_data
from recipe_dash.training.run_kinds import overfit_subset, switch_off_dropout, unfittable
from tests.training.zoo import mlp_dropout


@pytest.fixture
def store() -> Store:
    return open_store()


def run_inline(store: Store, path: Path, config: TrainConfig) -> tuple[dict, runs.RunRecord]:
    dataset_id, _ = workspace.open_dataset(store, path)
    job_id = jobs.create_job(store, runs.TRAIN_JOB, config.to_dict(), dataset_id)
    jobs.run_job(store, job_id)
    job = jobs.get_job(store, job_id)
    assert job is not None and job.status == "done", job.error if job else None
    record = runs.get_run(store, job.result["run_id"])
    assert record is not None
    return job.result, record


def test_an_overfit_run_memorises_its_subset_and_says_at_which_step(store: Store, shapes_folder: Path) -> None:
    result, record = run_inline(store, shapes_folder, TrainConfig(model="mlp", kind="overfit", overfit_samples=12))
    verdict = record.summary["verdict"]
    assert verdict["verdict"] == "pass" and result["verdict"] == verdict
    assert f"at step {verdict['step']}: the model can overfit" in verdict["summary"]
    curve = runs.metrics_frame(store, [record.id])
    train = curve[curve["split"] == "train"]
    assert train["step"].max() == verdict["step"] < 1000  # stopped at the floor, not at the budget
    assert train["loss"].iloc[-1] < 0.01 <= train["loss"].iloc[:-1].min()  # one batch: each step is a pass
    assert (curve["split"] == "val").sum() == math.ceil(verdict["step"] / 25)  # validated every 25 steps and last
    assert record.summary["n_train"] == 12 and set(record.summary["regularizers_off"]) == {
        "augmentation",
        "weight decay",
    }
    samples = runs.read_sample_losses(record.id)
    assert (samples["split"] == "train").sum() == 12 and samples.loc[samples["split"] == "train", "loss"].max() < 0.1


def test_a_model_too_small_to_overfit_gets_the_stalled_verdict(store: Store, shapes_folder: Path) -> None:
    config = TrainConfig(model="tests.training.zoo:bottleneck", kind="overfit", overfit_samples=12, max_steps=600)
    result, record = run_inline(store, shapes_folder, config)
    verdict = record.summary["verdict"]
    assert verdict["verdict"] == "fail" and verdict["step"] is None and result["steps"] == 600
    assert (
        verdict["summary"].startswith("Stalled at ")
        and "too small a model, a bug, or the learning rate" in (verdict["summary"])
    )
    assert verdict["loss"] > 0.3


def test_too_short_a_budget_says_still_falling_not_stalled(store: Store, shapes_folder: Path) -> None:
    config = TrainConfig(model="mlp", kind="overfit", overfit_samples=12, max_steps=40)
    _, record = run_inline(store, shapes_folder, config)
    verdict = record.summary["verdict"]
    assert verdict["verdict"] == "warn" and verdict["summary"].startswith("Still falling at ")


def test_a_diverging_overfit_run_ends_with_its_verdict_instead_of_failing(store: Store, shapes_folder: Path) -> None:
    config = TrainConfig(model="tests.training.zoo:log_of_input", kind="overfit", overfit_samples=12)
    _, record = run_inline(store, shapes_folder, config)
    assert record.summary["verdict"]["verdict"] == "fail" and "became nan" in record.summary["verdict"]["summary"]


def test_the_subset_takes_classes_in_rotation_and_the_seed_decides_which(shapes: TensorData) -> None:
    picked = {seed: overfit_subset(shapes, TrainConfig(overfit_samples=9, seed=seed)) for seed in (0, 0, 1)}
    subset = picked[0]
    assert torch.bincount(subset.y_train).tolist() == [3, 3, 3] and len(set(subset.ids_train)) == 9
    assert subset.ids_train == overfit_subset(shapes, TrainConfig(overfit_samples=9, seed=0)).ids_train
    assert subset.ids_train != picked[1].ids_train
    assert len(overfit_subset(shapes, TrainConfig(batch_size=20)).y_train) == 20  # no number: one batch
    assert len(overfit_subset(shapes, TrainConfig(overfit_samples=10_000)).y_train) == len(shapes.y_train)


def test_identical_inputs_with_different_labels_are_found_and_nothing_else() -> None:
    x = torch.tensor([[1.0, 2.0], [1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [5.0, 6.0], [5.0, 6.0], [7.0, 8.0], [7.0, 8.0]])
    y = torch.tensor([0, 1, 0, 1, 1, 0, 2, 2])  # rows 6, 7: identical with one label, a hard negative
    found = unfittable(x, y)
    assert sorted(map(sorted, found.groups)) == [[0, 1], [3, 4, 5]]
    third = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
    assert found.loss == pytest.approx((2 * math.log(2) + 3 * third) / 8)
    assert unfittable(x[6:], y[6:]).groups == [] and unfittable(x[6:], y[6:]).loss == 0.0


def test_conflicting_copies_are_named_and_do_not_stall_an_overfit_run(store: Store, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(30, 4)), columns=["a", "b", "c", "d"]).assign(label=["x", "y"] * 15)
    frame.loc[30] = [*frame.loc[0, ["a", "b", "c", "d"]], "y"]  # a copy of row 0 relabelled: unfittable
    frame.loc[31] = [*frame.loc[1, ["a", "b", "c", "d"]], "y"]  # a copy of row 1 with its label: fittable
    frame["split"] = "train"
    frame.loc[[2, 3, 4, 5], "split"] = "val"
    path = tmp_path / "copies.csv"
    frame.to_csv(path, index=False)
    _, record = run_inline(store, path, TrainConfig(model="mlp", kind="overfit", overfit_samples=28, lr=3e-3))
    verdict, found = record.summary["verdict"], record.summary["subset"]["unfittable"]
    assert verdict["verdict"] == "pass" and verdict["loss"] == pytest.approx(2 * math.log(2) / 28, abs=0.01)
    assert "2 of 28 samples are identical inputs with different labels (0, 30)" in verdict["summary"]
    assert found["loss"] == pytest.approx(2 * math.log(2) / 28) and len(found["groups"]) == 1


def test_dropout_is_switched_off_for_an_overfit_run(shapes: TensorData) -> None:
    model = mlp_dropout(shapes.input_shape, shapes.n_classes)
    assert switch_off_dropout(model) == ["3"] and switch_off_dropout(model) == []
    assert all(m.p == 0 for m in model.modules() if isinstance(m, torch.nn.Dropout))


def test_a_baseline_run_learns_only_the_priors_beside_the_dumb_baselines(store: Store, shapes_folder: Path) -> None:
    result, record = run_inline(store, shapes_folder, TrainConfig(model="mlp", kind="baseline", epochs=5, lr=3e-3))
    assert result["val_loss"] == pytest.approx(math.log(3), abs=0.05)  # balanced classes: log(n_classes)
    majority, linear = record.summary["references"]
    assert majority == {"name": "majority class", "val_loss": pytest.approx(math.log(3)), "val_accuracy": 1 / 3}
    assert linear["name"] == "linear model (logistic regression)" and linear["val_accuracy"] > 0.9
    assert (
        record.summary["verdict"]["verdict"] == "pass"
        and "Any run must beat the linear model" in (record.summary["verdict"]["summary"])
    )
    curve = runs.metrics_frame(store, [record.id])
    assert set(curve["split"]) == {"train", "train_eval", "val"} and len(curve[curve["split"] == "val"]) == 5


def test_on_imbalanced_classes_the_zero_input_baseline_ends_at_the_priors_not_at_log_n(
    store: Store, tmp_path: Path
) -> None:
    rng = np.random.default_rng(2)
    labels = np.array(["common"] * 160 + ["rare"] * 40)
    frame = pd.DataFrame({"f": rng.normal(size=200) + (labels == "rare") * 2, "label": labels})
    frame.to_csv(tmp_path / "imbalanced.csv", index=False)
    result, record = run_inline(store, tmp_path / "imbalanced.csv", TrainConfig(kind="baseline", epochs=5))
    priors = -(0.8 * math.log(0.8) + 0.2 * math.log(0.2))
    assert result["val_loss"] == pytest.approx(priors, abs=0.05) and abs(result["val_loss"] - math.log(2)) > 0.15
    assert record.summary["verdict"]["verdict"] == "pass"


def test_run_kind_settings_are_checked_before_any_work() -> None:
    with pytest.raises(OptionError, match=r"Unknown run kind 'overfitting'\. Choose one of: baseline, normal, overfit"):
        TrainConfig(kind="overfitting")
    with pytest.raises(OptionError, match="overfit_samples must be at least 1"):
        TrainConfig(kind="overfit", overfit_samples=0)
    with pytest.raises(OptionError, match="loss_floor must be greater than 0"):
        TrainConfig(loss_floor=0)
    assert TrainConfig.from_dict({"model": "mlp"}).kind == "normal"  # runs stored before kinds existed


def test_a_python_caller_picks_the_kind_with_the_config(store: Store, table_file: Path) -> None:
    dataset_id, _ = workspace.open_dataset(store, table_file)
    job_id = runs.start_run(store, dataset_id, TrainConfig(kind="overfit", overfit_samples=16, max_steps=200))
    deadline = time.monotonic() + 120
    while (job := jobs.get_job(store, job_id)).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
    assert job.status == "done" and job.pid is not None, job.error  # trained in a worker process
    report = runs.run_report(store, job.result["run_id"])
    assert report["kind"] == "overfit" and report["verdict"] == job.result["verdict"]
    assert {p["split"] for p in report["curve"]} == {"train", "train_eval", "val"}


def _planted_on_the_bundled_table() -> dict[str, dict[str, set[str]]]:
    """The sample's manifest (written by its generator): planted groups by issue type, then group name."""
    planted: dict[str, dict[str, set[str]]] = {"conflicting_label": {}, "duplicate": {}}
    for item in json.loads((SAMPLE_DATA / "breast_cancer.manifest.json").read_text())["planted"]:
        if item["issue_type"] in planted:
            planted[item["issue_type"]].setdefault(item["group"], set()).add(item["sample_id"])
    return planted


def test_on_the_bundled_table_the_unfittable_groups_are_exactly_the_planted_conflicts() -> None:
    """Answer key from the manifest: conflicting copies whose members are all in the training split; hard
    negatives: planted exact copies that share their label."""
    data = prepare_data(load_dataset(SAMPLE_DATA / "breast_cancer.csv"))
    planted = _planted_on_the_bundled_table()
    train = set(data.ids_train)
    conflicts = {frozenset(g) for g in planted["conflicting_label"].values() if g <= train}
    same_label = [g for name, g in planted["duplicate"].items() if name not in planted["conflicting_label"]]
    found = unfittable(data.x_train, data.y_train)
    named = {frozenset(data.ids_train[i] for i in group) for group in found.groups}
    assert named == conflicts and len(conflicts) >= 2
    flagged = set().union(*named)
    assert sum(g <= train for g in same_label) >= 4 and not any(g & flagged for g in same_label)


def test_an_overfit_run_on_the_bundled_table_names_the_conflicting_copy_it_cannot_fit(store: Store) -> None:
    """The first seed whose 64-sample subset holds a whole planted conflicting pair (from the manifest, not
    from the detector); the run must name exactly the pairs in its subset and allow for their loss."""
    data = prepare_data(load_dataset(SAMPLE_DATA / "breast_cancer.csv"))
    pairs = [g for g in _planted_on_the_bundled_table()["conflicting_label"].values() if len(g) == 2]
    for seed in range(100):
        config = TrainConfig(kind="overfit", overfit_samples=64, seed=seed)
        subset = set(overfit_subset(data, config).ids_train)
        inside = [g for g in pairs if g <= subset]
        if inside:
            break
    assert inside, "no seed puts a planted conflicting pair in the subset"
    _, record = run_inline(store, SAMPLE_DATA / "breast_cancer.csv", config)
    verdict = record.summary["verdict"]
    assert verdict["verdict"] == "pass" and "the model can overfit" in verdict["summary"]
    shown = verdict["summary"].split("identical inputs with different labels (")[1].split(")")[0]
    assert f"{2 * len(inside)} of 64 samples are identical inputs" in verdict["summary"]
    assert set(shown.split(", ")) == set().union(*inside)
    share = len(inside) * 2 * math.log(2) / 64  # each pair's least loss, averaged over the subset
    assert share < verdict["loss"] < share + 0.01  # plus the floor
