from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from recipe_dash.errors import DataError
from recipe_dash.io import load_dataset
from recipe_dash.io.image_file import open_image
from recipe_dash.settings import get_settings
from tests.conftest import write_image


def test_split_folders_give_ids_labels_and_splits(image_folder: Path) -> None:
    dataset = load_dataset(image_folder)
    assert dataset.kind == "image"
    assert dataset.n_samples == 10
    assert dataset.class_names == ("cat", "dog")
    assert dataset.splits == ("test", "train")
    row = dataset.samples.set_index("sample_id").loc["train/dog/2.png"]
    assert (row["label"], row["split"]) == ("dog", "train")
    assert dataset.open_image("train/dog/2.png").size == (16, 16)


def test_class_folders_without_splits_are_one_split(tmp_path: Path) -> None:
    for i, label in enumerate(["2", "10", "1"]):
        write_image(tmp_path / "d" / label / "a.jpg", i, mode="RGB")
    dataset = load_dataset(tmp_path / "d")
    assert dataset.class_names == ("1", "2", "10")  # natural order
    assert dataset.splits == ("train",)
    assert list(dataset.sample_ids) == ["1/a.jpg", "2/a.jpg", "10/a.jpg"]


def test_nested_files_and_aliases(tmp_path: Path) -> None:
    write_image(tmp_path / "d" / "valid" / "cat" / "deep" / "x.png", 1)
    write_image(tmp_path / "d" / "train" / "cat" / "y.png", 2)
    dataset = load_dataset(tmp_path / "d")
    assert set(dataset.splits) == {"train", "val"}
    assert "valid/cat/deep/x.png" in set(dataset.sample_ids)


def test_loading_never_decodes(image_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("decoded during load")

    monkeypatch.setattr(Image, "open", refuse)
    assert load_dataset(image_folder).n_samples == 10


def test_zero_byte_and_non_image_files_are_listed_not_fatal(image_folder: Path) -> None:
    (image_folder / "train" / "cat" / "empty.png").write_bytes(b"")
    (image_folder / "train" / "cat" / "notes.txt").write_text("hello")
    (image_folder / "train" / "readme.md").write_text("hi")
    dataset = load_dataset(image_folder)
    assert "train/cat/empty.png" in set(dataset.sample_ids)
    assert "train/cat/notes.txt" not in set(dataset.sample_ids)
    notes = " ".join(dataset.load_notes)
    assert "notes.txt" in notes and "zero-byte" in notes and "directly in 'train/'" in notes


def test_folder_without_class_subfolders_is_refused(tmp_path: Path) -> None:
    write_image(tmp_path / "flat" / "a.png", 1)
    with pytest.raises(DataError, match="no class subfolders"):
        load_dataset(tmp_path / "flat")


def test_folder_without_images_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d" / "cat").mkdir(parents=True)
    (tmp_path / "d" / "cat" / "a.txt").write_text("x")
    with pytest.raises(DataError, match="No images found"):
        load_dataset(tmp_path / "d")


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    secret = write_image(tmp_path / "outside" / "secret.png", 9)
    write_image(tmp_path / "d" / "cat" / "a.png", 1)
    (tmp_path / "d" / "cat" / "link.png").symlink_to(secret)
    (tmp_path / "d" / "dog").symlink_to(tmp_path / "outside", target_is_directory=True)
    dataset = load_dataset(tmp_path / "d")
    assert list(dataset.sample_ids) == ["cat/a.png"]


def test_broken_and_fake_images_raise_data_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake.png"
    fake.write_text("not an image")
    truncated = tmp_path / "trunc.png"
    full = write_image(tmp_path / "full.png", 3, size=(64, 64)).read_bytes()
    truncated.write_bytes(full[: len(full) // 2])
    for path in (fake, truncated, tmp_path / "missing.png"):
        with pytest.raises(DataError, match="cannot be decoded"):
            open_image(path)


def test_images_over_the_pixel_limit_are_not_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIPE_DASH_MAX_IMAGE_PIXELS", "1000")
    get_settings.cache_clear()
    big = write_image(tmp_path / "big.png", 1, size=(100, 100))
    with pytest.raises(DataError, match="over the limit"):
        open_image(big)


def test_pillow_bomb_is_a_data_error(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    Image.new("1", (15000, 15000)).save(bomb)  # 225 Mpx: beyond Pillow's own bomb guard too
    with pytest.raises(DataError, match="over the limit"):
        open_image(bomb)
