"""Every pair of points closer than a radius, by a sweep over grid columns in compiled code.

Rows are sorted into columns of a grid (cells at least one radius wide on up to two axes) and, within
a column, along a third axis. A pair within the radius sits in the same or a neighbouring column and
within one radius on the sweep axis, so each row is compared with a handful of others, read in
memory order. Over a million rows this is about 2.5 times faster than a k-d tree self-join, whose time
goes into walking the tree rather than into the few comparisons that matter.

The loops are compiled by Numba (cached on disk after the first run), since NumPy has no radius join
and a Python loop over a million rows would take minutes.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np

_GRID_AXES = 3  # the sweep axis and up to two column axes
_CLIP_QUANTILE = 0.0005  # beyond these quantiles rows share the edge cells: outliers cannot blow up the grid
_QUANTILE_SAMPLE = 100_000
_MAX_COLUMNS = 1 << 31  # column ids and sweep positions share one int64 sort key
_SWEEP_STEPS_PER_RADIUS = 32  # sweep positions this fine widen the compared window by 1/16 only
_RADIX_BITS = 11  # 2,048 buckets: the counts stay in the first-level cache
_PARALLEL_ROWS = 100_000  # below this one thread is quicker than two
_SEED = 0


@dataclass(frozen=True)
class Grid:
    """Rows sorted by (group, column, sweep position), ready for a radius join."""

    order: np.ndarray  # row index at each sorted position
    keys: np.ndarray  # sorted int64 keys: column id in the high bits, sweep position in the low `sweep_bits`
    sweep_bits: int
    window: int  # a radius on the sweep axis, in key units (rounded up)
    column_strides: tuple[int, ...]  # key-column step of one cell along each column axis

    def comparisons_per_row(self, sample_size: int = 1000) -> float:
        """Mean number of rows a row is compared with, estimated from a sample of rows (cheap, no join)."""
        rows = np.random.default_rng(_SEED).choice(len(self.keys), size=min(len(self.keys), sample_size), replace=False)
        keys = self.keys[rows]
        column = keys >> self.sweep_bits
        total = np.zeros(len(rows), dtype=np.int64)
        for offset in _neighbour_offsets(self.column_strides, forward_only=False):
            first = (column + offset) << self.sweep_bits
            low = np.maximum(keys + (offset << self.sweep_bits) - self.window, first)
            high = np.minimum(keys + (offset << self.sweep_bits) + self.window, first + (1 << self.sweep_bits) - 1)
            total += np.searchsorted(self.keys, high, side="right") - np.searchsorted(self.keys, low, side="left")
        return float(total.mean()) - 1.0  # a row is not compared with itself

    def pairs(self, points: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
        """Row pairs (left, right) whose `points` (n, k) are within `radius` (Euclidean on all k axes,
        compared in that order). The grid's axes should be among them, or the check is loose."""
        sorted_points = np.take(np.ascontiguousarray(points, dtype=np.float32), self.order, axis=0)
        column = self.keys >> self.sweep_bits
        starts = np.r_[0, np.flatnonzero(column[1:] != column[:-1]) + 1, len(column)]
        column_ids = column[starts[:-1]]
        offsets = np.array(_neighbour_offsets(self.column_strides, forward_only=True), dtype=np.int64)
        args = (self.keys, self.sweep_bits, starts, column_ids, sorted_points, radius * radius, self.window, offsets)
        halves = _split_columns(starts, 2 if len(self.keys) >= _PARALLEL_ROWS else 1)
        with ThreadPoolExecutor(len(halves)) as pool:  # the compiled loop releases the GIL
            found = list(pool.map(lambda span: _sweep(*args, *span), halves))
        left = np.concatenate([f[0] for f in found])
        right = np.concatenate([f[1] for f in found])
        return self.order[left], self.order[right]


