from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from recipe_dash.analyzers._search import grid_join as _grid_join
from recipe_dash.analyzers._search.grid_join import build_grid
from recipe_dash.analyzers._search.row_index import near_rows
from recipe_dash.errors import DataError


def _planted_rows(n: int, n_dims: int, n_pairs: int, jitter: float, seed: int) -> np.ndarray:
    """Skewed columns (a dense core and long tails, like real measurements), with `n_pairs` jittered copies."""
    rng = np.random.default_rng(seed)
    values = rng.lognormal(0.0, 0.8, size=(n, n_dims)).astype(np.float32)
    sources, copies = np.split(rng.choice(n, size=2 * n_pairs, replace=False), 2)
    values[copies] = values[sources] + jitter * rng.standard_normal((n_pairs, n_dims)).astype(np.float32)
    return values


def _reference(values: np.ndarray, key: np.ndarray, max_rms: float) -> set[tuple[int, int]]:
    """Every pair with equal key and RMS difference <= max_rms, from a k-d tree on all columns."""
    radius = max_rms * np.sqrt(values.shape[1])
    pairs = cKDTree(values.astype(np.float64)).query_pairs(radius * 1.01 + 1e-6, output_type="ndarray")
    left, right = pairs[:, 0], pairs[:, 1]
    distance = np.sqrt(((values[left] - values[right]) ** 2).mean(axis=1, dtype=np.float64))
    keep = (distance <= max_rms) & (key[left] == key[right])
    return set(zip(left[keep].tolist(), right[keep].tolist(), strict=True))


@pytest.mark.parametrize(
    ("n", "n_dims", "max_rms", "n_keys"),
    [
        (3000, 16, 0.01, 1),
        (3000, 16, 0.05, 3),
        (3000, 1, 0.001, 2),
        (3000, 2, 0.003, 1),
        (3000, 3, 0.01, 4),
        (2000, 7, 0.2, 1),
        (3000, 3, 0.05, 2),
        (500, 4, 0.0, 1),
    ],
)
def test_finds_exactly_the_pairs_a_full_search_finds(n: int, n_dims: int, max_rms: float, n_keys: int) -> None:
    values = _planted_rows(n, n_dims, n_pairs=100, jitter=max_rms * 0.8, seed=n_dims)
    values[:20] = values[20:40]  # exact ties too
    key = np.random.default_rng(1).integers(0, n_keys, size=n).astype(np.uint64)
    left, right, distance = near_rows(values, key, max_rms)
    found = list(zip(left.tolist(), right.tolist(), strict=True))
    assert len(found) == len(set(found))  # each pair once
    assert set(found) == _reference(values, key, max_rms)
    assert all(a < b for a, b in found)
    expected = np.sqrt(((values[left] - values[right]) ** 2).mean(axis=1, dtype=np.float64))
    np.testing.assert_allclose(distance, expected)


def test_far_outliers_neither_break_the_grid_nor_hide_their_own_copies() -> None:
    values = _planted_rows(4000, 5, n_pairs=50, jitter=0.005, seed=3)
    values[:10] = 1e9 * np.arange(1, 11, dtype=np.float32)[:, None]  # ten rows far off in every column
    values[10:20] = values[:10]  # and exact copies of them
    values[20] = values[21] * 1.0000001
    key = np.zeros(len(values), dtype=np.uint64)
    left, right, _ = near_rows(values, key, 0.01)
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == _reference(values, key, 0.01)
    assert {(i, i + 10) for i in range(10)} <= set(zip(left.tolist(), right.tolist(), strict=True))


def test_two_threads_find_what_one_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    values = _planted_rows(30_000, 6, n_pairs=300, jitter=0.01, seed=5)
    key = (np.arange(len(values)) % 3).astype(np.uint64)
    monkeypatch.setattr(_grid_join, "_PARALLEL_ROWS", 10**9)
    one = near_rows(values, key, 0.02)
    monkeypatch.setattr(_grid_join, "_PARALLEL_ROWS", 2)
    two = near_rows(values, key, 0.02)
    as_set = [set(zip(a.tolist(), b.tolist(), strict=True)) for a, b, _ in (one, two)]
    assert as_set[0] == as_set[1] == _reference(values, key, 0.02) and len(as_set[0]) > 50


def test_rows_differing_in_key_are_never_paired() -> None:
    values = np.zeros((6, 3), dtype=np.float32)
    key = np.array([0, 0, 1, 1, 1, 2], dtype=np.uint64)
    left, right, _ = near_rows(values, key, 0.01)
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == {(0, 1), (2, 3), (2, 4), (3, 4)}


def test_a_threshold_that_pairs_up_most_rows_is_refused_with_a_reason() -> None:
    values = np.random.default_rng(0).normal(size=(50_000, 4)).astype(np.float32)
    with pytest.raises(DataError, match=r"threshold 0\.5 is so wide .* lower the threshold"):
        near_rows(values, np.zeros(len(values), dtype=np.uint64), 0.5)


def test_the_comparison_estimate_matches_the_comparisons_made() -> None:
    rng = np.random.default_rng(2)
    points = rng.normal(size=(20_000, 3)).astype(np.float32)
    grid = build_grid(points, np.zeros(len(points), dtype=np.int64), 0.1)
    counted = grid.pairs(points, np.inf)[0].size * 2 / len(points)  # every compared pair passes an infinite radius
    assert grid.comparisons_per_row(sample_size=len(points)) == pytest.approx(counted, rel=1e-9)


def test_a_single_row_or_no_column_gives_no_pairs() -> None:
    one = near_rows(np.ones((1, 3), dtype=np.float32), np.zeros(1, dtype=np.uint64), 0.01)
    none = near_rows(np.ones((5, 0), dtype=np.float32), np.zeros(5, dtype=np.uint64), 0.01)
    assert all(len(part) == 0 for part in (*one, *none))


def test_only_the_given_rows_are_paired_and_pairs_name_table_rows() -> None:
    values = _planted_rows(3000, 8, n_pairs=200, jitter=0.005, seed=9)
    key = np.zeros(len(values), dtype=np.uint64)
    rows = np.flatnonzero(np.random.default_rng(4).random(len(values)) < 0.7)
    left, right, _ = near_rows(values, key, 0.01, rows=rows)
    expected = {(int(rows[a]), int(rows[b])) for a, b in _reference(values[rows], key[rows], 0.01)}
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == expected and len(expected) > 50
