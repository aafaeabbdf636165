"""Align two small grayscale pictures and say whether the alignment is an edit a copy could have had.

The coarse pass of the near-copy check runs here on every candidate pair, on the 32x32 thumbnails the
feature pass cached: blur and normalise both, find the best whole-pixel shift at 8x8, refine an
affine warp by inverse compositional Lucas-Kanade steps at 16x16 then 32x32 (Baker & Matthews), and
correlate the overlap. Warps map template coordinates to image coordinates, both normalised to
[-0.5, 0.5] on each axis of the squashed thumbnail; `allowed` judges them in physical coordinates
(the pictures' aspect ratios put back), where a rotation, a zoom or a crop is what it looks like.

Compiled by Numba (cached on disk): a pair costs tens of microseconds, and NumPy would need an
array per pixel row.
"""

from __future__ import annotations

import numba
import numpy as np

MAX_ROTATION = 12.0  # degrees: a copy may be straightened or tilted a little, not turned
MAX_SHEAR = 5.0  # degrees: a slanted drawing (an oblique font) is another drawing, not an edit
MIN_SCALE, MAX_SCALE = 0.7, 1.45  # content zoom: crops of up to ~15% and some slack
MAX_ANISOTROPY = 1.25  # a crop resized back to the old size stretches one axis
MIN_OVERLAP = 0.5  # share of the template that must land inside the other picture
MAX_SHIFT = 0.3  # of the picture's height
BLUR = 1.0  # Gaussian sigma in pixels before comparing: resampling and JPEG noise stop mattering
# fastmath without "nnan": NaN marks a sample outside the picture
FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}


@numba.njit(cache=True, fastmath=FAST)
def blur_normalise(src: np.ndarray, out: np.ndarray, tmp: np.ndarray, sigma: float) -> float:
    """`out` = `src` blurred (5 taps, edges clamped) to zero mean and unit variance; returns the
    variance before normalising."""
    n = src.shape[0]
    k1 = np.exp(-0.5 / (sigma * sigma))
    k2 = np.exp(-2.0 / (sigma * sigma))
    total = 1.0 + 2 * k1 + 2 * k2
    k0, k1, k2 = 1.0 / total, k1 / total, k2 / total
    for i in range(n):
        for j in range(n):
            tmp[i, j] = k0 * src[i, j] + k1 * (src[i, max(j - 1, 0)] + src[i, min(j + 1, n - 1)])
            tmp[i, j] += k2 * (src[i, max(j - 2, 0)] + src[i, min(j + 2, n - 1)])
    mean = 0.0
    for i in range(n):
        for j in range(n):
            v = k0 * tmp[i, j] + k1 * (tmp[max(i - 1, 0), j] + tmp[min(i + 1, n - 1), j])
            v += k2 * (tmp[max(i - 2, 0), j] + tmp[min(i + 2, n - 1), j])
            out[i, j] = v
            mean += v
    mean /= n * n
    var = 0.0
    for i in range(n):
        for j in range(n):
            var += (out[i, j] - mean) ** 2
    var /= n * n
    scale = 1.0 / np.sqrt(max(var, 1e-12))
    for i in range(n):
        for j in range(n):
            out[i, j] = (out[i, j] - mean) * scale
    return var


@numba.njit(cache=True, fastmath=FAST)
def halve(src: np.ndarray, out: np.ndarray) -> None:
    """2x2 box reduction (the next pyramid level)."""
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = 0.25 * (
                src[2 * i, 2 * j] + src[2 * i + 1, 2 * j] + src[2 * i, 2 * j + 1] + src[2 * i + 1, 2 * j + 1]
            )


@numba.njit(cache=True, fastmath=FAST)
def sample(img: np.ndarray, x: float, y: float) -> float:
    """Bilinear sample at normalised coordinates; NaN outside the picture."""
    n = img.shape[0]
    c = (x + 0.5) * n - 0.5
    r = (y + 0.5) * n - 0.5
    if c < -0.5 or r < -0.5 or c > n - 0.5 or r > n - 0.5:
        return np.nan
    c = min(max(c, 0.0), n - 1.0)
    r = min(max(r, 0.0), n - 1.0)
    c0 = min(int(c), n - 2)
    r0 = min(int(r), n - 2)
    fc, fr = c - c0, r - r0
    top = img[r0, c0] + fc * (img[r0, c0 + 1] - img[r0, c0])
    bottom = img[r0 + 1, c0] + fc * (img[r0 + 1, c0 + 1] - img[r0 + 1, c0])
    return top + fr * (bottom - top)


