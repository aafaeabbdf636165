"""Copies in a dataset inflate scores and hide label errors: find exact and near duplicates, copies
shared between splits (leakage) and copies that disagree on their label.

An image near copy is a picture made from another (re-encoded, resized, cropped, shifted, rotated a
little, brightened, tinted, lightly noised), verified on its pixels and scored by how much closer it
is than the dataset's own look-alikes (see `_search/verify.py`), not a picture that merely looks alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recipe_dash.analyzers._search.clusters import ClusterCounts, cluster_pages, count_clusters, filter_clusters
from recipe_dash.analyzers._search.links import CLUSTER_COLUMNS, MIN_EVIDENCE, Links, cluster_frame, find_links
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import concat_findings, empty_findings, findings_frame
from recipe_dash.evidence import Verdict
from recipe_dash.io.columns import identifier_columns
from recipe_dash.io.dataset import Dataset
from recipe_dash.validation import check_number

DEFAULT_MIN_EVIDENCE = 0.5  # images: evidence at which a verified pair counts (0.5 = the calibrated threshold)
DEFAULT_MAX_JITTER = 0.01  # RMS difference of robust-scaled numeric columns for near-duplicate rows
MOSTLY_ONE_PICTURE = 0.5  # an exact group holding this share of the images is one finding, not one per copy
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
    unit: str  # "evidence" (images: verified near copies, 0..1, higher is surer) or "rms" (tables: scaled jitter)
    counts: dict[str, int]  # findings per issue type
    n_clusters: int
    largest_cluster: int
    ignored_columns: tuple[str, ...] = ()  # table columns left out of the comparison (label, split, ids)
    near_search_skipped: str | None = None  # why near copies were not searched (only exact ones then)
    residual_threshold: float | None = None  # images: log10 of 1 - correlation a near copy must stay under
    typical_residual: float | None = None  # images: the same for a typical picture and its closest look-alike


_EXACT_WORDS = {"bytes": "Byte-identical to", "pixels": "Same pixels, different file, as", "row": "Identical row to"}


def analyze(
    dataset: Dataset,
    features: pd.DataFrame,
    *,
    min_evidence: float = DEFAULT_MIN_EVIDENCE,
    max_jitter: float = DEFAULT_MAX_JITTER,
) -> Result:
    """Report every member of every cluster of copies: duplicate, near_duplicate, leakage, conflicting_label.

    Images are near copies when their verified evidence is at least `min_evidence` (0.5: the residual
    after alignment is under the threshold calibrated on this dataset); table rows when their numeric
    columns differ by at most `max_jitter` (RMS of robust-scaled values).
    """
    check_number(
        "min_evidence",
        min_evidence,
        low=MIN_EVIDENCE,
        high=1,
        why="evidence that a verified pair is a copy; 0.5 is the threshold calibrated on the dataset",
    )
    check_number("max_jitter", max_jitter, low=0, high=1, why="RMS difference in interquartile ranges of each column")
    threshold = float(min_evidence) if dataset.kind == "image" else float(max_jitter)
    links = find_links(dataset, features, max_distance=threshold)
    frame = cluster_frame(dataset, links, threshold=threshold)
    findings = concat_findings(
        [
            _exact_findings(frame, dataset.n_samples),
            _near_findings(frame, links, threshold),
            _spread_findings(frame, "split", "leakage"),
            _spread_findings(frame, "label", "conflicting_label"),
            _flood_finding(links),
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
        residual_threshold=links.residual_threshold,
        typical_residual=links.typical_residual,
    )
    summary = _summary(counts, details.n_clusters)
    if links.skipped:
        summary += f" Near duplicates were not searched: {links.skipped}"
    verdict: Verdict = (
        "fail" if counts.get("leakage") or counts.get("conflicting_label") else "warn" if counts else "pass"
    )
    return Result("duplicates", verdict, summary, findings, details)


def clusters(dataset: Dataset, links: Links, *, threshold: float) -> pd.DataFrame:
    """Clusters of copies at `threshold`, in `links.unit` (re-clustering from `links` is fast: call it
    per slider move). Images: the minimum evidence, from `links.loosest` to 1.

    Get `links` once with `search(dataset, features)`; columns are CLUSTER_COLUMNS.
    """
    return cluster_frame(dataset, links, threshold=threshold)


def search(dataset: Dataset, features: pd.DataFrame) -> Links:
    """Exact twins and near copies down to the loosest slider position (the slow part; cache the result).

    Images: every verified pair down to evidence MIN_EVIDENCE (the search does not depend on the
    threshold). Tables: the widest of SEARCH_JITTERS at which rows are not mostly near each other;
    `links.max_distance` says which radius was searched.
    """
    if dataset.kind == "table":
        return find_links(dataset, features, max_distance=SEARCH_JITTERS[0], narrower=SEARCH_JITTERS[1:])
    return find_links(dataset, features)


def search_note(links: Links) -> str | None:
    """What the threshold slider cannot show, in one sentence; None when it offers the full range."""
    if links.skipped:
        return f"Near duplicates were not searched: {links.skipped}"
    if links.unit == "rms" and links.max_distance < SEARCH_JITTERS[0]:
        return (
            f"The threshold stops at {links.max_distance:g}: a wider search would compare too many samples "
            "of a dataset this size with each other."
        )
    return None


def _exact_findings(frame: pd.DataFrame, n_samples: int) -> pd.DataFrame:
    """One finding per member of each exact group, except a group holding most of the dataset (all
    blank, say): that is one finding on its first member, as a thousand would say nothing more."""
    twins = frame[frame["has_twin"]]
    size = twins.groupby("exact_group")["sample_id"].transform("size")
    huge = (size >= max(MOSTLY_ONE_PICTURE * n_samples, 3)).to_numpy()
    if huge.any():
        first = ~twins["exact_group"].duplicated().to_numpy()
        twins, size, huge = twins[~huge | first], size[~huge | first], huge[~huge | first]
    other = _counterpart(twins, "exact_group", "sample_id")
    words = twins["exact_kind"].map(_EXACT_WORDS)
    detail = words + " " + other + np.where(size > 2, " and " + (size - 2).astype(str) + " more.", ".")
    share = size / max(n_samples, 1)
    percent = (100 * share).round().astype(int).astype(str)
    mostly = "This exact picture is " + size.astype(str) + f" of the {n_samples} samples (" + percent
    mostly += "%): the dataset is mostly one picture; check how it was collected."
    detail = pd.Series(np.where(huge, mostly, detail), index=twins.index)
    return findings_frame(twins["sample_id"], "duplicate", 1.0, "dup-" + twins["cluster"].astype(str), detail)


def _near_findings(frame: pd.DataFrame, links: Links, threshold: float) -> pd.DataFrame:
    near = frame[frame["has_near"]]
    other = _counterpart(near, "cluster", "exact_group")
    distance = near["near_distance"].fillna(links.distance(threshold)).to_numpy()
    if links.unit == "evidence":
        score = 1.0 - distance
        how = [f": the same picture after alignment (evidence {s:.2f})." for s in score]
    else:
        score = 1.0 - 0.5 * (distance / threshold if threshold > 0 else np.zeros(len(near)))
        how = [f" (numeric columns differ by {d:.2g} RMS of their spread)." for d in distance]
    return findings_frame(
        near["sample_id"],
        "near_duplicate",
        np.clip(score, 0.0, 1.0),
        "dup-" + near["cluster"].astype(str),
        "Near copy of " + other + pd.Series(how, index=near.index),
    )


def _flood_finding(links: Links) -> pd.DataFrame:
    """One dataset-level finding when the pictures are mostly near copies of each other (not a pair each)."""
    if links.unit != "evidence" or not links.skipped:
        return empty_findings()
    detail = "Most pictures are near copies of another one: " + links.skipped.split(", so ")[0] + "."
    return findings_frame(pd.Series([None], dtype="string"), "near_duplicate", 1.0, "dup-dataset", detail)


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
    parts = [f"{exact:,} exact and {near:,} near duplicates in {n_clusters:,} clusters"]
    if counts.get("leakage"):
        parts.append(f"{counts['leakage']:,} samples leak across splits")
    if counts.get("conflicting_label"):
        parts.append(f"{counts['conflicting_label']:,} carry conflicting labels")
    advice = "keep one copy per cluster"
    if counts.get("leakage"):
        advice += ", keep each cluster inside one split"
    if counts.get("conflicting_label"):
        advice += ", and fix the labels of conflicting copies"
    return "; ".join(parts) + f": {advice}."
