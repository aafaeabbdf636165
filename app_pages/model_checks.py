"""Model checks: the recipe's skeleton checks and dumb baselines, for a built-in or your own model."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages._train_widgets import dataset_id, follow_job, model_label, model_picker, show_inputs, submit
from app_pages._widgets import current_dataset, store, user_errors, verdict_badge
from app_pages.navigation import page_file
from recipe_dash import plots
from recipe_dash.settings import get_settings
from recipe_dash.training import runs
from recipe_dash.training.config import TrainConfig

CHECKS_JOB, BASELINES_JOB = "model_checks", "baselines"

dataset = current_dataset()
if dataset is None:
    st.stop()

st.title(f"Model checks · {dataset.name}")
st.caption(
    "Recipe step 2: before trusting any curve, check the loss at init, the init, that the model uses its input, "
    "that it can overfit one batch, that gradients reach every layer and never cross samples, that nothing "
    "turns NaN, and that the same seed repeats. Then compare with dumb baselines."
)

with user_errors():
    model_col, epochs_col = st.columns([4, 1], vertical_alignment="bottom")
    with model_col:
        spec = model_picker(dataset, key="checks_model")
    epochs = epochs_col.number_input("Baseline epochs", min_value=1, max_value=200, value=10, key="baseline_epochs")
    buttons = st.container(horizontal=True)  # buttons as wide as their labels, wrapping on a narrow screen
    if buttons.button("Run checks", type="primary", key="run_checks", icon=":material/fact_check:"):
        submit(CHECKS_JOB, TrainConfig(model=spec).to_dict())
    if buttons.button("Run baselines", key="run_baselines", icon=":material/leaderboard:"):
        submit(BASELINES_JOB, TrainConfig(model=spec, epochs=int(epochs)).to_dict())


def show_checks(result: dict[str, Any]) -> None:
    checks = result["checks"]
    counts = {v: sum(c["verdict"] == v for c in checks) for v in ("fail", "warn", "pass")}
    st.markdown(
        f"**{model_label(result['model'], dataset.kind)}**: {counts['fail']} failed, {counts['warn']} "
        f"warned, {counts['pass']} passed."
    )
    for check in checks:
        with st.container(border=True):
            badge_col, text_col = st.columns([1, 8])
            with badge_col:
                verdict_badge(check["verdict"])
            text_col.markdown(f"**{check['name']}** — {check['evidence']}")
            figure = plots.model_check_figure(check["name"], check["details"])
            if figure is not None:
                with st.expander("Evidence plot"):
                    st.plotly_chart(figure, key=f"plot_{check['name']}")
    st.subheader("Visualize just before the net")
    batch = runs.load_batch(get_settings().home / "checks" / str(result["job_id"]))
    show_inputs(result, batch, key="checks", what="A training batch the checks fed the model")


def show_baselines(result: dict[str, Any]) -> None:
    table = pd.DataFrame(result["table"])
    beaten = table["beaten"].dropna()
    if beaten.all():
        st.success(
            f"{model_label(result['model'], dataset.kind)} beats every dumb baseline.", icon=":material/check_circle:"
        )
    else:
        lost = ", ".join(table.loc[table["beaten"].eq(False), "baseline"])
        st.error(f"{model_label(result['model'], dataset.kind)} does not beat: {lost}.", icon=":material/cancel:")
    st.dataframe(
        table.assign(beaten=table["beaten"].map({True: "beaten", False: "NOT beaten"}).fillna("(your model)")),
        hide_index=True,
        key="baselines_table",
        column_config={
            "val_loss": st.column_config.NumberColumn("val loss", format="%.3f"),
            "val_accuracy": st.column_config.NumberColumn("val accuracy", format="percent"),
            "balanced_accuracy": st.column_config.NumberColumn("balanced accuracy", format="percent"),
            "beaten": st.column_config.TextColumn("beaten by your model?"),
        },
    )
    st.caption(
        f'{result["val_source"]} "Beaten" compares balanced accuracy when classes are imbalanced '
        "(accuracy otherwise), with the validation loss breaking ties."
    )
    baseline_runs(result["model"])


def baseline_runs(model: str) -> None:
    """The table's input-independent row as a run with a live curve, on the Train page beside the others."""
    table = runs.list_runs(store(), dataset_id=dataset_id())
    done = table[(table["kind"] == "baseline") & table["run_id"].notna()]
    link_col, button_col = st.columns([3, 1], vertical_alignment="center")
    with link_col:
        if done.empty:
            st.caption(
                "Watch the zero-input baseline train: a baseline run draws its live curve on the Train page, with "
                "the majority class and a linear model as reference lines."
            )
        else:
            ids = done["run_id"].astype(int).tolist()[:3]
            st.page_link(
                page_file("train"),
                label="Baseline runs on the Train page: " + ", ".join(f"run {i}" for i in ids),
                query_params={"show_runs": [str(i) for i in ids]},
                icon=":material/monitoring:",
            )
    if button_col.button("Start a baseline run", key="start_baseline_run", icon=":material/play_arrow:"):
        epochs = int(st.session_state.get("baseline_epochs", 10))
        job_id = submit(runs.TRAIN_JOB, TrainConfig(model=model, epochs=epochs, kind="baseline").to_dict())
        st.toast(f"Baseline run started (job {job_id}); it appears on the Train page.")


st.subheader("Checks")
follow_job(CHECKS_JOB, show_checks, idle="Pick a model and press Run checks.")
st.subheader("Dumb baselines")
follow_job(
    BASELINES_JOB,
    show_baselines,
    idle="Press Run baselines: majority class, zeroed inputs, logistic "
    "regression and a small MLP/CNN against your model.",
)
