"""Names people can tell apart: a dataset's display name, and the shortest path that distinguishes datasets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath

from recipe_dash.io.names import name_text

# File stems that say nothing about the data: such a file is named after its folder ("titanic/data.csv").
GENERIC_STEMS = frozenset(
    {
        "all", "clean", "cleaned", "data", "dataset", "df", "export", "file", "final", "full", "input",
        "labels", "main", "output", "raw", "records", "sample", "samples", "table", "test", "train", "val",
        "valid", "validation",
    }
)  # fmt: skip


def dataset_name(path: Path, *, uploaded: bool = False) -> str:
    """The file's name, with its folder in front when the file name alone is generic ("data.csv").

    An upload's folder is a content hash, so an upload keeps the name it was sent with. Names are kept as
    reversible text (`name_text`), like every name in the store.
    """
    if uploaded or path.stem.lower() not in GENERIC_STEMS or not path.parent.name:
        return name_text(path.name)
    return name_text(f"{path.parent.name}/{path.name}")


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
