"""Outliers: samples that look like they come from somewhere else, worst first, with the reason."""

from __future__ import annotations

import streamlit as st

from app_pages._samples import findings_explorer, sample_previews
from app_pages._widgets import check_page
from recipe_dash.analyzers import outliers
from recipe_dash.plots import outlier_score_histogram, outlier_views_scatter

TOP_SHOWN = 16

page = check_page("outliers", "Outliers", outliers.Details)
if page is None:
    st.stop()
dataset, stored, details = page

scores = details.scores
st.subheader("Top outliers")
top = scores.sort_values("outlier_score", ascending=False).head(TOP_SHOWN)
sample_previews(
    dataset,
    list(top["sample_id"]),
    columns=8,
    caption={row.sample_id: f"score {row.outlier_score:.1f} · {row.label}" for row in top.itertuples()},
)
st.dataframe(
    top[["sample_id", "label", "split", "outlier_score", "why"]].fillna({"why": "—"}),
    hide_index=True,
    key="top_outliers",
    column_config={"outlier_score": st.column_config.NumberColumn(format="%.2f")},
)

histogram_col, views_col = st.columns(2)
histogram_col.plotly_chart(
    outlier_score_histogram(details.score_histogram, threshold=details.threshold), key="outlier_histogram"
)
views_col.plotly_chart(outlier_views_scatter(details.scores), key="outlier_views")

st.subheader("All flagged samples")
findings_explorer(dataset, stored.result.findings, key="outliers")
