"""Streamlit helpers of the team review: who decides, the decision controls, and other reviewers' decisions
arriving live. Used by `_samples.findings_explorer` (every check page), the Duplicates page and Review."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import quote, unquote

import pandas as pd
import streamlit as st

from recipe_dash import analyzers, review
from recipe_dash.errors import RecipeDashError
from recipe_dash.io import Dataset
from recipe_dash.review import DECISION_WORDS, DECISIONS, Subject, Verdict
from recipe_dash.review import runs as review_runs
from recipe_dash.review.status import analysis_stamp
from recipe_dash.settings import get_settings
from recipe_dash.store import Store, open_store
from recipe_dash.training.config import TrainConfig

POLL_SECONDS = 1.0  # how often a page asks the store whether anyone decided (one indexed query)
NAME_KEY = "reviewer_name"  # the name this browser session decides under
COOKIE = "recipe_dash_reviewer"  # remembers the name across reloads until the browser closes
_SEEN = "review_version_seen"
_BOX = "reviewer_box"
_QUIET = "review_quiet_refresh"


def _store() -> Store:
    return open_store(get_settings().db_url)


def _auth_configured() -> bool:
    """True when the server has Streamlit's built-in authentication ([auth] in .streamlit/secrets.toml)."""
    return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)


def reviewer() -> str | None:
    """Who decides here: the signed-in identity with `st.login`, else the name given once per browser session.

    Draws the sign-in button or the name box in the sidebar; None until there is someone.
    """
    if _auth_configured():
        if not st.user.is_logged_in:
            st.sidebar.button("Sign in to review", on_click=st.login, icon=":material/login:", type="primary")
            return None
        who = str(st.user.get("email") or st.user.get("name") or "")
        st.sidebar.caption(f"Reviewing as **{who}**")
        st.sidebar.button("Sign out", on_click=st.logout, icon=":material/logout:")
        return who or None
    if NAME_KEY not in st.session_state:
        remembered = st.context.cookies.get(COOKIE)
        st.session_state[NAME_KEY] = unquote(remembered) if isinstance(remembered, str) else ""
    if _BOX not in st.session_state:  # the box is re-created on each page from the name this session keeps
        st.session_state[_BOX] = st.session_state[NAME_KEY]
    st.sidebar.text_input(
        "Your name",
        key=_BOX,
        placeholder="who decides",
        help="Every decision records who made it; this browser remembers the name until it closes.",
        on_change=_keep_name,
    )
    name = str(st.session_state[NAME_KEY])
    remembered = st.context.cookies.get(COOKIE)  # as the browser sent it when this session connected
    if name and (unquote(remembered) if isinstance(remembered, str) else "") != name:
        # Sent on every run until a later connection brings it back: a run cut short by the next click (the
        # user moving on at once) may never have drawn the script, and sending it once would lose the name.
        cookie = json.dumps(f"{COOKIE}={quote(name)}; path=/; SameSite=Strict")
        with st.sidebar:
            st.html(f"<script>document.cookie = {cookie};</script>", unsafe_allow_javascript=True)
    return name or None


def _keep_name() -> None:
    st.session_state[NAME_KEY] = " ".join(str(st.session_state.get(_BOX, "")).split())


def current_reviewer() -> str | None:
    """The reviewer `reviewer()` established (without drawing anything); None when nobody is named."""
    if _auth_configured():
        if not st.user.is_logged_in:
            return None
        return str(st.user.get("email") or st.user.get("name") or "") or None
    return str(st.session_state.get(NAME_KEY, "")).strip() or None


def live_updates(dataset_id: int) -> tuple[int, int]:
    """Rerun the page when anyone decides on this dataset, so each reviewer sees the others within seconds.

    Returns the review's version this run draws (cheap to poll: a count and a max over an index).
    """
    seen = review.version(_store(), dataset_id)
    st.session_state[_SEEN] = seen
    st.session_state[_QUIET] = False  # until a gallery on this page says it keeps itself current
    _watch(dataset_id)
    return seen


@st.fragment(run_every=POLL_SECONDS)
def _watch(dataset_id: int) -> None:
    now = review.version(_store(), dataset_id)
    if now == st.session_state.get(_SEEN):
        return
    if st.session_state.get(_QUIET):  # a gallery shows the change in its own fragment: no full redraw
        st.session_state[_SEEN] = now
        return
    st.rerun(scope="app")


def quiet_full_refresh(quiet: bool) -> None:
    """While a view keeps its review state live itself (the gallery's polling fragment), another reviewer's
    decision does not redraw the whole page: on a busy server that costs seconds, the fragment milliseconds."""
    st.session_state[_QUIET] = quiet


@st.cache_data(max_entries=8, show_spinner=False)
def _history(db_url: str, dataset_id: int, version: tuple[int, int]) -> pd.DataFrame:
    return review.history(open_store(db_url), dataset_id)


def decision_history(dataset_id: int) -> pd.DataFrame:
    """Every decision on the dataset, read again only when the review changed."""
    return _history(get_settings().db_url, dataset_id, review.version(_store(), dataset_id))


