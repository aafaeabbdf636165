"""The model matrix: which columns stay out and why, image rows, and user embeddings matched by id."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recipe_dash.analyzers import label_noise
from recipe_dash.analyzers._models import model_input
from recipe_dash.analyzers._models.hog import hog_size
from recipe_dash.errors import DataError
from recipe_dash.features import compute_features
from recipe_dash.features.images import GRAY_SIDE
from recipe_dash.io import Dataset, load_dataset
from tests.analyzers._planted import Planted


def test_table_matrix_keeps_out_ids_constants_and_the_leak(table: Planted) -> None:
    inputs = model_input(table.dataset, table.features)
    excluded = set(inputs.excluded["column"])
    assert excluded == {"record_id", "constant_site", "billing_code", "intake_score"}
    assert not any(name.startswith((*excluded, "label", "split")) for name in inputs.feature_names)
    assert "mean texture is missing" in inputs.feature_names  # junk cells became missing + indicator
    assert np.isfinite(inputs.matrix).all()
    assert inputs.matrix.shape == (table.dataset.n_samples, len(inputs.feature_names))
    assert abs(np.median(inputs.matrix[:, inputs.feature_names.index("mean radius")])) < 1e-6


def test_without_leak_search_the_leak_stays(table: Planted) -> None:
    inputs = model_input(table.dataset, table.features, exclude_leaks=False)
    assert "billing_code" not in set(inputs.excluded["column"])
    assert any(name.startswith("billing_code = ") for name in inputs.feature_names)


def test_image_matrix_has_a_row_per_decoded_image(digits: Planted) -> None:
    inputs = model_input(digits.dataset, digits.features)
    decoded = digits.features["decode_error"].isna().to_numpy()
    assert (inputs.rows == decoded).all()
    assert inputs.matrix.shape == (decoded.sum(), hog_size(GRAY_SIDE, GRAY_SIDE) + 6)
    assert inputs.named.sum() == 6 and "brightness" in inputs.feature_names


def _save(tmp_path: Path, n: int = 60) -> tuple[Dataset, pd.DataFrame]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "label": ["x", "y"] * (n // 2)})
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    dataset = load_dataset(path)
    return dataset, compute_features(dataset, cache_dir=tmp_path / "f")


def test_parquet_embedding_is_matched_by_id_in_any_order(tmp_path: Path) -> None:
    dataset, features = _save(tmp_path)
    y = (dataset.labels == "y").to_numpy(dtype=float)
    vectors = np.column_stack([y + np.random.default_rng(1).normal(0, 0.1, len(y)), np.zeros(len(y))])
    frame = pd.DataFrame(vectors, columns=["e0", "e1"]).assign(sample_id=dataset.sample_ids.to_numpy())
    frame.iloc[::-1].to_parquet(tmp_path / "emb.parquet")
    inputs = model_input(dataset, features, embedding=tmp_path / "emb.parquet")
    assert inputs.source == "embedding" and inputs.feature_names == ("e0", "e1")
    assert np.corrcoef(inputs.matrix[:, 0], y)[0, 1] > 0.95  # rows back in sample order
    result = label_noise.analyze(dataset, features, embedding=tmp_path / "emb.parquet")
    assert result.details.oof_accuracy > 0.95


def test_parquet_embedding_with_unknown_ids_says_how_many_match(tmp_path: Path) -> None:
    dataset, features = _save(tmp_path)
    ids = dataset.sample_ids.to_numpy().copy()
    ids[:25] = [f"other-{i}" for i in range(25)]
    pd.DataFrame({"sample_id": ids, "e0": 0.0}).to_parquet(tmp_path / "emb.parquet")
    with pytest.raises(DataError, match=r"has vectors for 35 of the 60 samples \(60 ids in the file\)"):
        model_input(dataset, features, embedding=tmp_path / "emb.parquet")


def test_npy_embedding_needs_one_row_per_sample(tmp_path: Path) -> None:
    dataset, features = _save(tmp_path)
    np.save(tmp_path / "emb.npy", np.zeros((59, 4)))
    with pytest.raises(DataError, match="has 59 rows but the dataset has 60 samples"):
        model_input(dataset, features, embedding=tmp_path / "emb.npy")
    np.save(tmp_path / "good.npy", np.eye(60)[:, :4])
    assert model_input(dataset, features, embedding=tmp_path / "good.npy").matrix.shape == (60, 4)


def test_column_embedding_uses_only_those_columns(tmp_path: Path) -> None:
    dataset, features = _save(tmp_path)
    inputs = model_input(dataset, features, embedding=["a"])
    assert inputs.feature_names == ("a",)
    with pytest.raises(DataError, match="'nope' are not in"):
        model_input(dataset, features, embedding=["a", "nope"])
