"""Candidate pairs for the near-copy check: each picture's few nearest neighbours, never all pairs.

Three cheap views of a picture, each good at some edits: its blurred 16x16 thumbnail (re-encoding,
resizing, tints, noise), the same thumbnail moved and scaled so its content's centre and spread are
fixed (shifts and crops, which move the content), and its perceptual hash (what the old check used).
Neighbours in the first two come from a forest of random projection trees (Dasgupta & Freund 2008):
each tree splits the pictures at the median of their projection on the line through two random
members, down to leaves of a few dozen, and pictures are compared only inside a leaf. A copy shares
a leaf with its original in most trees, so a few trees find it, at n * LEAF comparisons per tree.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd

from recipe_dash.analyzers._search.align import BLUR, blur_normalise, halve
from recipe_dash.analyzers._search.hash_index import distinct_pairs
from recipe_dash.analyzers._search.threads import in_threads

NEIGHBOURS = 6  # per picture and per view
TREES = 6
LEAF = 24
DIMENSIONS = 32  # principal components kept of a 256-pixel view: distances stay, trees split faster
PHASH_RADIUS = 8  # bits; pairs farther apart in hash come from the other two views only
_PCA_SAMPLE = 2000  # pictures the principal axes are fitted on


def candidate_pairs(thumbs: np.ndarray, phash: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs (i < j) of rows of `thumbs` (n, 32, 32 uint8) worth a pixel comparison."""
    n = len(thumbs)
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    found = []
    for view in _views(thumbs):
        x = _principal(view.reshape(n, -1), DIMENSIONS)
        nn = knn(x, min(NEIGHBOURS, n - 1))
        rows = np.repeat(np.arange(n), nn.shape[1])
        found.append(np.stack([rows, nn.ravel()], axis=1))
    found.append(_hash_neighbours(phash, NEIGHBOURS))
    pairs = np.concatenate(found)
    pairs = pairs[(pairs[:, 1] >= 0) & (pairs[:, 0] != pairs[:, 1])]
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)