def build_grid(points: np.ndarray, group: np.ndarray, radius: float) -> Grid:
    """Sort rows for a join within `radius` on the first (up to) three columns of `points`; rows of
    different `group` (dense codes 0..g-1) are never paired."""
    n_rows = len(points)
    n_groups = int(group.max()) + 1 if n_rows else 1
    axes = min(points.shape[1], _GRID_AXES)
    sample = points[:: max(1, n_rows // _QUANTILE_SAMPLE), :axes].astype(np.float64)
    bounds = np.array([_clip_bounds(sample[:, axis], radius) for axis in range(axes)])
    per_axis_cells = max(1, int((_MAX_COLUMNS / n_groups) ** (1.0 / max(axes - 1, 1))) - 2)
    width = bounds[:, 1] - bounds[:, 0]
    n_cells = np.minimum(per_axis_cells, np.maximum(1, (width / (radius * (1.0 + 1e-6))).astype(np.int64)))
    n_cells[0] = 1  # the sweep axis is not cut into cells: rows are sorted along it
    sizes = n_cells + 2  # an empty cell either side of each column axis: neighbours never wrap
    strides = tuple(int(np.prod(sizes[axis + 1 :])) for axis in range(1, axes))
    column_bits = max(n_groups * int(np.prod(sizes[1:])) - 1, 1).bit_length()
    resolution = max(radius / _SWEEP_STEPS_PER_RADIUS, width[0] / float((1 << (62 - column_bits)) - 1))
    sweep_bits = int(width[0] / resolution).bit_length()
    keys = _grid_keys(points, group.astype(np.int64), bounds, n_cells / width, sizes, resolution, sweep_bits)
    order, keys = _radix_argsort(keys, column_bits + sweep_bits)
    return Grid(order, keys, sweep_bits, int(radius / resolution) + 2, strides)


@numba.njit(cache=True, nogil=True)
def _grid_keys(
    points: np.ndarray,
    group: np.ndarray,
    bounds: np.ndarray,
    cells_per_unit: np.ndarray,
    sizes: np.ndarray,
    resolution: float,
    sweep_bits: int,
) -> np.ndarray:
    """Per row: column id (group, then the cell on each column axis) in the high bits, position along
    the sweep axis in the low bits. Coordinates are clipped to `bounds` and the maths is float64."""
    keys = np.empty(len(points), np.int64)
    for row in range(len(points)):
        column = group[row]
        for axis in range(1, len(bounds)):
            x = min(max(np.float64(points[row, axis]), bounds[axis, 0]), bounds[axis, 1])
            cell = min(int((x - bounds[axis, 0]) * cells_per_unit[axis]), sizes[axis] - 3)
            column = column * sizes[axis] + cell + 1
        x = min(max(np.float64(points[row, 0]), bounds[0, 0]), bounds[0, 1])
        keys[row] = (column << sweep_bits) | int((x - bounds[0, 0]) / resolution)
    return keys


def _clip_bounds(values: np.ndarray, radius: float) -> tuple[float, float]:
    """Where to clip an axis: clipping never lengthens a difference, so no pair is lost."""
    if values.size == 0:
        return 0.0, radius
    low, high = np.quantile(values, [_CLIP_QUANTILE, 1.0 - _CLIP_QUANTILE])
    low, high = float(low) - radius, float(high) + radius
    return low, max(high, low + radius)


def _neighbour_offsets(strides: tuple[int, ...], *, forward_only: bool) -> list[int]:
    """Key-column offsets of the neighbouring columns (all of them, or those after this one plus itself
    excluded, so that each pair of columns is visited once)."""
    offsets = [0]
    for stride in strides:
        offsets = [o + step * stride for o in offsets for step in (-1, 0, 1)]
    return sorted(o for o in offsets if o > 0) if forward_only else sorted(offsets)


def _split_columns(starts: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Ranges of columns holding about equal numbers of rows."""
    n_columns = len(starts) - 1
    cuts = np.searchsorted(starts[:-1], np.linspace(0, starts[-1], parts + 1)[1:-1])
    edges = [0, *[int(c) for c in cuts], n_columns]
    return [(a, b) for a, b in itertools.pairwise(edges) if b > a] or [(0, 0)]


@numba.njit(cache=True, nogil=True)
def _sweep(
    keys: np.ndarray,
    sweep_bits: int,
    starts: np.ndarray,
    column_ids: np.ndarray,
    points: np.ndarray,
    radius_sq: float,
    window: int,
    offsets: np.ndarray,
    first: int,
    last: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (positions in sorted order) within the radius, for the columns first..last-1 and their
    forward neighbours."""
    n_columns = len(column_ids)
    capacity = 1024
    left = np.empty(capacity, np.int64)
    right = np.empty(capacity, np.int64)
    found = 0
    if first >= last:
        return left[:0], right[:0]
    pointers = np.searchsorted(column_ids, column_ids[first] + offsets)
    for c in range(first, last):
        a_first, a_last = starts[c], starts[c + 1]
        for m in range(-1, len(offsets)):
            if m < 0:  # the column itself: each later row in the window
                b_first, b_last, shift = a_first, a_last, 0
            else:
                target = column_ids[c] + offsets[m]
                p = pointers[m]
                while p < n_columns and column_ids[p] < target:
                    p += 1
                pointers[m] = p
                if p == n_columns or column_ids[p] != target:
                    continue
                b_first, b_last, shift = starts[p], starts[p + 1], offsets[m] << sweep_bits
            low = high = b_first  # the window [low, high) only moves forward as row i does
            for i in range(a_first, a_last):
                centre = keys[i] + shift
                while low < b_last and keys[low] < centre - window:
                    low += 1
                high = max(high, low)
                while high < b_last and keys[high] <= centre + window:
                    high += 1
                for j in range(i + 1 if m < 0 else low, high):
                    distance = 0.0
                    for axis in range(points.shape[1]):  # no early exit: a mispredicted branch costs more
                        step = points[i, axis] - points[j, axis]
                        distance += step * step
                    if distance <= radius_sq:
                        if found == capacity:
                            capacity *= 2
                            left = _grown(left, capacity)
                            right = _grown(right, capacity)
                        left[found] = i
                        right[found] = j
                        found += 1
    return left[:found], right[:found]


@numba.njit(cache=True, nogil=True)
def _radix_argsort(keys: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, sorted keys) of non-negative keys below 2**bits: a least-significant-digit radix sort,
    several times faster than np.argsort on a million keys of 30-odd bits, and stable."""
    n_keys = len(keys)
    order = np.arange(n_keys)
    spare_keys = np.empty_like(keys)
    spare_order = np.empty_like(order)
    keys = keys.copy()
    mask = (1 << _RADIX_BITS) - 1
    for shift in range(0, bits, _RADIX_BITS):
        starts = np.zeros(mask + 2, np.int64)
        for i in range(n_keys):
            starts[((keys[i] >> shift) & mask) + 1] += 1
        for digit in range(mask + 1):
            starts[digit + 1] += starts[digit]
        for i in range(n_keys):
            digit = (keys[i] >> shift) & mask
            spare_keys[starts[digit]] = keys[i]
            spare_order[starts[digit]] = order[i]
            starts[digit] += 1
        keys, spare_keys = spare_keys, keys
        order, spare_order = spare_order, order
    return order, keys


@numba.njit(cache=True, nogil=True)
def _grown(values: np.ndarray, capacity: int) -> np.ndarray:
    grown = np.empty(capacity, values.dtype)
    grown[: len(values)] = values
    return grown
