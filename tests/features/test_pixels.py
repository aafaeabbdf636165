"""The compiled grey copy, thumbnail and channel means give exactly Pillow's values.

Cached features, hashes and every threshold measured on them were made with Pillow's convert,
resize and reduce; a kernel one grey level off would silently move them.
"""

from __future__ import annotations

from pathlib import Path

import numba
import numpy as np
import pytest
from PIL import Image

from recipe_dash.features import images
from recipe_dash.features._pixels import GRAY_SIDE, bilinear, box_means, grey
from recipe_dash.features.images import pixel_features

# (height, width): square, tall, wide, smaller than the thumbnail on one or both sides, one side equal
# to it, and both sides of Pillow's pass-order rule (vertical first when the height shrinks by more
# than twice what the width does: 97x64 shrinks 65 rows and 32 columns, 96x64 64 and 32)
SHAPES = [
    (32, 32), (28, 28), (64, 64), (97, 64), (96, 64), (64, 97), (33, 32), (32, 33), (31, 90), (90, 31),
    (1, 1), (1, 40), (40, 1), (7, 300), (300, 7), (127, 254), (254, 127), (5, 5), (6, 9), (500, 33),
]  # fmt: skip


def _pictures(rng: np.random.Generator, height: int, width: int) -> list[np.ndarray]:
    """Noise (every rounding path), a smooth field (what photos look like) and a flat picture."""
    noise = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    field = rng.integers(0, 256, (3, 3, 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(field).resize((width, height), Image.Resampling.BICUBIC))
    flat = np.full((height, width, 3), rng.integers(0, 256, 3), dtype=np.uint8)
    return [noise, smooth, flat]


@pytest.mark.parametrize(("height", "width"), SHAPES)
def test_grey_and_thumbnail_equal_pillows(height: int, width: int) -> None:
    rng = np.random.default_rng(height * 1000 + width)
    for rgb in _pictures(rng, height, width):
        pillow_grey = Image.fromarray(rgb).convert("L")
        assert np.array_equal(grey(rgb), np.asarray(pillow_grey))
        for size in [(GRAY_SIDE, GRAY_SIDE), (9, 8), (17, 40)]:
            expected = np.asarray(pillow_grey.resize((size[1], size[0]), Image.Resampling.BILINEAR))
            assert np.array_equal(bilinear(np.asarray(pillow_grey), *size), expected), size


@pytest.mark.parametrize(("height", "width"), [s for s in SHAPES if min(s) >= 6])
def test_channel_means_equal_pillows_one_pixel_reduce(height: int, width: int) -> None:
    rng = np.random.default_rng(height + width)
    for rgb in _pictures(rng, height, width):
        expected = Image.fromarray(rgb).reduce((width, height)).getpixel((0, 0))
        assert box_means(rgb) == expected


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "LA", "1", "CMYK"])
@pytest.mark.parametrize(("height", "width"), [(28, 28), (97, 64), (5, 5), (1, 40), (300, 450)])
def test_features_of_every_mode_match_pillow_on_the_work_copy(mode: str, height: int, width: int) -> None:
    """The thumbnail and means the pass keeps, against Pillow's convert, resize and reduce of the
    same work copy (the Pillow steps before it are unchanged)."""
    rng = np.random.default_rng(7)
    alpha = rng.integers(0, 256, (height, width, 1), dtype=np.uint8)
    rgba = np.concatenate([_pictures(rng, height, width)[1], alpha], axis=2)
    image = Image.fromarray(rgba, "RGBA").convert(mode)
    row = pixel_features(image)
    work = images._work_copy(images._canonical(image))
    thumbnail = work.convert("L").resize((GRAY_SIDE, GRAY_SIDE), Image.Resampling.BILINEAR)
    assert row["gray32"] == thumbnail.tobytes()
    if work.mode != "L":
        pixel = work.reduce(work.size).getpixel((0, 0))
        assert (row["mean_r"], row["mean_g"], row["mean_b"]) == tuple(v / 255.0 for v in pixel[:3])


def test_warm_up_loads_the_kernel_for_the_arrays_the_pass_passes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Numba keeps one compiled version per argument type, read-only arrays apart: a warm-up on
    another type would leave every forked worker to load the pass's own at its first picture."""
    seen: list[object] = []
    compiled = images.summarise

    def recording(pixels: np.ndarray, *tables: np.ndarray) -> object:
        seen.append(numba.typeof(pixels))
        return compiled(pixels, *tables)

    monkeypatch.setattr(images, "summarise", recording)
    images.warm_up()
    for mode in ("RGB", "L"):
        pixel_features(Image.new(mode, (40, 30)))
        Image.new(mode, (40, 30)).save(tmp_path / f"{mode}.jpg")  # decoded without Pillow (features/jpeg.py)
        images.file_features(tmp_path / f"{mode}.jpg", max_pixels=10**6)
    assert len(seen) == 5 and len(set(seen)) == 1, seen
