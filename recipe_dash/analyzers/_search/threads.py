"""Run a compiled kernel over a range of items in threads.

The near-copy kernels are compiled with `nogil=True` and take (start, end) as their last arguments,
so plain threads run them on all cores. Cheaper to compile than Numba's `parallel=True` (which costs
seconds per function on first use) and safe in forked worker processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from typing import Any

import numpy as np

_CHUNKS_PER_THREAD = 4  # items differ in cost (a rejected pair is cheap): several chunks balance the threads


def in_threads(kernel: Callable[..., None], n_items: int, *args: Any, min_chunk: int = 64) -> None:
    """Call kernel(*args, start, end) over [0, n_items) in chunks, on as many threads as cores."""
    threads = min(os.cpu_count() or 1, max(1, n_items // min_chunk))
    if threads <= 1:
        if n_items:
            kernel(*args, 0, n_items)
        return
    edges = np.linspace(0, n_items, threads * _CHUNKS_PER_THREAD + 1).astype(np.int64).tolist()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda bounds: kernel(*args, *bounds), pairwise(edges)))
