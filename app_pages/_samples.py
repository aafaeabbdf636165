"""Showing samples on the pages: image galleries with placeholder tiles, table rows, and the findings explorer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _review_widgets as _review
from app_pages._review_gallery import review_gallery
from app_pages._widgets import current_dataset_id
from recipe_dash import browse, review
from recipe_dash.analyzers.findings import filter_findings, with_samples
from recipe_dash.io import Dataset
from recipe_dash.io import shown as readable
from recipe_dash.io.thumbnails import thumbnails

REVIEW_STATUS = {"open": "undecided", "decided": "decided", "disputed": "disputed"}  # filter word -> status
VIEWS = ("Table", "Gallery")


def gallery(dataset: Dataset, sample_ids: Sequence[str], captions: Sequence[str], *, columns: int = 8) -> None:
    """Square thumbnails in rows of `columns` (so captions of different heights never stagger the rows); an
    unreadable image is a tile of the same size saying why. Captions are plain text, with the sample id (relative to the
    dataset's root, never a server path) on a line below."""
    previews = thumbnails([dataset.image_path(s) for s in sample_ids])
    for start in range(0, len(previews), columns):
        row = st.columns(columns)
        for column, preview, sample_id, caption in zip(
            row, previews[start : start + columns], sample_ids[start : start + columns], captions[start:], strict=False
        ):
            column.image(str(preview.path), width="stretch")
            wrappable = readable(sample_id).replace("/", "/\u200b")  # a narrow tile breaks it at a slash
            column.caption(f"{readable(caption)}  \n{wrappable}" if caption else wrappable)


def number_formats(frame: pd.DataFrame) -> dict[str, Any]:
    """Floats shown with four significant digits instead of the full repr (0.8374 rather than 0.83745128...)."""
    return {
        str(c): st.column_config.NumberColumn(format="%.4g")
        for c in frame.columns
        if pd.api.types.is_float_dtype(frame[c])
    }


def sample_previews(
    dataset: Dataset, sample_ids: list[str], *, columns: int = 8, caption: dict[str, str] | None = None
) -> None:
    """Show samples side by side: thumbnails for images, the rows themselves for tables (plain-text notes)."""
    if not sample_ids:
        return
    if dataset.kind == "table":
        positions = pd.Index(dataset.samples["sample_id"]).get_indexer(sample_ids)  # ids may skip rows
        sample_ids = [s for s, p in zip(sample_ids, positions, strict=True) if p >= 0]
        rows = browse.sample_table(dataset, dataset.samples.iloc[positions[positions >= 0]])
        if caption:
            rows.insert(1, "note", [caption.get(s, "") for s in sample_ids])
        st.dataframe(rows, hide_index=True, column_config=number_formats(rows))
        return
    gallery(dataset, sample_ids, [(caption or {}).get(s, "") for s in sample_ids], columns=columns)


@st.cache_data(max_entries=16, show_spinner=False)
def _keyed(check: str, findings: pd.DataFrame) -> pd.DataFrame:
    """Each finding's review keys, computed once per analysis (hashing 100k rows costs about a second)."""
    return review.keyed_findings(check, findings)


def findings_explorer(dataset: Dataset, findings: pd.DataFrame, *, key: str, preview_limit: int = 24) -> None:
    """Sortable, filterable findings with the selected samples one click away, and the team's decisions on them:
    select rows and decide once, or review them one by one in the gallery. `key` is the check's registry key.
    The filters live in the URL as `<key>_issue`, `<key>_min_score`, `<key>_class` and `<key>_split` (a page
    may hold two explorers)."""
    if findings.empty:
        st.success("Nothing flagged.", icon=":material/check_circle:")
        return
    dataset_id = current_dataset_id()
    assert dataset_id is not None, "check_page() sets the dataset before a page shows findings"
    joined = review.with_states(_keyed(key, with_samples(dataset, findings)), _review.states(dataset_id))
    joined["review"] = _review.review_label(joined)
    types_col, score_col, label_col, split_col = st.columns([2, 2, 2, 1])
    issue_types = types_col.multiselect(
        "Issue",
        sorted(joined["issue_type"].unique()),
        key=f"{key}_issue",
        placeholder="All issues",
        bind="query-params",
    )
    min_score = score_col.slider("Minimum score", 0.0, 1.0, 0.0, 0.05, key=f"{key}_min_score", bind="query-params")
    labels = label_col.multiselect(
        "Class", dataset.class_names, key=f"{key}_class", placeholder="All classes", bind="query-params"
    )
    splits = split_col.multiselect("Split", dataset.splits, key=f"{key}_split", placeholder="All", bind="query-params")
    review_col, view_col = st.columns([3, 4])
    statuses = review_col.pills("Review", list(REVIEW_STATUS), selection_mode="multi", key=f"{key}_status")
    view = view_col.segmented_control("View", VIEWS, default=VIEWS[0], key=f"{key}_view")
    shown = filter_findings(joined, issue_types=issue_types, min_score=min_score, labels=labels, splits=splits)
    if statuses:
        shown = shown[shown["status"].isin([REVIEW_STATUS[s] for s in statuses])]
    _review.quiet_full_refresh(view == VIEWS[1])
    if view == VIEWS[1]:
        review_gallery(dataset, dataset_id, key, shown, key=f"{key}_gallery")
        return
    event = st.dataframe(
        shown.assign(about=shown["about"].map(readable)).fillna({"label": "—", "split": "—"}),  # names escaped
        hide_index=True,
        key=f"{key}_table_{_review.decision_round(f'{key}_bulk')}",
        on_select="rerun",
        selection_mode="multi-row",
        column_order=["about", "label", "split", "issue_type", "score", "review", "detail"],
        column_config={
            "about": st.column_config.TextColumn("about", help="The sample, or the class or column it is about"),
            "score": st.column_config.ProgressColumn("score", min_value=0.0, max_value=1.0, format="%.2f"),
            "review": st.column_config.TextColumn("review", width="medium", help="The team's decision, live"),
            "detail": st.column_config.TextColumn("detail", width="large"),
        },
    )
    st.caption(
        f"{len(shown):,} of {len(joined):,} findings. Select rows to look at the samples and decide on them "
        "(click the top-left box to select every row shown)."
    )
    chosen = shown.iloc[event.selection.rows] if event.selection.rows else shown.head(preview_limit)
    if event.selection.rows:
        with st.container(border=True):
            picked = chosen.drop_duplicates("subject")
            st.markdown(f"**Decide on the {len(picked):,} selected finding(s)**")
            _review.disputes_note(chosen)
            subjects = review.finding_subjects(picked, key)
            seen = dict(zip(picked["subject"], picked["own_seq"], strict=True))
            _review.decide(dataset_id, subjects, key=f"{key}_bulk", class_names=dataset.class_names, seen=seen)
    ids = list(chosen["sample_id"].dropna().unique())[:preview_limit]
    if ids:
        st.markdown("**Selected samples**" if event.selection.rows else f"**Top {len(ids)} samples**")
        notes = chosen.dropna(subset=["sample_id"]).drop_duplicates("sample_id")
        captions = dict(zip(notes["sample_id"], notes["label"].fillna("") + " · " + notes["issue_type"], strict=True))
        sample_previews(dataset, ids, caption=captions)
