"""Streamlit helpers for baseline and overfit runs: their verdicts, and the LR finder one click away."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from app_pages._train_widgets import POLL_SECONDS, dataset_id, job_status, latest_job, submit
from app_pages._widgets import store, verdict_badge
from app_pages.navigation import page_file
from recipe_dash import jobs, plots
from recipe_dash.store.jobs_model import ACTIVE
from recipe_dash.training import runs
from recipe_dash.training.config import TrainConfig

LR_JOB = "lr_find"


def verdict_panel(run_id: int, label: str, verdict: dict[str, Any], *, key: str) -> None:
    """A baseline or overfit run's verdict; for an overfit run, its learning rate beside the LR finder's."""
    with st.container(border=True):
        badge_col, text_col = st.columns([1, 8])
        with badge_col:
            verdict_badge(verdict["verdict"])
        text_col.markdown(f"**{label.capitalize()}.** {verdict['summary']}")
        if "overfit" in label:
            with text_col:
                lr_suggestion(run_id, verdict["lr"], key=key)


def lr_suggestion(run_id: int, used: float, *, key: str) -> None:
    """The rate the run used and the LR finder's suggestion for its model, one click from a rerun at it."""
    record = runs.get_run(store(), run_id)
    assert record is not None, f"run {run_id} vanished"
    config = TrainConfig.from_dict(record.config)
    finder = latest_job(LR_JOB)
    found = finder is not None and finder.status == "done" and finder.result is not None
    if found and finder.result["model"] == record.summary.get("model_spec"):
        suggested = float(finder.result["suggested"])
        info_col, button_col = st.columns([3, 2], vertical_alignment="center")
        info_col.caption(f"Learning rate used {used:.1e}; the LR finder suggests {suggested:.1e} for this model.")
        if button_col.button(f"Overfit again at {suggested:.1e}", key=f"again_{key}", icon=":material/replay:"):
            submit(runs.TRAIN_JOB, replace(config, lr=suggested).to_dict())
            st.toast(f"Overfit run at lr {suggested:.1e} started.")
    elif finder is not None and finder.status in ACTIVE:
        st.caption(f"Learning rate used {used:.1e}; the LR finder is running, its suggestion comes here when done.")
    else:
        info_col, button_col = st.columns([3, 2], vertical_alignment="center")
        info_col.caption(f"Learning rate used {used:.1e}. The LR finder shows where this model's loss falls fastest.")
        if button_col.button("Find the learning rate", key=f"find_lr_{key}", icon=":material/speed:"):
            submit(LR_JOB, replace(config, kind="normal").to_dict())  # the finder ramps over the whole split
            st.toast("LR finder started; its curve grows on the Overfit page.")


def follow_latest_run(kind: str, *, idle: str, key: str) -> None:
    """The newest run of a kind on this dataset, live: progress and Stop while it trains, its curve, its verdict,
    and a link that opens it beside the other runs on the Train page."""
    first = _newest_run(kind)
    was_active = first is not None and first["status"] in ACTIVE

    @st.fragment(run_every=POLL_SECONDS if was_active else None)
    def panel() -> None:
        row = _newest_run(kind)
        if row is None:
            st.info(idle)
            return
        if was_active and row["status"] not in ACTIVE:
            st.rerun()  # finished while we polled: redraw once, without polling
        job = jobs.get_job(store(), int(row["job_id"]))
        if job is not None:
            job_status(job, key=f"{key}_{job.id}")
        if pd.isna(row["run_id"]):
            return
        run_id = int(row["run_id"])
        drawn = runs.overlay(store(), [run_id])
        st.plotly_chart(
            plots.curves_figure(drawn.metrics, drawn.labels, references=drawn.references), key=f"{key}_curves"
        )
        for verdict in drawn.verdicts.values():
            verdict_panel(run_id, drawn.labels[run_id], verdict, key=key)
        st.page_link(
            page_file("train"),
            label=f"Compare {drawn.labels[run_id]} with the other runs on the Train page",
            query_params={"show_runs": str(run_id)},
            icon=":material/monitoring:",
        )

    panel()


def _newest_run(kind: str) -> pd.Series | None:
    table = runs.list_runs(store(), dataset_id=dataset_id())
    table = table[table["kind"] == kind]
    return None if table.empty else table.iloc[0]
