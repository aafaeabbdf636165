"""Persistent state shared by the dashboard, the CLI and workers."""

from __future__ import annotations

from functools import lru_cache

from recipe_dash.settings import get_settings
from recipe_dash.store.jobs_model import JobRecord
from recipe_dash.store.models import DatasetRecord
from recipe_dash.store.store import Store


@lru_cache(maxsize=4)
def open_store(url: str | None = None) -> Store:
    """The store at `url` (default: RECIPE_DASH_DB or the SQLite file in RECIPE_DASH_HOME), opened once per process."""
    return Store(url or get_settings().db_url)


__all__ = ["DatasetRecord", "JobRecord", "Store", "open_store"]
