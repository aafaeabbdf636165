"""Overfit: find a learning rate, and add a table's signals one group at a time to see what each brings."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages._train_widgets import follow_job, model_label, model_picker, submit
from app_pages._widgets import current_dataset, user_errors
from recipe_dash import plots
from recipe_dash.training.config import OPTIMIZERS, TrainConfig

LR_JOB, SIGNALS_JOB = "lr_find", "signals"

dataset = current_dataset()
if dataset is None:
    st.stop()

st.title(f"Overfit · {dataset.name}")
st.caption(
    "Recipe step 3: Adam at 3e-4 is the safe default and the rate stays constant at first; the finder ramps the "
    "rate exponentially to show where the loss falls fastest. For tables, switch feature groups on one at a "
    "time and see the gain of each. Runs themselves are on the Train page."
)

with user_errors():
    model_col, opt_col, batch_col, epochs_col = st.columns([4, 1, 1, 1])
    with model_col:
        spec = model_picker(dataset, key="overfit_model")
    optimizer = opt_col.selectbox("Optimizer", OPTIMIZERS, key="overfit_optimizer")
    batch_size = batch_col.number_input("Batch size", min_value=1, max_value=4096, value=64, key="overfit_batch")
    epochs = epochs_col.number_input(
        "Epochs per signal step", min_value=1, max_value=200, value=10, key="signal_epochs"
    )
    config = TrainConfig(model=spec, optimizer=str(optimizer), batch_size=int(batch_size), epochs=int(epochs))


def show_lr(result: dict[str, Any]) -> None:
    st.plotly_chart(
        plots.lr_figure(result["lrs"], result["losses"], result["smoothed"], result["suggested"]), key="lr_curve"
    )
    st.info(f"{model_label(result['model'], dataset.kind)}: {result['note']}", icon=":material/lightbulb:")


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


st.subheader("Learning-rate finder")
with user_errors():
    if st.button("Find learning rate", type="primary", key="run_lr_find", icon=":material/speed:"):
        submit(LR_JOB, config.to_dict())
follow_job(LR_JOB, show_lr, idle="Press Find learning rate: 100 steps from 1e-7 to 10.")

st.subheader("Add signals one at a time")
if dataset.kind != "table":
    st.info("Signals are a table's feature groups; this dataset is images.")
else:
    with user_errors():
        if st.button("Add signals", key="run_signals", icon=":material/add_chart:"):
            submit(SIGNALS_JOB, config.to_dict())
    follow_job(
        SIGNALS_JOB,
        show_signals,
        idle="Press Add signals: feature groups (columns sharing a word, one-hot "
        "columns of one source) are switched on in column order, one training per step.",
    )
