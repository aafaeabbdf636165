"""The dashboard's navigation: the pages in the recipe's order, each named as its registry key.

`streamlit run app.py` (a source checkout) and `recipe-dash app` (any install) both run `run()`;
pages are registered by absolute path, so links work whichever of the two scripts is the main one.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent


def page_file(name: str) -> str:
    """The page `app_pages/<name>.py` as st.page_link and st.switch_page accept it from any main script."""
    return str(PAGES_DIR / f"{name}.py")


def run() -> None:
    st.set_page_config(page_title="recipe-dash", page_icon=":material/restaurant:", layout="wide")
    navigation = st.navigation(
        {
            "1 · Data": [
                st.Page(page_file("load"), title="Load", icon=":material/folder_open:", default=True),
                st.Page(page_file("browse"), title="Browse", icon=":material/table_view:"),
                st.Page(page_file("overview"), title="Overview", icon=":material/monitor_heart:"),
                st.Page(page_file("duplicates"), title="Duplicates", icon=":material/content_copy:"),
                st.Page(page_file("corruption"), title="Corruption", icon=":material/broken_image:"),
                st.Page(page_file("imbalance"), title="Balance", icon=":material/balance:"),
                st.Page(page_file("label_noise"), title="Label quality", icon=":material/label_off:"),
                st.Page(page_file("outliers"), title="Outliers", icon=":material/scatter_plot:"),
                st.Page(page_file("biases"), title="Biases & leakage", icon=":material/water_drop:"),
                st.Page(page_file("distributions"), title="Distributions", icon=":material/bar_chart:"),
                st.Page(page_file("local_global"), title="Local vs global", icon=":material/zoom_in:"),
            ],
            "2 · Train": [
                st.Page(page_file("model_checks"), title="Model checks", icon=":material/fact_check:"),
                st.Page(page_file("train"), title="Train", icon=":material/monitoring:"),
                st.Page(page_file("overfit"), title="Overfit", icon=":material/trending_down:"),
            ],
            "3 · Regularize": [
                st.Page(page_file("regularize"), title="Regularize", icon=":material/compress:"),
            ],
            "4 · Review": [st.Page(page_file("review"), title="Review", icon=":material/rate_review:")],
        },
        expanded=True,
    )
    navigation.run()


if __name__ == "__main__":
    run()
