"""Fast gallery review: one finding at a time, its evidence beside the image, one click (or key) to decide
and move on. Keys: J next, K previous, 1-5 decide."""

from __future__ import annotations

from typing import NoReturn

import pandas as pd
import streamlit as st

from app_pages._review_widgets import (
    POLL_SECONDS,
    current_reviewer,
    review_state,
    save_decision,
    show_refusal,
    subject_history,
)
from recipe_dash import analyzers, review
from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.neighbours import NeighbourIndex, neighbour_index
from recipe_dash.features import compute_features
from recipe_dash.io import Dataset
from recipe_dash.io.thumbnails import thumbnail, thumbnails
from recipe_dash.review import DECISION_WORDS, DECISIONS, finding_subject, sample_subject
from recipe_dash.review.evidence import SampleEvidence, sample_evidence
from recipe_dash.review.status import analysis_stamp
from recipe_dash.settings import get_settings
from recipe_dash.store import open_store

EVIDENCE_SHOWN = 6  # near copies and neighbours beside the image
GALLERY_FRAGMENT, LIVE_FRAGMENT = "review_gallery", "review_live"  # a page shows one gallery


@st.cache_resource(max_entries=4, show_spinner=False)
def _stored(db_url: str, dataset_id: int, stamp: str) -> dict[str, Result]:
    return {k: v.result for k, v in analyzers.latest_results(open_store(db_url), dataset_id).items()}


def _results(dataset_id: int) -> tuple[dict[str, Result], str]:
    """Every check's stored result (read again only when an analysis stored new ones) and their stamp."""
    db_url = get_settings().db_url
    stamp = analysis_stamp(open_store(db_url), dataset_id)
    return _stored(db_url, dataset_id, stamp), stamp


@st.cache_resource(max_entries=2, show_spinner="Indexing neighbours…")
def _neighbours(_dataset: Dataset, dataset_id: int, analyzed_at: str) -> NeighbourIndex:
    return neighbour_index(_dataset, compute_features(_dataset))


def review_gallery(dataset: Dataset, dataset_id: int, check: str, rows: pd.DataFrame, *, key: str) -> None:
    """`rows` are the check's findings as the table shows them (check_status columns with label and split).

    A fragment: stepping and deciding redraw the gallery only, never the whole page, so a reviewer moves
    on at once however heavy the check's page is. The shown finding's review, drawn above it, is a second
    fragment that also redraws itself every POLL_SECONDS (a few rows read), so another reviewer's decision
    shows within seconds. It is not nested in the gallery: Streamlit's polling fragments nested in another
    fragment are where its redraw races are (streamlit#16708, #15084); a gallery click reruns both instead.
    """
    above = st.container()
    _gallery(dataset, dataset_id, check, rows, key)
    with above:
        _live(dataset_id, rows, key)


@st.fragment(key=LIVE_FRAGMENT, run_every=POLL_SECONDS)
def _live(dataset_id: int, rows: pd.DataFrame, key: str) -> None:
    """The review of the finding the gallery shows, found as the gallery finds it (a click reruns both, in
    either order)."""
    items = _shown_items(rows, key)
    if items.empty:
        return
    row = items.iloc[_position(items, key)]
    review_state(dataset_id, _review_keys(row), shown_key=f"{key}_shown")
    st.session_state[f"{key}_shown_item"] = str(row["subject"])  # the finding whose heads `_shown` holds


