"""Shared fixtures: an isolated RECIPE_DASH_HOME per test and small datasets built on the fly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from recipe_dash.settings import get_settings

# The bundled samples with their planted issues; a throwaway PostgreSQL (postgres_url, store_url).
pytest_plugins = ["tests.analyzers._planted", "tests._postgres"]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own store, uploads and thumbnails, and may read anything under tmp_path."""
    home = tmp_path / "home"
    monkeypatch.setenv("RECIPE_DASH_HOME", str(home))
    monkeypatch.setenv("RECIPE_DASH_DB", f"sqlite:///{home / 'test.db'}")
    monkeypatch.delenv("RECIPE_DASH_OPEN_DATASET", raising=False)
    get_settings.cache_clear()  # open_store() follows: it asks the settings for the URL on every call
    yield home
    get_settings.cache_clear()


def write_image(path: Path, seed: int, size: tuple[int, int] = (16, 16), mode: str = "L") -> Path:
    """A small random image, different for every seed."""
    rng = np.random.default_rng(seed)
    channels = {"L": (), "RGB": (3,)}[mode]
    pixels = rng.integers(0, 256, size=(size[1], size[0], *channels), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels, mode=mode).save(path)
    return path


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """root/train/{cat,dog}/ and root/test/{cat,dog}/ with 3 + 2 images per class."""
    root = tmp_path / "pets"
    seed = 0
    for split, n in (("train", 3), ("test", 2)):
        for label in ("cat", "dog"):
            for i in range(n):
                seed += 1
                write_image(root / split / label / f"{i}.png", seed)
    return root
