"""Balance: class counts per split, imbalance ratio and entropy, and what to do about it."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd
import streamlit as st

from app_pages._widgets import check_page, findings_explorer
from recipe_dash.analyzers import imbalance
from recipe_dash.plots import class_count_chart

page = check_page("imbalance", "Balance", imbalance.Details)
if page is None:
    st.stop()
dataset, stored, details = page

st.plotly_chart(class_count_chart(dataset), key="balance_counts")
stats = pd.DataFrame({name: asdict(balance) for name, balance in details.splits.items()}).T
st.dataframe(
    stats.rename_axis("split").reset_index()[["split", "n", "n_classes", "ratio", "normalized_entropy"]],
    hide_index=True,
    column_config={
        "n": st.column_config.NumberColumn("samples"),
        "n_classes": st.column_config.NumberColumn("classes present"),
        "ratio": st.column_config.NumberColumn("largest / smallest", format="%.1f"),
        "normalized_entropy": st.column_config.ProgressColumn(
            "balance (1 = even)",
            min_value=0.0,
            max_value=1.0,
            format="%.2f",
            help="Entropy of the class shares divided by its maximum.",
        ),
    },
    key="balance_stats",
)
findings_explorer(dataset, stored.result.findings, key="imbalance")
