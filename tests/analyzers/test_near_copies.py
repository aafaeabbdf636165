"""Image near copies among look-alikes: edited copies are found, distinct look-alikes are not.

The answer key is how each file was made (which scan, which edit), never a distance; the closest
pairs of distinct scans (by their raw 8x8 values) are kept as hard negatives.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance
from sklearn.datasets import load_digits

from recipe_dash.analyzers import duplicates
from recipe_dash.features import compute_features
from recipe_dash.io import load_dataset

SIDE = 64
EDITS = {
    "rotated +8": lambda im: im.rotate(8, resample=Image.Resampling.BICUBIC, fillcolor=235),
    "rotated -5": lambda im: im.rotate(-5, resample=Image.Resampling.BICUBIC, fillcolor=235),
    "cropped 12%, resized back": lambda im: im.crop((6, 2, 64, 62)).resize((SIDE, SIDE), Image.Resampling.BICUBIC),
    "cropped 10%": lambda im: im.crop((0, 0, 64, 58)),
    "shifted": lambda im: _shifted(im, 4, 3),
    "JPEG 40": lambda im: Image.open(io.BytesIO(_jpeg(im, 40))),
    "noise": lambda im: _noisy(im, 8.0),
    "brighter": lambda im: ImageEnhance.Brightness(im).enhance(1.15),
    "resized 40": lambda im: im.resize((40, 40), Image.Resampling.LANCZOS),
}


def _shifted(im: Image.Image, dx: int, dy: int) -> Image.Image:
    out = Image.new("L", im.size, 235)
    out.paste(im, (dx, dy))
    return out


def _jpeg(im: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _noisy(im: Image.Image, sigma: float) -> Image.Image:
    pixels = np.asarray(im).astype(np.float64) + np.random.default_rng(0).normal(0, sigma, (SIDE, SIDE))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _render(scan: np.ndarray) -> Image.Image:
    """A 0..16 8x8 scan as dark ink on light paper, 64x64."""
    pixels = 235.0 - scan * (200.0 / 16.0)
    return Image.fromarray(pixels.astype(np.uint8)).resize((SIDE, SIDE), Image.Resampling.LANCZOS)


@pytest.fixture(scope="module")
def look_alikes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[tuple[str, str]], list[tuple[str, str]]]:
    """240 distinct scans (the 12 closest pairs among them kept as hard negatives) and 2 copies per edit."""
    root = tmp_path_factory.mktemp("look_alikes")
    digits = load_digits()
    scans, targets = digits.images[:240], digits.target[:240]
    raw = scans.reshape(len(scans), -1)
    distance = np.linalg.norm(raw[:, None] - raw[None], axis=-1) + np.eye(len(raw)) * 1e9
    upper = np.triu_indices(len(raw), 1)
    closest = np.argsort(distance[upper])[:12]
    ids = [f"train/{t}/{i:04d}.png" for i, t in enumerate(targets)]
    for sid, scan in zip(ids, scans, strict=True):
        (root / sid).parent.mkdir(parents=True, exist_ok=True)
        _render(scan).save(root / sid)
    copies = set()
    for k, edit in enumerate(EDITS.values()):
        for source in (10 * k + 3, 10 * k + 7):
            copy = f"test/{targets[source]}/copy{k}_{source}.png"
            (root / copy).parent.mkdir(parents=True, exist_ok=True)
            edit(Image.open(root / ids[source]).convert("L")).save(root / copy)
            copies.add((ids[source], copy))
    hard = [(ids[upper[0][k]], ids[upper[1][k]]) for k in closest]
    return root, copies, hard


def test_edited_copies_are_found_and_look_alikes_are_not(look_alikes) -> None:
    root, copies, hard = look_alikes
    dataset = load_dataset(root)
    result = duplicates.analyze(dataset, compute_features(dataset))
    near = result.findings[result.findings["issue_type"] == "near_duplicate"]
    group = dict(zip(near["sample_id"], near["group"], strict=True))
    found = [a in group and group[a] == group.get(b) for a, b in copies]
    truth = {s for pair in copies for s in pair}
    precision = len(set(group) & truth) / max(len(group), 1)
    assert np.mean(found) >= 0.9 and precision >= 0.9, (np.mean(found), precision)
    assert not [pair for pair in hard if pair[0] in group and group[pair[0]] == group.get(pair[1])]
    assert result.details.typical_residual is not None and result.details.residual_threshold <= -2.5
    leaked = set(result.findings.loc[result.findings["issue_type"] == "leakage", "sample_id"])
    assert leaked <= truth and len(leaked) >= len(truth) * 0.9  # every copy sits in test, its original in train


def _folder(root: Path, n: int) -> Path:
    """`n` distinct scans in two class folders (a and b); returns the folder of class a."""
    for i, scan in enumerate(load_digits().images[:n]):
        (root / "ab"[i % 2]).mkdir(parents=True, exist_ok=True)
        _render(scan).save(root / "ab"[i % 2] / f"d{i:02d}.png")
    return root / "a"


def test_a_chain_of_small_edits_is_not_one_cluster(tmp_path: Path) -> None:
    """Each picture is the previous one turned 6 degrees more: neighbours are copies, the ends are not."""
    digits = load_digits()
    folder = _folder(tmp_path, 60)
    chain = [_render(digits.images[100])]
    for _ in range(5):
        chain.append(chain[-1].rotate(6, resample=Image.Resampling.BICUBIC, fillcolor=235))
    for k, picture in enumerate(chain):
        picture.save(folder / f"chain{k}.png")
    dataset = load_dataset(tmp_path)
    result = duplicates.analyze(dataset, compute_features(dataset))
    near = result.findings[result.findings["issue_type"] == "near_duplicate"]
    group = {Path(s).name: g for s, g in zip(near["sample_id"], near["group"], strict=True)}
    assert sum(f"chain{k}.png" in group for k in range(6)) >= 4  # links were found...
    assert group.get("chain0.png", "a") != group.get("chain5.png", "b")  # ...but 30 degrees apart is no copy
    assert group.get("chain0.png", "a") != group.get("chain4.png", "b")


def test_a_copy_that_no_longer_decodes_is_never_a_near_copy(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 40)
    EDITS["rotated +8"](Image.open(folder / "d04.png")).save(folder / "copy.png")
    dataset = load_dataset(tmp_path)
    features = compute_features(dataset)
    assert "a/copy.png" in set(duplicates.analyze(dataset, features).findings["sample_id"])
    (folder / "copy.png").write_bytes(b"\\x89PNG broken since the feature pass")
    flagged = set(duplicates.analyze(dataset, features).findings["sample_id"])
    assert "a/copy.png" not in flagged and "a/d04.png" not in flagged


def test_a_dataset_that_is_mostly_one_picture_gets_one_finding(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 5)
    blank = Image.new("L", (32, 32), 255)
    for i in range(40):
        blank.save(folder / f"blank{i}.png")
    dataset = load_dataset(tmp_path)
    result = duplicates.analyze(dataset, compute_features(dataset))
    assert len(result.findings) == 1 and "40 of the 45 samples" in result.findings["detail"].iloc[0]


def test_pictures_that_are_mostly_near_copies_of_each_other_get_one_finding(tmp_path: Path) -> None:
    """The same picture with fresh noise each time: no copy stands out from its neighbours."""
    picture = np.asarray(_render(load_digits().images[0])).astype(np.float64)
    rng = np.random.default_rng(0)
    for i in range(40):
        noisy = np.clip(picture + rng.normal(0, 3.0, picture.shape), 0, 255).astype(np.uint8)
        (tmp_path / "ab"[i % 2]).mkdir(exist_ok=True)
        Image.fromarray(noisy).save(tmp_path / "ab"[i % 2] / f"frame{i:02d}.png")
    dataset = load_dataset(tmp_path)
    result = duplicates.analyze(dataset, compute_features(dataset))
    assert len(result.findings) == 1 and result.findings["sample_id"].isna().all()
    assert "Most pictures are near copies" in result.findings["detail"].iloc[0]
    assert result.details.near_search_skipped and result.verdict == "warn"
