"""Every pair of 64-bit hashes within a Hamming distance, found without comparing all pairs.

Multi-index hashing (Norouzi et al.): cut the 64 bits into blocks. If two hashes differ in at most
`k` bits and block i is allowed radius r_i with sum(r_i + 1) > k, at least one block differs by at
most its radius (pigeonhole). So each block is probed with every flip pattern within its radius
through a dense lookup table, candidates are checked on all 64 bits, and no pair is missed. Block
widths and radii are chosen by a cost model from the number of hashes and `k`.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from math import comb

import numpy as np

MAX_BLOCK_BITS = 24  # a dense table of 2**24 int32 entries is 64 MB
_PROBE_COST = 1.0  # relative cost of one table probe ...
_CANDIDATE_COST = 4.0  # ... and of one candidate pair checked on 64 bits


@dataclass(frozen=True)
class Plan:
    """Blocks (shift, width) of the 64 bits and the radius probed in each."""

    blocks: tuple[tuple[int, int], ...]
    radii: tuple[int, ...]


def hamming_pairs(hashes: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index pairs (i < j) with popcount(hashes[i] ^ hashes[j]) <= max_distance, and their distances.

    `hashes` are int64 or uint64 bit patterns; equal hashes are paired too. Cost grows with the
    number of distinct hashes, so callers should pass distinct values (see `distinct_pairs`).
    """
    values = np.ascontiguousarray(hashes).view(np.uint64)
    found_i, found_j, found_d = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)], [np.empty(0, np.int8)]
    if len(values) < 2 or max_distance < 0:
        return found_i[0], found_j[0], found_d[0]
    plan = plan_blocks(len(values), max_distance)
    for index, ((shift, width), radius) in enumerate(zip(plan.blocks, plan.radii, strict=True)):
        table = _BlockTable(values, shift, width)
        earlier = plan.blocks[:index], plan.radii[:index]

        def probe(
            mask: int, table: _BlockTable = table, earlier: tuple[tuple[tuple[int, int], ...], ...] = earlier
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            left, right = table.pairs(mask)  # positions in the block's sorted order
            xor = table.values[left] ^ table.values[right]
            distance = _popcount(xor)
            keep = (distance <= max_distance) & _first_block(xor, *earlier)
            left, right = table.order[left[keep]], table.order[right[keep]]
            return np.minimum(left, right), np.maximum(left, right), distance[keep].astype(np.int8)

        with ThreadPoolExecutor(2) as pool:  # flip masks are independent; NumPy releases the GIL on each
            for i, j, d in pool.map(probe, _flip_masks(width, radius)):
                found_i.append(i)
                found_j.append(j)
                found_d.append(d)
    return np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_d)


class _BlockTable:
    """One block of every hash, sorted, with dense per-key tables (sorted probes stay cache-friendly)."""

    def __init__(self, values: np.ndarray, shift: int, width: int) -> None:
        keys = ((values >> np.uint64(shift)) & np.uint64((1 << width) - 1)).astype(np.int32)
        self.order = np.argsort(keys, kind="stable")
        self.sorted = keys[self.order]
        self.values = values[self.order]  # hashes in the same order, so checks read memory in sequence
        uniques, first, counts = np.unique(self.sorted, return_index=True, return_counts=True)
        self.present = np.zeros(1 << width, dtype=np.uint8)
        self.present[uniques] = 1
        self.start = np.zeros(1 << width, dtype=np.int32)
        self.start[uniques] = first
        self.count = np.zeros(1 << width, dtype=np.int32)
        self.count[uniques] = counts

    def pairs(self, mask: int) -> tuple[np.ndarray, np.ndarray]:
        """Position pairs (in sorted order) whose keys differ by exactly `mask`, each unordered pair once."""
        if mask == 0:
            return self._same_key_pairs()
        probes = self.sorted ^ mask
        # a pair (a, a ^ mask) is seen from both ends; keep the end whose key has mask's top bit clear
        hit = self.present.take(probes).view(bool) & ((self.sorted & (1 << (mask.bit_length() - 1))) == 0)
        source = np.flatnonzero(hit)
        targets = probes[source]
        sizes = self.count[targets]
        return np.repeat(source, sizes), _ranges(self.start[targets], sizes)

    def _same_key_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """All pairs inside each bucket of equal keys: item at offset a with every later offset b."""
        sizes = np.diff(np.flatnonzero(np.r_[True, self.sorted[1:] != self.sorted[:-1], True]))
        starts = np.cumsum(sizes) - sizes
        # position p inside its bucket pairs with the (bucket end - p - 1) positions after it
        position = np.arange(len(self.sorted), dtype=np.int64)
        bucket_end = np.repeat(starts + sizes, sizes)
        after = bucket_end - position - 1
        return np.repeat(position, after), _ranges(position + 1, after)


