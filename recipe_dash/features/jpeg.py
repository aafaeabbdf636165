"""Small plain JPEGs decoded by libjpeg-turbo in one call, past Pillow's per-file machinery.

For an MNIST- or CIFAR-sized JPEG, Pillow spent 60 us where decoding takes 14: it parses the
markers in Python, builds a decoder, and its pixels then have to be copied out. simplejpeg hands
libjpeg-turbo (the library Pillow decodes JPEG with too, at the same settings: accurate DCT,
smooth chroma upsampling) the bytes and returns the array. The pixels are Pillow's, bit for bit
(tests/features/test_jpeg.py compares them on files from two encoders, and on damaged copies).

Only files whose every header segment is known to leave nothing else to read take this path:
JFIF or comment segments, tables, and one 8-bit baseline, extended or progressive frame of 1 or 3
components. EXIF or XMP (an orientation), a second picture (MPO), an Adobe colour transform, ICC
profiles, arithmetic coding, 12 bits, damaged data (libjpeg-turbo's warnings are errors here):
all go to Pillow, which says what is wrong with a file when anything is.
"""

from __future__ import annotations

import numpy as np
import simplejpeg

_ALLOWED = frozenset({0xE0, 0xFE, 0xDB, 0xC4, 0xDD})  # JFIF (APP0), comment, quantisation/Huffman tables, restarts
_FRAMES = frozenset({0xC0, 0xC1, 0xC2})  # baseline, extended sequential and progressive, Huffman-coded
_SCAN = 0xDA


def decode_small_jpeg(data: bytes, *, min_side: int, max_side: int, max_pixels: int) -> np.ndarray | None:
    """The picture as a read-only (height, width, 1 or 3) uint8 array, grey or RGB as Pillow decodes
    it; None unless `data` is a plain JPEG whose short side lies in [min_side, max_side) and whose
    area is within max_pixels, and decodes without a warning."""
    frame = _plain_frame(data)
    if frame is None:
        return None
    height, width, components = frame
    if not (min_side <= min(height, width) < max_side and height * width <= max_pixels):
        return None
    try:
        pixels = simplejpeg.decode_jpeg(data, colorspace="GRAY" if components == 1 else "RGB", strict=True)
    except ValueError:  # libjpeg-turbo found something to warn about: Pillow will say what
        return None
    if pixels.shape != (height, width, components):
        return None
    pixels.flags.writeable = False  # the type the compiled kernels are loaded for (images.warm_up)
    return pixels


def _plain_frame(data: bytes) -> tuple[int, int, int] | None:
    """(height, width, components) of a JPEG whose segments before its first scan are all in
    _ALLOWED but one frame header in _FRAMES with 8-bit samples and 1 or 3 components; else None."""
    if data[:2] != b"\xff\xd8":
        return None
    frame = None
    at = 2
    end = len(data) - 4
    while at <= end:
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == _SCAN:
            return frame
        length = (data[at + 2] << 8) | data[at + 3]
        if length < 2:
            return None
        if marker in _FRAMES:
            if frame is not None or length < 8 or at + 10 > len(data):
                return None
            precision = data[at + 4]
            height = (data[at + 5] << 8) | data[at + 6]
            width = (data[at + 7] << 8) | data[at + 8]
            components = data[at + 9]
            if precision != 8 or components not in (1, 3) or not height or not width:
                return None
            frame = (height, width, components)
        elif marker not in _ALLOWED:
            return None
        at += 2 + length
    return None