@numba.njit(cache=True, fastmath=FAST)
def inverse_hessian(tpl: np.ndarray, out: np.ndarray) -> None:
    """Inverse Gauss-Newton Hessian of the template's six affine steepest-descent images, over the
    whole grid: computed once per picture, not per step (pixels that fall outside the other picture
    then only drop out of the right-hand side, a small approximation)."""
    n = tpl.shape[0]
    h = np.zeros((6, 6))
    sd = np.empty(6)
    for i in range(n):
        y = (i + 0.5) / n - 0.5
        for j in range(n):
            x = (j + 0.5) / n - 0.5
            gx = 0.5 * n * (tpl[i, min(j + 1, n - 1)] - tpl[i, max(j - 1, 0)])
            gy = 0.5 * n * (tpl[min(i + 1, n - 1), j] - tpl[max(i - 1, 0), j])
            sd[0], sd[1], sd[2], sd[3], sd[4], sd[5] = gx * x, gy * x, gx * y, gy * y, gx, gy
            for a in range(6):
                for b in range(a, 6):
                    h[a, b] += sd[a] * sd[b]
    for a in range(6):
        h[a, a] += 1e-6 * n * n
        for b in range(a):
            h[a, b] = h[b, a]
    out[:, :] = np.linalg.inv(h)


@numba.njit(cache=True, fastmath=FAST)
def ic_steps(tpl: np.ndarray, img: np.ndarray, hinv: np.ndarray, m: np.ndarray, steps: int, warped: np.ndarray) -> None:
    """Refine the 2x3 affine `m` in place; gain and bias are refitted on the overlap at every step."""
    n = tpl.shape[0]
    b = np.empty(6)
    dp = np.empty(6)
    for _ in range(steps):
        sw, st, sww, _stt, swt, count = warp_moments(tpl, img, m, warped)
        if count < n * n // 3:
            return
        gain = (swt / count - sw / count * st / count) / max(sww / count - (sw / count) ** 2, 1e-9)
        bias = st / count - gain * sw / count
        b[:] = 0.0
        for i in range(n):
            y = (i + 0.5) / n - 0.5
            for j in range(n):
                v = warped[i, j]
                if v != v:
                    continue
                x = (j + 0.5) / n - 0.5
                e = gain * v + bias - tpl[i, j]
                gx = 0.5 * n * (tpl[i, min(j + 1, n - 1)] - tpl[i, max(j - 1, 0)]) * e
                gy = 0.5 * n * (tpl[min(i + 1, n - 1), j] - tpl[max(i - 1, 0), j]) * e
                b[0] += gx * x
                b[1] += gy * x
                b[2] += gx * y
                b[3] += gy * y
                b[4] += gx
                b[5] += gy
        biggest = 0.0
        for a in range(6):
            step = 0.0
            for c in range(6):
                step += hinv[a, c] * b[c]
            dp[a] = step
            biggest = max(biggest, abs(step))
        if not compose_inverse(m, dp) or biggest < 2e-3:
            return


@numba.njit(cache=True, fastmath=FAST)
def warp_moments(
    tpl: np.ndarray, img: np.ndarray, m: np.ndarray, warped: np.ndarray
) -> tuple[float, float, float, float, float, int]:
    """`warped` = the image sampled through `m` on the template's grid (NaN off the image), and the sums
    of w, t, w*w, t*t, w*t and the count over the pixels where both exist."""
    n = tpl.shape[0]
    sw = st = sww = stt = swt = 0.0
    count = 0
    for i in range(n):
        y = (i + 0.5) / n - 0.5
        for j in range(n):
            x = (j + 0.5) / n - 0.5
            v = sample(img, m[0, 0] * x + m[0, 1] * y + m[0, 2], m[1, 0] * x + m[1, 1] * y + m[1, 2])
            warped[i, j] = v
            if v == v:
                t = tpl[i, j]
                sw += v
                st += t
                sww += v * v
                stt += t * t
                swt += v * t
                count += 1
    return sw, st, sww, stt, swt, count


