"""Label noise: F1 and noise rate against the planted flips of both bundled samples, and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recipe_dash.analyzers import label_noise
from recipe_dash.features import compute_features
from recipe_dash.io import Dataset, load_dataset
from tests.analyzers._planted import Planted, f1

# Samples planted as something else are judged by their own analyzers: a photo among digits or a
# conflicting duplicate may honestly be flagged as mislabelled, but is not in the flip answer key.
OTHER_ISSUES = ("outlier", "corrupt", "conflicting_label")


@pytest.mark.parametrize("sample", ["digits", "table"])
def test_finds_planted_flips_and_their_rate(sample: str, request: pytest.FixtureRequest) -> None:
    planted: Planted = request.getfixturevalue(sample)
    result = label_noise.analyze(planted.dataset, planted.features)
    flips = planted.ids("label_noise")
    found = set(result.findings["sample_id"]) - planted.ids(*OTHER_ISSUES)
    assert f1(found, flips) >= 0.80
    assert abs(result.details.noise_rate - planted.manifest["noise_rate"]) <= 0.02
    assert result.verdict == "warn"
    assert (result.findings["issue_type"] == "label_noise").all()


def test_suspected_label_is_the_true_one_for_found_flips(digits: Planted) -> None:
    result = label_noise.analyze(digits.dataset, digits.features)
    truth = {e["sample_id"]: e["true_label"] for e in digits.manifest["planted"] if e["issue_type"] == "label_noise"}
    scores = result.details.scores.set_index("sample_id")
    found = [sid for sid in result.findings["sample_id"] if sid in truth]
    right = sum(scores.loc[sid, "suspected_label"] == truth[sid] for sid in found)
    assert right / len(found) >= 0.9


def test_details_hold_what_the_page_shows(table: Planted) -> None:
    result = label_noise.analyze(table.dataset, table.features)
    details = result.details
    excluded = dict(zip(details.excluded_columns["column"], details.excluded_columns["reason"], strict=True))
    assert "leaks the label" in excluded["billing_code"]
    assert "leaks the label" in excluded["intake_score"]
    assert "all other columns together" in excluded["intake_score"]
    honest = {e["column"] for e in table.manifest["hard_negatives"]}
    assert not honest & set(excluded)
    assert "identifier" in excluded["record_id"]
    assert "constant" in excluded["constant_site"]
    joint = details.joint.pivot(index="given_label", columns="true_label", values="share")
    assert list(joint.index) == list(joint.columns) == ["benign", "malignant"]
    assert joint.to_numpy().sum() == pytest.approx(1.0)
    assert 1 - np.trace(joint.to_numpy()) == pytest.approx(details.noise_rate)
    assert details.joint["expected_count"].sum() == pytest.approx(details.n_counted)
    histogram = details.quality_histogram
    assert histogram["count"].sum() == details.n_scored
    assert histogram["flagged"].sum() == len(result.findings)
    assert len(details.scores) == table.dataset.n_samples
    assert set(details.class_noise["label"]) == {"benign", "malignant"}
    worst = result.findings.iloc[0]
    assert worst["score"] == result.findings["score"].max()


def test_leaking_column_would_hide_the_noise(table: Planted) -> None:
    """With the leak kept in (no leak threshold), fewer flips are found."""
    flips = table.ids("label_noise")
    kept = label_noise.analyze(table.dataset, table.features, exclude_leaks=False)
    dropped = label_noise.analyze(table.dataset, table.features)
    assert len(set(kept.findings["sample_id"]) & flips) < len(set(dropped.findings["sample_id"]) & flips)


def test_second_run_reads_the_cached_probabilities(
    table: Planted,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from recipe_dash.analyzers._models import oof

    calls: list[int] = []
    real = oof._compute
    monkeypatch.setattr(oof, "_compute", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = label_noise.analyze(table.dataset, table.features)
    assert list((isolated_home / "oof").glob("*.parquet"))
    second = label_noise.analyze(table.dataset, table.features)
    pd.testing.assert_frame_equal(first.findings, second.findings)
    assert len(calls) == 1
    label_noise.analyze(table.dataset, table.features, seed=1)  # another seed, another cache entry
    assert len(calls) == 2


def _table_dataset(
    tmp_path: Path, labels: list[str], seed: int = 0, signal: float = 0.0
) -> tuple[Dataset, pd.DataFrame]:
    """Three normal columns; `signal` shifts column 'a' by that many standard deviations per class."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(len(labels), 3)), columns=["a", "b", "c"])
    frame["a"] += signal * pd.factorize(pd.Series(labels), sort=True)[0]
    frame["label"] = labels
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    dataset = load_dataset(path)
    return dataset, compute_features(dataset, cache_dir=tmp_path / "features")