@st.cache_data(max_entries=4, show_spinner="Reading the review…")
def _review_now(db_url: str, dataset_id: int, stamp: str, version: tuple[int, int]) -> review.ReviewStatus:
    results = {k: v.result for k, v in analyzers.latest_results(open_store(db_url), dataset_id).items()}
    return review.review_status(results, review.history(open_store(db_url), dataset_id))


def review_now(dataset_id: int) -> review.ReviewStatus:
    """Today's findings joined with every decision, computed again only when either changed."""
    stamp = analysis_stamp(_store(), dataset_id)
    return _review_now(get_settings().db_url, dataset_id, stamp, review.version(_store(), dataset_id))


def states(dataset_id: int) -> pd.DataFrame:
    return review.current_states(decision_history(dataset_id))


def review_label(frame: pd.DataFrame) -> pd.Series:
    """The review column of a findings table: "drop · alice", "⚠ alice: drop · bob: not an issue", or ""."""
    outcome = frame["outcome"].astype("string")
    text = (outcome + " · " + frame["reviewer"].astype("string")).fillna("")
    via = frame["via"].astype("string")
    text = text + (" (" + via + ")").where(via.isin(["cluster", "sample"]), "").fillna("")
    disputed = frame["disputed"].fillna(False).astype(bool)
    return text.where(~disputed, "⚠ " + frame["sides"].astype("string").fillna("")).astype(str)


def decide(
    dataset_id: int,
    subjects: Sequence[Subject],
    *,
    key: str,
    class_names: Sequence[str],
    seen: dict[str, int],
) -> None:
    """The decision controls for `subjects`: the decision, the class of a relabel, a comment, one button."""
    who = current_reviewer()
    choice = st.segmented_control(
        "Decision", DECISIONS, format_func=DECISION_WORDS.get, key=f"{key}_choice", default="confirmed"
    )
    class_col, comment_col, button_col = st.columns([1, 3, 2], vertical_alignment="bottom")
    classes = list(class_names)
    class_col.selectbox("New class", classes, key=f"{key}_class", disabled=choice != "relabel")
    comment_col.text_input("Comment", key=f"{key}_comment", placeholder="why (optional)")
    what = "this" if len(subjects) == 1 else f"these {len(subjects):,}"
    button_col.button(
        f"Decide on {what}",
        key=f"{key}_decide",
        type="primary",
        icon=":material/gavel:",
        width="stretch",
        disabled=not who or not choice or not subjects,
        on_click=_record,
        args=(dataset_id, list(subjects), key, classes, dict(seen), who),
    )
    if not who:
        st.caption("Give your name in the sidebar (or sign in) to decide: decisions are never anonymous.")
    show_refusal(key)


def decision_round(key: str) -> int:
    """How many decisions `decide(key=...)` recorded in this session. A table whose rows it decides on puts it
    in its widget key: decided rows may leave the table, and a selection must never slide onto other rows."""
    return int(st.session_state.get(f"{key}_round", 0))


def _record(
    dataset_id: int,
    subjects: list[Subject],
    key: str,
    classes: list[str],
    seen: dict[str, int],
    who: str,
) -> None:
    """Button callback: record, then clear the comment (a callback runs before the page redraws).

    The decision and the class are read as the browser last set them, not as the page last drew them: a
    click right after choosing "drop" may arrive before the redraw that choice started has finished."""
    comment = st.session_state.get(f"{key}_comment", "")
    choice = st.session_state.get(f"{key}_choice")
    if not choice:
        st.session_state[f"{key}_error"] = "Choose a decision first."
        return
    relabel_to = st.session_state.get(f"{key}_class") if choice == "relabel" else None
    if save_decision(dataset_id, subjects, (choice, relabel_to, comment), key=key, who=who, seen=seen, classes=classes):
        st.session_state[f"{key}_comment"] = ""
        st.session_state[f"{key}_round"] = decision_round(key) + 1


def save_decision(
    dataset_id: int,
    subjects: Sequence[Subject],
    verdict: tuple[str, str | None, str],
    *,
    key: str,
    who: str | None,
    seen: dict[str, int],
    classes: Sequence[str],
) -> bool:
    """Record (decision, class, comment) on `subjects`; a refusal is kept for the page to show under `key`."""
    try:
        decided = Verdict(*verdict)
        count = review.record_decisions(
            _store(), dataset_id, subjects, decided, reviewer=who or "", seen=seen, class_names=classes
        )
    except RecipeDashError as err:
        st.session_state[f"{key}_error"] = str(err)
        return False
    st.toast(f"Recorded {review.decision_text(decided.decision, decided.label)} on {count:,} subject(s).", icon="✅")
    return True


def show_refusal(key: str) -> None:
    """The message of a decision the store refused (kept by `save_decision` across the rerun)."""
    if error := st.session_state.pop(f"{key}_error", None):
        st.error(error, icon=":material/error:")


