"""Time and peak memory of the full model-based analysis on 20k images and on 1M table rows.

    python benchmarks/model_analysis.py                      # both scenarios, default sizes
    python benchmarks/model_analysis.py --images 20000 --rows 0

Each scenario runs in its own process (so its peak memory is its own) on generated data with
planted flipped labels and outliers, and prints seconds per step (feature pass, then label_noise,
outliers, biases, distributions, local_global), the total, the peak resident memory of the
analysing process (and of its largest child process), and how well the plants were found.
Target from issue #5: under 5 minutes and 4 GB per scenario on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.datasets import load_digits, make_classification

FLIP_RATE = 0.05
N_OUTLIERS = 20


def make_images(root: Path, n: int, seed: int = 0) -> tuple[set[str], set[str]]:
    """n 32x32 digit PNGs (sklearn digits shifted by up to 2 px, plus noise) in train/test class
    folders, 5% filed under a wrong class, N_OUTLIERS pure-noise images. Returns (flipped, outliers)."""
    rng = np.random.default_rng(seed)
    digits = load_digits()
    base = np.stack(
        [np.asarray(Image.fromarray((im * 15.9).astype(np.uint8)).resize((28, 28))) for im in digits.images]
    )
    flipped: set[str] = set()
    outliers: set[str] = set()
    for i in range(n):
        k = int(rng.integers(len(base)))
        canvas = np.zeros((32, 32), dtype=np.float64)
        top, left = rng.integers(0, 5, size=2)
        canvas[top : top + 28, left : left + 28] = base[k]
        label = int(digits.target[k])
        is_outlier, is_flipped = i < N_OUTLIERS, i >= N_OUTLIERS and rng.random() < FLIP_RATE
        if is_outlier:
            canvas = rng.uniform(0, 255, (32, 32))
        if is_flipped:
            label = int((label + rng.integers(1, 10)) % 10)
        pixels = np.clip(canvas + rng.normal(0, 8, canvas.shape), 0, 255).astype(np.uint8)
        sample_id = f"{'test' if i % 5 == 0 else 'train'}/{label}/{i:06d}.png"
        (root / sample_id).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels, "L").save(root / sample_id)
        (outliers if is_outlier else flipped if is_flipped else set()).add(sample_id)
    return flipped, outliers


def make_table(path: Path, n: int, seed: int = 0) -> tuple[set[str], set[str]]:
    """n rows: 30 numeric features (3 classes), a category, an id column, 5% flipped labels,
    N_OUTLIERS rows scaled 30x, a train/test split. Returns (flipped, outliers) as sample ids."""
    rng = np.random.default_rng(seed)
    X, y = make_classification(
        n_samples=n, n_features=30, n_informative=12, n_redundant=6, n_classes=3, class_sep=1.5, random_state=seed
    )
    X[:N_OUTLIERS] *= 30
    flip = rng.random(n) < FLIP_RATE
    flip[:N_OUTLIERS] = False
    given = np.where(flip, (y + rng.integers(1, 3, n)) % 3, y)
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"f{i}" for i in range(30)])
    frame.insert(0, "record_id", rng.permutation(n) + 10_000_000)
    frame["region"] = rng.choice(["north", "south", "east", "west", "centre"], n)
    frame["label"] = np.array(["a", "b", "c"])[given]
    frame["split"] = np.where(rng.random(n) < 0.2, "test", "train")
    frame.to_parquet(path, index=False)
    return {str(i) for i in np.flatnonzero(flip)}, {str(i) for i in range(N_OUTLIERS)}


def run_scenario(kind: str, n: int) -> dict[str, Any]:
    """Generate, then analyse in this process; everything after generation is timed."""
    from recipe_dash.analyzers import ANALYZERS
    from recipe_dash.features import compute_features
    from recipe_dash.io import load_dataset

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RECIPE_DASH_HOME"] = str(Path(tmp) / "home")
        source = Path(tmp) / ("images" if kind == "images" else "rows.parquet")
        started = time.perf_counter()
        flipped, outliers = make_images(source, n) if kind == "images" else make_table(source, n)
        steps: dict[str, float] = {"generate (not counted)": time.perf_counter() - started}
        generated_rss = _peak_mb()
        started = time.perf_counter()
        dataset = load_dataset(source)
        features = compute_features(dataset)
        steps["load + feature pass"] = time.perf_counter() - started
        results = {}
        names = ["label_noise", "outliers", "biases", "distributions"] + (["local_global"] if kind == "images" else [])
        for name in names:
            started = time.perf_counter()
            results[name] = ANALYZERS[name](dataset, features)
            steps[name] = time.perf_counter() - started
    found = set(results["label_noise"].findings["sample_id"])
    ranked = results["outliers"].details.scores.sort_values("outlier_score", ascending=False)
    top = set(ranked["sample_id"].head(len(outliers)))
    return {
        "kind": kind,
        "n": dataset.n_samples,
        "steps": steps,
        "total": sum(v for k, v in steps.items() if not k.startswith("generate")),
        "peak_mb": _peak_mb(),
        "peak_mb_after_generation": generated_rss,
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "label_noise_f1": 2 * len(found & flipped) / max(len(found) + len(flipped), 1),
        "noise_rate": results["label_noise"].details.noise_rate,
        "planted_rate": len(flipped) / dataset.n_samples,
        "outlier_recall_at_k": len(top & outliers) / len(outliers),
        "summaries": {name: r.summary for name, r in results.items()},
    }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def report(result: dict[str, Any]) -> None:
    print(f"\n== {result['kind']}: {result['n']:,} samples ==")
    for step, seconds in result["steps"].items():
        print(f"  {step:<28} {seconds:8.1f} s")
    print(f"  {'total (load to last check)':<28} {result['total']:8.1f} s   (target < 300 s)")
    print(
        f"  peak memory, analysing process {result['peak_mb']:8.0f} MB   (target < 4096 MB; "
        f"{result['peak_mb_after_generation']:.0f} MB after generating the data)"
    )
    print(
        f"  peak memory, largest child     {result['worker_peak_mb']:8.0f} MB   (feature workers; a forked child "
        "counts the pages it shares with its parent)"
    )
    print(
        f"  label noise F1 {result['label_noise_f1']:.3f}; estimated rate {result['noise_rate']:.3%} vs planted "
        f"{result['planted_rate']:.3%}; outlier recall@k {result['outlier_recall_at_k']:.2f}"
    )
    for name, summary in result["summaries"].items():
        print(f"  {name}: {summary}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=20_000, help="number of images (0 to skip)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="number of table rows (0 to skip)")
    parser.add_argument("--scenario", choices=["images", "table"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:  # child process: run one scenario, print its result as JSON
        print(json.dumps(run_scenario(args.scenario, args.images if args.scenario == "images" else args.rows)))
        return
    for kind, n in (("images", args.images), ("table", args.rows)):
        if n:
            out = subprocess.run(
                [sys.executable, __file__, "--scenario", kind, "--images", str(args.images), "--rows", str(args.rows)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            report(json.loads(out.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