def _views(thumbs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Blurred, normalised 16x16 level of each 32x32 thumbnail, and the same centred on its content."""
    small = np.empty((len(thumbs), 16, 16), dtype=np.float32)
    centred = np.empty_like(small)
    in_threads(_views_range, len(thumbs), thumbs, small, centred)
    return small, centred


@numba.njit(cache=True, nogil=True)
def _views_range(thumbs: np.ndarray, small: np.ndarray, centred: np.ndarray, start: int, end: int) -> None:
    l32, tmp, l16 = np.empty((32, 32)), np.empty((32, 32)), np.empty((16, 16))
    for k in range(start, end):
        blur_normalise(thumbs[k], l32, tmp, BLUR)
        halve(l32, l16)
        small[k] = l16
        _centre(l16, centred[k])


@numba.njit(cache=True, nogil=True)
def _centre(img: np.ndarray, out: np.ndarray) -> None:
    """`img` resampled so its content (where it departs from the border's level by more than the
    border's own spread) has its centre in the middle and a fixed spread: a shifted or cropped copy
    then lands near its original."""
    s = img.shape[0]
    ring = np.concatenate((img[0], img[s - 1], img[:, 0], img[:, s - 1]))
    base = np.median(ring)
    spread = np.median(np.abs(ring - base))
    w = np.maximum(np.abs(img - base) - 3.0 * spread, 0.0)
    total = w.sum()
    if total <= 1e-9:
        out[:, :] = img
        return
    cy = cx = 0.0
    for i in range(s):
        for j in range(s):
            cy += w[i, j] * (i + 0.5)
            cx += w[i, j] * (j + 0.5)
    cy, cx = cy / total, cx / total
    r2 = 0.0
    for i in range(s):
        for j in range(s):
            r2 += w[i, j] * ((i + 0.5 - cy) ** 2 + (j + 0.5 - cx) ** 2)
    zoom = max(np.sqrt(r2 / total) / (0.25 * s), 1e-3)
    for i in range(s):
        for j in range(s):  # bilinear sample, edges clamped
            y = min(max(cy + zoom * (i + 0.5 - s / 2) - 0.5, 0.0), s - 1.0)
            x = min(max(cx + zoom * (j + 0.5 - s / 2) - 0.5, 0.0), s - 1.0)
            y0, x0 = min(int(y), s - 2), min(int(x), s - 2)
            fy, fx = y - y0, x - x0
            top = img[y0, x0] + fx * (img[y0, x0 + 1] - img[y0, x0])
            bottom = img[y0 + 1, x0] + fx * (img[y0 + 1, x0 + 1] - img[y0 + 1, x0])
            out[i, j] = top + fy * (bottom - top)


def _principal(x: np.ndarray, dimensions: int) -> np.ndarray:
    """The rows' coordinates on their first principal axes (fitted on a sample).

    Compiled loops rather than BLAS: BLAS threads spin and stall when other work shares the cores."""
    if x.shape[1] <= dimensions:
        return np.ascontiguousarray(x, dtype=np.float32)
    rng = np.random.default_rng(0)
    fit = x[np.sort(rng.choice(len(x), min(len(x), _PCA_SAMPLE), replace=False))]
    mean = fit.mean(axis=0)
    _, vectors = np.linalg.eigh(_covariance(fit.astype(np.float64), mean.astype(np.float64)))
    axes = np.ascontiguousarray(vectors[:, ::-1][:, :dimensions].T)
    out = np.empty((len(x), dimensions), dtype=np.float32)
    in_threads(_project_range, len(x), x, mean, axes, out)
    return out


@numba.njit(cache=True, nogil=True)
def _covariance(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    n, d = x.shape
    out = np.zeros((d, d))
    for a in range(d):
        for b in range(a, d):
            s = 0.0
            for i in range(n):
                s += (x[i, a] - mean[a]) * (x[i, b] - mean[b])
            out[a, b] = out[b, a] = s / n
    return out


@numba.njit(cache=True, nogil=True)
def _project_range(x: np.ndarray, mean: np.ndarray, axes: np.ndarray, out: np.ndarray, start: int, end: int) -> None:
    for i in range(start, end):
        for k in range(axes.shape[0]):
            s = 0.0
            for c in range(x.shape[1]):
                s += (x[i, c] - mean[c]) * axes[k, c]
            out[i, k] = s


def _hash_neighbours(phash: np.ndarray, k: int) -> np.ndarray:
    """Up to k pictures per picture within PHASH_RADIUS bits, nearest first."""
    inverse, i, j, distance = distinct_pairs(phash, PHASH_RADIUS)
    by_value = pd.DataFrame({"value": inverse, "row": np.arange(len(phash))})
    edges = pd.concat(
        [
            pd.DataFrame({"a": np.r_[i, j], "b": np.r_[j, i], "d": np.r_[distance, distance]})
            .merge(by_value.rename(columns={"value": "a", "row": "left"}), on="a")
            .merge(by_value.rename(columns={"value": "b", "row": "right"}), on="b"),
            # pictures sharing a hash: each with the next few of its value (not all pairs of a big group)
            _same_value_edges(inverse, k),
        ]
    )
    nearest = edges.sort_values(["left", "d"], kind="stable").groupby("left").head(k)
    return nearest[["left", "right"]].to_numpy(np.int64)


def _same_value_edges(inverse: np.ndarray, k: int) -> pd.DataFrame:
    order = np.argsort(inverse, kind="stable")
    values = inverse[order]
    edges = []
    for step in range(1, k + 1):
        same = values[step:] == values[:-step]
        edges.append(pd.DataFrame({"left": order[:-step][same], "right": order[step:][same], "d": 0}))
    return pd.concat(edges) if edges else pd.DataFrame({"left": [], "right": [], "d": []})


def knn(x: np.ndarray, k: int, *, trees: int = TREES, leaf: int = LEAF, seed: int = 0) -> np.ndarray:
    """Approximate k nearest neighbours (Euclidean) of each row; -1 where fewer were found."""
    n = len(x)
    nearest = np.full((n, k), -1, dtype=np.int64)
    distance = np.full((n, k), np.inf)
    leaf = max(leaf, k + 1)
    bounds = _leaf_bounds(n, leaf)
    for tree in range(trees):
        order = _tree_order(x, seed * 1000 + tree, leaf)
        in_threads(_update_range, len(bounds), x, order, bounds, nearest, distance, min_chunk=16)
    return nearest


@numba.njit(cache=True)
def _tree_order(x: np.ndarray, seed: int, leaf: int) -> np.ndarray:
    """Row order of one tree: every leaf (see `_leaf_bounds`) is a consecutive run."""
    np.random.seed(seed)
    n, d = x.shape
    order = np.arange(n)
    projection = np.empty(n)
    stack = [(0, n)]
    while stack:
        start, end = stack.pop()
        size = end - start
        if size <= leaf:
            continue
        p = order[start + np.random.randint(size)]
        q = order[start + np.random.randint(size)]
        for t in range(start, end):
            s = 0.0
            for c in range(d):
                s += x[order[t], c] * (x[p, c] - x[q, c])
            projection[t] = s + 1e-9 * np.random.random()  # identical rows still split
        segment = order[start:end].copy()
        order[start:end] = segment[np.argsort(projection[start:end])]
        stack.append((start, start + size // 2))
        stack.append((start + size // 2, end))
    return order


@numba.njit(cache=True)
def _leaf_bounds(n: int, leaf: int) -> np.ndarray:
    """(start, end) of every leaf: median splits make them depend on n and leaf only."""
    out = []
    stack = [(0, n)]
    while stack:
        start, end = stack.pop()
        if end - start <= leaf:
            out.append((start, end))
        else:
            stack.append((start, start + (end - start) // 2))
            stack.append((start + (end - start) // 2, end))
    bounds = np.empty((len(out), 2), dtype=np.int64)
    for i, (start, end) in enumerate(out):
        bounds[i, 0], bounds[i, 1] = start, end
    return bounds


@numba.njit(cache=True, nogil=True)
def _update_range(x, order, bounds, nearest, distance, start, end):  # type: ignore[no-untyped-def]
    """Offer every pair inside each leaf to both rows' sorted neighbour lists (a row is in one leaf,
    so threads on different leaves never touch the same row)."""
    k, d = nearest.shape[1], x.shape[1]
    for leaf in range(start, end):
        first, last = bounds[leaf, 0], bounds[leaf, 1]
        for s in range(first, last):
            i = order[s]
            for t in range(first, last):
                j = order[t]
                if i == j:
                    continue
                acc = 0.0
                for c in range(d):
                    acc += (x[i, c] - x[j, c]) ** 2
                if acc >= distance[i, k - 1] or j in nearest[i]:
                    continue
                r = k - 1
                while r > 0 and distance[i, r - 1] > acc:
                    distance[i, r], nearest[i, r] = distance[i, r - 1], nearest[i, r - 1]
                    r -= 1
                distance[i, r], nearest[i, r] = acc, j
