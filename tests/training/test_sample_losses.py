"""Data findings meet training: flagged samples compared with the highest per-sample losses."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from recipe_dash import workspace
from recipe_dash.analyzers import label_noise, save_results
from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.findings import findings_frame
from recipe_dash.io import load_dataset
from recipe_dash.settings import SAMPLE_DATA
from recipe_dash.store import open_store
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.data import prepare_data
from recipe_dash.training.initialization import prepared_model
from recipe_dash.training.loop import fit
from recipe_dash.training.models import resolve_model
from recipe_dash.training.sample_losses import highest_loss_samples, loss_vs_findings, stored_findings, summary_sentence
from tests.training.test_loop import Collect


def losses_with_planted_noise() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    losses = pd.DataFrame(
        {
            "sample_id": [str(i) for i in range(200)],
            "split": "train",
            "label": "a",
            "predicted": "a",
            "loss": rng.random(200),
        }
    )
    losses.loc[:9, "loss"] += 5.0  # the 10 noisy labels are the hardest samples
    findings = pd.DataFrame(
        {
            "sample_id": [str(i) for i in range(10)] + [str(i) for i in range(100, 110)] + [None],
            "issue_type": ["label_noise"] * 10 + ["outlier"] * 10 + ["imbalance"],
        }
    )
    return losses, findings


def test_flagged_samples_with_the_highest_losses_rank_first() -> None:
    losses, findings = losses_with_planted_noise()
    table = loss_vs_findings(losses, findings).set_index("issue_type")
    assert list(table.index) == ["label_noise", "outlier"]  # a dataset-level finding has no sample
    assert table.loc["label_noise", "n_in_top"] == 10 and table.loc["label_noise", "lift"] == pytest.approx(10.0)
    assert table.loc["label_noise", "auc"] == 1.0
    assert 0.2 < table.loc["outlier", "auc"] < 0.8
    assert summary_sentence(loss_vs_findings(losses, findings)).startswith(
        "'label_noise' samples are among the highest losses: 10 of 10"
    )


def test_highest_loss_samples_carry_their_findings() -> None:
    losses, findings = losses_with_planted_noise()
    top = highest_loss_samples(
        losses, pd.concat([findings, pd.DataFrame({"sample_id": ["3"], "issue_type": ["outlier"]})]), n=12
    )
    assert len(top) == 12 and set(top["sample_id"][:10]) == {str(i) for i in range(10)}
    assert top.set_index("sample_id").loc["3", "findings"] == "label_noise, outlier"
    assert top["findings"].iloc[10:].eq("").all()


def test_other_splits_and_empty_inputs() -> None:
    losses, findings = losses_with_planted_noise()
    assert loss_vs_findings(losses, findings, split="val").empty
    assert loss_vs_findings(losses, findings.iloc[:0]).empty
    assert summary_sentence(loss_vs_findings(losses, findings.iloc[:0])).startswith("No flagged samples")


def test_stored_findings_come_from_the_data_inspection() -> None:
    store = open_store()
    dataset_id, _ = workspace.open_dataset(store, SAMPLE_DATA / "breast_cancer.csv")
    assert stored_findings(store, dataset_id).empty
    flagged = findings_frame(["1", "2"], "label_noise", [0.9, 0.8], None, "x")
    details = label_noise.Details(excluded_columns=pd.DataFrame(), source="table", n_folds=5, seed=0)
    noisy = Result("label_noise", "warn", "2 suspects", flagged, details)
    save_results(store, dataset_id, {"label_noise": noisy})
    assert stored_findings(store, dataset_id)["sample_id"].tolist() == ["1", "2"]


def test_planted_label_noise_in_the_digits_has_the_highest_training_losses() -> None:
    """On the bundled digits, an MLP's per-sample losses find the manifest's planted label noise."""
    data = prepare_data(load_dataset(SAMPLE_DATA / "digits"))
    config = TrainConfig(epochs=8, lr=1e-3)
    model = prepared_model(resolve_model("mlp"), data, seed=0, init_bias=True)
    collect = Collect()
    fit(model, data.x_train, data.y_train, epochs=config.epochs, lr=config.lr, recorder=collect)
    scored = collect.epochs[-1].train
    assert scored is not None
    losses = pd.DataFrame({"sample_id": data.ids_train, "split": "train", "loss": scored.losses})
    planted = json.loads((SAMPLE_DATA / "digits.manifest.json").read_text())["planted"]
    findings = pd.DataFrame([p for p in planted if p["sample_id"]])[["sample_id", "issue_type"]]
    table = loss_vs_findings(losses, findings).set_index("issue_type")
    assert table.loc["label_noise", "auc"] > 0.95 and table.loc["label_noise", "lift"] > 7
    assert table.loc["near_duplicate", "auc"] < 0.7  # not every finding is a hard sample
