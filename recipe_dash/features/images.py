"""Everything the image checks need from one file, read and decoded exactly once.

Runs inside executor workers (process pool or Dask), so it imports only Pillow, NumPy, hashlib, the
file guard of io/names.py, its compiled statistics (`_pixels`) and small-JPEG decoder (`jpeg`), and
returns plain columns that pickle cheaply.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from recipe_dash.features._pixels import GRAY_SIDE, box_weights, dct_rows, summarise
from recipe_dash.features.jpeg import decode_small_jpeg
from recipe_dash.io.names import read_regular, read_regular_with_status

CACHED_COLUMNS = (
    "sha256",
    "fingerprint",
    "phash",
    "dhash",
    "width",
    "height",
    "mode",
    "format",
    "file_bytes",
    "brightness",
    "contrast",
    "blur",
    "decode_error",
    "tiny",
    "gray32",
    "mean_r",
    "mean_g",
    "mean_b",
    "transparency",
    "frames",
    "orientation",
)
FILE_KEY_COLUMNS = ("size", "mtime_ns")  # the file's status when it was read: what its cached row is valid for
RETURNED_COLUMNS = (*FILE_KEY_COLUMNS, *CACHED_COLUMNS)
TINY_SIDE = GRAY_SIDE // 2  # `tiny` is a TINY_SIDE x TINY_SIDE grayscale uint8 thumbnail, row-major (`hashes` makes it)
# `gray32` is the GRAY_SIDE x GRAY_SIDE grayscale the perceptual hashes start from (as imagehash.phash), kept:
# near copies are first compared on it and the image model's gradient histograms are taken on it
WORK_SIDE = 64  # statistics are taken on the image box-reduced by an integer factor to a short side of 64-127 px
_SIXTEEN_BIT = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_ORIENTATION = 0x0112  # EXIF tag: 1 = as stored; 2..8 = mirror and/or rotate before showing
_MIN_RGB_SIDE = 6  # `box_means` rounds as Pillow from this side up; under it Pillow takes other routes


def image_features(paths: list[str], *, max_pixels: int) -> dict[str, list[Any]]:
    """Features of each file in `paths`, as columns in RETURNED_COLUMNS order; never raises for bad files."""
    columns: dict[str, list[Any]] = {name: [] for name in RETURNED_COLUMNS}
    for path in paths:
        row = file_features(path, max_pixels=max_pixels)  # a str: a Path per file cost 4 us of ~120
        for name in RETURNED_COLUMNS:
            columns[name].append(row.get(name))
    return columns


def pixel_hashes(paths: list[str], *, max_pixels: int) -> list[str | None]:
    """Exact hash of each file's decoded pixels (with size and mode); None when it does not decode.

    Costs a full pass over the pixels, so the pass asks for it only where two files share a
    fingerprint (see `recipe_dash.features.compute`).
    """
    hashes: list[str | None] = []
    for path in paths:
        try:
            image = _open(read_regular(path))
            if image.width * image.height > max_pixels:
                hashes.append(None)
                continue
            image.load()
        except (OSError, SyntaxError, ValueError, MemoryError):  # Pillow's errors for bad files
            hashes.append(None)
            continue
        image = _canonical(image)
        digest = hashlib.sha256(f"{image.mode}:{image.width}x{image.height}:".encode())
        digest.update(np.ascontiguousarray(np.asarray(image)).data)
        hashes.append("p:" + digest.hexdigest())
    return hashes


def file_features(path: str | Path, *, max_pixels: int) -> dict[str, Any]:
    """One file's features; `decode_error` says why pixel features are missing."""
    try:
        data, status = read_regular_with_status(path)
    except OSError as err:
        return {"file_bytes": None, "decode_error": f"cannot read the file: {err.strerror or err}"}
    row: dict[str, Any] = {"sha256": hashlib.sha256(data).hexdigest(), "file_bytes": len(data)}
    row |= {"size": status.st_size, "mtime_ns": status.st_mtime_ns}
    if not data:
        return row | {"decode_error": "zero-byte file"}
    # small plain JPEGs (most of an MNIST- or CIFAR-like set) skip Pillow: they need no work copy either
    small = decode_small_jpeg(data, min_side=_MIN_RGB_SIDE, max_side=2 * WORK_SIDE, max_pixels=max_pixels)
    if small is not None:
        height, width, channels = small.shape
        mode = "L" if channels == 1 else "RGB"
        row |= {"width": width, "height": height, "mode": mode, "format": "JPEG", "transparency": False}
        return row | {"frames": 1, "orientation": None} | _summary(small, mode, (width, height), None)
    try:
        image = _open(data)
    except UnidentifiedImageError:
        kind = "text" if _looks_like_text(data) else "unrecognised bytes"
        return row | {"decode_error": f"not an image: the content is {kind}"}
    except (OSError, SyntaxError, ValueError) as err:
        return row | {"decode_error": f"cannot read the image header: {err}"}
    width, height = image.size
    transparency = image.mode in _ALPHA_MODES or "transparency" in image.info
    row |= {"width": width, "height": height, "mode": image.mode, "format": image.format, "transparency": transparency}
    if width * height > max_pixels:
        return row | {
            "decode_error": f"{width}x{height} = {width * height:,} pixels, over the limit of {max_pixels:,} "
            "(possible decompression bomb); not decoded"
        }
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, MemoryError) as err:
        reason = "truncated" if "truncated" in str(err).lower() else "damaged"
        return row | {"decode_error": f"{reason}: {err}"}
    return row | _layout(image) | pixel_features(image)


