"""Decode image samples into exactly what a network sees, skipping (and counting) files that do not decode.

The transform, in order: decode with Pillow (pixel-count limit enforced) -> 16-bit grayscale divided
by 257 to 8 bits, transparent pixels composited onto white -> convert to 'L' (one channel) or 'RGB'
(three) -> resize to height x width with bilinear filtering -> float32 / 255, so every value lies in
[0, 1] -> shape (C, H, W). Standardization per channel (the default) happens afterwards in data.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from recipe_dash.errors import DataError
from recipe_dash.io import Dataset

ImageMode = str  # "L" or "RGB"
GRAYSCALE_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
_HEADER_SCAN_LIMIT = 2000  # images whose headers decide the default mode and size; enough for a majority vote
TRANSFORM_TEXT = (
    "decoded with Pillow, converted to {mode}, resized to {height}x{width} (bilinear), "
    "divided by 255 (values in [0, 1]), shaped (C, H, W) = {shape}"
)


@dataclass(frozen=True)
class DecodedImages:
    """Pixels of the samples that decoded, and why the others did not."""

    pixels: np.ndarray  # (n_kept, C, H, W) float32 in [0, 1]
    kept: np.ndarray  # bool mask over the requested sample ids
    skipped: dict[str, str]  # sample_id -> reason it was not decoded


def image_format(dataset: Dataset, sample_ids: Sequence[str]) -> tuple[ImageMode, tuple[int, int]]:
    """The majority colour mode and the most common (height, width), read from file headers only."""
    modes: Counter[str] = Counter()
    sizes: Counter[tuple[int, int]] = Counter()
    for sample_id in list(sample_ids)[:_HEADER_SCAN_LIMIT]:
        try:
            with Image.open(dataset.image_path(sample_id)) as img:
                modes["L" if img.mode in GRAYSCALE_MODES else "RGB"] += 1
                sizes[(img.height, img.width)] += 1
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            continue  # counted as skipped when decoding
    if not sizes:
        raise DataError(f"None of the training images of '{dataset.name}' can be read; nothing to train on.")
    return modes.most_common(1)[0][0], sizes.most_common(1)[0][0]


def decode_images(
    dataset: Dataset, sample_ids: Sequence[str], *, mode: ImageMode, size: tuple[int, int]
) -> DecodedImages:
    """Decode, convert and resize every sample; undecodable ones are skipped with their reason."""
    height, width = size
    channels = 1 if mode == "L" else 3
    out = np.empty((len(sample_ids), height, width, channels), dtype=np.uint8)
    kept = np.zeros(len(sample_ids), dtype=bool)
    skipped: dict[str, str] = {}
    for i, sample_id in enumerate(sample_ids):
        try:
            image = dataset.open_image(sample_id)
            pixels = np.asarray(_to_mode(image, mode).resize((width, height), Image.Resampling.BILINEAR))
        except DataError as err:
            skipped[sample_id] = str(err)
            continue
        except (OSError, ValueError) as err:
            skipped[sample_id] = f"'{sample_id}' cannot be converted to {mode}: {err}"
            continue
        out[i] = pixels.reshape(height, width, channels)
        kept[i] = True
    pixels = out[kept].transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    return DecodedImages(pixels=pixels, kept=kept, skipped=skipped)


def transform_text(mode: ImageMode, size: tuple[int, int]) -> str:
    channels = 1 if mode == "L" else 3
    name = "grayscale (L)" if mode == "L" else "RGB"
    return TRANSFORM_TEXT.format(mode=name, height=size[0], width=size[1], shape=(channels, *size))


def _to_mode(image: Image.Image, mode: ImageMode) -> Image.Image:
    """Convert, scaling 16-bit grayscale down to 8 bits instead of clipping it to white."""
    if image.mode.startswith("I;16"):
        values = np.asarray(image, dtype=np.float64) / 257.0
        image = Image.fromarray(values.clip(0, 255).astype(np.uint8))
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return image.convert(mode)
