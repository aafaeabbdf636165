"""Clusters of near copies as stars: two clusters join only if one member matches every member of both.

A copy cluster is an original and its edits, so it has a centre. Single linkage would chain
look-alikes (A like B, B like C, ... ) through one weak link each; here a merge needs a centre whose
evidence against every other member is at least the merge's level. Merges are made strongest first
and their levels never rise, so cutting the list at any level gives exactly the clusters a run
stopped there would give: connected components of the merges at or above a threshold (what the
threshold slider redraws).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np

MAX_MEMBERS = 64  # a star over more pictures is a flood of look-alikes, not copies of one picture

PairScorer = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (left, right) -> evidence in [0, 1]


def star_merges(
    left: np.ndarray, right: np.ndarray, evidence: np.ndarray, scorer: PairScorer, *, min_evidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge edges (u, v, level), in falling level, for the scored pairs at or above `min_evidence`.

    `scorer` gives the evidence of pairs that were not scored yet (a centre against a new member).
    """
    scored = evidence > 0  # a pair without evidence is scored again only if a star check asks for it
    low, high = np.minimum(left, right)[scored], np.maximum(left, right)[scored]
    known: dict[tuple[int, int], float] = {}
    for a, b, s in zip(low.tolist(), high.tolist(), evidence[scored].tolist(), strict=True):
        known[(a, b)] = max(known.get((a, b), 0.0), s)

    def weakest(centre: int, others: list[int]) -> float:
        keys = [(min(centre, m), max(centre, m)) for m in others]
        missing = [key for key in dict.fromkeys(keys) if key not in known]
        if missing:
            pairs = np.array(missing, dtype=np.int64)
            known.update(zip(missing, scorer(pairs[:, 0], pairs[:, 1]).tolist(), strict=True))
        return min(known[key] for key in keys)

    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    centre: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    heap = [(-s, a, b) for (a, b), s in known.items() if s >= min_evidence]
    heapq.heapify(heap)
    merged: list[tuple[int, int, float]] = []
    while heap:
        negative, a, b = heapq.heappop(heap)
        level = -negative
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        union = members.get(ra, [ra]) + members.get(rb, [rb])
        if len(union) > MAX_MEMBERS:
            continue
        best, best_centre = -1.0, -1
        for c in dict.fromkeys([centre.get(ra, ra), centre.get(rb, rb), a, b]):
            strength = weakest(c, [m for m in union if m != c])
            if strength > best:
                best, best_centre = strength, c
        if best >= level - 1e-12:
            parent[rb] = ra
            members[ra] = union
            members.pop(rb, None)
            centre[ra] = best_centre
            merged.append((a, b, level))
        elif best >= min_evidence:
            heapq.heappush(heap, (-best, a, b))  # may still join, at the lower level its centre allows
    if not merged:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    u, v, levels = zip(*merged, strict=True)
    return np.array(u, dtype=np.int64), np.array(v, dtype=np.int64), np.array(levels)