def _layout(image: Image.Image) -> dict[str, Any]:
    """Frames (pages) in the file and an EXIF orientation other than 'as stored', which most loaders ignore."""
    try:
        frames = int(getattr(image, "n_frames", 1) or 1)
    except (OSError, SyntaxError, ValueError, EOFError):  # a later frame is damaged: the first one decoded
        frames = None
    try:
        orientation = image.getexif().get(_ORIENTATION)
    except (OSError, SyntaxError, ValueError, TypeError):
        orientation = None
    return {"frames": frames, "orientation": orientation if orientation in range(2, 9) else None}


def pixel_features(image: Image.Image) -> dict[str, Any]:
    """Perceptual hashes and statistics from one reduced copy of the picture (one compiled pass over it).

    `fingerprint` hashes size, mode and what is computed here: pictures with equal pixels always
    share it, so only files sharing one can be pixel-identical and need their exact pixel hash.
    """
    image = _canonical(image)
    work = _work_copy(image)
    pixels = np.frombuffer(work.tobytes(), dtype=np.uint8).reshape(work.height, work.width, -1)
    return _summary(pixels, image.mode, image.size, work)


def _summary(pixels: np.ndarray, mode: str, size: tuple[int, int], work: Image.Image | None) -> dict[str, Any]:
    """`pixel_features` from the work copy `pixels` ((height, width, channels), read-only) of a
    picture in `mode` of `size` (width, height); `work` is that copy in Pillow, or None for a picture
    decoded without Pillow (grey, or RGB of _MIN_RGB_SIDE px or more a side)."""
    mean, variance, blur, small, perceptual, gradient, reduced, box_means = summarise(
        pixels, dct_rows(), *box_weights()
    )
    thumb = small.tobytes()
    means = _channel_means(pixels, mean / 255.0, box_means, work)
    width, height = size
    fingerprint = hashlib.sha256(f"{mode}:{width}x{height}:{means}:{variance}:".encode())
    fingerprint.update(thumb)
    return {
        "fingerprint": fingerprint.hexdigest(),
        "phash": perceptual,
        "dhash": gradient,
        "brightness": mean / 255.0,
        "contrast": variance**0.5 / 255.0,
        "blur": blur,
        "tiny": reduced.tobytes(),
        "gray32": thumb,
        "mean_r": means[0],
        "mean_g": means[1],
        "mean_b": means[2],
    }


def warm_up() -> None:
    """Load the compiled kernels now: a worker forked afterwards inherits them instead of loading
    them itself (a quarter of a second each, as much as decoding a few thousand small pictures).

    The array is read-only, as `pixel_features` passes it (a view of bytes): Numba compiles a
    read-only array as another type, which a writable one would leave every worker to load.
    """
    pixels = np.frombuffer(bytes(GRAY_SIDE * GRAY_SIDE * 3), dtype=np.uint8).reshape(GRAY_SIDE, GRAY_SIDE, 3)
    summarise(pixels, dct_rows(), *box_weights())


