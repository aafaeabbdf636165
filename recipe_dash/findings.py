"""Findings as the pages show them: joined with each sample's label and split, filtered by the user."""

from __future__ import annotations

import pandas as pd

from recipe_dash.io import Dataset


def with_samples(dataset: Dataset, findings: pd.DataFrame) -> pd.DataFrame:
    """Add `label` and `split` to each finding (empty for dataset- and column-level findings)."""
    info = dataset.samples[["sample_id", "label", "split"]]
    joined = findings.merge(info, on="sample_id", how="left")
    return joined[["sample_id", "label", "split", "issue_type", "score", "group", "detail"]]


def filter_findings(
    frame: pd.DataFrame,
    *,
    issue_types: list[str] | None = None,
    min_score: float = 0.0,
    labels: list[str] | None = None,
    splits: list[str] | None = None,
) -> pd.DataFrame:
    """Rows matching every given filter, highest score first."""
    mask = frame["score"] >= min_score
    if issue_types:
        mask &= frame["issue_type"].isin(issue_types)
    if labels:
        mask &= frame["label"].isin(labels)
    if splits:
        mask &= frame["split"].isin(splits)
    return frame[mask.fillna(False)].sort_values("score", ascending=False, kind="stable")
