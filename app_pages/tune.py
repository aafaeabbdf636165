"""Tune: a hyperparameter study on Optuna, followed live from the store; the best config becomes a full run."""

from __future__ import annotations

import json
import os

import optuna
import pandas as pd
import streamlit as st

from app_pages._train_widgets import POLL_SECONDS, dataset_id, model_label, model_picker, submit
from app_pages._widgets import current_dataset, job_failure, store, user_errors
from app_pages.navigation import page_file
from recipe_dash import plots
from recipe_dash.settings import get_settings
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.models import builder_keywords, check_offered
from recipe_dash.training.runs import TRAIN_JOB
from recipe_dash.tuning import space as spaces
from recipe_dash.tuning.storage import fail_orphaned_trials, fail_stale_trials, study_storage
from recipe_dash.tuning.study import (
    LAST_EPOCHS,
    OBJECTIVES,
    PRUNERS,
    SAMPLERS,
    Launch,
    best_config,
    best_trial,
    load_spec,
    metric_name,
    shown_value,
    state_counts,
    studies_of,
    trials_frame,
    value_meaning,
)
from recipe_dash.tuning.workers import launch_progress, start_study, stop_study

OBJECTIVE_NAMES = {
    "accuracy": "Accuracy (balanced if imbalanced)",
    "loss": "Validation loss",
}
SAMPLER_NAMES = {"tpe": "TPE (Bayesian)", "gp": "Gaussian process", "random": "Random"}
PRUNER_NAMES = {"median": "Median stopping", "none": "No pruning"}
CORES = os.cpu_count() or 1

dataset = current_dataset()
if dataset is None:
    st.stop()

st.title(f"Tune · {dataset.name}")
st.caption(
    "Recipe step 5: random or Bayesian search over the settings that matter, each trial a training run like "
    "any other (on the Train page too), unpromising trials stopped early by their validation score. Workers "
    "run in their own processes; on a shared PostgreSQL store, `recipe-dash tune` on other machines joins a study."
)
storage = study_storage(get_settings().db_url)
names = studies_of(storage, dataset)

with st.expander("New study", expanded=not names, icon=":material/add_circle:"), user_errors():
    name_col, model_col, epochs_col, seed_col = st.columns([3, 4, 1, 1])
    name = name_col.text_input(
        "Study name", value=f"{dataset.name}-study", key="tune_name", help="The same name resumes a study."
    )
    with model_col:
        spec = model_picker(dataset, key="tune_model")
    epochs = epochs_col.number_input("Epochs per trial", min_value=1, max_value=1000, value=10, key="tune_epochs")
    seed = seed_col.number_input("Seed", min_value=0, value=0, key="tune_seed", help="Split, weights and sampler.")
    model_dirs = get_settings().model_dirs
    check_offered(spec, model_dirs)
    keywords = builder_keywords(spec, kind=dataset.kind, allowed_dirs=model_dirs)
    st.markdown(
        "**Search space.** Tick what to vary: a range from low to high (log: log-uniform), or comma-separated "
        "choices. A YAML or JSON file with the same ranges works from `recipe-dash tune --space`."
    )
    edited = st.data_editor(
        pd.DataFrame(spaces.space_table(spaces.default_space(keywords))),
        key=f"tune_space_{spec}",
        hide_index=True,
        disabled=["parameter"],
        column_config={
            "low": st.column_config.NumberColumn(format="%g"),
            "high": st.column_config.NumberColumn(format="%g"),
            "choices": st.column_config.TextColumn(width="medium"),
        },
    )
    objective_col, sampler_col, pruner_col, trials_col, workers_col, timeout_col = st.columns(6)
    objective = objective_col.selectbox(
        "Objective",
        list(OBJECTIVES),
        format_func=OBJECTIVE_NAMES.get,
        key="tune_objective",
        help=f"On validation, averaged over each trial's last {LAST_EPOCHS} epochs. Loss is smoother, but prefers "
        "timid models when some validation labels are wrong.",
    )
    sampler = sampler_col.selectbox("Sampler", SAMPLERS, index=1, format_func=SAMPLER_NAMES.get, key="tune_sampler")
    pruner = pruner_col.selectbox("Pruning", PRUNERS, format_func=PRUNER_NAMES.get, key="tune_pruner")
    trials = trials_col.number_input("Trials to add", min_value=1, max_value=10_000, value=20, key="tune_trials")
    workers = workers_col.number_input(
        "Worker processes", min_value=1, max_value=64, value=min(2, CORES), key="tune_workers"
    )
    timeout = timeout_col.number_input("Timeout per worker (s, 0: none)", min_value=0, value=0, key="tune_timeout")
    if st.button("Start study", type="primary", key="start_study", icon=":material/play_arrow:"):
        launch = Launch(
            sampler=str(sampler),
            pruner=str(pruner),
            seed=int(seed),
            n_trials=int(trials),
            n_workers=int(workers),
            timeout=float(timeout) or None,
        )
        base = TrainConfig(model=spec, epochs=int(epochs), seed=int(seed), sample_losses=False)
        space = spaces.space_from_table(edited.to_dict("records"))
        start_study(
            store(), dataset_id(), dataset, name, base, space, launch, objective=str(objective), allowed_dirs=model_dirs
        )
        st.session_state["tune_study"] = name
        st.rerun()

