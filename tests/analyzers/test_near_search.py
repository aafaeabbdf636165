"""The near-copy machinery piece by piece: neighbours, alignment, star clusters."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.neighbors import NearestNeighbors

from recipe_dash.analyzers._search.align import allowed
from recipe_dash.analyzers._search.coarse import coarse_pairs
from recipe_dash.analyzers._search.neighbours import knn
from recipe_dash.analyzers._search.stars import star_merges


def test_the_forest_finds_most_true_nearest_neighbours() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(400, 32))
    x = (centres[rng.integers(0, 400, 4000)] + 0.3 * rng.normal(size=(4000, 32))).astype(np.float32)
    found = knn(x, 5)
    truth = NearestNeighbors(n_neighbors=6).fit(x).kneighbors(x, return_distance=False)[:, 1:]
    recall = np.mean([len(set(f) & set(t)) / 5 for f, t in zip(found, truth, strict=True)])
    nearest = np.mean([t[0] in f for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.8 and nearest >= 0.9, (recall, nearest)
    assert (found != np.arange(len(x))[:, None]).all()  # never itself


def _thumb(picture: Image.Image) -> np.ndarray:
    return np.asarray(picture.convert("L").resize((32, 32), Image.Resampling.BILINEAR))


@pytest.fixture(scope="module")
def digit() -> Image.Image:
    scan = load_digits().images[3]
    return Image.fromarray((235 - scan * 12).astype(np.uint8)).resize((64, 64), Image.Resampling.LANCZOS)


@pytest.mark.parametrize(
    ("edit", "is_copy"),
    [
        (lambda im: im.rotate(9, resample=Image.Resampling.BICUBIC, fillcolor=235), True),
        (lambda im: im.crop((5, 0, 64, 60)).resize((64, 64), Image.Resampling.BICUBIC), True),
        (lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT), False),  # a mirror image is not an edit
        (lambda im: im.rotate(25, resample=Image.Resampling.BICUBIC, fillcolor=235), False),  # turned, not tilted
        (lambda im: im.transform((64, 64), Image.Transform.AFFINE, (1, 0.3, -10, 0, 1, 0), fillcolor=235), False),
    ],
)
def test_the_coarse_pass_accepts_edits_and_refuses_other_geometry(digit: Image.Image, edit, is_copy: bool) -> None:
    thumbs = np.stack([_thumb(digit), _thumb(edit(digit))])
    correlation, warps = coarse_pairs(thumbs, np.ones(2), np.array([0]), np.array([1]))
    assert (correlation[0] > 0.99) == is_copy, correlation
    if is_copy:
        assert allowed(warps[0], 1.0, 1.0, 1.0)


def test_stars_do_not_chain_look_alikes() -> None:
    """0-1-2-3 each close to the next, 0 and 3 unlike: no cluster may hold both ends."""
    evidence = {(0, 1): 0.9, (1, 2): 0.8, (2, 3): 0.9, (0, 2): 0.1, (1, 3): 0.1, (0, 3): 0.0}
    left, right = np.array([0, 1, 2]), np.array([1, 2, 3])

    def scorer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.array([evidence[(min(x, y), max(x, y))] for x, y in zip(a, b, strict=True)])

    u, v, level = star_merges(left, right, scorer(left, right), scorer, min_evidence=0.2)
    assert (np.diff(level) <= 0).all()  # strongest first: cutting the list at a level is a valid clustering
    merged = {frozenset((int(a), int(b))) for a, b in zip(u, v, strict=True)}
    assert frozenset((0, 1)) in merged and frozenset((2, 3)) in merged
    assert frozenset((1, 2)) not in merged  # 0-1 and 2-3 would join through 1-2, but 0 and 3 share no centre
