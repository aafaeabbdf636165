"""Copies in a dataset inflate scores and hide label errors: find exact and near duplicates, copies
shared between splits (leakage) and copies that disagree on their label."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recipe_dash.analyzers._search.clusters import ClusterCounts, cluster_pages, count_clusters, filter_clusters
from recipe_dash.analyzers._search.links import CLUSTER_COLUMNS, Links, cluster_frame, find_links
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import concat_findings, findings_frame
from recipe_dash.evidence import Verdict
from recipe_dash.io.columns import identifier_columns
from recipe_dash.io.dataset import Dataset
from recipe_dash.validation import check_number

DEFAULT_MAX_HAMMING = 8  # perceptual-hash bits (of 64) two images may differ by and still be near copies
DEFAULT_MAX_JITTER = 0.01  # RMS difference of robust-scaled numeric columns for near-duplicate rows
SEARCH_HAMMING = 12  # widest radius a threshold slider offers (search once, re-cluster per position)
SEARCH_HAMMING_MAX_IMAGES = 200_000
SEARCH_JITTERS = (0.1, 0.05, 0.03, 0.02, DEFAULT_MAX_JITTER)  # widest first; a big dense table gets what it can afford
__all__ = [
    "CLUSTER_COLUMNS",
    "ClusterCounts",
    "Details",
    "Links",
    "analyze",
    "cluster_pages",
    "clusters",
    "count_clusters",
    "filter_clusters",
    "search",
    "search_note",
]


@dataclass(frozen=True, kw_only=True)
class Details(CheckDetails):
    threshold: float  # the near-copy threshold the findings used, in `unit`
    unit: str  # "bits" (images: perceptual-hash distance) or "rms" (tables: scaled jitter)
    counts: dict[str, int]  # findings per issue type
    n_clusters: int
    largest_cluster: int
    ignored_columns: tuple[str, ...] = ()  # table columns left out of the comparison (label, split, ids)
    near_search_skipped: str | None = None  # why near copies were not searched (only exact ones then)


_EXACT_WORDS = {"bytes": "Byte-identical to", "pixels": "Same pixels, different file, as", "row": "Identical row to"}


def analyze(
    dataset: Dataset,
    features: pd.DataFrame,
    *,
    max_hamming: int = DEFAULT_MAX_HAMMING,
    max_jitter: float = DEFAULT_MAX_JITTER,
) -> Result:
    """Report every member of every cluster of copies: duplicate, near_duplicate, leakage, conflicting_label.

    Images are near copies when their perceptual hashes differ in at most `max_hamming` of 64 bits;
    table rows when their numeric columns differ by at most `max_jitter` (RMS of robust-scaled values).
    """
    check_number(
        "max_hamming",
        max_hamming,
        low=0,
        high=SEARCH_HAMMING,
        integer=True,
        why="bits of a 64-bit perceptual hash; images further apart are not copies, and the search grows steeply",
    )
    check_number("max_jitter", max_jitter, low=0, high=1, why="RMS difference in interquartile ranges of each column")
    threshold = float(max_hamming) if dataset.kind == "image" else float(max_jitter)
    links = find_links(dataset, features, max_distance=threshold)
    frame = cluster_frame(dataset, links, threshold=threshold)
    findings = concat_findings(
        [
            _exact_findings(frame),
            _near_findings(frame, links, threshold),
            _spread_findings(frame, "split", "leakage"),
            _spread_findings(frame, "label", "conflicting_label"),
        ]
    )
    counts = {str(k): int(v) for k, v in findings["issue_type"].value_counts().items()}
    details = Details(
        threshold=threshold,
        unit=links.unit,
        counts=counts,
        n_clusters=int(frame["cluster"].nunique()),
        largest_cluster=int(frame["size"].max()) if len(frame) else 0,
        ignored_columns=(str(dataset.label_column), "split", *identifier_columns(dataset.table))
        if dataset.kind == "table"
        else (),
        near_search_skipped=links.skipped,
    )
    summary = _summary(counts, details.n_clusters)
    if links.skipped:
        summary += f" Near duplicates were not searched: {links.skipped}"
    verdict: Verdict = (
        "fail" if counts.get("leakage") or counts.get("conflicting_label") else "warn" if counts else "pass"
    )
    return Result("duplicates", verdict, summary, findings, details)


def clusters(dataset: Dataset, links: Links, *, threshold: float) -> pd.DataFrame:
    """Clusters of copies at `threshold` (re-clustering from `links` is fast: call it per slider move).

    Get `links` once with `search(dataset, features)`; columns are CLUSTER_COLUMNS.
    """
    return cluster_frame(dataset, links, threshold=threshold)


def search(dataset: Dataset, features: pd.DataFrame) -> Links:
    """Exact twins and near copies up to the widest slider radius (the slow part; cache the result).

    Over SEARCH_HAMMING_MAX_IMAGES images the radius stays at the default (a million images at 12
    bits would take minutes); a table gets the widest of SEARCH_JITTERS at which rows are not mostly
    near each other. `links.max_distance` says which radius was searched.
    """
    if dataset.kind == "table":
        return find_links(dataset, features, max_distance=SEARCH_JITTERS[0], narrower=SEARCH_JITTERS[1:])
    radius = SEARCH_HAMMING if dataset.n_samples <= SEARCH_HAMMING_MAX_IMAGES else DEFAULT_MAX_HAMMING
    return find_links(dataset, features, max_distance=radius)


def search_note(links: Links) -> str | None:
    """What the threshold slider cannot show, in one sentence; None when it offers the full range."""
    if links.skipped:
        return f"Near duplicates were not searched: {links.skipped}"
    widest = SEARCH_HAMMING if links.unit == "bits" else SEARCH_JITTERS[0]
    if links.max_distance < widest:
        return (
            f"The threshold stops at {links.max_distance:g}: a wider search would compare too many samples "
            "of a dataset this size with each other."
        )
    return None


def _exact_findings(frame: pd.DataFrame) -> pd.DataFrame:
    twins = frame[frame["has_twin"]]
    other = _counterpart(twins, "exact_group", "sample_id")
    words = twins["exact_kind"].map(_EXACT_WORDS)
    size = twins.groupby("exact_group")["sample_id"].transform("size")
    detail = words + " " + other + np.where(size > 2, " and " + (size - 2).astype(str) + " more.", ".")
    return findings_frame(twins["sample_id"], "duplicate", 1.0, "dup-" + twins["cluster"].astype(str), detail)


def _near_findings(frame: pd.DataFrame, links: Links, threshold: float) -> pd.DataFrame:
    near = frame[frame["has_near"]]
    other = _counterpart(near, "cluster", "exact_group")
    distance = near["near_distance"].fillna(threshold).to_numpy()
    score = 1.0 - 0.5 * (distance / threshold if threshold > 0 else np.zeros(len(near)))
    if links.unit == "bits":
        how = [f" (perceptual hashes {d:.0f} of 64 bits apart)." for d in distance]
    else:
        how = [f" (numeric columns differ by {d:.2g} RMS of their spread)." for d in distance]
    return findings_frame(
        near["sample_id"],
        "near_duplicate",
        np.clip(score, 0.0, 1.0),
        "dup-" + near["cluster"].astype(str),
        "Near copy of " + other + pd.Series(how, index=near.index),
    )


def _spread_findings(frame: pd.DataFrame, attribute: str, issue_type: str) -> pd.DataFrame:
    """Members of clusters whose copies sit in different splits (leakage) or carry different labels."""
    spread = frame[frame[f"n_{attribute}s"] > 1]
    other = _counterpart(spread, "cluster", attribute)
    other_value = spread.set_index("sample_id")[attribute].reindex(other.to_numpy()).to_numpy()
    if issue_type == "leakage":
        detail = (
            "In '"
            + spread["split"]
            + "' while its copy "
            + other
            + " is in '"
            + other_value
            + "': the model is evaluated on what it trained on."
        )
    else:
        detail = "Labelled '" + spread["label"] + "' while its copy " + other + " is labelled '" + other_value + "'."
    score = np.where(spread["has_twin"], 1.0, 0.9)
    return findings_frame(spread["sample_id"], issue_type, score, "dup-" + spread["cluster"].astype(str), detail)


def _counterpart(frame: pd.DataFrame, group: str, key: str) -> pd.Series:
    """For each row, a sample of the same `group` whose `key` differs from the row's own."""
    firsts = frame.drop_duplicates([group, key])
    ranked = firsts.groupby(group).cumcount()
    first = firsts[ranked == 0].set_index(group)
    second = firsts[ranked == 1].set_index(group)
    first_key = first[key].reindex(frame[group]).to_numpy()
    use_second = frame[key].to_numpy() == first_key
    other = np.where(
        use_second,
        second["sample_id"].reindex(frame[group]).to_numpy(),
        first["sample_id"].reindex(frame[group]).to_numpy(),
    )
    return pd.Series(other, index=frame.index, dtype="string")


def _summary(counts: dict[str, int], n_clusters: int) -> str:
    if not counts:
        return "No exact or near duplicates found."
    exact, near = counts.get("duplicate", 0), counts.get("near_duplicate", 0)
    parts = [f"{exact} exact and {near} near duplicates in {n_clusters} clusters"]
    if counts.get("leakage"):
        parts.append(f"{counts['leakage']} samples leak across splits")
    if counts.get("conflicting_label"):
        parts.append(f"{counts['conflicting_label']} carry conflicting labels")
    advice = "keep one copy per cluster"
    if counts.get("leakage"):
        advice += ", keep each cluster inside one split"
    if counts.get("conflicting_label"):
        advice += ", and fix the labels of conflicting copies"
    return "; ".join(parts) + f": {advice}."
