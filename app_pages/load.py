"""Load: pick a dataset from the server or upload one."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.typing import UploadedFile

from app_pages._widgets import DATASET_PARAM, forget_loaded, page_link, select_dataset, store, user_errors
from app_pages.navigation import page_file
from recipe_dash import workspace
from recipe_dash.io import check_allowed, require_existing, save_upload, shown
from recipe_dash.io.dataset_names import distinct_paths
from recipe_dash.io.table_file import TABLE_EXTENSIONS, read_columns
from recipe_dash.io.tabular import detect_label_column
from recipe_dash.settings import SAMPLE_DATA, get_settings

st.title("Load a dataset")
st.write(
    "Images: a folder (or .zip) with one subfolder per class, optionally inside `train/`, `test/`, `val/`. "
    "Tables: CSV or Parquet with a label column and an optional `split` column."
)
st.caption(f"Store (results, uploads, thumbnails): `{get_settings().store_location}`")


def choose_label_column(path: Path, key: str) -> str | None:
    """For tables, offer every column, preselecting the detected label column."""
    if path.suffix.lower() not in TABLE_EXTENSIONS:
        return None
    columns = read_columns(path)
    detected = detect_label_column(columns)
    index = columns.index(detected) if detected else None
    return st.selectbox("Label column", columns, index=index, key=key, placeholder="Choose the label column")


def open_and_show(path: Path, label_column: str | None) -> None:
    dataset_id, dataset = workspace.open_dataset(store(), path, label_column=label_column)
    forget_loaded(dataset_id)
    select_dataset(dataset_id)
    st.success(
        f"Loaded **{dataset.name}**: {dataset.n_samples:,} samples, {len(dataset.class_names)} classes, "
        f"splits: {', '.join(dataset.splits)}."
    )
    for note in dataset.load_notes:
        st.warning(note)
    page_link("browse", "Browse it", icon=":material/table_view:")


def saved_upload(upload: UploadedFile) -> Path:
    """Copy the upload to disk once (in chunks, hashed as it goes), not again on every rerun of the page."""
    key = f"saved_upload_{upload.file_id}"
    if key not in st.session_state:
        st.session_state[key] = save_upload(upload.name, upload)
    return Path(st.session_state[key])


server_tab, upload_tab, recent_tab = st.tabs(["Server path", "Upload", "Recent"])

with server_tab, user_errors():
    typed = st.text_input("Path on the server", value=str(SAMPLE_DATA / "digits"), key="server_path")
    roots = ", ".join(f"`{root}`" for root in [SAMPLE_DATA, *get_settings().data_roots])
    st.caption(f"Allowed folders: {roots}. The admin adds more with RECIPE_DASH_DATA_ROOTS.")
    if typed.strip():
        path = require_existing(check_allowed(typed.strip()))
        label_column = choose_label_column(path, key="server_label")
        if st.button("Load", type="primary", key="load_server"):
            open_and_show(path, label_column)

with upload_tab, user_errors():
    limit_mb = get_settings().max_upload_mb
    upload = st.file_uploader(
        "A .zip of class folders, or a CSV/Parquet table",
        type=["zip", "csv", "tsv", "txt", "parquet", "pq"],
        max_upload_size=limit_mb,
    )
    st.caption(
        f"Up to {limit_mb:,} MB per file. Anything bigger: ask the admin to put it in a folder this server "
        "reads (RECIPE_DASH_DATA_ROOTS) and load it from the Server path tab."
    )
    if upload is not None:
        saved = saved_upload(upload)
        label_column = choose_label_column(saved, key="upload_label")
        if st.button("Load upload", type="primary", key="load_upload"):
            open_and_show(saved, label_column)

with recent_tab, user_errors():
    records = store().datasets()
    if not records:
        st.info("Nothing loaded yet.")
    else:
        folders = distinct_paths([str(Path(r.source).parent) for r in records], min_parts=1)
        where = dict(zip((r.id for r in records), folders, strict=True))
        chosen = st.selectbox(
            "Datasets loaded before",
            records,
            format_func=lambda r: f"{shown(r.name)} · in {shown(where[r.id])}/ · {r.kind} · {r.n_samples:,} samples",
            help="The folder is shown with just enough of its path to tell datasets of the same name apart.",
        )
        if st.button("Open", key="open_recent"):
            select_dataset(chosen.id)
            st.switch_page(page_file("browse"), query_params={DATASET_PARAM: str(chosen.id)})
