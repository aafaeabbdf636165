"""Near-duplicate search over a million 64-bit perceptual hashes, with planted near pairs.

    python benchmarks/hash_search.py                 # 1,000,000 hashes, the near-copy check's radius
    python benchmarks/hash_search.py --thresholds 4 6 8 10

Random hashes stand in for a big image dataset; planted pairs differ in 0..threshold bits.
Prints, per threshold, the search time (target: under 10 s on 2 cores at the default threshold),
how many planted pairs were found (target: all), the plan chosen, and the other pairs found
(random 64-bit hashes within the threshold of each other by chance).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from recipe_dash.analyzers._search.hash_index import distinct_pairs, plan_blocks
from recipe_dash.analyzers._search.neighbours import PHASH_RADIUS


def planted_hashes(n: int, n_pairs: int, max_flips: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n random hashes; the last n_pairs are copies of random others with 0..max_flips bits flipped."""
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**64, size=n, dtype=np.uint64)
    sources = rng.choice(n - n_pairs, size=n_pairs, replace=False)
    copies = np.arange(n - n_pairs, n)
    for source, copy in zip(sources, copies, strict=True):
        bits = rng.choice(64, size=int(rng.integers(0, max_flips + 1)), replace=False)
        hashes[copy] = hashes[source] ^ np.uint64(sum(1 << int(b) for b in bits))
    return hashes.view(np.int64), sources, copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=2_000)
    parser.add_argument("--thresholds", type=int, nargs="+", default=[PHASH_RADIUS])
    args = parser.parse_args()
    for threshold in args.thresholds:
        hashes, sources, copies = planted_hashes(args.n, args.pairs, threshold)
        started = time.perf_counter()
        inverse, i, j, _ = distinct_pairs(hashes, threshold)
        seconds = time.perf_counter() - started
        found = {(min(a, b), max(a, b)) for a, b in zip(i.tolist(), j.tolist(), strict=True)}
        hits = sum(
            inverse[s] == inverse[c] or (min(inverse[s], inverse[c]), max(inverse[s], inverse[c])) in found
            for s, c in zip(sources, copies, strict=True)
        )
        print(
            f"{args.n:,} hashes, threshold {threshold} bits: {seconds:.2f} s; planted pairs found {hits}/{args.pairs} "
            f"(recall {hits / args.pairs:.3f}); {len(found):,} pairs in all; plan {plan_blocks(args.n, threshold)}"
        )


if __name__ == "__main__":
    main()
