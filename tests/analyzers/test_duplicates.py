from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageEnhance

from recipe_dash.analyzers import duplicates
from recipe_dash.features import compute_features
from recipe_dash.io import load_dataset


def _scene(path: Path, seed: int, size: tuple[int, int] = (96, 80)) -> Path:
    """A smooth random picture (blobs of colour), unlike any other seed's."""
    rng = np.random.default_rng(seed)
    base = Image.fromarray(rng.integers(0, 256, size=(5, 6, 3), dtype=np.uint8)).resize(size, Image.Resampling.BICUBIC)
    path.parent.mkdir(parents=True, exist_ok=True)
    base.save(path)
    return path


@pytest.fixture
def copies(tmp_path: Path) -> Path:
    """train/test class folders with planted copies of each kind, and 12 unrelated pictures."""
    root = tmp_path / "copies"
    for i in range(12):
        _scene(root / "train" / ("cat" if i % 2 else "dog") / f"plain{i}.png", seed=100 + i)
    exact = _scene(root / "train" / "cat" / "exact_a.png", seed=1)
    shutil.copy(exact, root / "train" / "cat" / "exact_b.png")
    pixels = _scene(root / "train" / "dog" / "pixels_a.png", seed=2)
    Image.open(pixels).save(root / "train" / "dog" / "pixels_b.bmp")
    near = _scene(root / "train" / "cat" / "near_a.png", seed=3)
    Image.open(near).resize((120, 100), Image.Resampling.BICUBIC).save(root / "train" / "cat" / "near_b.png")
    bright = _scene(root / "train" / "dog" / "bright_a.png", seed=4)
    ImageEnhance.Brightness(Image.open(bright)).enhance(1.1).save(root / "train" / "dog" / "bright_b.jpg", quality=85)
    _scene(root / "test" / "cat" / "plain_test.png", seed=200)
    _scene(root / "test" / "dog" / "plain_test.png", seed=201)
    leak = _scene(root / "train" / "dog" / "leak_a.png", seed=5)
    shutil.copy(leak, root / "test" / "dog" / "leak_b.png")
    conflict = _scene(root / "train" / "dog" / "conflict_a.png", seed=6)
    shutil.copy(conflict, root / "test" / "cat" / "conflict_b.png")
    return root


def _flagged(result: duplicates.Result, issue_type: str) -> set[str]:
    rows = result.findings[result.findings["issue_type"] == issue_type]
    return {Path(s).stem for s in rows["sample_id"]}


def test_every_member_of_every_planted_cluster_is_reported_and_nothing_else(copies: Path) -> None:
    dataset = load_dataset(copies)
    result = duplicates.analyze(dataset, compute_features(dataset))
    assert _flagged(result, "duplicate") == {
        "exact_a",
        "exact_b",
        "pixels_a",
        "pixels_b",
        "leak_a",
        "leak_b",
        "conflict_a",
        "conflict_b",
    }
    assert _flagged(result, "near_duplicate") == {"near_a", "near_b", "bright_a", "bright_b"}
    assert _flagged(result, "leakage") == {"leak_a", "leak_b", "conflict_a", "conflict_b"}
    assert _flagged(result, "conflicting_label") == {"conflict_a", "conflict_b"}
    assert result.verdict == "fail"
    groups = result.findings.groupby("group")["sample_id"].nunique()
    assert (groups == 2).all()  # each pair shares one group, distinct from every other pair
    pixel_row = result.findings[result.findings["sample_id"] == "train/dog/pixels_b.bmp"]
    assert pixel_row["detail"].iloc[0] == "Same pixels, different file, as train/dog/pixels_a.png."


def test_a_clean_folder_passes(image_folder: Path) -> None:
    dataset = load_dataset(image_folder)
    result = duplicates.analyze(dataset, compute_features(dataset))
    assert (result.verdict, len(result.findings)) == ("pass", 0)


