"""Outliers: the planted ones rank first on both bundled samples, with a reason that names them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from recipe_dash.analyzers import outliers
from recipe_dash.features import compute_features
from recipe_dash.io import Dataset, load_dataset
from tests.analyzers._planted import Planted


@pytest.mark.parametrize("sample", ["digits", "table"])
def test_planted_outliers_rank_first(sample: str, request: pytest.FixtureRequest) -> None:
    planted: Planted = request.getfixturevalue(sample)
    result = outliers.analyze(planted.dataset, planted.features)
    truth = planted.ids("outlier")
    ranked = result.details.scores.sort_values("outlier_score", ascending=False)
    top_k = set(ranked["sample_id"].head(len(truth)))
    assert len(top_k & truth) / len(truth) >= 0.8
    flagged = set(result.findings["sample_id"])
    assert len(flagged & truth) / len(truth) >= 0.8  # flagged at the default threshold, too
    assert len(flagged & truth) / len(flagged) >= 0.6  # and few others
    assert result.verdict == "warn"
    assert result.findings["score"].is_monotonic_decreasing


def test_reason_names_the_odd_columns(table: Planted) -> None:
    result = outliers.analyze(table.dataset, table.features)
    why = dict(zip(result.findings["sample_id"], result.findings["detail"], strict=True))
    planted = [e for e in table.manifest["planted"] if e["issue_type"] == "outlier" and e["sample_id"] in why]
    assert planted
    for entry in planted:
        assert any(column in why[entry["sample_id"]] for column in entry["columns"]), why[entry["sample_id"]]


def test_undecodable_images_are_not_scored(digits: Planted) -> None:
    result = outliers.analyze(digits.dataset, digits.features)
    scores = result.details.scores
    broken = digits.features["decode_error"].notna().to_numpy()
    assert broken.any()
    assert not scores.loc[broken, "scored"].any()
    assert scores.loc[broken, "outlier_score"].isna().all()


def _table(tmp_path: Path, frame: pd.DataFrame) -> tuple[Dataset, pd.DataFrame]:
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    dataset = load_dataset(path)
    return dataset, compute_features(dataset, cache_dir=tmp_path / "features")


def test_rows_far_from_every_blob_are_found(tmp_path: Path) -> None:
    X, y = make_blobs(n_samples=400, centers=3, n_features=4, random_state=0)
    X[-2:] += 50  # planted outliers
    frame = pd.DataFrame(X, columns=list("abcd")).assign(label=y.astype(str))
    dataset, features = _table(tmp_path, frame)
    result = outliers.analyze(dataset, features)
    assert set(result.findings["sample_id"]) == {"398", "399"}


def test_too_few_samples_are_skipped_with_a_reason(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": np.arange(8.0), "label": ["x", "y"] * 4})
    dataset, features = _table(tmp_path, frame)
    result = outliers.analyze(dataset, features)
    assert result.verdict == "not_measured"
    assert result.summary == (
        "Outliers not measured: only 8 sample(s) have a feature vector; outlier scores need at least 20."
    )
    assert result.findings.empty


def test_stored_scores_keep_the_worst_rows_and_the_histogram_all(table: Planted) -> None:
    full = outliers.analyze(table.dataset, table.features).details
    small = outliers.analyze(table.dataset, table.features, max_score_rows=10).details
    top = full.scores.sort_values("outlier_score", ascending=False)["sample_id"].head(10)
    assert small.scores["sample_id"].tolist() == top.tolist()
    assert small.score_histogram["count"].sum() == full.scores["scored"].sum()
