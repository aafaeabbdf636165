"""Streamlit helpers of the Regularize page: launch a study, follow its group of runs live, pick runs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from app_pages._train_widgets import POLL_SECONDS, dataset_id, image_grid
from app_pages._widgets import store
from recipe_dash import plots, regularize
from recipe_dash.regularize.groups import Group, Plan
from recipe_dash.regularize.preview import AugmentedPreview
from recipe_dash.settings import get_settings
from recipe_dash.training import runs
from recipe_dash.training.models import check_offered


def launch(plan: Plan) -> None:
    """Queue a plan's runs (only built-ins and model-folder files) and say so."""
    for member in plan.members:
        check_offered(member.config.model, get_settings().model_dirs)
    group_id = regularize.launch(store(), dataset_id(), plan)
    st.toast(f"Queued {len(plan.members)} runs ({group_id}).")


def follow_group(study: str, render: Callable[[Group], None], *, idle: str) -> None:
    """The newest group of a study: one progress bar over its runs and Stop while any is active, the runs'
    errors, then `render(group)` (also while it runs, so results fill in as runs finish)."""
    first = regularize.latest_group(store(), dataset_id(), study)
    was_active = first is not None and first.active

    @st.fragment(run_every=POLL_SECONDS if was_active else None)
    def panel() -> None:
        group = regularize.latest_group(store(), dataset_id(), study)
        if group is None:
            st.info(idle, icon=":material/info:")
            return
        if was_active and not group.active:
            st.rerun()  # finished while we polled: one full redraw stops the polling
        if group.active:
            bar, stop = st.columns([5, 1])
            running = [m for m in group.members if m.status == "running" and m.message]
            detail = f" · {running[0].label}: {running[0].message}" if running else ""
            bar.progress(group.progress, text=f"{group.progress_text()}{detail}")
            if stop.button("Stop", key=f"stop_{study}", icon=":material/stop_circle:"):
                regularize.stop_group(store(), group)
                st.toast("Stop requested; queued runs are cancelled, running ones stop at their next step.")
        else:
            st.caption(f"{group.progress_text()} · started {group.created_at:%Y-%m-%d %H:%M} · group `{group.id}`")
        for member in group.members:
            if member.status == "failed":
                st.error(f"{member.label}: {member.error}", icon=":material/error:")
        if any(m.status == "cancelled" for m in group.members) and not group.active:
            st.warning("Stopped by the user: the runs that finished are shown.", icon=":material/stop_circle:")
        for note in group.notes:
            st.caption(note)
        render(group)

    panel()


def finished_runs(*, with_file: Callable[[int], object]) -> list[int]:
    """This dataset's finished runs, newest first, that have the file `with_file(run_id)` finds."""
    table = runs.list_runs(store(), dataset_id=dataset_id())
    done = table[(table["status"] == "done") & table["run_id"].notna()]
    return [int(r) for r in done["run_id"] if with_file(int(r)) is not None]


def run_labels() -> dict[int, str]:
    """Run ids named by what they were: "run 12 · dropout 0.3 (sweep)" for a group's member."""
    table = runs.list_runs(store(), dataset_id=dataset_id())
    labels: dict[int, str] = {}
    for row in table.dropna(subset=["run_id"]).itertuples():
        record = runs.get_run(store(), int(row.run_id))
        tag = (record.summary.get("group") if record is not None else None) or {}
        extra = f" · {tag['label']} ({tag['study'].replace('_', ' ')})" if tag else f" · {row.model}"
        labels[int(row.run_id)] = f"run {int(row.run_id)}{extra}"
    return labels


def show_preview(preview: AugmentedPreview) -> None:
    """The samples as the net gets them, then each augmented copy, one row per copy."""
    st.caption(f"Augmentation: {preview.description}.")
    if preview.kind == "image":
        every = np.concatenate([preview.originals[None], preview.augmented])
        images, how = plots.batch_images(every.reshape(-1, *preview.originals.shape[1:]))
        n = len(preview.originals)
        captions = [f"**{label}** · original" for label in preview.labels]
        for copy in range(len(preview.augmented)):
            captions += [f"{label} · copy {copy + 1}" for label in preview.labels]
        st.caption(f"First row as the net gets them without augmentation, then {len(preview.augmented)} draws; {how}.")
        for row in range(len(every)):
            image_grid(images[row * n : (row + 1) * n], captions[row * n : (row + 1) * n])
        return
    frames = [pd.DataFrame(preview.originals, columns=list(preview.feature_names)).assign(copy="original")]
    for copy, rows in enumerate(preview.augmented, start=1):
        frames.append(pd.DataFrame(rows, columns=list(preview.feature_names)).assign(copy=f"copy {copy}"))
    frame = pd.concat(frames).assign(sample_id=preview.sample_ids * (len(frames)), label=preview.labels * len(frames))
    st.dataframe(frame.set_index(["sample_id", "label", "copy"]).sort_index(level=0), key="preview_table")
