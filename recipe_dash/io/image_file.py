"""Decode one image file safely: decompression bombs refused, clear errors for broken files.

Only decoding lives here (no Dataset), so `Dataset.open_image`, thumbnails and loaders can all use it.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from recipe_dash.errors import DataError
from recipe_dash.io.names import name_text, read_regular, shown
from recipe_dash.settings import get_settings


def open_image(path: Path) -> Image.Image:
    """Decode one image file, with a clear error for bombs, non-images and broken files."""
    limit = get_settings().max_image_pixels
    name = shown(name_text(path.name))
    try:
        with Image.open(io.BytesIO(read_regular(path))) as img:  # a pipe in place of a file must not hang
            width, height = img.size
            if width * height > limit:
                raise DataError(
                    f"'{name}' is {width}x{height} pixels, over the limit of {limit:,}; "
                    "it is not decoded (raise RECIPE_DASH_MAX_IMAGE_PIXELS to allow it)."
                )
            img.load()
            return img.copy()
    except DataError:
        raise
    except Image.DecompressionBombError as err:
        raise DataError(f"'{name}' is over the limit of pixels we decode ({err}); it is not decoded.") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise DataError(f"'{name}' cannot be decoded as an image: {getattr(err, 'strerror', None) or err}") from None
