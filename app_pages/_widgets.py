"""Streamlit helpers the pages share: the store, the current dataset, user-facing errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st

from app_pages import _review_widgets as _review
from app_pages.navigation import page_file
from recipe_dash import analyzers, jobs, workspace
from recipe_dash.analyzers.base import CheckDetails
from recipe_dash.analyzers.health import shown_verdict
from recipe_dash.analyzers.results import StoredResult
from recipe_dash.errors import RecipeDashError
from recipe_dash.evidence import VERDICT_WORDS
from recipe_dash.io import Dataset
from recipe_dash.jobs.progress import describe, failure
from recipe_dash.settings import get_settings
from recipe_dash.store import JobRecord, Store, open_store
from recipe_dash.store.jobs_model import ACTIVE

DATASET_KEY = "dataset_id"
# ?dataset=<id> in the URL: a reload, a new tab, a bookmark or a link pasted to a colleague opens the same dataset.
# Page filters live in the URL too, as widgets bound with bind="query-params" (their key is the parameter name).
DATASET_PARAM = "dataset"
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
    st.query_params[DATASET_PARAM] = str(dataset_id)


def _chosen_dataset_id() -> int | None:
    """The URL's dataset first (a reload, a link), then this session's, then the one named at start-up."""
    named = st.query_params.get(DATASET_PARAM, "")
    if named.isdigit():
        return int(named)
    return st.session_state.get(DATASET_KEY) or workspace.default_dataset_id(store())


def current_dataset() -> Dataset | None:
    """The dataset this session looks at, kept in the URL; tells the user what to do when there is none."""
    dataset_id = _chosen_dataset_id()
    if dataset_id is None:
        st.info("Load a dataset first.", icon=":material/folder_open:")
        page_link("load", "Go to Load", icon=":material/folder_open:")
        return None
    try:
        dataset = _dataset(get_settings().db_url, dataset_id)
    except RecipeDashError as err:
        st.error(str(err), icon=":material/error:")
        page_link("load", "Go to Load", icon=":material/folder_open:")
        return None
    if st.session_state.get(DATASET_KEY) != dataset_id or st.query_params.get(DATASET_PARAM) != str(dataset_id):
        select_dataset(dataset_id)
    st.sidebar.caption(f"Dataset: **{dataset.name}** · {dataset.n_samples:,} samples")
    return dataset


def page_link(page: str, label: str, *, icon: str | None = None) -> None:
    """A link to another page that keeps the dataset in its URL, so it opens the same view in a new tab too."""
    dataset_id = st.session_state.get(DATASET_KEY)
    query = {DATASET_PARAM: str(dataset_id)} if dataset_id is not None else None
    st.page_link(page_file(page), label=label, icon=icon, query_params=query)


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


def job_progress(job_id: int) -> None:
    """A background job: progress bar, ETA and a Stop button, polled every second while it runs (and not
    after: an idle page costs the server nothing); the page is redrawn once when it ends."""
    first = jobs.get_job(store(), job_id)
    if first is None:
        return

    @st.fragment(run_every=1.0 if first.status in ACTIVE else None)
    def panel() -> None:
        job = jobs.get_job(store(), job_id)
        if job is None:
            return
        shown = describe(job, place=jobs.queue_place(store(), job))
        if shown.active:
            st.progress(shown.fraction, text=shown.text)
            if st.button("Stop", key=f"stop_{job_id}", icon=":material/stop_circle:"):
                jobs.request_stop(store(), job_id)
            return
        if first.status in ACTIVE:
            st.rerun(scope="app")  # results changed: redraw everything once, which stops the polling
        if job.status == "failed":
            job_failure(job, f"Job #{job_id} failed: ")
        elif job.status == "cancelled":
            st.warning(f"Job #{job_id} was stopped; earlier results are kept.", icon=":material/stop_circle:")

    panel()


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
        page_link("overview", "Go to Overview", icon=":material/monitor_heart:")
        return None
    return found[check]


def result_header(stored: StoredResult, *, summary: bool = True) -> None:
    """Verdict, the one-sentence summary (unless the page writes a live one), and when it was computed."""
    verdict_badge(shown_verdict(stored.result))
    if summary:
        st.markdown(stored.result.summary)
    by_job = f" by job #{stored.job_id}" if stored.job_id is not None else ""
    st.caption(f"Analyzed {stored.created_at:%Y-%m-%d %H:%M} UTC{by_job}.")


def check_page(
    check: str, title: str, details_type: type[D], *, summary: bool = True
) -> tuple[Dataset, StoredResult, D] | None:
    """The common top of a check's page: title, verdict and summary, then the check's typed evidence;
    None when there is nothing more to show. `summary=False` for a page whose numbers follow its own controls."""
    dataset = current_dataset()
    if dataset is None:
        return None
    st.title(f"{title} · {dataset.name}")
    stored = stored_result(check)
    if stored is None:
        return None
    details = stored.result.details
    result_header(stored, summary=summary or bool(details.skipped))
    dataset_id = current_dataset_id()
    if dataset_id is not None:
        _review.reviewer()
        _review.live_updates(dataset_id)
    assert isinstance(details, details_type), f"{check} holds {type(details).__name__}, not {details_type.__name__}"
    if details.skipped:  # the summary already says why the check could not run
        return None
    return dataset, stored, details
