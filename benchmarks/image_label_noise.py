"""Image label noise on handwritten digits nobody here tuned to: F1 against planted flips, and the model's time.

    python benchmarks/image_label_noise.py                 # 1,797 digits, then 2,000 images
    python benchmarks/image_label_noise.py --style mixed   # a harder set: inverted, recoloured, 32-64 px

Every one of scikit-learn's 1,797 digits becomes a 64 px RGB PNG (default style: 30% rotated by up to
12 degrees, 30% tinted on a dark coloured background, 30% with pixel noise); 5% of them, drawn at
random, are filed under another class (the answer key is that draw). The feature pass is run first
and not timed; then the label-noise check alone (out-of-fold model + confident learning, its cache
empty) is timed, and precision, recall and F1 against the flips are printed with the out-of-fold
accuracy the summary states. A second set of 2,000 images (the 1,797 and 203 redrawn) times the
model at the issue's size. Target (issue #12): F1 >= 0.85, model < 60 s on 2 cores for 2,000 images.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

FLIP_RATE = 0.05


def make_digits(root: Path, n: int, *, style: str, seed: int = 0) -> set[str]:
    """Write n digit PNGs (all 1,797 first, then redrawn ones) in class folders; return the flipped ids."""
    rng = np.random.default_rng(seed)
    digits = load_digits()
    sources = np.r_[np.arange(len(digits.images)), rng.integers(0, len(digits.images), max(0, n - len(digits.images)))]
    flipped = set(rng.choice(n, size=round(FLIP_RATE * n), replace=False).tolist())
    ids = set()
    for i, k in enumerate(sources[:n]):
        side = 64 if style == "issue" else int(rng.integers(32, 65))
        gray = Image.fromarray((digits.images[k] / 16 * 255).astype(np.uint8)).resize((side, side), Image.BICUBIC)
        if style == "mixed" or rng.random() < 0.3:
            gray = gray.rotate(float(rng.uniform(-12, 12)), resample=Image.BILINEAR, fillcolor=0)
        ink = np.asarray(gray).astype(np.float64) / 255
        if style == "mixed":
            ink = 1 - ink if rng.random() < 0.5 else ink
            fg, bg = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
            if abs(fg.mean() - bg.mean()) < 0.35:  # keep the digit visible
                bg = np.clip(bg + (0.4 if bg.mean() < 0.5 else -0.4), 0, 1)
        else:
            tinted = rng.random() < 0.3
            fg = rng.uniform(0.5, 1, 3) if tinted else np.ones(3)
            bg = rng.uniform(0, 0.3, 3) if tinted else np.zeros(3)
        rgb = bg * (1 - ink[..., None]) + fg * ink[..., None]
        if style == "mixed" or rng.random() < 0.3:
            rgb += rng.normal(0, rng.uniform(0.02, 0.08), rgb.shape)
        label = int(digits.target[k])
        if i in flipped:
            label = int((label + rng.integers(1, 10)) % 10)
        sample_id = f"{'test' if rng.random() < 0.2 else 'train'}/{label}/d{i:05d}.png"
        (root / sample_id).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8), "RGB").save(root / sample_id)
        if i in flipped:
            ids.add(sample_id)
    return ids


def measure(root: Path, flipped: set[str]) -> None:
    from recipe_dash.analyzers import label_noise
    from recipe_dash.features import compute_features
    from recipe_dash.io import load_dataset

    dataset = load_dataset(root)
    features = compute_features(dataset, cache_dir=root.parent / "features")
    started = time.perf_counter()
    result = label_noise.analyze(dataset, features, cache_dir=root.parent / "oof")
    seconds = time.perf_counter() - started
    found = set(result.findings["sample_id"])
    hits = len(found & flipped)
    precision, recall = hits / max(len(found), 1), hits / max(len(flipped), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    print(
        f"{dataset.n_samples:,} images, {len(flipped)} flipped: model (label_noise check) {seconds:.1f} s "
        f"(target < 60 s on 2 cores); out-of-fold accuracy {result.details.oof_accuracy:.3f}; flagged "
        f"{len(found)}: precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f} (target >= 0.85)"
    )
    print(f"  summary: {result.summary}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--style", choices=["issue", "mixed"], default="issue")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1797, 2000])
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; style {args.style}")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RECIPE_DASH_HOME"] = str(Path(tmp) / "home")
        for n in args.sizes:
            root = Path(tmp) / f"digits_{n}" / "data"
            measure(root, make_digits(root, n, style=args.style))


if __name__ == "__main__":
    main()
