from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from recipe_dash.analyzers import corruption
from recipe_dash.features import compute_features
from recipe_dash.io import load_dataset
from tests.conftest import write_image


def test_each_kind_of_bad_image_is_found_and_good_ones_are_not(tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    for i in range(10):
        write_image(root / "a" / f"good{i}.png", seed=i, size=(32, 32))
    good = root / "a" / "good0.png"
    (root / "a" / "empty.png").write_bytes(b"")
    (root / "a" / "cut.png").write_bytes(good.read_bytes()[:60])
    (root / "a" / "notes.png").write_text("hello, I am text")
    buffer = io.BytesIO()
    Image.open(good).convert("RGB").save(buffer, format="JPEG")
    (root / "a" / "jpeg_named.png").write_bytes(buffer.getvalue())
    Image.open(good).convert("CMYK").save(root / "a" / "cmyk.jpg")
    Image.fromarray((np.arange(1024).reshape(32, 32) * 60).astype(np.uint16)).save(root / "a" / "deep.png")
    palette = Image.open(good).convert("P")
    palette.info["transparency"] = 0
    palette.save(root / "a" / "palette_alpha.png", transparency=0)
    Image.open(good).convert("P").save(root / "a" / "palette_plain.png")  # palette without alpha is fine
    write_image(root / "a" / "speck.png", seed=50, size=(3, 3))
    write_image(root / "a" / "strip.png", seed=51, size=(320, 16))
    Image.new("L", (4200, 4100), 128).save(root / "a" / "huge.png")
    dataset = load_dataset(root)
    result = corruption.analyze(dataset, compute_features(dataset))
    flagged = dict(zip(result.findings["sample_id"], result.findings["detail"], strict=True))
    kinds = dict(zip(result.findings["sample_id"], result.findings["issue_type"], strict=True))
    assert kinds == {
        "a/empty.png": "corrupt",
        "a/cut.png": "corrupt",
        "a/notes.png": "corrupt",
        # valid files that need a deliberate conversion: format notes, never `corrupt`
        "a/jpeg_named.png": "wrong_extension",
        "a/cmyk.jpg": "unusual_mode",
        "a/deep.png": "unusual_mode",
        "a/palette_alpha.png": "unusual_mode",
        "a/speck.png": "odd_size",
        "a/strip.png": "odd_size",
        "a/huge.png": "odd_size",
    }
    assert flagged["a/jpeg_named.png"].startswith("The content is JPEG but the name ends in .png: rename it to .jpeg")
    assert "16-bit" in flagged["a/deep.png"] and "CMYK" in flagged["a/cmyk.jpg"]
    assert flagged["a/huge.png"].startswith("Huge image (4200x4100)")
    notes = result.findings[result.findings["issue_type"] != "corrupt"]
    assert (
        notes["score"].max() <= 0.5
        and result.findings.loc[result.findings["issue_type"] == "corrupt", "score"].min() == 1
    )
    assert result.verdict == "fail"
    assert (result.details.n_corrupt_samples, result.details.n_format_notes) == (3, 7)
    assert result.summary.startswith("3 corrupt images: fix or drop them before training; 7 format notes")


def test_bad_cells_and_useless_columns_in_a_table(tmp_path: Path) -> None:
    n = 200
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n).astype(object),
            "y": rng.normal(size=n),
            "site": "site-01",
            "notes": [None] * (n - 5) + ["see chart"] * 5,
            "blank": [None] * n,
            "code": [str(i) if i % 2 else f"LOT-{i}" for i in range(n)],
            "label": rng.choice(["a", "b"], size=n),
        }
    )
    frame.loc[7, "x"] = "??"
    frame.loc[9, "x"] = "1,5"
    frame.loc[11, "y"] = np.inf
    frame.loc[13, "y"] = np.nan
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    text = path.read_text().splitlines()
    text[0] += ",y"  # a second column named 'y'
    path.write_text("\n".join([text[0], *(line + ",0" for line in text[1:])]) + "\n")
    dataset = load_dataset(path)
    result = corruption.analyze(dataset, compute_features(dataset))
    cells = result.findings[result.findings["sample_id"].notna()]
    assert sorted(cells["sample_id"].astype(int)) == [7, 9, 11, 13]
    columns = result.findings[result.findings["sample_id"].isna()]
    assert set(zip(columns["group"], columns["issue_type"], strict=True)) == {
        ("column:site", "constant_column"),
        ("column:notes", "high_missing"),
        ("column:notes", "constant_column"),
        ("column:blank", "empty_column"),
        ("column:code", "mixed_types"),
        ("column:y", "duplicated_column"),
        ("column:y.1", "constant_column"),
    }
    assert result.verdict == "fail"


def test_a_clean_table_passes(tmp_path: Path) -> None:
    path = tmp_path / "clean.csv"
    pd.DataFrame({"x": np.arange(50.0), "c": ["u", "v"] * 25, "label": ["a", "b"] * 25}).to_csv(path, index=False)
    dataset = load_dataset(path)
    result = corruption.analyze(dataset, compute_features(dataset))
    assert (result.verdict, len(result.findings)) == ("pass", 0)


def test_frames_and_exif_rotation_are_notes_and_valid_files_only_notes(tmp_path: Path) -> None:
    """Animated PNG/GIF, multi-page TIFF, EXIF-rotated JPEG: loaders read them differently from viewers."""
    root = tmp_path / "imgs"
    for i in range(8):
        write_image(root / "a" / f"good{i}.png", seed=i, size=(32, 32))
    frames = [Image.open(root / "a" / f"good{i}.png").convert("RGB") for i in range(3)]
    frames[0].save(root / "a" / "anim.png", save_all=True, append_images=frames[1:])
    frames[0].convert("P").save(
        root / "a" / "anim.gif", save_all=True, append_images=[f.convert("P") for f in frames[1:]]
    )
    frames[0].convert("L").save(
        root / "a" / "pages.tif", save_all=True, append_images=[f.convert("L") for f in frames[1:]]
    )
    exif = Image.Exif()
    exif[0x0112] = 6
    frames[0].save(root / "a" / "turned.jpg", exif=exif)
    upright = Image.Exif()
    upright[0x0112] = 1  # 'as stored': no note
    frames[1].save(root / "a" / "upright.jpg", exif=upright)
    Image.new("L", (1, 1), 7).save(root / "a" / "dot.png")
    dataset = load_dataset(root)
    result = corruption.analyze(dataset, compute_features(dataset))
    kinds = dict(zip(result.findings["sample_id"], result.findings["issue_type"], strict=True))
    assert kinds == {
        "a/anim.png": "several_frames",
        "a/anim.gif": "several_frames",
        "a/pages.tif": "several_frames",
        "a/turned.jpg": "exif_rotated",
        "a/dot.png": "odd_size",
    }
    detail = dict(zip(result.findings["sample_id"], result.findings["detail"], strict=True))
    assert (
        detail["a/pages.tif"].startswith("3 pages (multi-page TIFF)")
        and "rotated 90° clockwise" in detail["a/turned.jpg"]
    )
    assert result.verdict == "warn" and result.details.n_corrupt_samples == 0
    assert result.summary.startswith("5 format notes")
