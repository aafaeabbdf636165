"""Distributions: each feature by class and by split, and drift between splits."""

from __future__ import annotations

import streamlit as st

from app_pages._samples import findings_explorer
from app_pages._widgets import check_page
from recipe_dash.analyzers import distributions
from recipe_dash.plots import drift_bar, histogram_by_group

page = check_page("distributions", "Distributions", distributions.Details)
if page is None:
    st.stop()
dataset, stored, details = page

histograms = details.histograms
if not histograms.empty:
    attribute_col, by_col = st.columns([3, 1])
    features = list(dict.fromkeys(histograms["attribute"]))
    attribute = attribute_col.selectbox(
        "Feature",
        features,
        index=features.index(distributions.default_attribute(histograms) or features[0]),
        key="feature",
        bind="query-params",
        help="Opens on the feature that differs most between classes.",
    )
    by = by_col.segmented_control("Split by", ["label", "split"], default="label", key="by", bind="query-params")
    st.plotly_chart(histogram_by_group(histograms, attribute, by=by or "label"), key="dist_histogram")
    if clipped := distributions.clipped_count(histograms, attribute):
        st.caption(
            f"{clipped:,} value(s) beyond the 0.5-99.5 percentile range are counted in the end bins, "
            "so one extreme value cannot squash the rest (hover an end bin for its range)."
        )
drift = details.drift
if not drift.empty:
    st.subheader("Drift between splits")
    st.plotly_chart(drift_bar(drift, psi_warn=details.psi_warn, psi_fail=details.psi_fail), key="drift")
findings_explorer(dataset, stored.result.findings, key="distributions")