def _shown_items(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """The findings the gallery steps through: one per subject, only the undecided ones when asked."""
    items = rows[rows["sample_id"].notna()].drop_duplicates("subject").reset_index(drop=True)
    if st.session_state.get(f"{key}_open_only"):
        done = st.session_state.get(f"{key}_done", set())  # decided here since the page last drew `rows`
        items = items[(items["status"] != "decided") & ~items["subject"].isin(done)].reset_index(drop=True)
    return items


def _position(items: pd.DataFrame, key: str) -> int:
    return min(int(st.session_state.get(f"{key}_pos", 0)), len(items) - 1)


def _review_keys(row: pd.Series) -> list[tuple[str, object]]:
    """Where a finding's review may come from: its own decision, its cluster's, its sample's."""
    return [
        ("finding", row["subject"]),
        ("cluster", row["cluster"]),
        ("sample", sample_subject(str(row["sample_id"])).key),
    ]


def _redraw() -> NoReturn:
    """End a gallery callback: the gallery and the review above it, both and nothing else."""
    st.rerun(scope=[GALLERY_FRAGMENT, LIVE_FRAGMENT])


@st.fragment(key=GALLERY_FRAGMENT)
def _gallery(dataset: Dataset, dataset_id: int, check: str, rows: pd.DataFrame, key: str) -> None:
    # No `_redraw` here: in a browser test this toggle's on_change once fired while the gallery was not drawn,
    # and a rerun aimed at it failed (no such fragment). The review above catches up at its next tick, and a
    # decision made before then is refused (`_decide_and_move`).
    st.toggle("Only undecided", value=False, key=f"{key}_open_only")
    items = _shown_items(rows, key)
    if items.empty:
        st.success("Nothing left to review here.", icon=":material/check_circle:")
        return
    position = _position(items, key)
    st.session_state[f"{key}_pos"] = position
    row = items.iloc[position]
    # Set before anything that can fail: a redraw that stops half-way leaves the previous finding's buttons
    # in the browser, and their click must not land on a finding the reviewer no longer sees.
    st.session_state[f"{key}_current"] = str(row["subject"])
    prev_col, where_col, next_col = st.columns([1, 3, 1], vertical_alignment="center")
    prev_col.button(
        "Previous",
        key=f"{key}_prev",
        icon=":material/chevron_left:",
        shortcut="K",
        disabled=position == 0,
        on_click=_step,
        args=(key, -1, len(items), str(row["subject"])),
    )
    where_col.markdown(f"**{position + 1} of {len(items):,}** · `{row['sample_id']}` · given **{row['label']}**")
    next_col.button(
        "Next",
        key=f"{key}_next",
        icon=":material/chevron_right:",
        shortcut="J",
        disabled=position >= len(items) - 1,
        on_click=_step,
        args=(key, 1, len(items), str(row["subject"])),
    )
    results, stamp = _results(dataset_id)
    evidence = sample_evidence(results, str(row["sample_id"]))
    image_col, evidence_col = st.columns([2, 3])
    with image_col:
        _sample(dataset, str(row["sample_id"]))
    with evidence_col:
        _evidence(dataset, dataset_id, evidence, row, key=key, stamp=stamp)
    _quick_decide(dataset, dataset_id, check, row, evidence, key=key, n_items=len(items))
    st.caption("Keys: J next, K previous, 1-5 decide (and move on).")


def _move(key: str, step: int, n_items: int) -> None:
    st.session_state[f"{key}_pos"] = max(0, min(n_items - 1, int(st.session_state.get(f"{key}_pos", 0)) + step))


def _step(key: str, step: int, n_items: int, item: str) -> None:
    if st.session_state.get(f"{key}_current") != item:  # a click already acted on, delivered again
        return
    _move(key, step, n_items)
    _acted(key)


def _acted(key: str) -> NoReturn:
    """After a click moved on: nothing is current until the gallery draws again, so the same click delivered
    a second time does nothing. Streamlit did deliver one twice (a decision recorded twice, 1 of 10 browser
    runs under load), it seems when the rerun a callback asks for meets the review's polling rerun."""
    st.session_state[f"{key}_current"] = None
    _redraw()


def _sample(dataset: Dataset, sample_id: str) -> None:
    if dataset.kind == "table":
        st.dataframe(dataset.row(sample_id).astype(str).rename("value"), key=f"row_{sample_id}")
        return
    preview = thumbnail(dataset.image_path(sample_id), size=256)
    if preview.path is None:
        st.error(f"Unreadable: {preview.error}", icon=":material/broken_image:")
    else:
        st.image(str(preview.path), width=320)


def _evidence(
    dataset: Dataset, dataset_id: int, evidence: SampleEvidence, row: pd.Series, *, key: str, stamp: str
) -> None:
    keys = _keys(_review_keys(row))
    subject_history(review.history(open_store(get_settings().db_url), dataset_id, subjects=keys))
    for finding in evidence.findings.itertuples():
        check = f"{finding.analyzer}, " if finding.analyzer != finding.issue_type else ""
        st.markdown(f"**{finding.issue_type}** ({check}score {finding.score:.2f}): {finding.detail}")
    if evidence.suspected_label is not None:
        quality = f", given label {evidence.label_quality:.0%}" if evidence.label_quality is not None else ""
        st.markdown(
            f"**Suspected label:** the out-of-fold model expects **{evidence.suspected_label}** "
            f"({evidence.suspected_prob or 0:.0%}{quality})."
        )
    if evidence.copies:
        st.markdown(f"**Its near copies** ({len(evidence.copies)}):")
        _strip(dataset, list(evidence.copies[:EVIDENCE_SHOWN]), {})
    if "outliers" in set(evidence.findings["analyzer"]):
        near = _neighbours(dataset, dataset_id, stamp).nearest(evidence.sample_id, k=EVIDENCE_SHOWN)
        if len(near):
            st.markdown("**Its nearest neighbours** (distance × a typical sample's nearest):")
            _strip(dataset, list(near["sample_id"]), {r.sample_id: f"× {r.relative:.1f}" for r in near.itertuples()})


def _keys(keys: list[tuple[str, object]]) -> list[str]:
    return [key for _, key in keys if isinstance(key, str)]


def _strip(dataset: Dataset, sample_ids: list[str], notes: dict[str, str]) -> None:
    labels = dataset.samples.set_index("sample_id").loc[sample_ids, ["label", "split"]]
    if dataset.kind == "table":
        st.dataframe(labels.assign(note=[notes.get(s, "") for s in sample_ids]), key=f"strip_{sample_ids[0]}")
        return
    columns = st.columns(EVIDENCE_SHOWN)
    previews = thumbnails([dataset.image_path(s) for s in sample_ids])
    for column, sample_id, preview in zip(columns, sample_ids, previews, strict=False):  # at most EVIDENCE_SHOWN
        if preview.path is not None:
            column.image(str(preview.path), width="stretch")
        note = notes.get(sample_id, "")
        column.caption(f"{labels.loc[sample_id, 'label']} · {labels.loc[sample_id, 'split']} {note}", help=sample_id)


def _quick_decide(
    dataset: Dataset, dataset_id: int, check: str, row: pd.Series, evidence: SampleEvidence, *, key: str, n_items: int
) -> None:
    """One button per decision (keys 1-5), each records and moves to the next finding."""
    who = current_reviewer()
    scope_col, class_col, comment_col = st.columns([2, 1, 3], vertical_alignment="bottom")
    whole = scope_col.toggle("Decide on the whole sample", key=f"{key}_whole", help="Every finding on it, all checks.")
    classes = list(dataset.class_names)
    suggested = evidence.suspected_label if evidence.suspected_label in classes else str(row["label"])
    label = class_col.selectbox(
        "Relabel to",
        classes,
        index=classes.index(suggested) if suggested in classes else 0,
        key=f"{key}_relabel_to_{row['subject']}",
    )
    comment_col.text_input("Comment", key=f"{key}_quick_comment", placeholder="why (optional)")
    if whole:
        subject = sample_subject(str(row["sample_id"]))
    else:
        subject = finding_subject(check, str(row["issue_type"]), str(row["sample_id"]))
    for number, (column, decision) in enumerate(zip(st.columns(len(DECISIONS)), DECISIONS, strict=True), start=1):
        text = f"relabel → {label}" if decision == "relabel" else DECISION_WORDS[decision]
        column.button(
            text,
            key=f"{key}_quick_{decision}",
            shortcut=str(number),
            disabled=not who,
            width="stretch",
            on_click=_decide_and_move,
            args=(dataset_id, subject, decision, key, classes, who),
            kwargs={"n_items": n_items, "item": str(row["subject"])},
        )
    if not who:
        st.caption("Give your name in the sidebar (or sign in) to decide: decisions are never anonymous.")
    show_refusal(key)


def _decide_and_move(
    dataset_id: int,
    subject: object,
    decision: str,
    key: str,
    classes: list[str],
    who: str | None,
    *,
    n_items: int,
    item: str,
) -> None:
    if st.session_state.get(f"{key}_current") is None:  # a click already acted on, delivered again
        return
    if st.session_state.get(f"{key}_current") != item or st.session_state.get(f"{key}_shown_item") != item:
        # drawn by an earlier run, or the review above not yet redrawn for it: `seen` would be another's
        st.session_state[f"{key}_error"] = (
            "The gallery moved on before this click arrived: nothing recorded; decide again."
        )
        _redraw()
    comment = st.session_state.get(f"{key}_quick_comment", "")
    # the class as the browser last set it: a click may arrive before the redraw a new class started
    label = st.session_state.get(f"{key}_relabel_to_{item}") if decision == "relabel" else None
    seen = dict(st.session_state.get(f"{key}_shown", {}))  # the heads the review above last showed
    if save_decision(dataset_id, [subject], (decision, label, comment), key=key, who=who, seen=seen, classes=classes):  # type: ignore[list-item]
        st.session_state[f"{key}_quick_comment"] = ""
        st.session_state.setdefault(f"{key}_done", set()).add(item)
        if not st.session_state.get(f"{key}_open_only"):  # with only undecided shown, the next one moves up
            _move(key, 1, n_items)
        _acted(key)
    _redraw()
