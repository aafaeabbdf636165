"""The first layer as a picture: mosaic shapes, and numbers that tell structure from noise."""

from __future__ import annotations

import numpy as np
import pytest

from recipe_dash.regularize import layer_view
from recipe_dash.regularize.first_layer import mosaic, neighbour_correlation
from recipe_dash.training.artifacts import FirstLayer


def blobs(n: int, side: int) -> np.ndarray:
    """Smooth filters: a Gaussian blob at a different place in each."""
    grid = np.arange(side)
    rows, cols = np.meshgrid(grid, grid, indexing="ij")
    centres = np.random.default_rng(0).uniform(0, side, size=(n, 2))
    return np.stack([np.exp(-((rows - r) ** 2 + (cols - c) ** 2) / (side / 3) ** 2) for r, c in centres])


@pytest.mark.parametrize(
    ("weight_shape", "input_shape", "picture_shape", "tile_shape"),
    [
        ((16, 1, 3, 3), (1, 28, 28), (15, 15, 3), (3, 3)),  # 4x4 grey tiles with 1-px gaps
        ((8, 3, 5, 5), (3, 32, 32), (17, 17, 3), (5, 5)),  # 3x3 grid of RGB tiles, one cell empty
        ((4, 2, 3, 3), (2, 8, 8), (11, 11, 3), (3, 3)),  # 2 input channels: one tile per filter and channel
        ((10, 64), (1, 8, 8), (26, 35, 3), (8, 8)),  # a linear layer on 8x8 images: its rows as images
    ],
)
def test_mosaic_shapes(
    weight_shape: tuple[int, ...],
    input_shape: tuple[int, ...],
    picture_shape: tuple[int, ...],
    tile_shape: tuple[int, int],
) -> None:
    weight = np.random.default_rng(1).normal(size=weight_shape).astype(np.float32)
    view = layer_view(FirstLayer("0", "conv" if len(weight_shape) == 4 else "linear", weight, input_shape))
    assert view.kind == "images" and view.picture.shape == picture_shape and view.picture.dtype == np.uint8
    assert view.tile_shape == tile_shape


def test_a_linear_layer_on_table_features_is_a_heatmap() -> None:
    weight = np.random.default_rng(2).normal(size=(128, 30)).astype(np.float32)
    view = layer_view(FirstLayer("1", "linear", weight, (30,)))
    assert view.kind == "heatmap" and view.picture.shape == (64, 30) and view.smoothness is None


def test_zero_is_grey_and_gaps_are_white() -> None:
    picture = mosaic(np.array([[[0.0, 1.0], [-1.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]))
    assert picture.shape == (2, 5, 3)
    assert picture[0, 0].tolist() == [128, 128, 128] and picture[0, 1, 0] == 255 and picture[1, 0, 0] == 0
    assert (picture[:, 2] == 255).all()  # the gap column
    assert (picture[:, 3:] == 128).all()  # an all-zero filter is all grey


def test_smooth_filters_read_as_structure_and_random_ones_as_noise() -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(size=(16, 1, 8, 8)).astype(np.float32)
    trained = FirstLayer("0", "conv", blobs(16, 8)[:, None].astype(np.float32), (1, 32, 32), initial=noise)
    view = layer_view(trained)
    assert view.smoothness is not None and view.smoothness > 0.5
    assert view.smoothness_at_start is not None and abs(view.smoothness_at_start) < 0.15
    assert "smooth, structured filters" in view.summary
    still_noise = FirstLayer("0", "conv", noise + rng.normal(size=noise.shape).astype(np.float32), (1, 32, 32), noise)
    assert "still look like noise" in layer_view(still_noise).summary


def test_a_layer_training_never_reached_is_called_out() -> None:
    start = np.random.default_rng(4).normal(size=(16, 1, 8, 8)).astype(np.float32)
    view = layer_view(FirstLayer("0", "conv", start * 1.01, (1, 32, 32), initial=start))
    assert view.moved == pytest.approx(0.01, rel=1e-3) and "barely moved" in view.summary


def test_three_by_three_filters_are_too_small_to_judge() -> None:
    start = np.random.default_rng(5).normal(size=(16, 1, 3, 3)).astype(np.float32)
    view = layer_view(FirstLayer("0", "conv", start * 2, (1, 32, 32), initial=start))
    assert view.smoothness is None and "too few neighbouring weights" in view.summary
    assert neighbour_correlation(blobs(4, 8)) is not None
