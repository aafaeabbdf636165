"""Streamlit helpers the pages share: the store, the current dataset, user-facing errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from recipe_dash import workspace
from recipe_dash.errors import RecipeDashError
from recipe_dash.io import Dataset
from recipe_dash.settings import get_settings
from recipe_dash.store import Store, open_store

DATASET_KEY = "dataset_id"


def store() -> Store:
    return open_store(get_settings().db_url)


@st.cache_resource(show_spinner="Loading dataset…", max_entries=4)
def _dataset(db_url: str, dataset_id: int) -> Dataset:
    return workspace.reopen(open_store(db_url), dataset_id)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show our errors as a message, not a traceback."""
    try:
        yield
    except RecipeDashError as err:
        st.error(str(err), icon=":material/error:")


def select_dataset(dataset_id: int) -> None:
    st.session_state[DATASET_KEY] = dataset_id


def current_dataset() -> Dataset | None:
    """The dataset this session looks at; tells the user what to do when there is none."""
    dataset_id = st.session_state.get(DATASET_KEY) or workspace.default_dataset_id(store())
    if dataset_id is None:
        st.info("Load a dataset first.", icon=":material/folder_open:")
        st.page_link("pages/load.py", label="Go to Load", icon=":material/folder_open:")
        return None
    try:
        dataset = _dataset(get_settings().db_url, dataset_id)
    except RecipeDashError as err:
        st.error(str(err), icon=":material/error:")
        return None
    st.session_state[DATASET_KEY] = dataset_id
    st.sidebar.caption(f"Dataset: **{dataset.name}** · {dataset.n_samples:,} samples")
    return dataset


def forget_loaded(dataset_id: int) -> None:
    """Drop a cached copy so the next view reloads the files from disk."""
    _dataset.clear(get_settings().db_url, dataset_id)
