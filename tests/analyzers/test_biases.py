"""Biases and leakage: the planted leaking column is flagged and no other; image nuisances are found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recipe_dash.analyzers import biases
from recipe_dash.features import compute_features
from recipe_dash.io import Dataset, load_dataset
from tests.analyzers._planted import Planted
from tests.conftest import write_image


def test_planted_leak_is_the_only_flagged_column(table: Planted) -> None:
    result = biases.analyze(table.dataset, table.features)
    leaks = [e["column"] for e in table.manifest["planted"] if e["issue_type"] == "bias"]
    assert leaks == ["billing_code"]
    assert result.findings["group"].tolist() == ["column:billing_code"]
    assert result.findings["sample_id"].isna().all()
    assert "billing_code" in result.findings["detail"].iloc[0]
    assert result.verdict == "fail"
    power = result.details.predictive_power
    assert set(power["attribute"]) == set(table.dataset.table.columns) - {"label", "split"}
    assert power.set_index("attribute").loc["billing_code", "verdict"] == "leak"


def test_label_rates_per_value_add_up(table: Planted) -> None:
    rates = biases.analyze(table.dataset, table.features).details.label_rates
    notes = rates[rates["attribute"] == "notes"]
    assert set(notes["label"]) == {"benign", "malignant"}
    assert np.allclose(notes.groupby("value")["share"].sum(), 1.0)
    assert notes["count"].sum() == table.dataset.labels.notna().sum()


def test_digits_have_no_leak(digits: Planted) -> None:
    result = biases.analyze(digits.dataset, digits.features)
    power = result.details.predictive_power
    assert (power["verdict"] != "leak").all()
    assert set(power["attribute"]) == {"width", "height", "aspect_ratio", "format", "file_bytes", "brightness", "mode"}


def _images(root: Path) -> tuple[Dataset, pd.DataFrame]:
    dataset = load_dataset(root)
    return dataset, compute_features(dataset, cache_dir=root.parent / "features")


def test_image_size_that_tracks_the_class_is_a_bias(tmp_path: Path) -> None:
    """Cats were shot at 24x24, dogs at 32x24: a model can tell them apart by width alone."""
    root = tmp_path / "pets"
    for i in range(20):
        write_image(root / "cat" / f"{i}.png", i, size=(24, 24))
        write_image(root / "dog" / f"{i}.png", 100 + i, size=(32, 24))
    dataset, features = _images(root)
    result = biases.analyze(dataset, features)
    flagged = set(result.findings["group"])
    assert {"column:width", "column:aspect_ratio"} <= flagged
    assert "column:height" not in flagged and "column:mode" not in flagged
    assert result.verdict == "fail"  # width alone is perfect here: called a leak


def test_identifier_numbered_by_class_is_flagged(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    labels = np.repeat(["a", "b"], 60)
    frame = pd.DataFrame({"record_id": np.arange(120), "x": rng.normal(size=120), "label": labels})
    path = tmp_path / "sorted.csv"
    frame.to_csv(path, index=False)
    dataset = load_dataset(path)
    result = biases.analyze(dataset, compute_features(dataset, cache_dir=tmp_path / "f"))
    assert result.findings["group"].tolist() == ["column:record_id"]


def test_one_class_is_skipped_with_a_reason(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": np.arange(20.0), "label": "only"})
    path = tmp_path / "one.csv"
    frame.to_csv(path, index=False)
    dataset = load_dataset(path)
    result = biases.analyze(dataset, compute_features(dataset, cache_dir=tmp_path / "f"))
    assert result.verdict == "pass"
    assert result.details.skipped
    assert result.findings.empty
