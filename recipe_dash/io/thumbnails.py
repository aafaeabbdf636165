"""Small previews made on first view and cached on disk, so a gallery page costs the same at 100 or 100k images."""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from recipe_dash.errors import DataError
from recipe_dash.io.image_file import open_image
from recipe_dash.settings import get_settings


@dataclass(frozen=True)
class Thumbnail:
    """A preview file, or a placeholder tile of the same size saying in a few words why there is none.

    `error` is that short reason ("empty file", "not an image"); it never holds a server path.
    """

    source: Path
    path: Path
    error: str | None = None


def thumbnail(source: Path, *, size: int = 128, cache_dir: Path | None = None) -> Thumbnail:
    """Return the cached preview of `source`, making it if the file is new or changed."""
    cache_dir = cache_dir or get_settings().thumbnails_dir
    try:
        stat = source.stat()
    except OSError:
        return _unreadable(source, "cannot read file", size, cache_dir)
    key = hashlib.sha1(
        os.fsencode(source.resolve()) + f"|{size}|{stat.st_size}|{stat.st_mtime_ns}|tile".encode()
    ).hexdigest()
    target = cache_dir / key[:2] / f"{key}.png"
    failure = target.with_suffix(".why")
    if target.exists():
        return Thumbnail(source, target)
    if failure.exists():
        return _unreadable(source, failure.read_text(), size, cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        image = open_image(source)
    except DataError as err:
        reason = _short_reason(str(err), stat.st_size)
        failure.write_text(reason)
        return _unreadable(source, reason, size, cache_dir)
    preview = _square_tile(_displayable(image), size)
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


MAX_ASPECT = 4.0  # a wider (or taller) image shows its middle part, so a 14000x60 panorama is not a 1-px line
_BACKGROUND = (240, 242, 246)  # the gallery's tile colour, also behind the placeholders


def _square_tile(image: Image.Image, size: int) -> Image.Image:
    """The image fitted into a square tile of `size` (letterboxed on the tile colour), so every tile in a
    gallery is the same size; extreme aspect ratios are cropped to MAX_ASPECT around the centre first."""
    width, height = image.size
    if width > MAX_ASPECT * height:
        keep = round(MAX_ASPECT * height)
        image = image.crop(((width - keep) // 2, 0, (width - keep) // 2 + keep, height))
    elif height > MAX_ASPECT * width:
        keep = round(MAX_ASPECT * width)
        image = image.crop((0, (height - keep) // 2, width, (height - keep) // 2 + keep))
    fill = {"L": _BACKGROUND[1], "RGBA": (*_BACKGROUND, 255)}.get(image.mode, _BACKGROUND)
    return ImageOps.pad(image, (size, size), Image.Resampling.LANCZOS, color=fill)


def _short_reason(message: str, n_bytes: int) -> str:
    """A few words for a gallery tile (the Corruption check has the full story)."""
    if n_bytes == 0:
        return "empty file"
    if "over the limit" in message:
        return "too large to decode"
    if "truncated" in message.lower():
        return "truncated image"
    return "not an image"


def _unreadable(source: Path, reason: str, size: int, cache_dir: Path) -> Thumbnail:
    return Thumbnail(source, placeholder(reason, size=size, cache_dir=cache_dir), reason)


def placeholder(reason: str, *, size: int = 128, cache_dir: Path | None = None) -> Path:
    """A square grey tile with the reason written on it, as big as a preview, so the grid keeps its shape."""
    cache_dir = cache_dir or get_settings().thumbnails_dir
    key = hashlib.sha1(f"placeholder|{reason}|{size}".encode()).hexdigest()
    target = cache_dir / "placeholders" / f"{key}.png"
    if target.exists():
        return target
    tile = Image.new("RGB", (size, size), _BACKGROUND)
    draw = ImageDraw.Draw(tile)
    inset = size // 8
    draw.rectangle((inset, inset, size - inset, size - inset), outline=(190, 194, 202), width=max(1, size // 64))
    font = ImageFont.load_default(size=max(10, size // 9))
    lines = _wrap(draw, ["unreadable", *reason.split()], font, width=size - 3 * inset)
    text = "\n".join(lines)
    draw.multiline_text((size / 2, size / 2), text, fill=(90, 96, 108), font=font, anchor="mm", align="center")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
    tile.save(partial, format="PNG")
    partial.replace(target)
    return target


Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


def _wrap(draw: ImageDraw.ImageDraw, words: list[str], font: Font, *, width: int) -> list[str]:
    lines: list[str] = [words[0]]  # "unreadable" on a line of its own, the reason below
    for word in words[1:]:
        joined = f"{lines[-1]} {word}" if len(lines) > 1 else None
        if joined is not None and draw.textlength(joined, font=font) <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines


def _displayable(image: Image.Image) -> Image.Image:
    """Convert modes a browser cannot show (CMYK, 16-bit, palette) to RGB/RGBA/L."""
    if image.mode in {"RGB", "RGBA", "L"}:
        return image
    if image.mode.startswith("I"):  # 16/32-bit integer: rescale to 8 bits
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
