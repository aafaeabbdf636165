"""Biases & leakage: nuisance attributes or single columns that give the label away."""

from __future__ import annotations

import streamlit as st

from app_pages._samples import findings_explorer
from app_pages._widgets import check_page
from recipe_dash.analyzers import biases
from recipe_dash.plots import label_rates_bar, predictive_power_bar

page = check_page("biases", "Biases & leakage", biases.Details)
if page is None:
    st.stop()
dataset, stored, details = page
for note in details.notes:
    st.caption(note)

st.plotly_chart(
    predictive_power_bar(details.predictive_power, leak_threshold=details.leak_threshold), key="predictive_power"
)
if not details.leaks.empty:
    st.caption(
        "Leak suspects, each judged against all the other columns: a leak is right where the others are wrong "
        "(an honest measurement fails on the same hard rows as the rest)."
    )
    st.dataframe(details.leaks, hide_index=True, key="leak_judgement")
rates = details.label_rates
if not rates.empty:
    attributes = list(dict.fromkeys(rates["attribute"]))
    chosen = st.selectbox("Label rates per value of", attributes, key="attribute", bind="query-params")
    st.plotly_chart(label_rates_bar(rates, chosen), key="label_rates")
findings_explorer(dataset, stored.result.findings, key="biases")
