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
    picture is under 3 px on a side), all on the 0..255 scale.

    The sums are of integers, kept as integers: exact (as floats they were exact too, so the values do
    not change) and, unlike a float sum, free to be vectorised.
    """
    h, w = gray.shape
    total = 0
    squares = 0
    for i in range(h):
        for j in range(w):
            v = np.int64(gray[i, j])
            total += v
            squares += v * v
    n = h * w
    mean = total / n
    variance = max(squares / n - mean * mean, 0.0)
    if h < 3 or w < 3:
        return mean, variance, 0.0
    lap_total = 0
    lap_squares = 0
    for i in range(1, h - 1):
        for j in range(1, w - 1):
            lap = 4 * np.int64(gray[i, j]) - np.int64(gray[i - 1, j]) - gray[i + 1, j] - gray[i, j - 1] - gray[i, j + 1]
            lap_total += lap
            lap_squares += lap * lap
    m = (h - 2) * (w - 2)
    lap_mean = lap_total / m
    return mean, variance, max(lap_squares / m - lap_mean * lap_mean, 0.0)


@numba.njit(cache=True, nogil=True)
def hashes(small: np.ndarray, dct: np.ndarray, box_x: np.ndarray, box_y: np.ndarray) -> tuple[int, int, np.ndarray]:
    """64-bit perceptual (DCT) and gradient hashes of a 32x32 grey picture, as signed int64 bit patterns
    (imagehash's recipes; bits in row-major order, the first one the most significant), and the picture
    box-reduced by 2 (Pillow's `reduce(2)`: the rounded mean of each 2x2 block).

    Every sum adds its terms in the same order as a plain dot product would, so the bits never depend
    on rounding; the loops run over the outputs innermost, which lets them be vectorised.
    """
    n = small.shape[0]
    half = np.zeros((8, n))
    for a in range(8):
        for i in range(n):
            weight = dct[a, i]
            for j in range(n):
                half[a, j] += weight * small[i, j]
    low = np.zeros((8, 8))
    for a in range(8):
        for j in range(n):
            value = half[a, j]
            for b in range(8):
                low[a, b] += value * dct[b, j]
    flat = low.ravel()
    ordered = np.sort(flat)
    median = (ordered[31] + ordered[32]) / 2.0
    perceptual = np.uint64(0)
    for k in range(64):
        if flat[k] > median:
            perceptual |= np.uint64(1) << np.uint64(63 - k)
    columns = np.zeros((n, 9))  # Pillow resizes across first, rounding to whole grey levels in between
    for c in range(9):
        for j in range(n):
            weight = box_x[c, j]
            if weight != 0.0:  # a zero term would add +0.0 to a sum of non-negative terms: no change
                for i in range(n):
                    columns[i, c] += weight * small[i, j]
    columns = np.floor(columns + 0.5)
    boxed = np.zeros((8, 9))
    for r in range(8):
        for i in range(n):
            weight = box_y[r, i]
            if weight != 0.0:
                for c in range(9):
                    boxed[r, c] += weight * columns[i, c]
    boxed = np.floor(boxed + 0.5)
    gradient = np.uint64(0)
    for r in range(8):
        for c in range(8):
            if boxed[r, c + 1] > boxed[r, c] + 1e-9:
                gradient |= np.uint64(1) << np.uint64(63 - (r * 8 + c))
    reduced = np.empty((n // 2, n // 2), dtype=np.uint8)
    for i in range(n // 2):
        for j in range(n // 2):
            block = (
                np.int64(small[2 * i, 2 * j])
                + small[2 * i, 2 * j + 1]
                + small[2 * i + 1, 2 * j]
                + small[2 * i + 1, 2 * j + 1]
            )
            reduced[i, j] = (block + 2) >> 2
    return np.int64(perceptual), np.int64(gradient), reduced
