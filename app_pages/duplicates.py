"""Duplicates: clusters of copies side by side, with a threshold that merges or splits them."""

from __future__ import annotations

import streamlit as st

from app_pages._review_widgets import cluster_review
from app_pages._samples import findings_explorer, sample_previews
from app_pages._widgets import check_page, current_dataset_id, user_errors
from recipe_dash import browse
from recipe_dash.analyzers import duplicates
from recipe_dash.analyzers.duplicates import Links, cluster_pages, count_clusters, filter_clusters
from recipe_dash.features import compute_features
from recipe_dash.io import Dataset

CLUSTERS_PER_PAGE = 8


@st.cache_resource(show_spinner="Indexing copies…", max_entries=2)
def duplicate_links(_dataset: Dataset, dataset_id: int, analyzed_at: str) -> Links:
    """Search once per analysis (features come from the on-disk cache the analysis filled)."""
    return duplicates.search(_dataset, compute_features(_dataset))


page = check_page("duplicates", "Duplicates", duplicates.Details, summary=False)
dataset_id = current_dataset_id()
if page is None or dataset_id is None:
    st.stop()
dataset, stored, details = page

with user_errors():
    links = duplicate_links(dataset, dataset_id, str(stored.created_at))
    if note := duplicates.search_note(links):
        st.info(note)
    if dataset.kind == "image":
        threshold = st.slider(
            "Near-copy evidence (at least)",
            min_value=links.loosest,
            max_value=1.0,
            value=details.threshold if details.unit == "evidence" else 0.5,  # a result stored by an older version
            step=0.01,
            help="0.5 is the threshold calibrated on this dataset: a pair's pixels must match after alignment far "
            "more closely than its closest look-alikes do. Lower it to see weaker pairs, raise it to keep only the "
            "surest. Exact copies always stay.",
            key="threshold",
            bind="query-params",
        )
    else:
        threshold = st.slider(
            "Near-duplicate threshold (RMS of scaled jitter)",
            min_value=0.0,
            max_value=links.max_distance,
            value=details.threshold,
            step=0.001,
            help="Raise it to merge more samples into clusters, lower it to split them. Exact copies always stay. "
            f"The analysis ran at {details.threshold:g}.",
            key="threshold",
            bind="query-params",
        )
    clusters = duplicates.clusters(dataset, links, threshold=float(threshold))
    counts = count_clusters(clusters)
    st.markdown(f"At **{threshold:g}**: {counts.summary()}")
    cols = st.columns(4)
    cols[0].metric("Clusters", f"{counts.clusters:,}")
    cols[1].metric("Samples in clusters", f"{counts.members:,}")
    for column, label, n_clusters, n_samples in (
        (cols[2], "Across splits (leakage)", counts.across_splits, counts.leaking_samples),
        (cols[3], "Conflicting labels", counts.conflicting, counts.conflicting_samples),
    ):
        column.metric(label, f"{n_clusters:,} clusters", f"{n_samples:,} samples", "off", delta_arrow="off")

    kind_col, split_col, flag_col = st.columns(3)
    kinds = kind_col.pills("Kind", ["exact", "near"], selection_mode="multi", key="kind", bind="query-params")
    splits = split_col.multiselect(
        "Has a member in split", dataset.splits, placeholder="Any split", key="in_split", bind="query-params"
    )
    flags = flag_col.pills(
        "Only", ["leakage", "conflicting labels"], selection_mode="multi", key="only", bind="query-params"
    )
    shown = filter_clusters(clusters, kinds=kinds, splits=splits, flags=flags)
    n_pages = browse.n_pages(shown["cluster"].nunique(), CLUSTERS_PER_PAGE)
    page = st.number_input(
        f"Page (of {n_pages:,})", min_value=1, max_value=n_pages, value=1, width=200, key="page", bind="query-params"
    )
    for members in cluster_pages(shown, page=int(page), per_page=CLUSTERS_PER_PAGE):
        first = members.iloc[0]
        kind = "exact" if members["has_twin"].all() and not first["has_near"] else "near"
        with st.container(border=True):
            flags_text = [
                *(["**leaks across splits**"] if first["n_splits"] > 1 else []),
                *(["**labels disagree**"] if first["n_labels"] > 1 else []),
            ]
            st.markdown(" · ".join([f"Cluster {first['cluster']}", f"{len(members)} {kind} copies", *flags_text]))
            captions = dict(zip(members["sample_id"], members["label"] + " · " + members["split"], strict=True))
            sample_previews(dataset, list(members["sample_id"]), columns=8, caption=captions)
            cluster_review(dataset_id, list(members["sample_id"]), class_names=dataset.class_names)

    st.subheader("All findings")
    findings_explorer(dataset, stored.result.findings, key="duplicates")
