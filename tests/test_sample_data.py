"""The shipped sample datasets are reproducible and their manifests are true.

The manifests are the answer key analyzer tests score against, so these
tests check the key itself: generation is deterministic, the shipped files
match a fresh generation, and every planted claim holds on disk.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from recipe_dash.sample_data import make_all

SHIPPED = Path(__file__).resolve().parents[1] / "sample_data"
DIGITS = SHIPPED / "digits"
CSV = SHIPPED / "breast_cancer.csv"
NON_KEY_COLUMNS = {"record_id", "split", "label"}


def _manifest(name: str, root: Path = SHIPPED) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / f"{name}.manifest.json").read_text(encoding="utf-8"))
    return data


def _groups(manifest: dict[str, Any], issue_type: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for e in manifest["planted"]:
        if e["issue_type"] == issue_type:
            groups[e["group"]].append(e["sample_id"])
    return dict(groups)


def _entries(manifest: dict[str, Any], issue_type: str) -> list[dict[str, Any]]:
    return [e for e in manifest["planted"] if e["issue_type"] == issue_type]


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _open(sample_id: str) -> Image.Image | None:
    """Decode like an analyzer would; None when Pillow refuses the file."""
    try:
        img = Image.open(DIGITS / sample_id)
        img.load()  # also closes the file (single-frame formats), keeps .format
        return img
    except (OSError, Image.DecompressionBombError):
        return None


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fresh")
    make_all(out)
    return out


@pytest.fixture(scope="module")
def digits() -> dict[str, Any]:
    return _manifest("digits")


@pytest.fixture(scope="module")
def table_manifest() -> dict[str, Any]:
    return _manifest("breast_cancer")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """Cells exactly as written (no NA or type guessing)."""
    return pd.read_csv(CSV, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- reproducibility
def test_generation_is_deterministic(fresh: Path, tmp_path: Path) -> None:
    make_all(tmp_path)
    assert _tree(tmp_path) == _tree(fresh)


@pytest.mark.parametrize("name", ["digits", "breast_cancer"])
def test_shipped_manifest_matches_fresh_generation(fresh: Path, name: str) -> None:
    assert _manifest(name) == _manifest(name, fresh)
    assert (SHIPPED / f"{name}.manifest.json").read_text() == (fresh / f"{name}.manifest.json").read_text()


def test_shipped_files_match_fresh_generation(fresh: Path) -> None:
    assert sorted(_tree(SHIPPED)) == sorted(_tree(fresh))
    assert CSV.read_bytes() == (fresh / CSV.name).read_bytes()


def test_shipped_data_is_small() -> None:
    assert sum(p.stat().st_size for p in SHIPPED.rglob("*") if p.is_file()) < 5_000_000


# --------------------------------------------------------------------------- digits
def test_every_digit_sample_id_exists(digits: dict[str, Any]) -> None:
    ids = {e["sample_id"] for e in digits["planted"] if e["sample_id"] is not None}
    assert ids and all((DIGITS / sid).is_file() for sid in ids)


def test_file_names_reveal_nothing() -> None:
    names = [p.name for p in DIGITS.rglob("*") if p.is_file()]
    assert all(re.fullmatch(r"\d{5}\.(png|jpg|bmp)", n) for n in names)
    assert len(set(names)) == len(names)


def test_digit_counts_match_folders(digits: dict[str, Any]) -> None:
    files = [p.relative_to(DIGITS).parts for p in DIGITS.rglob("*") if p.is_file()]
    assert digits["n_samples"] == len(files)
    assert digits["class_counts"] == {c: sum(f[1] == c for f in files) for c in map(str, range(10))}
    assert digits["split_counts"] == dict(Counter(f[0] for f in files))


def test_digit_imbalance(digits: dict[str, Any]) -> None:
    (imb,) = _entries(digits, "imbalance")
    counts = digits["class_counts"]
    median = float(np.median([n for c, n in counts.items() if c != imb["class"]]))
    assert 1 / 10 < counts[imb["class"]] / median < 1 / 6


def test_digit_duplicates_are_identical(digits: dict[str, Any]) -> None:
    groups = _groups(digits, "duplicate")
    assert len(groups) >= 20
    for group, members in groups.items():
        assert len(members) >= 2, group
        first = DIGITS / members[0]
        for other in members[1:]:
            same_bytes = first.read_bytes() == (DIGITS / other).read_bytes()
            a, b = _open(members[0]), _open(other)
            assert a is not None and b is not None
            assert same_bytes or np.array_equal(np.asarray(a), np.asarray(b)), (group, other)


def test_digit_near_pairs_are_edited_copies_not_identical(digits: dict[str, Any]) -> None:
    groups = _groups(digits, "near_duplicate")
    assert len(groups) >= 20
    for group, members in groups.items():
        a, b = (_open(m) for m in members)
        assert a is not None and b is not None and len(members) == 2, group
        assert a.size != b.size or not np.array_equal(np.asarray(a), np.asarray(b)), group
    edits = " ".join(e["detail"] for e in _entries(digits, "near_duplicate"))
    assert all(kind in edits for kind in ("rotated", "cropped", "shifted", "noise", "JPEG", "resized", "contrast"))


def test_nothing_was_deduplicated_by_a_detector_rule(digits: dict[str, Any]) -> None:
    """The answer key must not share the checks' definition: no hash screening of any kind."""
    assert "hash_guarantees" not in digits and "natural_dedup" not in digits
    assert digits["n_source_images"] == 1797 and digits["n_samples"] > 1200


