"""Image folders (`root/<class>/...`, optionally `root/<split>/<class>/...`) listed without decoding."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from recipe_dash.errors import DataError
from recipe_dash.io.dataset import DEFAULT_SPLIT, Dataset, natural_key, sorted_classes
from recipe_dash.io.names import name_text, path_text, shown

IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm"}
)
# Folder names read as splits, and the name each is known by.
SPLIT_ALIASES = {"train": "train", "test": "test", "val": "val", "valid": "val", "validation": "val"}
_IGNORED_NAMES = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"})


def load_images(root: Path, *, source: Path | None = None, name: str | None = None) -> Dataset:
    """List every image of a class-folder tree; decoding waits until a sample is looked at."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"'{shown(path_text(root))}' is not a folder. Point at a folder with one subfolder per class.")
    folders = _subfolders(root)
    split_folders = {f: SPLIT_ALIASES[f.name.lower()] for f in folders if f.name.lower() in SPLIT_ALIASES}
    notes: list[str] = []
    records: list[tuple[str, str, str, int, str]] = []
    if split_folders:
        for other in sorted(set(folders) - set(split_folders)):
            notes.append(
                f"Skipped folder '{shown(name_text(other.name))}': not a split (expected {', '.join(SPLIT_ALIASES)})."
            )
        for folder, split in sorted(split_folders.items()):
            _collect(root, folder, split, records, notes)
    else:
        _collect(root, root, DEFAULT_SPLIT, records, notes)
    if not records:
        raise DataError(
            f"No images found in '{shown(path_text(root))}'. Expected one subfolder per class, e.g. "
            f"'{shown(name_text(root.name))}/cat/1.png', optionally under train/ and test/ folders."
        )
    records.sort(key=lambda record: natural_key(record[0]))
    ids, labels, splits, sizes, paths = zip(*records, strict=True)
    samples = pd.DataFrame(
        {
            "sample_id": pd.array(ids, dtype="string"),
            "label": pd.array(labels, dtype="string"),
            "split": pd.array(splits, dtype="string"),
            # Python objects: a real path may hold bytes that are not UTF-8, which Arrow strings refuse
            "path": pd.Series(paths, dtype=object),
            "bytes": np.array(sizes, dtype=np.int64),
        }
    )
    empty = int((samples["bytes"] == 0).sum())
    if empty:
        notes.append(f"{empty} zero-byte image file(s) kept as samples; the corruption check lists them.")
    return Dataset(
        kind="image",
        name=name or name_text(root.name),
        source=Path(source or root),
        root=root,
        samples=samples,
        class_names=sorted_classes(samples["label"]),
        load_notes=tuple(notes),
    )


def _subfolders(folder: Path) -> list[Path]:
    return sorted(
        (Path(e.path) for e in os.scandir(folder) if e.is_dir(follow_symlinks=False) and e.name not in _IGNORED_NAMES),
        key=lambda p: natural_key(p.name),
    )


def _collect(
    root: Path, folder: Path, split: str, records: list[tuple[str, str, str, int, str]], notes: list[str]
) -> None:
    """Append (sample_id, label, split, bytes, path) for every image below each class folder of `folder`.

    Ids and labels are `name_text` of the names (valid Unicode whatever the bytes); `path` is the real path.

    Plain os.scandir and string paths: pathlib costs seconds per 100k files.
    """
    class_folders = _subfolders(folder)
    where = shown(name_text(folder.name))
    stray = [e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False) and e.name not in _IGNORED_NAMES]
    if stray:
        notes.append(f"Skipped {len(stray)} file(s) directly in '{where}/' (not in a class folder).")
    if not class_folders:
        raise DataError(
            f"'{shown(path_text(folder))}' has no class subfolders. Put each class's images in its own folder, "
            f"e.g. '{where}/cat/1.png' and '{where}/dog/2.png'."
        )
    skipped: list[str] = []
    special: list[str] = []
    prefix_length = len(str(root)) + 1
    for class_folder in class_folders:
        label = name_text(class_folder.name)
        pending = [str(class_folder)]
        while pending:
            for entry in os.scandir(pending.pop()):
                if entry.name in _IGNORED_NAMES or entry.name.startswith("._"):
                    continue
                rel = name_text(entry.path[prefix_length:].replace(os.sep, "/"))
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.is_symlink() or os.path.splitext(entry.name)[1].lower() not in IMAGE_EXTENSIONS:
                    skipped.append(rel)
                elif not entry.is_file(follow_symlinks=False):  # a pipe, socket or device: opening it could hang
                    special.append(rel)
                else:
                    records.append((rel, label, split, entry.stat(follow_symlinks=False).st_size, entry.path))
    if skipped:
        notes.append(f"Skipped {len(skipped)} non-image file(s) or link(s) under '{where}/': {_listed(skipped)}")
    if special:
        notes.append(
            f"Skipped {len(special)} named pipe(s), socket(s) or device(s) under '{where}/' (not regular files, "
            f"never opened): {_listed(special)}"
        )


def _listed(names: list[str]) -> str:
    return ", ".join(shown(n) for n in sorted(names)[:5]) + (" ..." if len(names) > 5 else "")
