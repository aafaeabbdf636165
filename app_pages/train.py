"""Train: start runs in worker processes, watch their curves live, and read what each run saw and got."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages._review_widgets import cleaned_data_option, raw_vs_cleaned
from app_pages._run_kinds import verdict_panel
from app_pages._samples import gallery
from app_pages._train_widgets import (
    KIND_LABELS,
    POLL_SECONDS,
    config_inputs,
    dataset_id,
    findings,
    job_status,
    model_label,
    show_inputs,
    submit,
)
from app_pages._widgets import current_dataset, store, user_errors
from recipe_dash import jobs, plots
from recipe_dash.store.jobs_model import ACTIVE
from recipe_dash.training import runs
from recipe_dash.training.sample_losses import highest_loss_samples, loss_vs_findings, summary_sentence

OVERLAY_DEFAULT = 3  # newest runs drawn together on a first view; later runs join as they appear
X_AXES = {"step": "step", "epoch": "epoch", "wall_time": "seconds"}

dataset = current_dataset()
if dataset is None:
    st.stop()

st.title(f"Train · {dataset.name}")
st.caption(
    "Recipe steps 2 and 3: fix the seed, start from the safe defaults (Adam, 3e-4, constant, no augmentation), "
    "watch training and validation loss beside the zero-input baseline, then make the model big enough to "
    "overfit a few samples. Runs train in a worker process; this page follows them from the store."
)

with st.expander("New run", expanded=True, icon=":material/play_arrow:"), user_errors():
    config = config_inputs(dataset, key="run")
    config = cleaned_data_option(dataset, dataset_id(), config)
    if st.button("Start run", type="primary", key="start_run", icon=":material/rocket_launch:"):
        job_id = submit(runs.TRAIN_JOB, config.to_dict())
        st.toast(f"{KIND_LABELS[config.kind]} run started (job {job_id}).")


def metrics_tab(summary: dict[str, Any]) -> None:
    metrics = summary.get("metrics")
    if not metrics:
        st.info("Metrics appear after the first epoch.")
        return
    table = pd.DataFrame(metrics["table"])
    primary = metrics["primary"]
    cols = st.columns(len(table))
    for col, row in zip(cols, table.itertuples(), strict=True):
        label = row.metric.replace("_", " ") + (" ★" if row.metric == primary else "")
        col.metric(label, f"{row.value:.1%}", help=f"95% interval {row.low:.1%} - {row.high:.1%} ({row.interval})")
        col.caption(f"95% CI {row.low:.1%} - {row.high:.1%}")
    reason = (
        "classes are imbalanced, so read balanced accuracy (★) before accuracy"
        if metrics["imbalanced"]
        else "classes are balanced enough for accuracy (★)"
    )
    st.caption(
        f"{summary.get('val_source', '')} The intervals come from the validation set's size alone. "
        f"{reason.capitalize()}."
    )


def inputs_tab(run_id: int, summary: dict[str, Any]) -> None:
    show_inputs(summary, runs.load_batch(runs.run_dir(run_id)), key=f"run_{run_id}", what="First training batch")


def predictions_tab(run_id: int, summary: dict[str, Any]) -> None:
    tracked = runs.tracked_predictions(run_id, summary.get("tracked_ids", []))
    if tracked.empty:
        st.info("Predictions appear after the first epoch.")
        return
    st.caption(
        "Fixed validation samples, one row each: the colour is the probability of the true class, "
        "the text the predicted class, epoch by epoch."
    )
    st.plotly_chart(plots.prediction_dynamics_figure(tracked), key=f"dynamics_{run_id}")


def hardest_tab(run_id: int, config: dict[str, Any]) -> None:
    if not config.get("sample_losses", True):
        st.info(
            "This run was started with per-sample losses off (`--no-sample-losses`), so there are no highest "
            "losses to show. Runs started on this page record them."
        )
        return
    losses = runs.read_sample_losses(run_id)
    if losses.empty:
        st.info("Per-sample losses appear after the first epoch.")
        return
    epoch = runs.recorded_epochs(run_id)[-1]
    st.caption(
        f"Training losses after epoch {epoch}: every training sample scored by the model as that epoch ended "
        "(eval mode, no augmentation), so the losses compare across samples."
    )
    flagged = findings()
    if flagged.empty:
        st.info("Run the data inspection to see whether its flagged samples are the ones with the highest loss.")
    else:
        comparison = loss_vs_findings(losses, flagged)
        st.markdown(f"**Data findings meet training.** {summary_sentence(comparison)}")
        st.dataframe(
            comparison,
            hide_index=True,
            key=f"findings_{run_id}",
            column_config={
                "share_in_top": st.column_config.NumberColumn("share in top 10%", format="percent"),
                "lift": st.column_config.NumberColumn(format="%.1fx"),
                "auc": st.column_config.NumberColumn(format="%.2f"),
            },
        )
    top = highest_loss_samples(losses, flagged, n=24)
    st.markdown("**Highest-loss training samples**")
    if dataset.kind == "image":
        gallery(  # thumbnails: any image the data checks accept shows, even 16-bit or unreadable ones
            dataset,
            list(top["sample_id"]),
            [
                f"{row.label} → {row.predicted} · loss {row.loss:.2f}" + (f" · {row.findings}" if row.findings else "")
                for row in top.itertuples()
            ],
        )
    else:
        st.dataframe(top, hide_index=True, key=f"hardest_{run_id}")


def run_details(run_id: int) -> None:
    record = runs.get_run(store(), run_id)
    if record is None:
        return
    summary = record.summary
    st.caption(
        f"Run {run_id} ({record.config.get('kind', 'normal')}): {model_label(record.model, dataset.kind)}, "
        f"{record.config['optimizer']} "
        f"lr {record.config['lr']:g}, batch {record.config['batch_size']}, seed {record.seed}, "
        f"device {summary.get('device', '?')}."
    )
    metrics, inputs, predictions, hardest = st.tabs(
        ["Metric you can trust", "Inputs", "Prediction dynamics", "Highest losses"]
    )
    with metrics:
        metrics_tab(summary)
    with inputs:
        inputs_tab(run_id, summary)
    with predictions:
        predictions_tab(run_id, summary)
    with hardest:
        hardest_tab(run_id, record.config)


listed = runs.list_runs(store(), dataset_id=dataset_id())
any_active = bool(listed["status"].isin(ACTIVE).any())


@st.fragment(run_every=POLL_SECONDS if any_active else None)
def runs_panel() -> None:
    table = runs.list_runs(store(), dataset_id=dataset_id())
    if table.empty:
        st.info("No runs yet: start one above.")
        return
    if any_active and not table["status"].isin(ACTIVE).any():
        st.rerun()  # everything finished while we polled: one full redraw stops the polling
    st.subheader("Runs")
    shown = table.assign(model=table["model"].map(lambda s: model_label(str(s), dataset.kind)))
    st.dataframe(
        shown.drop(columns=["job_id", "message", "error"]),
        hide_index=True,
        key="runs_table",
        column_config={
            "progress": st.column_config.ProgressColumn("progress", min_value=0.0, max_value=1.0, format="percent"),
            "verdict": st.column_config.TextColumn("verdict", help="Baseline and overfit runs end with a verdict."),
            "lr": st.column_config.NumberColumn("lr", format="%.1e"),
        },
    )
    run_ids = table.dropna(subset=["run_id"])["run_id"].astype(int).tolist()
    names = dict(zip(run_ids, table.dropna(subset=["run_id"])["kind"], strict=True))
    chosen = st.multiselect(  # no key: a keyed value set from code is lost when the browser reruns a live fragment
        "Runs to overlay",
        run_ids,
        default=overlay_default(run_ids),
        format_func=lambda r: f"run {r}" + (f" · {names[r]}" if names.get(r, "normal") != "normal" else ""),
        help="Runs of any kinds on one chart: the overfit run falling to zero, the normal run, and the "
        "zero-input baseline at the class priors' loss.",
    )
    st.session_state["overlay"] = chosen
    for job in table[table["status"].isin([*ACTIVE, "failed", "cancelled"])].itertuples():
        record = jobs.get_job(store(), int(job.job_id))
        if record is not None and (record.status in ACTIVE or job.run_id in chosen or pd.isna(job.run_id)):
            st.caption(f"Job {job.job_id}" + (f" · run {int(job.run_id)}" if not pd.isna(job.run_id) else ""))
            job_status(record, key=f"train_{job.job_id}")
    if not chosen:
        return
    drawn = runs.overlay(store(), chosen)
    axis_col, log_col = st.columns([3, 1], vertical_alignment="bottom")
    x = axis_col.segmented_control(
        "x axis", list(X_AXES), default="step", required=True, key="curve_x", format_func=X_AXES.__getitem__
    )
    log_loss = log_col.toggle("Log loss axis", key="curve_log", help="Shows an overfit run's last decades.")
    st.plotly_chart(
        plots.curves_figure(drawn.metrics, drawn.labels, references=drawn.references, x=str(x), log_loss=log_loss),
        key="curves",
    )
    for run_id, verdict in drawn.verdicts.items():
        verdict_panel(run_id, drawn.labels[run_id], verdict, key=f"train_{run_id}")
    raw_vs_cleaned(dataset, dataset_id())
    detail = st.selectbox("Details of", chosen, key="detail_run", format_func=drawn.labels.__getitem__)
    run_details(int(detail))


def overlay_default(run_ids: list[int]) -> list[int]:
    """What the overlay shows: the newest runs on a first view, then the user's choice, with any run that
    appeared since (and any run a link asks for with ?show_runs=) added in front."""
    chosen = st.session_state.get("overlay")
    if chosen is None:
        chosen = run_ids[:OVERLAY_DEFAULT]
    else:
        seen = st.session_state.get("overlay_seen", [])
        chosen = [r for r in run_ids if r not in seen] + [r for r in chosen if r in run_ids]
    st.session_state["overlay_seen"] = run_ids
    asked = st.query_params.get_all("show_runs")
    if asked and asked != st.session_state.get("show_runs_done"):  # once per link, so the user can deselect
        st.session_state["show_runs_done"] = asked
        wanted = [int(r) for r in asked if r.isdigit() and int(r) in run_ids]
        chosen = wanted + [r for r in chosen if r not in wanted]
    return chosen


runs_panel()
