"""Which dataset a user is looking at: open, record and reopen datasets through the store."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from recipe_dash.errors import DataError
from recipe_dash.io import Dataset, load_dataset, name_path, path_text
from recipe_dash.store import DatasetRecord, Store

OPEN_DATASET_ENV = "RECIPE_DASH_OPEN_DATASET"  # set by `recipe-dash app PATH` for the first page view


def open_dataset(store: Store, path: str | Path, *, label_column: str | None = None) -> tuple[int, Dataset]:
    """Load fully first, then record: a dataset that fails to load leaves no record behind."""
    dataset = load_dataset(path, label_column=label_column)
    return store.record_dataset(dataset), dataset


def reopen(store: Store, dataset_id: int) -> Dataset:
    record = store.dataset(dataset_id)
    if record is None:
        raise DataError(f"Dataset #{dataset_id} is not in the store. Load it again.")
    return load_dataset(name_path(record.source), label_column=record.label_column)


def recorded_id(store: Store, dataset: Dataset) -> int | None:
    """The id the store gave this dataset (same source and label column), without recording it; None if new."""
    source = path_text(dataset.source.resolve())  # as Store.record_dataset writes it
    with store.session() as session:
        return session.scalar(
            select(DatasetRecord.id).where(
                DatasetRecord.source == source, DatasetRecord.label_column == dataset.label_column
            )
        )


def default_dataset_id(store: Store) -> int | None:
    """The dataset named at start-up, else the one opened most recently, else none."""
    named = os.environ.get(OPEN_DATASET_ENV, "")
    if named.isdigit() and store.dataset(int(named)) is not None:
        return int(named)
    records = store.datasets()
    return records[0].id if records else None
