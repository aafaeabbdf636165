"""Small JPEGs decoded past Pillow give every feature exactly as the Pillow path does.

The corpus is made two ways (Pillow's encoder with its options, libjpeg-turbo's through simplejpeg
with every chroma subsampling) and then damaged (truncated, bits flipped in the header and in the
scan, junk before or after, the end marker gone): whatever the fast path accepts must come out as
Pillow's, and what it refuses must still reach Pillow, which names the damage.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pytest
import simplejpeg
from PIL import Image

from recipe_dash.features import images
from recipe_dash.features.jpeg import decode_small_jpeg

_SIZES = [(28, 28), (32, 32), (64, 48), (6, 90), (127, 127), (40, 7), (5, 30), (128, 130), (3, 3)]


def _picture(rng: np.random.Generator, height: int, width: int, channels: int) -> np.ndarray:
    field = Image.fromarray(rng.integers(0, 256, (3, 3, 3), dtype=np.uint8))
    smooth = np.asarray(field.resize((width, height), Image.Resampling.BICUBIC))
    noise = rng.integers(-20, 21, (height, width, 3))
    return np.clip(smooth + noise, 0, 255).astype(np.uint8)[:, :, :channels].copy()


def _encodings(rng: np.random.Generator) -> list[tuple[str, bytes]]:
    files = []
    for height, width in _SIZES:
        for channels in (1, 3):
            pixels = _picture(rng, height, width, channels)
            picture = Image.fromarray(pixels[:, :, 0] if channels == 1 else pixels)
            for options in (
                {"quality": 90},
                {"quality": 20, "progressive": True},
                {"quality": 75, "optimize": True, "restart_marker_blocks": 2},
                {"quality": 50, "comment": "a comment segment"},
            ):
                if channels == 3:
                    options = options | {"subsampling": int(rng.integers(0, 3))}
                buffer = io.BytesIO()
                picture.save(buffer, "JPEG", **options)
                files.append((f"pillow {options}", buffer.getvalue()))
            for subsampling in ("Gray",) if channels == 1 else ("444", "422", "420", "440", "411"):
                colorspace = "GRAY" if channels == 1 else "RGB"
                data = simplejpeg.encode_jpeg(pixels, quality=60, colorspace=colorspace, colorsubsampling=subsampling)
                files.append((f"libjpeg-turbo {subsampling}", data))
    return files


def _damaged(files: list[tuple[str, bytes]], rng: random.Random) -> list[tuple[str, bytes]]:
    damaged = []
    for name, original in files:
        data = bytearray(original)
        at = rng.randrange(2, len(data) - 2)
        damaged += [
            (f"{name} truncated at {at}", bytes(data[:at])),
            (f"{name} end marker gone", bytes(data[:-2])),
            (f"{name} junk after", bytes(data) + b"\x13\x37" * 5),
            (f"{name} junk after the start", bytes(data[:2] + b"\x00\x11" + data[2:])),
        ]
        for where in (rng.randrange(2, min(200, len(data))), rng.randrange(len(data) // 2, len(data) - 2)):
            flipped = bytearray(data)
            flipped[where] ^= 1 << rng.randrange(8)
            damaged.append((f"{name} bit flipped at {where}", bytes(flipped)))
    return damaged


@pytest.fixture(scope="module")
def plain() -> list[tuple[str, bytes]]:
    return _encodings(np.random.default_rng(5))


@pytest.fixture(scope="module")
def damaged(plain: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    return _damaged(plain, random.Random(5))


def _features(tmp_path: Path, data: bytes) -> dict[str, object]:
    path = tmp_path / "picture.jpg"
    path.write_bytes(data)
    return images.file_features(path, max_pixels=10**8)


def _taken(data: bytes) -> bool:
    return decode_small_jpeg(data, min_side=6, max_side=128, max_pixels=10**8) is not None


def test_every_feature_equals_the_pillow_paths(
    plain: list[tuple[str, bytes]], damaged: list[tuple[str, bytes]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = plain + damaged
    fast = [_features(tmp_path, data) for _, data in corpus]
    monkeypatch.setattr(images, "decode_small_jpeg", lambda *args, **kwargs: None)
    pillow = [_features(tmp_path, data) for _, data in corpus]
    for (name, _), ours, theirs in zip(corpus, fast, pillow, strict=True):
        assert ours | {"mtime_ns": 0} == theirs | {"mtime_ns": 0}, name  # the file was rewritten in between


def test_the_fast_path_takes_plain_small_files_and_leaves_damaged_ones(
    plain: list[tuple[str, bytes]], damaged: list[tuple[str, bytes]]
) -> None:
    small = [data for _, data in plain if 6 <= min(Image.open(io.BytesIO(data)).size) < 128]
    assert len(small) > 50 and all(map(_taken, small))
    assert not any(_taken(data) for _, data in plain if data not in small)
    refused = ("truncated", "end marker gone", "junk after the start")
    assert not any(_taken(data) for name, data in damaged if any(kind in name for kind in refused))
    assert any(_taken(data) for name, data in damaged if "junk after" in name)  # harmless: Pillow reads it too


def test_exif_icc_and_sizes_outside_the_range_go_to_pillow() -> None:
    picture = Image.fromarray(_picture(np.random.default_rng(1), 40, 40, 3))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: only Pillow's path reads the orientation
    for options in ({"exif": exif.tobytes()}, {"icc_profile": b"\0" * 128}):
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", **options)
        assert decode_small_jpeg(buffer.getvalue(), min_side=6, max_side=128, max_pixels=10**8) is None
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG")
    assert decode_small_jpeg(buffer.getvalue(), min_side=6, max_side=40, max_pixels=10**8) is None
    assert decode_small_jpeg(buffer.getvalue(), min_side=6, max_side=128, max_pixels=1599) is None
    assert decode_small_jpeg(buffer.getvalue(), min_side=6, max_side=128, max_pixels=1600) is not None
