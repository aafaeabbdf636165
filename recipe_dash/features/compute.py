"""One streaming pass over a dataset that every analyzer shares, cached so reruns cost almost nothing."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from recipe_dash.features.cache import KEY_COLUMNS, PartCache, file_keys, folder_for, to_frame
from recipe_dash.features.executors import Workers, open_executor, start_workers, wrap_executor
from recipe_dash.features.images import (
    CACHED_COLUMNS,
    FILE_KEY_COLUMNS,
    RETURNED_COLUMNS,
    image_features,
    pixel_hashes,
    warm_up,
)
from recipe_dash.features.rows import cached_row_hashes
from recipe_dash.features.stream import chunked, run_chunks
from recipe_dash.io.dataset import Dataset
from recipe_dash.io.names import read_regular
from recipe_dash.settings import get_settings

Progress = Callable[[int, int, str], None]  # (done, total, message)
IMAGE_COLUMNS = (
    "sha256",
    "pixel_hash",
    "phash",
    "dhash",
    "width",
    "height",
    "mode",
    "format",
    "file_bytes",
    "brightness",
    "contrast",
    "blur",
    "decode_error",
    "tiny",
    "gray32",
    "mean_r",
    "mean_g",
    "mean_b",
    "transparency",
    "frames",
    "orientation",
)
IMAGE_DTYPES = {
    "sample_id": "string",
    "sha256": "string",
    "pixel_hash": "string",
    "phash": "Int64",
    "dhash": "Int64",
    "width": "Int64",
    "height": "Int64",
    "mode": "string",
    "format": "string",
    "file_bytes": "Int64",
    "brightness": "float64",
    "contrast": "float64",
    "blur": "float64",
    "decode_error": "string",
    "tiny": "object",
    "gray32": "object",
    "mean_r": "float64",
    "mean_g": "float64",
    "mean_b": "float64",
    "transparency": "boolean",
    "frames": "Int64",
    "orientation": "Int64",
}
FEATURES_VERSION = 5  # bump when a column is added or computed differently: old caches are then ignored
_CACHE_DTYPES = IMAGE_DTYPES | {
    "fingerprint": "string",
    "exact_pixel_hash": "string",
    "size": "Int64",
    "mtime_ns": "Int64",
}
_ARROW_TYPES = {  # what pandas makes of _CACHE_DTYPES, so parts written from pandas and from Arrow agree
    "string": pa.large_string(),
    "Int64": pa.int64(),
    "float64": pa.float64(),
    "object": pa.binary(),
    "boolean": pa.bool_(),
}
_FLUSH_ROWS = 4096  # rows buffered before a part is written (what a cancelled pass keeps)
_MAX_PARTS = 64  # more parts than this are compacted into one (rewriting every pass would cost a write per pass)


def compute_features(
    dataset: Dataset,
    *,
    executor: Executor | Workers | None = None,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
) -> pd.DataFrame:
    """One row per sample, in `dataset.samples` order, `sample_id` first (columns: see the package docstring).

    Image files are decoded once each on `executor` (default: a local process pool; `Workers` from
    `open_executor` can also replace a pool a crashing decoder broke); files whose size and
    modification time match the cache are not read at all.
    """
    cache_dir = cache_dir or get_settings().home / "features"
    if dataset.kind == "table":
        return _table_features(dataset, cache_dir, progress)
    owned: AbstractContextManager[Workers]
    if executor is None:
        owned = open_executor("process")
    else:
        owned = nullcontext(executor if isinstance(executor, Workers) else wrap_executor(executor))
    with owned as workers:
        return _image_features(dataset, cache_dir, workers, progress)


def _image_features(dataset: Dataset, cache_dir: Path, workers: Workers, progress: Progress | None) -> pd.DataFrame:
    samples = dataset.samples
    cache = PartCache(folder_for(cache_dir, f"images-v{FEATURES_VERSION}", dataset.root))
    parts = cache.parts()
    # with nothing cached, no file's status is needed before it is decoded: the workers report it
    keys = file_keys(samples["sample_id"].tolist(), samples["path"].tolist(), stat=bool(parts))
    cached = cache.load(parts)
    fresh = cached.merge(keys[list(KEY_COLUMNS)], on=list(KEY_COLUMNS)) if cached is not None else None
    todo = keys[~keys["sample_id"].isin(fresh["sample_id"])] if fresh is not None else keys
    total, done_before = len(keys), len(keys) - len(todo)
    if progress is not None:
        progress(done_before, total, f"{done_before:,} of {total:,} images cached")
    if len(todo):
        start_workers(workers, warm_up)  # warmed up first, so the workers inherit the compiled code
    written, new_parts, crashed = _decode_missing(todo, cache, workers, progress, done_before, total)
    new = to_frame(pa.concat_tables(written)) if written else None  # one conversion for the whole pass
    merged = pd.concat([f for f in (fresh, new) if f is not None and len(f)], ignore_index=True)
    merged = merged.drop_duplicates("sample_id", keep="last").reset_index(drop=True)
    needs_exact = _needs_exact_hash(merged)
    hashed = _add_exact_pixel_hashes(merged, needs_exact, keys, workers)
    if len(hashed):  # a small part with the updated rows: the newest row of a sample wins on load
        new_parts.append(cache.append(merged.loc[hashed]))
    stale = cached is not None and (fresh is None or len(cached) != len(fresh))  # changed or removed files
    if stale or len(parts) + len(new_parts) > _MAX_PARTS:
        cache.compact(merged, parts + new_parts)
    merged["pixel_hash"] = _pixel_hash(merged, needs_exact)
    merged = pd.concat([merged, *map(to_frame, crashed)], ignore_index=True)  # crashes: retried next time, not cached
    ordered = merged.set_index("sample_id").reindex(samples["sample_id"].to_numpy()).reset_index(names="sample_id")
    return ordered[["sample_id", *IMAGE_COLUMNS]].astype(IMAGE_DTYPES)


def _decode_missing(
    todo: pd.DataFrame, cache: PartCache, workers: Workers, progress: Progress | None, done_before: int, total: int
) -> tuple[list[pa.Table], list[Path], list[pa.Table]]:
    """Decode the files in `todo`, writing a part every few thousand rows (kept even if stopped).

    Returns the rows written to the cache, their part files, and rows of files that crashed
    their worker.
    """
    sample_of = dict(zip(todo["path"].tolist(), todo["sample_id"].tolist(), strict=True))
    buffer: list[tuple[list[str], pa.Table]] = []  # chunks as the workers return them
    written: list[pa.Table] = []
    new_parts: list[Path] = []
    crashed: list[pa.Table] = []
    started = time.monotonic()

    def rows(chunks: list[tuple[list[str], pa.Table]]) -> pa.Table:
        """One table from many chunks, built once per part, in the cache's column order."""
        sample_ids = [sample_of[p] for paths, _ in chunks for p in paths]
        features = pa.concat_tables([table for _, table in chunks])
        return pa.table(
            {"sample_id": pa.array(sample_ids, _arrow_type("sample_id"))}
            | {name: features.column(name) for name in FILE_KEY_COLUMNS}
            | {"exact_pixel_hash": pa.nulls(len(sample_ids), _arrow_type("exact_pixel_hash"))}
            | {name: features.column(name) for name in CACHED_COLUMNS}
        )

    def flush() -> None:
        if buffer:
            frame = rows(buffer)
            new_parts.append(cache.append(frame))
            written.append(frame)
            buffer.clear()

    def on_chunk(paths: list[str], table: pa.Table) -> None:
        buffer.append((paths, table))
        if sum(len(paths) for paths, _ in buffer) >= _FLUSH_ROWS:
            flush()

    def on_crash(path: str, reason: str) -> None:
        columns = {name: [None] for name in RETURNED_COLUMNS} | _crash_columns(path, reason)
        crashed.append(rows([([path], _as_table(columns))]))

    def report(done: int) -> None:
        if progress is not None:
            rate = done / max(time.monotonic() - started, 1e-9)
            progress(done_before + done, total, f"{done_before + done:,} of {total:,} images ({rate:,.0f}/s)")

    task = partial(feature_table, max_pixels=get_settings().max_image_pixels)
    try:
        chunks = chunked(todo["path"].tolist(), workers.n_workers)
        run_chunks(workers, chunks, task, on_chunk=on_chunk, on_crash=on_crash, progress=report)
    finally:
        flush()
    return written, new_parts, crashed


