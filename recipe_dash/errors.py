"""Errors a user can act on; anything else is our bug.

Exception tree::

    RecipeDashError      -- message is shown to the user as is (UI: st.error, CLI: stderr + exit 2)
     +-- DataError       -- the dataset or an uploaded file cannot be used as given
     +-- StoreError      -- the database cannot be opened, migrated or written
     +-- OptionError     -- an option's value is out of range or unknown (also a ValueError)
"""

from __future__ import annotations


class RecipeDashError(Exception):
    """Base of every error whose message is written for the user."""


class DataError(RecipeDashError):
    """The input data is unusable; the message says what, where, and what to do."""


class StoreError(RecipeDashError):
    """The store (SQLite or another SQLAlchemy URL) failed; the message names the URL."""


class OptionError(RecipeDashError, ValueError):
    """An option (a keyword argument, a CLI flag, a page control) has a value we cannot use.

    The message names the option, what it accepts and the value given, in scikit-learn's manner:
    "patch_side must be between 2 and 15 (thumbnails are 16x16), got 16". It is a ValueError too,
    so notebook users catch it as they would scikit-learn's.
    """
