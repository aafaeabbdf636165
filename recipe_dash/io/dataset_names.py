"""Names people can tell apart: a dataset's display name, and the shortest path that distinguishes datasets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath

from recipe_dash.io.names import name_text

# Names that say nothing about the data: such a file or folder is named after the folders above it, up to the
# first that says something ("titanic/data.csv", "titanic/data/images").
GENERIC_STEMS = frozenset(
    {
        "all", "clean", "cleaned", "data", "dataset", "df", "export", "file", "final", "full", "images", "img",
        "imgs", "input", "labels", "main", "output", "raw", "records", "sample", "samples", "table", "test",
        "train", "val", "valid", "validation",
    }
)  # fmt: skip
_MAX_FOLDERS = 3  # folders put in front of a generic name, at most


def dataset_name(path: Path, *, uploaded: bool = False) -> str:
    """The file's (or image folder's) name, with the folders above it in front while the name so far is
    generic ("titanic/data.csv", "titanic/data/images"): a name people can tell from the other datasets.

    An upload's folder is a content hash, so an upload keeps the name it was sent with. Names are kept as
    reversible text (`name_text`), like every name in the store.
    """
    parts = [path.name]
    if not uploaded:
        folder = path.parent
        while _generic(parts[0]) and folder.name and len(parts) <= _MAX_FOLDERS:
            parts.insert(0, folder.name)
            folder = folder.parent
    return name_text("/".join(parts))


def _generic(name: str) -> bool:
    return PurePath(name).stem.lower() in GENERIC_STEMS


def distinct_paths(sources: Sequence[str], *, min_parts: int = 2) -> list[str]:
    """For each path, its shortest tail (at least `min_parts` parts) that no other path in `sources` ends
    with, so two datasets called "digits" read "sample_data/digits" and "downloads/digits"."""
    parts = [PurePath(s).parts for s in sources]
    shown: list[str] = []
    for own in parts:
        others = [p for p in parts if p != own]
        depth = min(min_parts, len(own))
        while depth < len(own) and any(p[-depth:] == own[-depth:] for p in others):
            depth += 1
        tail = own[-depth:]
        shown.append(str(PurePath(*tail)) if depth < len(own) else str(PurePath(*own)))
    return shown
