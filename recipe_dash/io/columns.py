"""Column typing: which columns hold numbers (also as text), which are ids, which describe the sample."""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recipe_dash.io.dataset import Dataset
from recipe_dash.io.tabular import SPLIT_COLUMN

_ID_NAME = re.compile(r"(^|[\s_.-])(id|uuid|guid|key|index)$|^(id|uuid|guid)([\s_.-]|$)|^unnamed: 0$", re.IGNORECASE)
NUMERIC_SHARE = 0.9  # a text column is read as numeric when this share of its filled cells parse as numbers
SAMPLE_CELLS = 2000  # cells looked at first to tell a text column from a numeric one
_NUMBER = r"^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[iI]nf(inity)?|INF|[nN]a[nN]|NAN)$"
T = TypeVar("T")


def per_table(compute: Callable[[pd.DataFrame], T]) -> Callable[[pd.DataFrame], T]:
    """Cache `compute(table)` while `table` lives: every table check asks for the same column facts.

    Keyed by identity with a weak reference, so a dropped table frees its entry (an LRU cache
    would keep the last tables, hundreds of MB each, alive in a long-running app).
    """
    cache: dict[int, tuple[weakref.ref[pd.DataFrame], T]] = {}

    @functools.wraps(compute)
    def cached(table: pd.DataFrame) -> T:
        key = id(table)
        entry = cache.get(key)
        if entry is not None and entry[0]() is table:
            return entry[1]
        value = compute(table)
        cache[key] = (weakref.ref(table, lambda _, key=key: cache.pop(key, None)), value)  # type: ignore[misc]
        return value

    return cached


@per_table
def identifier_columns(table: pd.DataFrame) -> tuple[str, ...]:
    """Columns named like an id (record_id, uuid, Unnamed: 0) whose values are all distinct.

    They differ between copies of the same record, so duplicate checks ignore them.
    """
    names = []
    for position, name in enumerate(table.columns):
        if not _ID_NAME.search(str(name)):
            continue
        column = table.iloc[:, position]
        if column.notna().all() and _all_distinct(column):
            names.append(str(name))
    return tuple(names)  # shared by every caller through the cache: immutable


def _all_distinct(column: pd.Series) -> bool:
    """`is_unique`, counting instead of hashing for integers in a narrow range (ids usually are)."""
    if pd.api.types.is_integer_dtype(column) and len(column):
        values = column.to_numpy(dtype=np.int64)
        low, high = int(values.min()), int(values.max())
        if high - low < 4 * len(values):
            return bool(np.bincount(values - low).max() <= 1)
    return bool(column.is_unique)


def content_positions(dataset: Dataset) -> list[int]:
    """Positions of the columns that describe a sample: all but label, split and identifier columns."""
    table = dataset.table
    skipped = {str(dataset.label_column), *identifier_columns(table)}
    return [i for i, name in enumerate(table.columns) if str(name) not in skipped and str(name).lower() != SPLIT_COLUMN]


def as_numeric(column: pd.Series) -> pd.Series | None:
    """The column as float64 if it is numeric, or text that is mostly numbers; else None.

    Cells that do not parse become NaN; compare with the original to find them.
    """
    if pd.api.types.is_bool_dtype(column):
        return None
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64")
    if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
        return None
    sample = sample_cells(column).dropna()  # sampled before dropping holes: no copy of a million cells
    if len(sample) < SAMPLE_CELLS // 10:  # mostly holes: sample among the filled cells
        sample = sample_cells(column.dropna())
    if sample.empty or numeric_share(sample) < NUMERIC_SHARE / 2:  # clearly text: skip parsing every cell
        return None
    parsed = to_float(column)
    return parsed if parsed.notna().sum() >= NUMERIC_SHARE * column.notna().sum() else None


def sample_cells(cells: pd.Series) -> pd.Series:
    """A fixed random sample of at most SAMPLE_CELLS cells (not the head: files are often sorted)."""
    if len(cells) <= SAMPLE_CELLS:
        return cells
    return cells.iloc[np.sort(np.random.default_rng(0).choice(len(cells), SAMPLE_CELLS, replace=False))]


def numeric_share(filled: pd.Series) -> float:
    """Share of (non-missing) cells that parse as numbers."""
    return float(to_float(filled).notna().mean()) if len(filled) else 0.0


def to_float(column: pd.Series) -> pd.Series:
    """Text cells as float64; NaN where a cell is not a number (surrounding spaces allowed).

    Arrow parses the cells its number pattern accepts, about ten times faster than pandas'
    `to_numeric` on a million cells; anything unusual goes to `to_numeric`.
    """
    try:
        chunks = pa.chunked_array(pa.array(column, type=pa.string(), from_pandas=True)).chunks
        with ThreadPoolExecutor(2) as pool:  # Arrow releases the GIL: file blocks parse side by side
            numbers = pa.chunked_array(list(pool.map(_parse_numbers, chunks)), type=pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pd.to_numeric(column.astype(object), errors="coerce").astype("float64")
    return pd.Series(numbers.to_numpy(), index=column.index, dtype="float64")


def _parse_numbers(text: pa.Array) -> pa.Array:
    text = pc.utf8_trim_whitespace(text)
    return pc.cast(pc.if_else(pc.match_substring_regex(text, _NUMBER), text, None), pa.float64())


@per_table
def numeric_view(table: pd.DataFrame) -> tuple[pd.Series | None, ...]:
    """`as_numeric` of every column by position, parsed once per table (analyzers share it)."""
    return tuple(as_numeric(table.iloc[:, position]) for position in range(table.shape[1]))
