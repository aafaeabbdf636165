"""Label quality: which labels look wrong, what they probably should be, and how noisy each class is."""

from __future__ import annotations

import streamlit as st

from app_pages._samples import findings_explorer, sample_previews
from app_pages._widgets import check_page
from recipe_dash.analyzers import label_noise
from recipe_dash.plots import class_noise_bar, label_quality_histogram, noise_matrix_heatmap

WORST_SHOWN = 24

page = check_page("label_noise", "Label quality", label_noise.Details)
if page is None:
    st.stop()
dataset, stored, details = page

rate_col, scored_col, accuracy_col = st.columns(3)
rate_col.metric("Estimated noise rate", f"{details.noise_rate:.1%}")
scored_col.metric("Samples scored", f"{details.n_scored:,}")
accuracy_col.metric("Out-of-fold accuracy", f"{details.oof_accuracy:.0%}")
for note in details.notes:
    st.caption(note)

matrix_col, class_col = st.columns(2)
matrix_col.plotly_chart(noise_matrix_heatmap(details.joint), key="noise_matrix")
class_col.plotly_chart(class_noise_bar(details.class_noise), key="class_noise")
st.plotly_chart(label_quality_histogram(details.quality_histogram), key="quality_histogram")

st.subheader("Worst labels first")
scores = details.scores
worst = scores[scores["is_issue"]].sort_values("label_quality").head(WORST_SHOWN)
captions = {row.sample_id: f"given {row.label} → {row.suspected_label}?" for row in worst.itertuples()}
sample_previews(dataset, list(worst["sample_id"]), columns=8, caption=captions)

st.subheader("All flagged samples")
findings_explorer(dataset, stored.result.findings, key="label_noise")
