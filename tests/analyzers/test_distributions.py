"""Distributions: histograms count every value once per grouping; planted drift is found, noise is not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from recipe_dash.analyzers import distributions
from recipe_dash.features import compute_features
from recipe_dash.io import Dataset, load_dataset
from tests.analyzers._planted import Planted


def _table(tmp_path: Path, frame: pd.DataFrame) -> tuple[Dataset, pd.DataFrame]:
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    dataset = load_dataset(path)
    return dataset, compute_features(dataset, cache_dir=tmp_path / "features")


def _drifting(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    split = np.where(np.arange(n) < n * 3 // 4, "train", "test")
    is_test = split == "test"
    return pd.DataFrame(
        {
            "steady": rng.normal(size=n),
            "shifted": rng.normal(size=n) + 1.5 * is_test,  # planted drift: the test rows moved
            "colour": np.where(is_test, rng.choice(["red", "blue"], n, p=[0.8, 0.2]), rng.choice(["red", "blue"], n)),
            "empty": np.nan,
            "label": rng.choice(["a", "b"], n),
            "split": split,
        }
    )


def test_planted_drift_is_found_and_nothing_else(tmp_path: Path) -> None:
    result = distributions.analyze(*_table(tmp_path, _drifting()))
    drift = result.details.drift.set_index("attribute")
    assert set(result.findings["group"]) == {"column:shifted split:test", "column:colour split:test"}
    assert drift.loc["shifted", "verdict"] == "major shift"
    assert drift.loc["steady", "verdict"] == "stable"
    assert result.verdict == "fail"
    assert "empty" not in result.details.attributes


def test_ks_statistic_matches_scipy(tmp_path: Path) -> None:
    frame = _drifting()
    result = distributions.analyze(*_table(tmp_path, frame))
    ours = result.details.drift.set_index("attribute").loc["shifted", "ks"]
    train, test = frame.loc[frame["split"] == "train", "shifted"], frame.loc[frame["split"] == "test", "shifted"]
    assert ours == pytest.approx(stats.ks_2samp(train, test).statistic)


def test_histograms_count_every_value_once_per_grouping(table: Planted) -> None:
    result = distributions.analyze(table.dataset, table.features)
    hist = result.details.histograms
    column = pd.to_numeric(table.dataset.table["mean area"], errors="coerce").replace([np.inf, -np.inf], np.nan)
    for by in ("label", "split"):
        counts = hist[(hist["attribute"] == "mean area") & (hist["by"] == by)].groupby("group")["count"].sum()
        expected = column.groupby(table.dataset.samples[by].to_numpy()).count()
        assert counts.to_dict() == expected.to_dict()
    shares = hist.groupby(["attribute", "by", "group"])["share"].sum()
    assert np.allclose(shares[shares > 0], 1.0)


@pytest.mark.parametrize("sample", ["digits", "table"])
def test_random_splits_of_the_samples_do_not_drift(sample: str, request: pytest.FixtureRequest) -> None:
    planted: Planted = request.getfixturevalue(sample)
    result = distributions.analyze(planted.dataset, planted.features)
    assert result.verdict == "pass", result.summary
    assert {"train", "test"} == set(result.details.histograms.query("by == 'split'")["group"])


def test_image_statistics_are_histogrammed_by_class(digits: Planted) -> None:
    hist = distributions.analyze(digits.dataset, digits.features).details.histograms
    by_class = hist[(hist["attribute"] == "brightness") & (hist["by"] == "label")]
    assert set(by_class["group"]) == set(digits.dataset.class_names)
    assert {"contrast", "blur", "width", "format"} <= set(hist["attribute"])


def test_one_split_skips_drift_with_a_reason(tmp_path: Path) -> None:
    frame = _drifting().drop(columns="split")
    result = distributions.analyze(*_table(tmp_path, frame))
    assert result.verdict == "not_measured" and result.findings.empty
    assert result.summary.startswith("Drift not measured: there is one split ('train')")
    assert "one split ('train')" in result.details.drift_skipped
    assert result.details.drift.empty
    assert not result.details.histograms.empty


def test_one_extreme_value_is_clipped_counted_and_the_default_feature_varies(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 1000
    width = np.full(n, 16.0)
    width[7] = 14_000.0  # one huge image among thumbnails: almost constant, one wild value
    spread = rng.normal(100, 10, n)
    spread[:3] = [1e6, 2e6, -5e5]  # three wild values that must not squash the picture
    frame = pd.DataFrame({"width": width, "spread": spread, "label": "a"})
    result = distributions.analyze(*_table(tmp_path, frame))
    histograms = result.details.histograms
    assert distributions.default_attribute(histograms) == "spread"  # one class: the feature that spreads most
    assert distributions.clipped_count(histograms, "spread") == 10  # 0.5% of 1,000 on each side, the 3 wild ones too
    rows = histograms[(histograms["attribute"] == "spread") & (histograms["by"] == "split")]
    assert rows["right"].max() < 200 and rows["left"].min() > 0  # the bins cover the bulk, not the wild values
    assert rows["count"].sum() == n  # every value counted once, the wild ones in the end bins
    assert rows["bin_label"].iloc[0].startswith("below") and "and above" in rows["bin_label"].iloc[-1]


def test_the_default_feature_is_the_one_that_tells_the_label_apart_not_a_row_id(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 2000
    label = rng.choice(["a", "b", "c"], n)
    frame = pd.DataFrame(
        {
            "record_id": rng.permutation(n) + 100_000,  # evenly spread, so the widest spread, and says nothing
            "noise": rng.normal(0, 1, n),
            "size": rng.normal(0, 1, n) + (label == "b") * 1.5,  # the one that differs by class
            "site": np.full(n, "north"),
            "width": np.where(np.arange(n) == 7, 14_000.0, 16.0),  # one panorama among thumbnails
            "label": label,
        }
    )
    histograms = distributions.analyze(*_table(tmp_path, frame)).details.histograms
    assert distributions.default_attribute(histograms) == "size"
