"""Load any supported dataset through one call; see `Dataset` for what comes back."""

from __future__ import annotations

from recipe_dash.io.dataset import Dataset, natural_key
from recipe_dash.io.loading import check_allowed, load_dataset, require_existing, save_upload
from recipe_dash.io.names import name_path, name_text, path_text, shown

__all__ = [
    "Dataset",
    "check_allowed",
    "load_dataset",
    "name_path",
    "name_text",
    "natural_key",
    "path_text",
    "require_existing",
    "save_upload",
    "shown",
]
