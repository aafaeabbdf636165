"""Errors a user can act on; anything else is our bug.

Exception tree::

    RecipeDashError      -- message is shown to the user as is (UI: st.error, CLI: stderr + exit 2)
     +-- DataError       -- the dataset or an uploaded file cannot be used as given
     +-- StoreError      -- the database cannot be opened, migrated or written
"""

from __future__ import annotations


class RecipeDashError(Exception):
    """Base of every error whose message is written for the user."""


class DataError(RecipeDashError):
    """The input data is unusable; the message says what, where, and what to do."""


class StoreError(RecipeDashError):
    """The store (SQLite or another SQLAlchemy URL) failed; the message names the URL."""
