from __future__ import annotations

import numpy as np
import pytest

from recipe_dash.analyzers._search.hash_index import distinct_pairs, hamming_pairs, plan_blocks


def _planted(n: int, n_pairs: int, max_flips: int, seed: int) -> np.ndarray:
    """Random 64-bit hashes, with `n_pairs` copies that differ from another hash in up to `max_flips` bits."""
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**64, size=n, dtype=np.uint64)
    for target in rng.choice(n, size=n_pairs, replace=False):
        source = rng.integers(n)
        flips = rng.choice(64, size=rng.integers(0, max_flips + 1), replace=False)
        hashes[target] = hashes[source] ^ np.uint64(sum(1 << int(f) for f in flips))
    return hashes


def _brute_force(hashes: np.ndarray, k: int) -> set[tuple[int, int]]:
    distance = np.bitwise_count(hashes[:, None] ^ hashes[None, :])
    i, j = np.nonzero(np.triu(distance <= k, 1))
    return set(zip(i.tolist(), j.tolist(), strict=True))


@pytest.mark.parametrize(("n", "k"), [(2000, 0), (2000, 3), (2000, 8), (1500, 12), (300, 20)])
def test_finds_exactly_the_pairs_brute_force_finds(n: int, k: int) -> None:
    hashes = _planted(n, n_pairs=150, max_flips=k + 2, seed=k)
    i, j, distance = hamming_pairs(hashes, k)
    found = list(zip(i.tolist(), j.tolist(), strict=True))
    assert len(found) == len(set(found))  # each pair once, even when several blocks match
    assert set(found) == _brute_force(hashes, k)
    assert (distance == np.bitwise_count(hashes[i] ^ hashes[j])).all()


def test_signed_int64_hashes_and_equal_values_are_handled() -> None:
    hashes = np.array([-1, -1, 5, 4, -2], dtype=np.int64)
    i, j, distance = hamming_pairs(hashes, 1)
    assert set(zip(i.tolist(), j.tolist(), distance.tolist(), strict=True)) == {
        (0, 1, 0),
        (2, 3, 1),
        (0, 4, 1),
        (1, 4, 1),
    }
    inverse, left, _, _ = distinct_pairs(hashes, 0)
    assert inverse[0] == inverse[1] and len(left) == 0  # equal hashes collapse to one distinct value


def test_plans_stay_exact_and_use_tables_of_bounded_size() -> None:
    for n in (10, 10_000, 1_000_000):
        for k in range(17):
            plan = plan_blocks(n, k)
            assert sum(width for _, width in plan.blocks) == 64
            assert max(width for _, width in plan.blocks) <= 24
            assert sum(r + 1 for r in plan.radii) > k  # pigeonhole: some block is within its radius
