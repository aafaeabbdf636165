from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image

from recipe_dash.io import thumbnails as module
from recipe_dash.io.thumbnails import thumbnail, thumbnails
from recipe_dash.settings import get_settings
from tests.conftest import write_image


def test_thumbnails_are_made_once_and_remade_when_the_file_changes(tmp_path: Path) -> None:
    source = write_image(tmp_path / "a.png", 1, size=(400, 200), mode="RGB")
    first = thumbnail(source, size=64)
    tile = Image.open(first.path)
    assert tile.size == (64, 64)  # every tile the same size: the 2:1 image letterboxed on the tile colour
    assert tile.getpixel((32, 2)) == (240, 242, 246) and tile.getpixel((32, 32)) != (240, 242, 246)
    mtime = first.path.stat().st_mtime_ns
    assert thumbnail(source, size=64).path == first.path
    assert first.path.stat().st_mtime_ns == mtime
    write_image(source, 2, size=(100, 100), mode="RGB")
    assert thumbnail(source, size=64).path != first.path


def test_a_panorama_shows_its_middle_not_a_one_pixel_line(tmp_path: Path) -> None:
    wide = tmp_path / "panorama.png"
    Image.new("L", (14_000, 60), 200).save(wide)
    tile = Image.open(thumbnail(wide, size=128).path)
    column = [tile.getpixel((64, y)) for y in range(128)]
    assert sum(value == 200 for value in column) >= 128 // 4 - 1  # cropped to 4:1 first: a 32-px band


def test_unusual_modes_become_displayable(tmp_path: Path) -> None:
    cmyk = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (20, 20), (0, 100, 0, 0)).save(cmyk)
    deep = tmp_path / "deep.png"
    Image.new("I;16", (20, 20), 40000).save(deep)
    palette = tmp_path / "p.png"
    Image.new("P", (20, 20)).save(palette, transparency=0)
    for source in (cmyk, deep, palette):
        made = thumbnail(source)
        assert made.path is not None
        assert Image.open(made.path).mode in {"RGB", "RGBA", "L"}
    assert Image.open(thumbnail(deep).path).getpixel((0, 0)) == 40000 // 256


def test_unreadable_files_give_a_placeholder_tile_and_a_short_reason(tmp_path: Path, monkeypatch) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    huge = tmp_path / "huge.png"
    Image.new("L", (300, 200)).save(huge)
    monkeypatch.setenv("RECIPE_DASH_MAX_IMAGE_PIXELS", "1000")
    get_settings.cache_clear()
    made = thumbnails([broken, empty, tmp_path / "gone.png", huge])
    assert [t.error for t in made] == ["not an image", "empty file", "cannot read file", "too large to decode"]
    assert all(Image.open(t.path).size == (128, 128) for t in made)  # a tile as big as a preview
    assert not any(str(tmp_path) in t.error for t in made)  # never a server path
    assert thumbnail(broken).error == made[0].error  # the failure is cached too


def test_two_threads_making_one_preview_at_once_both_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two reviewers' sessions in one server process open the same page: neither may lose its preview."""
    source = write_image(tmp_path / "a.png", 1, size=(40, 30))
    both_saved = threading.Barrier(2, timeout=10)
    contained = module._square_tile

    class SavesThenWaits:
        def __init__(self, image: Image.Image) -> None:
            self.image = image

        def save(self, path: Path, format: str) -> None:
            self.image.save(path, format=format)
            both_saved.wait()  # both partial files are written before either is renamed

    monkeypatch.setattr(module, "_square_tile", lambda image, size: SavesThenWaits(contained(image, size)))
    made: list[module.Thumbnail] = []
    threads = [
        threading.Thread(target=lambda: made.append(thumbnail(source, cache_dir=tmp_path / "cache"))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(made) == 2 and all(t.path is not None and t.path.exists() for t in made)
    assert not list((tmp_path / "cache").rglob("*.tmp"))
