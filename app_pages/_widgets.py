"""Streamlit helpers the pages share: the store, the current dataset, user-facing errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import pandas as pd
import streamlit as st

from app_pages import _review_widgets as _review
from app_pages._review_gallery import review_gallery
from app_pages.navigation import page_file
from recipe_dash import analyzers, browse, jobs, review, workspace
from recipe_dash.analyzers.base import CheckDetails
from recipe_dash.analyzers.findings import filter_findings, with_samples
from recipe_dash.analyzers.results import StoredResult
from recipe_dash.errors import RecipeDashError
from recipe_dash.evidence import VERDICT_WORDS
from recipe_dash.io import Dataset
from recipe_dash.io import shown as readable
from recipe_dash.io.thumbnails import thumbnails
from recipe_dash.jobs.progress import describe, failure
from recipe_dash.settings import get_settings
from recipe_dash.store import JobRecord, Store, open_store

DATASET_KEY = "dataset_id"
REVIEW_STATUS = {"open": "undecided", "decided": "decided", "disputed": "disputed"}  # filter word -> status
VIEWS = ("Table", "Gallery")
D = TypeVar("D", bound=CheckDetails)


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
        st.page_link(page_file("load"), label="Go to Load", icon=":material/folder_open:")
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


_BADGE = {  # verdict -> colour, icon (data checks and model checks alike)
    "pass": ("green", ":material/check_circle:"),
    "warn": ("orange", ":material/warning:"),
    "fail": ("red", ":material/cancel:"),
    "not_measured": ("gray", ":material/help:"),
}


def verdict_badge(verdict: str, *, label: str | None = None) -> None:
    """The verdict as a coloured badge: PASS, WARN, FAIL or NOT MEASURED unless `label` says otherwise."""
    colour, icon = _BADGE[verdict]
    st.badge(label or VERDICT_WORDS[verdict].upper(), color=colour, icon=icon)  # type: ignore[arg-type]


def sample_previews(
    dataset: Dataset, sample_ids: list[str], *, columns: int = 6, caption: dict[str, str] | None = None
) -> None:
    """Show samples side by side: thumbnails for images, the rows themselves for tables."""
    if not sample_ids:
        return
    if dataset.kind == "table":
        positions = pd.Index(dataset.samples["sample_id"]).get_indexer(sample_ids)  # ids may skip rows
        sample_ids = [s for s, p in zip(sample_ids, positions, strict=True) if p >= 0]
        rows = browse.sample_table(dataset, dataset.samples.iloc[positions[positions >= 0]])
        if caption:
            rows.insert(1, "note", [caption.get(s, "") for s in sample_ids])
        st.dataframe(rows, hide_index=True)
        return
    grid = st.columns(columns)
    for i, (sample_id, preview) in enumerate(
        zip(sample_ids, thumbnails([dataset.image_path(s) for s in sample_ids]), strict=True)
    ):
        with grid[i % columns]:
            if preview.path is not None:
                st.image(str(preview.path), width="stretch")
            else:
                st.error(f"Unreadable: {preview.error}", icon=":material/broken_image:")
            name = readable(sample_id.rsplit("/", 1)[-1])
            label = readable((caption or {}).get(sample_id, ""))
            st.caption(f"{label} · {name}" if label else name, help=readable(sample_id))


@st.cache_data(max_entries=16, show_spinner=False)
def _keyed(check: str, findings: pd.DataFrame) -> pd.DataFrame:
    """Each finding's review keys, computed once per analysis (hashing 100k rows costs about a second)."""
    return review.keyed_findings(check, findings)


