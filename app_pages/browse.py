"""Browse: counts, class balance, every sample in a table, and a paged image gallery."""

from __future__ import annotations

import streamlit as st

from app_pages._samples import gallery, number_formats
from app_pages._widgets import current_dataset
from recipe_dash import browse
from recipe_dash.plots import class_count_chart

GALLERY_COLUMNS = 8

dataset = current_dataset()
if dataset is None:
    st.stop()

st.title(f"Browse · {dataset.name}")
counts = browse.counts(dataset)
samples_col, classes_col, splits_col = st.columns(3)
samples_col.metric("Samples", f"{counts.n_samples:,}")
classes_col.metric("Classes", counts.n_classes)
splits_col.metric("Splits", counts.n_splits, help=", ".join(dataset.splits))
for note in dataset.load_notes:
    st.warning(note)

st.subheader("Samples per class")
st.plotly_chart(class_count_chart(dataset), key="class_counts")

st.subheader("Samples")
label_filter, split_filter, text_filter = st.columns([2, 1, 2])
labels = label_filter.multiselect(
    "Class", dataset.class_names, placeholder="All classes", key="class", bind="query-params"
)
splits = split_filter.multiselect("Split", dataset.splits, placeholder="All splits", key="split", bind="query-params")
contains = text_filter.text_input(
    "Sample id contains", placeholder="e.g. train/3/", key="contains", bind="query-params"
)
selected = browse.filter_samples(dataset, labels=labels, splits=splits, contains=contains)
if len(selected) > browse.MAX_TABLE_ROWS:
    st.caption(f"Showing the first {browse.MAX_TABLE_ROWS:,} of {len(selected):,}; filter to narrow.")
table = browse.sample_table(dataset, selected)
st.dataframe(
    table,
    hide_index=True,
    key="samples",
    column_config=number_formats(table) | {"bytes": st.column_config.NumberColumn("bytes", format="localized")},
)
st.caption(f"{len(selected):,} of {dataset.n_samples:,} samples match.")

if dataset.kind == "image":
    st.subheader("Gallery")
    size_col, page_col, _ = st.columns([1, 1, 3])
    page_size = size_col.selectbox("Per page", [24, 48, 96], index=1, key="per_page", bind="query-params")
    n_pages = browse.n_pages(len(selected), page_size)
    page = page_col.number_input(
        f"Page (of {n_pages:,})", min_value=1, max_value=n_pages, value=1, key="page", bind="query-params"
    )
    shown = browse.page_of(selected, int(page), page_size)
    captions = [f"{row.label} · {row.split}" for row in shown.itertuples()]
    gallery(dataset, list(shown["sample_id"]), captions, columns=GALLERY_COLUMNS)
