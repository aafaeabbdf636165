"""Review: how far the team got (per check, per reviewer), where it disagrees, what nobody looked at yet,
and the exports: the report and the cleaned manifest that training uses."""

from __future__ import annotations

import json

import streamlit as st

from app_pages._review_widgets import (
    decide,
    decision_round,
    disputes_note,
    live_updates,
    review_now,
    reviewer,
)
from app_pages._widgets import current_dataset, current_dataset_id, store, user_errors
from app_pages.navigation import page_file
from recipe_dash import review
from recipe_dash.review.manifest import manifest_document
from recipe_dash.review.report import gather_report, render_report
from recipe_dash.review.subjects import subject_of

UNREVIEWED_SHOWN = 500  # open findings listed, highest score first

dataset = current_dataset()
dataset_id = current_dataset_id()
if dataset is None or dataset_id is None:
    st.stop()

st.title(f"Review · {dataset.name}")
st.caption(
    "Decide on findings on each check's page: select rows in its table and decide once, or step through them in "
    "the Gallery view. Decisions are shared with everyone on this server within seconds; the history is kept."
)
reviewer()
seen = live_updates(dataset_id)
status = review_now(dataset_id)
if not status.checks:
    st.info("No check has run on this dataset yet: run them on the Overview page.", icon=":material/play_circle:")
    st.page_link(page_file("overview"), label="Go to Overview", icon=":material/monitor_heart:")
    st.stop()
by_check = review.progress_by_check(status)
open_findings = review.unreviewed(status)

cols = st.columns(6)
cols[0].metric("Decisions", f"{len(status.history):,}")
cols[1].metric("Reviewers", f"{status.history['reviewer'].nunique() if len(status.history) else 0:,}")
cols[2].metric("Findings decided", f"{int(by_check['decided'].sum()):,} of {int(by_check['findings'].sum()):,}")
cols[3].metric("Disputed", f"{int(status.states['disputed'].sum()):,}")
cols[4].metric("Still open", f"{len(open_findings):,}")
cols[5].metric("Resolved by a re-run", f"{len(status.resolved):,}")

st.subheader("Progress per check")
st.dataframe(
    by_check,
    hide_index=True,
    key="progress_checks",
    column_order=["check", "share_decided", "findings", "decided", "disputed", "undecided", "resolved"],
    column_config={
        "share_decided": st.column_config.ProgressColumn("decided", min_value=0.0, max_value=1.0, format="percent")
    },
)
st.subheader("Progress per reviewer")
people = review.progress_by_reviewer(status.history)
if people.empty:
    st.info("Nobody has decided yet.", icon=":material/person:")
else:
    st.dataframe(people, hide_index=True, key="progress_reviewers")

st.subheader("Open disagreements")
disputed = review.disagreements(status.states)
if disputed.empty:
    st.success("No disagreement.", icon=":material/handshake:")
else:
    with user_errors():
        shown = disputed.assign(about=[subject_of(s).describe() for s in disputed.itertuples()])
        event = st.dataframe(
            shown,
            hide_index=True,
            key=f"disputes_table_{decision_round('settle')}",
            on_select="rerun",
            selection_mode="multi-row",
            column_order=["kind", "analyzer", "about", "sides", "n_decisions", "created_at"],
        )
        picked = shown.iloc[event.selection.rows]
        if len(picked):
            disputes_note(picked)
            subjects = [subject_of(s) for s in picked.itertuples()]
            seen = dict(zip(picked["subject"], picked["seq"], strict=True))
            decide(dataset_id, subjects, key="settle", class_names=dataset.class_names, seen=seen)
        else:
            st.caption("Select disagreements to settle them with one decision.")

st.subheader("Still unreviewed")
if open_findings.empty:
    st.success("Every finding has a decision.", icon=":material/task_alt:")
else:
    with user_errors():
        listed = open_findings.head(UNREVIEWED_SHOWN)
        event = st.dataframe(
            listed,
            hide_index=True,
            key=f"unreviewed_table_{decision_round('open_bulk')}",
            on_select="rerun",
            selection_mode="multi-row",
            column_order=["analyzer", "issue_type", "sample_id", "score", "group", "detail"],
            column_config={"score": st.column_config.ProgressColumn("score", min_value=0.0, max_value=1.0)},
        )
        st.caption(f"{len(listed):,} of {len(open_findings):,} open findings, highest score first.")
        picked = listed.iloc[event.selection.rows]
        if len(picked):
            subjects = review.finding_subjects(picked)
            seen = dict(zip(picked["subject"], picked["own_seq"], strict=True))
            decide(dataset_id, subjects, key="open_bulk", class_names=dataset.class_names, seen=seen)

if len(status.resolved):
    with st.expander(f"Resolved by a re-run ({len(status.resolved):,})", icon=":material/done_all:"):
        st.caption("Decided findings and clusters the latest analysis no longer reports; their decisions still act.")
        st.dataframe(
            status.resolved,
            hide_index=True,
            key="resolved_table",
            column_order=["kind", "analyzer", "issue_type", "sample_id", "outcome", "reviewer", "created_at"],
        )
if len(status.history):
    with st.expander("Recent decisions", icon=":material/history:"):
        st.dataframe(
            status.history.iloc[::-1].head(100),
            hide_index=True,
            key="recent_table",
            column_order=[
                "created_at",
                "reviewer",
                "kind",
                "analyzer",
                "sample_id",
                "decision",
                "label",
                "comment",
                "seq",
                "based_on",
            ],
        )

st.subheader("Export")
manifest = review.cleaned_manifest(dataset, status)
summary = review.manifest_summary(manifest, status)
st.markdown(
    f"Cleaned manifest: **{summary['keep']:,}** kept, **{summary['drop']:,}** dropped, **{summary['relabel']:,}** "
    f"relabelled; {summary['samples_with_unreviewed_findings']:,} samples still have open findings. "
    "The Train page trains on it when asked."
)
if st.button("Prepare the report and the manifest", key="prepare_exports", icon=":material/draft:"):
    with st.spinner("Building the report…"):
        st.session_state["review_exports"] = (
            seen,
            {
                "html": render_report(gather_report(store(), dataset_id, dataset)),
                "csv": manifest.to_csv(index=False),
                "json": json.dumps(manifest_document(dataset, manifest, status), indent=1),
            },
        )
if "review_exports" in st.session_state:
    made_at, files = st.session_state["review_exports"]
    if made_at != seen:
        st.caption("Decisions changed since these files were made: prepare them again for the latest.")
    report_col, csv_col, json_col = st.columns(3)
    for column, (form, text, mime, icon) in zip(
        (report_col, csv_col, json_col),
        [
            ("html", "Report (HTML)", "text/html", ":material/description:"),
            ("csv", "Cleaned manifest (CSV)", "text/csv", ":material/table:"),
            ("json", "Cleaned manifest (JSON)", "application/json", ":material/data_object:"),
        ],
        strict=True,
    ):
        suffix = "review.html" if form == "html" else f"cleaned.{form}"
        column.download_button(
            text,
            files[form],
            file_name=f"{dataset.name}-{suffix}",
            mime=mime,
            icon=icon,
            key=f"download_{form}",
            on_click="ignore",  # no redraw: a redraw mid-download can cancel it
        )
