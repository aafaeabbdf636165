"""Pairs of table rows that differ only by tiny numeric jitter, found by a grid join, not all pairs.

Rows are compared on their content columns: numeric columns are centred and divided by a robust
scale, and the distance is the root-mean-square of the scaled differences (so 0.01 means "1% of
a typical spread per column"). Text columns and the pattern of missing cells must match exactly.
A random orthonormal projection to a few dimensions never lengthens a difference, so a radius
join there returns every true pair (and some extra, removed by the full check).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from recipe_dash.analyzers._robust import median_iqr
from recipe_dash.errors import DataError
from recipe_dash.features.rows import cell_hashes, combine_hashes
from recipe_dash.io.columns import numeric_view

_COMPARED_DIMS = 6  # rotated axes compared in the join; pairs that pass all six are rare, then checked on all
_GRID_DIMS = 3  # of which the grid sorts on three
_MAX_COMPARISONS_PER_ROW = 500  # beyond this the threshold pairs up most of the table: refuse, say why
_ANY_TABLE_COMPARISONS = 2e7  # ...unless the whole join is this small (well under a second)
_SCALE_SAMPLE = 100_000
_SEED = 0


def scaled_numeric(table: pd.DataFrame, positions: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(values, key) for the columns at `positions`: robust-scaled numeric columns (missing -> 0),
    and a hash per row of everything that must match exactly (text columns, which numeric cells
    are missing or infinite)."""
    parsed = numeric_view(table)
    numeric = [parsed[p] for p in positions if parsed[p] is not None]
    values = np.zeros((len(table), len(numeric)), dtype=np.float32, order="F")  # one contiguous run per column
    sample = _scale_sample(len(table))
    with ThreadPoolExecutor(2) as pool:  # NumPy releases the GIL on whole columns
        scaled = list(pool.map(lambda i: _scale_into(numeric[i], sample, values[:, i]), range(len(numeric))))
    varying = [i for i, (varies, _) in enumerate(scaled) if varies]  # a constant column carries no distance
    exact = [cell_hashes(table.iloc[:, p], None) for p in positions if parsed[p] is None]
    exact += [missing.view(np.uint8).astype(np.uint64) for _, missing in scaled if missing.any()]
    key = combine_hashes(exact) if exact else np.zeros(len(table), dtype=np.uint64)
    return (values if len(varying) == len(numeric) else values[:, varying]), key


def _scale_into(series: pd.Series, sample: np.ndarray | None, out: np.ndarray) -> tuple[bool, np.ndarray]:
    """Write the robust-scaled column into `out` (0 where not finite); (whether it varies, where
    it is missing or infinite)."""
    column = series.to_numpy(dtype=np.float64)  # may be the table's own memory: never written
    finite = np.isfinite(column)
    centre, scale = _robust_centre_scale(column, finite, sample)
    if scale > 0.0:
        np.subtract(column, centre, out=out, casting="same_kind")
        out /= scale
        out[~finite] = 0.0
    return scale > 0.0, ~finite


def near_rows(
    values: np.ndarray,
    key: np.ndarray,
    max_rms: float,
    *,
    rows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) among `rows` (default: all) with equal `key` and RMS scaled difference <= max_rms,
    with that distance.

    The rows are rotated (a rotation keeps every distance), joined on a grid over three rotated axes
    and compared on six; the rare pairs left are checked exactly on all columns.
    Raises DataError when the threshold is so wide for this data that most rows would pair up.
    """
    from recipe_dash.analyzers._search.grid_join import build_grid  # compiled code: loaded when rows are compared

    rows = np.arange(len(values)) if rows is None else rows
    n_rows, n_dims = len(rows), values.shape[1]
    empty = np.empty(0, dtype=np.int64)
    if n_rows < 2 or n_dims == 0:
        return empty, empty, np.empty(0)
    radius = max_rms * np.sqrt(n_dims)  # RMS <= max_rms  <=>  Euclidean <= max_rms * sqrt(n_dims)
    radius = radius * 1.001 + 1e-5  # float32 rounding in the rotation; the exact check at the end decides
    rotation = np.linalg.qr(np.random.default_rng(_SEED).standard_normal((n_dims, n_dims)))[0].astype(np.float32)
    rotated = np.take(values @ rotation[:, : min(n_dims, _COMPARED_DIMS)], rows, axis=0)  # 6 columns, not all
    # the grid takes the last axes; the check starts on the others, where a candidate is usually far off
    grid = build_grid(rotated[:, -_GRID_DIMS:], pd.factorize(key[rows])[0], radius)
    per_row = grid.comparisons_per_row()
    if per_row > _MAX_COMPARISONS_PER_ROW and per_row * n_rows > _ANY_TABLE_COMPARISONS:
        raise DataError(
            f"The near-duplicate threshold {max_rms:.3g} is so wide for this table that a typical row would be "
            f"compared with {per_row:.0f} others; lower the threshold (max_jitter)."
        )
    left, right = (rows[side] for side in grid.pairs(rotated, radius))
    distance = np.sqrt(((values[left] - values[right]) ** 2).mean(axis=1, dtype=np.float64))
    keep = distance <= max_rms
    return np.minimum(left, right)[keep], np.maximum(left, right)[keep], distance[keep]


def _scale_sample(n_rows: int) -> np.ndarray | None:
    """Fixed rows on which large columns are scaled (the scale only has to be the same for every row)."""
    if n_rows <= _SCALE_SAMPLE:
        return None
    return np.sort(np.random.default_rng(_SEED).choice(n_rows, _SCALE_SAMPLE, replace=False))


def _robust_centre_scale(column: np.ndarray, finite: np.ndarray, sample: np.ndarray | None) -> tuple[float, float]:
    """Median and interquartile range of the finite values, else their standard deviation, else 0
    (a constant column); on the `sample` rows when they hold enough finite values."""
    values = column[sample][finite[sample]] if sample is not None else column[finite]
    if sample is not None and values.size < _SCALE_SAMPLE // 10:  # a mostly empty column: use all it has
        values = column[finite]
    median, iqr = median_iqr(values)
    return median, iqr or (float(values.std()) if values.size else 0.0)
