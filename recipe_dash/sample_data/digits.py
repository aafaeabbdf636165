"""The bundled ``digits`` image-folder dataset with planted problems.

Why this shape: analyzer tests need an *exact* answer key, and it must not be built with any
detector's own rule. So nothing is deduplicated by a hash distance: every source scan is kept, the
natural look-alikes among them stay in, and the closest pairs of distinct scans (by the raw 8x8
values of the scans, before any rendering) are listed as ``hard_negatives`` that no check may call
copies. Every planted problem uses its own source images; a planted near copy is whatever its edit
makes (rotation, crop, shift, resize, re-encoding, brightness, contrast, noise), never filtered by a
hash; file names come from one shuffled counter so nothing but the manifest reveals a plant.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recipe_dash.sample_data import _imaging as im
from recipe_dash.sample_data._manifest import Entry, build_manifest, cluster_entries, entry

CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))
RARE_CLASS = "9"  #: Downsampled to plant ``imbalance``; no other plant touches it.
RARE_FRACTION = 1 / 8
TEST_FRACTION = 0.2
N_EXACT, N_REENCODED, N_NEAR, N_LEAK, N_CONFLICT = 10, 4, 18, 8, 6
N_SOURCES = 1350  #: Scans drawn at random (not screened) from the 1,797: the sample stays small.
N_HARD_NEGATIVES = 25  #: Closest pairs of distinct scans kept side by side, never to be called copies.
_LEAK_EDITS = (8, 9, 5, 11)  #: DEGRADATIONS used by the near-copy leaks: rotation, 15% crop, JPEG, shift.
_CONFLICT_EDITS = (10, 4, 12)  #: ...and by the near-copy label conflicts: rotation, resize, noise.
FLIP_RATE = 0.05
NOISE_DENOMINATOR = (
    "digit images that are neither planted corrupt files nor outliers, "
    "counting each duplicate/near-duplicate cluster once"
)


@dataclass(frozen=True)
class _File:
    split: str
    label: str
    data: bytes
    ext: str


@dataclass
class _Builder:
    """Collects files and planted entries; sample ids exist only once named."""

    files: list[_File] = field(default_factory=list)
    plants: list[tuple[str, int, str, str | None, dict[str, Any]]] = field(default_factory=list)
    clusters: list[tuple[tuple[str, ...], str, list[tuple[int, str]]]] = field(default_factory=list)

    def add(self, split: str, label: str, data: bytes, ext: str = ".png") -> int:
        self.files.append(_File(split, label, data, ext))
        return len(self.files) - 1

    def plant(self, issue_type: str, file: int, detail: str, group: str | None = None, **extra: Any) -> None:
        self.plants.append((issue_type, file, detail, group, extra))

    def cluster(self, kinds: tuple[str, ...], group: str, members: list[tuple[int, str]]) -> None:
        self.clusters.append((kinds, group, members))

    def sample_ids(self, rng: np.random.Generator) -> list[str]:
        """Number all files from one shuffled counter so names reveal nothing."""
        numbers = rng.permutation(len(self.files))
        return [f"{f.split}/{f.label}/{n:05d}{f.ext}" for f, n in zip(self.files, numbers, strict=True)]

    def entries(self, ids: list[str]) -> list[Entry]:
        planted = [entry(kind, ids[i], detail, group=group, **extra) for kind, i, detail, group, extra in self.plants]
        for kinds, group, members in self.clusters:
            planted += cluster_entries([(ids[i], detail) for i, detail in members], kinds, group)
        return planted


@dataclass
class _Pool:
    """Clean base images not yet used by any plant, in seeded random order."""

    pixels: np.ndarray
    labels: dict[int, str]
    splits: dict[int, str]
    order: list[int]

    def take(self) -> int:
        """Remove and return the next available image."""
        if not self.order:
            raise RuntimeError("sample pool exhausted; lower the planted counts")
        return self.order.pop(0)

    def near_copy(self, degradation: im.Degradation) -> tuple[int, bytes]:
        """The next image and its edited copy (whatever the edit makes: no detector vets it)."""
        idx = self.take()
        return idx, degradation.apply(self.pixels[idx])


@dataclass(frozen=True)
class _LookAlike:
    a: int  #: Source indices of two distinct scans...
    b: int
    distance: float  #: ...and the Euclidean distance of their raw 8x8 values (0..16 per pixel).


def make_digits(root: Path, *, seed: int = 0) -> dict[str, Any]:
    """Write ``root/{train,test}/<class>/*`` and return its ground-truth manifest.

    ``root/train`` and ``root/test`` are replaced wholesale (they are fully
    generated); nothing else under ``root`` is touched.
    """
    rng = np.random.default_rng(seed)
    pixels, targets = im.load_upscaled_digits()
    everything = sorted(int(i) for i in rng.choice(len(pixels), size=N_SOURCES, replace=False))
    splits = _stratified_split(everything, targets, rng)
    kept = _downsample_rare(everything, targets, splits, rng)
    look_alikes = _closest_pairs([i for i in kept if str(targets[i]) != RARE_CLASS], N_HARD_NEGATIVES)
    reserved = {i for pair in look_alikes for i in (pair.a, pair.b)}
    pool = _make_pool(pixels, targets, splits, [i for i in kept if i not in reserved], rng)

    b = _Builder()
    _plant_near(b, pool)
    _plant_exact(b, pool, rng)
    _plant_reencoded(b, pool)
    _plant_leakage(b, pool)
    _plant_conflicts(b, pool, rng)
    n_corrupt = _plant_corrupt(b, pool, rng)
    n_outliers = _plant_outliers(b, rng)
    n_flipped = _plant_flips(b, pool, rng)
    file_of = {i: b.add(splits[i], str(targets[i]), im.png(pixels[i])) for i in sorted(reserved)}
    for idx in pool.order + [i for i in kept if pool.labels.get(i) == RARE_CLASS and i not in reserved]:
        b.add(pool.splits[idx], pool.labels[idx], im.png(pixels[idx]))

    ids = b.sample_ids(rng)
    _write(root, ids, b.files)
    planted = [*b.entries(ids), _imbalance_entry(b.files)]
    extra_copies = sum(len(members) - 1 for _, _, members in b.clusters)
    denominator = len(b.files) - n_corrupt - n_outliers - extra_copies
    return build_manifest(
        "digits",
        seed,
        planted,
        n_samples=len(b.files),
        class_counts={c: sum(f.label == c for f in b.files) for c in CLASSES},
        split_counts=dict(sorted(Counter(f.split for f in b.files).items())),
        noise_rate=round(n_flipped / denominator, 6),
        noise_rate_denominator=f"{denominator} = {NOISE_DENOMINATOR}",
        hard_negatives=[
            {
                "a": ids[file_of[pair.a]],
                "b": ids[file_of[pair.b]],
                "detail": f"Distinct scans (sources {pair.a} and {pair.b}), raw 8x8 distance {pair.distance:.2f}: "
                "natural look-alikes, not copies.",
            }
            for pair in look_alikes
        ],
        n_source_images=len(pixels),
    )


# --------------------------------------------------------------------------- base set
def _closest_pairs(candidates: list[int], n_pairs: int) -> list[_LookAlike]:
    """The `n_pairs` closest pairs of distinct scans by their raw 8x8 values, no scan in two pairs.

    Raw scans, not the rendered images or any hash: the answer key must not share a definition
    with the detectors it scores."""
    raw = im.raw_digits()[candidates]
    squared = (raw**2).sum(axis=1)
    distance = np.sqrt(np.maximum(squared[:, None] + squared[None, :] - 2.0 * raw @ raw.T, 0.0))
    upper = np.triu_indices(len(candidates), 1)
    used: set[int] = set()
    pairs: list[_LookAlike] = []
    for k in np.argsort(distance[upper], kind="stable"):
        i, j = candidates[upper[0][k]], candidates[upper[1][k]]
        if i not in used and j not in used:
            pairs.append(_LookAlike(i, j, float(distance[upper[0][k], upper[1][k]])))
            used |= {i, j}
        if len(pairs) == n_pairs:
            break
    return pairs


def _stratified_split(kept: list[int], targets: np.ndarray, rng: np.random.Generator) -> dict[int, str]:
    """~80/20 train/test within every class."""
    splits: dict[int, str] = {}
    for digit in range(10):
        members = [i for i in kept if targets[i] == digit]
        shuffled = rng.permutation(members)
        n_test = round(TEST_FRACTION * len(members))
        splits.update({int(i): ("test" if k < n_test else "train") for k, i in enumerate(shuffled)})
    return splits


def _downsample_rare(
    kept: list[int], targets: np.ndarray, splits: dict[int, str], rng: np.random.Generator
) -> list[int]:
    """Shrink the rare class to ~1/8 of the median other class, per split."""
    rare = int(RARE_CLASS)
    others = [sum(targets[i] == d for i in kept) for d in range(10) if d != rare]
    target = round(float(np.median(others)) * RARE_FRACTION)
    keep_rare: list[int] = []
    for split in ("train", "test"):
        members = [i for i in kept if targets[i] == rare and splits[i] == split]
        n_split = round(target * (TEST_FRACTION if split == "test" else 1 - TEST_FRACTION))
        keep_rare += [int(i) for i in rng.choice(members, size=n_split, replace=False)]
    return [i for i in kept if targets[i] != rare or i in keep_rare]


def _make_pool(
    pixels: np.ndarray,
    targets: np.ndarray,
    splits: dict[int, str],
    kept: list[int],
    rng: np.random.Generator,
) -> _Pool:
    """Everything but the rare class is available to plants, in random order."""
    order = [int(i) for i in rng.permutation(kept) if str(targets[i]) != RARE_CLASS]
    return _Pool(
        pixels=pixels,
        labels={i: str(targets[i]) for i in kept},
        splits={i: splits[i] for i in kept},
        order=order,
    )


def _other_class(label: str, rng: np.random.Generator) -> str:
    """A random wrong class, never the rare one (its count must stay as planted)."""
    choices = [c for c in CLASSES if c not in (label, RARE_CLASS)]
    return str(rng.choice(choices))


# --------------------------------------------------------------------------- plants
def _plant_near(b: _Builder, pool: _Pool) -> None:
    """Original + one perceptually degraded copy, same split and class."""
    for k in range(N_NEAR):
        deg = im.DEGRADATIONS[k % len(im.DEGRADATIONS)]
        src, data = pool.near_copy(deg)
        split, label = pool.splits[src], pool.labels[src]
        members = [
            (b.add(split, label, im.png(pool.pixels[src])), "Original of a near-duplicate pair."),
            (b.add(split, label, data, deg.ext), f"Near copy of the cluster's original, {deg.detail}."),
        ]
        b.cluster(("near_duplicate",), f"g-near-{k + 1}", members)


def _plant_exact(b: _Builder, pool: _Pool, rng: np.random.Generator) -> None:
    """Byte-identical copies (1 or 2 per original), same split and class."""
    for k in range(N_EXACT):
        src = pool.take()
        split, label, data = pool.splits[src], pool.labels[src], im.png(pool.pixels[src])
        n_copies = int(rng.integers(1, 3))
        members = [(b.add(split, label, data), "Original of a byte-identical duplicate cluster.")]
        members += [
            (b.add(split, label, data), "Byte-identical copy of the cluster's original, same split and class.")
            for _ in range(n_copies)
        ]
        b.cluster(("duplicate",), f"g-dup-{k + 1}", members)


def _plant_reencoded(b: _Builder, pool: _Pool) -> None:
    """Identical decoded pixels in a different encoding: still ``duplicate``."""
    for k, enc in enumerate(im.REENCODINGS[:N_REENCODED]):
        src = pool.take()
        split, label = pool.splits[src], pool.labels[src]
        members = [
            (b.add(split, label, im.png(pool.pixels[src])), "Original of a pixel-identical duplicate cluster."),
            (
                b.add(split, label, enc.encoder(pool.pixels[src]), enc.ext),
                f"Same pixels as the original, {enc.detail}.",
            ),
        ]
        b.cluster(("duplicate",), f"g-pix-{k + 1}", members)


def _plant_leakage(b: _Builder, pool: _Pool) -> None:
    """A copy of a train image in test (or vice versa), same class; half exact, half near."""
    for k in range(N_LEAK):
        exact = k % 2 == 0
        if exact:
            src = pool.take()
            data, ext, how = im.png(pool.pixels[src]), ".png", "byte-identical copy"
        else:
            deg = im.DEGRADATIONS[_LEAK_EDITS[k // 2]]
            src, data = pool.near_copy(deg)
            ext, how = deg.ext, f"near copy ({deg.detail})"
        split, label = pool.splits[src], pool.labels[src]
        other = "test" if split == "train" else "train"
        members = [
            (b.add(split, label, im.png(pool.pixels[src])), f"Original in {split}; {how} in {other}."),
            (b.add(other, label, data, ext), f"{how.capitalize()} of a {split} image, placed in {other}."),
        ]
        kind = "duplicate" if exact else "near_duplicate"
        b.cluster((kind, "leakage"), f"g-leak-{k + 1}", members)


def _plant_conflicts(b: _Builder, pool: _Pool, rng: np.random.Generator) -> None:
    """A copy filed under a different class in the same split; half exact, half near."""
    for k in range(N_CONFLICT):
        exact = k % 2 == 0
        if exact:
            src = pool.take()
            data, ext, how = im.png(pool.pixels[src]), ".png", "byte-identical copy"
        else:
            deg = im.DEGRADATIONS[_CONFLICT_EDITS[k // 2]]
            src, data = pool.near_copy(deg)
            ext, how = deg.ext, f"near copy ({deg.detail})"
        split, label = pool.splits[src], pool.labels[src]
        wrong = _other_class(label, rng)
        members = [
            (
                b.add(split, label, im.png(pool.pixels[src])),
                f"Original filed under '{label}'; {how} filed under '{wrong}'.",
            ),
            (b.add(split, wrong, data, ext), f"{how.capitalize()} of a '{label}' image, filed under '{wrong}'."),
        ]
        kind = "duplicate" if exact else "near_duplicate"
        b.cluster((kind, "conflicting_label"), f"g-conf-{k + 1}", members)


def _random_place(rng: np.random.Generator) -> tuple[str, str]:
    """A random (split, class) for a file that has no source digit."""
    split = "test" if rng.random() < TEST_FRACTION else "train"
    return split, _other_class(RARE_CLASS, rng)


def _plant_corrupt(b: _Builder, pool: _Pool, rng: np.random.Generator) -> int:
    """One file per kind of breakage (corrupt, or valid with a format note), each its own entry."""
    for brk in im.BREAKAGES:
        if brk.uses_source:
            src = pool.take()
            split, label, data = pool.splits[src], pool.labels[src], brk.make(pool.pixels[src])
        else:
            (split, label), data = _random_place(rng), brk.make(np.zeros((im.SIZE, im.SIZE), np.uint8))
        kind = "Corrupt" if brk.issue_type == "corrupt" else "Format note"
        b.plant(brk.issue_type, b.add(split, label, data, brk.ext), f"{kind}: {brk.detail}.")
    return len(im.BREAKAGES)


def _plant_outliers(b: _Builder, rng: np.random.Generator) -> int:
    """Non-digit images dropped into random class folders."""
    outliers = im.make_outliers(rng)
    for out in outliers:
        split, label = _random_place(rng)
        b.plant("outlier", b.add(split, label, out.data), out.detail)
    return len(outliers)


def _plant_flips(b: _Builder, pool: _Pool, rng: np.random.Generator) -> int:
    """Move ~5% of the remaining clean images into a random wrong class folder."""
    n_flip = round(FLIP_RATE * len(pool.order))
    for _ in range(n_flip):
        src = pool.take()
        true, given = pool.labels[src], _other_class(pool.labels[src], rng)
        file = b.add(pool.splits[src], given, im.png(pool.pixels[src]))
        detail = f"A '{true}' digit filed under class '{given}'."
        b.plant("label_noise", file, detail, true_label=true, given_label=given)
    return n_flip


def _imbalance_entry(files: list[_File]) -> Entry:
    counts = Counter(f.label for f in files)
    rare = counts[RARE_CLASS]
    median = float(np.median([counts[c] for c in CLASSES if c != RARE_CLASS]))
    return entry(
        "imbalance",
        None,
        f"Class '{RARE_CLASS}' has {rare} images vs a median of {median:g} for the other classes "
        f"(about 1:{median / rare:.1f}).",
        **{"class": RARE_CLASS, "ratio": round(rare / median, 4)},
    )


# --------------------------------------------------------------------------- output
def _write(root: Path, ids: list[str], files: list[_File]) -> None:
    """Replace root/train and root/test with the generated files."""
    for split in ("train", "test"):
        shutil.rmtree(root / split, ignore_errors=True)
    for sample_id, f in zip(ids, files, strict=True):
        path = root / sample_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.data)
