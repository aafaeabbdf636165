"""Balance: class counts per split, the rarest class against the others (what the verdict reads), what to do."""

from __future__ import annotations

import streamlit as st

from app_pages._samples import findings_explorer
from app_pages._widgets import check_page
from recipe_dash.analyzers import imbalance
from recipe_dash.plots import class_count_chart

page = check_page("imbalance", "Balance", imbalance.Details)
if page is None:
    st.stop()
dataset, stored, details = page

st.plotly_chart(class_count_chart(dataset), key="balance_counts")
st.caption(
    f"The verdict reads the rarest class against the median of the other classes: below {details.warn_ratio:g} "
    f"warns, below {details.fail_ratio:g} fails (or a class missing from a split)."
)
st.dataframe(
    imbalance.rarest_classes(details),
    hide_index=True,
    column_config={
        "samples": st.column_config.NumberColumn("samples", format="localized"),
        "classes_present": st.column_config.NumberColumn("classes present"),
        "rarest_class": st.column_config.TextColumn("rarest class"),
        "rarest_count": st.column_config.NumberColumn("its samples", format="localized"),
        "median_of_others": st.column_config.NumberColumn("median of the others", format="%.0f"),
        "rarest_vs_median": st.column_config.ProgressColumn(
            "rarest / median (verdict)",
            min_value=0.0,
            max_value=1.0,
            format="%.2f",
            help="1 = the rarest class is as common as a typical class; the verdict warns or fails below its limits.",
        ),
        "largest_vs_smallest": st.column_config.NumberColumn("largest / smallest", format="%.1f"),
    },
    key="balance_stats",
)
findings_explorer(dataset, stored.result.findings, key="imbalance")
