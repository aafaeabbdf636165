"""Everything the checks keep of a decoded picture, in one compiled call.

For small pictures (MNIST- or CIFAR-sized) the feature pass spent more time in a dozen NumPy and
Pillow calls per picture than in decoding it: the grey copy, the 32x32 thumbnail and the channel
means alone took three Pillow calls and two copies out of Pillow. Here one compiled call makes them
all from the decoded array in a few microseconds. The grey copy, the thumbnail and the means are the
values Pillow 13 gives (so cached features, hashes and the thresholds measured on them do not
change; tests/features/test_pixels.py compares both on pictures of every shape), written from the
algorithms Pillow documents: ITU-R 601-2 luma in 16-bit fixed point; a separable triangle filter
widened by the scale factor, with weights in 22-bit fixed point and a rounded 8-bit picture between
the passes; a box mean rounded through a 24-bit reciprocal.

Every kernel is in this one file on purpose: Numba's on-disk cache notices when the file of a cached
function changes, not when a function it calls in another file does. Loaded from that cache; a
forked worker inherits it from the parent.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numba
import numpy as np

GRAY_SIDE = 32  # the side of the grayscale the hashes are taken on (images.py keeps it as `gray32`)
_PRECISION_BITS = 22  # fixed-point bits of a resize weight: 8 bits of pixel and 2 of headroom fit in 32
_HALF = 1 << (_PRECISION_BITS - 1)


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


@numba.njit(cache=True, nogil=True)
def grey(pixels: np.ndarray) -> np.ndarray:
    """The L picture of an (h, w, channels) uint8 array: channel 0 of one band, else luma of the first 3."""
    h, w, channels = pixels.shape
    if channels == 1:
        return pixels[:, :, 0].copy()
    out = np.empty((h, w), dtype=np.uint8)
    for i in range(h):
        for j in range(w):
            luma = np.int64(pixels[i, j, 0]) * 19595 + np.int64(pixels[i, j, 1]) * 38470
            out[i, j] = (luma + np.int64(pixels[i, j, 2]) * 7471 + 0x8000) >> 16
    return out


@numba.njit(cache=True, nogil=True)
def box_means(pixels: np.ndarray) -> tuple[int, int, int]:
    """Mean of the first 3 channels of an (h, w, channels >= 3) uint8 array, rounded as Pillow's
    `reduce((w, h))` rounds it (sum plus half the count, times a float32 reciprocal scaled by 2**24,
    in 32-bit unsigned arithmetic).

    Pillow takes other routes, with other rounding, for pictures 1 px wide or high and for squares of
    2-5 px, and premultiplies alpha first; callers use this for RGB pictures of 6 px or more a side.
    """
    h, w, _ = pixels.shape
    red = green = blue = 0
    for i in range(h):
        for j in range(w):
            red += np.int64(pixels[i, j, 0])
            green += np.int64(pixels[i, j, 1])
            blue += np.int64(pixels[i, j, 2])
    count = h * w
    multiplier = np.uint64(np.uint32(np.float32(4294967296.0) / np.float32(256 * count)))
    low32 = np.uint64(0xFFFFFFFF)
    shift = np.uint64(24)
    return (
        int(((np.uint64(red + count // 2) * multiplier) & low32) >> shift),
        int(((np.uint64(green + count // 2) * multiplier) & low32) >> shift),
        int(((np.uint64(blue + count // 2) * multiplier) & low32) >> shift),
    )


@numba.njit(cache=True, nogil=True)
def bilinear(picture: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """A grey picture resized as Pillow 13's `resize((out_w, out_h), BILINEAR)` resizes it.

    Pillow runs the vertical pass first when the height shrinks by more than twice what the width
    does; otherwise the horizontal pass first, over the source rows the vertical pass will read.
    """
    h, w = picture.shape
    if h == out_h and w == out_w:
        return picture.copy()
    rows_start, rows_taps, rows_weights = _weights(h, out_h)
    cols_start, cols_taps, cols_weights = _weights(w, out_w)
    if h - out_h > 0 and h - out_h > (w - out_w) * 2:
        tall = _vertical(picture, rows_start, rows_taps, rows_weights)
        return _horizontal(tall, cols_start, cols_taps, cols_weights) if w != out_w else tall
    if w == out_w:
        return _vertical(picture, rows_start, rows_taps, rows_weights)
    first = rows_start[0]
    last = rows_start[out_h - 1] + rows_taps[out_h - 1]
    wide = _horizontal(picture[first:last], cols_start, cols_taps, cols_weights)
    if h == out_h:
        return wide
    return _vertical(wide, rows_start - first, rows_taps, rows_weights)


@numba.njit(cache=True, nogil=True)
def _weights(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each output pixel: its first source pixel, how many it reads, and their fixed-point weights.

    The triangle filter is stretched by the scale factor when shrinking (support 1 source pixel
    per output pixel's width), and the weights of each output are normalised to sum to 1.
    """
    scale = in_size / out_size
    support = max(scale, 1.0)  # the triangle's half-width, 1 source pixel, stretched when shrinking
    taps_max = math.ceil(support) * 2 + 1
    starts = np.zeros(out_size, dtype=np.int64)
    taps = np.zeros(out_size, dtype=np.int64)
    fixed = np.zeros((out_size, taps_max), dtype=np.int32)
    raw = np.zeros(taps_max)
    inverse = 1.0 / support
    for o in range(out_size):
        centre = (o + 0.5) * scale
        start = max(int(centre - support + 0.5), 0)
        count = min(int(centre + support + 0.5), in_size) - start
        total = 0.0
        for k in range(count):
            distance = abs((k + start - centre + 0.5) * inverse)
            raw[k] = 1.0 - distance if distance < 1.0 else 0.0
            total += raw[k]
        for k in range(count):
            weight = raw[k] / total if total != 0.0 else raw[k]
            fixed[o, k] = int(weight * (1 << _PRECISION_BITS) + (0.5 if weight >= 0 else -0.5))
        starts[o] = start
        taps[o] = count
    return starts, taps, fixed