def review_state(dataset_id: int, keys: Sequence[tuple[str, object]], *, shown_key: str) -> None:
    """The review of one finding (a few rows read, nothing heavy drawn, so a view may redraw it every
    POLL_SECONDS): its own decision, else its cluster's, else its sample's, and a disagreement. What it shows
    is what a decision made next has seen, so the heads go to `st.session_state[shown_key]` ({subject key: seq})."""
    known = [(via, key) for via, key in keys if isinstance(key, str)]
    decisions = review.history(_store(), dataset_id, subjects=[key for _, key in known])
    states = review.current_states(decisions).set_index("subject")
    st.session_state[shown_key] = {key: int(states.loc[key, "seq"]) if key in states.index else 0 for _, key in known}
    found = next(((via, states.loc[key]) for via, key in known if key in states.index), None)
    if found is None:
        st.markdown("**Review:** not decided yet")
    else:
        via, state = found
        where = f" (on its {via})" if via != "finding" else ""
        comment = f" — {state['comment']}" if state["comment"] else ""
        st.markdown(f"**Review:** {state['outcome']} by {state['reviewer']}{where}{comment}")
        if state["disputed"]:
            st.warning(f"Reviewers disagree: {state['sides']}. Decide again to settle it.", icon=":material/forum:")


def subject_history(mine: pd.DataFrame) -> None:
    """Decisions (a finding's, its cluster's, its sample's), newest first, in an expander."""
    if mine.empty:
        return
    with st.expander(f"History ({len(mine)})", icon=":material/history:"):
        shown = mine.iloc[::-1].assign(
            decision=[
                review.decision_text(d, lb) for d, lb in zip(mine["decision"][::-1], mine["label"][::-1], strict=True)
            ]
        )
        st.dataframe(shown, hide_index=True, column_order=["created_at", "reviewer", "kind", "decision", "comment"])


def disputes_note(rows: pd.DataFrame) -> None:
    """Say which of the chosen subjects reviewers disagree on, and how to settle it."""
    disputed = rows[rows["disputed"].fillna(False).astype(bool)].drop_duplicates("subject")
    if len(disputed):
        sides = "; ".join(disputed["sides"].head(5))
        st.warning(
            f"Reviewers disagree on {len(disputed)} of these: {sides}. Decide again to settle it.",
            icon=":material/forum:",
        )


def cluster_review(dataset_id: int, members: Sequence[str], *, class_names: Sequence[str]) -> None:
    """A duplicate cluster's review state, and a popover to decide on the whole cluster at once."""
    subject = review.cluster_subject(members)
    current = states(dataset_id).set_index("subject")
    state = current.loc[subject.key] if subject.key in current.index else None
    text_col, button_col = st.columns([5, 1], vertical_alignment="center")
    if state is None:
        text_col.caption("Review: not decided yet.")
    elif state["disputed"]:
        text_col.warning(f"Reviewers disagree: {state['sides']}. Decide again to settle it.", icon=":material/forum:")
    else:
        comment = f" — {state['comment']}" if state["comment"] else ""
        text_col.caption(f"Review: **{state['outcome']}** by {state['reviewer']}{comment}")
    with button_col.popover("Decide", icon=":material/gavel:", width="stretch"):
        st.caption(
            "**drop** keeps one copy (the first in the train split, else the first by name) and drops the others; "
            "**relabel** gives every copy the new class."
        )
        seen = {subject.key: int(state["seq"]) if state is not None else 0}
        decide(dataset_id, [subject], key=f"cluster_{subject.key}", class_names=class_names, seen=seen)


def cleaned_data_option(dataset: Dataset, dataset_id: int, config: TrainConfig) -> TrainConfig:
    """A toggle to train on the team's cleaned data: the drops and relabels as the review stands, frozen into
    the run's config so it repeats whatever the team decides later."""
    cleaned = review.cleaning(review.cleaned_manifest(dataset, review_now(dataset_id)))
    if not cleaned.drop and not cleaned.relabel:
        st.caption("The team's review has no drop or relabel yet: runs train on the raw data.")
        return config
    if st.toggle(
        f"Train on the team's cleaned data ({cleaned.describe()})",
        key="train_cleaned",
        help="Decided on the check pages and the Review page; see its cleaned manifest.",
    ):
        return replace(config, drop_samples=cleaned.drop, relabel_samples=cleaned.relabel)
    return config


def raw_vs_cleaned(dataset: Dataset, dataset_id: int) -> None:
    """The newest finished run on the raw data beside the newest on cleaned data: what the review bought."""
    pair = review_runs.cleaned_vs_raw(review_runs.runs_overview(_store(), dataset_id))
    if pair.empty:
        return
    st.markdown("**What the review bought** (newest finished run on each)")
    st.dataframe(
        pair,
        hide_index=True,
        key="raw_vs_cleaned",
        column_order=["run_id", "data", "model", "epochs", "val_loss", "metric", "value", "low", "high"],
        column_config={c: st.column_config.NumberColumn(format="percent") for c in ("value", "low", "high")},
    )
    cleaned = review_runs.config_cleaning(review_runs.run_config(_store(), int(pair["run_id"].iloc[1])))
    dropped, relabelled = review_runs.held_out_changes(dataset, cleaned)
    if dropped or relabelled:
        st.caption(
            f"The cleaned run validates without {dropped} dropped and with {relabelled} relabelled held-out "
            "sample(s), so the two validation sets differ: part of the gap is the answer key, not the model."
        )
