"""recipe-dash: the dashboard's router. Pages follow the recipe's order."""

import streamlit as st

st.set_page_config(page_title="recipe-dash", page_icon=":material/restaurant:", layout="wide")
navigation = st.navigation(
    {
        "1 · Data": [
            st.Page("pages/load.py", title="Load", icon=":material/folder_open:", default=True),
            st.Page("pages/browse.py", title="Browse", icon=":material/table_view:"),
        ],
    }
)
navigation.run()