@numba.njit(cache=True, fastmath=FAST)
def compose_inverse(m: np.ndarray, dp: np.ndarray) -> bool:
    """m <- m o inverse(I + dp) for the affine step dp = (p0..p5); False if the step is degenerate."""
    a00, a01, a10, a11 = 1.0 + dp[0], dp[2], dp[1], 1.0 + dp[3]
    det = a00 * a11 - a01 * a10
    if abs(det) < 1e-9:
        return False
    i00, i01, i10, i11 = a11 / det, -a01 / det, -a10 / det, a00 / det
    t0 = -(i00 * dp[4] + i01 * dp[5])
    t1 = -(i10 * dp[4] + i11 * dp[5])
    r0 = (m[0, 0] * i00 + m[0, 1] * i10, m[0, 0] * i01 + m[0, 1] * i11, m[0, 0] * t0 + m[0, 1] * t1 + m[0, 2])
    r1 = (m[1, 0] * i00 + m[1, 1] * i10, m[1, 0] * i01 + m[1, 1] * i11, m[1, 0] * t0 + m[1, 1] * t1 + m[1, 2])
    m[0, 0], m[0, 1], m[0, 2] = r0
    m[1, 0], m[1, 1], m[1, 2] = r1
    return True


@numba.njit(cache=True, fastmath=FAST)
def invert(m: np.ndarray, out: np.ndarray) -> bool:
    """`out` = the inverse warp of `m` (image -> template)."""
    det = m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]
    if abs(det) < 1e-9:
        return False
    out[0, 0], out[0, 1] = m[1, 1] / det, -m[0, 1] / det
    out[1, 0], out[1, 1] = -m[1, 0] / det, m[0, 0] / det
    out[0, 2] = -(out[0, 0] * m[0, 2] + out[0, 1] * m[1, 2])
    out[1, 2] = -(out[1, 0] * m[0, 2] + out[1, 1] * m[1, 2])
    return True


@numba.njit(cache=True, fastmath=FAST)
def correlation(tpl: np.ndarray, img: np.ndarray, m: np.ndarray) -> tuple[float, float]:
    """Correlation of the template with the warped image over their overlap, and the overlap's share."""
    n = tpl.shape[0]
    sw, st, sww, stt, swt, count = warp_moments(tpl, img, m, np.empty((n, n)))
    if count < 16:
        return -1.0, 0.0
    cov = swt / count - sw / count * st / count
    var = (sww / count - (sw / count) ** 2) * (stt / count - (st / count) ** 2)
    return cov / np.sqrt(max(var, 1e-12)), count / (n * n)


@numba.njit(cache=True, fastmath=FAST)
def shift_start(tpl8: np.ndarray, img8: np.ndarray, m: np.ndarray) -> None:
    """`m` = the best whole-pixel shift at 8x8 (up to 2 px): Lucas-Kanade converges from there."""
    n = tpl8.shape[0]
    best, bx, by = 1e18, 0, 0
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            s = 0.0
            for i in range(max(0, -dy), min(n, n - dy)):
                for j in range(max(0, -dx), min(n, n - dx)):
                    s += (tpl8[i, j] - img8[i + dy, j + dx]) ** 2
            s /= (n - abs(dy)) * (n - abs(dx))
            if s < best:
                best, bx, by = s, dx, dy
    m[0, 0], m[0, 1], m[0, 2] = 1.0, 0.0, bx / n
    m[1, 0], m[1, 1], m[1, 2] = 0.0, 1.0, by / n


@numba.njit(cache=True, fastmath=FAST)
def allowed(m: np.ndarray, aspect_tpl: float, aspect_img: float, overlap: float) -> bool:
    """Is `m` a rotation, zoom, crop or shift within the limits above, in physical coordinates?"""
    a00, a01 = m[0, 0] * aspect_img / aspect_tpl, m[0, 1] * aspect_img
    a10, a11 = m[1, 0] / aspect_tpl, m[1, 1]
    if a00 * a11 - a01 * a10 <= 0:
        return False  # mirrored
    sx, sy = np.sqrt(a00 * a00 + a10 * a10), np.sqrt(a01 * a01 + a11 * a11)
    rotation = np.degrees(np.arctan2(a10, a00))
    shear = 90.0 - np.degrees(np.arccos(min(max((a00 * a01 + a10 * a11) / max(sx * sy, 1e-12), -1.0), 1.0)))
    scale = np.sqrt(sx * sy)
    shift = np.sqrt((m[0, 2] * aspect_img) ** 2 + m[1, 2] ** 2)
    return (
        abs(rotation) <= MAX_ROTATION
        and abs(shear) <= MAX_SHEAR
        and MIN_SCALE <= scale <= MAX_SCALE
        and 1.0 / MAX_ANISOTROPY <= sx / sy <= MAX_ANISOTROPY
        and overlap >= MIN_OVERLAP
        and shift <= MAX_SHIFT
    )
