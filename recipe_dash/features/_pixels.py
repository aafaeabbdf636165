"""Per-picture statistics and hashes in one compiled call.

For small pictures (MNIST- or CIFAR-sized) the feature pass spent more time in a dozen NumPy and
Pillow calls per picture than in decoding it; one compiled loop over the pixels costs a few
microseconds. Loaded from Numba's on-disk cache; a forked worker inherits it from the parent.
"""

from __future__ import annotations

from functools import lru_cache

import numba
import numpy as np

GRAY_SIDE = 32  # the side of the grayscale the hashes are taken on (images.py keeps it as `gray32`)


@lru_cache(maxsize=1)
def dct_rows() -> np.ndarray:
    """The 8 lowest rows of the unnormalised DCT-II matrix (scipy.fftpack.dct type 2, as imagehash uses)."""
    k = np.arange(8)[:, None]
    i = np.arange(GRAY_SIDE)[None, :]
    rows: np.ndarray = 2.0 * np.cos(np.pi * k * (2 * i + 1) / (2 * GRAY_SIDE))
    return rows


@lru_cache(maxsize=1)
def box_weights() -> tuple[np.ndarray, np.ndarray]:
    """Pillow's BOX resize weights from 32 samples to 9 columns and to 8 rows: an output averages the
    inputs whose centres fall in its span."""
    return _box(GRAY_SIDE, 9), _box(GRAY_SIDE, 8)


def _box(size: int, out: int) -> np.ndarray:
    centres = np.arange(size) + 0.5
    scale = size / out
    weights = np.array([(centres >= o * scale) & (centres < (o + 1) * scale) for o in range(out)], dtype=np.float64)
    result: np.ndarray = weights / weights.sum(axis=1, keepdims=True)
    return result


@numba.njit(cache=True, nogil=True)
def statistics(gray: np.ndarray) -> tuple[float, float, float]:
    """Mean and variance of the grey levels, and the variance of the 4-neighbour Laplacian (0 when the
    picture is under 3 px on a side), all on the 0..255 scale."""
    h, w = gray.shape
    total = 0.0
    squares = 0.0
    for i in range(h):
        for j in range(w):
            v = np.float64(gray[i, j])
            total += v
            squares += v * v
    n = h * w
    mean = total / n
    variance = max(squares / n - mean * mean, 0.0)
    if h < 3 or w < 3:
        return mean, variance, 0.0
    lap_total = 0.0
    lap_squares = 0.0
    for i in range(1, h - 1):
        for j in range(1, w - 1):
            lap = 4.0 * gray[i, j] - np.float64(gray[i - 1, j]) - gray[i + 1, j] - gray[i, j - 1] - gray[i, j + 1]
            lap_total += lap
            lap_squares += lap * lap
    m = (h - 2) * (w - 2)
    lap_mean = lap_total / m
    return mean, variance, max(lap_squares / m - lap_mean * lap_mean, 0.0)


@numba.njit(cache=True, nogil=True)
def hashes(small: np.ndarray, dct: np.ndarray, box_x: np.ndarray, box_y: np.ndarray) -> tuple[int, int]:
    """64-bit perceptual (DCT) and gradient hashes of a 32x32 grey picture, as signed int64 bit patterns
    (imagehash's recipes; bits in row-major order, the first one the most significant)."""
    n = small.shape[0]
    half = np.zeros((8, n))
    for a in range(8):
        for j in range(n):
            s = 0.0
            for i in range(n):
                s += dct[a, i] * small[i, j]
            half[a, j] = s
    low = np.empty(64)
    for a in range(8):
        for b in range(8):
            s = 0.0
            for j in range(n):
                s += half[a, j] * dct[b, j]
            low[a * 8 + b] = s
    ordered = np.sort(low)
    median = (ordered[31] + ordered[32]) / 2.0
    perceptual = np.uint64(0)
    for k in range(64):
        if low[k] > median:
            perceptual |= np.uint64(1) << np.uint64(63 - k)
    columns = np.empty((n, 9))  # Pillow resizes across first, rounding to whole grey levels in between
    for i in range(n):
        for c in range(9):
            s = 0.0
            for j in range(n):
                s += box_x[c, j] * small[i, j]
            columns[i, c] = np.floor(s + 0.5)
    boxed = np.empty((8, 9))
    for r in range(8):
        for c in range(9):
            s = 0.0
            for i in range(n):
                s += box_y[r, i] * columns[i, c]
            boxed[r, c] = np.floor(s + 0.5)
    gradient = np.uint64(0)
    for r in range(8):
        for c in range(8):
            if boxed[r, c + 1] > boxed[r, c] + 1e-9:
                gradient |= np.uint64(1) << np.uint64(63 - (r * 8 + c))
    return np.int64(perceptual), np.int64(gradient)
