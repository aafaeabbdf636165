"""Local vs global: does a model on small patches or a shrunken image do as well as on the whole image?"""

from __future__ import annotations

import streamlit as st

from app_pages._widgets import check_page
from recipe_dash.analyzers import local_global
from recipe_dash.plots import local_global_bar

page = check_page("local_global", "Local vs global", local_global.Details)
if page is None:
    st.stop()
dataset, stored, details = page

st.caption(
    "If a model on small patches does as well as one on the whole image, local texture carries the "
    "label; if the shrunken image does as well, fine detail does not matter and a smaller input size will do."
)
st.plotly_chart(local_global_bar(details.accuracies), key="local_global")
