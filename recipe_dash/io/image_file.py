"""Decode one image file safely: decompression bombs refused, clear errors for broken files.

Only decoding lives here (no Dataset), so `Dataset.open_image`, thumbnails and loaders can all use it.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from recipe_dash.errors import DataError
from recipe_dash.settings import get_settings


def open_image(path: Path) -> Image.Image:
    """Decode one image file, with a clear error for bombs, non-images and broken files."""
    limit = get_settings().max_image_pixels
    try:
        with Image.open(path) as img:
            width, height = img.size
            if width * height > limit:
                raise DataError(
                    f"'{path.name}' is {width}x{height} pixels, over the limit of {limit:,}; "
                    "it is not decoded (raise RECIPE_DASH_MAX_IMAGE_PIXELS to allow it)."
                )
            img.load()
            return img.copy()
    except DataError:
        raise
    except Image.DecompressionBombError as err:
        raise DataError(f"'{path.name}' is over the limit of pixels we decode ({err}); it is not decoded.") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise DataError(f"'{path.name}' cannot be decoded as an image: {err}") from None
