"""The image feature pass vs the floor (decoding every image with Pillow on all cores).

    python benchmarks/images_scale.py --n 20000
    python benchmarks/images_scale.py --n 100000
    python benchmarks/images_scale.py --n 20000 --tiny

Generates (once, then reuses) a class-folder dataset of synthetic photos (long side 320-640 px, or
28-64 px with --tiny; 85% JPEG, 15% PNG) with planted exact copies, pixel-identical re-encodings,
near copies (resized, re-compressed, cropped by up to 15% of the area, brightened or darkened by
8-15%, rotated by 3-10 degrees), copies across splits and classes, and broken files. Prints
images/s of the floor and of the full pass, their ratio (target <= 1.5x; <= 2x for --tiny, where
fixed per-image costs weigh more), peak memory (target < 2 GB at 100k), the time of the analyzers,
and precision/recall per planted issue type.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any, Self

import numpy as np
import psutil
from PIL import Image, ImageDraw, ImageEnhance

from recipe_dash.analyzers.run import findings_table, run_checks
from recipe_dash.features import compute_features, open_executor
from recipe_dash.io import load_dataset

CLASSES = [f"class_{i}" for i in range(10)]
NEAR_KINDS = ("resize", "recompress", "crop", "brightness", "rotate")


SIDES = (320, 641)  # long side of the photos; --tiny makes them 28-64 px (MNIST/CIFAR-sized)


def _photo(rng: np.random.Generator) -> Image.Image:
    """A synthetic photo: smooth colour field, a few shapes, fine grain."""
    long_side = int(rng.integers(*SIDES))
    aspect = rng.choice([1.0, 0.75, 4 / 3])
    size = (long_side, int(long_side * aspect)) if aspect <= 1 else (int(long_side / aspect), long_side)
    field = rng.integers(0, 256, size=(int(rng.integers(3, 8)), int(rng.integers(3, 8)), 3), dtype=np.uint8)
    image = Image.fromarray(field).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(2, 7))):
        x, y = int(rng.integers(0, size[0])), int(rng.integers(0, size[1]))
        r = int(rng.integers(max(size[0] // 20, 1), max(size[0] // 4, 2)))
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x - r, y - r, x + r, y + r), fill=colour)
    grain = rng.integers(-8, 9, size=(size[1] // 4 + 1, size[0] // 4 + 1, 1), dtype=np.int16)
    pixels = (
        np.asarray(image).astype(np.int16) + np.repeat(np.repeat(grain, 4, axis=0), 4, axis=1)[: size[1], : size[0]]
    )
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _near_copy(image: Image.Image, kind: str, rng: np.random.Generator) -> Image.Image:
    width, height = image.size
    if kind == "resize":
        scale = (
            rng.uniform(0.5, 0.9) if rng.random() < 0.5 else rng.uniform(1.1, 1.5)
        )  # a tiny picture changes size too
        return image.resize((round(width * scale), round(height * scale)), Image.Resampling.BICUBIC)
    if kind == "crop":  # keep a window holding at least 85% of the area, anywhere in the picture
        side = np.sqrt(1 - rng.uniform(0.02, 0.15))
        w, h = min(int(width * side), width - 1), min(int(height * side), height - 1)  # at least a pixel goes
        x, y = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
        return image.crop((x, y, x + w, y + h))
    if kind == "rotate":
        angle = float(rng.choice([-1, 1]) * rng.uniform(3, 10))
        return image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=image.getpixel((0, 0)))
    if kind == "brightness":
        return ImageEnhance.Brightness(image).enhance(float(rng.choice([-1, 1]) * rng.uniform(0.08, 0.15) + 1))
    return image  # "recompress": same picture, saved at a low JPEG quality below


def _write_group(task: tuple[Path, int, dict[str, Any]]) -> list[dict[str, str]]:
    """Write one source photo and its planted variants; return (sample_id, issue, group, kind) records."""
    root, seed, plan = task
    rng = np.random.default_rng(seed)
    image = _photo(rng)
    records: list[dict[str, str]] = []

    def save(picture: Image.Image, split: str, label: str, name: str, fmt: str, **options: Any) -> str:
        sample_id = f"{split}/{label}/{name}"
        path = root / sample_id
        path.parent.mkdir(parents=True, exist_ok=True)
        picture.save(path, format=fmt, **options)
        return sample_id

    fmt, ext = ("PNG", "png") if plan["png"] else ("JPEG", "jpg")
    source = save(image, plan["split"], plan["label"], f"{seed}.{ext}", fmt, quality=90)
    group = f"g{seed}"
    variant = plan.get("variant")
    if variant is None:
        return records
    kind, split, label = variant
    if kind in {"exact", "leak", "conflict"}:
        copy = root / split / label / f"{seed}_copy.{ext}"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / source, copy)
        issues = {
            "exact": ["duplicate"],
            "leak": ["duplicate", "leakage"],
            "conflict": ["duplicate", "conflicting_label"],
        }[kind]
        for sid in (source, f"{split}/{label}/{seed}_copy.{ext}"):
            records += [{"sample_id": sid, "issue_type": i, "group": group, "kind": kind} for i in issues]
    elif kind == "pixels":
        copy = save(Image.open(root / source), split, label, f"{seed}_copy.bmp", "BMP")
        records += [{"sample_id": s, "issue_type": "duplicate", "group": group, "kind": kind} for s in (source, copy)]
    elif kind in NEAR_KINDS:
        quality = int(rng.integers(50, 76)) if kind == "recompress" else 90
        copy = save(_near_copy(image, kind, rng), split, label, f"{seed}_near.jpg", "JPEG", quality=quality)
        records += [
            {"sample_id": s, "issue_type": "near_duplicate", "group": group, "kind": kind} for s in (source, copy)
        ]
    else:  # broken files
        path = root / split / label / f"{seed}_broken.{ext}"
        if kind == "empty":
            path.write_bytes(b"")
        elif kind == "truncated":
            data = (root / source).read_bytes()
            path.write_bytes(data[: min(2000, len(data) // 2)])  # a tiny picture is under 2000 bytes whole
        else:
            path.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n")
        records.append(
            {"sample_id": f"{split}/{label}/{seed}_broken.{ext}", "issue_type": "corrupt", "group": group, "kind": kind}
        )
    return records


def generate(root: Path, n: int, seed: int = 0) -> list[dict[str, str]]:
    """About n files: sources, plus planted variants for a few percent of them."""
    rng = np.random.default_rng(seed)
    variants = (
        ["exact"] * 10
        + ["leak"] * 5
        + ["conflict"] * 3
        + ["pixels"] * 5
        + [k for k in NEAR_KINDS for _ in range(10)]
        + ["empty", "truncated", "text"]
    )  # per 1000 sources: 73 variant files
    n_sources = int(n / (1 + len(variants) / 1000))
    tasks = []
    for i in range(n_sources):
        label, split = CLASSES[int(rng.integers(len(CLASSES)))], "train" if rng.random() < 0.8 else "test"
        plan: dict[str, Any] = {"label": label, "split": split, "png": bool(rng.random() < 0.15)}
        if i % 1000 < len(variants):
            kind = variants[i % 1000]
            other_split = {"train": "test", "test": "train"}[split] if kind == "leak" else split
            other_label = CLASSES[(CLASSES.index(label) + 1) % len(CLASSES)] if kind == "conflict" else label
            plan["variant"] = (kind, other_split, other_label)
        tasks.append((root, seed * 10_000_000 + i, plan))
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        return [r for records in pool.map(_write_group, tasks, chunksize=64) for r in records]


def _decode(paths: list[str]) -> int:
    """The floor's work: read and fully decode each file, nothing else."""
    done = 0
    for path in paths:
        with suppress(OSError, SyntaxError, ValueError):  # broken files are skipped by the floor
            with Image.open(io.BytesIO(Path(path).read_bytes())) as image:
                image.load()
            done += 1
    return done