def test_one_class_is_skipped_with_a_reason(tmp_path: Path) -> None:
    dataset, features = _table_dataset(tmp_path, ["cat"] * 30)
    result = label_noise.analyze(dataset, features)
    assert result.verdict == "not_measured"
    assert "one class ('cat')" in result.summary
    assert result.details.skipped
    assert result.findings.empty


def test_class_smaller_than_the_folds_is_left_out(tmp_path: Path) -> None:
    dataset, features = _table_dataset(tmp_path, ["a"] * 40 + ["b"] * 40 + ["c"] * 3, signal=3.0)
    result = label_noise.analyze(dataset, features)
    assert any("Class 'c' has 3" in note for note in result.details.notes)
    scores = result.details.scores
    assert not scores.loc[scores["label"] == "c", "scored"].any()
    assert scores.loc[scores["label"] != "c", "scored"].all()
    assert result.details.classes == ("a", "b")


def test_all_nan_and_unlabelled_rows_do_not_break_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    frame = pd.DataFrame(
        {
            "x": y + rng.normal(0, 0.7, 200),
            "z": rng.normal(size=200),
            "empty": np.nan,
            "label": np.where(np.arange(200) % 50 == 0, None, np.where(y == 1, "yes", "no")),
        }
    )
    path = tmp_path / "nan.csv"
    frame.to_csv(path, index=False)
    dataset = load_dataset(path)
    result = label_noise.analyze(dataset, compute_features(dataset, cache_dir=tmp_path / "f"))
    assert "empty" in set(result.details.excluded_columns["column"])
    scores = result.details.scores
    assert not scores.loc[scores["label"].isna(), "scored"].any()
    assert result.details.oof_accuracy > 0.65


def test_no_feature_left_is_skipped_with_a_reason(tmp_path: Path) -> None:
    frame = pd.DataFrame({"code": ["A1", "B2"] * 30, "label": ["a", "b"] * 30})
    path = tmp_path / "leak.csv"
    frame.to_csv(path, index=False)
    dataset = load_dataset(path)
    result = label_noise.analyze(dataset, compute_features(dataset, cache_dir=tmp_path / "f"))
    assert result.details.skipped.startswith("no column is left")
    assert "'code' leaks the label" in result.summary


def test_a_model_at_chance_cannot_judge_the_labels(tmp_path: Path) -> None:
    """Random labels used to give '68.8% of labels look wrong, fail': the model had learnt nothing."""
    labels = list(np.random.default_rng(5).choice(["x", "y", "z"], 300))
    dataset, features = _table_dataset(tmp_path, labels)
    result = label_noise.analyze(dataset, features)
    assert result.verdict == "not_measured" and result.findings.empty
    assert result.summary.startswith("Label noise not measured: the out-of-fold model is no better than chance")
    assert "vs 33% chance on 300 samples, p = " in result.summary
    assert result.details.chance_p_value >= 0.01 and result.details.skipped in result.summary


def test_a_weak_but_real_model_still_judges(tmp_path: Path) -> None:
    """Hard negative for the chance gate: classes one standard deviation apart are judged."""
    labels = list(np.random.default_rng(5).choice(["x", "y"], 300))
    dataset, features = _table_dataset(tmp_path, labels, signal=1.0)
    result = label_noise.analyze(dataset, features)
    assert result.verdict != "not_measured" and result.details.skipped is None
    assert result.details.chance_p_value < 1e-6 and 0.6 < result.details.oof_balanced_accuracy < 0.8
