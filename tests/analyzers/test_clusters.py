from __future__ import annotations

import pandas as pd

from recipe_dash.analyzers._search.clusters import cluster_pages, count_clusters, filter_clusters


def frame() -> pd.DataFrame:
    """Cluster 1: exact pair inside train. Cluster 2: near trio across splits with two labels."""
    return pd.DataFrame(
        {
            "cluster": [1, 1, 2, 2, 2],
            "sample_id": ["a", "b", "c", "d", "e"],
            "label": ["x", "x", "x", "y", "x"],
            "split": ["train", "train", "train", "test", "train"],
            "has_twin": [True, True, False, False, False],
            "has_near": [False, False, True, True, True],
            "size": [2, 2, 3, 3, 3],
            "n_splits": [1, 1, 2, 2, 2],
            "n_labels": [1, 1, 2, 2, 2],
        }
    )


def test_counts() -> None:
    counts = count_clusters(frame())
    assert (counts.clusters, counts.members, counts.across_splits, counts.conflicting) == (2, 5, 1, 1)
    assert (counts.leaking_samples, counts.conflicting_samples) == (3, 3)  # the trio, in samples
    assert counts.summary() == (
        "2 clusters holding 5 samples; across splits: 1 cluster (3 samples); conflicting labels: 1 cluster (3 samples)."
    )


def test_filters_keep_whole_clusters() -> None:
    assert set(filter_clusters(frame(), kinds=["exact"])["sample_id"]) == {"a", "b"}
    assert set(filter_clusters(frame(), kinds=["near"])["sample_id"]) == {"c", "d", "e"}
    assert set(filter_clusters(frame(), splits=["test"])["sample_id"]) == {"c", "d", "e"}
    assert set(filter_clusters(frame(), flags=["leakage"])["sample_id"]) == {"c", "d", "e"}
    assert filter_clusters(frame(), kinds=["exact"], flags=["conflicting labels"]).empty
    assert len(filter_clusters(frame())) == 5


def test_pages_put_the_largest_cluster_first() -> None:
    first, second = cluster_pages(frame(), page=1, per_page=2)
    assert list(first["sample_id"]) == ["c", "d", "e"] and list(second["sample_id"]) == ["a", "b"]
    assert cluster_pages(frame(), page=2, per_page=2) == []