def findings_explorer(dataset: Dataset, findings: pd.DataFrame, *, key: str, preview_limit: int = 24) -> None:
    """Sortable, filterable findings with the selected samples one click away, and the team's decisions on them:
    select rows and decide once, or review them one by one in the gallery. `key` is the check's registry key."""
    if findings.empty:
        st.success("Nothing flagged.", icon=":material/check_circle:")
        return
    dataset_id = current_dataset_id()
    assert dataset_id is not None, "check_page() sets the dataset before a page shows findings"
    joined = review.with_states(_keyed(key, with_samples(dataset, findings)), _review.states(dataset_id))
    joined["review"] = _review.review_label(joined)
    types_col, score_col, label_col, split_col = st.columns([2, 2, 2, 1])
    issue_types = types_col.multiselect(
        "Issue", sorted(joined["issue_type"].unique()), key=f"{key}_types", placeholder="All issues"
    )
    min_score = score_col.slider("Minimum score", 0.0, 1.0, 0.0, 0.05, key=f"{key}_score")
    labels = label_col.multiselect("Class", dataset.class_names, key=f"{key}_labels", placeholder="All classes")
    splits = split_col.multiselect("Split", dataset.splits, key=f"{key}_splits", placeholder="All")
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
        shown.assign(sample_id=shown["sample_id"].map(readable, na_action="ignore")),  # names escaped for eyes
        hide_index=True,
        key=f"{key}_table_{_review.decision_round(f'{key}_bulk')}",
        on_select="rerun",
        selection_mode="multi-row",
        column_order=["sample_id", "label", "split", "issue_type", "score", "review", "group", "detail"],
        column_config={
            "score": st.column_config.ProgressColumn("score", min_value=0.0, max_value=1.0, format="%.2f"),
            "review": st.column_config.TextColumn("review", width="medium", help="The team's decision, live"),
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
        captions = dict(
            zip(chosen["sample_id"], chosen["label"].fillna("") + " · " + chosen["issue_type"], strict=False)
        )
        sample_previews(dataset, ids, caption=captions)


@st.fragment(run_every=1.0)
def job_progress(job_id: int) -> None:
    """Poll a background job: progress bar, ETA and a Stop button; redraw the page when it ends."""
    job = jobs.get_job(store(), job_id)
    if job is None:
        return
    shown = describe(job, place=jobs.queue_place(store(), job))
    was_active = f"job_{job_id}_was_active"
    if shown.active:
        st.session_state[was_active] = True
        st.progress(shown.fraction, text=shown.text)
        if st.button("Stop", key=f"stop_{job_id}", icon=":material/stop_circle:"):
            jobs.request_stop(store(), job_id)
        return
    if st.session_state.pop(was_active, False):
        st.rerun(scope="app")  # results changed: redraw everything, not only this fragment
    if job.status == "failed":
        job_failure(job, f"Job #{job_id} failed: ")
    elif job.status == "cancelled":
        st.warning(f"Job #{job_id} was stopped; earlier results are kept.", icon=":material/stop_circle:")


def job_failure(job: JobRecord, prefix: str) -> None:
    """A failed job's error: the user's message as written, or a bug named as one. Its traceback (server
    paths) only where the server shows error details (development); otherwise it is in the job's log."""
    failed = failure(job)
    if failed is None:
        return
    st.error(prefix + failed.message, icon=":material/error:")
    if not failed.traceback:
        return
    if st.get_option("client.showErrorDetails") in ("full", "stacktrace", True, "true"):
        with st.expander("Traceback"):
            st.code(failed.traceback, language="text")
    else:
        st.caption(f"The traceback is in the server's log, logs/job-{job.id}.log in RECIPE_DASH_HOME.")


def current_dataset_id() -> int | None:
    return st.session_state.get(DATASET_KEY)


def stored_result(check: str) -> StoredResult | None:
    """The latest complete result of `check` for the current dataset, or a pointer to Overview."""
    dataset_id = current_dataset_id()
    found = analyzers.latest_results(store(), dataset_id, checks=[check]) if dataset_id is not None else {}
    if check not in found:
        st.info(
            "This check has not run on this dataset yet. Run the checks on the Overview page.",
            icon=":material/play_circle:",
        )
        st.page_link(page_file("overview"), label="Go to Overview", icon=":material/monitor_heart:")
        return None
    return found[check]


def result_header(stored: StoredResult) -> None:
    """Verdict, the one-sentence summary, and when it was computed."""
    verdict_badge(stored.result.verdict)
    st.markdown(stored.result.summary)
    by_job = f" by job #{stored.job_id}" if stored.job_id is not None else ""
    st.caption(f"Analyzed {stored.created_at:%Y-%m-%d %H:%M} UTC{by_job}.")


def check_page(check: str, title: str, details_type: type[D]) -> tuple[Dataset, StoredResult, D] | None:
    """The common top of a check's page: title, verdict and summary, then the check's typed evidence;
    None when there is nothing more to show."""
    dataset = current_dataset()
    if dataset is None:
        return None
    st.title(f"{title} · {dataset.name}")
    stored = stored_result(check)
    if stored is None:
        return None
    result_header(stored)
    dataset_id = current_dataset_id()
    if dataset_id is not None:
        _review.reviewer()
        _review.live_updates(dataset_id)
    details = stored.result.details
    assert isinstance(details, details_type), f"{check} holds {type(details).__name__}, not {details_type.__name__}"
    if details.skipped:  # the summary already says why the check could not run
        return None
    return dataset, stored, details
