"""Row hashes of a table: equal content, equal hash, so exact duplicate rows are one comparison away.

Cached per table file: a table changes as a whole, so the cache is one column of hashes in file order.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from recipe_dash.io.columns import content_positions, numeric_view
from recipe_dash.io.dataset import Dataset

_MISSING_HASH = np.uint64(0x9E3779B97F4A7C15)


def cached_row_hashes(dataset: Dataset, path: Path) -> np.ndarray:
    """`row_hashes`, kept in `path` and valid while the table file's size and mtime (and the row count) match."""
    status = dataset.root.stat()
    key = {"size": str(status.st_size), "mtime_ns": str(status.st_mtime_ns), "rows": str(dataset.n_samples)}
    hashes = _read_row_hashes(path, key)
    if hashes is None:
        hashes = row_hashes(dataset)
        _write_row_hashes(path, hashes, key)
    return hashes


def row_hashes(dataset: Dataset) -> np.ndarray:
    """int64 hash of each row's content columns (equal rows, equal hashes)."""
    positions = content_positions(dataset)
    if not positions:
        return np.zeros(dataset.n_samples, dtype=np.int64)
    table, parsed = dataset.table, numeric_view(dataset.table)
    with ThreadPoolExecutor(2) as pool:  # NumPy and Arrow release the GIL on whole columns
        hashes = list(pool.map(lambda p: cell_hashes(table.iloc[:, p], parsed[p]), positions))
    return combine_hashes(hashes).view(np.int64)


def cell_hashes(column: pd.Series, numeric: pd.Series | None) -> np.ndarray:
    """uint64 hash per cell: equal values, equal hashes; every missing cell hashes alike.

    `numeric` is `as_numeric(column)`: text that holds numbers is hashed by value ('1.50' equals
    '1.5'), other text once per distinct value. Both keep a million-row table fast: pandas would
    hash every cell's Python string.
    """
    if _is_plain_numeric(column):
        return pd.util.hash_array(column.to_numpy())
    if numeric is None:
        return _text_hashes(column)
    hashes = pd.util.hash_array(numeric.to_numpy())
    words = (numeric.isna() & column.notna()).to_numpy()
    if words.any():
        hashes[words] = _text_hashes(column[words])
    return hashes


def _is_plain_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not isinstance(column.dtype, pd.api.extensions.ExtensionDtype)


def _text_hashes(column: pd.Series) -> np.ndarray:
    codes, distinct = pd.factorize(column)  # Arrow's dictionary encoding for Arrow-backed text
    hashed = pd.util.hash_array(np.asarray(distinct, dtype=object), categorize=False)
    return np.where(codes >= 0, hashed[codes], _MISSING_HASH)


def combine_hashes(hashes: list[np.ndarray]) -> np.ndarray:
    """One uint64 per row from per-column hashes; order matters (pandas' combine step)."""
    combined = np.full(len(hashes[0]), 0x345678, dtype=np.uint64)
    multiplier = np.uint64(1000003)
    for i, column in enumerate(hashes):
        combined ^= column
        combined *= multiplier
        multiplier += np.uint64(82520 + 2 * (len(hashes) - i))
    return combined + np.uint64(97531)


def _read_row_hashes(path: Path, key: dict[str, str]) -> np.ndarray | None:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid):  # absent, or cut short by a crash: recompute
        return None
    stored = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    if any(stored.get(name) != value for name, value in key.items()):
        return None
    return table.column("row_hash").to_numpy()


def _write_row_hashes(path: Path, hashes: np.ndarray, key: dict[str, str]) -> None:
    """Atomically (temporary name, then rename): a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    pq.write_table(
        pa.table({"row_hash": hashes}).replace_schema_metadata(key), partial, compression="none"
    )  # random hashes do not compress; skipping it halves the write
    partial.replace(path)