def floor_seconds(paths: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all processes) to decode every file on all cores.

    Under the same memory monitor as the pass: its sampling costs the main process CPU, and the
    comparison is fair only if both sides pay it.
    """
    chunks = [paths[i : i + 256] for i in range(0, len(paths), 256)]
    cpu = _cpu_seconds()
    with ProcessPoolExecutor(os.cpu_count()) as pool, Monitor():
        started = time.perf_counter()
        sum(pool.map(_decode, chunks))
        seconds = time.perf_counter() - started
    return seconds, _cpu_seconds() - cpu


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (a pool's workers, once it is shut down)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class Monitor(threading.Thread):
    """Peak resident memory of this process and every descendant, sampled every 50 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self._stopped = threading.Event()

    def __enter__(self) -> Self:
        self._sample()
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self.join()
        self._sample()

    def run(self) -> None:
        while not self._stopped.wait(0.05):
            self._sample()

    def _sample(self) -> None:
        me = psutil.Process()
        rss = 0
        for process in [me, *me.children(recursive=True)]:
            try:
                rss += process.memory_info().rss
            except psutil.Error:
                continue
        self.peak = max(self.peak, rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "recipe_dash_bench")
    parser.add_argument("--tiny", action="store_true", help="pictures of 28-64 px instead of 320-640 (target <= 2x)")
    args = parser.parse_args()
    global SIDES
    if args.tiny:
        SIDES = (28, 65)
    root = args.root / (f"tiny_{args.n}" if args.tiny else f"images_{args.n}")
    truth_file = root / "planted.json"
    if not truth_file.exists():
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        planted = generate(root / "data", args.n)
        truth_file.write_text(json.dumps(planted))
        print(f"generated {args.n:,} images in {time.perf_counter() - started:.0f} s")
    planted = json.loads(truth_file.read_text())
    dataset = load_dataset(root / "data")
    paths = dataset.samples["path"].tolist()
    floor_seconds(paths)  # warm the page cache so both runs read from memory
    floor_before, floor_cpu_before = floor_seconds(paths)
    cache_dir = Path(tempfile.mkdtemp(prefix="features_"))
    # the pool is made before the monitor thread starts, so it forks as in the CLI and job workers;
    # CPU time, unlike wall time, barely moves when other programs share the cores (workers count once ended)
    pass_cpu = _cpu_seconds()
    with open_executor("process") as workers, Monitor() as monitor:
        started = time.perf_counter()
        compute_features(dataset, executor=workers, cache_dir=cache_dir)
        full_pass = time.perf_counter() - started
    pass_cpu = _cpu_seconds() - pass_cpu
    floor_after, floor_cpu_after = floor_seconds(paths)
    floor = (floor_before + floor_after) / 2  # before and after: other load on the machine evens out
    floor_cpu = (floor_cpu_before + floor_cpu_after) / 2
    with Monitor() as checks_monitor:  # on the cached features, as the checks run after the pass
        results = run_checks(dataset, checks=["duplicates", "corruption", "imbalance"], cache_dir=cache_dir)
    started = time.perf_counter()
    run_checks(dataset, checks=["duplicates"], cache_dir=cache_dir)
    rerun = time.perf_counter() - started
    shutil.rmtree(cache_dir, ignore_errors=True)

    n = dataset.n_samples
    print(f"{n:,} images, {os.cpu_count()} cores")
    print(
        "floor (read + Pillow decode on all cores, mean of a run before and after): "
        f"{floor:.1f} s = {n / floor:,.0f} images/s"
    )
    target = "2x" if args.tiny else "1.5x"
    print(
        f"feature pass: {full_pass:.1f} s = {n / full_pass:,.0f} images/s; "
        f"ratio to the floor {full_pass / floor:.2f}x (target <= {target})"
    )
    print(
        f"CPU time (all processes): floor {floor_cpu:.1f} s, pass {pass_cpu:.1f} s, ratio {pass_cpu / floor_cpu:.2f}x "
        f"(load {os.getloadavg()[0]:.1f}; the wall ratio suffers when other programs share the cores)"
    )
    print("checks: " + ", ".join(f"{k} {r.seconds:.1f} s" for k, r in results.items()))
    print(f"rerun on the unchanged dataset (cached features + duplicates): {rerun:.1f} s")
    peak = max(monitor.peak, checks_monitor.peak)
    print(f"peak memory (process + workers): {peak / 1e9:.2f} GB (target < 2 GB at 100k)")
    _score(findings_table(results), planted)


def _score(findings: Any, planted: list[dict[str, str]]) -> None:
    found_pairs = {
        (s, t) for s, t in zip(findings["sample_id"], findings["issue_type"], strict=True) if isinstance(s, str)
    }
    for issue_type in ("duplicate", "near_duplicate", "leakage", "conflicting_label", "corrupt"):
        truth = {r["sample_id"] for r in planted if r["issue_type"] == issue_type}
        found = {s for s, t in found_pairs if t == issue_type}
        hits = len(found & truth)
        print(
            f"{issue_type}: planted {len(truth)}, found {len(found)}, precision {hits / max(len(found), 1):.3f}, "
            f"recall {hits / max(len(truth), 1):.3f}"
        )
    for kind in NEAR_KINDS:
        members = [r["sample_id"] for r in planted if r["kind"] == kind]
        hits = sum((s, "near_duplicate") in found_pairs for s in members)
        print(f"  near copies by {kind}: recall {hits / max(len(members), 1):.3f} ({len(members) // 2} pairs)")


if __name__ == "__main__":
    main()