names = studies_of(storage, dataset)
if not names:
    st.info("No study on this dataset yet: start one above.")
    st.stop()
if st.session_state.get("tune_study") not in names:
    st.session_state["tune_study"] = names[0]
chosen = str(st.selectbox("Study", names, key="tune_study"))
study = optuna.load_study(study_name=chosen, storage=storage)
first = launch_progress(store(), chosen)
was_active = first is not None and first.active > 0


def show_best() -> None:
    trial, config = best_trial(study), best_config(study)
    if trial is None or config is None:
        st.info("The best config appears once a trial completes.")
        return
    st.markdown(
        f"**Best: trial {trial.number}**, {metric_name(study)} {shown_value(study, trial.value)} · "
        + ", ".join(f"{k} = {v:.3g}" if isinstance(v, float) else f"{k} = {v}" for k, v in trial.params.items())
    )
    run_col, link_col = st.columns([2, 3], vertical_alignment="center")
    with user_errors():
        if run_col.button("Full run with the best config", key=f"best_run_{chosen}", icon=":material/rocket_launch:"):
            job_id = submit(TRAIN_JOB, config.to_dict())
            st.toast(f"Run started (job {job_id}) with trial {trial.number}'s config.")
    link_col.page_link(page_file("train"), label="Follow it, and every trial's curve, on the Train page", icon="➡️")


@st.fragment(run_every=POLL_SECONDS if was_active else None)
def study_panel() -> None:
    progress = launch_progress(store(), chosen)
    if was_active and (progress is None or progress.active == 0):
        st.rerun()  # the launch ended while we polled: one full redraw stops the polling
    fail_orphaned_trials(study, store())
    fail_stale_trials(study)
    counts = state_counts(study)
    if progress is not None and progress.active:
        bar_col, stop_col = st.columns([5, 1])
        bar_col.progress(
            min(1.0, progress.done / max(progress.total, 1)),
            text=f"{progress.done} / {progress.total} trials of this launch · {progress.active} worker(s) running",
        )
        if stop_col.button("Stop", key=f"stop_study_{chosen}", icon=":material/stop_circle:"):
            stopped = stop_study(store(), chosen)
            st.toast(f"Stop requested for {stopped} worker(s); each ends its running trial as stopped.")
    for failed in progress.failed if progress is not None else []:
        job_failure(failed, f"Worker job {failed.id} failed: ")
    columns = st.columns(5)
    columns[0].metric("Trials", sum(counts.values()))
    columns[1].metric("Complete", counts["COMPLETE"])
    columns[2].metric(
        "Pruned",
        counts["PRUNED"],
        help="Stopped early: behind the completed trials' median at the same epoch by more than its validation "
        "noise (a standard error).",
    )
    columns[3].metric("Failed", counts["FAIL"])
    best = best_trial(study)
    target = metric_name(study)
    columns[4].metric("Best", shown_value(study, best.value if best is not None else None), help=f"Best {target}")
    show_best()
    history, importance = plots.history_figure(study, target), plots.importance_figure(study, target)
    parallel = plots.parallel_figure(study, target)
    per_epoch = plots.intermediate_figure(study, target, load_spec(study).last_epochs)
    if per_epoch is None:
        st.info("Charts appear once a trial reports its first epoch.")
    left, right = st.columns(2)
    for column, figure, name in ((left, history, "history"), (right, importance, "importance")):
        if figure is not None:
            column.plotly_chart(figure, key=f"tune_{name}")
    for figure, name in ((parallel, "parallel"), (per_epoch, "per_epoch")):  # many lines: the full width
        if figure is not None:
            st.plotly_chart(figure, key=f"tune_{name}")
    st.subheader("Trials")
    st.dataframe(
        trials_frame(study).drop(columns=["job_id", "worker"]),
        hide_index=True,
        key="tune_trials",
        column_config={
            "value": st.column_config.NumberColumn(
                target,
                format="%.4f" if "loss" in target else "percent",
                help=f"The trial's value: the {value_meaning(study)}; a pruned trial's last reported one",
            ),
            "val_loss": st.column_config.NumberColumn("val loss", format="%.4f", help="After its last epoch"),
            "val_accuracy": st.column_config.NumberColumn(
                "val accuracy", format="percent", help="Plain accuracy after its last epoch"
            ),
            "lr": st.column_config.NumberColumn(format="%.2e"),
            "weight_decay": st.column_config.NumberColumn(format="%.1e"),
            "dropout": st.column_config.NumberColumn(format="%.2f"),
            "seconds": st.column_config.NumberColumn(format="%.0f"),
            "error": st.column_config.TextColumn(width="large"),
        },
    )


spec_of = load_spec(study)
st.caption(
    f"{model_label(spec_of.base.model, dataset.kind)}, {spec_of.base.epochs} epochs per trial, seed "
    f"{spec_of.base.seed}; objective: the {value_meaning(study)}"
    f" ({'lower' if spec_of.objective == 'loss' else 'higher'} is better)."
)
with st.expander("Search space of this study"):
    st.code(json.dumps(spec_of.space.to_json(), indent=2), language="json")
study_panel()
