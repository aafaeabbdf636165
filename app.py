"""recipe-dash: the dashboard's router. Pages follow the recipe's order."""

import streamlit as st

st.set_page_config(page_title="recipe-dash", page_icon=":material/restaurant:", layout="wide")
navigation = st.navigation(
    {
        "1 · Data": [
            st.Page("pages/load.py", title="Load", icon=":material/folder_open:", default=True),
            st.Page("pages/browse.py", title="Browse", icon=":material/table_view:"),
            st.Page("pages/overview.py", title="Overview", icon=":material/monitor_heart:"),
            st.Page("pages/duplicates.py", title="Duplicates", icon=":material/content_copy:"),
            st.Page("pages/corruption.py", title="Corruption", icon=":material/broken_image:"),
            st.Page("pages/balance.py", title="Balance", icon=":material/balance:"),
            st.Page("pages/label_quality.py", title="Label quality", icon=":material/label_off:"),
            st.Page("pages/outliers.py", title="Outliers", icon=":material/scatter_plot:"),
            st.Page("pages/biases.py", title="Biases & leakage", icon=":material/water_drop:"),
            st.Page("pages/distributions.py", title="Distributions", icon=":material/bar_chart:"),
        ],
        "2 · Train": [
            st.Page("pages/model_checks.py", title="Model checks", icon=":material/fact_check:"),
            st.Page("pages/train.py", title="Train", icon=":material/monitoring:"),
            st.Page("pages/overfit.py", title="Overfit", icon=":material/trending_down:"),
        ],
    },
    expanded=True,
)
navigation.run()