@numba.njit(cache=True, nogil=True)
def _horizontal(picture: np.ndarray, starts: np.ndarray, taps: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """The horizontal pass, as the vertical pass of the transposed picture (its inner loop then runs
    along memory and vectorises)."""
    return _vertical(picture.T.copy(), starts, taps, fixed).T.copy()


@numba.njit(cache=True, nogil=True)
def _vertical(picture: np.ndarray, starts: np.ndarray, taps: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Each output row: the weighted sum of its source rows, rounded and clipped to 8 bits. The sums
    fit in 32 bits (weights of 22 bits summing to about 1, pixels of 8), as in Pillow."""
    width = picture.shape[1]
    out = np.empty((starts.shape[0], width), dtype=np.uint8)
    total = np.empty(width, dtype=np.int32)
    for o in range(starts.shape[0]):
        total[:] = _HALF
        for k in range(taps[o]):
            weight = fixed[o, k]
            source = picture[starts[o] + k]
            for c in range(width):
                total[c] += np.int32(source[c]) * weight
        for c in range(width):
            out[o, c] = min(max(total[c] >> _PRECISION_BITS, 0), 255)
    return out


@numba.njit(cache=True, nogil=True)
def summarise(
    pixels: np.ndarray, dct: np.ndarray, box_x: np.ndarray, box_y: np.ndarray
) -> tuple[float, float, float, np.ndarray, int, int, np.ndarray, tuple[int, int, int]]:
    """From an (h, w, channels) uint8 picture: grey mean, variance and Laplacian variance (`statistics`),
    the GRAY_SIDE x GRAY_SIDE grey thumbnail, its perceptual and gradient hashes and 16x16 reduction
    (`hashes`), and the channel means as `box_means` rounds them."""
    gray = grey(pixels)
    mean, variance, blur = statistics(gray)
    small = bilinear(gray, GRAY_SIDE, GRAY_SIDE)
    perceptual, gradient, reduced = hashes(small, dct, box_x, box_y)
    means = box_means(pixels) if pixels.shape[2] >= 3 else (0, 0, 0)
    return mean, variance, blur, small, perceptual, gradient, reduced, means
