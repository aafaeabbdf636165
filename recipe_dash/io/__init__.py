"""Load any supported dataset through one call; see `Dataset` for what comes back."""

from __future__ import annotations

from recipe_dash.io.dataset import Dataset, natural_key
from recipe_dash.io.loading import check_allowed, load_dataset, save_upload

__all__ = ["Dataset", "check_allowed", "load_dataset", "natural_key", "save_upload"]
