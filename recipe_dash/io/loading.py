"""Pick the loader from what the path is, and keep server-side paths inside the allowed roots."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from recipe_dash.errors import DataError, OptionError
from recipe_dash.io.archive import extract_zip
from recipe_dash.io.dataset import Dataset
from recipe_dash.io.images import load_images
from recipe_dash.io.names import name_text, path_text, require_regular, shown
from recipe_dash.io.table_file import TABLE_EXTENSIONS
from recipe_dash.io.tabular import load_table
from recipe_dash.settings import get_settings


def load_dataset(path: str | Path, *, label_column: str | None = None) -> Dataset:
    """Load an image folder, a zip of one, or a CSV/Parquet table.

    `label_column` names a table's label column; an image folder's labels are its class folders, so
    giving one there is refused rather than silently ignored.
    """
    if label_column is not None and not isinstance(label_column, str):
        raise OptionError(f"label_column must be a column name or None, got {label_column!r}.")
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"'{shown(path_text(path))}' does not exist.")
    suffix = path.suffix.lower()
    if label_column is not None and (path.is_dir() or suffix == ".zip"):
        raise OptionError(
            f"label_column is for tables, but '{shown(name_text(path.name))}' is an image "
            f"{'folder' if path.is_dir() else 'zip'} whose labels are its class folders; drop label_column "
            f"({label_column!r})."
        )
    if path.is_dir():
        return load_images(path)
    require_regular(path)  # before any open: a pipe named data.csv would block forever
    if suffix == ".zip":
        return load_images(extract_zip(path), source=path, name=path.stem)
    if suffix in TABLE_EXTENSIONS:
        return load_table(path, label_column=label_column)
    raise DataError(
        f"'{shown(name_text(path.name))}' is not a supported dataset. Use a folder or .zip of class folders, "
        "or a .csv/.tsv/.parquet table."
    )


def check_allowed(path: str | Path, roots: list[Path] | None = None) -> Path:
    """Resolve a path typed into the dashboard and refuse it unless it lies under an allowed root."""
    settings = get_settings()
    roots = roots if roots is not None else [*settings.data_roots, settings.uploads_dir]
    resolved = Path(path).expanduser().resolve()
    for root in roots:
        if resolved.is_relative_to(Path(root).expanduser().resolve()):
            return resolved
    allowed = ", ".join(str(r) for r in roots)
    raise DataError(
        f"'{path}' is outside the folders this server may read ({allowed}). "
        "Ask the admin to add it to RECIPE_DASH_DATA_ROOTS, or upload the file."
    )


def save_upload(filename: str, content: bytes) -> Path:
    """Store uploaded bytes under the uploads folder, named by content hash; never executed or unpickled."""
    if not content:
        raise DataError(f"'{filename}' is empty (0 bytes).")
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename).name).lstrip(".") or "upload"
    folder = get_settings().uploads_dir / hashlib.sha256(content).hexdigest()[:24]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name
    if not target.exists():
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(content)
        partial.rename(target)
    return target
