"""Pick the loader from what the path is, and keep server-side paths inside the allowed roots."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from recipe_dash.errors import DataError, OptionError
from recipe_dash.io.archive import extract_zip
from recipe_dash.io.dataset import Dataset
from recipe_dash.io.dataset_names import dataset_name
from recipe_dash.io.images import load_images
from recipe_dash.io.names import name_text, path_text, require_regular, shown
from recipe_dash.io.table_file import TABLE_EXTENSIONS
from recipe_dash.io.tabular import load_table
from recipe_dash.settings import get_settings

T = TypeVar("T")
_CHUNK_BYTES = 8 * 1024**2  # uploads are copied and hashed this much at a time


def load_dataset(path: str | Path, *, label_column: str | None = None) -> Dataset:
    """Load an image folder, a zip of one, or a CSV/Parquet table.

    `label_column` names a table's label column; an image folder's labels are its class folders, so
    giving one there is refused rather than silently ignored.
    """
    if label_column is not None and not isinstance(label_column, str):
        raise OptionError(f"label_column must be a column name or None, got {label_column!r}.")
    path = Path(path).expanduser()
    if not _exists(path):
        raise DataError(f"'{shown(path_text(path))}' does not exist.")
    suffix = path.suffix.lower()
    if label_column is not None and (path.is_dir() or suffix == ".zip"):
        raise OptionError(
            f"label_column is for tables, but '{shown(name_text(path.name))}' is an image "
            f"{'folder' if path.is_dir() else 'zip'} whose labels are its class folders; drop label_column "
            f"({label_column!r})."
        )
    if path.is_dir():
        return load_images(path, name=dataset_name(path))
    require_regular(path)  # before any open: a pipe named data.csv would block forever
    if suffix == ".zip":
        return load_images(extract_zip(path), source=path, name=path.stem)
    if suffix in TABLE_EXTENSIONS:
        uploaded = path.resolve().is_relative_to(get_settings().uploads_dir.resolve())
        return load_table(path, label_column=label_column, name=dataset_name(path, uploaded=uploaded))
    raise DataError(
        f"'{shown(name_text(path.name))}' is not a supported dataset. Use a folder or .zip of class folders, "
        "or a .csv/.tsv/.parquet table."
    )


def check_allowed(path: str | Path, roots: list[Path] | None = None) -> Path:
    """Resolve a path typed into the dashboard and refuse it unless it lies under an allowed root."""
    roots = roots if roots is not None else get_settings().allowed_roots
    resolved = _resolve(path)
    for root in roots:
        if resolved.is_relative_to(Path(root).expanduser().resolve()):
            return resolved
    allowed = ", ".join(str(r) for r in roots)
    raise DataError(
        f"'{_named(path)}' is outside the folders this server may read ({allowed}). "
        "Ask the admin to add it to RECIPE_DASH_DATA_ROOTS, or upload the file."
    )


def require_existing(path: Path) -> Path:
    """The path, if it exists on the server; a message naming it otherwise."""
    if not _exists(path):
        raise DataError(f"'{_named(path)}' does not exist on the server.")
    return path


def save_upload(filename: str, content: bytes | BinaryIO) -> Path:
    """Store an upload under the uploads folder, named by content hash; never executed or unpickled.

    A file object is copied in chunks while it is hashed, so a 2 GB upload is never a second 2 GB in memory.
    """
    stream: BinaryIO = io.BytesIO(content) if isinstance(content, bytes) else content
    uploads = get_settings().uploads_dir
    uploads.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=uploads, prefix=".upload-", delete=False) as partial:
        try:
            while chunk := stream.read(_CHUNK_BYTES):
                digest.update(chunk)
                size += partial.write(chunk)
        except BaseException:
            os.unlink(partial.name)
            raise
    if size == 0:
        os.unlink(partial.name)
        raise DataError(f"'{shown(filename)}' is empty (0 bytes).")
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename).name).lstrip(".") or "upload"
    target = uploads / digest.hexdigest()[:24] / safe_name
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        os.unlink(partial.name)
    else:
        shutil.move(partial.name, target)  # a rename: same folder tree, so readers never see half a file
    return target


def _resolve(path: str | Path) -> Path:
    """The absolute, symlink-free form of a typed path."""
    return _typed(path, lambda p: p.expanduser().resolve())


def _exists(path: Path) -> bool:
    return _typed(path, Path.exists)


def _typed(path: str | Path, call: Callable[[Path], T]) -> T:
    """`call(path)` for a path a user typed: a NUL byte or a name the OS refuses (a 300-character
    file name: 'File name too long') is a one-line message naming the path, not a traceback."""
    if "\x00" in str(path):
        raise DataError("The path contains a NUL character (\\x00); type it again without it.")
    try:
        return call(Path(path))
    except (OSError, RuntimeError) as err:  # RuntimeError: a symlink loop (Python 3.11)
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise DataError(f"'{_named(path)}' cannot be opened: {reason}.") from None


def _named(path: str | Path, limit: int = 80) -> str:
    """A typed path for a one-line message: shown safely (`shown`), and shortened if long."""
    text = shown(path_text(path))
    return text if len(text) <= limit else f"{text[: limit // 2]}…{text[-limit // 2 :]}"