def gray_work_copy(data: bytes, *, max_pixels: int) -> Image.Image:
    """The grayscale work copy of a file's picture, exactly as `pixel_features` makes it (for code that
    looks at pixels again, such as near-copy verification). Raises Pillow's errors for a bad file and
    ValueError over `max_pixels`."""
    image = _open(data)
    if image.width * image.height > max_pixels:
        raise ValueError(f"{image.width}x{image.height} is over the pixel limit")
    image.load()
    work = _work_copy(_canonical(image))
    return work if work.mode == "L" else work.convert("L")


def _open(data: bytes) -> Image.Image:
    """Open without Pillow's own bomb check, so the header size of a huge image is still read."""
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        # Pillow refuses to even report the size past 2x its limit; ask the format plugins directly.
        prefix = data[:16]
        for format_id in Image.ID:
            factory, accept = Image.OPEN[format_id]
            if accept is None or accept(prefix):
                try:
                    image: Image.Image = factory(io.BytesIO(data), "")
                    return image
                except (SyntaxError, OSError, ValueError, IndexError, TypeError):
                    continue
        raise


def _canonical(image: Image.Image) -> Image.Image:
    """Palette and bilevel images become the RGB(A)/L pictures they show; other modes stay."""
    if image.mode in {"P", "PA"}:
        transparent = image.mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if transparent else "RGB")
    if image.mode == "1":
        return image.convert("L")
    return image


def _work_copy(image: Image.Image) -> Image.Image:
    """L, RGB or RGBA copy reduced by an integer factor to a short side of WORK_SIDE..2*WORK_SIDE-1 px.

    Big pictures are first sampled every few pixels (a box filter over all of them would cost a
    fifth of decoding), then box-reduced by 2 or 3 against aliasing. A function of the decoded
    pixels only, so equal pictures give equal copies.
    """
    if image.mode in _SIXTEEN_BIT or image.mode in {"I", "F"}:
        image = _eight_bit(image)
    elif image.mode not in {"L", "RGB", "RGBA"}:
        image = image.convert("RGBA" if image.mode in _ALPHA_MODES else "RGB")
    factor = min(image.size) // WORK_SIDE
    if factor > 3:
        step = factor // 2
        image = image.resize((image.width // step, image.height // step), Image.Resampling.NEAREST)
        factor = min(image.size) // WORK_SIDE
    return image.reduce(factor) if factor > 1 else image


def _eight_bit(image: Image.Image) -> Image.Image:
    """16/32-bit grayscale rescaled to 8 bits (16-bit from its full range, else from 0..255)."""
    values = np.asarray(image).astype(np.float64)
    top = 65535.0 if image.mode in _SIXTEEN_BIT or values.max(initial=0) > 255 else 255.0
    return Image.fromarray(np.clip(values / top * 255.0, 0, 255).astype(np.uint8), mode="L")


def _channel_means(
    pixels: np.ndarray, brightness: float, box_means: tuple[int, int, int], work: Image.Image | None
) -> tuple[float, float, float]:
    """Channel means, to 1/255 (Pillow's box reduction of the whole picture to one pixel).

    `box_means` is that reduction for RGB pictures of _MIN_RGB_SIDE or more a side; Pillow rounds
    other shapes its own way and premultiplies alpha, so those still ask Pillow (`work`).
    """
    height, width, channels = pixels.shape
    if channels == 1:
        return brightness, brightness, brightness
    if channels == 3 and min(height, width) >= _MIN_RGB_SIDE:
        return box_means[0] / 255.0, box_means[1] / 255.0, box_means[2] / 255.0
    assert work is not None, "pictures decoded without Pillow are grey, or RGB of _MIN_RGB_SIDE px or more"
    pixel = work.reduce((work.width, work.height)).getpixel((0, 0))
    assert isinstance(pixel, tuple), "RGB and RGBA pixels are tuples"
    return pixel[0] / 255.0, pixel[1] / 255.0, pixel[2] / 255.0


def _looks_like_text(data: bytes) -> bool:
    head = data[:512]
    return bool(head) and all(32 <= b < 127 or b in (9, 10, 13) for b in head)
