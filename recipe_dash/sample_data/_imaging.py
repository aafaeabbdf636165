"""Pixel-level building blocks for the digits generator.

Kept apart from the planning logic in ``digits.py`` so that each planted
problem is a small, individually readable recipe: how a near copy is
degraded, how a broken file is forged, how an outlier is drawn.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image, PngImagePlugin
from sklearn.datasets import load_digits, load_sample_images

SIZE = 32  #: Side of every clean digit image, in pixels.
_BICUBIC = Image.Resampling.BICUBIC


# --------------------------------------------------------------------------- source
def load_upscaled_digits() -> tuple[np.ndarray, np.ndarray]:
    """sklearn's 8x8 digits (16 gray levels) as 32x32 uint8 arrays plus labels.

    Upscaling makes them look like a small real image dataset and gives the
    perceptual hashes enough pixels to work with.
    """
    bunch = load_digits()
    images = np.stack(
        [np.asarray(Image.fromarray(_to_uint8(img), "L").resize((SIZE, SIZE), _BICUBIC)) for img in bunch.images]
    )
    return images, bunch.target.astype(np.int64)


def raw_digits() -> np.ndarray:
    """sklearn's digits as raw (n, 64) scans, 0..16 per pixel, in the same order."""
    data: np.ndarray = load_digits().data.astype(np.float64)
    return data


def _to_uint8(image16: np.ndarray) -> np.ndarray:
    """Map the 0..16 gray levels onto 0..255."""
    return np.clip(np.round(image16 * 255.0 / 16.0), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- hashing
def hash_bits(image: Image.Image, kind: str = "phash") -> np.ndarray:
    """64 hash bits of ``image`` as a bool vector (for vectorised Hamming distances)."""
    func = imagehash.phash if kind == "phash" else imagehash.dhash
    bits: np.ndarray = func(image).hash.flatten()
    return bits


def hamming_matrix(bits: np.ndarray) -> np.ndarray:
    """All pairwise Hamming distances of an (n, 64) bool matrix; diagonal set to 65.

    Bits are packed into one uint64 per image and compared with XOR + popcount,
    so 1797x1797 pairs cost a few MB instead of an (n, n, 64) temporary.
    """
    packed = np.packbits(bits, axis=1).view(">u8").astype(np.uint64).ravel()
    dist = np.bitwise_count(packed[:, None] ^ packed[None, :]).astype(np.int64)
    np.fill_diagonal(dist, bits.shape[1] + 1)
    return dist


def decode(data: bytes) -> Image.Image:
    """Decode file bytes the way an analyzer would, fully loaded."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --------------------------------------------------------------------------- encoders
def encode(image: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    """Encode an image to bytes with Pillow (deterministic for a fixed Pillow build)."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def gray(pixels: np.ndarray) -> Image.Image:
    """Wrap a uint8 array as a grayscale image."""
    return Image.fromarray(pixels, "L")


def png(pixels: np.ndarray) -> bytes:
    """The encoding every clean sample uses (Pillow's default PNG settings)."""
    return encode(gray(pixels))


@dataclass(frozen=True)
class Reencoding:
    """A different file encoding of identical pixels (an exact, non-byte duplicate)."""

    ext: str
    detail: str
    encoder: Callable[[np.ndarray], bytes]


def _png_with_text(pixels: np.ndarray) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "ScanStation 2.1")
    return encode(gray(pixels), pnginfo=info)


REENCODINGS: tuple[Reencoding, ...] = (
    Reencoding(
        ".png",
        "re-saved as PNG with compress_level=0 (same pixels, different bytes)",
        lambda p: encode(gray(p), compress_level=0),
    ),
    Reencoding(".png", "re-saved as PNG with an extra tEXt chunk (same pixels, different bytes)", _png_with_text),
    Reencoding(".bmp", "re-saved as BMP (same pixels, different format)", lambda p: encode(gray(p), "BMP")),
    Reencoding(
        ".png",
        "re-saved as PNG with compress_level=1 (same pixels, different bytes)",
        lambda p: encode(gray(p), compress_level=1),
    ),
)


# --------------------------------------------------------------------------- near copies
@dataclass(frozen=True)
class Degradation:
    """A small perceptual change that turns an image into a near duplicate."""

    ext: str
    detail: str
    apply: Callable[[np.ndarray], bytes]


def _resized(side: int) -> Callable[[np.ndarray], bytes]:
    return lambda p: encode(gray(p).resize((side, side), _BICUBIC))


def _center_crop(pixels: np.ndarray) -> bytes:
    """Drop 1 px on every side (~6% of the width) and scale back to 32x32."""
    cropped = gray(pixels).crop((1, 1, SIZE - 1, SIZE - 1))
    return encode(cropped.resize((SIZE, SIZE), _BICUBIC))


