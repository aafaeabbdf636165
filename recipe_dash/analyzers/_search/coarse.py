"""First look at every candidate pair, on the 32x32 thumbnails the feature pass cached.

A pair that does not correlate closely after the best allowed alignment at 32 px is not a copy; the
few that do are looked at again on freshly decoded pixels (`fine`). One direction (left picture as
the template) is enough here: the fine pass tries both.
"""

from __future__ import annotations

import numba
import numpy as np

from recipe_dash.analyzers._search.align import (
    BLUR,
    FAST,
    allowed,
    blur_normalise,
    correlation,
    halve,
    ic_steps,
    inverse_hessian,
    shift_start,
)
from recipe_dash.analyzers._search.threads import in_threads

SIDE = 32  # the cached thumbnail's side
REJECT_16 = 0.85  # correlation at 16 px after 4 steps under which a pair stops here (planted copies: 0.89+)


@numba.njit(cache=True, fastmath=FAST)
def _levels(thumb: np.ndarray, l32: np.ndarray, l16: np.ndarray, l8: np.ndarray, tmp: np.ndarray) -> None:
    blur_normalise(thumb, l32, tmp, BLUR)
    halve(l32, l16)
    halve(l16, l8)


def coarse_pairs(
    thumbs: np.ndarray, aspect: np.ndarray, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Best allowed correlation of each pair at 32 px (-1 when no allowed alignment), and its warp
    (left -> right, normalised coordinates) to start the fine pass from."""
    best = np.full(len(left), -1.0)
    warps = np.zeros((len(left), 2, 3))
    in_threads(_coarse_range, len(left), thumbs, aspect, left, right, best, warps)
    return best, warps


@numba.njit(cache=True, nogil=True)
def _coarse_range(
    thumbs: np.ndarray,
    aspect: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    best: np.ndarray,
    warps: np.ndarray,
    start: int,
    end: int,
) -> None:
    tmp = np.empty((SIDE, SIDE))
    t32, i32, w32 = np.empty((SIDE, SIDE)), np.empty((SIDE, SIDE)), np.empty((SIDE, SIDE))
    t16, i16, w16 = np.empty((16, 16)), np.empty((16, 16)), np.empty((16, 16))
    t8, i8 = np.empty((8, 8)), np.empty((8, 8))
    h16, h32 = np.empty((6, 6)), np.empty((6, 6))
    m = np.empty((2, 3))
    for k in range(start, end):
        a, b = left[k], right[k]
        _levels(thumbs[a], t32, t16, t8, tmp)
        _levels(thumbs[b], i32, i16, i8, tmp)
        shift_start(t8, i8, m)
        inverse_hessian(t16, h16)
        ic_steps(t16, i16, h16, m, 4, w16)  # copies converge in a few steps; most pairs stop here
        if correlation(t16, i16, m)[0] < REJECT_16:
            continue
        ic_steps(t16, i16, h16, m, 4, w16)
        inverse_hessian(t32, h32)
        ic_steps(t32, i32, h32, m, 4, w32)
        c, overlap = correlation(t32, i32, m)
        if allowed(m, aspect[a], aspect[b], overlap):
            best[k] = c
            warps[k] = m
