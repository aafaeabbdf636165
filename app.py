"""recipe-dash: the dashboard (`streamlit run app.py`); the pages and their order are in app_pages/navigation.py."""

from app_pages.navigation import run

run()
