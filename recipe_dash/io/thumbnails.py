"""Small previews made on first view and cached on disk, so a gallery page costs the same at 100 or 100k images."""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from recipe_dash.errors import DataError
from recipe_dash.io.image_file import open_image
from recipe_dash.settings import get_settings


@dataclass(frozen=True)
class Thumbnail:
    """A preview file, or the reason there is none (the gallery shows the reason instead)."""

    source: Path
    path: Path | None
    error: str | None = None


def thumbnail(source: Path, *, size: int = 128, cache_dir: Path | None = None) -> Thumbnail:
    """Return the cached preview of `source`, making it if the file is new or changed."""
    cache_dir = cache_dir or get_settings().thumbnails_dir
    try:
        stat = source.stat()
    except OSError as err:
        return Thumbnail(source, None, f"cannot read: {err.strerror}")
    key = hashlib.sha1(
        os.fsencode(source.resolve()) + f"|{size}|{stat.st_size}|{stat.st_mtime_ns}".encode()
    ).hexdigest()
    target = cache_dir / key[:2] / f"{key}.png"
    failure = target.with_suffix(".err")
    if target.exists():
        return Thumbnail(source, target)
    if failure.exists():
        return Thumbnail(source, None, failure.read_text())
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        image = open_image(source)
    except DataError as err:
        failure.write_text(str(err))
        return Thumbnail(source, None, str(err))
    preview = _contained(_displayable(image), size)
    # Two sessions of one server (two reviewers on one page) may make the same preview at once: each thread
    # writes its own partial file, and the last rename wins with identical bytes.
    partial = target.with_name(f"{target.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
    preview.save(partial, format="PNG")
    partial.replace(target)
    return Thumbnail(source, target)


def thumbnails(sources: list[Path], *, size: int = 128, workers: int = 4) -> list[Thumbnail]:
    """Previews for one gallery page, made in parallel (decoding releases the GIL)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda p: thumbnail(p, size=size), sources))


def _displayable(image: Image.Image) -> Image.Image:
    """Convert modes a browser cannot show (CMYK, 16-bit, palette) to RGB/RGBA/L."""
    if image.mode in {"RGB", "RGBA", "L"}:
        return image
    if image.mode.startswith("I"):  # 16/32-bit integer: rescale to 8 bits
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")


def _contained(image: Image.Image, size: int) -> Image.Image:
    """Scaled to fit a size x size box, at least one pixel on each side (a 10000x1 strip stays visible)."""
    scale = min(size / image.width, size / image.height)
    shape = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(shape, Image.Resampling.LANCZOS)
