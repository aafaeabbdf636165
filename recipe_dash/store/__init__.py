"""Persistent state shared by the dashboard, the CLI and workers."""

from __future__ import annotations

from functools import lru_cache

from recipe_dash.settings import get_settings
from recipe_dash.store.jobs_model import JobRecord
from recipe_dash.store.models import DatasetRecord
from recipe_dash.store.store import Store


def open_store(url: str | None = None) -> Store:
    """The store at `url` (default: RECIPE_DASH_DB or the SQLite file in RECIPE_DASH_HOME, as the settings
    say now), opened once per process and URL. The default is resolved before the cache is asked: cached
    under "no URL", a process whose settings changed (a test, a benchmark's fresh store) got the old store."""
    return _opened(url or get_settings().db_url)


@lru_cache(maxsize=4)
def _opened(url: str) -> Store:
    return Store(url)


def forget_open_stores() -> None:
    """Open every store afresh from now on (a test that drops a database and makes it again at one URL)."""
    _opened.cache_clear()


__all__ = ["DatasetRecord", "JobRecord", "Store", "forget_open_stores", "open_store"]