def test_hard_negatives_are_distinct_unplanted_look_alikes(digits: dict[str, Any]) -> None:
    negatives = digits["hard_negatives"]
    assert len(negatives) >= 20
    planted = {e["sample_id"] for e in digits["planted"]}
    members = [sid for pair in negatives for sid in (pair["a"], pair["b"])]
    assert len(set(members)) == len(members) and not set(members) & planted
    for pair in negatives:
        a, b = _open(pair["a"]), _open(pair["b"])
        assert a is not None and b is not None and not np.array_equal(np.asarray(a), np.asarray(b)), pair
        sources = re.search(r"sources (\d+) and (\d+)", pair["detail"])
        assert sources is not None and sources[1] != sources[2], pair


def test_digit_leakage_and_conflicts(digits: dict[str, Any]) -> None:
    leak, conflict = _groups(digits, "leakage"), _groups(digits, "conflicting_label")
    assert len(leak) >= 6 and len(conflict) >= 4
    assert all(len({m.split("/")[0] for m in ms}) == 2 for ms in leak.values())
    assert all(len({m.split("/")[1] for m in ms}) == 2 for ms in conflict.values())
    dup_like = _groups(digits, "duplicate") | _groups(digits, "near_duplicate")
    assert all(sorted(ms) == sorted(dup_like[g]) for g, ms in (leak | conflict).items())


def test_digit_label_noise(digits: dict[str, Any]) -> None:
    flips = _entries(digits, "label_noise")
    assert len(flips) >= 30
    for e in flips:
        assert e["true_label"] != e["given_label"] == e["sample_id"].split("/")[1]
    n = int(digits["noise_rate_denominator"].split(" ")[0])
    assert digits["noise_rate"] == round(len(flips) / n, 6)


def test_digit_corrupt_files_do_not_decode_and_noted_ones_are_valid_but_unusual(digits: dict[str, Any]) -> None:
    corrupt = _entries(digits, "corrupt")
    noted = [e for kind in ("wrong_extension", "unusual_mode", "odd_size") for e in _entries(digits, kind)]
    assert (len(corrupt), len(noted)) == (4, 6)
    for e in corrupt:
        assert _open(e["sample_id"]) is None, e
    for e in noted:
        img = _open(e["sample_id"])
        ext = Path(e["sample_id"]).suffix
        assert img is not None and (
            img.mode not in ("L", "RGB") or img.size != (32, 32) or (img.format or "").lower() not in ext
        ), e
    with pytest.raises(Image.DecompressionBombError):
        bomb = next(e["sample_id"] for e in corrupt if "bomb" in e["detail"])
        Image.open(DIGITS / bomb)


def test_digit_plants_are_disjoint(digits: dict[str, Any]) -> None:
    kinds: dict[str, set[str]] = defaultdict(set)
    for e in digits["planted"]:
        if e["sample_id"]:
            kinds[e["sample_id"]].add(e["issue_type"])
    cluster = {"duplicate", "near_duplicate", "leakage", "conflicting_label"}
    assert all(k <= cluster or len(k) == 1 for k in kinds.values())