def _rotated(degrees: float) -> Callable[[np.ndarray], bytes]:
    """Turned about the centre, corners filled with the background (black)."""
    return lambda p: encode(gray(p).rotate(degrees, resample=_BICUBIC, fillcolor=0))


def _cropped(box: tuple[int, int, int, int], back: bool) -> Callable[[np.ndarray], bytes]:
    """Cut to `box` (left, top, right, bottom), optionally scaled back to 32x32."""

    def crop(pixels: np.ndarray) -> bytes:
        cut = gray(pixels).crop(box)
        return encode(cut.resize((SIZE, SIZE), _BICUBIC) if back else cut)

    return crop


def _shifted(dx: int, dy: int) -> Callable[[np.ndarray], bytes]:
    """Content moved by (dx, dy) px; what moves out is lost, what comes in is black."""

    def shift(pixels: np.ndarray) -> bytes:
        out = Image.new("L", (SIZE, SIZE), 0)
        out.paste(gray(pixels), (dx, dy))
        return encode(out)

    return shift


def _noisy(sigma: float) -> Callable[[np.ndarray], bytes]:
    """Gaussian noise, seeded by the pixels themselves so the file is reproducible."""

    def noise(pixels: np.ndarray) -> bytes:
        rng = np.random.default_rng(zlib.crc32(pixels.tobytes()))
        noisy = pixels.astype(np.float64) + rng.normal(0.0, sigma, pixels.shape)
        return encode(gray(np.clip(np.round(noisy), 0, 255).astype(np.uint8)))

    return noise


def _contrast(factor: float) -> Callable[[np.ndarray], bytes]:
    """Contrast around mid-grey scaled by `factor` (clipped)."""

    def contrast(pixels: np.ndarray) -> bytes:
        out = 128.0 + factor * (pixels.astype(np.float64) - 128.0)
        return encode(gray(np.clip(np.round(out), 0, 255).astype(np.uint8)))

    return contrast


def _towards(pixels: np.ndarray, target: float, amount: float) -> bytes:
    """Move every pixel ``amount`` of the way towards ``target`` (brighten/darken)."""
    moved = pixels.astype(np.float64) + amount * (target - pixels.astype(np.float64))
    return encode(gray(np.clip(np.round(moved), 0, 255).astype(np.uint8)))


DEGRADATIONS: tuple[Degradation, ...] = (
    Degradation(".png", "bicubically resized to 40x40", _resized(40)),
    Degradation(".jpg", "re-encoded as JPEG at quality 80", lambda p: encode(gray(p), "JPEG", quality=80)),
    Degradation(".png", "center-cropped by 1 px per side (~6%) and resized back to 32x32", _center_crop),
    Degradation(
        ".png", "brightened: every pixel moved 12% of the way towards white", lambda p: _towards(p, 255.0, 0.12)
    ),
    Degradation(".png", "bicubically resized to 28x28", _resized(28)),
    Degradation(".jpg", "re-encoded as JPEG at quality 70", lambda p: encode(gray(p), "JPEG", quality=70)),
    Degradation(".png", "darkened: every pixel value scaled by 0.88", lambda p: _towards(p, 0.0, 0.12)),
    Degradation(".jpg", "re-encoded as JPEG at quality 90", lambda p: encode(gray(p), "JPEG", quality=90)),
    Degradation(".png", "rotated by 7 degrees", _rotated(7.0)),
    Degradation(
        ".png",
        "cropped by 4 px on the left and 1 px at the top (15% of the area), resized back to 32x32",
        _cropped((4, 1, SIZE, SIZE), back=True),
    ),
    Degradation(".png", "rotated by -4 degrees", _rotated(-4.0)),
    Degradation(".png", "shifted by 3 px right and 2 px down", _shifted(3, 2)),
    Degradation(".png", "Gaussian noise, sigma 8 grey levels", _noisy(8.0)),
    Degradation(".png", "rotated by 10 degrees", _rotated(10.0)),
    Degradation(
        ".png",
        "cropped to its right 29 of 32 columns (9% of the area), not resized",
        _cropped((3, 0, SIZE, SIZE), back=False),
    ),
    Degradation(".png", "contrast scaled by 1.25 around mid-grey", _contrast(1.25)),
    Degradation(".png", "rotated by -9 degrees", _rotated(-9.0)),
    Degradation(
        ".png",
        "cropped by 2 px on the left, 1 px on the right and 1 px at the bottom (12% of the area), "
        "resized back to 32x32",
        _cropped((2, 0, SIZE - 1, SIZE - 1), back=True),
    ),
)


# --------------------------------------------------------------------------- corrupt files
@dataclass(frozen=True)
class Breakage:
    """A broken or non-standard file. ``uses_source`` says whether it is made
    from a digit image (which is then used for nothing else); ``issue_type`` is
    ``corrupt`` for a file that cannot be used as it is, else the format note a
    valid but unusual file gets."""

    ext: str
    detail: str
    uses_source: bool
    make: Callable[[np.ndarray], bytes]
    issue_type: str = "corrupt"


