"""A user's own embedding instead of ours: a set of table columns, or a .npy / Parquet file of vectors.

A .npy file has no ids, so it must hold one row per sample in the dataset's sample order; a Parquet
file carries a `sample_id` column and is matched by id, in any order. Every sample needs a vector:
a check that silently scored a subset would hide exactly the samples the user forgot.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from recipe_dash.errors import DataError, OptionError
from recipe_dash.io.columns import as_numeric
from recipe_dash.io.dataset import Dataset

EmbeddingSource = str | Path | Sequence[str]  # a file path, or the names of table columns
_ID = "sample_id"


def check_embedding(value: object) -> None:
    """None, a file path, or a non-empty list of column names; checked before any work (the file is read later)."""
    if value is None or isinstance(value, str | Path):
        return
    names = list(value) if isinstance(value, Sequence) else None
    if not names or not all(isinstance(n, str) and n for n in names):
        raise OptionError(f"embedding must be a .npy or Parquet path, or a list of table column names, got {value!r}.")


def embedding_from_text(text: str) -> EmbeddingSource:
    """Read an embedding as typed on a command line or in a form: a .npy/Parquet path, or `col1,col2,...`."""
    text = text.strip()
    if Path(text).suffix.lower() in {".npy", ".parquet", ".pq"}:
        return Path(text).expanduser()
    return [column.strip() for column in text.split(",") if column.strip()]


def load_embedding(dataset: Dataset, source: EmbeddingSource) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(vectors for the samples that have one, which samples have one, feature names)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise DataError(f"Embedding file '{path}' does not exist. Give a .npy or Parquet file of vectors.")
        if path.suffix.lower() == ".npy":
            return _from_npy(dataset, path)
        if path.suffix.lower() in {".parquet", ".pq"}:
            return _from_parquet(dataset, path)
        raise DataError(f"Embedding file '{path.name}' is neither .npy nor Parquet (.parquet). Save it as one of them.")
    return _from_columns(dataset, list(source))


def _from_columns(dataset: Dataset, columns: list[str]) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    if dataset.kind != "table":
        raise DataError("An embedding given as column names needs a table; for images give a .npy or Parquet file.")
    if not columns:
        raise DataError("The embedding names no columns. Give at least one numeric column.")
    table = dataset.table
    unknown = [c for c in columns if c not in table.columns]
    if unknown:
        raise DataError(
            f"Embedding column(s) {', '.join(map(repr, unknown))} are not in '{dataset.name}'. "
            f"Columns: {', '.join(map(str, table.columns))}."
        )
    parsed = {c: as_numeric(table[c]) for c in columns}
    text = [c for c, values in parsed.items() if values is None]
    if text:
        raise DataError(f"Embedding column(s) {', '.join(map(repr, text))} are not numeric. Give numeric columns.")
    vectors = np.column_stack([values.to_numpy(dtype=np.float64, na_value=np.nan) for values in parsed.values()])  # type: ignore[union-attr]
    rows = np.isfinite(vectors).all(axis=1)
    if not rows.any():
        raise DataError("Every row has an empty or non-numeric cell in the embedding columns; no row can be used.")
    return vectors[rows], rows, tuple(columns)


def _from_npy(dataset: Dataset, path: Path) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise DataError(f"'{path.name}' is not a readable .npy array ({err}).") from None
    if vectors.ndim != 2 or not np.issubdtype(vectors.dtype, np.number):
        raise DataError(
            f"'{path.name}' holds a {vectors.ndim}-d {vectors.dtype} array; an embedding is a 2-d "
            "numeric array with one row per sample."
        )
    if len(vectors) != dataset.n_samples:
        raise DataError(
            f"'{path.name}' has {len(vectors)} rows but the dataset has {dataset.n_samples} samples. A .npy "
            "embedding needs one row per sample in sample order; use Parquet with a sample_id column to match by id."
        )
    return _finite(vectors.astype(np.float64), path), np.ones(len(vectors), dtype=bool), _names(vectors.shape[1])


def _from_parquet(dataset: Dataset, path: Path) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as err:  # pyarrow raises several unrelated types for a broken file
        raise DataError(f"'{path.name}' is not a readable Parquet file: {err}") from None
    if _ID not in frame.columns:
        raise DataError(f"'{path.name}' has no '{_ID}' column. Add one with the dataset's sample ids.")
    ids = frame[_ID].astype("string")
    if ids.duplicated().any():
        raise DataError(f"'{path.name}' lists sample id '{ids[ids.duplicated()].iloc[0]}' more than once.")
    vectors, names = _parquet_vectors(frame.drop(columns=[_ID]), path)
    position = pd.Index(ids).get_indexer(dataset.sample_ids.astype("string"))
    matched = int((position >= 0).sum())
    if matched < dataset.n_samples:
        missing = dataset.sample_ids[position < 0].head(3).tolist()
        raise DataError(
            f"'{path.name}' has vectors for {matched} of the {dataset.n_samples} samples ({len(ids)} ids in the "
            f"file); no vector for e.g. {', '.join(map(repr, missing))}. Sample ids are paths relative to the "
            "dataset folder (images) or 0-based row numbers (tables)."
        )
    return _finite(vectors[position], path), np.ones(dataset.n_samples, dtype=bool), names


def _parquet_vectors(frame: pd.DataFrame, path: Path) -> tuple[np.ndarray, tuple[str, ...]]:
    """Numeric columns, or one column holding a list per row."""
    if frame.shape[1] == 1 and frame.iloc[:, 0].map(lambda v: isinstance(v, (list, np.ndarray))).all():
        lengths = frame.iloc[:, 0].map(len)
        if lengths.nunique() != 1:
            raise DataError(f"'{path.name}': the vectors in column '{frame.columns[0]}' differ in length.")
        return np.stack(frame.iloc[:, 0].to_numpy()).astype(np.float64), _names(int(lengths.iloc[0]))
    text = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if text or frame.shape[1] == 0:
        raise DataError(
            f"'{path.name}' needs numeric vector columns besides '{_ID}'"
            + (f"; not numeric: {', '.join(text[:5])}." if text else ".")
        )
    return frame.to_numpy(dtype=np.float64), tuple(map(str, frame.columns))


def _finite(vectors: np.ndarray, path: Path) -> np.ndarray:
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        raise DataError(
            f"'{path.name}' has NaN or infinite values in {int(bad.sum())} row(s), e.g. row "
            f"{int(np.flatnonzero(bad)[0])}. Fill or drop them."
        )
    return vectors


def _names(width: int) -> tuple[str, ...]:
    return tuple(f"embedding[{i}]" for i in range(width))
