"""A hostile image folder for the screenshots: an unreadable image, a 14000-px-wide one, and 2,000+ findings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

N_ORIGINALS = 1_100  # each saved twice: 2,200 exact-duplicate findings, plus leakage and conflicting labels


def make_stress_images(root: Path) -> Path:
    """root/train/<class>/ and root/test/<class>/: every original has a byte-identical copy (a tenth of them in
    the test split, a twentieth under another class), one zero-byte file, one truncated PNG, one 14000x60 image."""
    rng = np.random.default_rng(14)
    classes = ["cat", "dog", "fox"]
    for i in range(N_ORIGINALS):
        label = classes[i % 3]
        pixels = rng.integers(0, 256, size=(16 + i % 5, 16 + i % 7, 3), dtype=np.uint8)
        original = root / "train" / label / f"{i:05d}.png"
        original.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(original)
        copy_split = "test" if i % 10 == 0 else "train"
        copy_label = classes[(i + 1) % 3] if i % 20 == 1 else label
        copy = root / copy_split / copy_label / f"{i:05d}-copy.png"
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(original.read_bytes())
    (root / "train" / "cat" / "empty.png").write_bytes(b"")
    (root / "train" / "dog" / "truncated.png").write_bytes(original.read_bytes()[:60])
    wide = np.tile(np.linspace(0, 255, 14_000, dtype=np.uint8), (60, 1))  # a panorama among thumbnails
    Image.fromarray(wide).save(root / "train" / "fox" / "panorama.png")
    return root
