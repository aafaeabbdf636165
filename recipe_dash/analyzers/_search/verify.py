"""Near copies verified on pixels and scored against the dataset's own look-alikes.

A near copy is a picture made from another (re-encoded, resized, cropped, shifted, rotated a little,
brightened, tinted, lightly noised), not a picture that merely looks alike. So candidates (a few
nearest neighbours per picture, `neighbours`) are aligned and compared on pixels, cheaply on the
cached 32 px thumbnails (`coarse`), then, where that could not rule a pair out, on pixels decoded
again (`fine`). What is left of a pair after the best allowed alignment is its residual,
1 - correlation, on a log10 scale.

How small a residual must be depends on the dataset: handwritten digits or icons on white have
distinct neighbours far closer than photos do. The typical residual between a picture and its
closest look-alike is measured on a sample (the median over pictures of the best of their three
closest candidates); a pair counts only when its residual is MARGIN orders of magnitude below that
and below ABSOLUTE_RESIDUAL. Evidence in [0, 1] is 0.5 at that threshold and moves by 0.5 per
EVIDENCE_SPAN / 2 orders of magnitude, so a slider on it moves the threshold on the residual.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recipe_dash.analyzers._search.coarse import coarse_pairs
from recipe_dash.analyzers._search.fine import SIDE, fine_pairs
from recipe_dash.analyzers._search.neighbours import candidate_pairs
from recipe_dash.analyzers._search.pictures import Thumbnails

ABSOLUTE_RESIDUAL = -2.5  # log10(1 - correlation): no dataset lets a pair this different count
MARGIN = 0.7  # orders of magnitude below the typical look-alike's residual
EVIDENCE_SPAN = 2.0  # orders of magnitude of residual from evidence 0 to evidence 1
COARSE_GATE = -1.6  # coarse residual above which a pair is not looked at again (copies stay under -2)
TYPICAL_SAMPLE = 300  # pictures whose closest look-alikes are verified to learn the typical residual
MIN_TYPICAL_SAMPLE = 20  # fewer pictures than this: no typical residual, the absolute threshold alone
_NO_MATCH = float(np.log10(2.0))  # residual of a pair without an allowed alignment (correlation -1)


@dataclass(frozen=True)
class Verified:
    """Scored candidate pairs (positions in the arrays given to `verify`)."""

    left: np.ndarray
    right: np.ndarray
    evidence: np.ndarray  # in [0, 1]; 0.5 at the threshold
    threshold: float  # the log10 residual a pair must stay under to count
    typical: float | None  # log10 residual of a typical closest look-alike; None when too few pictures


class Verifier:
    """Residuals of any pairs of the pictures, coarse first, fine only where needed."""

    def __init__(self, thumbs: np.ndarray, aspect: np.ndarray, native: np.ndarray, paths: list[str]) -> None:
        self.thumbs = thumbs  # (n, 32, 32) uint8: the feature pass's `gray32`
        self.aspect = aspect  # width / height of each picture
        self.level = (native * 1.25 < SIDE).astype(np.int64)  # small pictures are compared at 32 px
        self.fine = Thumbnails(paths)

    def coarse(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        correlation, warps = coarse_pairs(self.thumbs, self.aspect, left, right)
        return _residual(correlation), warps

    def residuals(self, left: np.ndarray, right: np.ndarray, warps: np.ndarray) -> np.ndarray:
        """Fine residual of each pair; a picture that no longer decodes matches nothing."""
        self.fine.load(np.r_[left, right])
        rows_left, rows_right = self.fine.rows(left), self.fine.rows(right)
        out = np.full(len(left), _NO_MATCH)
        ok = (rows_left >= 0) & (rows_right >= 0)
        if ok.any():
            slots = np.array(sorted(self.fine.slot, key=self.fine.slot.__getitem__), dtype=np.int64)
            correlation = fine_pairs(
                self.fine.levels,
                self.fine.noise,
                self.aspect[slots],
                self.level[slots],
                rows_left[ok],
                rows_right[ok],
                warps[ok],
            )
            out[ok] = _residual(correlation)
        return out

    def gated(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Fine residual where the coarse pass lets a pair through, else the coarse one."""
        coarse, warps = self.coarse(left, right)
        keep = coarse <= COARSE_GATE
        out = np.maximum(coarse, COARSE_GATE)
        if keep.any():
            out[keep] = self.residuals(left[keep], right[keep], warps[keep])
        return out


def verify(
    thumbs: np.ndarray, phash: np.ndarray, aspect: np.ndarray, native: np.ndarray, paths: list[str]
) -> tuple[Verified, Verifier]:
    """Candidate pairs among the pictures, verified and scored (see the module docstring)."""
    verifier = Verifier(thumbs, aspect, native, paths)
    left, right = candidate_pairs(thumbs, phash)
    coarse, warps = verifier.coarse(left, right)
    typical = _typical(verifier, left, right, coarse, warps)
    threshold = ABSOLUTE_RESIDUAL if typical is None else min(ABSOLUTE_RESIDUAL, typical - MARGIN)
    keep = coarse <= COARSE_GATE
    residual = np.full(len(left), _NO_MATCH)
    if keep.any():
        residual[keep] = verifier.residuals(left[keep], right[keep], warps[keep])
    return Verified(left, right, evidence(residual, threshold), threshold, typical), verifier


def evidence(residual: np.ndarray, threshold: float) -> np.ndarray:
    """Evidence in [0, 1] that pairs with these log10 residuals are copies: 0.5 at `threshold`."""
    return np.clip(0.5 + (threshold - residual) / EVIDENCE_SPAN, 0.0, 1.0)


def _typical(
    verifier: Verifier, left: np.ndarray, right: np.ndarray, coarse: np.ndarray, warps: np.ndarray
) -> float | None:
    """Median, over sampled pictures, of the best fine residual among their three closest candidates.

    Pairs the coarse pass already rules out keep their coarse residual (a lower bound that is far
    above any threshold anyway), so a diverse dataset costs no decoding here.
    """
    index = np.arange(len(left))
    pairs = pd.DataFrame(
        {"picture": np.r_[left, right], "pair": np.r_[index, index], "residual": np.r_[coarse, coarse]}
    )
    pairs = pairs.sort_values("residual", kind="stable")
    pairs = pairs[pairs.groupby("picture").cumcount() < 3]
    pictures = pairs["picture"].unique()
    if len(pictures) < MIN_TYPICAL_SAMPLE:
        return None
    chosen = np.random.default_rng(0).choice(pictures, size=min(TYPICAL_SAMPLE, len(pictures)), replace=False)
    sample = pairs[pairs["picture"].isin(chosen)]
    index = sample["pair"].to_numpy()
    fine = sample["residual"].to_numpy().copy()
    close = fine <= COARSE_GATE
    if close.any():
        fine[close] = verifier.residuals(left[index[close]], right[index[close]], warps[index[close]])
    return float(pd.Series(fine).groupby(sample["picture"].to_numpy()).min().median())


def _residual(correlation: np.ndarray) -> np.ndarray:
    return np.log10(np.maximum(1.0 - correlation, 1e-6))
