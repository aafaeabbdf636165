"""Pretraining from the user's weights through the workers: a matching file starts lower, others are refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from recipe_dash.errors import RecipeDashError
from recipe_dash.regularize import pretrain_plan, pretrain_summary
from recipe_dash.regularize.groups import REFERENCE, Member, Plan
from recipe_dash.store import Store
from recipe_dash.training.artifacts import weights_path
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.runs import metrics_frame
from tests.regularize.conftest import open_table, run_plan, saturated_table

BASE = TrainConfig(model="mlp", epochs=2, lr=1e-3)


def test_matching_weights_start_lower_than_from_scratch(store: Store, tmp_path: Path) -> None:
    dataset_id = open_table(store, saturated_table(tmp_path / "t.csv", n_train=600, n_val=300))
    first = run_plan(store, dataset_id, _scratch_only(replace(BASE, epochs=5)))
    weights = weights_path(first.members[0].run_id)
    assert weights is not None
    group = run_plan(store, dataset_id, pretrain_plan(BASE, weights))
    scratch, pretrained = group.members
    assert scratch.status == pretrained.status == "done", (scratch.error, pretrained.error)
    assert pretrained.summary["pretrained"]["path"] == str(weights.resolve())
    assert len(pretrained.summary["pretrained"]["sha256"]) == 64
    curves = metrics_frame(store, [scratch.run_id, pretrained.run_id])
    first_loss = curves[curves["split"] == "train"].sort_values("step").groupby("run_id")["loss"].first()
    assert first_loss[pretrained.run_id] < first_loss[scratch.run_id] - 0.1
    summary = pretrain_summary(store, group)
    assert "from scratch: first batch loss" in summary and f"from {weights.name}: first batch loss" in summary


def test_weights_of_another_width_fail_the_run_naming_the_first_mismatched_layer(store: Store, tmp_path: Path) -> None:
    dataset_id = open_table(store, saturated_table(tmp_path / "t.csv", n_train=200, n_val=100))
    other = run_plan(store, dataset_id, _scratch_only(TrainConfig(model="mlp", width=64)))
    group = run_plan(store, dataset_id, pretrain_plan(BASE, weights_path(other.members[0].run_id)))
    scratch, pretrained = group.members
    assert scratch.status == "done" and pretrained.status == "failed"
    assert "layer '1.weight' is shaped (64, 3) in the file but (128, 3) in the model" in pretrained.error
    assert "Traceback" not in pretrained.error and pretrained.run_id is None  # refused before a run was recorded


def test_weights_of_another_architecture_fail_the_run_naming_the_layer(store: Store, tmp_path: Path) -> None:
    dataset_id = open_table(store, saturated_table(tmp_path / "t.csv", n_train=200, n_val=100))
    path = tmp_path / "resnet_like.pt"
    torch.save({"features.0.weight": torch.zeros(8, 3), "classifier.weight": torch.zeros(2, 8)}, path)
    group = run_plan(store, dataset_id, pretrain_plan(BASE, path))
    pretrained = group.members[1]
    assert pretrained.status == "failed"
    assert "weights for another architecture than mlp: the model's layer '1.weight' (128, 3) is not in the file" in (
        pretrained.error
    )
    assert "'features.0.weight', 'classifier.weight'" in pretrained.error


def test_a_file_that_is_not_a_state_dict_is_refused_before_anything_runs(tmp_path: Path) -> None:
    path = tmp_path / "tensors.pt"
    torch.save([torch.zeros(3)], path)
    with pytest.raises(RecipeDashError, match="holds a list, not a state_dict"):
        pretrain_plan(BASE, path)


def _scratch_only(config: TrainConfig) -> Plan:
    """One run from scratch, tagged like a pretrain study's reference: its model.pt is the user's weights."""
    return Plan("pretrain", (Member("from scratch", config, role=REFERENCE),))
