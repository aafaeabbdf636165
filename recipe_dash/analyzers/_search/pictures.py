"""64 px thumbnails decoded again for the fine pass, with each picture's own noise level.

Only pictures in pairs the coarse pass could not rule out are decoded (threads: Pillow releases the
GIL while decoding). A file that no longer decodes gives no thumbnail, so it is never a near copy.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image

from recipe_dash.analyzers._search.align import BLUR
from recipe_dash.analyzers._search.fine import SIDE, prepare
from recipe_dash.features.images import gray_work_copy
from recipe_dash.io.names import read_regular
from recipe_dash.settings import get_settings

MAX_NOISE_SHARE = 0.2  # of a level's variance; more is not "light noise" and is not discounted
_NOISY_SIDE = 96  # a work copy larger than this is averaged down so much that its noise vanishes
_THREADS = 2


@dataclass
class Thumbnails:
    """Fine-pass levels of the pictures decoded so far, by dataset position."""

    paths: list[str]
    slot: dict[int, int] = field(default_factory=dict)  # position -> row in the arrays below
    failed: set[int] = field(default_factory=set)
    levels: tuple[np.ndarray, ...] = ()  # l64, l32, h64, h32 (see fine.prepare)
    noise: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))

    def load(self, positions: np.ndarray) -> None:
        """Decode the pictures at `positions` not decoded yet."""
        todo = [p for p in dict.fromkeys(positions.tolist()) if p not in self.slot and p not in self.failed]
        if not todo:
            return
        with ThreadPoolExecutor(_THREADS) as pool:
            decoded = list(pool.map(lambda p: _decode(self.paths[p]), todo))
        good = [(p, d) for p, d in zip(todo, decoded, strict=True) if d is not None]
        self.failed.update(p for p, d in zip(todo, decoded, strict=True) if d is None)
        if not good:
            return
        l64, l32, h64, h32, variance = prepare(np.stack([d[0] for _, d in good]), BLUR)
        noise = np.zeros((len(good), 2))
        for row, (_, (_, sigma, size)) in enumerate(good):
            if sigma > 0 and min(size) <= _NOISY_SIDE:
                noise[row] = np.minimum(
                    sigma**2 * _noise_gain(*size) / np.maximum(variance[row], 1e-9), MAX_NOISE_SHARE
                )
        self.slot.update({p: len(self.slot) + row for row, (p, _) in enumerate(good)})
        new = (l64, l32, h64, h32)
        self.levels = (
            new if not self.levels else tuple(np.concatenate([o, n]) for o, n in zip(self.levels, new, strict=True))
        )
        self.noise = np.concatenate([self.noise, noise])

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """Row of each position in the arrays; -1 when it does not decode."""
        return np.array([self.slot.get(p, -1) for p in positions.tolist()], dtype=np.int64)


def _decode(path: str) -> tuple[np.ndarray, float, tuple[int, int]] | None:
    """The 64 px thumbnail of the grey work copy (as the feature pass makes it), its noise sigma in
    grey levels, and the work copy's size."""
    try:
        gray = gray_work_copy(read_regular(path), max_pixels=get_settings().max_image_pixels)
    except (OSError, SyntaxError, ValueError, MemoryError, Image.DecompressionBombError):
        return None
    return np.asarray(gray.resize((SIDE, SIDE), Image.Resampling.BILINEAR)), _noise_sigma(np.asarray(gray)), gray.size


def _noise_sigma(gray: np.ndarray) -> float:
    """Noise sigma from the median absolute 3x3 Laplacian: edges are few, so the median sees the noise
    (Immerkaer 1996, with a median for robustness)."""
    if min(gray.shape) < 3:
        return 0.0
    g = gray.astype(np.float64)
    lap = 4 * g[1:-1, 1:-1] - 2 * (g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:])
    lap += g[:-2, :-2] + g[:-2, 2:] + g[2:, :-2] + g[2:, 2:]
    return float(np.median(np.abs(lap)) / (0.6745 * 6.0))  # 6 = the kernel's L2 norm


@lru_cache(maxsize=512)
def _noise_gain(width: int, height: int) -> np.ndarray:
    """Variance unit white noise of a work copy this size keeps at the 64 and 32 px levels, found by
    sending noise through the same resize and blur (once per size)."""
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 1.0, (4, height, width)).astype(np.float32)
    thumbs = np.stack(
        [np.asarray(Image.fromarray(z, "F").resize((SIDE, SIDE), Image.Resampling.BILINEAR)) for z in noise]
    )
    variance = prepare(thumbs.astype(np.float64), BLUR)[4]
    return variance.mean(axis=0)
