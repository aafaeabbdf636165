"""Distributions: each feature by class and by split, and drift between splits."""

from __future__ import annotations

import streamlit as st

from app_pages._widgets import check_page, findings_explorer
from recipe_dash.analyzers import distributions
from recipe_dash.plots import drift_bar, histogram_by_group

page = check_page("distributions", "Distributions", distributions.Details)
if page is None:
    st.stop()
dataset, stored, details = page

histograms = details.histograms
if not histograms.empty:
    attribute_col, by_col = st.columns([3, 1])
    attribute = attribute_col.selectbox("Feature", list(dict.fromkeys(histograms["attribute"])), key="dist_attribute")
    by = by_col.segmented_control("Split by", ["label", "split"], default="label", key="dist_by") or "label"
    st.plotly_chart(histogram_by_group(histograms, attribute, by=by), key="dist_histogram")
drift = details.drift
if not drift.empty:
    st.subheader("Drift between splits")
    st.plotly_chart(drift_bar(drift, psi_warn=details.psi_warn, psi_fail=details.psi_fail), key="drift")
findings_explorer(dataset, stored.result.findings, key="distributions")