def test_moving_the_evidence_threshold_merges_and_splits_clusters(copies: Path) -> None:
    dataset = load_dataset(copies)
    links = duplicates.search(dataset, compute_features(dataset))
    assert links.unit == "evidence" and links.loosest == pytest.approx(0.2)
    thresholds = np.linspace(1.0, links.loosest, 17)
    members = [set(duplicates.clusters(dataset, links, threshold=t)["sample_id"]) for t in thresholds]
    assert all(a <= b for a, b in pairwise(members))  # a looser threshold only adds members
    at_default = duplicates.clusters(dataset, links, threshold=duplicates.DEFAULT_MIN_EVIDENCE)
    assert at_default["cluster"].nunique() == 6 and at_default.groupby("cluster")["size"].first().eq(2).all()
    assert len(members[0]) >= 8  # exact copies cluster at any threshold
    with pytest.raises(ValueError, match="beyond the searched range"):
        duplicates.clusters(dataset, links, threshold=links.loosest - 0.1)


def test_table_copies_that_differ_by_id_or_jitter_are_found(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(10, 3, size=(60, 6)), columns=[f"f{i}" for i in range(6)])
    frame.insert(0, "record_id", np.arange(1000, 1060))
    frame["colour"] = rng.choice(["red", "blue"], size=60)
    frame["label"] = rng.choice(["a", "b"], size=60)
    frame["split"] = "train"
    frame.loc[50] = frame.loc[3].to_numpy()  # exact copy, new id below
    frame.loc[51] = frame.loc[4].to_numpy()
    frame.loc[51, "split"] = "test"  # leaked copy
    features = [f"f{i}" for i in range(6)]
    frame.loc[52] = frame.loc[5].to_numpy()
    frame.loc[52, features] = frame.loc[5, features].astype(float) * (1 + 1e-4)  # jittered copy
    frame.loc[53] = frame.loc[6].to_numpy()
    frame.loc[53, features] = frame.loc[6, features].astype(float) * (1 + 1e-4)
    frame.loc[53, "colour"] = "green"  # same numbers, different text: not a copy
    frame["record_id"] = np.arange(1000, 1060)
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    dataset = load_dataset(path)
    result = duplicates.analyze(dataset, compute_features(dataset))
    found = {(s, t) for s, t in zip(result.findings["sample_id"], result.findings["issue_type"], strict=True)}
    assert found == {
        ("3", "duplicate"),
        ("50", "duplicate"),
        ("4", "duplicate"),
        ("51", "duplicate"),
        ("4", "leakage"),
        ("51", "leakage"),
        ("5", "near_duplicate"),
        ("52", "near_duplicate"),
    }
    assert "record_id" in result.details.ignored_columns


def test_a_dense_table_is_searched_as_wide_as_it_affords_and_says_so(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(80_000, 2)), columns=["x", "y"])
    frame["label"] = rng.choice(["a", "b"], size=len(frame))
    frame.loc[1, ["x", "y"]] = frame.loc[0, ["x", "y"]] + 1e-4  # a jittered copy
    frame.to_csv(tmp_path / "dense.csv", index=False)
    dataset = load_dataset(tmp_path / "dense.csv")
    links = duplicates.search(dataset, compute_features(dataset))
    # at the widest radius a typical row would meet hundreds of others: a narrower one is searched
    assert duplicates.DEFAULT_MAX_JITTER <= links.max_distance < duplicates.SEARCH_JITTERS[0] and links.skipped is None
    assert {"0", "1"} <= set(duplicates.clusters(dataset, links, threshold=0.001)["sample_id"])
    assert "threshold stops at" in (duplicates.search_note(links) or "")


def test_the_search_note_is_silent_when_the_full_range_was_searched(copies: Path) -> None:
    dataset = load_dataset(copies)
    assert duplicates.search_note(duplicates.search(dataset, compute_features(dataset))) is None
