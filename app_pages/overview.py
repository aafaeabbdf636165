"""Overview: run the data checks in the background and see each one's verdict at a glance."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages._widgets import (
    current_dataset,
    current_dataset_id,
    job_progress,
    page_link,
    store,
    user_errors,
    verdict_badge,
)
from app_pages.navigation import TITLES
from recipe_dash import analyzers
from recipe_dash.analyzers import ANALYZERS
from recipe_dash.io import check_allowed
from recipe_dash.store.jobs_model import ACTIVE

dataset = current_dataset()
dataset_id = current_dataset_id()
if dataset is None or dataset_id is None:
    st.stop()

st.title(f"Overview · {dataset.name}")
st.caption(
    "Become one with the data: every check below runs in a background worker; leave the page or "
    "reload, the progress and the results stay in the store."
)

with user_errors():
    latest = analyzers.latest_analysis(store(), dataset_id)
    running = latest is not None and latest.status in ACTIVE
    if latest is not None:
        job_progress(latest.id)  # live while it runs; afterwards, how the last run ended if it failed or stopped
    if not running:
        chosen = st.multiselect(
            "Checks",
            list(ANALYZERS),
            default=list(ANALYZERS),
            format_func=lambda check: TITLES.get(check, check),  # named as their pages, not as modules
            key="checks",
            bind="query-params",
        )
        embedding = (
            st.text_input(
                "Your own embedding for label noise and outliers (optional)",
                key="embedding",
                placeholder="a .npy or .parquet path on the server, or table columns: col1,col2",
            ).strip()
            or None
        )
        if st.button("Run checks", type="primary", icon=":material/play_arrow:", disabled=not chosen):
            if embedding and Path(embedding).suffix.lower() in {".npy", ".parquet", ".pq"}:
                embedding = str(check_allowed(embedding))  # a file on the server: only inside the data roots
            analyzers.start_analysis(store(), dataset_id, checks=chosen, embedding=embedding)
            st.rerun()

    results = analyzers.latest_results(store(), dataset_id)
    if not results:
        if running:
            st.caption("Each check's verdict appears here when the run ends.")
        else:
            st.info("No check has run on this dataset yet: press Run checks.", icon=":material/info:")
        st.stop()
    st.subheader("Health")
    if running:
        st.caption("From the previous run; this page shows the new results when the run in progress ends.")
    for row in analyzers.health_table(results).itertuples():
        with st.container(border=True):
            # wide enough for the longest badge, NOT MEASURED, not to be cut
            badge_col, name_col, count_col, summary_col = st.columns([1.9, 1.7, 2.2, 6.5], vertical_alignment="center")
            with badge_col:
                verdict_badge(row.verdict)
            with name_col:
                page_link(row.check, TITLES.get(row.check, row.check))
            count_col.markdown(f"**{row.flagged}**", help=f"{row.findings:,} findings")
            summary_col.markdown(row.summary)
            if row.by_type:
                summary_col.caption(row.by_type)