# --------------------------------------------------------------------------- table
def test_every_table_sample_id_exists(table: pd.DataFrame, table_manifest: dict[str, Any]) -> None:
    ids = [e["sample_id"] for e in table_manifest["planted"] if e["sample_id"] is not None]
    assert ids and all(0 <= int(sid) < len(table) for sid in ids)
    assert table_manifest["n_samples"] == len(table)
    assert table_manifest["class_counts"] == dict(Counter(table["label"]))
    assert table["record_id"].is_unique


def test_table_duplicates_and_near_duplicates(table: pd.DataFrame, table_manifest: dict[str, Any]) -> None:
    key = [c for c in table.columns if c not in NON_KEY_COLUMNS]
    features = table_manifest["feature_columns"]
    for group, members in _groups(table_manifest, "duplicate").items():
        rows = table.loc[[int(m) for m in members], key]
        assert len(rows.drop_duplicates()) == 1, group
    for group, members in _groups(table_manifest, "near_duplicate").items():
        a, b = (table.loc[int(m), features].astype(float).to_numpy() for m in members)
        assert not np.array_equal(a, b) and np.allclose(a, b, rtol=1e-3, atol=0), group
        assert table.loc[[int(m) for m in members], [c for c in key if c not in features]].nunique().max() == 1
    assert not table.duplicated(key).sum() > sum(len(m) - 1 for m in _groups(table_manifest, "duplicate").values())


def test_table_leakage_and_conflicts(table: pd.DataFrame, table_manifest: dict[str, Any]) -> None:
    for members in _groups(table_manifest, "leakage").values():
        assert table.loc[[int(m) for m in members], "split"].nunique() == 2
    for members in _groups(table_manifest, "conflicting_label").values():
        assert table.loc[[int(m) for m in members], "label"].nunique() == 2


def test_table_label_noise(table: pd.DataFrame, table_manifest: dict[str, Any]) -> None:
    flips = _entries(table_manifest, "label_noise")
    assert len(flips) >= 10
    for e in flips:
        assert e["true_label"] != e["given_label"] == table.loc[int(e["sample_id"]), "label"]


def test_table_corrupt_cells_are_exactly_the_planted_ones(table: pd.DataFrame, table_manifest: dict[str, Any]) -> None:
    values = table[table_manifest["feature_columns"]].apply(pd.to_numeric, errors="coerce")
    rows, cols = np.nonzero(~np.isfinite(values.to_numpy(dtype=float)))
    bad = {(str(r), str(values.columns[c])) for r, c in zip(rows, cols, strict=True)}
    planted = {(e["sample_id"], e["column"]) for e in _entries(table_manifest, "corrupt")}
    assert bad == planted and len(planted) >= 12


def test_table_outliers_are_far_out(table: pd.DataFrame, table_manifest: dict[str, Any]) -> None:
    values = table[table_manifest["feature_columns"]].apply(pd.to_numeric, errors="coerce")
    outliers = _entries(table_manifest, "outlier")
    clean = values.drop(index=[int(e["sample_id"]) for e in outliers]).replace([np.inf, -np.inf], np.nan)
    for e in outliers:
        for column in e["columns"]:
            v = values.loc[int(e["sample_id"]), column]
            assert v > 2 * clean[column].max() or v < 0, (e["sample_id"], column)


def test_table_column_level_plants(table: pd.DataFrame, table_manifest: dict[str, Any]) -> None:
    by_type = {e["issue_type"]: e for e in table_manifest["planted"] if e["sample_id"] is None}
    assert table[by_type["constant_column"]["column"]].nunique() == 1
    assert (table[by_type["high_missing"]["column"]] == "").mean() >= 0.9
    numeric = pd.to_numeric(table[by_type["mixed_types"]["column"]], errors="coerce").notna().mean()
    assert 0.2 < numeric < 0.8
    leaks = {e["column"] for e in table_manifest["planted"] if e["issue_type"] == "bias"}
    assert leaks == {"billing_code", "intake_score"}
    billing = table["billing_code"].str[0].map({"B": "benign", "M": "malignant"})
    assert (billing == table["label"]).mean() >= 0.95
    intake = np.where(table["intake_score"].astype(float) < 15, "benign", "malignant")
    assert 0.88 <= (intake == table["label"]).mean() <= 0.96  # a noisy copy, short of near-perfect
    honest = [e["column"] for e in table_manifest["hard_negatives"]]
    assert honest and set(honest) <= set(table_manifest["feature_columns"])
    counts = table["label"].value_counts()
    assert 3.5 <= counts["benign"] / counts["malignant"] <= 5
