"""What the Browse page shows: counts, filtered samples and gallery pages (the class chart is in plots)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from recipe_dash.io import Dataset

MAX_TABLE_ROWS = 200_000  # more rows than this make the browser table sluggish; filters narrow it


@dataclass(frozen=True)
class Counts:
    n_samples: int
    n_classes: int
    n_splits: int


def counts(dataset: Dataset) -> Counts:
    return Counts(dataset.n_samples, len(dataset.class_names), len(dataset.splits))


def filter_samples(
    dataset: Dataset,
    *,
    labels: list[str] | None = None,
    splits: list[str] | None = None,
    contains: str = "",
) -> pd.DataFrame:
    """Samples matching every given filter (an empty filter matches all)."""
    samples = dataset.samples
    mask = pd.Series(True, index=samples.index)
    if labels:
        mask &= samples["label"].isin(labels)
    if splits:
        mask &= samples["split"].isin(splits)
    if contains:
        mask &= samples["sample_id"].str.contains(contains, case=False, regex=False)
    return samples[mask.fillna(False)]


def sample_table(dataset: Dataset, samples: pd.DataFrame) -> pd.DataFrame:
    """The table the user sorts and filters: ids, labels, splits, plus the row's columns for tables."""
    shown = samples.head(MAX_TABLE_ROWS)
    if dataset.kind == "image":
        return shown[["sample_id", "label", "split", "bytes"]].reset_index(drop=True)
    features = dataset.table.iloc[shown.index].drop(columns=[dataset.label_column], errors="ignore")
    features = features.drop(columns=[c for c in features.columns if str(c).lower() == "split"])
    features.columns = [f"{c} (column)" if c in shown.columns else str(c) for c in features.columns]
    return pd.concat([shown.reset_index(drop=True), features.reset_index(drop=True)], axis=1)


def page_of(samples: pd.DataFrame, page: int, page_size: int) -> pd.DataFrame:
    """Rows of 1-based `page`; pages past the end give the last one."""
    page = min(max(page, 1), n_pages(len(samples), page_size))
    return samples.iloc[(page - 1) * page_size : page * page_size]


def n_pages(n_rows: int, page_size: int) -> int:
    return max(1, -(-n_rows // page_size))
