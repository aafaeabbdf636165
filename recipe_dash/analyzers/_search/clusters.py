"""Duplicate clusters as the Duplicates page filters and pages through them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

ClusterKind = Literal["exact", "near"]
ClusterFlag = Literal["leakage", "conflicting labels"]


@dataclass(frozen=True)
class ClusterCounts:
    """Clusters and the samples in them, both counted, since a page and a summary must say which they mean."""

    clusters: int
    members: int  # samples in clusters
    across_splits: int  # clusters with members in more than one split (leakage)
    conflicting: int  # clusters whose members carry different labels
    leaking_samples: int = 0  # samples in the clusters that span splits
    conflicting_samples: int = 0  # samples in the clusters whose labels disagree

    def summary(self) -> str:
        """One sentence with units, e.g. "44 clusters holding 91 samples; across splits:
        8 clusters (16 samples); conflicting labels: 6 clusters (12 samples)"."""
        if not self.clusters:
            return "No copies at this threshold."
        parts = [f"{_n(self.clusters, 'cluster')} holding {_n(self.members, 'sample')}"]
        if self.across_splits:
            parts.append(f"across splits: {_n(self.across_splits, 'cluster')} ({_n(self.leaking_samples, 'sample')})")
        if self.conflicting:
            both = f"{_n(self.conflicting, 'cluster')} ({_n(self.conflicting_samples, 'sample')})"
            parts.append(f"conflicting labels: {both}")
        return "; ".join(parts) + "."


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def count_clusters(frame: pd.DataFrame) -> ClusterCounts:
    per_cluster = frame.groupby("cluster").first()
    leaking, conflicting = frame["n_splits"] > 1, frame["n_labels"] > 1
    return ClusterCounts(
        clusters=len(per_cluster),
        members=len(frame),
        across_splits=int((per_cluster["n_splits"] > 1).sum()),
        conflicting=int((per_cluster["n_labels"] > 1).sum()),
        leaking_samples=int(leaking.sum()),
        conflicting_samples=int(conflicting.sum()),
    )


def filter_clusters(
    frame: pd.DataFrame,
    *,
    kinds: list[ClusterKind] | None = None,
    splits: list[str] | None = None,
    flags: list[ClusterFlag] | None = None,
) -> pd.DataFrame:
    """Whole clusters that match: any kind asked for, a member in a chosen split, every flag asked for."""
    keep = pd.Series(True, index=frame["cluster"].unique())
    by_cluster = frame.groupby("cluster")
    if kinds:
        exact = by_cluster["has_twin"].any()
        near = by_cluster["has_near"].any()
        keep &= (exact & ("exact" in kinds)) | (near & ("near" in kinds))
    if splits:
        keep &= frame.assign(hit=frame["split"].isin(splits)).groupby("cluster")["hit"].any()
    if flags and "leakage" in flags:
        keep &= by_cluster["n_splits"].first() > 1
    if flags and "conflicting labels" in flags:
        keep &= by_cluster["n_labels"].first() > 1
    return frame[frame["cluster"].isin(keep[keep].index)]


def cluster_pages(frame: pd.DataFrame, *, page: int, per_page: int) -> list[pd.DataFrame]:
    """The members of the clusters on 1-based `page`, largest clusters first."""
    order = frame.groupby("cluster")["size"].first().sort_values(ascending=False, kind="stable").index
    chosen = order[(page - 1) * per_page : page * per_page]
    return [frame[frame["cluster"] == cluster] for cluster in chosen]
