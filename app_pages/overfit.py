"""Overfit: memorise a few samples, find a learning rate, and add a table's signals one group at a time."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from app_pages._run_kinds import LR_JOB, follow_latest_run
from app_pages._train_widgets import follow_job, model_label, model_picker, overfit_inputs, submit
from app_pages._widgets import current_dataset, user_errors
from recipe_dash import plots
from recipe_dash.store import JobRecord
from recipe_dash.training import runs
from recipe_dash.training.config import OPTIMIZERS, TrainConfig

SIGNALS_JOB = "signals"

dataset = current_dataset()
if dataset is None:
    st.stop()

st.title(f"Overfit · {dataset.name}")
st.caption(
    "Recipe step 3: first get a model big enough to overfit. Train it on a few samples with every regularizer "
    "off until their loss is about zero: if it cannot, no amount of data will help (a bug, too small a model or "
    "the learning rate). Adam at 3e-4 is the safe default; the finder ramps the rate to show where the loss falls "
    "fastest. For tables, switch feature groups on one at a time and see the gain of each."
)

with user_errors():
    model_col, opt_col, lr_col, batch_col = st.columns([4, 1, 1, 1])
    with model_col:
        spec = model_picker(dataset, key="overfit_model")
    optimizer = opt_col.selectbox("Optimizer", OPTIMIZERS, key="overfit_optimizer")
    lr = lr_col.number_input(
        "Learning rate", min_value=1e-7, max_value=10.0, value=3e-4, step=1e-4, format="%.1e", key="overfit_lr"
    )
    batch_size = batch_col.number_input("Batch size", min_value=1, max_value=4096, value=64, key="overfit_batch")
    config = TrainConfig(model=spec, optimizer=str(optimizer), lr=float(lr), batch_size=int(batch_size))


def show_lr(result: dict[str, Any]) -> None:
    st.plotly_chart(
        plots.lr_figure(result["lrs"], result["losses"], result["smoothed"], result["suggested"]), key="lr_curve"
    )
    st.info(f"{model_label(result['model'], dataset.kind)}: {result['note']}", icon=":material/lightbulb:")


def show_lr_so_far(job: JobRecord) -> None:
    partial = runs.read_partial(job.id)
    if partial is None:
        return
    figure = plots.lr_figure(partial["lrs"], partial["losses"], partial["smoothed"], None, span=partial.get("span"))
    st.plotly_chart(figure, key="lr_partial")
    st.caption(
        f"{len(partial['lrs'])} steps so far, up to rate {partial['lrs'][-1]:.1e}; the suggestion comes at the end."
    )


def show_signals(result: dict[str, Any]) -> None:
    table = pd.DataFrame(result["table"])
    st.plotly_chart(plots.signals_figure(table), key="signals_curve")
    best = table.iloc[1:].nlargest(1, "accuracy_gain")
    if len(best):
        st.markdown(
            f"Largest gain: **{best['added'].iloc[0]}** (+{best['accuracy_gain'].iloc[0]:.1%} validation accuracy)."
        )
    st.dataframe(
        table,
        hide_index=True,
        key="signals_table",
        column_config={c: st.column_config.NumberColumn(format="percent") for c in ("val_accuracy", "accuracy_gain")},
    )


st.subheader("Overfit a few samples")
with user_errors():
    overfit = overfit_inputs(key="overfit")
    if st.button("Start overfit run", type="primary", key="start_overfit", icon=":material/trending_down:"):
        submit(runs.TRAIN_JOB, replace(config, kind="overfit", **overfit).to_dict())
follow_latest_run(
    "overfit",
    idle="Press Start overfit run: the model trains on these samples, dropout, weight decay and augmentation off, "
    "until the loss reaches the floor or the step budget ends.",
    key="overfit_run",
)

st.subheader("Learning-rate finder")
with user_errors():
    if st.button("Find learning rate", key="run_lr_find", icon=":material/speed:"):
        submit(LR_JOB, config.to_dict())
follow_job(LR_JOB, show_lr, idle="Press Find learning rate: 100 steps from 1e-7 to 10.", partial=show_lr_so_far)

st.subheader("Add signals one at a time")
if dataset.kind != "table":
    st.info("Signals are a table's feature groups; this dataset is images.")
else:
    with user_errors():
        epochs_col, button_col = st.columns([1, 3], vertical_alignment="bottom")
        epochs = epochs_col.number_input(
            "Epochs per signal step", min_value=1, max_value=200, value=10, key="signal_epochs"
        )
        if button_col.button("Add signals", key="run_signals", icon=":material/add_chart:"):
            submit(SIGNALS_JOB, replace(config, epochs=int(epochs)).to_dict())
    follow_job(
        SIGNALS_JOB,
        show_signals,
        idle="Press Add signals: feature groups (columns sharing a word, one-hot "
        "columns of one source) are switched on in column order, one training per step.",
    )