def _truncated(pixels: np.ndarray) -> bytes:
    data = png(pixels)
    return data[: len(data) // 2]


def _lfs_pointer(pixels: np.ndarray) -> bytes:
    """A Git LFS pointer: the classic text file that sits where an image should."""
    digest = zlib.crc32(pixels.tobytes())
    oid = f"{digest:08x}" * 8
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 412\n".encode()


def _uint16_png(pixels: np.ndarray) -> bytes:
    return encode(Image.fromarray(pixels.astype(np.uint16) * 257))


def _palette_png(pixels: np.ndarray) -> bytes:
    return encode(gray(pixels).convert("P"), transparency=0)


@functools.lru_cache(maxsize=1)
def bomb_png(side: int = 14_000) -> bytes:
    """A side x side all-black 8-bit PNG written by hand, streaming the zeros,
    so it costs ~1 s and no 196 MB buffer. Pillow refuses to open it because it
    exceeds twice ``Image.MAX_IMAGE_PIXELS`` (DecompressionBombError)."""
    compressor = zlib.compressobj(9)
    rows = b"\x00" * ((side + 1) * 100)  # filter byte + pixels, 100 rows at a time
    body = [compressor.compress(rows) for _ in range(side // 100)]
    body.append(compressor.compress(b"\x00" * ((side + 1) * (side % 100))))
    body.append(compressor.flush())
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(body)) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


BREAKAGES: tuple[Breakage, ...] = (
    Breakage(".png", "zero-byte file with a .png name", False, lambda p: b""),
    Breakage(".png", "PNG truncated to the first half of its bytes", True, _truncated),
    Breakage(".png", "text file (a Git LFS pointer) named .png", True, _lfs_pointer),
    Breakage(
        ".png",
        "JPEG bytes saved under a .png name (content does not match extension; still decodes)",
        True,
        lambda p: encode(gray(p), "JPEG", quality=85),
        "wrong_extension",
    ),
    Breakage(
        ".jpg",
        "CMYK JPEG (4-channel colour mode)",
        True,
        lambda p: encode(gray(p).convert("CMYK"), "JPEG"),
        "unusual_mode",
    ),
    Breakage(".png", "16-bit grayscale PNG (mode I;16)", True, _uint16_png, "unusual_mode"),
    Breakage(".png", "palette PNG with transparency (mode P + tRNS)", True, _palette_png, "unusual_mode"),
    Breakage(
        ".png",
        "extreme aspect ratio: the digit stretched to 640x32",
        True,
        lambda p: encode(gray(p).resize((640, SIZE), _BICUBIC)),
        "odd_size",
    ),
    Breakage(".png", "tiny 2x2 image", True, lambda p: encode(gray(p).resize((2, 2), _BICUBIC)), "odd_size"),
    Breakage(
        ".png",
        "decompression bomb: 14000x14000 all-black PNG (over Pillow's 2x MAX_IMAGE_PIXELS limit)",
        False,
        lambda p: bomb_png(),
    ),
)


# --------------------------------------------------------------------------- outliers
@dataclass(frozen=True)
class Outlier:
    """An image that does not belong among handwritten digits."""

    detail: str
    data: bytes


def make_outliers(rng: np.random.Generator) -> list[Outlier]:
    """Photos (from sklearn's bundled china.jpg/flower.jpg), noise and blanks.

    Each photo outlier uses a different region of a photo, so no two outliers
    are near duplicates of each other.
    """
    china, flower = load_sample_images().images  # both 427x640x3 uint8
    photos = [
        ("china.jpg, centre square downscaled to 32x32, grayscale", china[:, 106:533], "L"),
        ("flower.jpg, centre square downscaled to 32x32, RGB", flower[:, 106:533], "RGB"),
        ("china.jpg, top-left 200x200 region downscaled to 32x32, RGB", china[:200, :200], "RGB"),
        ("flower.jpg, bottom-right 160x160 region downscaled to 32x32, grayscale", flower[-160:, -160:], "L"),
    ]
    outliers = [
        Outlier(f"Photo among digits: {text}.", encode(Image.fromarray(region).convert(mode).resize((SIZE, SIZE))))
        for text, region, mode in photos
    ]
    noise = rng.integers(0, 256, size=(SIZE, SIZE), dtype=np.uint8)
    outliers += [
        Outlier("Pure uniform noise, 32x32 grayscale.", png(noise)),
        Outlier("All-white blank 32x32 image.", png(np.full((SIZE, SIZE), 255, np.uint8))),
        Outlier("All-black blank 32x32 image.", png(np.zeros((SIZE, SIZE), np.uint8))),
    ]
    return outliers
