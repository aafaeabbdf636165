"""Awkward but legal inputs, one small maker per case, shared by the loader, CLI and page tests.

Each maker writes its dataset under a folder and returns the path to load. They come from a corpus of
~100 hostile and unusual datasets (valid-but-unusual images, broken images, file names, CSV layouts,
special files, Parquet types) tried against the CLI while fixing issue #13.
"""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from tests.conftest import write_image

ODD_NAMES = [
    b"caf\xe9.png",
    b"\xff\xfe.png",
    b"two\nlines.png",
    b'say "hi".png',
    b"-rf.png",
    "🐱.png".encode(),
    b"\x1b[31mred.png",
]


def fs_path(folder: Path, *parts: bytes) -> str:
    """A path whose last parts are raw bytes (not necessarily UTF-8), as os.fsdecode gives it."""
    return os.fsdecode(b"/".join([os.fsencode(folder), *parts]))


def odd_names_folder(root: Path) -> Path:
    """root/<class>/<name> with names that are not UTF-8, hold a newline or quotes, start with a dash, or
    are emoji; one class folder is not UTF-8 either. Every picture differs."""
    for i in range(4):
        write_image(root / "plain" / f"{i}.png", seed=i)
    for i, name in enumerate(ODD_NAMES):
        Image.fromarray(_pixels(100 + i)).save(fs_path(root, b"plain", name))
    os.makedirs(fs_path(root, b"ch\xe2t"))
    for i in range(3):
        Image.fromarray(_pixels(200 + i)).save(fs_path(root, b"ch\xe2t", f"{i}.png".encode()))
    return root


def special_file(path: Path, kind: str) -> Path:
    """A named pipe, a socket or a character device (/dev/zero's numbers) at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))
    else:
        os.mknod(path, 0o600 | 0o020000, os.makedev(1, 5))  # S_IFCHR: needs root, as on CI
    return path


def unusual_images_folder(root: Path) -> dict[str, str]:
    """Valid images a pipeline must convert on purpose, beside plain ones; sample id -> expected issue type."""
    for i in range(8):
        write_image(root / "a" / f"good{i}.png", seed=i, size=(32, 32))
    base = Image.fromarray(_pixels(7, 32))
    expected = {
        "a/png_named.jpg": ("wrong_extension", _encoded(base, "PNG")),
        "a/cmyk.jpg": ("unusual_mode", _encoded(base.convert("CMYK"), "JPEG")),
        "a/deep.png": ("unusual_mode", _encoded(Image.fromarray(np.asarray(base).astype(np.uint16) * 257), "PNG")),
        "a/palette_alpha.png": ("unusual_mode", _encoded(base.convert("P"), "PNG", transparency=0)),
        "a/gray_alpha.png": ("unusual_mode", _encoded(base.convert("LA"), "PNG")),
        "a/dot.png": ("odd_size", _encoded(Image.new("L", (1, 1), 9), "PNG")),
        "a/strip.png": ("odd_size", _encoded(Image.new("L", (10000, 1), 9), "PNG")),
    }
    for sample_id, (_, data) in expected.items():
        (root / sample_id).write_bytes(data)
    return {sample_id: issue for sample_id, (issue, _) in expected.items()}


def nested_parquet(path: Path, n: int = 40) -> Path:
    """Plain columns beside list, struct and map columns, and a fixed-size list (an embedding)."""
    rng = np.random.default_rng(7)
    label = rng.choice(["yes", "no"], n)
    table = pa.table(
        {
            "x": np.where(label == "yes", 1.0, -1.0) + rng.normal(0, 0.3, n),
            "k": rng.integers(0, 5, n),
            "tags": pa.array([[f"t{i % 3}", "u"] if i % 4 else [] for i in range(n)], pa.list_(pa.string())),
            "point": pa.array(
                [{"lat": float(i), "lon": -float(i)} for i in range(n)],
                pa.struct([("lat", pa.float64()), ("lon", pa.float64())]),
            ),
            "attrs": pa.array([[("a", i), ("b", 2 * i)] for i in range(n)], pa.map_(pa.string(), pa.int64())),
            "emb": pa.array([rng.normal(size=4).tolist() for _ in range(n)], pa.list_(pa.float64(), 4)),
            "label": pa.array(label),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:  # a file object: Arrow refuses path strings that are not UTF-8
        pq.write_table(table, fh)
    return path


def _pixels(seed: int, size: int = 16) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 60, (size, size)).astype(np.uint8)
    pixels[seed % size, :] = 255
    return pixels


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()
