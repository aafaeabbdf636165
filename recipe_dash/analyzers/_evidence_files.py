"""A check's large evidence (per-sample scores) as Parquet files beside the store; the store keeps a reference.

An outliers run on a 500k-row table held ~25 MB of per-sample JSON in the store's `details` column;
a store of a few such datasets then weighed hundreds of MB, slow to back up and to read. As training
runs do, the frames go to files under RECIPE_DASH_HOME (shared by every server of a PostgreSQL store),
one folder per save; the folder of a result that a newer run replaced is deleted.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from recipe_dash.settings import get_settings

INLINE_ROWS = 1_000  # frames up to this many rows (histograms, per-class tables) stay in the JSON
_KEY = "parquet"  # a reference is {"parquet": path relative to RECIPE_DASH_HOME, "rows": n}


class EvidenceFolder:
    """Where one save of a dataset's results writes its frames: evidence/dataset-<id>/<job>-<random>/."""

    def __init__(self, dataset_id: int, job_id: int | None, *, inline_rows: int | None = None) -> None:
        batch = f"job-{job_id}" if job_id is not None else "inline"
        self.path = _root() / f"dataset-{dataset_id}" / f"{batch}-{uuid.uuid4().hex[:8]}"
        self.inline_rows = INLINE_ROWS if inline_rows is None else inline_rows

    def spill(self, check: str, field_path: str, frame: pd.DataFrame) -> dict[str, Any] | None:
        """Write a large frame to Parquet and return its reference; None keeps it inline (small, or a
        frame Parquet cannot hold, such as a column mixing numbers and text)."""
        if len(frame) <= self.inline_rows:
            return None
        target = self.path / f"{check}.{field_path}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            frame.set_axis([str(c) for c in frame.columns], axis=1).to_parquet(target, index=False)
        except (pa.ArrowException, ValueError, TypeError):
            target.unlink(missing_ok=True)
            return None
        return {_KEY: target.relative_to(get_settings().home).as_posix(), "rows": len(frame)}

    def discard(self) -> None:
        """Remove what this save wrote (its transaction failed)."""
        shutil.rmtree(self.path, ignore_errors=True)


def load_frame(reference: dict[str, Any]) -> pd.DataFrame:
    """Read a spilled frame back. Raises KeyError when the file is gone (the page then asks for a new run)."""
    path = _inside_root(reference.get(_KEY))
    if path is None or not path.exists():
        raise KeyError(f"evidence file {reference.get(_KEY)!r} is missing")
    return pd.read_parquet(path)


def references(details: Any) -> Iterator[str]:
    """Every frame reference inside a stored `details` JSON value."""
    if isinstance(details, dict):
        if isinstance(details.get(_KEY), str):
            yield details[_KEY]
            return
        for value in details.values():
            yield from references(value)
    elif isinstance(details, list):
        for value in details:
            yield from references(value)


def remove(paths: Iterable[str]) -> None:
    """Delete superseded evidence files, then their folders once empty; paths outside evidence/ are ignored."""
    folders = set()
    for relative in paths:
        path = _inside_root(relative)
        if path is not None:
            path.unlink(missing_ok=True)
            folders.add(path.parent)
    for folder in folders:
        for empty in (folder, folder.parent):
            try:
                empty.rmdir()
            except OSError:  # not empty (another save's files) or already gone
                break


def _root() -> Path:
    return get_settings().home / "evidence"


def _inside_root(relative: object) -> Path | None:
    """The file a reference names, only if it lies under RECIPE_DASH_HOME/evidence (a reference is data)."""
    if not isinstance(relative, str):
        return None
    path = (get_settings().home / relative).resolve()
    return path if path.is_relative_to(_root().resolve()) else None
