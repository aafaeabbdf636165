"""The regularizer sweep on an overfitting model: dropout shrinks the gap, and the chart data says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from recipe_dash.regularize import compare_to_reference, curve_frame, sweep_plan
from recipe_dash.store import Store
from recipe_dash.training.config import TrainConfig
from tests.regularize.conftest import open_table, overfitting_table, run_plan

OVERFITTING_MLP = TrainConfig(model="mlp", width=64, epochs=60, lr=1e-3)


@pytest.mark.parametrize("seed", [0, 1])
def test_dropout_shrinks_the_gap_of_an_overfitting_model(store: Store, tmp_path: Path, seed: int) -> None:
    dataset_id = open_table(store, overfitting_table(tmp_path / "t.csv", seed=seed))
    base = TrainConfig(model="mlp", width=64, epochs=60, lr=1e-3, seed=seed, dropout=0.5)  # the reference drops it
    group = run_plan(store, dataset_id, sweep_plan(base, "table", choices={"dropout": [0.5]}))
    comparison = compare_to_reference(group)
    reference, dropout = comparison.table.iloc[0], comparison.table.iloc[1]
    assert reference["label"] == "unregularized" and group.reference().config["dropout"] == 0.0
    assert reference["train"] > 0.97 and reference["gap"] > 0.2  # it memorized the flipped labels
    assert dropout["gap"] < reference["gap"] - 0.1, comparison.table
    assert dropout["val_change_low"] > 0  # better on validation, beyond the paired interval
    assert "Smaller gap with dropout 0.5" in comparison.summary and "Best on validation" in comparison.summary


def test_the_overlay_draws_eval_mode_training_beside_validation(store: Store, tmp_path: Path) -> None:
    dataset_id = open_table(store, overfitting_table(tmp_path / "t.csv", n_val=200))
    base = TrainConfig(model="mlp", epochs=3)
    group = run_plan(store, dataset_id, sweep_plan(base, "table", choices={"weight_decay": [1e-2]}))
    metrics, labels = curve_frame(store, group)
    assert sorted(labels.values()) == ["unregularized", "weight decay 0.01"]
    assert set(metrics["split"]) == {"train", "val"}
    per_run = metrics.groupby(["run_id", "split"]).size()
    assert (per_run == 3).all()  # one eval-mode training point and one validation point per epoch


def test_early_stopping_keeps_its_best_epoch(store: Store, tmp_path: Path) -> None:
    dataset_id = open_table(store, overfitting_table(tmp_path / "t.csv"))
    group = run_plan(store, dataset_id, sweep_plan(OVERFITTING_MLP, "table", choices={"early_stopping": [3]}))
    stopped = next(m for m in group.members if m.knob == "early_stopping")
    best, last = stopped.summary["best_epoch"], stopped.summary["stopped_epoch"]
    assert last == best + 3 < OVERFITTING_MLP.epochs  # stopped early, three epochs after its best
    metrics, _ = curve_frame(store, group)
    val = metrics[(metrics["run_id"] == stopped.run_id) & (metrics["split"] == "val")]
    assert val["loss"].idxmin() == val.index[best - 1]  # the kept epoch is the one with the lowest validation loss
    kept = val["accuracy"].iloc[best - 1]
    assert stopped.final["val"]["accuracy"] == pytest.approx(kept, abs=1e-6)  # and its weights are the ones kept
    comparison = compare_to_reference(group)
    assert comparison.table.iloc[1]["gap"] < comparison.table.iloc[0]["gap"]


def test_a_model_that_has_no_dropout_setting_is_left_out_with_a_note() -> None:
    plan = sweep_plan(TrainConfig(model="logistic"), "table")
    knobs = [m.knob for m in plan.members]
    assert knobs == ["", "batch_size", "weight_decay", "early_stopping", "augment"]
    assert any("Left out width" in n for n in plan.notes) and any("Left out dropout" in n for n in plan.notes)
    assert any("smaller inputs are for images" in n for n in plan.notes)