def feature_table(paths: list[str], *, max_pixels: int) -> pa.Table:
    """`image_features` as an Arrow table, made in the worker: it reaches the main process as a few
    buffers instead of thousands of Python objects, and the main process, which shares the cores
    with the workers, has only to join the tables."""
    return _as_table(image_features(paths, max_pixels=max_pixels))


def _as_table(columns: dict[str, list[Any]]) -> pa.Table:
    # Arrow arrays straight from Python ints: going through float64 would round 64-bit hashes
    return pa.table({name: pa.array(columns[name], _arrow_type(name)) for name in RETURNED_COLUMNS})


def _arrow_type(column: str) -> pa.DataType:
    return _ARROW_TYPES[_CACHE_DTYPES[column]]


def _needs_exact_hash(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose fingerprint a file with different bytes shares: only they can be pixel-identical to
    another file. Grouped over those few rows only (a group-by over every row cost a tenth of a
    second at 20k rows)."""
    fingerprint = frame["fingerprint"]
    shared = np.array(fingerprint.notna() & fingerprint.duplicated(keep=False), dtype=bool)  # a copy: written below
    if shared.any():
        n_bytes = frame.loc[shared].groupby("fingerprint")["sha256"].transform("nunique")
        shared[shared] = n_bytes.to_numpy() > 1
    return shared


def _add_exact_pixel_hashes(
    merged: pd.DataFrame, needs_exact: np.ndarray, keys: pd.DataFrame, workers: Workers
) -> pd.Index:
    """Decode again the files that need an exact pixel hash and have none cached; returns their rows."""
    needed = merged.index[needs_exact]
    missing = needed[merged.loc[needed, "exact_pixel_hash"].isna().to_numpy()]
    if missing.empty:
        return missing
    path_of = dict(zip(keys["sample_id"].tolist(), keys["path"].tolist(), strict=True))  # not Arrow item by item
    paths = [path_of[s] for s in merged.loc[missing, "sample_id"]]
    found: dict[str, str | None] = {}
    task = partial(pixel_hashes, max_pixels=get_settings().max_image_pixels)
    run_chunks(
        workers,
        chunked(paths, workers.n_workers),
        task,
        on_chunk=lambda chunk, hashes: found.update(zip(chunk, hashes, strict=True)),
        on_crash=lambda path, _reason: found.update({path: None}),
    )
    merged.loc[missing, "exact_pixel_hash"] = pd.array([found[p] for p in paths], dtype="string")
    return missing


def _pixel_hash(frame: pd.DataFrame, needs_exact: np.ndarray) -> pd.Series:
    """Equal for two images exactly when their decoded pixels (and size and mode) are equal.

    A fingerprint no file with other bytes shares is already unique, so it stands in for the
    exact hash ("f:" prefix); the rest carry their exact hash ("p:" prefix).
    """
    return ("f:" + frame["fingerprint"]).mask(needs_exact, frame["exact_pixel_hash"]).astype("string")


def _crash_columns(path: str, reason: str) -> dict[str, list[Any]]:
    try:
        data = read_regular(path)
    except OSError:
        return {"decode_error": [reason]}
    return {"sha256": [hashlib.sha256(data).hexdigest()], "file_bytes": [len(data)], "decode_error": [reason]}


def _table_features(dataset: Dataset, cache_dir: Path, progress: Progress | None) -> pd.DataFrame:
    """`row_hash` per row, cached per table file (see `cached_row_hashes`)."""
    folder = folder_for(cache_dir, f"table-v{FEATURES_VERSION}", dataset.root, str(dataset.label_column))
    hashes = cached_row_hashes(dataset, folder / "row_hash.parquet")
    if progress is not None:
        progress(dataset.n_samples, dataset.n_samples, f"{dataset.n_samples} rows hashed")
    return pd.DataFrame({"sample_id": dataset.samples["sample_id"].astype("string"), "row_hash": hashes})
