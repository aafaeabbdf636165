"""Second look at the pairs the coarse pass kept, on 64x64 thumbnails decoded again from the files.

Copies differ from their original by resampling, compression and noise; look-alikes differ in
their drawing. So the comparison forgives the first and not the second: it is made at the
resolution both pictures really have (a 24 px copy is not held to 64 px detail), with bicubic
sampling, with a little extra blur allowed on the sharper side (resizing and JPEG soften), with a
tone curve that may bend (a brightened picture clips), and with the noise one picture has beyond
the other discounted (noise attenuates a correlation, Spearman 1904). Only the difference: a copy
inherits its original's noise, and loses or gains some, while two noisy shots of one scene, or two
look-alikes drawn over noise, share none of theirs and must not be forgiven it.
Both directions are tried; the best allowed one counts.
"""

from __future__ import annotations

import numba
import numpy as np

from recipe_dash.analyzers._search.align import FAST, allowed, blur_normalise, halve, ic_steps, inverse_hessian, invert
from recipe_dash.analyzers._search.threads import in_threads

SIDE = 64
EXTRA_BLURS = np.array([0.0, 0.7, 1.2, 1.8])  # extra template blur tried, in pixels at 64 px (halved at 32)


def prepare(thumbs: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Blurred, normalised 64 and 32 px levels, their inverse Hessians, and each level's raw variance."""
    n = len(thumbs)
    l64, l32 = np.empty((n, SIDE, SIDE)), np.empty((n, SIDE // 2, SIDE // 2))
    h64, h32 = np.empty((n, 6, 6)), np.empty((n, 6, 6))
    variance = np.empty((n, 2))
    in_threads(_prepare_range, n, thumbs.astype(np.float64), sigma, l64, l32, h64, h32, variance, min_chunk=16)
    return l64, l32, h64, h32, variance


@numba.njit(cache=True, nogil=True)
def _prepare_range(thumbs, sigma, l64, l32, h64, h32, variance, start, end):  # type: ignore[no-untyped-def]
    tmp = np.empty((SIDE, SIDE))
    for k in range(start, end):
        variance[k, 0] = blur_normalise(thumbs[k], l64[k], tmp, sigma)
        halve(l64[k], l32[k])
        variance[k, 1] = l32[k].var() * variance[k, 0]
        inverse_hessian(l64[k], h64[k])
        inverse_hessian(l32[k], h32[k])


@numba.njit(cache=True, fastmath=FAST)
def _cubic_weights(t: float, w: np.ndarray) -> None:
    """Keys (a = -0.5) bicubic weights for a sample at fraction t past the second of four pixels."""
    t2, t3 = t * t, t * t * t
    w[0] = -0.5 * t3 + t2 - 0.5 * t
    w[1] = 1.5 * t3 - 2.5 * t2 + 1.0
    w[2] = -1.5 * t3 + 2.0 * t2 + 0.5 * t
    w[3] = 0.5 * t3 - 0.5 * t2


@numba.njit(cache=True, fastmath=FAST)
def _warp_cubic(img: np.ndarray, m: np.ndarray, out: np.ndarray, inside: np.ndarray) -> int:
    """`img` warped onto the template grid of `out` by bicubic sampling; returns how many samples fell inside."""
    n, size = out.shape[0], img.shape[0]
    wc, wr = np.empty(4), np.empty(4)
    count = 0
    for i in range(n):
        y = (i + 0.5) / n - 0.5
        for j in range(n):
            x = (j + 0.5) / n - 0.5
            c = (m[0, 0] * x + m[0, 1] * y + m[0, 2] + 0.5) * size - 0.5
            r = (m[1, 0] * x + m[1, 1] * y + m[1, 2] + 0.5) * size - 0.5
            inside[i, j] = not (c < -0.5 or r < -0.5 or c > size - 0.5 or r > size - 0.5)
            if not inside[i, j]:
                continue
            c0, r0 = int(np.floor(c)), int(np.floor(r))
            _cubic_weights(c - c0, wc)
            _cubic_weights(r - r0, wr)
            v = 0.0
            for di in range(4):
                ii = min(max(r0 - 1 + di, 0), size - 1)
                row = 0.0
                for dj in range(4):
                    row += wc[dj] * img[ii, min(max(c0 - 1 + dj, 0), size - 1)]
                v += wr[di] * row
            out[i, j] = v
            count += 1
    return count


@numba.njit(cache=True, fastmath=FAST)
def _blur7(src: np.ndarray, sigma: float, tmp: np.ndarray, out: np.ndarray) -> None:
    n = src.shape[0]
    k = np.exp(-0.5 * (np.arange(-3, 4) / sigma) ** 2)
    k /= k.sum()
    for i in range(n):
        for j in range(n):
            s = 0.0
            for t in range(7):
                s += k[t] * src[i, min(max(j + t - 3, 0), n - 1)]
            tmp[i, j] = s
    for i in range(n):
        for j in range(n):
            s = 0.0
            for t in range(7):
                s += k[t] * tmp[min(max(i + t - 3, 0), n - 1), j]
            out[i, j] = s


@numba.njit(cache=True, fastmath=FAST)
def _tone_fit(tpl: np.ndarray, warped: np.ndarray, inside: np.ndarray) -> float:
    """Square root of the share of the template's variance a rising quadratic tone curve of the
    warped picture explains (-1 when the curve falls: an inverted picture is not a copy)."""
    n = tpl.shape[0]
    s0 = s1 = s2 = s3 = s4 = y0 = y1 = y2 = yy = 0.0
    for i in range(n):
        for j in range(n):
            if inside[i, j]:
                x, y = warped[i, j], tpl[i, j]
                s0 += 1.0
                s1 += x
                s2 += x * x
                s3 += x * x * x
                s4 += x * x * x * x
                y0 += y
                y1 += y * x
                y2 += y * x * x
                yy += y * y
    normal = np.array([[s0, s1, s2], [s1, s2, s3], [s2, s3, s4]])
    for d in range(3):
        normal[d, d] += 1e-9 * s0
    coef = np.linalg.solve(normal, np.array([y0, y1, y2]))
    if coef[1] + 2.0 * coef[2] * s1 / s0 <= 0:
        return -1.0
    total = yy - y0 * y0 / s0
    explained = coef[0] * y0 + coef[1] * y1 + coef[2] * y2 - y0 * y0 / s0
    return np.sqrt(min(max(explained / max(total, 1e-12), 0.0), 1.0))


@numba.njit(cache=True, fastmath=FAST)
def _compare(tpl: np.ndarray, img: np.ndarray, m: np.ndarray, blurs: np.ndarray) -> tuple[float, float]:
    """Best tone-fit correlation over the extra blurs of the template, and the overlap's share."""
    n = tpl.shape[0]
    warped, inside = np.zeros((n, n)), np.zeros((n, n), dtype=np.bool_)
    count = _warp_cubic(img, m, warped, inside)
    if count < 16:
        return -1.0, 0.0
    tmp, blurred = np.empty((n, n)), np.empty((n, n))
    best = -1.0
    for sigma in blurs:
        if sigma <= 0:
            best = max(best, _tone_fit(tpl, warped, inside))
        else:
            _blur7(tpl, sigma, tmp, blurred)
            best = max(best, _tone_fit(blurred, warped, inside))
    return best, count / (n * n)


def fine_pairs(
    levels: tuple[np.ndarray, ...],
    noise: np.ndarray,
    aspect: np.ndarray,
    level: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    warps: np.ndarray,
) -> np.ndarray:
    """Best allowed, noise-corrected correlation of each pair (-1 when no allowed alignment).

    `levels`: l64, l32, h64, h32 from `prepare`; `warps[k]`: the coarse warp left -> right;
    `level[p]`: 0 when picture p has detail for 64 px, 1 for 32 px (a pair is compared at the
    coarser of its two); `noise[p, level]`: the share of that level's variance that is the picture's
    own noise (the pair is forgiven the difference of the two shares).
    """
    out = np.full(len(left), -1.0)
    in_threads(_fine_range, len(left), *levels, noise, aspect, level, left, right, warps, EXTRA_BLURS, out, min_chunk=8)
    return out


@numba.njit(cache=True, nogil=True)
def _fine_range(l64, l32, h64, h32, noise, aspect, level, left, right, warps, blurs, out, start, end):  # type: ignore[no-untyped-def]
    w64, w32 = np.empty((SIDE, SIDE)), np.empty((SIDE // 2, SIDE // 2))
    m = np.empty((2, 3))
    for k in range(start, end):
        a, b = left[k], right[k]
        lv = max(level[a], level[b])
        reliability = 1.0 - abs(noise[a, lv] - noise[b, lv])
        for direction in range(2):
            tpl, img = (a, b) if direction == 0 else (b, a)
            if direction == 0:
                m[:, :] = warps[k]
            elif not invert(warps[k], m):
                continue
            ic_steps(l32[tpl], l32[img], h32[tpl], m, 3, w32)
            if lv == 0:
                ic_steps(l64[tpl], l64[img], h64[tpl], m, 3, w64)
                c, overlap = _compare(l64[tpl], l64[img], m, blurs)
            else:
                c, overlap = _compare(l32[tpl], l32[img], m, blurs / 2)
            if allowed(m, aspect[tpl], aspect[img], overlap):
                out[k] = max(out[k], min(c / np.sqrt(reliability), 1.0))
