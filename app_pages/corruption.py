"""Corruption: files that do not decode or look wrong, cells that do not parse, broken columns."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._samples import findings_explorer
from app_pages._widgets import check_page
from recipe_dash.analyzers import corruption

page = check_page("corruption", "Corruption", corruption.Details)
if page is None:
    st.stop()
dataset, stored, details = page

if dataset.kind == "image":
    checks_col, modes_col, formats_col = st.columns(3)
    for column, counted, title in (
        (checks_col, details.by_check, "Problem"),
        (modes_col, details.modes, "Pillow mode"),
        (formats_col, details.formats, "Format"),
    ):
        counts = pd.Series(counted, name="images", dtype="int64").rename_axis(title).reset_index()
        column.markdown(f"**{title}**")
        column.dataframe(counts, hide_index=True, key=f"corruption_{title}")
else:
    st.subheader("Column problems")
    columns = details.columns
    if columns.empty:
        st.success("Every column has one type and enough values.", icon=":material/check_circle:")
    else:
        st.dataframe(
            columns.assign(column=columns["group"].str.removeprefix("column:"))[["column", "issue_type", "detail"]],
            hide_index=True,
            key="corruption_columns",
        )

per_sample = stored.result.findings[stored.result.findings["sample_id"].notna()]
is_corrupt = per_sample["issue_type"] == "corrupt"
st.subheader(f"Corrupt: {details.n_corrupt_samples:,} samples cannot be used as they are")
findings_explorer(dataset, per_sample[is_corrupt], key="corruption")
st.subheader(f"Format notes: {details.n_format_notes:,} valid samples to convert, rename or drop on purpose")
findings_explorer(dataset, per_sample[~is_corrupt], key="corruption_notes")