def _ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Concatenation of arange(start, start + size) for each pair, vectorised."""
    if len(sizes) and sizes.min() == 1 and sizes.max() == 1:
        return starts.astype(np.int64)
    total = int(sizes.sum())
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    ranges: np.ndarray = np.repeat(starts.astype(np.int64), sizes) + offsets
    return ranges


def distinct_pairs(hashes: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Like `hamming_pairs` over the distinct values: returns (inverse, i, j, distance).

    `inverse[n]` is the distinct-value id of hash n; pairs are between distinct ids, so a group of
    a thousand identical hashes costs one node instead of half a million pairs.
    """
    distinct, inverse = np.unique(np.ascontiguousarray(hashes).view(np.uint64), return_inverse=True)
    i, j, distance = hamming_pairs(distinct, max_distance)
    return inverse.ravel(), i, j, distance


def plan_blocks(n: int, max_distance: int) -> Plan:
    """The cheapest exact plan for `n` hashes and radius `max_distance` under a simple cost model."""
    best: tuple[float, Plan] | None = None
    for m in range(3, 9):
        widths = [64 // m + (1 if i < 64 % m else 0) for i in range(m)]
        if max(widths) > MAX_BLOCK_BITS:
            continue
        shifts = np.cumsum([0, *widths[:-1]]).tolist()
        for radii in _radii(m, max_distance):
            cost = sum(
                _volume(w, r) * (n * _PROBE_COST + n * n / 2.0**w * _CANDIDATE_COST)
                for w, r in zip(widths, radii, strict=True)
            )
            if best is None or cost < best[0]:
                best = (cost, Plan(tuple(zip(shifts, widths, strict=True)), radii))
    assert best is not None
    return best[1]


def _radii(m: int, max_distance: int) -> list[tuple[int, ...]]:
    """Radius vectors (largest first) with sum(r + 1) == max_distance + 1, the least that keeps the
    search exact; all zeros when there are more blocks than needed."""
    extra = max_distance + 1 - m
    if extra <= 0:
        return [(0,) * m]
    return [tuple(p) + (0,) * (m - len(p)) for p in _partitions(extra, m, extra)]


def _partitions(total: int, parts: int, largest: int) -> list[list[int]]:
    """Ways to write `total` as at most `parts` positive integers, none above `largest`, descending."""
    if total == 0:
        return [[]]
    if parts == 0:
        return []
    return [
        [first, *rest]
        for first in range(min(total, largest), 0, -1)
        for rest in _partitions(total - first, parts - 1, first)
    ]


def _volume(width: int, radius: int) -> int:
    return sum(comb(width, d) for d in range(radius + 1))


@lru_cache(maxsize=64)
def _flip_masks(width: int, radius: int) -> tuple[int, ...]:
    masks = [0]
    for d in range(1, radius + 1):
        masks += [sum(1 << bit for bit in bits) for bits in itertools.combinations(range(width), d)]
    return tuple(masks)


def _first_block(xor: np.ndarray, blocks: tuple[tuple[int, int], ...], radii: tuple[int, ...]) -> np.ndarray:
    """True where no earlier block already satisfied its radius (that block reported the pair)."""
    keep = np.ones(len(xor), dtype=bool)
    for (shift, width), radius in zip(blocks, radii, strict=True):
        keep &= _popcount((xor >> np.uint64(shift)) & np.uint64((1 << width) - 1)) > radius
    return keep


def _popcount(values: np.ndarray) -> np.ndarray:
    counts: np.ndarray = np.bitwise_count(values)
    return counts
