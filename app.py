"""recipe-dash: the dashboard's router. Pages follow the recipe's order."""

import streamlit as st

st.set_page_config(page_title="recipe-dash", page_icon=":material/restaurant:", layout="wide")
navigation = st.navigation(
    {
        "1 · Data": [
            st.Page("app_pages/load.py", title="Load", icon=":material/folder_open:", default=True),
            st.Page("app_pages/browse.py", title="Browse", icon=":material/table_view:"),
            st.Page("app_pages/overview.py", title="Overview", icon=":material/monitor_heart:"),
            st.Page("app_pages/duplicates.py", title="Duplicates", icon=":material/content_copy:"),
            st.Page("app_pages/corruption.py", title="Corruption", icon=":material/broken_image:"),
            st.Page("app_pages/balance.py", title="Balance", icon=":material/balance:"),
            st.Page("app_pages/label_quality.py", title="Label quality", icon=":material/label_off:"),
            st.Page("app_pages/outliers.py", title="Outliers", icon=":material/scatter_plot:"),
            st.Page("app_pages/biases.py", title="Biases & leakage", icon=":material/water_drop:"),
            st.Page("app_pages/distributions.py", title="Distributions", icon=":material/bar_chart:"),
        ],
        "2 · Train": [
            st.Page("app_pages/model_checks.py", title="Model checks", icon=":material/fact_check:"),
            st.Page("app_pages/train.py", title="Train", icon=":material/monitoring:"),
            st.Page("app_pages/overfit.py", title="Overfit", icon=":material/trending_down:"),
        ],
    },
    expanded=True,
)
navigation.run()
