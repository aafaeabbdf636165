"""Per-row features of a table, and which columns describe the sample (not its label, split or id)."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from recipe_dash.io.dataset import Dataset
from recipe_dash.io.tabular import SPLIT_COLUMN

_ID_NAME = re.compile(r"(^|[\s_.-])(id|uuid|guid|key|index)$|^(id|uuid|guid)([\s_.-]|$)|^unnamed: 0$", re.IGNORECASE)
NUMERIC_SHARE = 0.9  # a text column is read as numeric when this share of its filled cells parse as numbers
SAMPLE_CELLS = 2000  # cells looked at first to tell a text column from a numeric one


def identifier_columns(table: pd.DataFrame) -> list[str]:
    """Columns named like an id (record_id, uuid, Unnamed: 0) whose values are all distinct.

    They differ between copies of the same record, so duplicate checks ignore them.
    """
    names = []
    for position, name in enumerate(table.columns):
        column = table.iloc[:, position]
        if _ID_NAME.search(str(name)) and column.notna().all() and column.is_unique:
            names.append(str(name))
    return names


def content_positions(dataset: Dataset) -> list[int]:
    """Positions of the columns that describe a sample: all but label, split and identifier columns."""
    table = dataset.table
    skipped = {str(dataset.label_column), *identifier_columns(table)}
    return [
        i for i, name in enumerate(table.columns)
        if str(name) not in skipped and str(name).lower() != SPLIT_COLUMN
    ]


def row_hashes(dataset: Dataset) -> np.ndarray:
    """int64 hash of each row's content columns (equal rows, equal hashes)."""
    content = dataset.table.iloc[:, content_positions(dataset)]
    if content.shape[1] == 0:
        return np.zeros(len(content), dtype=np.int64)
    content = content.set_axis(range(content.shape[1]), axis=1)  # duplicated names hash by position
    hashes: np.ndarray = pd.util.hash_pandas_object(content, index=False).to_numpy().view(np.int64)
    return hashes


def as_numeric(column: pd.Series) -> pd.Series | None:
    """The column as float64 if it is numeric, or text that is mostly numbers; else None.

    Cells that do not parse become NaN; compare with the original to find them.
    """
    if pd.api.types.is_bool_dtype(column):
        return None
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64")
    filled = column.dropna()
    if filled.empty or not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
        return None
    if numeric_share(sample_cells(filled)) < NUMERIC_SHARE / 2:  # clearly text: skip parsing every cell
        return None
    parsed = _to_float(column)
    return parsed if parsed.notna().sum() >= NUMERIC_SHARE * len(filled) else None


def sample_cells(filled: pd.Series) -> pd.Series:
    """A fixed random sample of at most SAMPLE_CELLS cells (not the head: files are often sorted)."""
    return filled if len(filled) <= SAMPLE_CELLS else filled.sample(SAMPLE_CELLS, random_state=0)


def numeric_share(filled: pd.Series) -> float:
    """Share of (non-missing) cells that parse as numbers."""
    return float(_to_float(filled).notna().mean()) if len(filled) else 0.0


def _to_float(column: pd.Series) -> pd.Series:
    as_text = column if pd.api.types.is_object_dtype(column) else column.astype(object)
    return pd.to_numeric(as_text, errors="coerce").astype("float64")


def numeric_view(table: pd.DataFrame) -> list[pd.Series | None]:
    """`as_numeric` of every column by position, parsed once per table (analyzers share it)."""
    return _numeric_view(_Identity(table))


class _Identity:
    """Hashes a frame by identity, so the cache below holds the last tables seen, not copies."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = table

    def __hash__(self) -> int:
        return id(self.table)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identity) and other.table is self.table


@lru_cache(maxsize=2)
def _numeric_view(key: _Identity) -> list[pd.Series | None]:
    return [as_numeric(key.table.iloc[:, position]) for position in range(key.table.shape[1])]
