"""How long the Browse page's backend takes on a large image folder: listing, filtering, one gallery page.

    python benchmarks/browse_scale.py --n 100000

Prints seconds for: loading the dataset (no decoding), filtering by class, making the first page of
48 thumbnails (cold), and the same page again (cached). The cost of a page must not grow with n.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from PIL import Image

from recipe_dash import browse
from recipe_dash.io import load_dataset
from recipe_dash.io.thumbnails import thumbnails

T = TypeVar("T")


def make_folder(root: Path, n: int, n_classes: int = 10) -> None:
    """n small PNGs in train/test class folders; one encoded image copied to save time."""
    rng = np.random.default_rng(0)
    root.mkdir(parents=True)
    payloads = []
    for i in range(64):
        path = root / f"seed{i}.png"
        Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8)).save(path)
        payloads.append(path.read_bytes())
        path.unlink()
    for i in range(n):
        split = "test" if i % 5 == 0 else "train"
        folder = root / split / str(i % n_classes)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i:07d}.png").write_bytes(payloads[i % len(payloads)])


def timed(label: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = fn()
    print(f"{label:<38} {time.perf_counter() - start:8.3f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "images"
        os.environ["RECIPE_DASH_HOME"] = str(Path(tmp) / "home")
        timed(f"generate {args.n:,} images", lambda: make_folder(root, args.n))
        dataset = timed("load_dataset (list, no decode)", lambda: load_dataset(root))
        chosen = timed("filter to class 3", lambda: browse.filter_samples(dataset, labels=["3"]))
        timed("sample table (all rows)", lambda: browse.sample_table(dataset, dataset.samples))
        page = browse.page_of(chosen, 5, 48)
        paths = [dataset.image_path(s) for s in page["sample_id"]]
        timed("48 thumbnails, cold", lambda: thumbnails(paths))
        timed("48 thumbnails, cached", lambda: thumbnails(paths))
        print(f"samples: {dataset.n_samples:,}  classes: {len(dataset.class_names)}  splits: {dataset.splits}")


if __name__ == "__main__":
    main()
