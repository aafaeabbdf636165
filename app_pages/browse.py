"""Browse: counts, class balance, every sample in a table, and a paged image gallery."""

from __future__ import annotations

import streamlit as st

from app_pages._widgets import current_dataset
from recipe_dash import browse
from recipe_dash.io import shown as readable
from recipe_dash.io.thumbnails import thumbnails
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
labels = label_filter.multiselect("Class", dataset.class_names, placeholder="All classes")
splits = split_filter.multiselect("Split", dataset.splits, placeholder="All splits")
contains = text_filter.text_input("Sample id contains", placeholder="e.g. train/3/")
selected = browse.filter_samples(dataset, labels=labels, splits=splits, contains=contains)
if len(selected) > browse.MAX_TABLE_ROWS:
    st.caption(f"Showing the first {browse.MAX_TABLE_ROWS:,} of {len(selected):,}; filter to narrow.")
st.dataframe(browse.sample_table(dataset, selected), hide_index=True, key="samples")
st.caption(f"{len(selected):,} of {dataset.n_samples:,} samples match.")

if dataset.kind == "image":
    st.subheader("Gallery")
    size_col, page_col, _ = st.columns([1, 1, 3])
    page_size = size_col.selectbox("Per page", [24, 48, 96], index=1)
    n_pages = browse.n_pages(len(selected), page_size)
    page = page_col.number_input(f"Page (of {n_pages:,})", min_value=1, max_value=n_pages, value=1)
    shown = browse.page_of(selected, int(page), page_size)
    previews = thumbnails([dataset.image_path(sid) for sid in shown["sample_id"]])
    grid = st.columns(GALLERY_COLUMNS)
    for i, (preview, row) in enumerate(zip(previews, shown.itertuples(), strict=True)):
        with grid[i % GALLERY_COLUMNS]:
            if preview.path is not None:
                st.image(str(preview.path), width="stretch")
            else:
                st.error(f"Unreadable: {preview.error}", icon=":material/broken_image:")
            st.caption(
                f"**{readable(row.label)}** · {row.split} · {readable(row.sample_id.rsplit('/', 1)[-1])}",
                help=readable(row.sample_id),
            )
