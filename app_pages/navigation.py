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


# A file of ours, not a :material/...: icon: Streamlit fetches a page icon given by name from Google's
# font servers, and the dashboard must work air-gapped (no request beyond its own server).
ICON = PAGES_DIR / "icon.png"


# The pages in the recipe's order: (file name = registry key for a check's page, title, icon).
SECTIONS: dict[str, list[tuple[str, str, str]]] = {
    "1 · Data": [
        ("load", "Load", ":material/folder_open:"),
        ("browse", "Browse", ":material/table_view:"),
        ("overview", "Overview", ":material/monitor_heart:"),
        ("duplicates", "Duplicates", ":material/content_copy:"),
        ("corruption", "Corruption", ":material/broken_image:"),
        ("imbalance", "Balance", ":material/balance:"),
        ("label_noise", "Label quality", ":material/label_off:"),
        ("outliers", "Outliers", ":material/scatter_plot:"),
        ("biases", "Biases & leakage", ":material/water_drop:"),
        ("distributions", "Distributions", ":material/bar_chart:"),
        ("local_global", "Local vs global", ":material/zoom_in:"),
    ],
    "2 · Train": [
        ("model_checks", "Model checks", ":material/fact_check:"),
        ("train", "Train", ":material/monitoring:"),
        ("overfit", "Overfit", ":material/trending_down:"),
    ],
    "3 · Regularize": [("regularize", "Regularize", ":material/compress:")],
    "4 · Tune": [("tune", "Tune", ":material/tune:")],
    "5 · Review": [("review", "Review", ":material/rate_review:")],
}
TITLES = {name: title for pages in SECTIONS.values() for name, title, _ in pages}


def run() -> None:
    st.set_page_config(page_title="recipe-dash", page_icon=str(ICON), layout="wide")
    navigation = st.navigation(
        {
            section: [
                st.Page(page_file(name), title=title, icon=icon, default=name == "load") for name, title, icon in pages
            ]
            for section, pages in SECTIONS.items()
        },
        expanded=True,
    )
    navigation.run()


if __name__ == "__main__":
    run()
